"""Fixed inputs for every kind of alert mail, composed the same way each time (fixed clock, fixed zone).

The golden files beside this module (golden/<case>.txt and .html) hold the text and HTML parts these cases
produced before the mail bodies moved to Jinja2 templates; tests/notify/templates/test_golden.py keeps them
byte for byte. `python -m tests.notify.templates.cases --write` re-records them (only when a change of output
is intended, and reviewed in the diff).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crawler.notify.compose import compose_digest, compose_health, compose_immediate, compose_test
from tests.notify.mail.events import new_event, update_event

GOLDEN = Path(__file__).parent / "golden"
SENDER = "newswatch <alerts@newswatch.test>"
READER = "reader@example.org"
NOW = datetime(2022, 1, 7, 12, 0, tzinfo=UTC)
MAIL = {"to": READER, "from_address": SENDER, "now": NOW}

HOSTILE_TITLE = "<script>alert(1)</script> Almaty & \"quotes\" 'single'\r\nBcc: spy@evil.test"
MANY = [f"Paragraf nomor {n} tentang kerusuhan di Almaty." for n in range(1, 14)]


def _immediate(payload: dict[str, Any], zone: str = "Asia/Almaty") -> Callable[[], EmailMessage]:
    return lambda: compose_immediate(payload, timezone=zone, **MAIL)


def _digest(events: list[dict[str, Any]], **kwargs: Any) -> Callable[[], EmailMessage]:
    return lambda: compose_digest(events, timezone="Asia/Jakarta", topic="Kazakhstan unrest", **MAIL,
                                  **kwargs)


def _health(**kwargs: Any) -> Callable[[], EmailMessage]:
    return lambda: compose_health("liputan6", timezone="UTC", to=READER, from_address=SENDER, now=NOW,
                                  **kwargs)


CASES: dict[str, Callable[[], EmailMessage]] = {
    "immediate-new": _immediate(new_event()),
    "immediate-new-bare": _immediate(new_event(lead=None, topics=[], terms=[], published_at=None,
                                               title=None, source="bbc")),
    "immediate-new-hostile": _immediate(new_event(title=HOSTILE_TITLE, lead="<img src=x onerror=alert(1)>",
                                                  url="javascript:alert(1)", topics=["<b>t</b>"],
                                                  terms=["a&b"])),
    "immediate-updated": _immediate(update_event()),
    "immediate-updated-empty-diff": _immediate(update_event(diff={})),
    "immediate-updated-long": _immediate(update_event(diff={
        "added": MANY, "removed": MANY[:11],
        "changed": [{"before": p, "after": p + " (diperbarui)"} for p in MANY[:12]],
        "title": None}), zone="Europe/London"),
    "digest-new-and-updated": _digest([new_event(), update_event(),
                                       new_event(event_id="103", article_id="4851240", lead=None,
                                                 published_at=None, title="Bandara Almaty dibuka")]),
    "digest-updates-only": _digest([update_event()]),
    "digest-left-out": _digest([new_event(event_id=str(200 + n), article_id=str(4851300 + n),
                                          title=f"Berita {n} <i>Almaty</i>", url="ftp://x.test/")
                                for n in range(5)], max_items=3),
    "test-message": lambda: compose_test(READER, SENDER, timezone="Asia/Almaty", now=NOW),
    "health-failing": _health(status="failing", runs=3, reasons=["no articles: <b>0</b> & none",
                                                                  "http 503 on the index"],
                              since="2022-01-07T09:00:00+00:00"),
    "health-failing-bare": _health(status="failing", runs=1, reasons=[]),
    "health-recovered": _health(status="recovered", runs=0, reasons=[]),
}


def bodies(msg: EmailMessage) -> tuple[str, str]:
    """The text and the HTML part of a composed message, as the composer produced them."""
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, make in CASES.items():
        text, html = bodies(make())
        (GOLDEN / f"{name}.txt").write_bytes(text.encode("utf-8"))
        (GOLDEN / f"{name}.html").write_bytes(html.encode("utf-8"))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.notify.templates.cases --write")
    write()
