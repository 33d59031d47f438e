"""Every header of every kind of mail, as the SMTP server received it (issue 13, D8).

The email package's default folder put a Subject of 70 to 77 characters on a line of its own after an empty
"Subject:" line, so a client showed " [newswatch] ..." with a leading space. Here titles of 40 to 300
characters, ASCII and not, go through the real delivery job (crawler.notify.delivery.deliver on a real
SQLite file) to a real aiosmtpd server on 127.0.0.1: new-article alerts, "Updated:" alerts, a baseline
backlog digest, hourly digests, a crawl-health notice and the test message. For each message received, every
header's first line carries the name and the start of the value, every line is at most 78 characters, and
every decoded value is one line with no leading or trailing space; the Subject decodes to exactly the title
the alert announces.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from crawler.monitor.health import after_run
from crawler.notify.compose import compose_test
from crawler.notify.delivery import deliver
from crawler.notify.smtp import send
from tests.notify.delivery.conftest import world  # noqa: F401
from tests.notify.delivery.world import T0, TOPIC, World, article
from tests.notify.mail.conftest import settings_for, smtp_server, smtp_server_factory  # noqa: F401
from tests.notify.mail.smtpserver import ReceivedMessage

IMMEDIATE, DIGEST, ADMIN = "desk@example.org", "digest@example.org", "admin@example.org"
LENGTHS = [40, 43, 46, 48, 50, 52, 55, 60, 66, 70, 77, 90, 120, 160, 200, 201, 250, 300]
SCRIPTS = {
    "ascii": ("Kazakhstan: 'Like something from an apocalypse film' as fuel price protests spread "
              "from Zhanaozen to Almaty, the government resigns, the airport is seized and troops "
              "of a Russian-led alliance arrive while the internet stays cut across the country for "
              "days and residents queue for bread and petrol in the cold, witnesses tell of gunfire "
              "near the main square at night"),
    "non-ascii": ("Kerusuhan di Almaty: «seperti film kiamat», kata warga — Алматы, Қазақстан: "
                  "протесты из-за цен на газ, Жанаозен; pemerintah mundur, bandara diduduki, "
                  "pasukan CSTO tiba — интернет отключён, очереди за хлебом, стрельба у площади "
                  "ночью; warga menunggu kabar dari keluarga di Almaty dan Nur-Sultan, harga bahan "
                  "bakar naik dua kali lipat, déjà vu"),
}
PREFIX = "[newswatch] Liputan6: "
UPDATED = "[newswatch] Updated: Liputan6: "
_HEADER_START = re.compile(rb"^[!-9;-~]+: \S")


def _titles(script: str) -> list[str]:
    text = SCRIPTS[script]
    assert len(text) >= max(LENGTHS)
    return [text[:n].rstrip() for n in LENGTHS]


def _announced(prefix: str, title: str) -> str:
    """The Subject an alert about `title` must decode to: a title over 200 characters is cut with '…'."""
    shown = title if len(title) <= 200 else title[:199].rstrip() + "…"
    return prefix + shown


def _check_headers(received: ReceivedMessage) -> None:
    head = re.split(rb"\r?\n\r?\n", received.data, maxsplit=1)[0]
    lines = re.split(rb"\r?\n", head)
    for number, line in enumerate(lines):
        assert len(line) <= 78, (number, line)
        if line[:1] in (b" ", b"\t"):
            assert line.strip(), f"blank continuation line after {lines[number - 1]!r}"
        else:
            assert _HEADER_START.match(line), f"header with an empty first line: {line!r}"
    for name, value in received.message.items():
        text = str(value)
        assert text == text.strip() and "\n" not in text and "\r" not in text, (name, text)


def _banned_run(place: World) -> int:
    stats: dict[str, Any] = {"finish_reason": "finished", "downloader/response_count": 30,
                             "downloader/response_status_count/403": 30, "newswatch/discovery/tag_links": 0,
                             "newswatch/articles/new": 0, "newswatch/article/parsed": 0}
    return place.run("liputan6", [], T0 + timedelta(hours=3), stats=stats)


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_every_header_of_every_mail_kind_folds_without_an_empty_first_line(world: World,  # noqa: F811
                                                                            script: str) -> None:
    titles = _titles(script)
    world.configure(subscriptions=[
        {"to": [IMMEDIATE], "topics": [TOPIC], "mode": "immediate"},
        {"to": [DIGEST], "topics": [TOPIC], "mode": "digest", "digest": "hourly", "digest_at": "00:30",
         "timezone": "Asia/Almaty"}],
        alerts={"admin_address": ADMIN}, health={"consecutive_failures": 1})
    # The first run's long-titled article is the baseline: one backlog digest per recipient.
    world.run("liputan6", [article(99, title=titles[-1])], T0 - timedelta(hours=2))
    items = [article(n, title=title) for n, title in enumerate(titles, start=1)]
    world.run("liputan6", items, T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    changed = [article(n, title=title, body=f"Laporan nomor {n} tentang Kazakhstan.\n\nWarga Almaty turun ke "
                                             "jalan.\n\nPemerintah mengumumkan keadaan darurat di Almaty.")
               for n, title in enumerate(titles, start=1)]
    world.run("liputan6", changed, T0 + timedelta(minutes=20))
    deliver(world.store, world.config, now=T0 + timedelta(minutes=40))  # the hourly digest of 03:30 UTC
    deliver(world.store, world.config, now=T0 + timedelta(minutes=90))  # 04:30: the updates' digest
    assert after_run(world.store, world.config, "liputan6", _banned_run(world)).notice == "failing"
    send(settings_for(world.server), compose_test(IMMEDIATE, "alerts@newswatch.test", now=T0), [IMMEDIATE])

    received = world.server.received()
    subjects: dict[str, list[str]] = {}
    for message in received:
        _check_headers(message)
        subjects.setdefault(message.rcpt_tos[0], []).append(str(message.message["Subject"]))

    immediate = subjects[IMMEDIATE]
    assert immediate[0] == f"[newswatch] 1 new article on {TOPIC} (backlog)"
    assert immediate[1:1 + len(titles)] == [_announced(PREFIX, t) for t in titles]
    assert immediate[1 + len(titles):-1] == [_announced(UPDATED, t) for t in titles]
    assert immediate[-1] == "[newswatch] test message"
    assert subjects[DIGEST] == [f"[newswatch] 1 new article on {TOPIC} (backlog)",
                                f"[newswatch] {len(titles)} new articles on {TOPIC}",
                                f"[newswatch] {len(titles)} updated articles on {TOPIC}"]
    assert subjects[ADMIN] == ["[newswatch] health: Liputan6 failing for 1 run"]
