"""Scrapy extensions: the database a crawl shares, the crawl-run record, and live progress on a terminal.

- crawl_store(crawler): the one Store of a crawl (NEWSWATCH_DB), opened on first use by any component and
  closed when the engine stops. None when no database is configured: plain `scrapy crawl -O out.jsonl`.
- RunRecorder: spider_opened -> store.start_run(spider, args); spider_closed -> store.finish_run(run_id,
  outcome, stats). The run id: `crawler.get_extension(RunRecorder).run_id`, and the `newswatch/run_id` stat.
- Progress: with NEWSWATCH_PROGRESS on and stderr a terminal, one status line rewritten every second (pages
  fetched, articles new/updated/unchanged/irrelevant/failed per source); silent otherwise.
- storage_failed(crawler, exc): a write that failed (read-only, full database) ends the crawl: the first
  message is logged and kept (stat `newswatch/storage_error`), the spider closes with "storage_error". Every
  later write would fail the same way; the transactions roll back, so nothing is half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.config import Config
from crawler.core.errors import StorageError
from crawler.crawl.configured import read_config
from storage import Store

logger = logging.getLogger(__name__)

DB_SETTING = "NEWSWATCH_DB"
PROGRESS_SETTING = "NEWSWATCH_PROGRESS"
TOPIC_SETTING = "NEWSWATCH_TOPIC"

# The summary of a crawl: label -> the stat it is read from.
SUMMARY_STATS = {
    "new": "newswatch/articles/new",
    "updated": "newswatch/articles/updated",
    "unchanged": "newswatch/articles/unchanged",
    "irrelevant": "newswatch/articles/irrelevant",
    "failed": "newswatch/parse_failed",
    "deleted": "newswatch/articles/deleted",
}


def db_url_of(value: str) -> str:
    """A NEWSWATCH_DB value as a URL: a plain path means an SQLite file (as for the environment variable)."""
    value = value.strip()
    return value if "://" in value else f"sqlite:///{value}"


class _StoreHandle:
    def __init__(self, store: Store) -> None:
        self.store = store

    def close(self) -> None:
        self.store.close()


_STORES: weakref.WeakKeyDictionary[Crawler, _StoreHandle] = weakref.WeakKeyDictionary()


def crawl_store(crawler: Crawler) -> Store | None:
    """The crawl's Store, shared by its pipelines, middlewares and extensions; None without NEWSWATCH_DB.

    One engine per crawl rather than one per component: fewer connections contending for SQLite's lock.
    """
    url = crawler.settings.get(DB_SETTING)
    if not url:
        return None
    handle = _STORES.get(crawler)
    if handle is None:
        handle = _StoreHandle(Store.open(db_url_of(str(url))))
        _STORES[crawler] = handle
        # engine_stopped comes after every spider_closed handler and pipeline close has run.
        crawler.signals.connect(handle.close, signal=signals.engine_stopped)
    return handle.store


STORAGE_ERROR_REASON = "storage_error"  # the finish reason (and run outcome) of a crawl ended by the database
STORAGE_ERROR_STAT = "newswatch/storage_error"  # the first storage error's one-line message
STORAGE_ERRORS_STAT = "newswatch/storage_errors"  # how many writes failed
_CLOSING: set[asyncio.Future[None]] = set()  # close tasks under way (asyncio keeps only weak references)


def storage_error(crawler: Crawler) -> str | None:
    """The one-line message of the storage error that ended this crawl, or None."""
    stats = crawler.stats
    value = stats.get_value(STORAGE_ERROR_STAT) if stats is not None else None
    return str(value) if value else None


def storage_failed(crawler: Crawler, exc: StorageError) -> None:
    """A write of this crawl failed: count it; the first one is logged and closes the spider.

    Going on would fail every later write the same way (and fetch pages for nothing), so the crawl stops
    with the reason "storage_error" and the command reports the message on one line.
    """
    stats = crawler.stats
    if stats is not None:
        stats.inc_value(STORAGE_ERRORS_STAT)
    if storage_error(crawler) is not None:
        return
    message = " ".join(str(exc).split())
    if stats is not None:
        stats.set_value(STORAGE_ERROR_STAT, message)
    logger.error("storage error, stopping the crawl: %s", message)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not inside a running crawl (a component used on its own): nothing to close
        return
    task = loop.create_task(_close_spider(crawler))
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


async def _close_spider(crawler: Crawler) -> None:
    for _ in range(50):  # a spider still opening has no engine slot for a moment
        engine = crawler.engine
        if engine is None:
            return
        if engine.spider is not None and getattr(engine, "_slot", None) is not None:
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                await engine.close_spider_async(reason=STORAGE_ERROR_REASON)
            return
        await asyncio.sleep(0.1)


def crawl_config(crawler: Crawler) -> Config:
    """The crawl's config: the object the runner passed, else the file NEWSWATCH_CONFIG names."""
    return read_config(crawler.settings)


def summary_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """Articles new / updated / unchanged / irrelevant / failed / deleted, from a crawl's stats."""
    return {label: int(stats.get(key, 0) or 0) for label, key in SUMMARY_STATS.items()}


def outcome_for(stats: Mapping[str, Any], forced: str | None = None) -> str:
    """A run's outcome from its stats: "unreachable" when not one response arrived but downloads failed,
    else Scrapy's finish reason ("finished", "closespider_timeout", ...); `forced` wins over both."""
    if forced:
        return forced
    responses = int(stats.get("downloader/response_count", 0) or 0)
    failures = int(stats.get("downloader/exception_count", 0) or 0)
    if responses == 0 and failures > 0:
        return "unreachable"
    return str(stats.get("finish_reason") or "unknown")


def _jsonable(stats: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()}


class RunRecorder:
    """Records each crawl as a crawl run in the database (EXTENSIONS; off without NEWSWATCH_DB)."""

    def __init__(self, crawler: Crawler, store: Store) -> None:
        self.crawler = crawler
        self.store = store
        self.run_id: int | None = None
        self.outcome: str | None = None
        self.final_stats: dict[str, Any] | None = None
        self._forced: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        store = crawl_store(crawler)
        if store is None:
            raise NotConfigured  # no database (NEWSWATCH_DB)
        recorder = cls(crawler, store)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def force_outcome(self, outcome: str) -> None:
        """Record this outcome whatever Scrapy's finish reason (a timeout, an interrupt)."""
        self._forced = outcome

    def run_args(self, spider: Spider) -> dict[str, Any]:
        args: dict[str, Any] = dict(getattr(spider, "arguments", {}) or {})
        for name in ("since", "until"):
            value = getattr(spider, name, None)
            if value is not None:
                args[name] = value.isoformat()
        if getattr(spider, "exhaustive", False):
            args["exhaustive"] = True
        topic = self.crawler.settings.get(TOPIC_SETTING)
        if topic:
            args["topic"] = topic
        # Kept so the next run can tell whether the topics changed since (crawler/crawl/incremental.py).
        args["topics_fingerprint"] = crawl_config(self.crawler).topics_fingerprint()
        return args

    def spider_opened(self, spider: Spider) -> None:
        try:
            self.run_id = self.store.start_run(spider.name, self.run_args(spider))
        except StorageError as exc:
            storage_failed(self.crawler, exc)
            return
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("newswatch/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats is not None else {}
        stats.setdefault("finish_reason", reason)
        forced = self._forced or (STORAGE_ERROR_REASON if storage_error(self.crawler) else None)
        self.outcome = outcome_for(stats, forced)
        if self.outcome != stats["finish_reason"]:
            # Health checks read finish_reason: a crawl that reached nothing, timed out or was interrupted
            # did not "finish". Scrapy's own reason is kept beside it.
            stats["scrapy/finish_reason"] = stats["finish_reason"]
            stats["finish_reason"] = self.outcome
        self.final_stats = _jsonable(stats)
        if self.run_id is not None:
            try:
                self.store.finish_run(self.run_id, self.outcome, self.final_stats, datetime.now(UTC))
            except StorageError as exc:
                # The run stays open (outcome NULL), as for a crawl that died: counted as not finished.
                storage_failed(self.crawler, exc)


class _StatusLine:
    """The one status line all crawls of the process share, rewritten every second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.crawls: dict[str, Crawler] = {}
        self.loop: Any = None

    def add(self, name: str, crawler: Crawler) -> None:
        self.crawls[name] = crawler
        if self.loop is None:
            from twisted.internet.task import LoopingCall

            self.loop = LoopingCall(self.draw)
            self.loop.start(1.0, now=True)

    def remove(self, name: str) -> None:
        self.crawls.pop(name, None)
        if not self.crawls and self.loop is not None:
            self.loop.stop()
            self.loop = None
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
        else:
            self.draw()

    def text(self) -> str:
        parts = []
        for name, crawler in self.crawls.items():
            stats = crawler.stats.get_stats() if crawler.stats is not None else {}
            counts = summary_counts(stats)
            pages = int(stats.get("downloader/response_count", 0) or 0)
            parts.append(f"{name}: {pages} pages, {counts['new']} new, {counts['updated']} updated, "
                         f"{counts['unchanged']} unchanged, {counts['irrelevant']} irrelevant, "
                         f"{counts['failed']} failed")
        return " | ".join(parts)

    def draw(self) -> None:
        self.stream.write("\r\x1b[2K" + self.text())
        self.stream.flush()


_LINE: _StatusLine | None = None


class Progress:
    """Live progress on stderr (EXTENSIONS; on with NEWSWATCH_PROGRESS when stderr is a terminal)."""

    def __init__(self, crawler: Crawler, line: _StatusLine) -> None:
        self.crawler = crawler
        self.line = line
        self.name = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        global _LINE
        stream = sys.stderr
        if not crawler.settings.getbool(PROGRESS_SETTING) or not stream.isatty():
            raise NotConfigured  # progress is shown on a terminal only
        if _LINE is None or _LINE.stream is not stream:
            _LINE = _StatusLine(stream)
        progress = cls(crawler, _LINE)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self, spider: Spider) -> None:
        self.name = spider.name
        self.line.add(self.name, self.crawler)

    def spider_closed(self, spider: Spider) -> None:
        self.line.remove(self.name)
