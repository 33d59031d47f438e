"""A real `scrapy crawl bbc` against the recorded BBC feed, served through routes on a loopback server."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from tests.conftest import shared_path
from tests.crawl.pages import bbc_article_handler
from tests.servers import LoopbackServer
from tests.servers.crawl import run_crawl, site_routes

FEED = "fixtures/bbc/rss/bbc_technology_rss_2025-12-11T12-32_158c57e.xml"


def test_feed_links_become_one_article_each(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    feed = shared_path(FEED).read_bytes()
    loopback_server.add("/bbc-feeds/news/rss.xml", feed, content_type="application/rss+xml")
    loopback_server.handle("/bbc/", bbc_article_handler("/bbc"))
    # The ids the feed links to as News articles, read from the feed text itself (videos, Sounds and
    # iPlayer entries are not articles).
    expected = set(re.findall(r"<link>https://www\.bbc\.com/news/articles/([a-z0-9]+)\?", feed.decode()))
    assert len(expected) == 33

    # The technology feed is off-topic: switch the title pre-filter off to see every article followed.
    result = run_crawl("bbc", tmp_path, routes=site_routes(loopback_server),
                       settings={"NEWSWATCH_PREFILTER": "crawler.crawl.discovery.filters.accept_all"})

    assert result.returncode == 0, result.log[-3000:]
    ids = [item["article_id"] for item in result.articles]
    assert sorted(ids) == sorted(expected)
    for item in result.articles:
        assert item["url"] == f"https://www.bbc.com/news/articles/{item['article_id']}"
    # Only article pages were fetched from www.bbc.com: no video, Sounds or iPlayer page, no tracking params.
    fetched = [p for p in loopback_server.paths("/bbc/") if not p.endswith("robots.txt")]
    assert sorted(fetched) == sorted(f"/bbc/news/articles/{i}" for i in expected)
    assert not loopback_server.paths("/bbc-uk/")
    # Listing metadata travels with the request: the item came from the feed entry with that title.
    assert result.stat("newswatch/discovery/feed_links") == 45


SNAPSHOT_A = "fixtures/bbc/rss/bbc_technology_rss_2026-08-22T00-25_9aca339.xml"
SNAPSHOT_B = "fixtures/bbc/rss/bbc_technology_rss_2026-08-22T18-09_33625aa.xml"


def test_two_feeds_listing_the_same_stories_fetch_each_once(loopback_server: LoopbackServer,
                                                            tmp_path: Path) -> None:
    server = loopback_server
    a, b = shared_path(SNAPSHOT_A).read_bytes(), shared_path(SNAPSHOT_B).read_bytes()
    server.add("/bbc-feeds/news/rss.xml", a, content_type="application/rss+xml")
    server.add("/bbc-feeds/news/world/rss.xml", b, content_type="application/rss+xml")
    server.handle("/bbc/", bbc_article_handler("/bbc"))
    pattern = r"<link>https://www\.bbc\.co\.uk/news/articles/([a-z0-9]+)\?"
    expected = set(re.findall(pattern, a.decode())) | set(re.findall(pattern, b.decode()))
    assert len(expected) == 13  # the later snapshot lists 12 of the earlier one's 13 stories

    result = run_crawl("bbc", tmp_path, routes=site_routes(server),
                       settings={"NEWSWATCH_PREFILTER": "crawler.crawl.discovery.filters.accept_all"})

    assert result.returncode == 0, result.log[-3000:]
    assert sorted(item["article_id"] for item in result.articles) == sorted(expected)
    fetched = [p for p in server.paths("/bbc/") if "/news/articles/" in p]
    assert sorted(fetched) == sorted(f"/bbc/news/articles/{i}" for i in expected)  # each exactly once
    # The feeds link bbc.co.uk; articles are fetched and stored under the canonical www.bbc.com address.
    assert server.paths("/bbc-uk/") == []
    assert result.stat("newswatch/skipped/duplicate") == 12


def _urlset(entries: list[tuple[str, str, str | None]]) -> bytes:
    rows = "".join(
        f"<url><loc>{loc}</loc><news:news><news:publication><news:name>BBC News</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{when}</news:publication_date>"
        + (f"<news:title>{title}</news:title>" if title else "") + "</news:news></url>"
        for loc, when, title in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{rows}</urlset>').encode()


def test_sitemap_backfill_keeps_to_the_window(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    server.handle("/bbc/", bbc_article_handler("/bbc"))
    news = "https://www.bbc.com/news"
    server.add("/bbc/sitemaps/archive-index.xml", (
        b'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://www.bbc.com/sitemaps/archive-1.xml</loc><lastmod>2021-12-20</lastmod></sitemap>"
        b"<sitemap><loc>https://www.bbc.com/sitemaps/archive-2.xml.gz</loc><lastmod>2022-01-12</lastmod></sitemap>"
        b"</sitemapindex>"), content_type="application/xml")
    server.add("/bbc/sitemaps/archive-1.xml", _urlset([(f"{news}/world-asia-59000001", "2021-12-19", "Old")]))
    server.add("/bbc/sitemaps/archive-2.xml.gz", gzip.compress(_urlset([
        (f"{news}/world-asia-59884870", "2022-01-06T05:12:00Z", "Kazakhstan: troops arrive in Almaty"),
        (f"{news}/articles/c0testid0001", "2022-01-08T10:00:00Z", None),  # no title: nothing to judge
        (f"{news}/world-europe-59884871", "2022-01-07T10:00:00Z", "Gardening in winter"),
        (f"{news}/world-asia-59800000", "2022-01-02T10:00:00Z", "Kazakhstan before the window"),
        (f"{news}/live/world-asia-59884872", "2022-01-07T10:00:00Z", "Kazakhstan live page"),
        ("https://www.bbc.com/sport/football/59884873", "2022-01-07T10:00:00Z", "Kazakhstan football"),
    ])), content_type="application/x-gzip")

    result = run_crawl("bbc", tmp_path, routes=site_routes(server), args={
        "since": "2022-01-05", "until": "2022-01-10", "feeds": "",
        "sitemaps": "https://www.bbc.com/sitemaps/archive-index.xml"})

    assert result.returncode == 0, result.log[-3000:]
    assert sorted(item["article_id"] for item in result.articles) == ["c0testid0001", "world-asia-59884870"]
    # The child sitemap last modified before `since` was never fetched.
    assert "/bbc/sitemaps/archive-1.xml" not in server.paths()
    assert result.stat("newswatch/skipped/prefilter") == 1  # the gardening story, by its title
    assert result.stat("newswatch/skipped/out_of_window") == 1
    assert result.stat("newswatch/skipped/not_article") == 2
