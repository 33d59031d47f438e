"""Monitoring benchmark: the watch daemon's idle cost, alert latency and memory over hundreds of cycles.

Run from the repository root: `.venv/bin/python bench/watch.py` (`--cycles N`, default 300; `--quick` for
a smoke run). Everything runs in this one process, as in the daemon: one asyncio reactor, the Watcher
(crawler/monitor/watch.py), a generated site (the demo site's templates with `--articles` stories per source,
served on 127.0.0.1) and a real SMTP server on 127.0.0.1, all over a fresh SQLite file.

(a) Idle cycle: a full first cycle of both sources (every article fetched) against an idle cycle
    (nothing new): requests sent, CPU seconds of the reactor thread (where crawling, parsing and storing
    happen; the site server and the SMTP server run in other threads and are not counted) and their ratio.
(b) Alert latency: a story is published, then a cycle runs; the time from the cycle's start to the SMTP
    server's acceptance of its alert (politeness delays off). Several samples; median and worst.
(c) Memory: the APScheduler jobs (one per source, here on a 1-second interval instead of minutes) run N
    consecutive cycles of each source; resident memory after cycle 10, 100 and N, and the growth (the
    target: within 3% from cycle 100 to 1,000). After cycles 10, 100 and N also the native side (glibc
    only): malloc's bytes in use and the free bytes it keeps, and SQLite's share, which tracemalloc cannot
    see. Every 25th cycle publishes a story, so alerts go out during the run too.
    `--tracemalloc` also snapshots the Python heap after cycle `--snapshot-from` (default 100, or a third of
    the run if shorter) and at the end, and prints the allocation sites that grew most between the two, so a
    growth is named rather than guessed (tracemalloc slows the run about twofold; RSS includes its own
    bookkeeping then, so take the memory figure from a run without it).
Targets: an idle cycle sends only feed/listing requests and costs under 5% of a full cycle; latency within a
few seconds of the cycle start; memory flat within 3% from cycle 100 to 1,000.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from crawler.demo import DemoServer, DemoSite  # noqa: E402
from crawler.demo.catalog import DemoArticle  # noqa: E402

SOURCES = ("liputan6", "bbc")
BASE_DAY = datetime(2022, 1, 3, 2, 0, tzinfo=UTC)
# Scrapy settings of every benchmark crawl: politeness delays off against our own loopback server.
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY_JITTER": 0,
        "DNS_RESOLVER": "crawler.crawl.routing.LoopbackOnlyResolver", "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "LOG_LEVEL": "WARNING"}


# -- the generated site ------------------------------------------------------------------------------

def _liputan6(number: int, step: int) -> DemoArticle:
    article_id = str(4900000 + number)
    return DemoArticle(
        site="liputan6", id=article_id, channel="global", slug=f"laporan-kazakhstan-{number}",
        title=f"Laporan {number}: Situasi Kazakhstan Setelah Kerusuhan",
        lead=f"Laporan nomor {number} tentang kerusuhan di Kazakhstan dan langkah Presiden Tokayev.",
        published=BASE_DAY + timedelta(minutes=37 * number), authors=("Redaksi Uji",), editor="Editor Uji",
        tags=("Kazakhstan",), step=step,
        body=(f"Laporan {number} ditulis untuk uji kinerja. Kerusuhan di Kazakhstan dipicu kenaikan harga "
              "bahan bakar LPG.",
              "Presiden Tokayev menetapkan keadaan darurat dan jam malam di Almaty.",
              "Pasukan penjaga perdamaian CSTO tiba beberapa hari kemudian."))


def _bbc(number: int, step: int) -> DemoArticle:
    return DemoArticle(
        site="bbc", id=f"c{number:07d}bnchx", title=f"Report {number}: Kazakhstan after the unrest",
        lead=f"Report number {number} on the unrest in Kazakhstan and President Tokayev's response.",
        published=BASE_DAY + timedelta(minutes=41 * number), authors=("Bench Desk",), section="Asia",
        tags=("Kazakhstan",), feeds=("news", "world", "asia"), step=step,
        body=(f"Report {number} is written for the benchmark. The unrest in Kazakhstan began over a rise in "
              "the price of liquefied petroleum gas.",
              "President Tokayev declared a state of emergency and a curfew in Almaty.",
              "Peacekeepers of the CSTO alliance arrived days later."))


class GeneratedSite(DemoSite):
    """The demo site's pages over generated stories: `articles` per source at step 0, one more per source
    at every later step (so `set_step(k)` publishes the k-th new story of each source)."""

    def __init__(self, articles: int, extra: int) -> None:
        self.catalog = {
            "liputan6": [_liputan6(n, 0) for n in range(articles)]
            + [_liputan6(articles + k, k + 1) for k in range(extra)],
            "bbc": [_bbc(n, 0) for n in range(articles)] + [_bbc(articles + k, k + 1) for k in range(extra)],
        }
        self.by_id = {site: {a.id: a for a in items} for site, items in self.catalog.items()}
        super().__init__(step=0, page_size=max(articles + extra, 1))

    def articles(self, site: str, *, relevant: bool | None = None, step: int | None = None,
                 include_removed: bool = False) -> list[DemoArticle]:
        at = self.step if step is None else step
        found = [a for a in self.catalog.get(site, []) if a.visible(at)
                 and (relevant is None or a.relevant == relevant)]
        return sorted(found, key=lambda a: a.published, reverse=True)

    def article(self, site: str, article_id: str) -> DemoArticle | None:
        return self.by_id.get(site, {}).get(article_id)

    def newest(self, site: str, step: int) -> DemoArticle:
        return next(a for a in self.catalog[site] if a.step == step)


# -- measuring ----------------------------------------------------------------------------------------

def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def native_mb() -> dict[str, float] | None:
    """Where the resident memory is outside Python objects (glibc only, else None): bytes malloc hands
    out now ("malloc_in_use": Python's large objects, SQLite, libxml2...), free bytes it keeps in its arenas
    ("malloc_free": fragmentation when it grows while the bytes in use do not), and SQLite's own share of the
    bytes in use ("sqlite": page caches, statements)."""
    try:
        libc = ctypes.CDLL(None)
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    figures = {"malloc_in_use": round(info.uordblks / 2**20, 2),
               "malloc_free": round(info.fordblks / 2**20, 2)}
    try:
        sqlite = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
        figures["sqlite"] = round(sqlite.sqlite3_memory_used() / 2**20, 2)
    except (OSError, AttributeError):
        pass
    return figures


@dataclass
class CycleCost:
    requests: int
    article_requests: int
    cpu_seconds: float  # the reactor thread's
    process_cpu_seconds: float  # the whole process (site and mail servers included)
    seconds: float


@dataclass
class Results:
    articles_per_source: int
    full: CycleCost | None = None
    idle: CycleCost | None = None
    latencies: list[float] = field(default_factory=list)
    rss: dict[int, float] = field(default_factory=dict)  # cycle number -> MB after it
    native: dict[int, dict[str, float]] = field(default_factory=dict)  # cycle -> native_mb() (some cycles)
    cycles: int = 0
    failed_cycles: int = 0
    mails: int = 0
    wall_seconds: float = 0.0
    snapshots: dict[int, Any] = field(default_factory=dict)  # cycle number -> tracemalloc snapshot


def _is_article(path: str) -> bool:
    return "/read/" in path or "/news/articles/" in path


class MailClock:
    """Notes when the SMTP server accepted each message (polled every 5 ms in a thread)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.accepted: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        seen = 0
        while not self._stop.is_set():
            messages = self.server.received()
            for message in messages[seen:]:
                self.accepted.append((time.time(), str(message.message["Subject"])))
            seen = len(messages)
            time.sleep(0.005)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def write_config(directory: Path, routes: dict[str, str], smtp_port: int) -> Path:
    lines = ["[storage]", f'url = "sqlite:///{directory / "bench.db"}"',
             "[crawl]", "download_delay = 0.0", "autothrottle = false", "timeout = 20.0", "retry_times = 1",
             "concurrent_requests_per_domain = 2", "[routes]",
             *[f'"{host}" = "{base}"' for host, base in routes.items()],
             "[schedule]", "interval_minutes = 15", "jitter_seconds = 0",
             "[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"', 'username = ""',
             "timeout = 5.0", 'from_address = "bench@newswatch.test"',
             "[alerts]", "retry_backoff_seconds = 0.0", "retry_backoff_max_seconds = 0.0",
             "[alerts.health]", "min_articles = 0", "feed_stale_hours = 0.0",
             "[[subscriptions]]", 'to = ["desk@newswatch.test"]']
    path = directory / "bench.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def measured_cycle(watcher: Any, server: DemoServer) -> tuple[Any, CycleCost]:
    import psutil

    before_requests = len(server.requests)
    process = psutil.Process()
    cpu0, pcpu0, wall0 = time.thread_time(), sum(process.cpu_times()[:2]), time.monotonic()
    report = await watcher.cycle(list(SOURCES))
    cpu, pcpu, wall = (time.thread_time() - cpu0, sum(process.cpu_times()[:2]) - pcpu0,
                       time.monotonic() - wall0)
    paths = [r.path for r in server.requests[before_requests:]]
    return report, CycleCost(len(paths), sum(_is_article(p) for p in paths), cpu, pcpu, wall)


def _snapshot() -> Any:
    import gc
    import tracemalloc

    gc.collect()
    return tracemalloc.take_snapshot().filter_traces(
        (tracemalloc.Filter(False, tracemalloc.__file__),
         tracemalloc.Filter(False, "<frozen importlib._bootstrap>"), tracemalloc.Filter(False, "<unknown>")))


def growth_report(before: Any, after: Any, top: int = 15, frames: int = 4) -> list[str]:
    """The allocation sites (grouped by their innermost `frames` frames) that grew most between two
    snapshots, as printable lines."""
    stats = after.compare_to(before, "traceback")
    stats.sort(key=lambda s: s.size_diff, reverse=True)
    total = sum(s.size_diff for s in stats)
    lines = [f"Python heap growth: {total / 2**20:+.2f} MB in all; top {top} sites:"]
    for stat in stats[:top]:
        if stat.size_diff <= 0:
            break
        lines.append(f"  {stat.size_diff / 1024:+9.1f} KiB  {stat.count_diff:+7d} blocks  "
                     f"(now {stat.size / 1024:.1f} KiB)")
        for frame in list(stat.traceback)[-frames:][::-1]:
            lines.append(f"      {frame.filename}:{frame.lineno}")
    return lines


async def run_bench(cycles: int, articles: int, latency_samples: int, workdir: Path,
                    snapshot_from: int | None = None) -> Results:
    from apscheduler.triggers.interval import IntervalTrigger

    from crawler.config import load_config
    from crawler.monitor.watch import Watcher, WatchOptions
    from tests.notify.mail.smtpserver import LoopbackSmtpServer

    publish_every = 25
    extra = latency_samples + cycles // publish_every + 2
    site = GeneratedSite(articles, extra)
    results = Results(articles_per_source=articles)
    started = time.monotonic()
    with DemoServer(site) as server, LoopbackSmtpServer() as smtp:
        clock = MailClock(smtp)
        config = load_config(write_config(workdir, server.routes(), smtp.port))
        options = WatchOptions(db_url=f"sqlite:///{workdir / 'bench.db'}", overrides=FAST,
                               triggers={s: IntervalTrigger(seconds=1, timezone=UTC) for s in SOURCES},
                               delivery_interval_seconds=3600)
        watcher = Watcher(config, options)
        try:
            # (a) a full first cycle, then an idle one.
            report, results.full = await measured_cycle(watcher, server)
            assert report.ok, report.line()
            report, results.idle = await measured_cycle(watcher, server)
            assert report.ok, report.line()

            # (b) latency: publish one story per source, run a cycle, time the alerts.
            step = 0
            for _ in range(latency_samples):
                step += 1
                site.set_step(step)
                wanted = {site.newest(s, step).title for s in SOURCES}
                cycle_start = time.time()
                report = await watcher.cycle(list(SOURCES))
                assert report.ok, report.line()
                # The clock polls every 5 ms: let it note a mail accepted just before the cycle ended.
                for _ in range(400):
                    if all(any(title in subject for _, subject in clock.accepted) for title in wanted):
                        break
                    await asyncio.sleep(0.005)
                for title in wanted:
                    accepted = next((t for t, subject in clock.accepted if title in subject), None)
                    if accepted is not None:
                        results.latencies.append(accepted - cycle_start)

            # (c) N cycles of each source on the scheduler, in this one process. The harness's own records
            # (the site's request log, the mail server's messages, the mail clock) are emptied as the cycles
            # go: kept, they grew by ~1.8 MB per 100 cycles (tracemalloc) and were counted as the daemon's.
            clock.stop()
            server.clear_log()
            results.mails = len(smtp.received())
            with smtp.lock:
                smtp.messages.clear()
            done: dict[str, int] = {s: 0 for s in SOURCES}
            finished = asyncio.Event()

            def on_cycle(report: Any) -> None:
                nonlocal step
                for result in report.results:
                    done[result.source] += 1
                    if result.outcome != "finished":
                        results.failed_cycles += 1
                number = min(done.values())
                server.clear_log()
                with smtp.lock:
                    results.mails += len(smtp.messages)
                    smtp.messages.clear()
                if number and number not in results.rss:
                    results.rss[number] = rss_mb()
                    if number in (10, 100, cycles):
                        gc.collect()  # Python's garbage freed: what malloc keeps in use is then held
                        results.native[number] = native_mb() or {}
                    if snapshot_from is not None and number in (snapshot_from, cycles):
                        results.snapshots[number] = _snapshot()
                    if number % publish_every == 0:
                        step += 1
                        site.set_step(step)
                if number >= cycles:
                    finished.set()

            watcher.on_cycle = on_cycle
            await watcher.serve(finished)
            results.cycles = min(done.values())
        finally:
            watcher.close()
            clock.stop()
        results.mails += len(smtp.received())
    results.wall_seconds = time.monotonic() - started
    return results


def run_on_reactor(cycles: int, articles: int, latency_samples: int, workdir: Path,
                   snapshot_from: int | None = None) -> Results:
    """Run the benchmark on the installed asyncio reactor, as `newswatch watch` does."""
    from crawler.crawl.runner import install_asyncio_reactor
    from crawler.monitor.memory import limit_malloc_arenas

    limit_malloc_arenas()  # as run_watch does first, before any thread starts
    install_asyncio_reactor()
    from twisted.internet import reactor as installed

    reactor: Any = installed
    box: dict[str, Any] = {}

    def start() -> None:
        task = asyncio.ensure_future(run_bench(cycles, articles, latency_samples, workdir, snapshot_from))

        def done(t: asyncio.Task[Results]) -> None:
            box["task"] = t
            reactor.stop()

        task.add_done_callback(done)

    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)
    return box["task"].result()


def summary(results: Results) -> dict[str, Any]:
    full, idle = results.full, results.idle
    assert full is not None and idle is not None
    first = last = None
    first_cycle = 10 if 10 in results.rss else min(results.rss, default=0)
    last_cycle = max(results.rss, default=0)
    if results.rss:
        first, last = results.rss[first_cycle], results.rss[last_cycle]
    return {
        "articles_per_source": results.articles_per_source,
        "full_cycle": vars(full), "idle_cycle": vars(idle),
        "idle_to_full_cpu_ratio": round(idle.cpu_seconds / full.cpu_seconds, 4) if full.cpu_seconds else None,
        "idle_to_full_process_cpu_ratio": (round(idle.process_cpu_seconds / full.process_cpu_seconds, 4)
                                           if full.process_cpu_seconds else None),
        "idle_article_requests": idle.article_requests,
        "latency_seconds": {"samples": len(results.latencies),
                            "median": (round(statistics.median(results.latencies), 3)
                                       if results.latencies else None),
                            "max": round(max(results.latencies), 3) if results.latencies else None},
        "memory_mb": {"from_cycle": first_cycle, "to_cycle": last_cycle,
                      "from": round(first, 1) if first else None, "to": round(last, 1) if last else None,
                      "growth_percent": round(100 * (last - first) / first, 1) if first and last else None,
                      # the measure: from cycle 100 (start-up growth over) to the last
                      "growth_from_100_percent": (round(100 * (last - results.rss[100]) / results.rss[100], 1)
                                                  if last and 100 in results.rss and last_cycle > 100
                                                  else None)},
        "native_mb": {str(cycle): figures for cycle, figures in sorted(results.native.items()) if figures},
        "cycles": results.cycles, "failed_cycles": results.failed_cycles, "mails": results.mails,
        "wall_seconds": round(results.wall_seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=300, help="scheduler cycles per source (default 300)")
    parser.add_argument("--articles", type=int, default=150, help="stories per source at the start")
    parser.add_argument("--latency-samples", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 cycles, 20 stories, 1 sample")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="snapshot the Python heap after cycle --snapshot-from and at the end; print the "
                             "allocation sites that grew most")
    parser.add_argument("--snapshot-from", type=int, default=None,
                        help="cycle of the first snapshot (default 100, or a third of --cycles if fewer)")
    parser.add_argument("--frames", type=int, default=4, help="frames per allocation site (--tracemalloc)")
    args = parser.parse_args(argv)
    if args.quick:
        args.cycles, args.articles, args.latency_samples = min(args.cycles, 5), 20, 1
    snapshot_from = None
    if args.tracemalloc:
        import tracemalloc

        snapshot_from = args.snapshot_from or min(100, max(args.cycles // 3, 1))
        if snapshot_from >= args.cycles:
            parser.error("--snapshot-from must be below --cycles")
        tracemalloc.start(args.frames)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("scrapy", "apscheduler", "twisted", "crawler.notify.smtp"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as tmp:
        results = run_on_reactor(args.cycles, args.articles, args.latency_samples, Path(tmp), snapshot_from)
    figures = summary(results)
    growth: list[str] = []
    if snapshot_from is not None and {snapshot_from, results.cycles} <= set(results.snapshots):
        growth = [f"tracemalloc, cycle {snapshot_from} -> {results.cycles}:",
                  *growth_report(results.snapshots[snapshot_from], results.snapshots[results.cycles],
                                 frames=args.frames)]
        figures["tracemalloc"] = growth
    if args.json:
        print(json.dumps(figures))
        return 0
    full, idle = figures["full_cycle"], figures["idle_cycle"]
    print(f"site: {figures['articles_per_source']} stories per source, 2 sources")
    print(f"(a) full first cycle: {full['requests']} requests ({full['article_requests']} article pages), "
          f"{full['cpu_seconds']:.2f}s CPU (reactor thread), {full['seconds']:.2f}s wall")
    print(f"    idle cycle: {idle['requests']} requests ({idle['article_requests']} article pages), "
          f"{idle['cpu_seconds']:.3f}s CPU, {idle['seconds']:.2f}s wall; "
          f"idle/full CPU {figures['idle_to_full_cpu_ratio']:.1%} "
          f"(whole process {figures['idle_to_full_process_cpu_ratio']:.1%})")
    lat = figures["latency_seconds"]
    print(f"(b) alert latency from cycle start: median {lat['median']}s, max {lat['max']}s "
          f"({lat['samples']} alerts)")
    mem = figures["memory_mb"]
    print(f"(c) memory over {figures['cycles']} cycles per source: {mem} "
          f"(failed cycles {figures['failed_cycles']}, mails {figures['mails']})")
    if figures["native_mb"]:
        print(f"    native memory (MB) by cycle: {figures['native_mb']}")
    print(f"wall time {figures['wall_seconds']}s; pid {os.getpid()}")
    for line in growth:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
