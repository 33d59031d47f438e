"""A real `scrapy crawl NAME` of an outlet that exists only as a [sources.NAME] table in the config.

The demo's Caspian Courier (crawler/demo/outlet_pages.py) is served by the demo server on loopback; the
spider is the generic OutletSpider, found by name through the config (spiders/loader.py).
"""

from __future__ import annotations

from pathlib import Path

from crawler.demo import DemoServer, DemoSite, outlet_pages
from tests.servers import LoopbackServer
from tests.servers.crawl import run_crawl


def test_scrapy_crawl_of_a_configured_outlet(tmp_path: Path) -> None:
    config = tmp_path / "newswatch.toml"
    config.write_text(outlet_pages.CONFIG, encoding="utf-8")
    site = DemoSite(step=1)
    with DemoServer(site) as server:
        result = run_crawl("caspian", tmp_path, routes=server.routes(),
                           args={"since": "2022-01-01", "until": "2022-01-31"},
                           settings={"NEWSWATCH_CONFIG": str(config)})
        paths = [r.path for r in server.requests]
    assert result.returncode == 0, result.log[-3000:]
    by_id = {item["article_id"]: item for item in result.articles}
    relevant = {a.id for a in site.articles("caspian", relevant=True)}
    assert set(by_id) == relevant == {"100231", "100245", "100262", "100288"}
    # The sturgeon story is left out by the listings' title pre-filter, before any fetch.
    assert not any("sturgeon" in p for p in paths)
    assert {"/caspian/feeds/region.atom", "/caspian/region/page/1/", "/caspian/region/page/2/"} <= set(paths)
    item = by_id["100245"]
    assert item["source"] == "caspian" and item["language"] == "en"
    assert item["url"] == ("https://www.caspian-courier.example/region/2022/01/06/"
                           "russian-led-troops-land-in-kazakhstan-100245/")
    assert item["title"] == "Russian-led troops land in Kazakhstan at Tokayev's request"
    assert "2,030 troops took part" in item["body"]  # step 1's revision
    assert result.stat("newswatch/discovery/feed_links") == 5
    assert result.stat("newswatch/skipped/duplicate") >= 4  # feed and listing name the same articles


BULLETIN = """[sources.bulletin]
allowed_hosts = ["news.bulletin.example"]
sitemaps = ["https://news.bulletin.example/sitemap.xml"]
article_url = '^/story\\.php\\?n=\\d+$'
article_id = "url"
language = "en"
"""


def _story_page(number: int) -> str:
    return (f"<html><head><title>Story {number}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Harbour story number {number}</h1>"
            f"<p>The harbour master said on Monday that berth {number} would reopen after repairs to the "
            "quay.</p>"
            "<p>Fishing boats had been using the northern slipway while the work went on.</p></article>"
            "<footer>Bulletin, all rights reserved</footer></body></html>")


def test_a_sitemap_only_outlet_with_ids_drawn_from_the_url(loopback_server: LoopbackServer,
                                                           tmp_path: Path) -> None:
    server = loopback_server
    urls = [f"https://news.bulletin.example/story.php?n={n}" for n in (7, 8)]
    sitemap = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               + "".join(f"<url><loc>{u}</loc><lastmod>2022-01-0{i + 5}</lastmod></url>"
                         for i, u in enumerate(urls))
               + "<url><loc>https://news.bulletin.example/about.php</loc></url></urlset>")
    server.add("/bulletin/sitemap.xml", sitemap, content_type="application/xml")
    for n in (7, 8):
        server.add(f"/bulletin/story.php?n={n}", _story_page(n), content_type="text/html")
    config = tmp_path / "newswatch.toml"
    config.write_text(BULLETIN, encoding="utf-8")

    # No `since`: a monitoring pass, which still reads the sitemap since nothing else lists the outlet.
    result = run_crawl("bulletin", tmp_path, routes={"news.bulletin.example": server.base("bulletin")},
                       settings={"NEWSWATCH_CONFIG": str(config)})

    assert result.returncode == 0, result.log[-3000:]
    items = sorted(result.articles, key=lambda item: item["url"])
    assert [item["url"] for item in items] == urls
    assert all(item["source"] == "bulletin" for item in items)
    ids = [item["article_id"] for item in items]
    assert len(set(ids)) == 2 and all(i.startswith("u") and len(i) == 16 for i in ids)
    assert "berth 7 would reopen" in items[0]["body"]
    assert "/bulletin/about.php" not in server.paths("/bulletin/")  # not an article by the pattern
