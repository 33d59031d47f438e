"""Hostile content, the whole path: a loopback site serves an article whose title, lead and body carry header
injection (CR/LF, encoded words) and HTML injection (script, event handlers, javascript: links, a tracking
pixel, a javascript: canonical link); `newswatch crawl` stores it, `newswatch alerts deliver` mails it to a
real SMTP server; the assertions read the raw messages the server received.

tests/notify/mail/test_hostile.py checks composing alone; this checks that nothing on the way (parser,
cleaner, storage, outbox, delivery) lets a payload through.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.notify.mail.conftest import smtp_server, smtp_server_factory  # noqa: F401
from tests.notify.mail.htmlcheck import html_tags, links
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.reliability.faults_helpers import (
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    SiteArticle,
    query,
    run_newswatch,
)

READER = "reader@example.org"
SPIES = ("spy@evil.test", "spy2@evil.test", "spy3@evil.test")

HOSTILE = SiteArticle(
    article_id="4830777",
    # As page HTML: an escaped <script> (so it survives as text), a raw CR/LF with a Bcc line, and an encoded
    # word that decodes to CR/LF + Bcc.
    title="Protes di Kazakhstan &lt;script&gt;alert(1)&lt;/script&gt;\r\nBcc: spy@evil.test "
          "=?utf-8?q?x=0D=0ABcc:_spy2@evil.test?=",
    lead="Kerusuhan &lt;b onclick=alert(1)&gt;Almaty&lt;/b&gt; berlanjut.\r\nCc: spy3@evil.test",
    paragraphs=(
        "Pengunjuk rasa di Almaty <script>document.location='https://evil.test/'</script>menolak "
        "kenaikan harga gas.",
        '<span onmouseover="alert(1)">Kerusuhan di Kazakhstan</span> <a href="javascript:alert(1)">klik di '
        "sini</a> terus berlanjut.",
        'Protes meluas <img src="https://tracker.evil.test/pixel.gif" width="1" height="1"> ke kota lain.',
        "Teks &lt;img src=x onerror=alert(1)&gt; ini ditulis sebagai teks biasa, dalam uji keamanan.",
    ),
    raw_title=True,
    canonical="javascript:alert(document.cookie)",
)
# The topic's description is shown in alerts: it carries a header attack too.
DESCRIPTION = "Kazakhstan\r\nBcc: spy@evil.test =?utf-8?b?DQpCY2M6IHNweTJAZXZpbC50ZXN0?="


def _raw_headers(data: bytes) -> str:
    return data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace") if b"\r\n\r\n" in data else \
        data.split(b"\n\n", 1)[0].decode("ascii", "replace")


def test_hostile_article_reaches_the_inbox_defused(tmp_path: Path,
                                                    smtp_server: LoopbackSmtpServer) -> None:  # noqa: F811
    setup = CrawlSetup(tmp_path)
    setup.configure(smtp={"host": smtp_server.host, "port": smtp_server.port, "security": "none",
                          "from_address": "alerts@newswatch.test", "timeout": 5.0},
                    subscriptions=[{"to": [READER], "mode": "immediate"}], description=DESCRIPTION)
    with FaultServer() as server:
        site = Liputan6Site(server, [HOSTILE])
        run = setup.crawl([site.route()])
    assert run.returncode == 0, run.everything[-3000:]
    stored = query(setup.db_path, "SELECT url, title FROM articles")
    assert len(stored) == 1
    canonical = stored[0][0]
    assert canonical == HOSTILE.url  # not the page's javascript: canonical

    done = run_newswatch(["alerts", "deliver", "--config", str(setup.config_path)], tmp_path)
    assert done.returncode == 0, done.stderr
    received = smtp_server.received()
    assert len(received) == 1, [m.rcpt_tos for m in received]
    mail = received[0]

    # Envelope and headers: the reader only; no header the payloads tried to add.
    assert mail.rcpt_tos == [READER]
    raw = _raw_headers(mail.data)
    for spy in SPIES:
        assert spy not in mail.rcpt_tos
        assert not re.search(rf"^(bcc|cc|to):.*{re.escape(spy)}", raw, re.I | re.M), raw
    parsed = message_from_bytes(mail.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert {k.lower() for k in parsed} & {"bcc", "cc", "x-injected"} == set()
    assert [a.addr_spec for a in parsed["To"].addresses] == [READER]
    for name, value in parsed.items():
        assert "\r" not in str(value) and "\n" not in str(value), name  # decoded: still one line
    assert "Kazakhstan" in str(parsed["Subject"])

    # The HTML part: nothing executable, no remote image, every link the stored canonical http(s) URL.
    html_part = parsed.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    tags = html_tags(html)
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed", "img", "form")]
    assert not [(t, a) for t, a in tags for k in a if k.lower().startswith("on")]
    assert "javascript:" not in html.lower()
    assert "tracker.evil.test" not in html
    hrefs = links(html)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert canonical in hrefs
    assert "&lt;script&gt;" in html or "<script" not in html.lower()
    text_part = parsed.get_body(("plain",))
    assert text_part is not None and canonical in text_part.get_content()


def test_a_topic_name_that_could_inject_is_refused(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure(topic_name="kazakhstan\r\nBcc: spy@evil.test")
    done = run_newswatch(["crawl", "--config", str(setup.config_path), "--db", setup.db_url], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newswatch: error:") and "topic name" in lines[0]
    assert not setup.db_path.exists()
