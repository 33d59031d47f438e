"""A real `scrapy crawl NAME` of an outlet that exists only as a [sources.NAME] table in the config.

The demo's Caspian Courier (crawler/demo/outlet_pages.py) is served by the demo server on loopback; the
spider is the generic OutletSpider, found by name through the config (spiders/loader.py).
"""

from __future__ import annotations

from pathlib import Path

from crawler.demo import DemoServer, DemoSite, outlet_pages
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
