"""The `newswatch watch` daemon: APScheduler 3 and Scrapy in one long-lived process, on one asyncio reactor.

    run_watch(config, WatchOptions(db_url=...))             # the daemon, until SIGTERM/SIGINT; exit 0
    run_watch(config, WatchOptions(db_url=..., once=True))  # one full cycle, for cron and tests

Why one process: a Twisted reactor cannot be restarted, so the asyncio reactor is installed once, before
anything imports twisted's reactor, and runs for the whole life of the process. APScheduler's
AsyncIOScheduler runs on that reactor's asyncio loop, and every crawl is an `async def` job awaiting
`crawler.crawl.runner.crawl_source` (AsyncCrawlerRunner per crawl): hundreds of crawls in one process, never
`ReactorNotRestartable` (bench/watch.py measures it).

Jobs (explicit ids): `crawl:<source>` per source on the config's interval or cron trigger (with jitter),
`max_instances=1` (a slow crawl is skipped, never doubled), `coalesce=True` (missed runs become one) and a
misfire grace of minutes; and `deliver` every minute, so that retries after a backoff and digests go out
between crawls. A crawl job is one cycle of its source: the crawl (stopped after
`watch.crawl_timeout_seconds` and recorded as failed), then `health.after_run`, then alert delivery in a
thread (`asyncio.to_thread`) under a lock, so two deliveries never run at once even when two sources'
crawls end together.

Restarts: each source's first run is computed from the `crawl_runs` table (crawler/monitor/schedule.py), so
a restarted daemon crawls only the sources that are due, and the outbox makes delivery idempotent (a row
is sent once; see crawler/notify/delivery.py for the one-message duplicate window when killed mid-send).

The database file under the daemon: every crawl opens the database by its URL, but the daemon keeps one
store (pooled connections) for health checks and delivery. If the SQLite file is deleted or another file is
moved over it, those connections keep the old file while crawls write the new one, and delivery would find
nothing to send, silently. So before each health check and each delivery the daemon compares the file it
opened (device and inode) with the one at the path, and when they differ it says so in one warning line and
reopens the path (a deleted file is created afresh, and migrated), so the alerts of what crawls store there
go out.

Several daemons (storage/leadership.py): on PostgreSQL one leads, holding an advisory lock on a connection of
its own, and the others stand by, asking for the lock every `standby_poll_seconds`; when the leader dies its
connection closes, the lock is free, and a standby takes over within one poll and starts as a restarted daemon
would (the killed run never finished, so its source is due; claimed alerts wait for their lease). The leader
checks its lock on the same beat and stops at once if it lost it. On SQLite a second daemon refuses to start.

SIGTERM/SIGINT: no new job starts; running crawls are closed (recorded "interrupted", which counts as not
run: the source is due again on restart); no delivery starts after the signal, one already sending
finishes its messages (each is marked sent as soon as the server accepts it); then exit 0. A second signal
cancels what is still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.config import Config
from crawler.core.errors import StorageError
from crawler.crawl.runner import (
    CrawlOutcome,
    build_settings,
    crawl_source,
    install_asyncio_reactor,
    install_resolver,
    stop_all,
)
from crawler.monitor.health import after_run
from crawler.monitor.memory import limit_malloc_arenas
from crawler.monitor.metrics import MetricsServer, WatchMetrics
from crawler.monitor.schedule import due_times, is_due, last_finished_runs
from crawler.notify.delivery import DeliveryReport, deliver
from storage import Store
from storage.engine import display_url
from storage.leadership import Leadership, leadership_for, refuse_second_daemon

log = logging.getLogger("crawler.monitor.watch")

DELIVERY_JOB = "deliver"
MISFIRE_GRACE_SECONDS = 300  # a run that fires late (a busy loop, a suspended machine) still runs
DELIVERY_INTERVAL_SECONDS = 60.0
STOP_GRACE_SECONDS = 60.0  # how long a signal waits for crawls to close and a sending delivery to end
STANDBY_POLL_SECONDS = 5.0  # a standby takes over at most this long after the leader is gone
# Runs that did not complete for a reason of ours, not the site's: they do not count as the source's
# last run, so a restarted daemon crawls the source again at once.
NOT_A_RUN = frozenset({"interrupted"})


def crawl_job_id(source: str) -> str:
    return f"crawl:{source}"


@dataclass(frozen=True)
class WatchOptions:
    """How the daemon runs; everything else comes from the Config.

    sources: the sources to watch (empty: every enabled one). In `once` mode a source named here is
    crawled whether due or not, as the user asked for it; without names only due sources are crawled.
    overrides: Scrapy settings for every crawl (tests and benchmarks turn politeness delays off).
    triggers: per-source APScheduler triggers replacing the config's (benchmarks run sub-minute cycles).
    """

    db_url: str
    routes: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    once: bool = False
    overrides: Mapping[str, Any] = field(default_factory=dict)
    crawl_timeout: float | None = None  # None: the config's watch.crawl_timeout_seconds
    misfire_grace_seconds: int = MISFIRE_GRACE_SECONDS
    delivery_interval_seconds: float = DELIVERY_INTERVAL_SECONDS
    triggers: Mapping[str, Any] | None = None
    metrics_port: int | None = None  # serve /metrics and /healthz here (crawler/monitor/metrics.py); 0: any
    metrics_address: str = "127.0.0.1"
    standby_poll_seconds: float = STANDBY_POLL_SECONDS  # PostgreSQL: how often a standby asks for the lead


@dataclass
class SourceResult:
    """One source's part of a cycle: its crawl and the health check after it."""

    source: str
    outcome: str  # the crawl's outcome ("finished", "timeout", ...) or "error" when it could not start
    run_id: int | None = None
    summary: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None
    health: str | None = None  # a health notice queued now: "failing" | "recovered"

    def text(self) -> str:
        if self.error:
            return f"{self.source} {self.outcome}: {self.error}"
        s = self.summary
        extra = f", health {self.health}" if self.health else ""
        return (f"{self.source} {self.outcome} (run {self.run_id}, {self.pages} pages, "
                f"{s.get('new', 0)} new, {s.get('updated', 0)} updated, {s.get('unchanged', 0)} unchanged, "
                f"{s.get('failed', 0)} failed, {self.seconds:.1f}s{extra})")


@dataclass
class CycleReport:
    """One cycle: the crawls it ran (maybe none) and the delivery after them (None: not run)."""

    number: int
    started: float  # time.time() at the start
    results: list[SourceResult] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    delivery_error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.outcome == "finished" for r in self.results) and self.delivery_error is None

    def line(self) -> str:
        """The one log line of the cycle."""
        crawls = "; ".join(r.text() for r in self.results) or "no source due"
        if self.delivery_error:
            delivery = f"delivery error: {self.delivery_error}"
        elif self.delivery is None:
            delivery = "delivery not run"
        else:
            delivery = f"delivery: {self.delivery.summary()}"
        return f"cycle {self.number}: {crawls}; {delivery}; {self.seconds:.1f}s"


class Watcher:
    """The daemon's state: the config, the database, the delivery lock and the jobs running now."""

    def __init__(self, config: Config, options: WatchOptions, store: Store | None = None) -> None:
        self.config = config
        self.options = options
        self.store = store or Store.open(options.db_url)
        self._owns_store = store is None
        self.sources = list(options.sources) or [s.name for s in config.enabled_sources()]
        self.timeout = float(options.crawl_timeout or config.watch.crawl_timeout_seconds)
        self.stopping = False
        self.cycles = 0
        self.reports: list[CycleReport] = []  # kept for tests and the benchmark; trimmed to the last few
        self.on_cycle: Callable[[CycleReport], None] | None = None
        self.metrics: WatchMetrics | None = None
        self._delivery_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def follow_database(self) -> None:
        """Reopen the database if its file was deleted or replaced since it was opened (module doc)."""
        change = self.store.file_change()
        if change is None:
            return
        if change == "deleted":
            what = "was deleted: reopening it as a new, empty database (its next crawl is a baseline)"
        else:
            what = "was replaced by another file: reopening it, continuing with that database"
        log.warning("the database file %s %s", self.store.file, what)
        old, owned = self.store, self._owns_store
        self.store = Store.open(self.options.db_url)
        self._owns_store = True
        if self.metrics is not None:
            self.metrics.store = self.store
        if owned:
            old.close()  # connections in use elsewhere close when returned; SQLite leaves the new file alone

    # -- what is due ---------------------------------------------------------------------------------

    def due_at(self, now: datetime | None = None) -> dict[str, datetime]:
        """When each watched source is next due (UTC), from its last finished run in the database."""
        now = now or datetime.now(UTC)
        runs = last_finished_runs(self.store, self.sources, ignore=NOT_A_RUN)
        schedules = {source: self.config.schedule_for(source) for source in self.sources}
        return due_times(schedules, runs, now)

    def due_sources(self, now: datetime | None = None) -> list[str]:
        now = now or datetime.now(UTC)
        return [source for source, due in self.due_at(now).items() if is_due(due, now)]

    # -- one source, one delivery, one cycle ----------------------------------------------------------

    async def crawl(self, source: str) -> SourceResult:
        """Crawl one source (with the timeout), then evaluate its health. Never raises but CancelledError."""
        started = time.monotonic()
        try:
            outcome: CrawlOutcome = await crawl_source(
                source, self.config, db_url=self.options.db_url, routes=self.options.routes,
                timeout=self.timeout, overrides=self.options.overrides)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a crawl that cannot start must not stop the schedule
            log.error("crawl of %s could not run: %s", source, " ".join(str(exc).split()) or repr(exc))
            return SourceResult(source, "error", error=" ".join(str(exc).split()) or repr(exc),
                                seconds=time.monotonic() - started)
        result = SourceResult(source, outcome.outcome, outcome.run_id, dict(outcome.summary), outcome.pages,
                              time.monotonic() - started, error=outcome.error)
        if outcome.error is not None:
            # The database refused a write (full, read-only): the crawl stopped and logged it once; a health
            # check would only meet the same error. The cycle line says it again; the next cycle retries.
            return result
        if outcome.outcome == "timeout":
            log.warning("crawl of %s stopped after its %gs timeout (run %s recorded as failed)", source,
                        self.timeout, outcome.run_id)
        if outcome.run_id is not None and outcome.outcome not in NOT_A_RUN:
            try:
                self.follow_database()  # the run was recorded in the file at the path
                # after_run may send an admin notice over SMTP: blocking, so in a thread.
                health = await asyncio.to_thread(after_run, self.store, self.config, source, outcome.run_id)
                result.health = health.notice
            except Exception as exc:
                log.error("health check of %s run %s failed: %s", source, outcome.run_id, exc)
        return result

    async def deliver(self) -> DeliveryReport | None:
        """Send what the outbox holds, one delivery at a time; None once a stop was asked for."""
        async with self._delivery_lock:
            if self.stopping:
                return None
            self.follow_database()
            return await asyncio.to_thread(deliver, self.store, self.config)

    async def cycle(self, sources: Sequence[str]) -> CycleReport:
        """Crawl `sources` concurrently, then deliver once: one full cycle, logged as one line."""
        self.cycles += 1
        report = CycleReport(self.cycles, time.time())
        began = time.monotonic()
        if sources:
            report.results = list(await asyncio.gather(*(self.crawl(s) for s in sources)))
        try:
            report.delivery = await self.deliver()
        except Exception as exc:  # a database error in delivery: the next cycle tries again
            report.delivery_error = " ".join(str(exc).split()) or repr(exc)
        report.seconds = time.monotonic() - began
        # The daemon's SQLite connections keep page caches that fill as the database grows (~0.5 MB per
        # 100 cycles in bench/watch.py, up to 2 MB a connection): close the idle ones between cycles.
        self.store.release_idle_connections()
        log.info("%s", report.line())
        self.reports = [*self.reports[-9:], report]
        if self.metrics is not None:
            self.metrics.record_cycle(report)
        if self.on_cycle is not None:
            self.on_cycle(report)
        return report

    # -- scheduler jobs -------------------------------------------------------------------------------

    async def crawl_job(self, source: str) -> None:
        if self.stopping:
            return
        await self._tracked(self.cycle([source]))

    async def delivery_job(self) -> None:
        if self.stopping:
            return
        try:
            report = await self._tracked(self.deliver())
        except Exception as exc:
            log.error("delivery failed: %s", exc)
            return
        if report is not None and (report.messages or report.retrying or report.failed or report.gave_up
                                   or report.notices_sent):
            log.info("delivery: %s", report.summary())

    async def _tracked(self, awaitable: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            return await awaitable
        finally:
            self._tasks.discard(task)

    def trigger_for(self, source: str) -> Any:
        if self.options.triggers and source in self.options.triggers:
            return self.options.triggers[source]
        return self.config.schedule_for(source).trigger()

    # -- the two modes --------------------------------------------------------------------------------

    async def run_once(self) -> CycleReport:
        """One cycle of every due source (named sources always), then delivery."""
        sources = list(self.options.sources) if self.options.sources else self.due_sources()
        return await self.cycle(sources)

    async def serve(self, stop: asyncio.Event) -> None:
        """Run the schedule until `stop` is set, then shut down cleanly (see the module doc)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        due = self.due_at(now)
        for source in self.sources:
            trigger = self.trigger_for(source)
            if self.options.triggers and source in self.options.triggers:
                # A trigger given in the options (benchmarks) keeps its own timing from the start.
                due[source] = trigger.get_next_fire_time(None, now) or now
            scheduler.add_job(self.crawl_job, trigger, args=[source], id=crawl_job_id(source),
                              name=f"crawl {source}", max_instances=1, coalesce=True,
                              misfire_grace_time=self.options.misfire_grace_seconds,
                              next_run_time=due[source], replace_existing=True)
            log.info("watching %s: next crawl %s", source,
                     "now" if is_due(due[source], now) else due[source].isoformat(timespec="seconds"))
        # Delivery also runs on its own, first right now: alerts left pending before a restart (the mail
        # server was down, the daemon was killed) go out without waiting for the next crawl.
        scheduler.add_job(self.delivery_job, IntervalTrigger(seconds=self.options.delivery_interval_seconds,
                                                             timezone=UTC),
                          id=DELIVERY_JOB, name="deliver alerts", max_instances=1, coalesce=True,
                          misfire_grace_time=self.options.misfire_grace_seconds,
                          next_run_time=now + timedelta(seconds=1), replace_existing=True)
        scheduler.start()
        try:
            await stop.wait()
        finally:
            await self._shut_down(scheduler)

    async def _shut_down(self, scheduler: Any) -> None:
        self.stopping = True
        scheduler.pause()  # nothing new starts
        running = [t for t in self._tasks if not t.done()]
        if running:
            log.info("stopping: closing %d running job(s)", len(running))
        stop_all()  # running crawls close and are recorded "interrupted"
        if running:
            _done, pending = await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # let the scheduler's shutdown (queued on the loop) run


def run_watch(config: Config, options: WatchOptions) -> int:
    """Run the daemon (or one cycle with options.once) on the asyncio reactor; the process exit status.

    0 after a signal or a cycle whose crawls all finished; 1 when a `--once` cycle had a crawl that did not
    finish (a database that filled up included) or a delivery that errored. Raises StorageError when the
    database takes no writes at all. Installs the asyncio reactor and the DNS resolver the settings name:
    call it once per process. Caps glibc's malloc arenas at one first (crawler/monitor/memory.py: with an
    arena per thread the daemon's resident memory crept up cycle after cycle).
    """
    limit_malloc_arenas()  # before any thread of ours starts: threads take their arena at their first malloc
    leadership = leadership_for(options.db_url)
    try:
        leading = leadership.try_acquire()
        if not leading and not leadership.standby_possible:
            raise refuse_second_daemon(leadership)
        if not leading and options.once:
            raise StorageError(f"another newswatch watch ({leadership.holder() or 'unknown'}) leads the "
                               f"monitor on {display_url(options.db_url)}: --once runs only while no daemon "
                               "does")
        return _run_watch(config, options, leadership, leading)
    finally:
        leadership.release()


def _run_watch(config: Config, options: WatchOptions, leadership: Leadership, leading: bool) -> int:
    install_asyncio_reactor()
    # One resolver for the daemon's life, named by the settings every crawl gets (DNS_RESOLVER via --set).
    install_resolver(build_settings(config, db_url=options.db_url, routes=options.routes,
                                    overrides=options.overrides))
    from twisted.internet import reactor as installed

    reactor: Any = installed
    watcher = Watcher(config, options)
    try:
        # A database that takes no writes (read-only) is a set-up problem: one line now, not a failed cycle
        # after every interval. One that fills up later fails its cycles (they say so); the daemon goes on.
        watcher.store.check_writable()
    except BaseException:
        watcher.close()
        raise
    server: MetricsServer | None = None
    if options.metrics_port is not None:
        watcher.metrics = WatchMetrics(config, watcher.store, watcher.sources, timeout=watcher.timeout)
        try:
            server = MetricsServer(watcher.metrics, options.metrics_port, options.metrics_address).start()
        except BaseException:
            watcher.close()
            raise
    stop = asyncio.Event()
    status: list[int] = []
    signals_seen = 0
    main_task: list[asyncio.Task[None]] = []

    def on_signal(signum: int) -> None:
        nonlocal signals_seen
        signals_seen += 1
        name = signal.Signals(signum).name
        if signals_seen == 1:
            log.info("%s received: finishing up (send it again to stop at once)", name)
            watcher.stopping = True
            stop.set()
            if options.once:
                stop_all()
        else:
            log.warning("%s received again: cancelling what is still running", name)
            for task in [*watcher._tasks, *main_task]:
                task.cancel()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            if options.once:
                report = await watcher._tracked(watcher.run_once())
                status.append(0 if report.ok or watcher.stopping else 1)
            elif await _wait_for_lead(leadership, leading, stop, options):
                lost: list[bool] = []
                beat = asyncio.ensure_future(_heartbeat(leadership, stop, options, watcher, lost))
                try:
                    await watcher.serve(stop)
                finally:
                    beat.cancel()
                status.append(1 if lost else 0)
            else:
                status.append(0)  # stopped while standing by
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def start() -> None:
        task = asyncio.ensure_future(main())
        main_task.append(task)
        task.add_done_callback(lambda _: reactor.stop())

    try:
        reactor.callWhenRunning(start)
        reactor.run(installSignalHandlers=False)
    finally:
        if server is not None:
            server.stop()
        watcher.close()
    if main_task and main_task[0].done() and not main_task[0].cancelled():
        error = main_task[0].exception()
        if error is not None:
            raise error
    return status[0] if status else 0


async def _wait_for_lead(leadership: Leadership, leading: bool, stop: asyncio.Event,
                         options: WatchOptions) -> bool:
    """Stand by until this daemon leads (true) or is stopped (false). Only PostgreSQL has standbys."""
    where = display_url(options.db_url)
    if not leading:
        log.info("standby: %s leads the monitor on %s; taking over when it stops (asking every %gs)",
                 leadership.holder() or "another daemon", where, options.standby_poll_seconds)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), options.standby_poll_seconds)
            if stop.is_set():
                return False
            if await asyncio.to_thread(leadership.try_acquire):
                break
    if leadership.standby_possible:
        log.info("leading the monitor on %s", where)
    return True


async def _heartbeat(leadership: Leadership, stop: asyncio.Event, options: WatchOptions, watcher: Watcher,
                     lost: list[bool]) -> None:
    """While leading: check the lead every poll; lost (the database connection broke, so another daemon may
    lead already) means stop at once, so that no crawl runs twice and no alert is sent twice."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), options.standby_poll_seconds)
        if stop.is_set() or await asyncio.to_thread(leadership.holds):
            continue
        log.error("lost the lead of the monitor on %s (its database connection broke): stopping",
                  display_url(options.db_url))
        lost.append(True)
        watcher.stopping = True
        stop_all()
        stop.set()
