"""A process of the fleet: heartbeat, acknowledgement of finished requests, staying up until the crawl drains.

The extension is inert unless the crawl is distributed (NEWSWATCH_DISTRIBUTED, set by settings.py).

- A thread renews its lease (and the seeder its "discovering" mark) every third of the lease: a thread, so a
  reactor busy parsing a large page for a while does not make a live worker look dead.
- Every tick it reclaims the requests of workers whose lease ran out and wakes the engine, whose own idle
  check runs only every 5 s.
- A popped request is acknowledged once the scraper is done with it: the callback ran and every item it
  yielded went through the pipelines (stored). Scrapy has no signal for that moment, so the scraper's
  `_scrape` coroutine is wrapped (Scrapy 2.13-2.19; checked at start).
- A worker asked to close while the fleet still has work (queued, held by others, discovery under way) does
  not close; once everything has drained for `idle_exit_seconds` it does.
- On a clean close it hands back what it still holds at once; after a SIGKILL the others do, after the lease.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.asyncio import create_looping_call
from twisted.python.failure import Failure

from crawler.crawl.distributed.frontier import LEASE_META, Frontier, frontier_for
from crawler.crawl.distributed.settings import OPTIONS_SETTING, Options

logger = logging.getLogger(__name__)
TICK_SECONDS = 0.2


class FleetMember:
    def __init__(self, crawler: Crawler, options: Options):
        self.crawler = crawler
        self.options = options
        self.frontier: Frontier | None = None
        self.loop: Any = None
        self.drained_since: float | None = None
        self.last_reclaim = 0.0
        self.stopping = threading.Event()
        self.beater: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetMember:
        if not crawler.settings.get(OPTIONS_SETTING):
            raise NotConfigured("not a distributed crawl")
        member = cls(crawler, Options.from_settings(crawler.settings))
        crawler.signals.connect(member.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(member.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(member.spider_closed, signal=signals.spider_closed)
        return member

    @property
    def worker(self) -> bool:
        return self.options.role == "worker"

    def spider_opened(self, spider: Spider) -> None:
        self.frontier = frontier_for(self.crawler)
        self.beat()
        self.beater = threading.Thread(target=self._beat_forever, name="newswatch-heartbeat", daemon=True)
        self.beater.start()
        self.reclaim(force=True)
        if self.worker:
            self._ack_when_scraped()
        self.loop = create_looping_call(self.tick)
        self.loop.start(TICK_SECONDS, now=False)
        logger.info("fleet member %s (%s) of %s", self.frontier.worker, self.options.role,
                    self.frontier.keys.base)

    def _ack_when_scraped(self) -> None:
        assert self.crawler.engine is not None and self.frontier is not None
        scraper = self.crawler.engine.scraper
        original = scraper._scrape
        frontier = self.frontier

        async def scrape_then_ack(result: Response | Failure, request: Request) -> None:
            try:
                await original(result, request)
            finally:
                payload = request.meta.get(LEASE_META)
                if payload is not None:
                    frontier.ack(payload)

        scraper._scrape = scrape_then_ack  # type: ignore[method-assign]

    def beat(self) -> None:
        assert self.frontier is not None
        self.frontier.heartbeat()
        if self.options.role == "seed":
            self.frontier.seeding(True)

    def _beat_forever(self) -> None:
        while not self.stopping.wait(self.options.lease_seconds / 3):
            try:
                self.beat()
            except Exception:  # Redis unreachable for a moment: the next beat tries again
                logger.exception("heartbeat to Redis failed")

    def reclaim(self, force: bool = False) -> None:
        assert self.frontier is not None
        now = time.monotonic()
        if self.worker and (force or now - self.last_reclaim >= self.options.lease_seconds / 2):
            self.frontier.reclaim()
            self.last_reclaim = now

    def tick(self) -> None:
        try:
            self.reclaim()
        except Exception:  # Redis unreachable for a moment: the next tick tries again
            logger.exception("reclaiming from Redis failed")
            return
        slot = getattr(self.crawler.engine, "_slot", None)
        if self.worker and slot is not None:
            slot.nextcall.schedule()  # look at the shared queue now, not at the engine's 5 s heartbeat

    def spider_idle(self, spider: Spider) -> None:
        if not self.worker or self.frontier is None:
            return
        if not self.frontier.drained():
            self.drained_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.drained_since is None:
            self.drained_since = now
        if now - self.drained_since < self.options.idle_exit_seconds:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.stopping.set()
        if self.beater is not None:
            self.beater.join(timeout=5)
        if self.frontier is None:
            return
        if self.options.role == "seed":
            self.frontier.seeding(False)
        moved = self.frontier.release()
        if moved:
            logger.info("handed %d unfinished request(s) back to the queue", moved)


class NoStartInWorkers:
    """Spider middleware: a worker sends no start requests of its own; its work comes from the queue."""

    def __init__(self, role: str):
        self.role = role

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NoStartInWorkers:
        if not crawler.settings.get(OPTIONS_SETTING):
            raise NotConfigured("not a distributed crawl")
        return cls(Options.from_settings(crawler.settings).role)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if self.role != "worker":
            async for item in start:
                yield item
