"""The crawl benchmark (bench/crawl.py) end to end on a small site: `--quick` runs both crawls at two sizes
against its loopback server, prints the report, and the full pipeline stores the on-topic pages.

Also the generated site itself: the pages parse as Liputan6 articles, and the on-topic ones, and only they,
match the default topic.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.crawl import read_stats
from bench.sitegen import KAZ_PLACES, PER_LISTING_PAGE, BenchSite, joined
from crawler.config import load_config
from crawler.extract.pages import parse_article
from crawler.story.relevance import evaluate

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    workdir = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [sys.executable, "bench/crawl.py", "--quick", "--workdir", str(workdir), "--json",
         str(workdir / "out.json")],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    return result, workdir


@pytest.mark.timeout(150)
def test_quick_run_prints_both_crawlers_at_both_sizes(quick_run: tuple[subprocess.CompletedProcess[str],
                                                                       Path]) -> None:
    result, _ = quick_run
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    rows = re.findall(r"^\s*(\d+)\s+(bare|newswatch)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)",
                      result.stdout, re.MULTILINE)
    assert [(size, crawler) for size, crawler, *_ in rows] == [
        ("10", "bare"), ("10", "newswatch"), ("20", "bare"), ("20", "newswatch")]
    for size, _crawler, exit_code, responses, _items, _secs, pages_per_second in rows:
        assert exit_code == "0"
        # Every article plus the listing page and the empty page after it: both crawlers fetch the same.
        assert int(responses) == int(size) + 2
        assert float(pages_per_second) > 0
    assert re.search(r"^ratio \(b\)/\(a\) at N=20: \d+\.\d\d$", result.stdout, re.MULTILINE)
    assert re.search(r"^peak RSS N=20 / N=10: bare \d+\.\d\d, newswatch \d+\.\d\d", result.stdout,
                     re.MULTILINE)
    assert re.search(r"^server: 68 requests, [\d.]+ ms CPU", result.stdout, re.MULTILINE)
    assert "relevant articles stored: 3 of 3 expected" in result.stdout


@pytest.mark.timeout(150)
def test_quick_run_stores_exactly_the_relevant_pages(quick_run: tuple[subprocess.CompletedProcess[str],
                                                                      Path]) -> None:
    result, workdir = quick_run
    assert result.returncode == 0, result.stdout[-2000:]
    site = BenchSite.build(20, page_bytes=40_000)
    with sqlite3.connect(workdir / "full-20.db") as conn:
        stored = {row[0] for row in conn.execute("SELECT article_id FROM articles")}
        irrelevant = {row[0] for row in
                      conn.execute("SELECT article_id FROM seen WHERE status = 'irrelevant'")}
        titles = dict(conn.execute("SELECT article_id, title FROM articles").fetchall())
    # One page in 8 is on the topic: articles 0, 8 and 16 of 20 (the newest first, ids counting down).
    assert stored == {"4830020", "4830012", "4830004"} == site.relevant_ids()
    assert irrelevant == {a.id for a in site.articles} - stored
    assert all(any(place in title for place in KAZ_PLACES) for title in titles.values()), titles
    summary = json.loads((workdir / "out.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True
    assert summary["stored_relevant"] == {"stored": 3, "expected": 3, "missing": []}
    assert set(summary["ratio"]) == {"10", "20"}
    full = [run for run in summary["runs"] if run["crawler"] == "newswatch"]
    assert all(run["db_bytes"] > 0 and run["peak_rss_mb"] > 20 for run in full)


def test_generated_pages_parse_and_only_on_topic_ones_match() -> None:
    site = BenchSite.build(24, page_bytes=300_000)
    topics = load_config(None).topics
    sizes = site.article_sizes()
    assert 270_000 < sum(sizes) / len(sizes) < 330_000  # the size of a real Liputan6 article page
    for article in site.articles:
        parsed = parse_article(article.url, joined(site.page(article.path) or ()).decode("utf-8"))
        assert parsed.article_id == article.id
        assert parsed.title == article.title
        assert parsed.language == "id"
        assert article.paragraphs[-1] in parsed.body  # the text survives the page furniture and cleaning
        assert "googletag" not in parsed.body and "Terpopuler" not in parsed.body
        assert bool(evaluate(parsed, topics)) == article.relevant, article.title
    assert len(site.relevant_ids()) == 3


def test_listing_links_every_article_once_and_ends_with_an_empty_page() -> None:
    site = BenchSite.build(45, page_bytes=40_000)
    assert site.listing_pages == 3 == -(-45 // PER_LISTING_PAGE)
    found: list[str] = []
    for page in range(1, site.listing_pages + 2):
        html = joined(site.page(site.listing_path(page)) or ()).decode("utf-8")
        found += re.findall(r'class="articles--rows--item" id="article_(\d+)"', html)
    assert sorted(found) == sorted(a.id for a in site.articles)
    assert site.page("/tag/berita-terkini?page=99") is None
    smaller = site.subset(10)
    assert smaller.page(site.articles[10].path) is None
    assert smaller.page(site.articles[0].path) is site.page(site.articles[0].path)  # shared, not copied
    with pytest.raises(ValueError):
        site.subset(5)


def test_read_stats_takes_the_numbers_of_the_last_dump() -> None:
    log = ("INFO: Dumping Scrapy stats:\n{'downloader/response_count': 7,\n 'elapsed_time_seconds': 1.5,\n"
           " 'start_time': datetime.datetime(2022, 1, 7, 0, 0)}\n"
           "INFO: Dumping Scrapy stats:\n{'downloader/response_count': 2101,\n"
           " 'elapsed_time_seconds': 42.25,\n 'item_scraped_count': 2000}\n")
    assert read_stats(log) == {"downloader/response_count": 2101.0, "elapsed_time_seconds": 42.25,
                               "item_scraped_count": 2000.0}
    assert read_stats("no stats here") == {}
