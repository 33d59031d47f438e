"""`newswatch crawl --source liputan6` against made-up tag and index pages: identity, deletions, relevance,
topic edits, the re-check window and a date-bounded backfill, checked in the database and the server log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.crawl.pages import liputan6_listing
from tests.crawl.pipeline.site import (
    IRRELEVANT_ID,
    RELEVANT_ID,
    Site,
    Story,
    last_stats,
    newswatch_crawl,
    rows,
    write_config,
)
from tests.servers import LoopbackServer

L6 = "https://www.liputan6.com"
TAG = "/liputan6/tag/kazakhstan"


def jan(day: int, hour: int = 10) -> str:
    return f"2022-01-{day:02d}T{hour:02d}:00:00+07:00"


def _story(kind: tuple[str, list[str]], n: str, published: str = jan(7)) -> Story:
    return Story(f"{kind[0]} {n}", list(kind[1]), published)


def test_one_row_per_article_across_addresses_and_deleted_articles(loopback_server: LoopbackServer,
                                                                   tmp_path: Path,
        db_url: str) -> None:
    server = loopback_server
    site = Site(server)
    site.liputan6["4860001"] = _story(RELEVANT_ID, "satu")
    site.liputan6["4860002"] = _story(RELEVANT_ID, "dua")
    # 4860003 was deleted: Liputan6 sends deleted articles to its front page.
    server.redirect("/liputan6/news/read/4860003/dihapus", f"{L6}/")
    server.add("/liputan6/", "<html><body>Beranda</body></html>", content_type="text/html")
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4860001/satu", "Kerusuhan satu", "a", jan(7, 11)),
        # The same story from the mobile site with click trackers, and again from the www site.
        ("https://m.liputan6.com/global/read/4860002/dua?medium=Headline&campaign=Headline_click_1",
         "Kerusuhan dua", "b", jan(7, 10)),
        (f"{L6}/global/read/4860002/dua?utm_source=x", "Kerusuhan dua", "b", jan(7, 10)),
        (f"{L6}/news/read/4860003/dihapus", "Kerusuhan tiga", "c", jan(7, 9)),
    ]))
    db, config = db_url, write_config(tmp_path / "nw.toml")

    run = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert run.returncode == 0, run.stderr
    assert rows(db, "SELECT article_id, url FROM articles ORDER BY article_id") == [
        ("4860001", f"{L6}/global/read/4860001/satu"), ("4860002", f"{L6}/global/read/4860002/dua")]
    assert rows(db, "SELECT article_id, status FROM seen") == [("4860003", "deleted")]
    assert "2 new / 0 updated" in run.summary("liputan6") and "1 deleted" in run.summary("liputan6")
    assert rows(db, "SELECT listing_date FROM articles WHERE article_id = '4860001'") == [(jan(7, 11),)]

    # Later 4860001 is deleted too, and the tag page changes (a new story on top).
    site.liputan6.pop("4860001")
    server.redirect("/liputan6/global/read/4860001/satu", f"{L6}/")
    site.liputan6["4860004"] = _story(RELEVANT_ID, "empat")
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4860004/empat", "Kerusuhan empat", "d", jan(8, 8)),
        (f"{L6}/global/read/4860001/satu", "Kerusuhan satu", "a", jan(8, 7)),  # re-dated: worth a look
        (f"{L6}/global/read/4860002/dua", "Kerusuhan dua", "b", jan(7, 10)),
        (f"{L6}/news/read/4860003/dihapus", "Kerusuhan tiga", "c", jan(7, 9)),
    ]))
    server.clear_log()

    again = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert again.returncode == 0, again.stderr
    # Known and unchanged (4860002) and deleted (4860003) are not asked for again.
    assert sorted(site.article_paths("/liputan6/")) == [
        "/liputan6/global/read/4860001/satu", "/liputan6/global/read/4860004/empat"]
    deleted = rows(db, "SELECT article_id, deleted_at IS NOT NULL FROM articles ORDER BY article_id")
    assert deleted == [("4860001", 1), ("4860002", 0), ("4860004", 0)]
    # Its versions stay.
    assert rows(db, "SELECT count(*) FROM article_versions v JOIN articles a ON a.id = v.article_pk "
                    "WHERE a.article_id = '4860001'") == [(1,)]
    assert last_stats(db, "liputan6")["newswatch/articles/skipped_known"] == 2


def test_irrelevant_articles_are_seen_not_refetched_until_the_topics_change(
        loopback_server: LoopbackServer, tmp_path: Path,
        db_url: str) -> None:
    server = loopback_server
    site = Site(server)
    site.liputan6["4861001"] = _story(RELEVANT_ID, "satu")
    site.liputan6["4861002"] = _story(IRRELEVANT_ID, "dua")
    listing = [(f"{L6}/global/read/4861001/satu", "Kazakhstan satu", "a", jan(7, 11)),
               (f"{L6}/bisnis/read/4861002/dua", "Kazakhstan dua", "b", jan(7, 10))]
    server.add(f"{TAG}?page=1", liputan6_listing(listing))
    db, config = db_url, write_config(tmp_path / "nw.toml")

    first = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert first.returncode == 0, first.stderr
    assert "1 new / 0 updated / 0 unchanged / 1 irrelevant" in first.summary("liputan6")
    assert rows(db, "SELECT article_id FROM articles") == [("4861001",)]
    assert rows(db, "SELECT article_id, status FROM seen") == [("4861002", "irrelevant")]

    # The tag page changes (so it is read again, 200), still listing both with the same dates.
    server.add(f"{TAG}?page=1", liputan6_listing(listing, extra="<span>menu baru</span>"))
    server.clear_log()
    second = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert second.returncode == 0, second.stderr
    assert site.article_paths() == []
    assert server.paths(TAG) == [f"{TAG}?page=1"]

    # A topic edit (a new term that the chilli story has) re-evaluates what was seen: the listing is asked
    # unconditionally and the irrelevant article fetched again, now stored.
    write_config(config, extra='\n[topics.harga-pangan]\ndescription = "Harga pangan"\nsince = 2022-01-01\n'
                               'min_score = 3.0\n[topics.harga-pangan.keywords.id]\nany = ["cabai"]\n')
    server.clear_log()
    third = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert third.returncode == 0, third.stderr
    assert server.requests(TAG)[0].header("If-None-Match") is None
    assert site.article_paths() == ["/liputan6/bisnis/read/4861002/dua"]
    assert "1 new" in third.summary("liputan6")
    assert rows(db, "SELECT article_id FROM articles ORDER BY article_id") == [("4861001",), ("4861002",)]
    assert rows(db, "SELECT topic FROM article_topics t JOIN articles a ON a.id = t.article_pk "
                    "WHERE a.article_id = '4861002'") == [("harga-pangan",)]
    assert rows(db, "SELECT count(*) FROM seen") == [(0,)]


def test_recent_articles_are_rechecked_even_when_the_listing_is_unchanged(
        loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    site = Site(server)
    recent = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="seconds")
    site.liputan6["4862001"] = _story(RELEVANT_ID, "baru", published=recent)
    site.liputan6["4862002"] = _story(RELEVANT_ID, "lama", published=jan(7))
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4862001/baru", "Kazakhstan baru", "a", recent),
        (f"{L6}/global/read/4862002/lama", "Kazakhstan lama", "b", jan(7))]))
    db = tmp_path / "nw.db"
    config = write_config(tmp_path / "nw.toml", crawl={"recheck_window_hours": 24.0})
    assert newswatch_crawl(db, config, server, "--source", "liputan6").returncode == 0

    site.liputan6["4862001"].paragraphs.append("Korban tewas bertambah menjadi 26 orang menurut polisi.")
    server.clear_log()
    again = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert again.returncode == 0, again.stderr
    assert server.paths(TAG) == [f"{TAG}?page=1"]
    assert last_stats(db, "liputan6")["newswatch/listing/not_modified"] == 1
    # The listing said nothing new, yet the story published two hours ago was looked at again; the old one
    # was not.
    assert site.article_paths() == ["/liputan6/global/read/4862001/baru"]
    assert "0 new / 1 updated" in again.summary("liputan6")


def test_parse_failures_are_counted_and_remembered(loopback_server: LoopbackServer, tmp_path: Path,
        db_url: str) -> None:
    server = loopback_server
    Site(server).liputan6["4863001"] = _story(RELEVANT_ID, "satu")
    server.add("/liputan6/global/read/4863002/kosong", "<html><body><p></p></body></html>",
               content_type="text/html")
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4863001/satu", "Kazakhstan satu", "a", jan(7, 11)),
        (f"{L6}/global/read/4863002/kosong", "Kazakhstan kosong", "b", jan(7, 10))]))
    db, config = db_url, write_config(tmp_path / "nw.toml")

    run = newswatch_crawl(db, config, server, "--source", "liputan6")

    assert run.returncode == 0, run.stderr
    assert "1 new / 0 updated / 0 unchanged / 0 irrelevant / 1 failed" in run.summary("liputan6")
    assert rows(db, "SELECT article_id, status FROM seen") == [("4863002", "failed")]
    assert last_stats(db, "liputan6")["newswatch/parse_failed"] == 1


def test_backfill_walks_the_date_index_and_stops_at_since(loopback_server: LoopbackServer,
                                                           tmp_path: Path) -> None:
    server = loopback_server
    site = Site(server)
    index = "/liputan6/indeks/2022/01"
    day7 = [(f"{L6}/global/read/48640{n:02d}/k{n}", f"Kazakhstan {n}", "x", jan(7, 20 - n)) for n in range(4)]
    late = (f"{L6}/global/read/4864200/kemarin", "Kazakhstan kemarin", "x", jan(6, 23))
    day7_page2 = [(f"{L6}/global/read/48641{n:02d}/k{n}", f"Kazakhstan {n}", "x", jan(7, 9 - n))
                  for n in range(3)] + [late]
    day6 = [(f"{L6}/global/read/48643{n:02d}/k{n}", f"Kazakhstan {n}", "x", jan(6, 20 - n)) for n in range(3)]
    server.add(f"{index}/07?page=1", liputan6_listing(day7))
    server.add(f"{index}/07?page=2", liputan6_listing(day7_page2))
    # Page 3 of the 7th only shows the 6th: the 7th is done there.
    server.add(f"{index}/07?page=3", liputan6_listing([day7_page2[-1], *day6[:2]]))
    server.add(f"{index}/06?page=1", liputan6_listing(day6))
    server.add(f"{index}/06?page=2", liputan6_listing([(f"{L6}/global/read/4864400/lama", "Lama", "x",
                                                        jan(5, 23))]))
    for url, _title, _lead, when in day7 + day7_page2 + day6:
        article_id = url.split("/read/")[1].split("/")[0]
        site.liputan6[article_id] = _story(RELEVANT_ID, article_id, published=when)
    db = tmp_path / "nw.db"
    config = write_config(tmp_path / "nw.toml", liputan6={"tags": []})

    run = newswatch_crawl(db, config, server, "--source", "liputan6", "--since", "2022-01-06",
                          "--until", "2022-01-07", "--exhaustive")

    assert run.returncode == 0, run.stderr
    # Each day of the window, page by page until the list reached the day before; nothing before `since`.
    assert sorted(p for p in server.paths("/liputan6/indeks/")) == [
        f"{index}/06?page=1", f"{index}/06?page=2", f"{index}/07?page=1", f"{index}/07?page=2",
        f"{index}/07?page=3"]
    assert not [p for p in server.paths() if "/indeks/2022/01/05" in p]
    stored = {r[0] for r in rows(db, "SELECT article_id FROM articles")}
    assert len(stored) == 4 + 3 + 1 + 3
    assert "4864400" not in stored
    assert "11 new" in run.summary("liputan6")
