"""Issue 5: hostile page content must not add headers or recipients, nor reach the HTML part unescaped."""

from __future__ import annotations

import base64
import unicodedata
from email.message import EmailMessage

import pytest

from crawler.notify.compose import compose_digest, compose_health, compose_immediate
from tests.notify.mail.events import new_event, update_event
from tests.notify.mail.htmlcheck import html_tags, html_text, links, parts, reparse

SENDER = "newswatch <alerts@newswatch.test>"
READER = "reader@example.org"
IMMEDIATE_HEADERS = {"subject", "from", "to", "date", "message-id", "auto-submitted",
                     "x-auto-response-suppress", "mime-version", "content-type"}


def _encoded(text: bytes) -> str:
    return "=?utf-8?b?" + base64.b64encode(text).decode() + "?="


HEADER_ATTACKS = {
    "crlf": "Kerusuhan Almaty\r\nBcc: spy@evil.test\r\nX-Injected: 1",
    "bare-lf": "Kerusuhan Almaty\nBcc: spy@evil.test",
    "bare-cr": "Kerusuhan Almaty\rBcc: spy@evil.test",
    "unicode-separators": "Kerusuhan Almaty\u2028Bcc: spy@evil.test\u2029X-Injected: 1\x85Cc: spy@evil.test",
    "encoded-word": "Kerusuhan Almaty " + _encoded(b"x\r\nBcc: spy@evil.test\r\nX-Injected: 1"),
    "encoded-word-q": "Kerusuhan Almaty =?utf-8?q?x=0D=0ABcc:_spy@evil.test?=",
    "nul-and-controls": "Kerusuhan\x00 Almaty\x1b[31m\x07\r\n\tBcc: spy@evil.test",
}


def _assert_clean_headers(msg: EmailMessage, expected: set[str]) -> None:
    assert {k.lower() for k in msg} == expected
    assert [a.addr_spec for a in msg["To"].addresses] == [READER]
    for name, value in msg.items():
        assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in str(value)), name
    assert "spy@evil.test" not in str(msg["To"]) + str(msg["From"])


@pytest.mark.parametrize("attack", sorted(HEADER_ATTACKS))
def test_title_cannot_add_headers(attack: str) -> None:
    title = HEADER_ATTACKS[attack]
    msg = reparse(compose_immediate(new_event(title=title), to=READER, from_address=SENDER, timezone="UTC"))
    _assert_clean_headers(msg, IMMEDIATE_HEADERS)
    # Python folds a subject just over 78 characters onto a continuation line of its own, which its parser
    # reads back with the leading space; clients trim it.
    assert msg["Subject"].lstrip().startswith("[newswatch] Liputan6: Kerusuhan")
    assert "Almaty" in msg["Subject"]


@pytest.mark.parametrize("attack", sorted(HEADER_ATTACKS))
def test_source_and_changed_title_cannot_add_headers(attack: str) -> None:
    payload = update_event(source=HEADER_ATTACKS[attack],
                           diff={"title": {"before": "a", "after": HEADER_ATTACKS[attack]}})
    msg = reparse(compose_immediate(payload, to=READER, from_address=SENDER, timezone="UTC"))
    _assert_clean_headers(msg, IMMEDIATE_HEADERS | {"in-reply-to", "references"})
    assert "\n" not in msg["Message-ID"] and msg["Message-ID"].count("@") == 1


@pytest.mark.parametrize("attack", sorted(HEADER_ATTACKS))
def test_topic_name_cannot_add_headers(attack: str) -> None:
    msg = reparse(compose_digest([new_event()], to=READER, from_address=SENDER, timezone="UTC",
                                 topic=HEADER_ATTACKS[attack]))
    _assert_clean_headers(msg, IMMEDIATE_HEADERS)
    assert msg["Subject"].lstrip().startswith("[newswatch] 1 new article on Kerusuhan")


def test_health_source_cannot_add_headers() -> None:
    msg = reparse(compose_health(HEADER_ATTACKS["crlf"], status="failing", runs=2,
                                 reasons=["x\r\nBcc: spy@evil.test"], to=READER, from_address=SENDER))
    _assert_clean_headers(msg, IMMEDIATE_HEADERS)


def test_very_long_title_is_limited_in_the_subject() -> None:
    msg = reparse(compose_immediate(new_event(title="Almaty " * 500), to=READER, from_address=SENDER,
                                    timezone="UTC"))
    assert len(msg["Subject"]) <= 250
    assert msg["Subject"].endswith("…")


def test_bidi_override_is_removed_from_headers() -> None:
    msg = reparse(compose_immediate(new_event(title="Berita \u202egnitsop\u202c terbaru"), to=READER,
                                    from_address=SENDER, timezone="UTC"))
    assert "\u202e" not in msg["Subject"]


HOSTILE_HTML = {
    "title": "<script>alert('t')</script>Kerusuhan",
    "lead": 'Lead <img src="https://tracker.evil.test/p.gif" width=1 height=1 onerror="steal()"> text',
    "topics": ['<a href="javascript:alert(1)">topik</a>'],
    "terms": ['"><svg onload=alert(1)>'],
}


def _assert_inert(html: str) -> None:
    tags = html_tags(html)
    names = {tag for tag, _ in tags}
    assert not names & {"script", "img", "svg", "iframe", "object", "embed", "style", "link", "form"}, names
    for tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs and "background" not in attrs, (tag, attrs)
    for href in links(html):
        assert href.startswith(("https://", "http://")), href


def test_page_markup_is_escaped_in_an_alert() -> None:
    payload = new_event(**HOSTILE_HTML)
    text, html = parts(reparse(compose_immediate(payload, to=READER, from_address=SENDER, timezone="UTC")))
    _assert_inert(html)
    visible = html_text(html)
    # The markup is shown as text, so the reader sees what the page contained.
    assert "<script>alert('t')</script>Kerusuhan" in visible
    assert 'onerror="steal()"' in visible
    assert "<script>alert('t')</script>Kerusuhan" in text


def test_diff_markup_is_escaped_in_an_update() -> None:
    payload = update_event(diff={
        "added": ['<iframe src="https://evil.test/"></iframe>'],
        "removed": ["<style>body{display:none}</style>"],
        "changed": [{"before": "<b>x</b>", "after": '<a href="javascript:evil()" onclick="x()">klik</a>'}],
        "title": {"before": "<i>a</i>", "after": "<script>b()</script>"},
    })
    _, html = parts(reparse(compose_immediate(payload, to=READER, from_address=SENDER, timezone="UTC")))
    _assert_inert(html)
    assert "<iframe" not in html and "&lt;iframe" in html
    assert '<a href="javascript:evil()" onclick="x()">klik</a>' in html_text(html)


def test_digest_markup_is_escaped() -> None:
    events = [new_event(**HOSTILE_HTML),
              new_event(event_id="7", article_id="7", title="<b onmouseover=x>y</b>")]
    _, html = parts(reparse(compose_digest(events, to=READER, from_address=SENDER, timezone="UTC",
                                           topic="<script>topic()</script>")))
    _assert_inert(html)
    assert "<script>topic()</script>" in html_text(html)


@pytest.mark.parametrize("url", [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.test/no-scheme",
    "https://",
    "https://www.liputan6.com/a\r\nBcc: spy@evil.test",
])
def test_non_http_urls_are_never_linked(url: str) -> None:
    msg = reparse(compose_immediate(new_event(url=url), to=READER, from_address=SENDER, timezone="UTC"))
    text, html = parts(msg)
    assert links(html) == []
    assert "link withheld" in text and "link withheld" in html
    assert url.strip() not in text
    digest_text, digest_html = parts(compose_digest([new_event(url=url)], to=READER, from_address=SENDER,
                                                    timezone="UTC", topic="Kazakhstan"))
    assert links(digest_html) == []
    assert url.strip() not in digest_text


def test_quotes_in_a_url_cannot_break_out_of_the_href() -> None:
    url = 'https://www.liputan6.com/global/read/1/x"onmouseover="alert(1)'
    _, html = parts(reparse(compose_immediate(new_event(url=url), to=READER, from_address=SENDER,
                                              timezone="UTC")))
    _assert_inert(html)
    assert links(html) == [url]
