"""Bad article pages in a real crawl: `scrapy crawl liputan6` against the loopback server, a tag page listing
good articles and bad ones. The crawl finishes, the good articles come out, every bad one is counted in a
stat and logged on one line, and no traceback reaches the log.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.crawl.pages import liputan6_listing
from tests.reliability.samples import (
    INDONESIAN_SENTENCE,
    WESTERN_SENTENCE,
    liputan6_page,
    liputan6_url,
)
from tests.servers import LoopbackServer
from tests.servers.crawl import run_crawl, site_routes

TAG = "/liputan6/tag/kazakhstan"
WHEN = "2022-01-07T10:00:00+07:00"


def _path(article_id: str) -> str:
    return "/liputan6" + liputan6_url(article_id).removeprefix("https://www.liputan6.com")


def _good(article_id: str, sentence: str = INDONESIAN_SENTENCE, **kwargs: str) -> str:
    paragraphs = [sentence, f"Paragraf kedua {article_id}."]
    return liputan6_page(article_id, f"Kazakhstan uji {article_id}", paragraphs, **kwargs)


def _truncated(page: str) -> bytes:
    return page[: page.index('<div class="article-content-body"') + 12].encode()


def test_bad_pages_are_counted_and_the_rest_of_the_crawl_goes_on(loopback_server: LoopbackServer,
                                                                  tmp_path: Path) -> None:
    server = loopback_server
    html = "text/html; charset=utf-8"
    pages: dict[str, tuple[bytes, str]] = {
        "4870001": (_good("4870001").encode(), html),
        "4870002": (b"", html),  # an empty 200
        "4870003": (random.Random(3).randbytes(50_000), html),  # binary served as text/html
        "4870004": (_truncated(_good("4870004")), html),  # the connection dropped mid-tag, before the body
        # Says UTF-8 (header and meta), is windows-1252.
        "4870005": (_good("4870005", WESTERN_SENTENCE).encode("cp1252"), html),
        "4870006": (("<html><body>" + "<div>" * 1_000_000 + "</body></html>").encode(), html),  # 5 MB deep
        "4870007": (b"<html><body><nav><a href='/'>Beranda</a></nav></body></html>", html),  # no article
        "4870008": (_good("4870008", declaration='<?xml version="1.0" encoding="utf-8"?>').encode(), html),
        "4870009": (_good("4870009", head_extra='<script type="application/ld+json">' + "[" * 50_000
                          + "]" * 50_000 + "</script>").encode(), html),
        "4870010": (_good("4870010").encode(), html),
    }
    for article_id, (body, kind) in pages.items():
        server.add(_path(article_id), body, content_type=kind)
    server.add(f"{TAG}?page=1", liputan6_listing(
        [(liputan6_url(i), f"Kazakhstan uji {i}", "Ringkasan.", WHEN) for i in pages]))

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={"tags": "kazakhstan"})

    assert result.returncode == 0, result.log[-3000:]
    assert result.stats.get("finish_reason") == "finished"
    assert sorted(item["article_id"] for item in result.articles) == [
        "4870001", "4870005", "4870008", "4870009", "4870010"]
    cp1252 = next(item for item in result.articles if item["article_id"] == "4870005")
    assert cp1252["body"].startswith(WESTERN_SENTENCE)
    # Every page was asked for exactly once: a bad page is not retried as if the network had failed.
    assert sorted(p for p in server.paths("/liputan6/") if "/read/" in p) == sorted(map(_path, pages))
    assert result.stat("newswatch/bad_response/empty") == 1
    assert result.stat("newswatch/bad_response/binary") == 1
    assert result.stat("newswatch/article/no_article") == 5  # empty, binary, truncated, nested, no article
    assert result.stat("newswatch/article/parsed") == 5
    # The spider says it once per bad page, on one line naming the page; no traceback, no spider exception.
    spider_lines = [line for line in result.log.splitlines() if "[spiders.base]" in line]
    for article_id, what in [("4870002", "bad response for"), ("4870003", "bad response for"),
                             ("4870004", "no article in"), ("4870006", "no article in"),
                             ("4870007", "no article in")]:
        assert len([line for line in spider_lines if what in line and article_id in line]) == 1, article_id
    assert "Traceback" not in result.log
    assert not [key for key in result.stats if key.startswith(("spider_exceptions/",
                                                               "newswatch/article/parser_error"))]
