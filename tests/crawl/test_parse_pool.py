"""Article pages parsed in worker processes (crawler/crawl/parsepool.py): the same items as in-process, handed
back in order, nothing lost when a worker is killed, no process left behind.

The pool is real (forkserver workers parsing real pages); the crawls are real `scrapy crawl` runs against the
loopback server, with NEWSWATCH_PARSE_POOL_AFTER=0 so that a small crawl uses the pool from its first page.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from crawler.core.errors import NoArticleError
from crawler.crawl.parsepool import PIPE_DEPTH, ParsePool, ParserCrash, error_name, parse_page, worker_count
from crawler.extract.decoding import UnreadablePage
from tests.crawl.pages import liputan6_article, liputan6_listing
from tests.servers import LoopbackServer, Reply
from tests.servers.crawl import run_crawl, site_routes

L6 = "https://www.liputan6.com"
TAG = "/liputan6/tag/kazakhstan"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ARTICLES = 30
CONCURRENT, SCRAPER_BYTES = 4, 150_000
EMPTY_ID, NO_ARTICLE_ID = "4890901", "4890902"  # an empty response, a page without an article body


def _padded(url: str, article_id: str, kilobytes: int) -> bytes:
    """A synthetic Liputan6 article with `kilobytes` of page furniture around it (slower to parse)."""
    page = liputan6_article(url, article_id)
    furniture = "".join(f'<div class="menu-item"><a href="/x/{i}">Menu {i}</a></div>'
                        for i in range(kilobytes * 20))
    return page.replace(b"<body>", f"<body><nav>{furniture}</nav>".encode(), 1)


def _ids() -> list[str]:
    return [str(4890000 + n) for n in range(ARTICLES)]


def _url(article_id: str) -> str:
    return f"{L6}/global/read/{article_id}/berita-{article_id}"


def _serve(server: LoopbackServer, hold: threading.Event, hold_after: int = 1) -> list[int]:
    """A tag listing of ARTICLES articles plus the two bad pages. Article requests after the first
    `hold_after` wait for `hold` (until the pool is up, or a worker has been killed). Returns the count of
    article requests served, which a test may reset."""
    ids = _ids()
    rows = [(_url(i), f"Kazakhstan {i}", "Ringkasan.", "2022-01-07T10:00:00+07:00") for i in ids]
    rows += [(_url(i), f"Kazakhstan {i}", "Ringkasan.", "2022-01-07T10:00:00+07:00")
             for i in (EMPTY_ID, NO_ARTICLE_ID)]
    server.add(f"{TAG}?page=1", liputan6_listing(rows))
    server.add(f"{TAG}?page=2", liputan6_listing([]))
    served = [0]
    lock = threading.Lock()

    def handler(path: str) -> Reply | None:
        article_id = path.split("/read/")[1].split("/")[0]
        with lock:
            served[0] += 1
            number = served[0]
        if number > hold_after:
            hold.wait(60)
        if article_id == EMPTY_ID:
            return Reply(200, b"", HTML)
        if article_id == NO_ARTICLE_ID:
            return Reply(200, b"<html><body><p></p></body></html>", HTML)
        return Reply(200, _padded(_url(article_id), article_id, 80 if int(article_id) % 2 else 40), HTML)

    server.handle("/liputan6/global/read/", handler)
    return served


def _workers_of(pid: int) -> list[psutil.Process]:
    """The parse workers below a crawl process: the children of its fork server."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    servers = [p for p in children if "forkserver" in " ".join(_cmdline(p))]
    return [worker for server in servers for worker in _children(server)]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children()
    except psutil.Error:
        return []


def _when_workers_run(then: Callable[[list[psutil.Process]], None]) -> threading.Thread:
    """A thread that waits for the parse workers of this test's crawl process, then calls `then(workers)`.

    The pool parses in-process while its workers start; holding the article pages until they run makes a
    small crawl use them."""
    def wait() -> None:
        deadline = time.monotonic() + 50
        while time.monotonic() < deadline:
            for crawl in psutil.Process().children():
                workers = _workers_of(crawl.pid) if "scrapy" in _cmdline(crawl) else []
                if workers:
                    time.sleep(0.5)  # the initializer and the warm-up job
                    then(workers)
                    return
            time.sleep(0.05)
        then([])

    thread = threading.Thread(target=wait)
    thread.start()
    return thread


def _crawl(server: LoopbackServer, tmp_path: Path, workers: int | str, **settings: Any) -> Any:
    return run_crawl("liputan6", tmp_path, routes=site_routes(server),
                     args={"since": "2022-01-01", "tags": "kazakhstan"},
                     settings={"NEWSWATCH_PARSE_POOL_AFTER": 0, "CONCURRENT_REQUESTS": CONCURRENT,
                               "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENT,
                               "SCRAPER_SLOT_MAX_ACTIVE_SIZE": SCRAPER_BYTES,
                               # Held pages must not time out while a loaded machine starts the workers.
                               "DOWNLOAD_TIMEOUT": 90, "CLOSESPIDER_TIMEOUT": 180, **settings},
                     env={"NEWSWATCH_CRAWL__PARSE_WORKERS": str(workers)})


def _comparable(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["article_id"]: item for item in items}


OUTCOME_STATS = ("newswatch/article/parsed", "newswatch/article/no_article", "newswatch/bad_response/empty",
                 "newswatch/parse_failed", "item_scraped_count")


def test_the_pool_gives_the_items_and_stats_of_the_in_process_parse(loopback_server: LoopbackServer,
                                                                    tmp_path: Path) -> None:
    hold = threading.Event()
    hold.set()
    served = _serve(loopback_server, hold)
    alone = _crawl(loopback_server, tmp_path / "alone", 0)
    hold.clear()
    served[0] = 0
    waiter = _when_workers_run(lambda workers: hold.set())
    try:
        pooled = _crawl(loopback_server, tmp_path / "pooled", 2)
    finally:
        hold.set()
        waiter.join()
    for result in (alone, pooled):
        assert result.returncode == 0, result.log[-3000:]
    assert alone.stat("newswatch/parse_pool/started") == 0
    assert pooled.stat("newswatch/parse_pool/started") == 1
    assert sorted(_comparable(pooled.articles)) == _ids()
    assert _comparable(pooled.articles) == _comparable(alone.articles)
    for key in OUTCOME_STATS:
        assert pooled.stat(key) == alone.stat(key), key
    # The bad pages crossed the process boundary as the same exceptions: counted and logged as before.
    assert pooled.stat("newswatch/article/no_article") == 2
    assert pooled.stat("newswatch/bad_response/empty") == 1
    assert f"bad response for {_url(EMPTY_ID)}" in pooled.log
    assert f"no article in {_url(NO_ARTICLE_ID)}" in pooled.log
    # Most pages went to the workers (one or two were parsed here while they started).
    assert pooled.stat("newswatch/parse_pool/while_starting") <= 3
    # Back-pressure: no more pages wait for a worker than Scrapy lets into its scraper (SCRAPER_BYTES, plus
    # the downloads already under way when it fills). With Scrapy's default 5 MB, 19 of the 32 were queued.
    smallest = len(_padded(_url(_ids()[0]), _ids()[0], 40))
    bound = SCRAPER_BYTES // smallest + 1 + CONCURRENT
    assert 1 <= pooled.stat("newswatch/parse_pool/max_in_flight") <= bound < ARTICLES
    # The workers' CPU time is in the final stats dump (after the stats file, written at spider_closed too).
    assert "'newswatch/parse_pool/worker_cpu_seconds': " in pooled.log.rsplit("Dumping Scrapy stats", 1)[1]


def test_a_killed_worker_loses_no_article(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    hold = threading.Event()
    _serve(loopback_server, hold)
    seen: list[psutil.Process] = []

    def kill_one(workers: list[psutil.Process]) -> None:
        seen.extend(workers)
        if workers:
            os.kill(workers[0].pid, signal.SIGKILL)
        hold.set()

    killer = _when_workers_run(kill_one)
    try:
        result = _crawl(loopback_server, tmp_path, 2)
    finally:
        hold.set()
        killer.join()
    assert seen, "no parse worker appeared"
    assert result.returncode == 0, result.log[-3000:]
    ids = [item["article_id"] for item in result.articles]
    assert sorted(ids) == _ids()  # every article, once
    assert result.stat("newswatch/parse_pool/broken") == 1
    assert result.stat("newswatch/parse_pool/started") == 2  # a new pool took over
    assert result.log.count("a parse worker died") == 1
    # The crawl process exited by itself (run_crawl would have timed out): once, the broken executor waited
    # at exit for a worker that SIGTERM had not ended.
    # No process left behind: the killed worker, its sibling and the new pool's workers are all gone.
    for process in seen:
        assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE, process


def test_a_killed_crawl_leaves_no_worker_behind(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    """The crawl process SIGKILLed: no shutdown reaches its workers, which end themselves, and the fork
    server with them."""
    hold = threading.Event()
    _serve(loopback_server, hold)
    left: list[psutil.Process] = []

    def kill_the_crawl(workers: list[psutil.Process]) -> None:
        if workers:
            server = workers[0].parent()
            crawl = server.parent() if server is not None else None
            left.extend([*workers, *([server] if server else [])])
            if crawl is not None:
                crawl.kill()
        hold.set()

    killer = _when_workers_run(kill_the_crawl)
    try:
        result = _crawl(loopback_server, tmp_path, 2)
    finally:
        hold.set()
        killer.join()
    assert left, "no parse worker appeared"
    assert result.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_running(p) for p in left):
        time.sleep(0.1)
    assert not [p for p in left if _running(p)]


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _page(n: int, big: int = 120) -> tuple[str, bytes]:
    article_id = str(4891000 + n)
    # Big and small pages alternate: with two workers a small page finishes before the big one before it.
    return _url(article_id), _padded(_url(article_id), article_id, big if n % 2 == 0 else 1)


def _parse_all(pool: ParsePool, pages: list[tuple[str, bytes]],
               meanwhile: Callable[[], None] = lambda: None) -> list[str]:
    """Every page through `pool` at once (once its workers run), `meanwhile` called while they are in
    flight; the URLs of the articles in the order they were handed back."""
    finished: list[str] = []

    async def parse(url: str, body: bytes) -> None:
        finished.append((await pool.parse(url, body, "utf-8")).url)

    async def run() -> None:
        assert await pool.ready()
        tasks = [asyncio.ensure_future(parse(url, body)) for url, body in pages]
        await asyncio.sleep(0.01)
        meanwhile()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    return finished


def test_results_come_back_in_order_and_workers_stop_at_close() -> None:
    pages = [_page(n) for n in range(12)]
    pool = ParsePool(2, start_after=0)
    pids: list[int] = []
    try:
        finished = _parse_all(pool, pages, lambda: pids.extend(pool.worker_pids()))
    finally:
        pool.close()
    assert finished == [url for url, _ in pages]
    assert len(pids) == 2
    time.sleep(0.2)  # the fork server reaps them
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_pages_in_flight_when_a_worker_is_killed_are_parsed_again() -> None:
    pages = [_page(n, big=400) for n in range(8)]
    pool = ParsePool(2, start_after=0)
    try:
        finished = _parse_all(pool, pages, lambda: os.kill(next(iter(pool.worker_pids())), signal.SIGKILL))
    finally:
        pool.close()
    assert finished == [url for url, _ in pages]  # all of them, in order
    assert pool.breaks == 1


def test_parser_exceptions_cross_the_process_boundary_unchanged() -> None:
    pool = ParsePool(1, start_after=0)

    async def outcome(body: bytes) -> BaseException:
        assert await pool.ready()
        try:
            await pool.parse(_url("4891999"), body, None)
        except Exception as exc:
            return exc
        raise AssertionError("no exception")

    try:
        empty = asyncio.run(outcome(b""))
        no_article = asyncio.run(outcome(b"<html><body><p></p></body></html>"))
    finally:
        pool.close()
    assert isinstance(empty, UnreadablePage) and empty.kind == "empty"
    assert isinstance(no_article, NoArticleError)
    with pytest.raises(NoArticleError):
        parse_page(_url("4891999"), b"<html><body><p></p></body></html>", None)


def _sleep_then_echo(url: str, seconds: float) -> str:
    """A job that hangs its worker for `seconds` (the pool's jobs are module-level functions)."""
    time.sleep(seconds)
    return url


def test_a_page_that_hangs_its_worker_fails_alone_and_the_pool_goes_on() -> None:
    pool = ParsePool(1, start_after=0, timeout=1.0)
    url, body = _page(1)

    async def run() -> tuple[BaseException | None, str, float]:
        assert await pool.ready()
        began = time.monotonic()
        hung = asyncio.ensure_future(pool.run(_sleep_then_echo, "https://example.test/hangs", 60.0))
        quick = asyncio.ensure_future(pool.run(_sleep_then_echo, "https://example.test/quick", 0.0))
        try:
            await hung
            error = None
        except Exception as exc:
            error = exc
        after = (await pool.parse(url, body, "utf-8")).url
        await quick
        return error, after, time.monotonic() - began

    try:
        error, after, took = asyncio.run(run())
    finally:
        pool.close()
    # Killed after 1 s, sent to a new worker, killed again: reported as a parser error, not parsed here
    # (that would hang the crawl), and well before the 60 s the page would have taken.
    assert isinstance(error, ParserCrash) and error_name(error) == "ParseTimeout", error
    assert pool.breaks == 2
    assert took < 30
    assert after == url  # a third generation of workers took the next pages


def test_a_listing_goes_ahead_of_the_queued_pages_and_is_not_held_for_them() -> None:
    """A listing's links are the crawl's next requests: parsed before the article pages already waiting for
    a worker (at most the PIPE_DEPTH pages already written to its pipe go first), and handed back at once
    rather than after the pages submitted before it."""
    pages = [_page(n, big=200) for n in range(12)]
    pool = ParsePool(1, start_after=0)
    finished: list[str] = []

    async def article(url: str, body: bytes) -> None:
        finished.append((await pool.parse(url, body, "utf-8")).url)

    async def listing() -> None:
        finished.append(await pool.run(_sleep_then_echo, "listing", 0.0, ordered=False, urgent=True))

    async def run() -> None:
        assert await pool.ready()
        tasks = [asyncio.ensure_future(article(url, body)) for url, body in pages]
        await asyncio.sleep(0)  # the pages are queued
        tasks.append(asyncio.ensure_future(listing()))
        await asyncio.gather(*tasks)

    try:
        asyncio.run(run())
    finally:
        pool.close()
    assert finished.index("listing") <= PIPE_DEPTH
    assert [url for url in finished if url != "listing"] == [url for url, _ in pages]  # still in order


def test_worker_count_setting() -> None:
    assert worker_count(0) == 0 and worker_count(3) == 3
    cpus = len(os.sched_getaffinity(0))
    assert worker_count("auto") == (min(cpus - 1, 4) if cpus > 1 else 0)
