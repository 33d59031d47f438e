"""Composition of alert e-mails: headers, both parts, times in the recipient's zone, threading, digests."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from crawler.core.errors import ConfigError
from crawler.notify.compose import (
    compose_digest,
    compose_health,
    compose_immediate,
    compose_test,
    root_message_id,
    update_message_id,
)
from crawler.notify.events import AlertEvent
from tests.notify.mail.events import ARTICLE_URL, new_event, update_event
from tests.notify.mail.htmlcheck import html_text, links, parts, reparse

SENDER = "newswatch <alerts@newswatch.test>"
READER = "reader@example.org"
NOW = datetime(2022, 1, 7, 12, 0, tzinfo=UTC)
BASE_HEADERS = {"subject", "from", "to", "date", "message-id", "auto-submitted", "x-auto-response-suppress",
                "mime-version", "content-type"}


def immediate(payload: dict[str, Any], **kwargs: Any) -> EmailMessage:
    options = {"to": READER, "from_address": SENDER, "timezone": "Asia/Almaty", "now": NOW, **kwargs}
    return reparse(compose_immediate(payload, **options))


def test_new_article_alert_headers() -> None:
    msg = immediate(new_event())
    assert msg["Subject"] == "[newswatch] Liputan6: Pasukan Rusia tiba di Kazakhstan"
    assert msg["From"].addresses[0].addr_spec == "alerts@newswatch.test"
    assert msg["From"].addresses[0].display_name == "newswatch"
    assert [a.addr_spec for a in msg["To"].addresses] == [READER]
    assert msg["Message-ID"] == "<article.liputan6.4851234@newswatch.invalid>"
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert msg["Date"] == "Fri, 07 Jan 2022 18:00:00 +0600"  # 12:00 UTC in Almaty (UTC+6 in 2022)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert {k.lower() for k in msg} == BASE_HEADERS
    assert msg.get_content_type() == "multipart/alternative"


def test_new_article_alert_bodies() -> None:
    text, html = parts(immediate(new_event()))
    for body in (text, html_text(html)):
        assert "Pasukan Rusia tiba di Kazakhstan" in body
        assert "Pasukan penjaga perdamaian CSTO mulai tiba di Almaty." in body
        # 10:05 in Jakarta (+07) is 09:05 in Almaty (+06)
        assert "2022-01-07 09:05 (Asia/Almaty, UTC+06:00)" in body
        assert "Kazakhstan, Almaty" in body
        assert "Kazakhstan unrest" in body
    assert f"Link: {ARTICLE_URL}" in text
    assert links(html) == [ARTICLE_URL]


def test_publication_time_follows_the_recipient_timezone() -> None:
    text, _ = parts(immediate(new_event(), timezone="Europe/London"))
    assert "2022-01-07 03:05 (Europe/London, UTC+00:00)" in text
    text, _ = parts(immediate(new_event(published_at="2022-01-07T03:05:00Z"), timezone="Asia/Jakarta"))
    assert "2022-01-07 10:05 (Asia/Jakarta, UTC+07:00)" in text


def test_unknown_timezone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        immediate(new_event(), timezone="Mars/Olympus")


def test_update_threads_under_the_first_alert() -> None:
    first = immediate(new_event())
    update = immediate(update_event())
    assert update["Subject"] == "[newswatch] Updated: Liputan6: Pasukan CSTO tiba di Kazakhstan"
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["References"] == first["Message-ID"]
    assert update["Message-ID"] != first["Message-ID"]
    assert {k.lower() for k in update} == BASE_HEADERS | {"in-reply-to", "references"}


def test_message_ids_are_stable_across_restarts() -> None:
    # The root id depends on (source, article_id) only: another event about the same article, composed
    # later with other text, still gets it, and an update names it without any stored state.
    again = immediate(new_event(event_id="999", title="Judul lain"), now=datetime(2023, 5, 1, tzinfo=UTC))
    assert again["Message-ID"] == root_message_id("liputan6", "4851234")
    assert immediate(update_event())["Message-ID"] == immediate(update_event())["Message-ID"]
    assert immediate(update_event(event_id="103"))["Message-ID"] != immediate(update_event())["Message-ID"]
    assert immediate(update_event())["Message-ID"] == update_message_id("liputan6", "4851234", "102")


def test_message_id_domain_is_configurable_and_checked() -> None:
    assert immediate(new_event(), domain="alerts.example.org")["Message-ID"].endswith("@alerts.example.org>")
    with pytest.raises(ConfigError):
        immediate(new_event(), domain="bad domain>")


def test_odd_article_ids_give_valid_distinct_message_ids() -> None:
    ids = ["a.b", "a=2Eb", "x>y@z", "spasi di sini", "é", "a" * 300, "a" * 299 + "b"]
    made = [root_message_id("bbc", i) for i in ids]
    assert len(set(made)) == len(made)
    for mid in made:
        assert re.fullmatch(r"<[A-Za-z0-9=_.-]+@newswatch\.invalid>", mid), mid
        assert len(mid) < 200


def test_update_lists_what_changed() -> None:
    text, html = parts(immediate(update_event()))
    visible = html_text(html)
    for body in (text, visible):
        assert "Title changed" in body
        assert "Pasukan Rusia tiba di Kazakhstan" in body and "Pasukan CSTO tiba di Kazakhstan" in body
        assert "Sekitar 2.500 tentara dilaporkan telah dikerahkan." in body
        assert "Jumlah pasukan belum diketahui." in body
        assert "Ratusan orang ditahan." in body and "Lebih dari 2.000 orang ditahan." in body
    assert "+ Sekitar 2.500 tentara" in text and "- Jumlah pasukan" in text
    assert "<ins>Sekitar 2.500 tentara" in html and "<del>Jumlah pasukan" in html


def test_long_diffs_are_capped() -> None:
    added = [f"Paragraf tambahan nomor {n}." for n in range(25)]
    text, _ = parts(immediate(update_event(diff={"added": added})))
    assert "Added (25)" in text
    assert "Paragraf tambahan nomor 9." in text and "Paragraf tambahan nomor 10." not in text
    assert "… and 15 more" in text


def test_payload_validation_names_the_field() -> None:
    with pytest.raises(ValueError, match="kind"):
        AlertEvent.from_payload(new_event(kind="deleted"))
    with pytest.raises(ValueError, match="article_id"):
        AlertEvent.from_payload(new_event(article_id=None))
    with pytest.raises(ValueError, match="terms"):
        AlertEvent.from_payload(new_event(terms="Kazakhstan"))
    with pytest.raises(ValueError, match=r"diff.changed\[0\]"):
        AlertEvent.from_payload(update_event(diff={"changed": [{"before": "a"}]}))
    event = AlertEvent.from_payload(update_event(event_id=102))
    assert event.event_id == "102"
    assert AlertEvent.from_payload(event.to_payload()) == event


def test_bad_addresses_are_config_errors() -> None:
    for bad in ["not-an-address", "a@example.org, b@example.org", "a@example.org\r\nBcc: x@evil.test",
                "<a@example.org> b@evil.test", ""]:
        with pytest.raises(ConfigError):
            immediate(new_event(), to=[bad])
    with pytest.raises(ConfigError):
        immediate(new_event(), to=[])
    with pytest.raises(ConfigError):
        immediate(new_event(), from_address="alerts@newswatch.test\nBcc: x@evil.test")


def digest_events() -> list[dict[str, Any]]:
    return [
        new_event(event_id="1", article_id="100001", title="Protes harga LPG meluas",
                  url="https://www.liputan6.com/global/read/100001/a",
                  published_at="2022-01-05T08:00:00+07:00"),
        new_event(event_id="2", source="bbc", article_id="world-asia-59888888",
                  title="Kazakhstan unrest explained", url="https://www.bbc.com/news/world-asia-59888888",
                  published_at="2022-01-07T09:00:00+00:00",
                  lead="Why fuel prices brought crowds to the streets."),
        new_event(event_id="3", article_id="100003", title="Ribuan orang ditahan", published_at=None,
                  url="https://www.liputan6.com/global/read/100003/c"),
        update_event(event_id="4"),
    ]


def test_digest_subject_counts_and_order() -> None:
    msg = reparse(compose_digest(digest_events(), to=READER, from_address=SENDER, timezone="Asia/Almaty",
                                 topic="Kazakhstan unrest", now=NOW))
    assert msg["Subject"] == "[newswatch] 3 new articles on Kazakhstan unrest, 1 updated"
    assert msg["In-Reply-To"] is None
    text, html = parts(msg)
    # newest first, the article without a time last, then the update
    order = [text.index(t) for t in ("Kazakhstan unrest explained", "Protes harga LPG meluas",
                                     "Ribuan orang ditahan", "Pasukan CSTO tiba di Kazakhstan")]
    assert order == sorted(order)
    assert "New articles (3)" in text and "Updated articles (1)" in text
    assert "BBC News, 2022-01-07 15:00 (Asia/Almaty, UTC+06:00)" in text
    assert "Why fuel prices brought crowds to the streets." in text
    assert links(html) == ["https://www.bbc.com/news/world-asia-59888888",
                           "https://www.liputan6.com/global/read/100001/a",
                           "https://www.liputan6.com/global/read/100003/c", ARTICLE_URL]
    assert "Why fuel prices brought crowds to the streets." in html_text(html)


def test_digest_subject_singular_and_updates_only() -> None:
    one = compose_digest([new_event()], to=READER, from_address=SENDER, timezone="UTC", topic="Kazakhstan")
    assert one["Subject"] == "[newswatch] 1 new article on Kazakhstan"
    only_updates = compose_digest([update_event(), update_event(event_id="103")], to=READER,
                                  from_address=SENDER, timezone="UTC", topic="Kazakhstan")
    assert only_updates["Subject"] == "[newswatch] 2 updated articles on Kazakhstan"
    with pytest.raises(ValueError):
        compose_digest([], to=READER, from_address=SENDER, timezone="UTC", topic="Kazakhstan")


def test_digest_caps_the_list_and_has_a_stable_id() -> None:
    events = [new_event(event_id=str(n), article_id=str(200000 + n), title=f"Berita nomor {n}",
                        published_at=f"2022-01-0{1 + n % 9}T10:00:00+07:00") for n in range(12)]
    msg = compose_digest(events, to=READER, from_address=SENDER, timezone="UTC", topic="Kazakhstan",
                         max_items=10)
    text, _ = parts(msg)
    assert "12 new articles" in msg["Subject"]
    assert "… and 2 more not listed here." in text
    again = compose_digest(list(reversed(events)), to=READER, from_address=SENDER, timezone="UTC",
                           topic="Kazakhstan", max_items=10)
    assert again["Message-ID"] == msg["Message-ID"]
    other = compose_digest(events[:5], to=READER, from_address=SENDER, timezone="UTC", topic="Kazakhstan")
    assert other["Message-ID"] != msg["Message-ID"]


def test_test_message() -> None:
    msg = reparse(compose_test("reader@example.org", SENDER, now=NOW))
    assert msg["Subject"] == "[newswatch] test message"
    assert [a.addr_spec for a in msg["To"].addresses] == ["reader@example.org"]
    text, html = parts(msg)
    assert "test message from newswatch" in text and "test message from newswatch" in html_text(html)
    assert "2022-01-07 12:00 (UTC" in text


def test_health_failing_and_recovered() -> None:
    failing = reparse(compose_health("bbc", status="failing", runs=3, to="admin@example.org",
                                     from_address=SENDER, timezone="Asia/Almaty",
                                     since="2022-01-07T06:00:00Z",
                                     reasons=["0 items scraped (expected at least 1)",
                                              "HTTP 503 <b>Service Unavailable</b>"], now=NOW))
    assert failing["Subject"] == "[newswatch] health: BBC News failing for 3 runs"
    text, html = parts(failing)
    assert "0 items scraped (expected at least 1)" in text
    assert "Failing since: 2022-01-07 12:00 (Asia/Almaty, UTC+06:00)" in text
    assert "&lt;b&gt;Service Unavailable&lt;/b&gt;" in html
    recovered = compose_health("liputan6", status="recovered", runs=0, reasons=[], to="admin@example.org",
                               from_address=SENDER)
    assert recovered["Subject"] == "[newswatch] health: Liputan6 recovered"
    one = compose_health("bbc", status="failing", runs=1, reasons=[], to="admin@example.org",
                         from_address=SENDER)
    assert one["Subject"] == "[newswatch] health: BBC News failing for 1 run"


def test_non_ascii_titles_round_trip() -> None:
    title = "Токаев назвал протестующих «террористами» — Алматы"
    msg = immediate(new_event(title=title, source="bbc"))
    assert msg["Subject"].lstrip() == f"[newswatch] BBC News: {title}"
    assert msg.as_bytes().isascii()  # encoded for any 7-bit relay
    text, html = parts(msg)
    assert title in text and title in html_text(html)
