"""Pages parsed in worker processes, so a crawl uses a second core (`crawl.parse_workers`).

Why: the reactor's process does everything a crawl does on one core, and parsing (an article page:
decoding, lxml, the page object, the cleaner, ~5 ms of a ~10 ms page; a 300 KB listing page: ~50 ms) is the
part that needs nothing of Scrapy. The spider's callbacks (`spiders/base.py`) await `ParsePool.parse(url,
body, charset)` (an article) and `ParsePool.listing(url, text)` (a listing's links) instead of calling
`decode_html` + `crawler.extract.pages.parse_article` and `parse_listing` themselves; everything else
(stats, what to follow, items) stays in the spider.

Why not `concurrent.futures.ProcessPoolExecutor` (what this module used first): its hand-over runs through
two threads of the crawl process (the executor's manager and the call queue's feeder), and each page waits
for them to get the GIL from the reactor's thread, which is busy with the crawl: up to the 5 ms switch
interval per hand-over, and the executor keeps only one page queued per worker. Measured with
`bench/crawl.py`, the worker sat idle for a third of the crawl (pipeline at 0.65 of bare Scrapy's pages/s,
while the crawl process and its worker each needed less CPU per page than bare Scrapy). Here each worker
has a pair of pipes that the reactor's own event loop reads and writes (non-blocking, `add_reader` /
`add_writer`): no thread in the crawl process, and a worker always has the next pages waiting in its pipe.

How it behaves:
- **What crosses the process boundary**: the URL, the response bytes and the header charset in (the text
  for a listing, as Scrapy decoded it); the `Article` (a plain dataclass) or the `ListingLink`s out, or
  the parser's exception. The decoding runs in the worker too. An exception that would not survive
  pickling comes back as `ParserCrash` with the original class name, so the spider's stats and log lines
  are the same as in-process (`parser_error/<ClassName>`). Frames are multiprocessing's (a 4-byte length,
  then a pickle), so the worker reads them with a plain `Connection`.
- **Back-pressure** is Scrapy's own: a callback awaiting its parse keeps its response in the scraper's slot,
  and the engine stops handing responses over once the slot holds SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes (5 MB,
  ~16 pages of 300 KB) and fetches no more than CONCURRENT_REQUESTS at once. So no more pages wait for a
  worker than Scrapy would hold anyway, and memory does not grow with the crawl. Pages wait in a queue
  here and are written to the worker with the fewest pages in flight, PIPE_DEPTH at most per worker, so
  that a listing page (whose links are the crawl's next requests) can go ahead of them: see `listing`.
- **In order**: article results are handed back in the order the pages were submitted (a page finished
  early waits for the ones before it), so the items leave the spider in the order the responses arrived,
  as they do in-process, whatever the number of workers. A listing yields requests, not items: its links
  are handed back as soon as they are parsed.
- **A worker that dies** (killed, out of memory, a crash in C code; seen as the end of its result pipe) takes
  its generation of workers with it, as an executor would: the others are killed, and every page in flight
  is sent once more to a new generation. A page whose second attempt is lost again is parsed in-process, as
  it would have been without a pool (the page that kills a worker twice is the likely culprit, and
  in-process it does what it did before pools existed). After MAX_BREAKS lost generations in one crawl the
  rest is parsed in-process. Nothing is lost: stats `newswatch/parse_pool/broken` (generations lost),
  `.../retried` (pages sent again), `.../in_process` (pages parsed here after a break); one warning line
  per break.
- **A page that hangs its worker** (no result after NEWSWATCH_PARSE_TIMEOUT seconds, default PAGE_TIMEOUT)
  gets the worker killed, and is retried like a crash; a page that hangs twice is not parsed in-process
  (it would hang the crawl) but fails as `ParserCrash("ParseTimeout", ...)`: the spider counts and logs it
  as a parser error, and the crawl goes on (`.../timed_out` counts the kills).
- **Lifetime**: one pool per crawl, started once START_AFTER pages were parsed in-process (a monitoring pass
  that finds a handful of new articles is over before a worker would have started, so it never pays for
  one; the test suite's small crawls do not either) and shut down when the spider closes. Workers start in
  a thread (the fork server's first start imports the parsers: about a second, several on a loaded
  machine); meanwhile pages go on being parsed in-process (`.../while_starting`) rather than wait. The
  watch daemon (many crawls in one process) keeps no worker between crawls; what stays is the fork server
  and multiprocessing's resource tracker, one each for the process's lifetime.
- **Start method**: "forkserver" where the platform has it. A fork of the crawl process itself would copy
  its sockets and database connections into every worker (a connection closed by the crawler would stay
  open in the worker) and forks a process with threads; the fork server is a clean single-threaded
  process, started once per crawling process, that has the parsers imported (`set_forkserver_preload`), so
  a worker starts in milliseconds. Workers get the crawl's configured outlets (crawler.extract.urls site
  rules) when they start, and ignore SIGINT: Ctrl+C is the crawl's to handle, which then shuts them down.
  A worker whose crawl process is gone without shutting it down (killed) ends itself.

`parse_workers` = "auto" (the default) uses max(1, usable CPUs - 1) workers, capped at MAX_AUTO_WORKERS, when
more than one CPU is usable, else none; 0 parses in-process; N uses N workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import multiprocessing
import os
import pickle
import select
import signal
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
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
MAX_BREAKS = 3  # lost generations of workers in one crawl before the rest of it is parsed in-process
# Seconds a worker may spend on one page before it is killed (Scrapy setting NEWSWATCH_PARSE_TIMEOUT): far
# above any real page (a 10 MB page parses in a few seconds on a loaded machine).
PAGE_TIMEOUT = 120.0
STATS = "newswatch/parse_pool/"
# What the fork server imports once, so each worker it forks has the parsers ready. "__main__": a program
# started as a script (the `newswatch` and `scrapy` commands) is run once there, as multiprocessing runs it in
# every new process otherwise (importing the whole CLI per worker); `python -m` packages are never re-run.
PRELOAD = ["__main__", "crawler.extract.pages", "crawler.extract.pages.liputan6", "crawler.extract.pages.bbc",
           "crawler.extract.pages.generic", "crawler.crawl.parsepool"]
# Pages written to a worker's pipe ahead of its results: enough that it never waits for the reactor to read
# a result (a stored article can hold the reactor ~10 ms), few enough that a listing jumps the queue soon.
PIPE_DEPTH = 3
PIPE_BYTES = 1 << 20  # asked for each pipe (Linux F_SETPIPE_SZ): a few pages fit before a write waits
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_HEADER = struct.Struct("!i")  # multiprocessing.connection's frame header, for frames under 2 GiB
_STOP = b""  # an empty frame: the worker's signal to exit


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


# -- the worker process --

def _answer(job: Callable[..., Any], url: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
    """(True, the job's result) or (False, its exception, made picklable)."""
    try:
        return True, job(url, *args)
    except Exception as exc:
        try:  # both ways: a class whose __init__ wants other arguments pickles but fails to unpickle
            pickle.loads(pickle.dumps(exc))
        except Exception:
            return False, ParserCrash(type(exc).__name__, str(exc))
        return False, exc


def _serve(requests: Connection, results: Connection, rules: tuple[SiteRule, ...], crawl_pid: int) -> None:
    """A worker's life: frames (job id, job, url, args) in, (job id, ok, result) out, until the stop frame
    or the end of the request pipe."""
    # Ctrl+C reaches the whole process group: the crawl decides what happens, and shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_sites(rules)
    threading.Thread(target=_exit_with, args=(crawl_pid,), daemon=True, name="parent-watch").start()
    while True:
        try:
            frame = requests.recv_bytes()
        except (EOFError, OSError):
            return
        if frame == _STOP:
            return
        job_id, job, url, args = pickle.loads(frame)
        ok, value = _answer(job, url, args)
        try:
            reply = pickle.dumps((job_id, ok, value), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result that does not pickle is the parser's bug, reported as one
            reply = pickle.dumps((job_id, False, ParserCrash(type(exc).__name__, str(exc))))
        try:
            results.send_bytes(reply)
        except OSError:
            return


def _exit_with(crawl_pid: int) -> None:
    """End this worker when the crawl process is gone without shutting the pool down (SIGKILL, out of
    memory). The worker would otherwise wait on its pipe for ever, and keep the fork server alive with
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


def _context() -> Any:  # a multiprocessing context: the stubs' BaseContext has no Process
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)  # only read when the fork server starts (once a process)
        return context
    return multiprocessing.get_context("spawn")


# -- the crawl's side --

@dataclass(eq=False)
class _Job:
    job: Callable[..., Any]
    url: str
    args: tuple[Any, ...]
    done: asyncio.Future[tuple[bool | None, Any]]  # ok None: the worker was lost
    urgent: bool = False
    failures: int = 0  # attempts lost with their worker
    sent: bool = False  # written to the current attempt's worker (not only queued here)
    timed_out: bool = False


@dataclass(eq=False)
class _Worker:
    """One worker process and the crawl's ends of its two pipes (non-blocking, read and written by the
    event loop)."""

    process: BaseProcess
    send_fd: int
    recv_fd: int
    generation: _Generation
    outbox: bytearray = field(default_factory=bytearray)
    inbox: bytearray = field(default_factory=bytearray)
    jobs: dict[int, _Job] = field(default_factory=dict)  # in flight, oldest first: the first one is parsing
    timer: asyncio.TimerHandle | None = None  # PAGE_TIMEOUT of the page it is parsing


@dataclass(eq=False)
class _Generation:
    """The workers started together: they are lost together, as an executor's are."""

    loop: asyncio.AbstractEventLoop
    ready: asyncio.Future[bool]  # True once every worker runs; False when they could not be started
    workers: list[_Worker] = field(default_factory=list)
    queue: deque[tuple[int, _Job]] = field(default_factory=deque)  # waiting for room in a worker's pipe
    lost: bool = False


def _pipe() -> tuple[int, int]:
    read, write = os.pipe()
    # Above /proc/sys/fs/pipe-max-size or the user's pipe quota it fails: the default 64 KiB works too.
    with contextlib.suppress(OSError):
        fcntl.fcntl(write, _F_SETPIPE_SZ, PIPE_BYTES)
    return read, write


class ParsePool:
    """A crawl's parse workers; `parse()` from the asyncio reactor's loop, `close()` when the crawl ends."""

    def __init__(self, workers: int, crawler: Any = None, start_after: int = START_AFTER,
                 timeout: float = PAGE_TIMEOUT) -> None:
        self.workers = workers
        self.crawler = crawler  # its stats exist only once the crawl runs
        self.start_after = start_after
        self.timeout = timeout
        self.jobs = 0  # pages handed to run(), in-process ones included
        self.breaks = 0
        self.in_flight = 0  # pages handed to the pool and not yet handed back
        self._generation: _Generation | None = None
        self._closed = False
        self._ids = itertools.count()
        self._last: asyncio.Future[None] | None = None  # released when the last submitted page is handed back
        self._retired: list[_Worker] = []  # killed workers still to be reaped by close()

    @property
    def enabled(self) -> bool:
        return self.workers > 0 and not self._closed and self.breaks < MAX_BREAKS

    def _inc(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(STATS + key)

    # -- starting --

    def _current(self, loop: asyncio.AbstractEventLoop) -> _Generation | None:
        """The running generation of workers, started (in a thread) if there is none."""
        if not self.enabled:
            return None
        generation = self._generation
        if generation is not None and generation.loop is not loop:
            # A new event loop (a test's second asyncio.run): the old one can no longer watch these pipes.
            self._retire(generation)
            generation = None
        if generation is None:
            generation = self._generation = _Generation(loop, loop.create_future())
            self._inc("started")
            threading.Thread(target=self._start, args=(generation,), daemon=True,
                             name="parse-pool-start").start()
        return generation

    def _start(self, generation: _Generation) -> None:
        """Start the workers (in a thread: the fork server's first start takes a second or more), then hand
        them to the event loop."""
        context = _context()
        started: list[tuple[BaseProcess, int, int]] = []
        error: Exception | None = None
        for _ in range(self.workers):
            request_read, request_write = _pipe()
            result_read, result_write = _pipe()
            theirs = (Connection(request_read, writable=False), Connection(result_write, readable=False))
            process = context.Process(target=_serve, args=(*theirs, configured_sites(), os.getpid()),
                                      daemon=True, name="newswatch-parse")
            try:
                process.start()
            except Exception as exc:  # no fork server, no memory: parse in-process
                error = exc
                for fd in (request_write, result_read):
                    os.close(fd)
                break
            finally:
                for end in theirs:
                    end.close()
            started.append((process, request_write, result_read))
        try:
            generation.loop.call_soon_threadsafe(self._started, generation, started, error)
        except RuntimeError:  # the loop is closed: nobody will use these workers
            for process, *fds in started:
                process.kill()
                for fd in fds:
                    os.close(fd)

    def _started(self, generation: _Generation, started: list[tuple[BaseProcess, int, int]],
                 error: Exception | None) -> None:
        for process, send_fd, recv_fd in started:
            os.set_blocking(send_fd, False)
            os.set_blocking(recv_fd, False)
            generation.workers.append(_Worker(process, send_fd, recv_fd, generation))
        if generation is not self._generation or self._closed:
            self._retire(generation)
            generation.ready.set_result(False)
            return
        if error is not None or not started:
            logger.warning("parse workers could not be started (%s): pages are parsed in-process", error)
            self.breaks = MAX_BREAKS
            self._retire(generation)
            generation.ready.set_result(False)
            return
        for worker in generation.workers:
            generation.loop.add_reader(worker.recv_fd, self._readable, worker)
        generation.ready.set_result(True)

    async def ready(self) -> bool:
        """Start the pool now and wait until its workers run; False when there is no pool to start."""
        generation = self._current(asyncio.get_running_loop())
        return generation is not None and await asyncio.shield(generation.ready)

    # -- the loop's side of the pipes --

    def _send(self, worker: _Worker, frame: bytes) -> None:
        if worker.outbox:
            worker.outbox += frame
            return
        try:
            written = os.write(worker.send_fd, frame)
        except BlockingIOError:
            written = 0
        except OSError:  # the worker is gone: its result pipe's end reports it
            return
        if written < len(frame):
            worker.outbox += memoryview(frame)[written:]
            worker.generation.loop.add_writer(worker.send_fd, self._writable, worker)

    def _writable(self, worker: _Worker) -> None:
        try:
            written = os.write(worker.send_fd, worker.outbox)
        except BlockingIOError:
            return
        except OSError:
            written = len(worker.outbox)
        del worker.outbox[:written]
        if not worker.outbox:
            worker.generation.loop.remove_writer(worker.send_fd)

    def _readable(self, worker: _Worker) -> None:
        try:
            data = os.read(worker.recv_fd, PIPE_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._lost(worker)
            return
        inbox = worker.inbox
        inbox += data
        while len(inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(inbox)
            if len(inbox) < _HEADER.size + size:
                break
            job_id, ok, value = pickle.loads(bytes(inbox[_HEADER.size:_HEADER.size + size]))
            del inbox[:_HEADER.size + size]
            job = worker.jobs.pop(job_id, None)
            if job is None:
                continue
            self._arm(worker)
            if not job.done.done():
                job.done.set_result((ok, value))
        self._pump(worker.generation)

    # -- pages --

    async def parse(self, url: str, body: bytes, charset: str | None) -> Article:
        """The page's article (`parse_page`), parsed in a worker once the pool runs. Raises what `parse_page`
        raises."""
        return await self.run(parse_page, url, body, charset)

    async def listing(self, url: str, text: str) -> list[ListingLink]:
        """A listing page's links (`listing_links`), parsed in a worker once the pool runs.

        Ahead of the article pages waiting for a worker, and handed back as soon as it is parsed: its links
        are the crawl's next requests. Behind ~16 queued articles (~0.1 s of parsing) the downloader ran dry
        after every listing page, and the worker after it (measured: the worker's queue swung between 1 and
        20 pages, and two cores did one core's work)."""
        return await self.run(listing_links, url, text, ordered=False, urgent=True)

    async def run(self, job: Callable[..., T], url: str, *args: Any, ordered: bool = True,
                  urgent: bool = False) -> T:
        """`job(url, *args)` in a worker once the pool runs, in-process before that or without one.

        `job` is a module-level function (workers find it by name). Raises what `job` raises. Results of
        `ordered` calls come back in the order of those calls; an `urgent` one goes to a worker before the
        pages waiting for one.
        """
        self.jobs += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not under the asyncio reactor: nothing could await a worker
            loop = None
        if loop is None or not self.enabled or self.jobs <= self.start_after:
            return job(url, *args)
        generation = self._current(loop)
        if generation is not None and not generation.ready.done() and (self._last is None or not ordered):
            self._inc("while_starting")
            return job(url, *args)  # a fork server and a worker take a second or more to start
        before, mine = None, None
        if ordered:
            before, self._last = self._last, loop.create_future()
            mine = self._last
        self.in_flight += 1
        if self.crawler is not None:  # how far Scrapy's back-pressure lets the queue grow (a test reads it)
            self.crawler.stats.max_value(STATS + "max_in_flight", self.in_flight)
        try:
            ok, value = await self._outcome(_Job(job, url, args, loop.create_future(), urgent), loop)
            if before is not None and not before.done():
                await asyncio.shield(before)
            if ok:
                return value
            raise value
        finally:
            self.in_flight -= 1
            if mine is not None:
                if not mine.done():
                    mine.set_result(None)
                if self._last is mine:
                    self._last = None

    async def _outcome(self, job: _Job, loop: asyncio.AbstractEventLoop) -> tuple[bool, Any]:
        """(ok, result or exception) of the job: in a worker, again in a new generation if that one was
        lost, then in-process."""
        while job.failures < 2:
            generation = self._current(loop)
            if generation is None or not await asyncio.shield(generation.ready):
                break  # no pool any more, or its workers could not be started
            if generation.lost:
                continue  # lost while this page waited for it: the next one starts (or the pool is off)
            job.done, job.sent = loop.create_future(), False
            entry = (next(self._ids), job)
            if job.urgent:
                generation.queue.appendleft(entry)
            else:
                generation.queue.append(entry)
            self._pump(generation)
            ok, value = await job.done
            if ok is not None:
                return ok, value
            if job.sent:  # lost with its worker (a page only queued here is simply queued again)
                job.failures += 1
                if job.failures == 1:
                    self._inc("retried")
        if job.timed_out:
            return False, ParserCrash("ParseTimeout", f"no result after {self.timeout:g} s, twice")
        self._inc("in_process")
        try:
            return True, job.job(job.url, *job.args)
        except Exception as exc:
            return False, exc

    def _pump(self, generation: _Generation) -> None:
        """Write queued pages to the workers with room in their pipes (PIPE_DEPTH), fewest pages first."""
        queue = generation.queue
        while queue and not generation.lost:
            worker = min(generation.workers, key=lambda w: len(w.jobs))
            if len(worker.jobs) >= PIPE_DEPTH:
                return
            job_id, job = queue.popleft()
            worker.jobs[job_id] = job
            job.sent = True
            payload = pickle.dumps((job_id, job.job, job.url, job.args), protocol=pickle.HIGHEST_PROTOCOL)
            self._send(worker, _HEADER.pack(len(payload)) + payload)
            if len(worker.jobs) == 1:
                self._arm(worker)

    def _arm(self, worker: _Worker) -> None:
        """Time the page the worker parses now (its oldest in flight: a worker takes them in order) from
        now: the pages queued behind a slow one are not blamed for the time they wait."""
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        if worker.jobs and not worker.generation.lost:
            head = next(iter(worker.jobs.values()))
            worker.timer = worker.generation.loop.call_later(self.timeout, self._overdue, worker, head)

    def _overdue(self, worker: _Worker, job: _Job) -> None:
        """A page has held its worker for `timeout` seconds: the worker is killed, and the page retried."""
        if job.done.done() or worker.generation.lost:
            return
        job.timed_out = True
        self._inc("timed_out")
        logger.warning("a parse worker spent %g s on %s: it is killed", self.timeout, job.url)
        worker.process.kill()  # its result pipe ends, and _lost() hands the pages on

    def _lost(self, worker: _Worker) -> None:
        """A worker's result pipe ended without a stop: the whole generation goes, its pages are sent
        again (`_outcome`)."""
        generation = worker.generation
        if generation.lost:
            return
        self.breaks += 1
        self._inc("broken")
        pages = [job for w in generation.workers for job in w.jobs.values()]
        pages += [job for _, job in generation.queue]
        generation.queue.clear()
        url = worker.jobs[min(worker.jobs)].url if worker.jobs else "(no page)"
        self._retire(generation)
        if self._generation is generation:
            self._generation = None
        after = ("the rest of the crawl is parsed in-process" if self.breaks >= MAX_BREAKS
                 else "the pages it held go to new workers")
        logger.warning("a parse worker died (while %s was in flight): %s", url, after)
        for job in pages:
            if not job.done.done():
                job.done.set_result((None, None))  # not done: _outcome tries again

    def _retire(self, generation: _Generation) -> None:
        """Stop watching a generation's pipes and kill its workers (reaped at close)."""
        generation.lost = True
        for worker in generation.workers:
            self._detach(worker)
            if worker.process.is_alive():
                worker.process.kill()
            self._retired.append(worker)

    def _detach(self, worker: _Worker) -> None:
        if worker.timer is not None:
            worker.timer.cancel()
        loop = worker.generation.loop
        if not loop.is_closed():
            loop.remove_reader(worker.recv_fd)
            if worker.outbox:  # a writer is registered while bytes wait
                loop.remove_writer(worker.send_fd)
        for fd in (worker.send_fd, worker.recv_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        worker.send_fd = worker.recv_fd = -1

    def close(self) -> None:
        """Stop the workers and wait for them (idle by now: Scrapy closes the spider once its callbacks are
        done). Their CPU time and peak memory go into the stats first: they are no children of the crawl
        process, so its own rusage leaves them out."""
        self._closed = True
        generation, self._generation = self._generation, None
        workers = generation.workers if generation is not None and not generation.lost else []
        usage = [_usage(worker.process.pid) for worker in workers if worker.process.pid]
        if self.crawler is not None and usage:
            stats = self.crawler.stats
            stats.set_value(STATS + "worker_cpu_seconds", round(sum(cpu for cpu, _ in usage), 2))
            stats.set_value(STATS + "worker_peak_rss_mb", round(max(rss for _, rss in usage), 1))
        for worker in workers:
            if worker.outbox or worker.jobs:  # busy with pages nobody waits for any more
                worker.process.kill()
            else:
                with contextlib.suppress(OSError):  # the stop frame: an idle worker exits
                    os.write(worker.send_fd, _HEADER.pack(0))
            self._detach(worker)
        deadline = time.monotonic() + 5
        for worker in [*workers, *self._retired]:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1)
        self._retired = []

    def worker_pids(self) -> Iterable[int]:
        """The process ids of the running workers (tests kill one to check that nothing is lost)."""
        generation = self._generation
        if generation is None or generation.lost:
            return []
        return [worker.process.pid for worker in generation.workers if worker.process.pid]
