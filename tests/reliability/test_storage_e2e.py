"""Storage under stress, end to end: two newswatch processes writing the default SQLite database at once, a
process killed inside a write transaction, a full database and a read-only one.

Every process here is a real `newswatch` command (or, for the kill test, a small script using the real
Store); the database is checked afterwards with the standard library's sqlite3, not through the code under
test.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.faults_helpers import (
    FAST_SETTINGS,
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    SiteArticle,
    article_html,
    articles,
    count,
    finish,
    half_written,
    integrity,
    query,
    runs,
    settings_args,
    stored_ids,
)
from tests.servers import LoggedRequest

LOCKED = "database is locked"


def test_daemon_and_one_off_crawl_write_the_default_database_at_once(tmp_path: Path) -> None:
    """`newswatch watch --once` and `newswatch crawl` start together on a database neither has created yet
    (both migrate it), then store the same 24 articles: no lock error, no duplicate."""
    setup = CrawlSetup(tmp_path, default_db=True)
    setup.configure()
    with FaultServer() as server:
        site = Liputan6Site(server, articles(24))
        listing = f"/{site.prefix}/tag/kazakhstan"

        def after_both_listings(item: SiteArticle) -> Callable[[LoggedRequest], bytes]:
            # No article page is answered before both crawls have read the listing: neither finds the
            # articles stored yet, so both fetch and store all 24 and their writes interleave, however
            # far apart a loaded machine starts the two processes.
            def body(_request: LoggedRequest) -> bytes:
                deadline = time.monotonic() + 60
                while server.hits(listing) < 2 and time.monotonic() < deadline:
                    time.sleep(0.02)
                return _page(item)
            return body

        for item in site.articles:  # slow enough that the two crawls' writes interleave
            server.add(site.path(item), after_both_listings(item), content_type="text/html; charset=utf-8",
                       delay=0.05)
        watch = setup.start(["watch", "--once", "--source", "liputan6", "--config", str(setup.config_path),
                             "--route", site.route(), *settings_args(FAST_SETTINGS)])
        crawl = setup.start(setup.crawl_args([site.route()], log_file=tmp_path / "crawl.log"))
        daemon, one_off = finish(watch), finish(crawl)
        asked = server.paths()
    crawl_log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert daemon.returncode == 0, daemon.everything[-3000:]
    assert one_off.returncode == 0, one_off.everything[-3000:]
    for text in (daemon.everything, one_off.everything, crawl_log):
        assert LOCKED not in text
        assert "StorageError" not in text
    assert setup.db_path.exists()  # the default: data/newswatch.db under the working directory
    assert stored_ids(setup.db_path) == sorted(site.ids)  # each once
    assert count(setup.db_path, "article_versions") == 24
    assert count(setup.db_path, "events") == 24
    # Both crawls really ran: two finished runs, and every article was asked for by both.
    assert [r["outcome"] for r in runs(setup.db_path)] == ["finished", "finished"]
    assert sum(1 for p in asked if "/read/" in p) == 48  # every article by both
    assert half_written(setup.db_path) == []
    assert integrity(setup.db_path) == "ok"


# A writer that stops inside save_article's transaction and tells the parent so; the parent SIGKILLs it.
KILLED_WRITER = r"""
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from sqlalchemy import event
from crawler.story.changes import classify
from crawler.extract.pages import parse_article
from storage import Store
from tests.reliability.faults_helpers import article_html, articles

db, marker, where = sys.argv[1:4]
item = articles(1)[0]
article = parse_article(item.url, article_html(item).decode())
store = Store.open("sqlite:///" + db)

def stall():
    Path(marker).write_text(where)
    time.sleep(120)

def classify_then_stall(previous, new):
    change = classify(previous, new)
    if where == "classify":
        stall()
    return change

@event.listens_for(store.engine, "before_cursor_execute")
def before(conn, cursor, statement, *args):
    # The article row and its version are written by now, uncommitted: the outbox event comes last.
    if where == "event" and statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
        stall()

store.save_article(article, matches=[{"topic": "kazakhstan-unrest", "terms": ["Kazakhstan"]}], score=6.0,
                   fetched_at=datetime.now(UTC), listing_date=None, classify=classify_then_stall)
print("not killed")
"""


@pytest.mark.parametrize("where", ["classify", "event"])
def test_writer_killed_inside_a_transaction_leaves_a_consistent_database(where: str, tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    marker = tmp_path / "in-transaction"
    with FaultServer() as server:
        site = Liputan6Site(server, articles(3))
        # The writer creates the database and stops inside the transaction saving the site's first article.
        writer = setup.start([str(setup.db_path), str(marker), where],
                             python=[sys.executable, "-c", KILLED_WRITER])
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert writer.poll() is None, finish(writer).everything
            assert time.monotonic() < deadline, "the writer never reached its transaction"
            time.sleep(0.05)
        os.kill(writer.pid, signal.SIGKILL)
        assert finish(writer).returncode == -signal.SIGKILL

        # Restart: the database opens, is intact, and holds nothing of the killed transaction.
        assert integrity(setup.db_path) == "ok"
        assert stored_ids(setup.db_path) == []
        assert count(setup.db_path, "article_versions") == 0 and count(setup.db_path, "events") == 0
        # The next crawl (its lock not stuck) stores the article, once, with its outbox event.
        rerun = setup.crawl([site.route()])
        assert rerun.returncode == 0, rerun.everything[-3000:]
        assert LOCKED not in rerun.everything
    assert stored_ids(setup.db_path) == sorted(site.ids)
    assert count(setup.db_path, "events") == 3
    assert half_written(setup.db_path) == []


def test_crawl_killed_mid_run_is_completed_by_the_next_one(tmp_path: Path) -> None:
    """SIGKILL a `newswatch crawl` after some articles are stored: the next crawl stores the rest, once."""
    setup = CrawlSetup(tmp_path)
    setup.configure()
    with FaultServer() as server:
        site = Liputan6Site(server, articles(12))
        for item in site.articles:
            server.add(site.path(item), _page(item), content_type="text/html; charset=utf-8", delay=0.4)
        crawl = setup.start(setup.crawl_args([site.route()], settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 1}))
        deadline = time.monotonic() + 60
        while not (setup.db_path.exists() and _stored_count(setup.db_path) >= 3):
            assert crawl.poll() is None, finish(crawl).everything
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(crawl.pid, signal.SIGKILL)
        finish(crawl)
        partial = stored_ids(setup.db_path)
        assert 3 <= len(partial) < 12
        assert integrity(setup.db_path) == "ok" and half_written(setup.db_path) == []
        assert [r["outcome"] for r in runs(setup.db_path)] == [None]  # the killed run stays open

        for item in site.articles:
            site.serve(item)
        rerun = setup.crawl([site.route()])
        assert rerun.returncode == 0, rerun.everything[-3000:]
    assert stored_ids(setup.db_path) == sorted(site.ids)
    assert count(setup.db_path, "article_versions") == 12 and count(setup.db_path, "events") == 12
    assert half_written(setup.db_path) == [] and integrity(setup.db_path) == "ok"


def _stored_count(db_path: Path) -> int:
    try:
        return count(db_path, "articles")
    except Exception:  # not migrated yet
        return 0


# --- full and read-only databases ---------------------------------------------------------------------

# `newswatch crawl` with every SQLite connection limited to the database's current size (PRAGMA
# max_page_count): the real "database or disk is full" error, raised by SQLite itself.
FULL_CRAWL = r"""
import sys
import storage.store
from crawler.cli import main

pages = int(sys.argv.pop(1))
opened = storage.store.make_engine

def limited(url, **kwargs):
    return opened(url, **{**kwargs, "sqlite_pragmas": {"max_page_count": pages}})

storage.store.make_engine = limited
sys.argv[0] = "newswatch"
main()
"""


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database a first real crawl of the site (two articles) leaves: made once for the module, each test
    gets a copy (it holds no address of the server: stored URLs are the site's own, routes are not kept)."""
    setup = CrawlSetup(tmp_path_factory.mktemp("first-crawl"))
    with FaultServer() as server:
        site = Liputan6Site(server, articles(2))
        first = setup.crawl([site.route()])
    assert first.returncode == 0, first.everything[-2000:]
    assert stored_ids(setup.db_path) == sorted(site.ids)
    return setup.db_path


Seeding = Callable[[Path, FaultServer], tuple[CrawlSetup, Liputan6Site]]


@pytest.fixture
def seeded(first_crawl: Path) -> Seeding:
    return lambda tmp_path, server: _seeded(tmp_path, server, first_crawl)


def _seeded(tmp_path: Path, server: FaultServer, first_crawl: Path) -> tuple[CrawlSetup, Liputan6Site]:
    """A database holding two articles from a first crawl (a copy of first_crawl's); the site then lists five,
    bigger ones."""
    setup = CrawlSetup(tmp_path)
    setup.configure()
    for suffix in ("", "-wal"):  # the crawl has exited: its database (and a WAL, if one was left) is at rest
        if Path(f"{first_crawl}{suffix}").exists():
            shutil.copyfile(f"{first_crawl}{suffix}", f"{setup.db_path}{suffix}")
    grown = articles(5)
    big = [SiteArticle(a.article_id, a.title, a.lead, a.paragraphs * 40, a.published) for a in grown]
    return setup, Liputan6Site(server, big)


def _snapshot(db_path: Path) -> tuple[list[str], int, int, list[tuple[object, ...]]]:
    return (stored_ids(db_path), count(db_path, "article_versions"), count(db_path, "events"),
            query(db_path, "SELECT id, outcome FROM crawl_runs ORDER BY id"))


def _full_crawl(setup: CrawlSetup, site: Liputan6Site) -> tuple[int, str, str]:
    pages = int(query(setup.db_path, "PRAGMA page_count")[0][0])
    log = setup.next_log("full")
    args = setup.crawl_args([site.route()], log_file=log)
    done = finish(setup.start([str(pages), *args], python=[sys.executable, "-c", FULL_CRAWL]))
    return done.returncode, done.stderr, done.stdout


def _read_only_crawl(setup: CrawlSetup, site: Liputan6Site) -> tuple[int, str, str]:
    done = setup.crawl([site.route()], db_url=f"sqlite:///file:{setup.db_path}?mode=ro&uri=true")
    return done.returncode, done.stderr, done.stdout


@pytest.mark.parametrize("kind", ["full", "read-only"])
def test_full_or_read_only_database_nothing_half_written(kind: str, tmp_path: Path, seeded: Seeding) -> None:
    with FaultServer() as server:
        setup, site = seeded(tmp_path, server)
        before = _snapshot(setup.db_path)
        _full_crawl(setup, site) if kind == "full" else _read_only_crawl(setup, site)
    after = _snapshot(setup.db_path)
    assert integrity(setup.db_path) == "ok"
    assert half_written(setup.db_path) == []
    if kind == "read-only":
        assert after == before  # not one row more
    else:
        # The limit bit (not all five fitted); whatever fitted is whole; nothing was lost from before.
        assert set(before[0]) <= set(after[0]) and len(after[0]) < 5
        assert "full" in (tmp_path / "full-0.log").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["full", "read-only"])
def test_full_or_read_only_database_fails_the_crawl_with_one_line(kind: str, tmp_path: Path,
                                                                   seeded: Seeding) -> None:
    with FaultServer() as server:
        setup, site = seeded(tmp_path, server)
        before = runs(setup.db_path)
        server.clear_log()
        code, stderr, stdout = (_full_crawl if kind == "full" else _read_only_crawl)(setup, site)
        asked = server.paths()
    errors = [line for line in stderr.splitlines() if line.startswith("newswatch: error:")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr
    if kind == "read-only":
        # Refused before the crawl: exit 2 (a user error), not one request, no run recorded.
        assert code == 2 and "the database is read-only" in errors[0]
        assert asked == [] and runs(setup.db_path) == before
        return
    # Full: only a real write finds it. The crawl ends there: exit 1, the run and its finish reason say
    # storage_error, with the error as a stat; the articles whose writes failed are not counted as stored.
    assert code == 1 and errors[0].startswith("newswatch: error: the database or its disk is full: ")
    assert [r["outcome"] for r in runs(setup.db_path)] == [*(r["outcome"] for r in before), "storage_error"]
    stats = runs(setup.db_path)[-1]["stats"]
    assert stats["finish_reason"] == "storage_error"
    assert "the database or its disk is full" in stats["newswatch/storage_error"]
    assert stats["newswatch/storage_errors"] >= 1
    assert stats.get("newswatch/articles/new", 0) == len(stored_ids(setup.db_path)) - 2  # 2 from before
    assert stdout.startswith("liputan6: storage_error")


def _watch_args(setup: CrawlSetup, site: Liputan6Site, db_url: str) -> list[str]:
    return ["watch", "--once", "--source", "liputan6", "--config", str(setup.config_path), "--db", db_url,
            "--route", site.route(), *settings_args(FAST_SETTINGS)]


def test_watch_refuses_a_read_only_database_at_start(tmp_path: Path, seeded: Seeding) -> None:
    with FaultServer() as server:
        setup, site = seeded(tmp_path, server)
        before = _snapshot(setup.db_path)
        server.clear_log()
        done = finish(setup.start(_watch_args(setup, site, f"sqlite:///file:{setup.db_path}?mode=ro&uri=true")))
        asked = server.paths()
    assert done.returncode == 2, done.everything[-3000:]
    assert [line for line in done.stderr.splitlines() if line.startswith("newswatch: error:")] == [
        line for line in done.stderr.splitlines() if "read-only" in line]
    assert "read-only" in done.stderr and "Traceback" not in done.stderr
    assert asked == []  # refused before any request
    assert _snapshot(setup.db_path) == before


def test_watch_cycle_on_a_full_database_fails_with_one_line(tmp_path: Path, seeded: Seeding) -> None:
    """The database fills up during a `watch --once` cycle: the cycle is reported failed, naming the problem,
    the command exits 1, nothing is half-written."""
    with FaultServer() as server:
        setup, site = seeded(tmp_path, server)
        pages = int(query(setup.db_path, "PRAGMA page_count")[0][0])
        done = finish(setup.start([str(pages), *_watch_args(setup, site, setup.db_url)],
                                  python=[sys.executable, "-c", FULL_CRAWL]))
    assert done.returncode == 1, done.everything[-3000:]
    assert "Traceback" not in done.stderr
    cycle = [line for line in done.stderr.splitlines() if "cycle 1:" in line]
    assert len(cycle) == 1 and "liputan6 storage_error: the database or its disk is full" in cycle[0], \
        done.stderr
    # Logged when it happened and in the cycle line; no health check or other write piles up more errors.
    assert sum("full" in line for line in done.stderr.splitlines()) <= 2, done.stderr
    assert integrity(setup.db_path) == "ok" and half_written(setup.db_path) == []


def _page(item: SiteArticle) -> bytes:
    return article_html(item)
