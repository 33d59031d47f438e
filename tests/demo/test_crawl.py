"""Real crawls of the replay site: `scrapy crawl liputan6` and `scrapy crawl bbc` in subprocesses, routed to
the demo server, find the story's articles (the way `make demo` does through `newswatch crawl`)."""

from __future__ import annotations

from pathlib import Path

from crawler.demo import DemoServer, DemoSite
from tests.servers.crawl import run_crawl


def _ids(items: list[dict[str, object]]) -> set[str]:
    return {str(item["article_id"]) for item in items}


def test_liputan6_crawl_finds_the_story(demo_server: DemoServer, tmp_path: Path) -> None:
    result = run_crawl("liputan6", tmp_path, routes=demo_server.routes(),
                       args={"since": "2022-01-01", "until": "2022-01-12", "exhaustive": "1"})
    assert result.returncode == 0, result.log[-3000:]
    found = _ids(result.articles)
    relevant = {a.id for a in DemoSite(step=0).articles("liputan6", relevant=True)}
    assert relevant <= found
    assert found <= {a.id for a in DemoSite(step=0).articles("liputan6")}
    paths = [r.path for r in demo_server.requests]
    assert "/liputan6/robots.txt" in paths
    assert "/liputan6/tag/kazakhstan?page=2" in paths
    assert any(p.startswith("/liputan6/indeks/2022/01/07") for p in paths)
    # The listings' title/lead pre-filter spares the football, gadget and weather pages a fetch.
    assert not found & {"4826201", "4826333", "4826502"}
    by_id = {str(item["article_id"]): item for item in result.articles}
    assert by_id["4826148"]["title"] == "Pasukan Penjaga Perdamaian CSTO Tiba di Kazakhstan"


def test_bbc_crawl_finds_the_story(tmp_path: Path) -> None:
    with DemoServer(DemoSite(step=1)) as server:
        result = run_crawl("bbc", tmp_path, routes=server.routes(),
                           args={"since": "2022-01-01", "until": "2022-01-31"})
        paths = [r.path for r in server.requests]
    assert result.returncode == 0, result.log[-3000:]
    found = _ids(result.articles)
    relevant = {a.id for a in DemoSite(step=1).articles("bbc", relevant=True)}
    assert relevant <= found
    assert "world-asia-59978455" in found  # published at step 1
    assert {"/bbcfeeds/news/world/asia/rss.xml", "/bbc/sitemaps/https-index-com-archive.xml"} <= set(paths)
    toll = next(item for item in result.articles if item["article_id"] == "c9x2k4n7rdwo")
    assert "225 people died" in str(toll["body"])
