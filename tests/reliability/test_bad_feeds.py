"""Hostile and broken feeds and sitemaps at the parser level: no entity expansion, no local file read, capped
decompression and item counts, links that are http(s) only, one entry per article, no dates from the future.

The crawl-level counterpart is test_hostile_crawl.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.crawl.discovery.dates import trusted
from crawler.crawl.discovery.feeds import MAX_FEED_ITEMS, parse_feed, without_doctype
from crawler.crawl.discovery.records import ListingLink
from crawler.crawl.discovery.sitemaps import SitemapError, parse_sitemap
from tests.conftest import shared_path
from tests.reliability.samples import L6, billion_laughs, gzip_bomb, rss, sitemap, xxe

FEED = f"{L6}/feed/rss"
NOW = datetime(2022, 1, 8, 12, 0, tzinfo=UTC)
MARKER = "NEWSWATCH-SECRET-MARKER-7f3a"


def item(n: int, **extra: str) -> dict[str, str]:
    return {"title": f"Judul {n}", "link": f"{L6}/global/read/{4850000 + n}/judul-{n}",
            "pubDate": "Fri, 07 Jan 2022 10:00:00 +0700", **extra}


def timed_feed(body: bytes, limit: float = 5.0, max_items: int = MAX_FEED_ITEMS) -> list[ListingLink]:
    started = time.monotonic()
    links = parse_feed(FEED, body, max_items=max_items, now=NOW)
    assert time.monotonic() - started < limit
    return links


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER, encoding="utf-8")
    return path


# -- feeds --

def test_malformed_feed_yields_what_it_can() -> None:
    body = rss([item(1), item(2)])
    links = timed_feed(body[: body.index(b"Judul 2") + 3])  # cut mid-item, mid-text
    assert [link.url for link in links][:1] == [f"{L6}/global/read/4850001/judul-1"]
    assert timed_feed(b"<rss><channel><item><title>x</ti") == []
    assert timed_feed(b"\x00\x01 not xml at all \xff") == []


def test_billion_laughs_is_not_expanded() -> None:
    body = rss([item(1, title="&lol9;", description="&lol9;")], doctype=billion_laughs("rss"))
    links = timed_feed(body, limit=2.0)  # expanded, &lol9; is 10**9 words: seconds of CPU, GBs of memory
    assert [link.url for link in links] == [f"{L6}/global/read/4850001/judul-1"]
    assert all("lollol" not in (link.title or "") + (link.lead or "") for link in links)


@pytest.mark.parametrize("kind", ["rss", "atom", "utf-16"])
def test_external_entities_never_read_local_files(kind: str, secret: Path) -> None:
    target = secret.as_uri()
    if kind == "atom":
        body = (f'<?xml version="1.0"?>{xxe("feed", target)}<feed xmlns="http://www.w3.org/2005/Atom">'
                f'<title>&xxe;</title><entry><title>&xxe;</title><summary>&xxe;</summary>'
                f'<link href="{L6}/global/read/4850001/judul-1"/></entry></feed>').encode()
    else:
        body = rss([item(1, title="&xxe;", description="&xxe;")], doctype=xxe("rss", target))
        if kind == "utf-16":
            text = body.decode().replace('encoding="utf-8"', 'encoding="utf-16"')
            body = b"\xff\xfe" + text.encode("utf-16-le")
    links = timed_feed(body)
    assert MARKER not in repr(links)
    assert [link.url for link in links] == [f"{L6}/global/read/4850001/judul-1"]


def test_every_doctype_is_removed() -> None:
    body = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "]>"> <!ENTITY b \'x>y\'>]>\n'
            b'<!doctype again><rss/>')
    cleaned = without_doctype(body)
    assert b"DOCTYPE" not in cleaned.upper() and b"<!ENTITY" not in cleaned
    assert cleaned.endswith(b"<rss/>")


def test_ten_thousand_items_are_capped() -> None:
    """Cut before feedparser sees them: the default 500 in about 0.4 s (all 10,000 take ~10 s). The crawl
    applies the cap from NEWSWATCH_MAX_FEED_ITEMS: test_feed_limits_crawl.py."""
    body = rss([item(n) for n in range(1, 10_001)])
    links = timed_feed(body, limit=5.0)
    assert MAX_FEED_ITEMS == 500 and len(links) == 500
    assert links[0].url.endswith("/4850001/judul-1") and links[-1].url.endswith("/4850500/judul-500")
    links = timed_feed(body, limit=5.0, max_items=300)
    assert len(links) == 300 and links[-1].url.endswith("/4850300/judul-300")


def test_items_without_link_or_date_and_duplicates() -> None:
    body = rss([
        {"title": "Tanpa tautan", "description": "Tidak ada link."},
        {"title": "Tanpa tanggal", "link": f"{L6}/global/read/4850002/tanpa-tanggal"},
        item(3),
        item(3, title="Sama lagi"),  # the same item twice
        {"title": "Lewat m.", "link": "https://m.liputan6.com/global/read/4850003/judul-3?utm_source=rss"},
        {"title": "Bukan http", "link": "javascript:alert(1)"},
        {"title": "Berkas", "link": "file:///etc/passwd"},
        {"title": "Panjang", "link": f"{L6}/global/read/4850009/" + "a" * 5000},
    ])
    links = timed_feed(body)
    assert [(link.url, link.date is None) for link in links] == [
        (f"{L6}/global/read/4850002/tanpa-tanggal", True),
        (f"{L6}/global/read/4850003/judul-3", False),
    ]
    assert links[1].title == "Judul 3"  # the first listing wins


def test_future_dates_are_not_trusted() -> None:
    body = rss([item(1, pubDate="Fri, 07 Jan 2099 10:00:00 +0000"),
                item(2, pubDate="Sat, 08 Jan 2022 15:00:00 +0000")])  # three hours ahead of NOW
    first, second = timed_feed(body)
    assert first.date is None  # undated: never "newer" than what is stored
    assert second.date == NOW  # a little ahead (clock skew, a mislabelled zone): now


def test_trusted_dates() -> None:
    assert trusted(None, NOW) is None
    past = NOW - timedelta(days=400)
    assert trusted(past, NOW) == past
    assert trusted(NOW + timedelta(hours=23), NOW) == NOW
    assert trusted(NOW + timedelta(days=2), NOW) is None
    assert trusted(datetime(2022, 1, 8, 14, 0), NOW) == datetime(2022, 1, 8, 12, 0)  # naive stays naive


def test_recorded_bbc_feed_still_parses() -> None:
    body = shared_path("fixtures/bbc/rss/bbc_technology_rss_2025-12-11T12-32_158c57e.xml").read_bytes()
    links = parse_feed("https://feeds.bbci.co.uk/news/technology/rss.xml", body)
    assert len(links) == 45  # the README: the 2025-12-11 snapshot has 45 items
    assert all(link.url.startswith("https://www.bbc.") and "at_medium" not in link.url for link in links)


# -- sitemaps --

SITEMAP = f"{L6}/sitemap.xml"


@pytest.mark.parametrize("doctype", ["laughs", "xxe"])
def test_sitemap_dtd_is_refused(doctype: str, secret: Path) -> None:
    if doctype == "laughs":
        body = sitemap([f"{L6}/global/read/4850001/&lol9;"], doctype=billion_laughs("urlset"))
    else:
        body = sitemap([f"{L6}/global/read/4850001/&xxe;"], doctype=xxe("urlset", secret.as_uri()))
        body = body.replace(b"&amp;xxe;", b"&xxe;")
    with pytest.raises(SitemapError) as raised:
        parse_sitemap(SITEMAP, body.replace(b"&amp;lol9;", b"&lol9;"))
    assert MARKER not in str(raised.value)


def test_gzip_bomb_is_capped_before_inflating_it_all() -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)  # 64 MiB of "<" in ~65 kB
    assert len(bomb) < 100_000
    started = time.monotonic()
    with pytest.raises(SitemapError, match="larger than"):
        parse_sitemap(SITEMAP, bomb, max_bytes=1024 * 1024)
    assert time.monotonic() - started < 1.0  # inflating all 64 MiB takes several times longer


def test_sitemap_keeps_http_locations_once() -> None:
    body = sitemap([f"{L6}/global/read/4850001/a", "file:///etc/passwd", "ftp://example.org/x",
                    "javascript:alert(1)", f"{L6}/global/read/4850001/a", f"{L6}/" + "b" * 5000,
                    "/global/read/4850002/relatif"])
    urls = [link.url for link in parse_sitemap(SITEMAP, body).links]
    assert urls == [f"{L6}/global/read/4850001/a", f"{L6}/global/read/4850002/relatif"]


def test_sitemap_index_children_are_http_only() -> None:
    body = sitemap(["file:///etc/passwd", f"{L6}/sitemap/2022-01.xml"], index=True)
    parsed = parse_sitemap(SITEMAP, body)
    assert parsed.kind == "index" and [link.url for link in parsed.links] == [f"{L6}/sitemap/2022-01.xml"]


def test_malformed_sitemap_is_an_error_not_a_crash() -> None:
    for body in (b"<urlset><url><loc>x", b"", b"\x1f\x8b\x08\x00broken", b"<html><body>hi</body></html>"):
        with pytest.raises(SitemapError):
            parse_sitemap(SITEMAP, body)
