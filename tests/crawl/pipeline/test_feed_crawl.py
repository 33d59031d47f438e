"""`newswatch crawl` from a recorded BBC feed to the database, then again: conditional requests, updates.

The feed is the real BBC technology feed (../shared); the article pages behind its links are made up
(tests/crawl/pipeline/site.py), three of them about the story and the rest not.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import shared_path
from tests.crawl.pipeline.site import (
    IRRELEVANT_EN,
    RELEVANT_EN,
    Site,
    Story,
    last_stats,
    newswatch_crawl,
    rows,
    write_config,
)
from tests.servers import LoopbackServer

FEED = "fixtures/bbc/rss/bbc_technology_rss_2026-08-22T00-25_9aca339.xml"
FEED_PATH = "/bbc-feeds/news/rss.xml"
# Three of the feed's News articles (ids read from the feed) get pages about the story.
ON_TOPIC = ("cwyr0l45xjro", "c3r05g378w4o", "cq56pzqy6jvo")
# The feed's entries are about technology: let every entry through the title pre-filter.
ACCEPT_ALL = {"NEWSWATCH_PREFILTER": "crawler.crawl.discovery.filters.accept_all"}


def _site(server: LoopbackServer, feed: bytes) -> tuple[Site, list[str]]:
    ids = re.findall(r"<link>https://www\.bbc\.co\.uk/news/articles/([a-z0-9]+)\?", feed.decode())
    site = Site(server)
    for article_id in ids:
        title, paragraphs = RELEVANT_EN if article_id in ON_TOPIC else IRRELEVANT_EN
        site.bbc[article_id] = Story(f"{title} ({article_id})", list(paragraphs), "2022-01-07T10:00:00Z")
    server.add(FEED_PATH, feed, content_type="application/rss+xml")
    return site, ids


def test_feed_to_storage_then_a_second_crawl_gets_304s(loopback_server: LoopbackServer,
                                                       tmp_path: Path,
        db_url: str) -> None:
    server = loopback_server
    feed = shared_path(FEED).read_bytes()
    site, ids = _site(server, feed)
    assert len(ids) == 13  # the snapshot's News articles; its Sounds and iPlayer entries are not articles
    db, config = db_url, write_config(tmp_path / "nw.toml")

    first = newswatch_crawl(db, config, server, "--source", "bbc", settings=ACCEPT_ALL)

    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    summary = first.summary("bbc")
    assert "finished" in summary and "3 new / 0 updated / 0 unchanged / 10 irrelevant / 0 failed" in summary
    stored = rows(db, "SELECT article_id, url, version_no FROM articles ORDER BY article_id")
    # One row per story, under its canonical www.bbc.com address (the feed links bbc.co.uk with trackers).
    assert stored == sorted((i, f"https://www.bbc.com/news/articles/{i}", 1) for i in ON_TOPIC)
    seen = rows(db, "SELECT article_id, status FROM seen")
    assert sorted(seen) == sorted((i, "irrelevant") for i in ids if i not in ON_TOPIC)
    topics = rows(db, "SELECT DISTINCT topic FROM article_topics")
    assert topics == [("kazakhstan-unrest",)]
    assert rows(db, "SELECT count(*) FROM article_versions") == [(3,)]
    assert rows(db, "SELECT spider, outcome FROM crawl_runs") == [("bbc", "finished")]
    stats = last_stats(db, "bbc")
    assert stats["newswatch/articles/new"] == 3 and stats["newswatch/articles/irrelevant"] == 10
    # The newest date the feed gave any entry (its first item, Fri, 21 Aug 2026 22:36:12 GMT).
    assert stats["newswatch/listing/newest_date"] == "2026-08-21T22:36:12+00:00"
    assert len(site.article_paths("/bbc/")) == 13 and not site.article_paths("/bbc-uk/")
    feed_etag = rows(db, "SELECT etag FROM fetch_state WHERE url = ?", "https://feeds.bbci.co.uk/news/rss.xml")
    assert feed_etag and feed_etag[0][0]

    server.clear_log()
    second = newswatch_crawl(db, config, server, "--source", "bbc", settings=ACCEPT_ALL)

    assert second.returncode == 0, second.stderr
    assert "0 new / 0 updated / 0 unchanged / 0 irrelevant / 0 failed" in second.summary("bbc")
    # Nothing changed: the feed was asked conditionally, answered 304, and no article was requested.
    (feed_request,) = server.requests(FEED_PATH)
    assert feed_request.header("If-None-Match") == feed_etag[0][0]
    assert site.article_paths() == []
    stats = last_stats(db, "bbc")
    assert stats["newswatch/listing/not_modified"] == 1
    assert stats["downloader/response_status_count/304"] == 1
    assert rows(db, "SELECT count(*) FROM article_versions") == [(3,)]


def test_newer_pubdate_refetches_that_article_only(loopback_server: LoopbackServer, tmp_path: Path,
        db_url: str) -> None:
    server = loopback_server
    feed = shared_path(FEED).read_bytes()
    site, _ids = _site(server, feed)
    db, config = db_url, write_config(tmp_path / "nw.toml")
    assert newswatch_crawl(db, config, server, "--source", "bbc", settings=ACCEPT_ALL).returncode == 0

    # The BBC re-dates an entry when it updates the story: c3r05g378w4o was "Thu, 20 Aug 2026 16:58:37 GMT".
    updated = "c3r05g378w4o"
    newer = feed.replace(b"Thu, 20 Aug 2026 16:58:37 GMT", b"Sat, 22 Aug 2026 01:00:00 GMT")
    assert newer != feed
    server.add(FEED_PATH, newer, content_type="application/rss+xml")
    story = site.bbc[updated]
    story.paragraphs = [*story.paragraphs, "Officials later said 26 people had been detained overnight."]
    server.clear_log()

    second = newswatch_crawl(db, config, server, "--source", "bbc", settings=ACCEPT_ALL)

    assert second.returncode == 0, second.stderr
    assert site.article_paths() == [f"/bbc/news/articles/{updated}"]
    assert "0 new / 1 updated / 0 unchanged" in second.summary("bbc")
    versions = rows(db, "SELECT v.version_no, v.material FROM article_versions v JOIN articles a "
                        "ON a.id = v.article_pk WHERE a.article_id = ? ORDER BY v.version_no", updated)
    assert versions == [(1, 1), (2, 1)]
    first_seen, last_seen = rows(db, "SELECT first_seen_at, last_seen_at FROM articles WHERE article_id = ?",
                                 updated)[0]
    assert first_seen < last_seen
    assert rows(db, "SELECT kind, version_no FROM events WHERE article_id = ? ORDER BY id", updated) == [
        ("new", 1), ("updated", 2)]
    assert last_stats(db, "bbc")["newswatch/articles/skipped_known"] == 12
