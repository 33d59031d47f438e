"""The alert policy's folding of unstructured headers (crawler/notify/headers.py), at every length.

tests/reliability/test_mail_headers.py checks the same through a real SMTP server; this sweeps every value
length from 1 to 400 characters quickly, ASCII and not, through EmailMessage.as_bytes() and the parser.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from crawler.notify.headers import ALERT_POLICY, fold_text

WORDS = {"ascii": "Kazakhstan unrest: troops arrive in Almaty as protests spread ",
         "non-ascii": "Алматы: войска прибыли, протесты ширятся — warga déjà vu 🙂 "}


@pytest.mark.parametrize("script", list(WORDS))
def test_every_length_folds_with_the_value_on_the_first_line_and_round_trips(script: str) -> None:
    text = WORDS[script] * 8
    for length in range(1, 401):
        value = " ".join(text[:length].split())
        if not value:
            continue
        msg = EmailMessage(policy=ALERT_POLICY)
        msg["Subject"] = value
        msg["References"] = "<article.liputan6.4828015@newswatch.invalid>"
        raw = msg.as_bytes()
        head = raw.split(b"\n\n", 1)[0].split(b"\n")
        assert re.match(rb"^Subject: \S", head[0]), (length, head[0])
        assert all(len(line) <= 78 for line in head), (length, head)
        assert all(line.strip() for line in head), (length, head)
        parsed = message_from_bytes(raw, policy=policy.default)
        assert str(parsed["Subject"]) == value, length
        assert str(parsed["References"]) == "<article.liputan6.4828015@newswatch.invalid>"


def test_a_word_longer_than_a_line_stays_whole_on_the_first_line() -> None:
    word = "x" * 120
    assert fold_text("Subject", f"{word} tail") == f"Subject: {word}\n tail\n"


def test_an_smtputf8_session_folds_non_ascii_text_unencoded() -> None:
    folded = fold_text("Subject", "Алматы " * 20, raw_utf8=True)
    assert "=?" not in folded and folded.startswith("Subject: Алматы Алматы")
    assert all(len(line) <= 78 for line in folded.splitlines())
