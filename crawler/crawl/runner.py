"""Running crawls in-process: one spider per source on the asyncio reactor, with a result per source.

    outcome = await crawl_source("liputan6", config, since=date(2022, 1, 1), timeout=900)   # inside a loop
    outcomes = run_crawls_blocking(["liputan6", "bbc"], config)                               # one-off

`crawl_source` is what a long-running process (the `watch` daemon) awaits on its one asyncio reactor; it
never starts or stops the reactor. `run_crawls_blocking` is for the one-off `newswatch crawl`: it installs
the asyncio reactor, runs the crawls concurrently to completion and returns.

The DNS resolver is the reactor's, so it is installed once per process, right after the reactor
(`install_resolver`, as Scrapy's CrawlerProcess does; AsyncCrawlerRunner leaves that to its caller):
`run_crawls_blocking` and the `watch` daemon do it with the settings their crawls get.

With a database configured (always, through build_settings), the crawl stores what it finds
(crawl/pipelines.py), skips what it already knows (crawl/incremental.py), is recorded as a crawl run
(crawl/extensions.py); the run id and the summary come back in the CrawlOutcome.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings, Settings
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.config import Config
from crawler.core.errors import ConfigError
from crawler.crawl.configured import crawl_settings
from crawler.crawl.extensions import (
    STORAGE_ERROR_REASON,
    RunRecorder,
    outcome_for,
    storage_error,
    summary_counts,
)
from crawler.crawl.routing import parse_routes

logger = logging.getLogger(__name__)

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
SUMMARY_KEYS = ("new", "updated", "unchanged", "irrelevant", "failed", "deleted")

# Crawlers running in this process, so that an interrupt (Ctrl-C) can close them cleanly: their runs are
# then recorded as "interrupted" instead of being left open.
_ACTIVE: weakref.WeakSet[Crawler] = weakref.WeakSet()
_STOPPING: set[asyncio.Future[None]] = set()  # stop tasks under way (asyncio keeps only weak references)
# The signal (SIGINT, SIGTERM) that interrupted the last run_crawls_blocking, if one did: the command exits
# with 128 + it, as a shell reports a process a signal ended.
INTERRUPTED_BY: list[int] = []


@dataclass
class CrawlOutcome:
    """What one crawl of one source did.

    outcome: "finished", "timeout", "interrupted", "unreachable" (not a single response: no network, DNS or
    connection failures only), "storage_error" (a write failed: read-only or full database; `error` says
    which) or Scrapy's finish reason for anything else ("closespider_timeout", ...).
    summary: articles new / updated / unchanged / irrelevant / failed / deleted. pages: responses received.
    """

    source: str
    run_id: int | None
    outcome: str
    stats: dict[str, Any]
    summary: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    error: str | None = None  # the one-line storage error that ended the crawl

    @property
    def ok(self) -> bool:
        return self.outcome == "finished"

    @property
    def unreachable(self) -> bool:
        return self.outcome == "unreachable"


def build_settings(config: Config, *, db_url: str | None = None, routes: Mapping[str, str] | None = None,
                   overrides: Mapping[str, Any] | None = None) -> Settings:
    """Scrapy settings for a newswatch crawl.

    Layers, lowest first: crawl/settings.py, the config's [crawl] values that a layer above settings.py set
    (its file, the environment, --set: project priority; see configured.crawl_settings), the config's
    [routes] with `routes` over them host by host, the database (`db_url`, else the config's storage.url),
    the config file path and object (so components read the same config), then `overrides` (cmdline
    priority). Raises ConfigError for a bad route.
    """
    settings = Settings()
    settings.setmodule("crawler.crawl.settings", priority="project")
    settings.setdict(crawl_settings(config), priority="project")
    merged = {r.host: r.base for r in parse_routes(dict(config.routes))}
    merged.update({r.host: r.base for r in parse_routes(dict(routes or {}))})
    # JSON text, not a dict: the setting then survives `-s`-style copies and subprocesses unchanged.
    settings.set("NEWSWATCH_ROUTES", json.dumps(merged) if merged else "", priority="cmdline")
    settings.set("NEWSWATCH_DB", db_url or config.storage.url, priority="cmdline")
    if config.path is not None:
        settings.set("NEWSWATCH_CONFIG", str(config.path), priority="cmdline")
    settings.set("NEWSWATCH_CONFIG_OBJECT", config, priority="cmdline")
    settings.set("NEWSWATCH_RECHECK_WINDOW_HOURS", config.crawl.recheck_window_hours, priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def spider_arguments(since: date | str | None = None, until: date | str | None = None,
                     exhaustive: bool = False) -> dict[str, str]:
    """The spider arguments (`-a`) of a crawl: YYYY-MM-DD days, exhaustive=1."""
    args: dict[str, str] = {}
    if since is not None:
        args["since"] = since.isoformat() if isinstance(since, date) else str(since)
    if until is not None:
        args["until"] = until.isoformat() if isinstance(until, date) else str(until)
    if exhaustive:
        args["exhaustive"] = "1"
    return args


async def crawl_source(source: str, config: Config, *, db_url: str | None = None,
                       since: date | str | None = None, until: date | str | None = None,
                       topic: str | None = None, exhaustive: bool = False,
                       routes: Mapping[str, str] | None = None, timeout: float | None = None,
                       overrides: Mapping[str, Any] | None = None) -> CrawlOutcome:
    """Crawl one source on the running asyncio reactor and return what happened.

    Needs the asyncio reactor installed and running (the `watch` daemon's loop, or run_crawls_blocking).
    A crawl still running after `timeout` seconds is stopped and recorded as failed ("timeout"). Raises
    NewswatchError (ConfigError...) when the crawl cannot start: bad config, unknown source.
    """
    extra = dict(overrides or {})
    if topic:
        extra["NEWSWATCH_TOPIC"] = topic
    settings = build_settings(config, db_url=db_url, routes=routes, overrides=extra)
    runner = AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(source)
    _ACTIVE.add(crawler)
    task = runner.crawl(crawler, **spider_arguments(since, until, exhaustive))
    timed_out = False
    try:
        if timeout is None:
            await task
        else:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except TimeoutError:
                timed_out = True
                logger.warning("crawl of %s still running after %ss: stopping it", source, timeout)
                recorder = _recorder(crawler)
                if recorder is not None:
                    recorder.force_outcome("timeout")
                await close_crawl(crawler, "timeout")
                await task
    finally:
        _ACTIVE.discard(crawler)
    recorder = _recorder(crawler)
    stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
    if recorder is not None and recorder.final_stats is not None:
        stats = dict(recorder.final_stats)
    outcome = recorder.outcome if recorder is not None and recorder.outcome else outcome_for(stats)
    if timed_out:
        outcome = "timeout"
    # Also when the write that failed came after the recorder's own close (the listing validators).
    error = storage_error(crawler)
    if error is not None:
        outcome = STORAGE_ERROR_REASON
    return CrawlOutcome(source=source, run_id=recorder.run_id if recorder is not None else None,
                        outcome=outcome, stats=stats, summary=summary_counts(stats),
                        pages=int(stats.get("downloader/response_count", 0) or 0), error=error)


def _recorder(crawler: Crawler) -> RunRecorder | None:
    try:
        return crawler.get_extension(RunRecorder)
    except (KeyError, RuntimeError, AttributeError):
        return None


async def close_crawl(crawler: Crawler, reason: str) -> None:
    """Stop a running crawl: close its spider with `reason` (requests in flight finish or time out first).

    Closing the spider, as Scrapy's CloseSpider extension does, rather than Crawler.stop_async(): a stop
    that races the engine's own idle close can wait forever for a close that already happened.
    """
    for _ in range(50):  # a crawl still starting up opens its spider within moments
        if crawler.engine is not None and crawler.engine.spider is not None:
            await crawler.engine.close_spider_async(reason=reason)
            return
        await asyncio.sleep(0.1)
    await crawler.stop_async()


def install_asyncio_reactor() -> None:
    """Install the asyncio reactor (once per process, before anything imports twisted's reactor)."""
    from scrapy.utils.reactor import install_reactor, is_asyncio_reactor_installed

    install_reactor(ASYNCIO_REACTOR)
    if not is_asyncio_reactor_installed():
        raise RuntimeError("another Twisted reactor is already installed; the asyncio one is needed")


def resolver_path(settings: BaseSettings) -> str:
    """The resolver class a crawl asks for: TWISTED_DNS_RESOLVER, or the older DNS_RESOLVER when that one was
    set with a higher priority (Scrapy's own rule: a DNS_RESOLVER given on the command line still counts)."""
    legacy = settings.getpriority("DNS_RESOLVER") or 0
    current = settings.getpriority("TWISTED_DNS_RESOLVER") or 0
    if legacy > SETTINGS_PRIORITIES["default"] and legacy >= current:
        return str(settings["DNS_RESOLVER"])
    return str(settings["TWISTED_DNS_RESOLVER"])


class _SettingsHolder:
    """What a resolver's from_crawler reads before any crawler exists: only `.settings` (Scrapy's
    CrawlerProcess passes itself the same way)."""

    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings


def install_resolver(settings: BaseSettings) -> Any:
    """Install the DNS resolver `settings` name on the running process's reactor, and size its thread pool
    (REACTOR_THREADPOOL_MAXSIZE), as CrawlerProcess.start does; returns the resolver.

    Once per process, after install_asyncio_reactor: the reactor has one resolver for every crawl. Raises
    ConfigError when the resolver class cannot be loaded.
    """
    from twisted.internet import reactor as installed

    reactor: Any = installed
    path = resolver_path(settings)
    try:
        resolver_class = load_object(path)
    except (ImportError, NameError, ValueError, AttributeError) as exc:
        raise ConfigError(f"DNS_RESOLVER: cannot load the resolver {path!r} ({exc})") from exc
    holder: Any = _SettingsHolder(settings)
    resolver = build_from_crawler(resolver_class, holder, reactor=reactor)
    resolver.install_on_reactor()
    reactor.getThreadPool().adjustPoolsize(maxthreads=settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
    return resolver


def stop_all() -> None:
    """Close every crawl running in this process; each is recorded as "interrupted"."""
    for crawler in list(_ACTIVE):
        recorder = _recorder(crawler)
        if recorder is not None:
            recorder.force_outcome("interrupted")
        _STOPPING.add(asyncio.ensure_future(close_crawl(crawler, "shutdown")))


def run_crawls_blocking(sources: Iterable[str], config: Config, **kw: Any) -> list[CrawlOutcome]:
    """Crawl `sources` concurrently to completion in this process (installs and runs the asyncio reactor).

    Keyword arguments are crawl_source's. Exceptions of a crawl (ConfigError...) are raised after every
    crawl has ended. For one-off commands only: a Twisted reactor cannot be started twice in a process.
    """
    install_asyncio_reactor()
    # The resolver named by the settings the crawls get (the per-source parts do not touch DNS settings).
    install_resolver(build_settings(config, db_url=kw.get("db_url"), routes=kw.get("routes"),
                                    overrides=kw.get("overrides")))
    from twisted.internet import reactor as installed

    reactor: Any = installed  # the asyncio reactor; twisted's stubs type the module as IReactorCore
    names = list(sources)
    results: list[Any] = []
    tasks: list[asyncio.Future[None]] = []

    interrupts = 0

    async def one(name: str) -> CrawlOutcome:
        if interrupts:  # the signal came before this crawl existed: stop_all could not see it
            return CrawlOutcome(source=name, run_id=None, outcome="interrupted", stats={})
        return await crawl_source(name, config, **kw)

    async def main() -> None:
        results.extend(await asyncio.gather(*(one(name) for name in names), return_exceptions=True))

    def on_signal(signum: int, _frame: Any) -> None:
        nonlocal interrupts
        interrupts += 1
        INTERRUPTED_BY[:] = [signum]
        if interrupts == 1:
            logger.warning("interrupted: closing the crawls (interrupt again to stop at once)")
            reactor.callFromThread(stop_all)
        else:
            reactor.callFromThread(reactor.stop)

    def start() -> None:
        task = asyncio.ensure_future(main())
        task.add_done_callback(lambda _: reactor.stop())
        tasks.append(task)

    INTERRUPTED_BY.clear()
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reactor.callWhenRunning(start)
        reactor.run(installSignalHandlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if interrupts and len(results) < len(names):
        raise KeyboardInterrupt
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)
