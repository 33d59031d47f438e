"""Feed parsing on recorded BBC and Liputan6 feeds: entries, normalised links, dates; no fetching."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.crawl.discovery.feeds import looks_like_feed, parse_feed
from crawler.extract.urls import article_id_for
from tests.conftest import shared_path
from tests.servers import LoopbackServer

BBC_2025 = "fixtures/bbc/rss/bbc_technology_rss_2025-12-11T12-32_158c57e.xml"
BBC_2026 = "fixtures/bbc/rss/bbc_technology_rss_2026-08-22T00-25_9aca339.xml"
L6_FEED = "fixtures/liputan6/rss/prospect-rss-feeds_liputan6_EXCERPT_first6items.xml"
FEED_URL = "https://feeds.bbci.co.uk/news/technology/rss.xml"


def test_bbc_feed_entries_and_normalised_links() -> None:
    links = parse_feed(FEED_URL, shared_path(BBC_2025).read_bytes())
    assert len(links) == 45
    first = links[0]
    assert first.url == "https://www.bbc.com/news/articles/c9qe1e374l1o"  # no ?at_medium=RSS&at_campaign=rss
    assert first.title == "Oracle shares slide as earnings fail to ease AI bubble fears"
    assert first.lead is not None and first.lead.startswith("The cloud computing giant's revenue miss")
    assert first.date == datetime(2025, 12, 11, 7, 8, 49, tzinfo=UTC)
    assert not [link for link in links if "at_medium" in link.url or "#" in link.url]
    # 33 News articles; the other 12 entries are videos, BBC Sounds and iPlayer links.
    ids = {article_id_for(link.url) for link in links} - {None}
    assert len(ids) == 33


def test_bbc_2026_snapshot_links_on_co_uk() -> None:
    links = parse_feed(FEED_URL, shared_path(BBC_2026).read_bytes())
    assert len(links) == 21
    articles = [link for link in links if article_id_for(link.url)]
    assert len(articles) == 13
    assert articles[0].url == "https://www.bbc.co.uk/news/articles/cwyr0l45xjro"
    assert articles[0].date == datetime(2026, 8, 21, 22, 36, 12, tzinfo=UTC)


def test_liputan6_feed_excerpt() -> None:
    links = parse_feed("https://swelbyboy.github.io/prospect-rss-feeds/liputan6.xml",
                       shared_path(L6_FEED).read_bytes())
    assert len(links) == 6
    assert [article_id_for(link.url) for link in links][:2] == ["6303300", "6303245"]
    assert links[0].title == ("Seskab Teddy Rapat Bersama Sejumlah Menteri, Bahas Penyesuaian Energi "
                              "dan Ekonomi")
    assert links[1].date == datetime(2026, 3, 24, 15, 45, tzinfo=UTC)


def test_atom_relative_links_and_html_summaries() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>
<updated>2022-01-07T10:00:00+07:00</updated>
<entry><title>Satu</title><id>urn:1</id><link href="/news/read/4850001/satu?utm_source=feed"/>
<updated>2022-01-07T10:00:00+07:00</updated>
<summary type="html">&lt;p&gt;Ringkas &lt;b&gt;sekali&lt;/b&gt;&lt;/p&gt;</summary></entry>
<entry><title>Tanpa tautan</title><id>urn:2</id><updated>2022-01-07T09:00:00+07:00</updated></entry>
</feed>"""
    links = parse_feed("https://www.liputan6.com/feed/atom", atom)
    assert len(links) == 1
    assert links[0].url == "https://www.liputan6.com/news/read/4850001/satu"
    assert links[0].lead == "Ringkas sekali"
    assert links[0].date is not None and links[0].date.utcoffset() is not None
    assert links[0].date.isoformat() == "2022-01-07T10:00:00+07:00"
    assert looks_like_feed(atom) and not looks_like_feed(b"<html><body></body></html>")


def test_feedparser_never_fetches(loopback_server: LoopbackServer) -> None:
    # Bytes that spell a URL are parsed as (broken) content, never fetched: Scrapy does all fetching.
    loopback_server.add("/feed.xml", shared_path(BBC_2025).read_bytes())
    assert parse_feed(FEED_URL, loopback_server.url("/feed.xml").encode()) == []
    assert loopback_server.paths() == []


def test_garbage_is_no_entries() -> None:
    assert parse_feed(FEED_URL, b"") == []
    assert parse_feed(FEED_URL, b"\x00\x01 not xml at all") == []
