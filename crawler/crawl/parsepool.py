"""Pages parsed in worker processes, so a crawl uses a second core (`crawl.parse_workers`).

Why: the reactor's process does everything a crawl does on one core, and parsing (an article page:
decoding, lxml, the page object, the cleaner, ~5 ms of a ~10 ms page; a 300 KB listing page: ~50 ms) is the
part that needs nothing of Scrapy. The spider's callbacks (`spiders/base.py`) await `ParsePool.parse(url,
body, charset)` (an article) and `ParsePool.listing(url, text)` (a listing's links) instead of calling
`decode_html` + `crawler.extract.pages.parse_article` and `parse_listing` themselves; everything else
(stats, what to follow, items) stays in the spider.

How it behaves:
- **What crosses the process boundary**: the URL, the response bytes and the header charset in (the text
  for a listing, as Scrapy decoded it); the `Article` (a plain dataclass) or the `ListingLink`s out, or
  the parser's exception. The decoding runs in the worker too. An exception that would not survive
  pickling comes back as `ParserCrash` with the original class name, so the spider's stats and log lines
  are the same as in-process (`parser_error/<ClassName>`).
- **Back-pressure** is Scrapy's own: a callback awaiting its parse keeps its response in the scraper's slot,
  and the engine stops handing responses over once the slot holds SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes (5 MB,
  ~16 pages of 300 KB) and fetches no more than CONCURRENT_REQUESTS at once. So no more pages wait for a
  worker than Scrapy would hold anyway, and memory does not grow with the crawl.
- **In order**: results are handed back in the order the pages were submitted (a page finished early waits
  for the ones before it), so the items leave the spider in the order the responses arrived, as they do
  in-process, whatever the number of workers.
- **A worker that dies** (killed, out of memory, a crash in C code) breaks the whole executor, and every page
  in flight gets BrokenProcessPool. Each of those pages is submitted once more to a new pool; a page whose
  second attempt breaks the pool again is parsed in-process, as it would have been without a pool (the
  page that kills a worker twice is the likely culprit, and in-process it does what it did before pools
  existed). After MAX_BREAKS broken pools in one crawl the rest is parsed in-process. Nothing is lost:
  stats `newswatch/parse_pool/broken` (pools lost), `.../retried` (pages sent again), `.../in_process`
  (pages parsed here after a break); one warning line per broken pool.
- **Lifetime**: one pool per crawl, started lazily once START_AFTER pages were parsed in-process (a
  monitoring pass that finds a handful of new articles is over before a worker would have started, so it
  never pays for one; the test suite's small crawls do not either) and shut down, waiting for its workers,
  when the spider closes. While it starts (the fork server's first start imports the parsers: about a
  second, several on a loaded machine) pages go on being parsed in-process (`.../while_starting`) rather
  than wait for it. The watch daemon (many crawls in one process) keeps no worker between crawls; what
  stays is the fork server and multiprocessing's resource tracker, one each for the process's lifetime.
- **Start method**: "forkserver" where the platform has it. A fork of the crawl process itself would copy
  its sockets and database connections into every worker (a connection closed by the crawler would stay
  open in the worker) and forks a process with threads; the fork server is a clean single-threaded
  process, started once per crawling process, that has the parsers imported (`set_forkserver_preload`), so
  a worker starts in milliseconds. Workers get the crawl's configured outlets (crawler.extract.urls site
  rules) through their initializer, and ignore SIGINT: Ctrl+C is the crawl's to handle, which then shuts
  them down. A worker whose crawl process is gone without shutting it down (killed) ends itself.

`parse_workers` = "auto" (the default) uses max(1, usable CPUs - 1) workers, capped at MAX_AUTO_WORKERS, when
more than one CPU is usable, else none; 0 parses in-process; N uses N workers.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from crawler.core.items import Article
from crawler.crawl.discovery.listings import main_list, parse_listing
from crawler.crawl.discovery.records import ListingLink
from crawler.extract.decoding import decode_html
from crawler.extract.pages import parse_article
from crawler.extract.urls import SiteRule, configure_sites, configured_sites

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_AUTO_WORKERS = 4
# Pages parsed in-process before the pool is started (Scrapy setting NEWSWATCH_PARSE_POOL_AFTER).
START_AFTER = 20
MAX_BREAKS = 3  # broken pools in one crawl before the rest of it is parsed in-process
STATS = "newswatch/parse_pool/"
# What the fork server imports once, so each worker it forks has the parsers ready. "__main__": a program
# started as a script (the `newswatch` and `scrapy` commands) is run once there, as multiprocessing runs it in
# every new process otherwise (importing the whole CLI per worker); `python -m` packages are never re-run.
PRELOAD = ["__main__", "crawler.extract.pages", "crawler.extract.pages.liputan6", "crawler.extract.pages.bbc",
           "crawler.extract.pages.generic", "crawler.crawl.parsepool"]


class ParserCrash(Exception):
    """A parser exception from a worker that could not be pickled back: its class name and message."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name

    def __reduce__(self) -> tuple[Any, ...]:
        return (ParserCrash, (self.name, str(self)))


def error_name(exc: BaseException) -> str:
    """The class name the stats and the log give an exception (a worker's ParserCrash: the original's)."""
    return exc.name if isinstance(exc, ParserCrash) else type(exc).__name__


def parse_page(url: str, body: bytes, charset: str | None) -> Article:
    """Decode a response body and parse its article: what the spider did in-process, and each worker does.

    Raises what decode_html and parse_article raise (InputError, NoArticleError, a parser bug's exception).
    """
    return parse_article(url, decode_html(body, charset))


def listing_links(url: str, text: str) -> list[ListingLink]:
    """The links of a listing page the spider follows (`main_list` of `parse_listing`): the other parse a
    crawl does per page, ~50 ms for a 300 KB Liputan6 tag page."""
    return main_list(parse_listing(url, text))


def _in_worker(job: Callable[..., T], *args: Any) -> T:
    try:
        return job(*args)
    except Exception as exc:
        try:  # both ways: a class whose __init__ wants other arguments pickles but fails to unpickle
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise ParserCrash(type(exc).__name__, str(exc)) from None
        raise


def _worker_init(rules: tuple[SiteRule, ...], crawl_pid: int) -> None:
    # Ctrl+C reaches the whole process group: the crawl decides what happens, and shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_sites(rules)
    threading.Thread(target=_exit_with, args=(crawl_pid,), daemon=True, name="parent-watch").start()


def _exit_with(crawl_pid: int) -> None:
    """End this worker when the crawl process is gone without shutting the pool down (SIGKILL, out of
    memory). The worker would otherwise wait on its call queue for ever, and keep the fork server alive with
    it: the worker's parent is the fork server, so the kernel's parent-death signal cannot tell."""
    try:
        handle = os.pidfd_open(crawl_pid)  # Linux 5.3+: readable once the process has ended
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _alive(crawl_pid):
            time.sleep(2)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _usage(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of a live process, from /proc (Linux); zeros where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in ticks
    peak = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return cpu, peak / 1024


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def worker_count(setting: int | str | None) -> int:
    """Workers for a `crawl.parse_workers` value: "auto"/None (a pool when more than one CPU is usable), an
    int (0: in-process)."""
    if setting is None or setting == "auto":
        cpus = usable_cpus()
        return min(cpus - 1, MAX_AUTO_WORKERS) if cpus > 1 else 0
    return max(0, int(setting))


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)  # only read when the fork server starts (once a process)
        return context
    return multiprocessing.get_context("spawn")


class ParsePool:
    """A crawl's parse workers; `parse()` from the asyncio reactor's loop, `close()` when the crawl ends."""

    def __init__(self, workers: int, crawler: Any = None, start_after: int = START_AFTER) -> None:
        self.workers = workers
        self.crawler = crawler  # its stats exist only once the crawl runs
        self.start_after = start_after
        self.jobs = 0  # pages handed to run(), in-process ones included
        self.breaks = 0
        self.in_flight = 0  # pages handed to the pool and not yet handed back
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._warmup: Future[int] | None = None
        self._last: asyncio.Future[None] | None = None  # released when the last submitted page is handed back

    @property
    def enabled(self) -> bool:
        return self.workers > 0 and not self._closed and self.breaks < MAX_BREAKS

    def _inc(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(STATS + key)

    def _executor(self) -> ProcessPoolExecutor | None:
        if not self.enabled:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_worker_init,
                                             initargs=(configured_sites(), os.getpid()))
            # Done once a worker has started: until then pages are parsed here rather than wait for it.
            self._warmup = self._pool.submit(os.getpid)
            self._inc("started")
        return self._pool

    async def ready(self) -> bool:
        """Start the pool now and wait until a worker answers; False when there is no pool to start."""
        pool = self._executor()
        if pool is None or self._warmup is None:
            return False
        try:
            await asyncio.wrap_future(self._warmup)
        except BrokenProcessPool:
            self._broken(pool, "(start-up)")
            return False
        return True

    def _starting(self) -> bool:
        """Whether the pool is (re)starting: created, and no worker has answered yet."""
        pool = self._executor()
        return pool is not None and self._warmup is not None and not self._warmup.done()

    def _broken(self, pool: ProcessPoolExecutor, url: str) -> None:
        if pool is not self._pool:
            return  # another page already reported this pool
        self._pool = None
        self.breaks += 1
        self._inc("broken")
        # The executor sends SIGTERM to the other workers and then waits for them; one that is still starting
        # did not always end, and that wait kept the crawl process from exiting. SIGKILL ends them all.
        for process in list((pool._processes or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        after = ("the rest of the crawl is parsed in-process" if self.breaks >= MAX_BREAKS
                 else "the pages it held go to a new pool")
        logger.warning("a parse worker died (while %s was in flight): %s", url, after)

    async def parse(self, url: str, body: bytes, charset: str | None) -> Article:
        """The page's article (`parse_page`), parsed in a worker once the pool runs. Raises what `parse_page`
        raises."""
        return await self.run(parse_page, url, body, charset)

    async def listing(self, url: str, text: str) -> list[ListingLink]:
        """A listing page's links (`listing_links`), parsed in a worker once the pool runs."""
        return await self.run(listing_links, url, text)

    async def run(self, job: Callable[..., T], url: str, *args: Any) -> T:
        """`job(url, *args)` in a worker once the pool runs, in-process before that or without one.

        `job` is a module-level function (workers find it by name). Raises what `job` raises. Results come
        back in the order of the calls.
        """
        self.jobs += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not under the asyncio reactor: nothing could await a worker
            loop = None
        if loop is None or not self.enabled or self.jobs <= self.start_after:
            return job(url, *args)
        if self._starting() and self._last is None:
            self._inc("while_starting")
            return job(url, *args)  # a fork server and a worker take a second or more to start
        before, self._last = self._last, loop.create_future()
        mine = self._last
        self.in_flight += 1
        if self.crawler is not None:  # how far Scrapy's back-pressure lets the queue grow (a test reads it)
            self.crawler.stats.max_value(STATS + "max_in_flight", self.in_flight)
        try:
            outcome = await self._attempt(job, url, args)
            if before is not None and not before.done():
                await asyncio.shield(before)
            return outcome.result()
        finally:
            self.in_flight -= 1
            if not mine.done():
                mine.set_result(None)
            if self._last is mine:
                self._last = None

    async def _attempt(self, job: Callable[..., T], url: str, args: tuple[Any, ...]) -> Future[T]:
        """The finished future of the job: in a worker, again in a new pool if that one broke, then
        in-process."""
        for attempt in range(2):
            pool = self._executor()
            if pool is None:
                break
            try:
                future = pool.submit(_in_worker, job, url, *args)
                await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self._broken(pool, url)
                if attempt == 0:
                    self._inc("retried")
                continue
            except Exception:
                pass  # the job's own exception: handed back in order, through the future
            return future
        self._inc("in_process")
        done: Future[T] = Future()
        try:
            done.set_result(job(url, *args))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def close(self) -> None:
        """Stop the workers and wait for them (idle by now: Scrapy closes the spider once its callbacks are
        done). Their CPU time and peak memory go into the stats first: they are no children of the crawl
        process, so its own rusage leaves them out."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        usage = [_usage(pid) for pid in list(pool._processes or {})]
        if self.crawler is not None and usage:
            stats = self.crawler.stats
            stats.set_value(STATS + "worker_cpu_seconds", round(sum(cpu for cpu, _ in usage), 2))
            stats.set_value(STATS + "worker_peak_rss_mb", round(max(rss for _, rss in usage), 1))
        pool.shutdown(wait=True, cancel_futures=True)

    def worker_pids(self) -> Iterable[int]:
        """The process ids of the running workers (tests kill one to check that nothing is lost)."""
        pool = self._pool
        return list(pool._processes) if pool is not None and pool._processes else []
