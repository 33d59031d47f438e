"""Sitemap parsing: indexes, URL sets with Google News data, gzip, and hostile XML refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from crawler.crawl.discovery.sitemaps import SitemapError, gunzip_capped, parse_sitemap

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.bbc.com/sitemaps/https-sitemap-com-archive-1.xml</loc>
    <lastmod>2021-12-31T23:00:00Z</lastmod></sitemap>
  <sitemap><loc>https://www.bbc.com/sitemaps/https-sitemap-com-archive-2.xml.gz</loc>
    <lastmod>2022-01-09T10:00:00Z</lastmod></sitemap>
  <sitemap><loc>  </loc></sitemap>
</sitemapindex>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://www.bbc.com/news/world-asia-59884870?at_medium=RSS</loc>
    <lastmod>2022-01-12T08:00:00Z</lastmod>
    <news:news>
      <news:publication><news:name>BBC News</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2022-01-06T05:12:00Z</news:publication_date>
      <news:title>A made-up headline for the test</news:title></news:news></url>
  <url><loc>https://www.bbc.com/news/articles/c0testid0001</loc><lastmod>2022-01-08</lastmod></url>
</urlset>"""


def test_sitemap_index() -> None:
    sitemap = parse_sitemap("https://www.bbc.com/sitemaps/https-index-com-archive.xml", INDEX)
    assert sitemap.kind == "index"
    assert [link.url for link in sitemap.links] == [
        "https://www.bbc.com/sitemaps/https-sitemap-com-archive-1.xml",
        "https://www.bbc.com/sitemaps/https-sitemap-com-archive-2.xml.gz"]
    assert sitemap.links[0].date == datetime(2021, 12, 31, 23, tzinfo=UTC)


def test_news_urlset_prefers_publication_date() -> None:
    sitemap = parse_sitemap("https://www.bbc.com/sitemaps/news.xml", URLSET)
    assert sitemap.kind == "urlset"
    first, second = sitemap.links
    assert first.url == "https://www.bbc.com/news/world-asia-59884870"
    assert first.title == "A made-up headline for the test"
    assert first.date == datetime(2022, 1, 6, 5, 12, tzinfo=UTC)
    assert second.title is None and second.date == datetime(2022, 1, 8)


def test_gzipped_sitemap() -> None:
    sitemap = parse_sitemap("https://www.bbc.com/x.xml.gz", gzip.compress(URLSET))
    assert len(sitemap.links) == 2


def test_gzip_bomb_is_refused() -> None:
    with pytest.raises(SitemapError):
        gunzip_capped(gzip.compress(b"<" * 200_000), limit=100_000)
    with pytest.raises(SitemapError):
        gunzip_capped(b"\x1f\x8bnot really gzip")


@pytest.mark.parametrize("body", [
    # entity expansion ("billion laughs") and external entities: refused before any expansion or fetch
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b'<urlset><url><loc>&b;</loc></url></urlset>',
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil">]>'
    b'<urlset><url><loc>&x;</loc></url></urlset>',
    b"<urlset><url><loc>https://x.test/</loc></url>",  # truncated
    b"<html><body>not a sitemap</body></html>",
])
def test_bad_or_hostile_xml_is_refused(body: bytes) -> None:
    with pytest.raises(SitemapError):
        parse_sitemap("https://www.bbc.com/s.xml", body)
