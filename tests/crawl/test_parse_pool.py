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
from pathlib import Path
from typing import Any

import psutil
import pytest

from crawler.core.errors import NoArticleError
from crawler.crawl.parsepool import ParsePool, parse_page, worker_count
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


def _serve(server: LoopbackServer, hold: threading.Event | None = None, hold_after: int = 0) -> None:
    """A tag listing of ARTICLES articles plus the two bad pages; with `hold`, article requests after the
    first `hold_after` wait for it (a worker is killed meanwhile)."""
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
        if article_id == EMPTY_ID:
            return Reply(200, b"", HTML)
        if article_id == NO_ARTICLE_ID:
            return Reply(200, b"<html><body><p></p></body></html>", HTML)
        with lock:
            served[0] += 1
            number = served[0]
        if hold is not None and number > hold_after:
            hold.wait(30)
        return Reply(200, _padded(_url(article_id), article_id, 80 if int(article_id) % 2 else 40), HTML)

    server.handle("/liputan6/global/read/", handler)


def _crawl(server: LoopbackServer, tmp_path: Path, workers: int | str, **settings: Any) -> Any:
    return run_crawl("liputan6", tmp_path, routes=site_routes(server),
                     args={"since": "2022-01-01", "tags": "kazakhstan"},
                     settings={"NEWSWATCH_PARSE_POOL_AFTER": 0, "CONCURRENT_REQUESTS": CONCURRENT,
                               "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENT,
                               "SCRAPER_SLOT_MAX_ACTIVE_SIZE": SCRAPER_BYTES, **settings},
                     env={"NEWSWATCH_CRAWL__PARSE_WORKERS": str(workers)})


def _comparable(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["article_id"]: item for item in items}


OUTCOME_STATS = ("newswatch/article/parsed", "newswatch/article/no_article", "newswatch/bad_response/empty",
                 "newswatch/parse_failed", "item_scraped_count")


def test_the_pool_gives_the_items_and_stats_of_the_in_process_parse(loopback_server: LoopbackServer,
                                                                    tmp_path: Path) -> None:
    _serve(loopback_server)
    alone = _crawl(loopback_server, tmp_path / "alone", 0)
    pooled = _crawl(loopback_server, tmp_path / "pooled", 2)
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
    # Back-pressure: no more pages wait for a worker than Scrapy lets into its scraper (SCRAPER_BYTES, plus
    # the downloads already under way when it fills). With Scrapy's default 5 MB, 19 of the 32 were queued.
    smallest = len(_padded(_url(_ids()[0]), _ids()[0], 40))
    bound = SCRAPER_BYTES // smallest + 1 + CONCURRENT
    assert 1 <= pooled.stat("newswatch/parse_pool/max_in_flight") <= bound < ARTICLES


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


def test_a_killed_worker_loses_no_article(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    hold = threading.Event()
    _serve(loopback_server, hold, hold_after=8)
    seen: list[psutil.Process] = []
    killed: list[int] = []

    def kill_a_worker() -> None:
        # The crawl is a child of this process; its workers exist once it parses the first article.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for crawl in psutil.Process().children():
                if "scrapy" not in _cmdline(crawl):
                    continue
                workers = _workers_of(crawl.pid)
                if workers and len(loopback_server.paths("/liputan6/global/read/")) >= 8:
                    seen.extend(workers)
                    os.kill(workers[0].pid, signal.SIGKILL)
                    killed.append(workers[0].pid)
                    break
            time.sleep(0.05)
        hold.set()

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    try:
        result = _crawl(loopback_server, tmp_path, 2)
    finally:
        hold.set()
        killer.join()
    assert killed, "no parse worker appeared"
    assert result.returncode == 0, result.log[-3000:]
    ids = [item["article_id"] for item in result.articles]
    assert sorted(ids) == _ids()  # every article, once
    assert result.stat("newswatch/parse_pool/broken") == 1
    assert result.stat("newswatch/parse_pool/started") == 2  # a new pool took over
    assert result.log.count("a parse worker died") == 1
    # No process left behind: the killed worker, its sibling and the new pool's workers are all gone.
    for process in seen:
        assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE, process


def _page(n: int) -> tuple[str, bytes]:
    article_id = str(4891000 + n)
    # Big and small pages alternate: with two workers a small page finishes before the big one before it.
    return _url(article_id), _padded(_url(article_id), article_id, 120 if n % 2 == 0 else 1)


def test_results_come_back_in_order_and_workers_stop_at_close() -> None:
    pages = [_page(n) for n in range(12)]
    pool = ParsePool(2, start_after=0)
    finished: list[str] = []

    async def parse(url: str, body: bytes) -> None:
        article = await pool.parse(url, body, "utf-8")
        finished.append(article.url)

    async def run() -> list[int]:
        tasks = [asyncio.ensure_future(parse(url, body)) for url, body in pages]
        await asyncio.sleep(0.05)
        pids = list(pool.worker_pids())
        await asyncio.gather(*tasks)
        return pids

    try:
        pids = asyncio.run(run())
    finally:
        pool.close()
    assert finished == [url for url, _ in pages]
    assert len(pids) == 2
    time.sleep(0.2)  # the fork server reaps them
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_parser_exceptions_cross_the_process_boundary_unchanged() -> None:
    pool = ParsePool(1, start_after=0)

    async def outcome(body: bytes) -> BaseException:
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


def test_worker_count_setting() -> None:
    assert worker_count(0) == 0 and worker_count(3) == 3
    cpus = len(os.sched_getaffinity(0))
    assert worker_count("auto") == (min(cpus - 1, 4) if cpus > 1 else 0)
