"""Real `scrapy crawl liputan6` runs against the loopback server, every real host routed to it.

Listing pages are made up in Liputan6's list markup (tests/crawl/pages.py) with the suite's own titles;
article pages come from the synthetic template. Each test asserts on the items written by `-O out.jsonl`,
the crawl's stats and the server's request log (what was, and was not, fetched).
"""

from __future__ import annotations

from pathlib import Path

from tests.crawl.pages import liputan6_article, liputan6_article_handler, liputan6_listing
from tests.servers import LoopbackServer, Reply
from tests.servers.crawl import run_crawl, site_routes

L6 = "https://www.liputan6.com"
TAG = "/liputan6/tag/kazakhstan"


def jan(day: int, hour: int = 10) -> str:
    """A January 2022 listing time in Jakarta time, as Liputan6 states it."""
    return f"2022-01-{day:02d}T{hour:02d}:00:00+07:00"


def _serve_articles(server: LoopbackServer) -> None:
    server.handle("/liputan6/", liputan6_article_handler("/liputan6"))
    server.handle("/liputan6-m/", liputan6_article_handler("/liputan6-m", host="m.liputan6.com"))


def _article_paths(server: LoopbackServer, prefix: str = "/liputan6/") -> set[str]:
    return {p for p in server.paths(prefix) if "/read/" in p}


def test_tag_backfill_pages_until_since_and_dedupes(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    _serve_articles(server)
    chrome = (  # menu and widget links that must not be fetched: other KLY site, video, BBC, comments, viewer
        '<a href="https://www.bola.com/dunia/read/4850099/bola">Bola</a>'
        '<a href="https://video.liputan6.com/news/video-uji-4850098">Video</a>'
        '<a href="https://www.bbc.com/news/articles/c0testid0002">BBC</a>'
        f'<a href="{L6}/news/read/4850015/kerusuhan-almaty/comments">Komentar</a>'
        f'<a href="{L6}/news/read/4850012/tokayev-bicara?photo=2">Foto</a>')
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4850020/sesudah-jendela", "Kazakhstan sesudah jendela", "Lewat batas.",
         jan(20, 9)),
        (f"{L6}/global/read/4850018/pasukan-tiba", "Pasukan tiba di Kazakhstan", "Hari ke-12.",
         jan(18, 10)),
        (f"{L6}/news/read/4850015/kerusuhan-almaty", "Kerusuhan Almaty", "Ribuan ditahan.",
         jan(15, 8)),
        # The same story again, from the mobile site with click trackers: one article, fetched once.
        ("https://m.liputan6.com/news/read/4850015/kerusuhan-almaty?medium=Headline&campaign=Headline_click_1",
         "Kerusuhan Almaty", "Ribuan ditahan.", jan(15, 8)),
        (f"{L6}/news/read/4850012/tokayev-bicara", "Tokayev bicara", "Pidato.", jan(12, 20)),
    ], extra=chrome))
    server.add(f"{TAG}?page=2", liputan6_listing([
        # Listed again on the next page, under its 2016-style channel subdomain address.
        ("https://news.liputan6.com/read/4850015/kerusuhan-almaty", "Kerusuhan Almaty", "Ribuan ditahan.",
         jan(15, 8)),
        (f"{L6}/global/read/4850010/harga-lpg", "Harga LPG di Kazakhstan", "Awal mula.",
         jan(10, 7)),
        (f"{L6}/global/read/4850004/sebelum-jendela", "Kazakhstan sebelum jendela", "Terlalu awal.",
         jan(4, 7)),
    ]))
    server.add(f"{TAG}?page=3", liputan6_listing([
        (f"{L6}/global/read/4850001/jauh-sebelum", "Jauh sebelum", "x", jan(1, 7))]))

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server),
                       args={"since": "2022-01-05", "until": "2022-01-18", "tags": "kazakhstan"})

    assert result.returncode == 0, result.log[-3000:]
    ids = sorted(item["article_id"] for item in result.articles)
    assert ids == ["4850010", "4850012", "4850015", "4850018"]
    assert {item["url"] for item in result.articles} == {
        f"{L6}/global/read/4850010/harga-lpg", f"{L6}/news/read/4850012/tokayev-bicara",
        f"{L6}/news/read/4850015/kerusuhan-almaty", f"{L6}/global/read/4850018/pasukan-tiba"}
    assert all(item["source"] == "liputan6" and item["body"] for item in result.articles)
    # Page 2 reached back before `since`: page 3 was never asked for.
    assert server.paths(TAG) == [f"{TAG}?page=1", f"{TAG}?page=2"]
    assert _article_paths(server) == {
        "/liputan6/global/read/4850010/harga-lpg", "/liputan6/news/read/4850012/tokayev-bicara",
        "/liputan6/news/read/4850015/kerusuhan-almaty", "/liputan6/global/read/4850018/pasukan-tiba"}
    # Nothing else: no mobile duplicate, no other site, no video, no comments or photo viewer.
    for prefix in ("/liputan6-m/", "/liputan6-sub/", "/bola/", "/bbc/", "/bbc-uk/"):
        assert server.paths(prefix) == [], prefix
    assert result.stat("newswatch/skipped/duplicate") == 1
    assert result.stat("newswatch/skipped/out_of_window") == 2
    assert result.stat("newswatch/discovery/stop/before_since") == 1
    # Every request named the tool and its contact.
    assert all((r.header("user-agent") or "").startswith("newswatch/") for r in server.requests())


def test_exhaustive_date_index_with_prefilter(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    _serve_articles(server)
    day7 = "/liputan6/indeks/2022/01/07"
    popular = f'<a href="{L6}/news/read/4851999/populer-lama">Berita populer lama</a>'  # undated widget link
    server.add(f"{day7}?page=1", liputan6_listing([
        (f"{L6}/global/read/4851001/pasukan", "Pasukan Rusia tiba di Kazakhstan", "CSTO.", jan(7, 20)),
        (f"{L6}/bisnis/read/4851002/cabai", "Harga cabai naik jelang akhir pekan", "Pasar.",
         jan(7, 19)),
        (f"{L6}/global/read/4851003/tokayev", "Presiden Tokayev tolak dialog", "Pidato.", jan(7, 18)),
    ], extra=popular))
    server.add(f"{day7}?page=2", liputan6_listing([
        (f"{L6}/global/read/4851004/almaty", "Almaty sepi setelah bentrokan", "Jalan.", jan(7, 9)),
        (f"{L6}/bola/read/4851005/timnas", "Timnas menang tipis", "Gol.", jan(7, 8)),
    ]))
    server.add(f"{day7}?page=3", liputan6_listing([]))  # past the last page: an empty list
    day6 = "/liputan6/indeks/2022/01/06"
    page6 = liputan6_listing([(f"{L6}/global/read/4850901/kerusuhan", "Kerusuhan meluas di Kazakhstan", "G.",
                               jan(6, 12))])
    server.add(f"{day6}?page=1", page6)
    server.add(f"{day6}?page=2", page6)  # a site that repeats its last page: nothing new, stop

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server),
                       args={"since": "2022-01-06", "until": "2022-01-07", "exhaustive": "1", "tags": ""})

    assert result.returncode == 0, result.log[-3000:]
    ids = sorted(item["article_id"] for item in result.articles)
    assert ids == ["4850901", "4851001", "4851003", "4851004"]
    assert server.paths(day7) == [f"{day7}?page=1", f"{day7}?page=2", f"{day7}?page=3"]
    assert server.paths(day6) == [f"{day6}?page=1", f"{day6}?page=2"]
    assert not [p for p in server.paths() if "4851002" in p or "4851005" in p or "4851999" in p]
    assert result.stat("newswatch/skipped/prefilter") == 2
    assert result.stat("newswatch/discovery/stop/empty_page") == 1
    assert result.stat("newswatch/discovery/stop/no_new_links") == 1


def test_deleted_articles_and_redirects(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    _serve_articles(server)
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/news/read/4852001/dihapus", "Kazakhstan: dihapus", "a", jan(7, 10)),
        (f"{L6}/news/read/4852002/dihapus-juga", "Kazakhstan: dihapus juga", "b", jan(7, 9)),
        (f"{L6}/news/read/4852003/hilang", "Kazakhstan: hilang", "c", jan(7, 8)),
        (f"{L6}/news/read/4852004/judul-lama", "Kazakhstan: pindah", "d", jan(7, 7)),
    ]))
    # Deleted: Liputan6 sends the reader to its homepage, as the real site or as the routed server's own URL.
    server.redirect("/liputan6/news/read/4852001/dihapus", f"{L6}/")
    server.redirect("/liputan6/news/read/4852002/dihapus-juga", server.base("liputan6") + "/", status=302)
    server.add("/liputan6/news/read/4852003/hilang", "tidak ada", status=404)
    # Moved: a redirect to another address of the same article (on the routed mobile host) is followed.
    server.redirect("/liputan6/news/read/4852004/judul-lama", "https://m.liputan6.com/news/read/4852004/judul-baru")

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={"tags": "kazakhstan"})

    assert result.returncode == 0, result.log[-3000:]
    assert [(item["article_id"], item["url"]) for item in result.articles] == [
        ("4852004", f"{L6}/news/read/4852004/judul-baru")]  # stored under its canonical address
    gone = {item["article_id"]: item for item in result.gone}
    assert set(gone) == {"4852001", "4852002", "4852003"}
    assert gone["4852001"]["url"] == f"{L6}/news/read/4852001/dihapus"
    assert gone["4852001"]["reason"].startswith("redirected to the front page")
    assert gone["4852002"]["reason"].startswith("redirected to the front page")
    assert gone["4852003"]["reason"] == "HTTP 404"
    assert all(item["source"] == "liputan6" for item in result.gone)
    # The homepage itself is never fetched; the moved article's new address was fetched through its route.
    assert "/liputan6/" not in server.paths("/liputan6/")
    assert server.paths("/liputan6-m/") == ["/liputan6-m/robots.txt",
                                            "/liputan6-m/news/read/4852004/judul-baru"]


def test_robots_txt_is_obeyed_through_routes(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    _serve_articles(server)
    server.add("/liputan6/robots.txt", "User-agent: *\nDisallow: /news/\n", content_type="text/plain")
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/news/read/4853001/terlarang", "Kazakhstan satu", "a", jan(7, 10)),
        (f"{L6}/global/read/4853002/boleh", "Kazakhstan dua", "b", jan(7, 9)),
    ]))

    # No feeds: www.liputan6.com/news/feed/rss is under the disallowed /news/ too.
    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={"tags": "kazakhstan",
                                                                               "feeds": ""})

    assert result.returncode == 0, result.log[-3000:]
    assert [item["article_id"] for item in result.articles] == ["4853002"]
    paths = server.paths("/liputan6/")
    assert paths[0] == "/liputan6/robots.txt"  # asked for first, at the routed address
    assert "/liputan6/news/read/4853001/terlarang" not in paths
    assert result.stat("robotstxt/forbidden") == 1


def test_only_allowed_hosts_are_fetched(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    _serve_articles(server)
    server.add("/bola/feed.xml", b"<rss/>")
    server.add("/fimela/tag/x", liputan6_listing([]))
    # A listing that moved off the allowed hosts, and one that moved between two of them.
    server.redirect(f"{TAG}?page=1", "https://www.fimela.com/tag/x", status=302)
    server.redirect("/liputan6-m/tag/kerusuhan", f"{L6}/tag/kerusuhan", status=301)
    server.add("/liputan6/tag/kerusuhan", liputan6_listing([
        (f"{L6}/global/read/4854001/satu", "Kazakhstan", "a", jan(7, 10))]))

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={
        "feeds": "https://www.bola.com/feed.xml",
        "tags": "kazakhstan,https://m.liputan6.com/tag/kerusuhan"})

    assert result.returncode == 0, result.log[-3000:]
    assert [item["article_id"] for item in result.articles] == ["4854001"]
    assert server.paths("/bola/") == [] and server.paths("/fimela/") == []
    assert result.stat("newswatch/offsite/filtered") == 2
    assert server.paths("/liputan6-m/") == ["/liputan6-m/robots.txt", "/liputan6-m/tag/kerusuhan"]


def test_unrouted_host_fails_at_dns_without_a_lookup(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    result = run_crawl("liputan6", tmp_path, routes=site_routes(loopback_server), args={
        "feeds": "https://feeds.unrouted.test/rss.xml", "tags": "",
        "allowed_hosts": "feeds.unrouted.test"}, settings={"RETRY_TIMES": 1})

    assert result.returncode == 0, result.log[-3000:]
    assert result.items == []
    # Scrapy 2.14+ wraps Twisted's DNSLookupError in CannotResolveHostError.
    failures = {k: v for k, v in result.stats.items() if k.startswith("downloader/exception_type_count/")
                and ("DNSLookupError" in k or "CannotResolveHostError" in k)}
    assert sum(failures.values()) == 4  # robots.txt and the feed, each tried twice (RETRY_TIMES=1)
    assert loopback_server.paths() == []


def test_retries_wait_for_retry_after_and_back_off(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    _serve_articles(server)
    listing = liputan6_listing([(f"{L6}/global/read/4855001/satu", "Kazakhstan", "a", jan(7, 10))])
    busy = Reply(503, b"sibuk", {"Retry-After": "1", "Content-Type": "text/plain"})
    ok = Reply(200, listing, {"Content-Type": "text/html; charset=utf-8"})
    server.sequence(f"{TAG}?page=1", [busy, ok])
    article = "/liputan6/global/read/4855001/satu"
    server.sequence(article, [Reply(429, b"pelan", {"Content-Type": "text/plain"}),
                              Reply(500, b"rusak", {"Content-Type": "text/plain"}),
                              Reply(200, liputan6_article(f"{L6}/global/read/4855001/satu", "4855001"),
                                    {"Content-Type": "text/html; charset=utf-8"})])

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={"tags": "kazakhstan"},
                       settings={"NEWSWATCH_RETRY_BACKOFF_BASE": 0.3})

    assert result.returncode == 0, result.log[-3000:]
    assert [item["article_id"] for item in result.articles] == ["4855001"]
    tag_times = [r.time for r in server.requests(TAG)]
    assert len(tag_times) == 2 and tag_times[1] - tag_times[0] >= 0.95  # Retry-After: 1 honoured
    article_times = [r.time for r in server.requests(article)]
    assert len(article_times) == 3
    first_wait, second_wait = article_times[1] - article_times[0], article_times[2] - article_times[1]
    assert first_wait >= 0.28 and second_wait >= 0.58  # 0.3 s, then doubled
    assert result.stat("retry/count") == 3
