"""The replay server: validators on every page, 304 on conditional requests, the request log, routes for the
hosts the config crawls, and the timeline (new, updated and removed articles served from their step)."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from crawler.config import load_config
from crawler.crawl.discovery import main_list, parse_listing
from crawler.demo import DemoServer, DemoSite
from crawler.demo.server import not_modified
from crawler.extract.pages import parse_article
from crawler.extract.urls import article_id_for
from tests.demo.conftest import fetch

PAGES = [
    "https://www.liputan6.com/",
    "https://www.liputan6.com/tag/kazakhstan?page=1",
    "https://www.liputan6.com/indeks/2022/01/05?page=1",
    "https://www.liputan6.com/global/read/4824902/presiden-tokayev-terima-pengunduran-diri-pemerintah-kazakhstan",
    "https://m.liputan6.com/global/read/4826148/pasukan-penjaga-perdamaian-csto-tiba-di-kazakhstan",
    "https://www.bbc.com/news/world-asia-59874560",
    "https://www.bbc.co.uk/news/articles/c3g5vx0l2k8o",
    "https://www.bbc.com/sitemaps/https-index-com-news.xml",
    "https://feeds.bbci.co.uk/news/world/asia/rss.xml",
    "https://feed.liputan6.com/rss/global",
    "https://www.liputan6.com/news/feed/rss",
    "https://www.caspian-courier.example/feeds/region.atom",
    "https://www.caspian-courier.example/region/page/1/",
    "https://www.caspian-courier.example/region/2022/01/06/russian-led-troops-land-in-kazakhstan-100245/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_validators_and_answers_304_when_unchanged(demo_server: DemoServer, url: str) -> None:
    first = fetch(demo_server, url)
    assert first.status == 200 and first.body
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert etag and etag.startswith('"') and modified and modified.endswith("GMT")
    assert fetch(demo_server, url, {"If-None-Match": etag}).status == 304
    assert fetch(demo_server, url, {"If-None-Match": f'"other", W/{etag}'}).status == 304
    assert fetch(demo_server, url, {"If-Modified-Since": modified}).status == 304
    assert fetch(demo_server, url, {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}).status == 200
    # If-None-Match decides when both are sent: a different ETag means the client's copy is not this one.
    assert fetch(demo_server, url, {"If-None-Match": '"stale"', "If-Modified-Since": modified}).status == 200
    not_modified_reply = fetch(demo_server, url, {"If-None-Match": etag})
    assert not_modified_reply.body == b"" and not_modified_reply.header("ETag") == etag


def test_last_modified_is_when_the_content_changed(demo_server: DemoServer) -> None:
    page = fetch(demo_server, "https://www.bbc.com/news/world-asia-59874560")
    assert page.header("Last-Modified") == "Wed, 05 Jan 2022 08:40:00 GMT"
    tag = fetch(demo_server, "https://www.liputan6.com/tag/kazakhstan")
    assert tag.header("Last-Modified") == "Mon, 10 Jan 2022 04:00:00 GMT"  # 11:00 WIB, the newest story


def test_not_modified_rules() -> None:
    from datetime import UTC, datetime

    when = datetime(2022, 1, 5, 8, 40, 30, 500000, tzinfo=UTC)
    assert not_modified({"If-Modified-Since": "Wed, 05 Jan 2022 08:40:30 GMT"}, '"a"', when)
    assert not not_modified({"If-Modified-Since": "Wed, 05 Jan 2022 08:40:29 GMT"}, '"a"', when)
    assert not not_modified({"If-Modified-Since": "yesterday"}, '"a"', when)
    assert not_modified({"If-None-Match": "*"}, '"a"', None)
    assert not not_modified({}, '"a"', when)


def test_head_requests_and_the_request_log(demo_server: DemoServer) -> None:
    url = demo_server.url("https://www.liputan6.com/tag/kazakhstan?page=2")
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "newswatch-test"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""
        assert response.headers["ETag"]
    fetch(demo_server, "https://www.bbc.com/news/world-asia-00000000")
    log = demo_server.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("HEAD", "/liputan6/tag/kazakhstan?page=2", 200), ("GET", "/bbc/news/world-asia-00000000", 404)]
    assert log[0].header("User-Agent") == "newswatch-test"
    demo_server.clear_log()
    assert demo_server.requests == []


def test_routes_cover_every_host_the_config_crawls(demo_server: DemoServer) -> None:
    routes = demo_server.routes()
    config = load_config(None)
    for source in ("liputan6", "bbc"):
        hosts = set(config.sources[source].allowed_hosts)
        assert hosts <= set(routes), source
    assert routes["www.liputan6.com"] == f"http://127.0.0.1:{demo_server.port}/liputan6"
    assert routes["feeds.bbci.co.uk"] == f"http://127.0.0.1:{demo_server.port}/bbcfeeds"
    assert f"m.liputan6.com=http://127.0.0.1:{demo_server.port}/liputan6-m" in demo_server.route_args()


def test_step_one_publishes_a_new_article_and_updates_another(demo_server: DemoServer) -> None:
    tag = "https://www.liputan6.com/tag/kazakhstan?page=1"
    index = "https://www.liputan6.com/indeks/2022/01/13?page=1"
    detained = "https://www.liputan6.com/global/read/4828015/5800-orang-ditahan-usai-kerusuhan-di-kazakhstan"
    before_tag, before_article = fetch(demo_server, tag), fetch(demo_server, detained)
    assert fetch(demo_server, index).status == 200 and b"4830412" not in fetch(demo_server, index).body
    assert fetch(demo_server, "https://www.liputan6.com/global/read/4830412/x").status == 404

    demo_server.set_step(1)
    after_tag = fetch(demo_server, tag, {"If-None-Match": before_tag.header("ETag") or ""})
    assert after_tag.status == 200  # the old copy no longer matches
    ids = [article_id_for(link.url) for link in main_list(parse_listing(tag, after_tag.body))]
    assert ids[0] == "4830412"
    assert b"/global/read/4830412/" in fetch(demo_server, index).body
    assert fetch(demo_server, "https://www.liputan6.com/global/read/4830412/x").status == 200

    after_article = fetch(demo_server, detained, {"If-Modified-Since": before_article.header("Last-Modified")
                                                  or ""})
    assert after_article.status == 200
    old = parse_article(detained, before_article.body.decode())
    new = parse_article(detained, after_article.body.decode())
    assert old.body != new.body
    assert "5.800 orang telah ditahan" in old.body and "hampir 10.000 orang telah ditahan" in new.body
    assert new.title == "Hampir 10.000 Orang Ditahan Usai Kerusuhan di Kazakhstan"
    assert new.modified_at == "2022-01-11T20:30:00+07:00"

    feed = fetch(demo_server, "https://feeds.bbci.co.uk/news/world/europe/rss.xml").body
    assert b"world-asia-59978455" in feed
    toll = fetch(demo_server, "https://www.bbc.com/news/articles/c9x2k4n7rdwo").body.decode()
    assert "225 people died" in parse_article("https://www.bbc.com/news/articles/c9x2k4n7rdwo", toll).body


def test_step_two_changes_nothing_and_step_three_removes_an_article() -> None:
    one, two = DemoSite(step=1), DemoSite(step=2)
    for key, path in (("liputan6", "/tag/kazakhstan"), ("liputan6", "/global/read/4828015/x"),
                      ("bbc", "/sitemaps/https-sitemap-com-news-1.xml"), ("bbcfeeds", "/news/rss.xml")):
        assert one.get(key, path) == two.get(key, path)
    with DemoServer(DemoSite(step=3)) as server:
        removed = fetch(server, "https://www.liputan6.com/global/read/4824560/protes-meluas")
        assert removed.status == 302 and removed.header("Location") == "/liputan6/"
        assert b"4824560" not in fetch(server, "https://www.liputan6.com/tag/kazakhstan?page=2").body
        toll = fetch(server, "https://www.liputan6.com/global/read/4828733/x").body.decode()
        assert "225 orang" in toll


def test_stop_closes_the_port() -> None:
    server = DemoServer().start()
    port = server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    with pytest.raises(RuntimeError):
        _ = server.port
