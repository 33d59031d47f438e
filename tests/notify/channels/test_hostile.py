"""Titles and paragraphs crafted to inject (markup, CR LF, chat mentions, Markdown links to other sites) are
neutralised for each kind of channel, checked on what the real receiver got: a JSON webhook (text), a
Mattermost-style chat that renders Markdown (mmost://, posting to the loopback receiver) and e-mail through
Apprise's mailto:// to the loopback SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crawler.notify.delivery import deliver
from tests.notify.delivery.world import READER, T0, World, article
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers.webhook import WebhookReceiver

HOSTILE_TITLE = ("Almaty <script>alert(1)</script> <b>bold</b> **loud** @everyone @channel <!here> "
                 "<@U024BE7LH> [official statement](https://evil.example/phish)\r\nBcc: victim@example.org")
HOSTILE_PARAGRAPH = "Read [the full list](https://evil.example/list) now @here\n<img src=x onerror=alert(1)>"
UNESCAPED_LINK = re.compile(r"(?<!\\)\[([^\]]*)\]\(([^)]*)\)")


def hostile_world(world: World, channels: list[str]) -> None:
    world.configure(subscriptions=[{"channels": channels}])
    world.settled()
    world.run("liputan6", [article(1, title=HOSTILE_TITLE)], T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    revised = article(1, title=HOSTILE_TITLE,
                      body=f"Laporan nomor 1 tentang Kazakhstan.\n\nWarga Almaty turun ke jalan.\n\n"
                           f"{HOSTILE_PARAGRAPH}")
    world.run("liputan6", [revised], T0 + timedelta(hours=1))
    deliver(world.store, world.config, now=T0 + timedelta(hours=2))


def assert_no_mentions(text: str) -> None:
    for mention in ("@everyone", "@channel", "@here", "<!here>", "<@U024BE7LH>"):
        assert mention not in text


def test_a_json_webhook_gets_inert_plain_text(world: World, hooks: WebhookReceiver) -> None:
    hostile_world(world, [f"{hooks.base()}/hook"])
    new, update = (r.json for r in hooks.received("/hook"))
    for posted in (new, update):
        assert set(posted) == {"version", "title", "message", "attachments", "type"}
        assert "\r" not in posted["title"] and "\n" not in posted["title"]
        assert_no_mentions(posted["title"] + posted["message"])
        assert "](" not in posted["title"] + posted["message"]  # no Markdown link survives a relay
    assert new["title"].startswith("New: Almaty <script>alert(1)</script>")  # plain text, shown as typed
    assert "Bcc: victim@" in new["title"]  # part of the one title line, not a header
    changed = [line for line in update["message"].splitlines() if line.startswith("+ ")]
    assert "+ <img src=x onerror=alert(1)>" in changed  # each paragraph one line of its own


def test_a_markdown_chat_shows_markup_as_typed_and_links_only_the_article(
        world: World, hooks: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_TEST_MM_TOKEN", "hooktoken")  # the hook token is a secret: never in the URL
    hostile_world(world, [f"{hooks.base('mmost')}/${{NEWSWATCH_TEST_MM_TOKEN}}"])
    texts = [r.json["text"] for r in hooks.received("/hooks/hooktoken")]
    assert len(texts) == 2
    for text in texts:
        assert_no_mentions(text)
        assert re.search(r"(?<!\\)[<>]", text) is None  # every angle bracket escaped: no HTML, no <!here>
        assert r"\<script\>" in text and r"\*\*loud\*\*" in text
        links = UNESCAPED_LINK.findall(text)
        assert links == [("Read the article", "https://www.liputan6.com/global/read/4850001/kazakhstan-1")]
        assert r"\[official statement\]\(https://evil.example/phish\)" in text
    assert r"\[the full list\]\(https://evil.example/list\)" in texts[1]


def test_mail_through_apprise_gets_no_extra_header_or_recipient(world: World, hooks: WebhookReceiver,
                                                                smtp_server: LoopbackSmtpServer) -> None:
    url = f"mailto://{smtp_server.host}:{smtp_server.port}?from=alerts@newswatch.test&to={READER}"
    hostile_world(world, [url])
    got = smtp_server.received()
    assert len(got) == 2
    for mail in got:
        assert mail.rcpt_tos == [READER]
        assert mail.message["Bcc"] is None
        subject = str(mail.message["Subject"])
        assert "\n" not in subject and "\r" not in subject
        assert_no_mentions(subject + mail.message.get_content())
    assert str(got[0].message["Subject"]).startswith("New: Almaty <script>")


@pytest.mark.parametrize("scheme", ["form"])
def test_a_form_webhook_gets_the_same_inert_text(world: World, hooks: WebhookReceiver, scheme: str) -> None:
    hostile_world(world, [f"{hooks.base(scheme)}/form"])
    posted = hooks.received("/form")[0].form
    assert "\n" not in posted["title"] and "\r" not in posted["title"]
    assert_no_mentions(posted["title"] + posted["message"])
