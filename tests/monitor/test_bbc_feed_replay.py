"""The real BBC technology feed snapshots (../shared/fixtures/bbc/rss/) replayed in order as a live feed.

Cycle k serves snapshot k (ordered by the time in the file name) and a page for every story it links, with
text written here; a catch-all topic makes every story relevant. The first cycle sends the baseline digest;
each later cycle sends one alert per story that is new in its snapshot, counted from the files; a last
cycle in which one story's pubDate moves while its page stays the same sends nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo import bbc_pages
from crawler.demo.catalog import DemoArticle
from tests.conftest import shared_path
from tests.monitor.helpers import CATCH_ALL_TOPIC, plain_text, watch_once, write_config
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer, Reply

FEED_URL = "https://feeds.bbci.co.uk/news/technology/rss.xml"
FEED_PATH = "/bbcfeeds/news/technology/rss.xml"
_STAMP = re.compile(r"_(\d{4}-\d{2}-\d{2}T\d{2}-\d{2})_")
_ARTICLE = re.compile(r"^/news/articles/(?P<id>[a-z0-9]+)$")
# The feed lists every kind of BBC page; the pre-filter on titles would judge the real headlines by our
# catch-all term, so it is off: every story is fetched and judged by the topic.
NO_PREFILTER = ("--set", "NEWSWATCH_PREFILTER_ON=")


def snapshots() -> list[Path]:
    folder = shared_path("fixtures/bbc/rss")
    files = [f for f in folder.glob("*.xml") if _STAMP.search(f.name)]
    return sorted(files, key=lambda f: _STAMP.search(f.name).group(1))  # type: ignore[union-attr]


def story_ids(feed: bytes) -> list[str]:
    """The news stories an RSS snapshot links (not videos, audio or iPlayer), in feed order."""
    ids = []
    for item in ET.fromstring(feed).iter("item"):
        match = _ARTICLE.match(urlsplit(item.findtext("link") or "").path)
        if match and match.group("id") not in ids:
            ids.append(match.group("id"))
    return ids


def page_for(article_id: str) -> bytes:
    article = DemoArticle(
        site="bbc", id=article_id, title=f"Technology story {article_id}",
        lead=f"This is the replayed story {article_id}.",
        published=datetime(2025, 12, 1, 8, 0, tzinfo=UTC),
        body=(f"This page stands in for the story {article_id} of the feed snapshot.",
              "It is written by the test, so the words are the same in every cycle."),
        authors=("Test Desk",), section="Technology", tags=("Technology",), feeds=("news",))
    return bbc_pages.article_page(article, []).encode("utf-8")


def test_feed_snapshots_replayed_as_a_live_feed(loopback_server: LoopbackServer,
                                                smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    files = snapshots()
    assert len(files) >= 3
    feeds = [f.read_bytes() for f in files]

    def article(path: str) -> Reply | None:
        match = _ARTICLE.match(urlsplit(path).path.removeprefix("/bbc"))
        if not match:
            return None
        return Reply(200, page_for(match.group("id")), {"Content-Type": "text/html; charset=utf-8"})

    loopback_server.handle("/bbc/", article)
    base = loopback_server.base("bbc")
    routes = {"feeds.bbci.co.uk": loopback_server.base("bbcfeeds"), "www.bbc.com": base,
              "www.bbc.co.uk": base}
    config = write_config(tmp_path, routes=routes, smtp_port=smtp_server.port, bbc_feeds=(FEED_URL,),
                          topics=CATCH_ALL_TOPIC)

    seen: set[str] = set()
    for cycle, feed in enumerate(feeds):
        ids = story_ids(feed)
        new = [i for i in ids if i not in seen]
        seen.update(ids)
        loopback_server.add(FEED_PATH, feed, content_type="application/rss+xml; charset=utf-8")
        before = len(smtp_server.received())
        result = watch_once(config, "--source", "bbc", *NO_PREFILTER)
        assert result.returncode == 0, result.log
        mails = smtp_server.received()[before:]
        if cycle == 0:
            assert len(mails) == 1, [m.message["Subject"] for m in mails]  # the baseline digest
            assert f"{len(new)} new articles" in str(mails[0].message["Subject"])
            continue
        assert len(mails) == len(new), (files[cycle].name, [m.message["Subject"] for m in mails])
        announced = {plain_text(m.message) for m in mails}
        for story in new:
            assert sum(f"Technology story {story}" in text for text in announced) == 1

    # One more cycle: the last snapshot with one story's pubDate an hour later, its page unchanged.
    last = feeds[-1].decode("utf-8")
    moved = story_ids(feeds[-1])[0]
    item = next(i for i in re.findall(r"<item>.*?</item>", last, re.S) if f"/news/articles/{moved}" in i)
    old = re.search(r"<pubDate>(.*?)</pubDate>", item).group(1)  # type: ignore[union-attr]
    later = format_datetime(parsedate_to_datetime(old) + timedelta(hours=1), usegmt=True)
    loopback_server.add(FEED_PATH, last.replace(item, item.replace(old, later)),
                        content_type="application/rss+xml; charset=utf-8")
    page_requests = len(loopback_server.paths(f"/bbc/news/articles/{moved}"))
    before = len(smtp_server.received())
    result = watch_once(config, "--source", "bbc", *NO_PREFILTER)
    assert result.returncode == 0, result.log
    assert len(loopback_server.paths(f"/bbc/news/articles/{moved}")) > page_requests  # it was looked at
    assert len(smtp_server.received()) == before  # and nothing was sent
