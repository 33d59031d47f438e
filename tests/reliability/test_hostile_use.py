"""Weak spots found by hostile use (issue 13), each through the real `newswatch` command in a subprocess:
a `--since` in the future, NUL bytes in a text page, a title of only spaces or a megabyte long, an article
dated far in the future, a sitemap of 90,000 URLs.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.crawl.discovery.sitemaps import parse_sitemap
from crawler.monitor.health import evaluate
from tests.reliability.faults_helpers import (
    Completed,
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    article_html,
    articles,
    query,
    run_newswatch,
)
from tests.reliability.samples import rss, sitemap


def one_line_error(done: Completed, *words: str) -> None:
    assert done.returncode == 2, done.everything[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("newswatch: error:"), lines
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def extract(path: Path, cwd: Path) -> dict[str, object]:
    done = run_newswatch(["extract", str(path)], cwd)
    assert done.returncode == 0, done.everything[-2000:]
    return dict(json.loads(done.stdout))


# -- crawl --since in the future --

@pytest.mark.parametrize("day", ["9999-12-31", (datetime.now(UTC) + timedelta(days=3)).date().isoformat()])
def test_crawl_refuses_a_since_in_the_future(day: str, tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    done = run_newswatch(["crawl", "--config", str(setup.config_path), "--db", setup.db_url, "--since", day],
                         tmp_path, timeout=60)
    one_line_error(done, "--since", day, "future")
    assert not setup.db_path.exists()  # refused before anything ran


# -- NUL bytes in a text page --

def test_isolated_nul_bytes_do_not_make_a_page_binary(tmp_path: Path) -> None:
    item = articles(1)[0]
    more = tuple(f"Paragraf tambahan {n}: warga Almaty menunggu kabar dari pemerintah." for n in range(60))
    page = article_html(dataclasses.replace(item, paragraphs=item.paragraphs + more))
    assert 5_000 < len(page) < 8_000
    # Five NULs scattered through the page (a template bug, a bad copy), one inside a paragraph.
    spots = sorted({len(page) // 6 * n for n in range(1, 5)} | {page.index(b"Pemerintah Kazakhstan") + 4})
    for spot in reversed(spots):
        page = page[:spot] + b"\x00" + page[spot:]
    assert page.count(b"\x00") == 5
    path = tmp_path / "nul.html"
    path.write_bytes(page)
    article = extract(path, tmp_path)
    assert article["article_id"] == "4830001"
    body = str(article["body"])
    assert "\x00" not in body and "\x00" not in json.dumps(article)
    assert "Pemerintah Kazakhstan mengumumkan keadaan darurat" in body


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + b"<html><p>text</p></html>" * 300,  # a real signature, then anything
    b"%PDF-1.7\n" + b"<p>text</p>" * 500,
    b"<html>" + b"\x00\x01\x02\x00<p>a</p>" * 400,  # a high proportion of NULs and controls
])
def test_binary_is_still_refused(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(data)
    one_line_error(run_newswatch(["extract", str(path)], tmp_path), "binary")


# -- titles: only spaces, only the site's name, a megabyte long --

LEAD = "Kerusuhan di Almaty berlanjut. Ribuan orang ditahan."


def _with_title(og_title: str, h1: str, lead: str = LEAD) -> bytes:
    item = dataclasses.replace(articles(1)[0], title=h1, lead=lead)
    return article_html(item).replace(
        f'<meta property="og:title" content="{h1}">'.encode(),
        f'<meta property="og:title" content="{og_title}">'.encode())


@pytest.mark.parametrize(("og_title", "h1"), [
    ("      - Global Liputan6.com", "     "),  # the page's title empty, the site's suffix kept
    ("Liputan6.com", "\u00a0\u200b \u3000"),  # no-break, zero-width and ideographic spaces
    (" | BBC News", " "),
])
def test_a_title_of_only_spaces_falls_back_to_the_lead_never_the_site_name(og_title: str, h1: str,
                                                                            tmp_path: Path) -> None:
    path = tmp_path / "blank-title.html"
    path.write_bytes(_with_title(og_title, h1))
    article = extract(path, tmp_path)
    assert article["title"] == "Kerusuhan di Almaty berlanjut."


def test_no_usable_title_and_no_lead_is_reported_as_no_title(tmp_path: Path) -> None:
    path = tmp_path / "no-title.html"
    page = _with_title("- News Liputan6.com", "  ", lead="")
    path.write_bytes(page.replace(b'<meta property="og:description" content="">', b""))
    article = extract(path, tmp_path)
    assert article["title"] is None
    assert "Liputan6" not in json.dumps(article["title"])


def test_a_megabyte_title_is_cut_with_a_marker(tmp_path: Path) -> None:
    long_title = "Protes di Kazakhstan " * 50_000  # about a megabyte
    path = tmp_path / "long-title.html"
    path.write_bytes(_with_title(long_title, long_title))
    article = extract(path, tmp_path)
    title = str(article["title"])
    assert 900 <= len(title) <= 1_000
    assert title.endswith("…")
    assert title.startswith("Protes di Kazakhstan Protes")
    # A title under the limit is untouched.
    path.write_bytes(_with_title("Protes di Kazakhstan", "Protes di Kazakhstan"))
    assert extract(path, tmp_path)["title"] == "Protes di Kazakhstan"


# -- an article dated far in the future --

def test_an_article_dated_far_in_the_future_is_dated_when_fetched(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    now = datetime.now(UTC)
    future, soon, old = articles(3)
    items = [dataclasses.replace(future, published="2099-01-01T10:00:00+07:00"),
             # Within a day ahead: a clock a little fast, or a time zone misread; kept as stated.
             dataclasses.replace(soon, published=(now + timedelta(hours=3)).isoformat(timespec="seconds")),
             old]
    with FaultServer() as server:
        site = Liputan6Site(server, items)
        done = setup.crawl([site.route()])
    assert done.returncode == 0, done.everything[-3000:]
    stored = {row[0]: row[1:] for row in query(
        setup.db_path, "SELECT article_id, published_at, published_utc, first_seen_at FROM articles")}
    assert set(stored) == site.ids
    published_at, published_utc, first_seen = stored[future.article_id]
    assert published_at == "2099-01-01T10:00:00+07:00"  # the raw value kept
    assert published_utc == first_seen  # the fetch time used for sorting and filters
    assert stored[soon.article_id][1] != stored[soon.article_id][2]  # a near-future date is trusted
    listed = run_newswatch(["articles", "list", "--db", setup.db_url, "--since", "2098-01-01",
                            "--format", "json"], tmp_path)
    assert listed.returncode == 0, listed.everything
    assert json.loads(listed.stdout) == []
    newest = run_newswatch(["articles", "list", "--db", setup.db_url, "--format", "json"], tmp_path)
    order = [a["article_id"] for a in json.loads(newest.stdout)]
    assert order == [soon.article_id, future.article_id, old.article_id]


# -- a sitemap of 90,000 URLs --

def _bbc_urls(count: int, first: int = 59_000_000) -> list[str]:
    return [f"https://www.bbc.com/news/world-asia-{first + n}" for n in range(count)]


def test_a_sitemap_of_ninety_thousand_urls_is_cut_at_the_default_cap() -> None:
    sitemap_bytes = sitemap(_bbc_urls(90_000))
    started = time.monotonic()
    parsed = parse_sitemap("https://www.bbc.com/sitemaps/huge.xml", sitemap_bytes)
    assert time.monotonic() - started < 10
    assert (parsed.listed, parsed.read, len(parsed.links), parsed.capped) == (90_000, 5_000, 5_000, True)
    assert parsed.links[0].url == "https://www.bbc.com/news/world-asia-59000000"


def test_sitemaps_and_feeds_are_capped_with_a_stat_and_a_health_failure(
        tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.config_path.write_text(
        f'[storage]\nurl = "{setup.db_url}"\n\n[sources.liputan6]\nenabled = false\n\n'
        '[sources.bbc]\nenabled = true\nfeeds = ["https://feeds.bbci.co.uk/news/rss.xml"]\n'
        'sitemaps = ["https://www.bbc.com/sitemaps/huge-1.xml", "https://www.bbc.com/sitemaps/huge-2.xml"]\n',
        encoding="utf-8")
    with FaultServer() as server:
        server.add("/bbc/sitemaps/huge-1.xml", sitemap(_bbc_urls(90_000)), content_type="application/xml")
        server.add("/bbc/sitemaps/huge-2.xml", sitemap(_bbc_urls(90_000, 60_000_000)),
                   content_type="application/xml")
        # And a feed of 1,000 items (cut at 10 here), which the pre-filter then keeps from being fetched.
        server.add("/bbc-feeds/news/rss.xml", rss([{"title": f"Item {n}", "link": url}
                                                   for n, url in enumerate(_bbc_urls(1_000, 61_000_000))]),
                   content_type="application/rss+xml")
        # Small caps, so that the crawl stays quick: 30 entries per sitemap, 50 sitemap requests per crawl.
        routes = [f"www.bbc.com={server.base('bbc')}", f"feeds.bbci.co.uk={server.base('bbc-feeds')}"]
        args = setup.crawl_args(routes, sources=["bbc"], settings={
            "NEWSWATCH_MAX_SITEMAP_URLS": 30, "NEWSWATCH_MAX_SITEMAP_REQUESTS": 50,
            "NEWSWATCH_MAX_FEED_ITEMS": 10, "NEWSWATCH_PREFILTER_ON": "feed", "ROBOTSTXT_OBEY": False})
        done = run_newswatch([*args, "--since", "2022-01-01"], tmp_path)  # sitemaps are read to backfill
        asked = [path for path in server.paths("/bbc/news/")]
    assert done.returncode == 0, done.everything[-3000:]
    assert len(asked) == 50  # 30 from the first sitemap, 20 from the second: not 180,000
    [(raw,)] = query(setup.db_path, "SELECT stats FROM crawl_runs")
    stats = json.loads(raw)
    assert stats["newswatch/discovery/sitemap_capped"] == 2
    assert stats["newswatch/discovery/sitemap_entries_dropped"] == 2 * (90_000 - 30)
    assert stats["newswatch/discovery/sitemap_crawl_capped"] == 1
    assert stats["newswatch/discovery/sitemap_links_dropped"] == 10
    failures = evaluate(stats, [], load_config(setup.config_path).alerts.health)
    [capped] = [f for f in failures if f.check == "capped"]
    assert "2 sitemap(s) cut at NEWSWATCH_MAX_SITEMAP_URLS entries (179940 entries not read)" \
        in capped.message
    assert "NEWSWATCH_MAX_SITEMAP_REQUESTS; 10 links not followed" in capped.message
    assert stats["newswatch/discovery/feed_capped"] == 1
    assert "1 feed(s) cut at NEWSWATCH_MAX_FEED_ITEMS entries (990 entries not read)" in capped.message
