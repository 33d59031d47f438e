"""Feeds, sitemaps, index and tag pages, homepage and robots.txt of the replay site, over HTTP."""

from __future__ import annotations

import feedparser

from crawler.crawl.discovery import main_list, parse_listing, parse_sitemap
from crawler.crawl.routing import Route, Router
from crawler.demo import DemoServer
from crawler.extract.urls import article_id_for, strip_tracking
from tests.demo.conftest import fetch

L6 = "https://www.liputan6.com"


def _listed_ids(server: DemoServer, url: str) -> list[str]:
    page = fetch(server, url)
    assert page.status == 200
    return [article_id_for(link.url) or "" for link in main_list(parse_listing(url, page.body))]


def _feed_ids(server: DemoServer, url: str) -> list[str]:
    page = fetch(server, url)
    assert page.status == 200 and "rss" in (page.header("Content-Type") or "")
    parsed = feedparser.parse(page.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    links = [strip_tracking(entry.link) for entry in parsed.entries]
    assert all(entry.id.endswith("#0") for entry in parsed.entries)
    return [article_id_for(link) or "" for link in links]


def test_tag_page_lists_the_story_newest_first_with_pagination(demo_server: DemoServer) -> None:
    first = _listed_ids(demo_server, f"{L6}/tag/kazakhstan?page=1")
    second = _listed_ids(demo_server, f"{L6}/tag/kazakhstan?page=2")
    assert first == ["4828733", "4828015", "4826690", "4826148"]
    assert second == ["4825377", "4824902", "4824560", "4823101"]
    assert b'href="https://www.liputan6.com/tag/kazakhstan?page=2"' in fetch(
        demo_server, f"{L6}/tag/kazakhstan").body
    assert _listed_ids(demo_server, f"{L6}/tag/kazakhstan?page=3") == []  # past the end: an empty list
    assert fetch(demo_server, f"{L6}/tag/no-such-tag").status == 404


def test_date_index_lists_every_article_of_the_day_in_pages(demo_server: DemoServer) -> None:
    day = f"{L6}/indeks/2022/01/07"
    first = _listed_ids(demo_server, f"{day}?page=1")
    second = _listed_ids(demo_server, f"{day}?page=2")
    assert len(first) == 4 and len(second) == 1
    # Two reports on the troops and the shooting order, football, CES and the weather, all on 7 January WIB.
    assert set(first + second) == {"4826148", "4826690", "4826201", "4826333", "4826502"}
    assert first[0] == "4826690"  # 18:45 WIB, the newest
    assert _listed_ids(demo_server, f"{L6}/indeks/2022/01/20?page=1") == []
    assert fetch(demo_server, f"{L6}/indeks/2022/02/30").status == 404


def test_listing_dates_state_wib(demo_server: DemoServer) -> None:
    url = f"{L6}/indeks/2022/01/03?page=1"
    links = parse_listing(url, fetch(demo_server, url).body)
    assert [(article_id_for(link.url), link.date.isoformat() if link.date else None) for link in links] == [
        ("4823101", "2022-01-03T08:15:00+07:00")]
    assert links[0].title == "Harga Gas Cair Naik Dua Kali Lipat, Warga Kazakhstan Turun ke Jalan"


def test_bbc_feeds_list_their_articles(demo_server: DemoServer) -> None:
    europe = _feed_ids(demo_server, "https://feeds.bbci.co.uk/news/world/europe/rss.xml")
    assert sorted(europe) == ["c3g5vx0l2k8o", "cd1y7w4m3zqo"]
    asia = _feed_ids(demo_server, "https://feeds.bbci.co.uk/news/world/asia/rss.xml")
    assert len(asia) == 8 and asia[0] == "c9x2k4n7rdwo"  # newest first
    world = _feed_ids(demo_server, "https://feeds.bbci.co.uk/news/world/rss.xml")
    assert {"world-australia-59880417", "world-africa-59885533"} <= set(world)
    news = _feed_ids(demo_server, "https://feeds.bbci.co.uk/news/rss.xml")
    assert {"technology-59887250", "uk-scotland-59890210", "world-asia-59874560"} <= set(news)
    assert "world-asia-59871245" not in news  # the first report is only in the world and Asia feeds


def test_bbc_sitemaps_index_their_children_with_lastmod(demo_server: DemoServer) -> None:
    index_url = "https://www.bbc.com/sitemaps/https-index-com-archive.xml"
    index = parse_sitemap(index_url, fetch(demo_server, index_url).body)
    assert index.kind == "index"
    children = {link.url.removeprefix("https://www.bbc.com/sitemaps/https-sitemap-com-archive-"): link.date
                for link in index.links}
    assert set(children) == {"2021-12.xml", "2022-01.xml"}
    newest = children["2022-01.xml"]
    assert newest is not None and newest.isoformat() == "2022-01-10T16:30:00+00:00"  # the mourning report
    january = parse_sitemap("x", fetch(demo_server, index.links[-1].url).body)
    assert january.kind == "urlset" and len(january.links) == 12
    assert parse_sitemap("x", fetch(demo_server, index.links[0].url).body).links == []
    news_index_url = "https://www.bbc.com/sitemaps/https-index-com-news.xml"
    news_index = parse_sitemap(news_index_url, fetch(demo_server, news_index_url).body)
    news = parse_sitemap("x", fetch(demo_server, news_index.links[0].url).body)
    assert {link.title for link in news.links} >= {"Kazakhstan government resigns as unrest grows"}


def test_robots_txt_on_every_host(demo_server: DemoServer) -> None:
    for host in ("www.liputan6.com", "m.liputan6.com", "www.bbc.com", "www.bbc.co.uk", "feeds.bbci.co.uk"):
        page = fetch(demo_server, f"https://{host}/robots.txt")
        assert page.status == 200 and page.body.startswith(b"User-agent: *"), host
        assert (page.header("Content-Type") or "").startswith("text/plain")


def test_homepage_links_a_deleted_article_that_redirects_home(demo_server: DemoServer) -> None:
    home = fetch(demo_server, f"{L6}/")
    ids = [article_id_for(link.url) for link in parse_listing(f"{L6}/", home.body)]
    assert "4825101" in ids and "4828733" in ids
    gone = fetch(demo_server, f"{L6}/global/read/4825101/bandara-almaty-sempat-dikuasai-massa")
    assert gone.status == 302
    location = gone.header("Location") or ""
    route = Route("www.liputan6.com", demo_server.base("liputan6"))
    assert Router([route]).unrouted_location(location, f"{L6}/global/read/4825101/x", route) == f"{L6}/"


def test_unknown_paths_are_not_found(demo_server: DemoServer) -> None:
    assert fetch(demo_server, f"{L6}/global/read/4899999/no-such-article").status == 404
    assert fetch(demo_server, "https://www.bbc.com/news/world-asia-12345678").status == 404
    assert fetch(demo_server, "https://www.bbc.com/news/articles/c3g5vx0l2k8o").status == 200
    assert fetch(demo_server, "https://www.bbc.com/news/c3g5vx0l2k8o").status == 404  # wrong path shape
    assert fetch(demo_server, "https://feeds.bbci.co.uk/news/nothing/rss.xml").status == 404
