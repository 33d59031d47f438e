"""The feed and sitemap limits in a real crawl, through the settings that set them.

test_bad_feeds.py holds the parsers to their limits; here `scrapy crawl liputan6` (a subprocess, against the
loopback server) shows that a crawl applies them: a 10,000-item feed is cut at NEWSWATCH_MAX_FEED_ITEMS, 500
unless set, and a gzipped sitemap inflates to no more than the crawl's response-size limit (DOWNLOAD_MAXSIZE,
which `[crawl] max_response_size` sets), a larger one counted as a bad sitemap.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from crawler.crawl.discovery.feeds import MAX_FEED_ITEMS
from tests.crawl.pages import liputan6_article_handler
from tests.reliability.samples import L6, gzip_bomb, rss, sitemap
from tests.servers import LoopbackServer
from tests.servers.crawl import CrawlResult, run_crawl, site_routes

WINDOW = {"since": "2022-01-01", "until": "2022-01-31"}
# No way in but the ones a test gives (the packaged config's feeds, sitemaps, tags and topic pages are off).
NO_LISTINGS = {"tags": "", "topics": "", "feeds": "", "sitemaps": ""}


def _crawl(server: LoopbackServer, out: Path, args: dict[str, str], **settings: object) -> CrawlResult:
    out.mkdir()
    result = run_crawl("liputan6", out, routes=site_routes(server), args={**WINDOW, **NO_LISTINGS, **args},
                       settings={"LOG_LEVEL": "INFO", **settings})
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    return result


def test_a_ten_thousand_item_feed_is_cut_at_the_setting_500_by_default(loopback_server: LoopbackServer,
                                                                      tmp_path: Path) -> None:
    # 10,000 items, all published before the crawl's window: counted as links, none worth a request.
    items = [{"title": f"Judul {n}", "link": f"{L6}/global/read/{4850000 + n}/judul-{n}",
              "pubDate": "Wed, 07 Jul 2021 10:00:00 +0700"} for n in range(1, 10_001)]
    loopback_server.add("/liputan6/feed/rss", rss(items), content_type="application/rss+xml")
    args = {"feeds": f"{L6}/feed/rss"}

    default = _crawl(loopback_server, tmp_path / "default", args)
    assert MAX_FEED_ITEMS == 500
    assert default.stat("newswatch/discovery/feed_links") == 500
    assert default.stat("newswatch/skipped/out_of_window") == 500
    capped = _crawl(loopback_server, tmp_path / "capped", args, NEWSWATCH_MAX_FEED_ITEMS=300)
    assert capped.stat("newswatch/discovery/feed_links") == 300
    assert capped.stat("newswatch/skipped/out_of_window") == 300
    # Nothing but robots.txt and the feed was asked for, twice.
    assert sorted(set(loopback_server.paths())) == ["/liputan6/feed/rss", "/liputan6/robots.txt"]


def test_a_gzipped_sitemap_inflates_to_no_more_than_the_response_size_limit(loopback_server: LoopbackServer,
                                                                           tmp_path: Path) -> None:
    server = loopback_server
    server.handle("/liputan6/", liputan6_article_handler("/liputan6"))
    # A real sitemap of one article, padded to 3 MB once inflated (a 3 kB download), and a gzip bomb that
    # inflates to 64 MiB (65 kB). Served as files, without Content-Encoding: the spider inflates them.
    article = f"{L6}/global/read/4872001/peta-situs-besar"
    padded = sitemap([article]).replace(b"<urlset", b" " * 3_000_000 + b"<urlset", 1)
    server.add("/liputan6/sitemap/big.xml.gz", gzip.compress(padded), content_type="application/gzip")
    server.add("/liputan6/sitemap/bomb.xml.gz", gzip_bomb(64 * 1024 * 1024), content_type="application/gzip")
    server.add("/liputan6/sitemap/broken.xml", b"<urlset><url><loc>https://www.liputan6.com/global/read/4",
               content_type="application/xml")  # malformed: counted too, not a crash
    names = ("big.xml.gz", "bomb.xml.gz", "broken.xml")
    args = {"sitemaps": ",".join(f"{L6}/sitemap/{name}" for name in names)}

    # The default limit (10 MB): the 3 MB sitemap is read and its article fetched, the bomb refused.
    default = _crawl(server, tmp_path / "default", args)
    assert default.stat("newswatch/discovery/sitemap_links") == 1
    assert default.stat("newswatch/discovery/bad_sitemap") == 2  # the bomb and the malformed one
    assert [item["article_id"] for item in default.articles] == ["4872001"]
    refused = [int(n) for n in re.findall(r"sitemap larger than (\d+) bytes", default.log)]
    assert len(refused) == 1 and 3_000_000 < refused[0] <= 10 * 1024 * 1024, refused

    # A 2 MB limit: both refused, counted, nothing followed.
    server.clear_log()
    small = _crawl(server, tmp_path / "small", args, DOWNLOAD_MAXSIZE=2_000_000)
    assert small.stat("newswatch/discovery/bad_sitemap") == 3
    assert small.stat("newswatch/discovery/sitemap_links") == 0
    assert re.findall(r"sitemap larger than (\d+) bytes", small.log) == ["2000000", "2000000"]
    assert small.articles == [] and not [p for p in server.paths() if "/read/" in p]
