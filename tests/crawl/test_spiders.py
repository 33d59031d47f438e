"""Spider callbacks on real Response objects (no network): what they request, with which listing metadata."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.core.items import Article
from crawler.crawl.discovery.records import GoneArticle
from spiders.bbc import BBCSpider
from spiders.liputan6 import Liputan6Spider
from tests.crawl.pages import liputan6_article, liputan6_listing

L6 = "https://www.liputan6.com"


def _spider(cls: Any, settings: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    crawler = get_crawler(cls, settings or {})
    return cls.from_crawler(crawler, **kwargs)


def _start(spider: Any) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_start_requests_follow_config_and_arguments() -> None:
    spider = _spider(Liputan6Spider, since="2022-01-06", until="2022-01-07", exhaustive="1",
                     tags="kazakhstan,kerusuhan-kazakhstan")
    urls = [r.url for r in _start(spider)]
    feeds = ["https://feed.liputan6.com/rss/global", "https://feed.liputan6.com/rss/news",
             f"{L6}/global/feed/rss", f"{L6}/news/feed/rss"]  # the packaged defaults
    assert urls == [
        *feeds, f"{L6}/tag/kazakhstan?page=1", f"{L6}/tag/kerusuhan-kazakhstan?page=1",
        f"{L6}/indeks/2022/01/07?page=1", f"{L6}/indeks/2022/01/06?page=1"]
    # Without exhaustive=1 the date index is not walked: the cheap ways in only.
    assert [r.url for r in _start(_spider(Liputan6Spider, since="2022-01-06", tags="kazakhstan",
                                          feeds=""))] == [f"{L6}/tag/kazakhstan?page=1"]
    bbc = _start(_spider(BBCSpider))
    assert "https://feeds.bbci.co.uk/news/world/europe/rss.xml" in [r.url for r in bbc]
    assert not [r for r in bbc if "sitemaps" in r.url]  # sitemaps only when backfilling
    assert [r for r in _start(_spider(BBCSpider, since="2022-01-01")) if "sitemaps" in r.url]


def _outputs(spider: Any, response: Any, callback: Any = None) -> list[Any]:
    """What an (async) callback, by default the article callback, yields for one response."""
    async def collect() -> list[Any]:
        return [output async for output in (callback or spider.parse_article)(response)]

    return asyncio.run(collect())


def test_since_after_until_is_refused() -> None:
    with pytest.raises(ValueError, match="after"):
        Liputan6Spider(since="2022-01-08", until="2022-01-07")


def test_article_requests_carry_listing_metadata() -> None:
    spider = _spider(Liputan6Spider, since="2022-01-05", tags="kazakhstan")
    listing = liputan6_listing([(f"{L6}/global/read/4856001/satu?medium=Headline", "Kazakhstan hari ini",
                                 "Ringkasan.", "2022-01-07T10:00:00+07:00")])
    template = f"{L6}/tag/kazakhstan?page={{page}}"
    request = Request(f"{L6}/tag/kazakhstan?page=1",
                      meta={"nw_kind": "tag", "nw_page": 1, "nw_series": "s", "nw_template": template})
    response = HtmlResponse(request.url, body=listing, encoding="utf-8", request=request)
    out = _outputs(spider, response, spider.parse_listing_page)
    article, next_page = out
    assert article.url == f"{L6}/global/read/4856001/satu"
    assert article.meta["nw_listing_date"] == "2022-01-07T10:00:00+07:00"
    assert article.meta["nw_listing_title"] == "Kazakhstan hari ini"
    assert article.meta["nw_listing_lead"] == "Ringkasan."
    assert article.meta["nw_article_id"] == "4856001" and article.meta["nw_source"] == "liputan6"
    assert article.dont_filter and article.meta["dont_redirect"]
    assert next_page.url == f"{L6}/tag/kazakhstan?page=2" and next_page.meta["nw_page"] == 2


def test_article_callback_items() -> None:
    spider = _spider(Liputan6Spider)
    url = f"{L6}/global/read/4856002/dua"
    request = Request(url, meta={"nw_article_id": "4856002"})
    ok = HtmlResponse(url, body=liputan6_article(url, "4856002"), request=request)
    (item,) = _outputs(spider, ok)
    assert isinstance(item, Article) and item.article_id == "4856002" and item.url == url
    gone = TextResponse(url, status=302, headers={"Location": "/"}, request=request)
    (record,) = _outputs(spider, gone)
    assert isinstance(record, GoneArticle) and record.article_id == "4856002"
    elsewhere = TextResponse(url, status=301, headers={"Location": "https://www.liputan6.com/search?q=x"},
                             request=request)
    assert _outputs(spider, elsewhere) == []  # not an article, not the front page: left alone
    empty = HtmlResponse(url, body=b"<html><body><p></p></body></html>", request=request)
    assert _outputs(spider, empty) == []


def test_spiders_are_registered() -> None:
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    assert set(loader.list()) == {"liputan6", "bbc"}
    assert issubclass(loader.load("bbc"), scrapy.Spider)


def _outlet_spider(table: str, **kwargs: Any) -> Any:
    """The generic spider of an outlet configured by `table`, found by name as Scrapy finds it."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from crawler.config import load_config
    from spiders.loader import SourceSpiderLoader

    with TemporaryDirectory() as folder:
        path = Path(folder) / "newswatch.toml"
        path.write_text(table, encoding="utf-8")
        config = load_config(path)
    settings = {"NEWSWATCH_CONFIG_OBJECT": config, "SPIDER_MODULES": ["spiders"]}
    cls = SourceSpiderLoader.from_settings(get_crawler(settings_dict=settings).settings).load("harian")
    return _spider(cls, settings, **kwargs)


def test_an_outlet_spider_starts_from_its_configured_ways_in() -> None:
    base = ('[sources.harian]\nallowed_hosts = ["www.harian.example"]\n'
            "article_url = '^/read/(?P<id>\\\\d+)/'\n")
    spider = _outlet_spider(base + 'feeds = ["https://www.harian.example/rss"]\n'
                            'listings = ["https://www.harian.example/dunia/page/{page}/"]\n'
                            'sitemaps = ["https://www.harian.example/sitemap.xml"]\n')
    assert spider.name == spider.source == "harian"
    requests = _start(spider)
    assert [r.url for r in requests] == ["https://www.harian.example/rss",
                                         "https://www.harian.example/dunia/page/1/"]
    assert requests[1].meta["nw_template"] == "https://www.harian.example/dunia/page/{page}/"
    # The sitemap is walked on a backfill; the date index with exhaustive=1.
    backfill = _outlet_spider(base + 'feeds = ["https://www.harian.example/rss"]\n'
                              'sitemaps = ["https://www.harian.example/sitemap.xml"]\n'
                              'index_url = "https://www.harian.example/indeks/{yyyy}-{mm}-{dd}?p={page}"\n',
                              since="2022-01-06", until="2022-01-07", exhaustive="1")
    assert [r.url for r in _start(backfill)] == [
        "https://www.harian.example/rss", "https://www.harian.example/sitemap.xml",
        "https://www.harian.example/indeks/2022-01-07?p=1", "https://www.harian.example/indeks/2022-01-06?p=1"]
    # A date index that is the only way in is read on every crawl (today's page).
    index_only = _outlet_spider(base + 'index_url = "https://www.harian.example/indeks/{yyyy}-{mm}-{dd}?p={page}"\n')
    (today,) = _start(index_only)
    assert today.url.startswith("https://www.harian.example/indeks/") and today.meta["nw_kind"] == "index"


def test_requests_share_one_callback_object_so_scrapys_callback_check_is_cached() -> None:
    """Scrapy inspects each response's callback (source + ast: milliseconds) and caches the verdict weakly:
    with a fresh bound method per request the verdict was lost and recomputed for every page."""
    from scrapy.utils.misc import _generator_callbacks_cache, warn_on_generator_with_return_value

    spider = _spider(Liputan6Spider, since="2022-01-05", tags="kazakhstan")
    listing = liputan6_listing([(f"{L6}/global/read/{4856001 + i}/satu", f"Kazakhstan {i}", "Ringkasan.",
                                 "2022-01-07T10:00:00+07:00") for i in range(3)])
    template = f"{L6}/tag/kazakhstan?page={{page}}"
    request = Request(f"{L6}/tag/kazakhstan?page=1",
                      meta={"nw_kind": "tag", "nw_page": 1, "nw_series": "s", "nw_template": template})
    response = HtmlResponse(request.url, body=listing, encoding="utf-8", request=request)
    requests = [r for r in _outputs(spider, response, spider.parse_listing_page) if isinstance(r, Request)
                and r.callback is not None and getattr(r.callback, "__name__", "") == "parse_article"]
    assert len(requests) == 3
    assert requests[0].callback is requests[1].callback is requests[2].callback
    warn_on_generator_with_return_value(spider, requests[0].callback)
    del requests
    assert spider.parse_article in _generator_callbacks_cache  # still there: the key is alive
