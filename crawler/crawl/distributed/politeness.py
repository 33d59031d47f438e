"""The per-site delay, global: one request to a host per delay across every worker of the fleet.

Scrapy's DOWNLOAD_DELAY is per process, so N workers would hit a site N times as often. Before each request
(robots.txt included: this middleware runs last) the worker takes the host's key in Redis with SET NX PX
<delay>; while another worker holds it, it waits the key's remaining time and tries again. The key expires by
itself, so a killed worker never blocks a site for longer than one delay.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.crawl.distributed.frontier import Frontier, frontier_for
from crawler.crawl.distributed.settings import OPTIONS_SETTING, Options


class GlobalDelayMiddleware:
    def __init__(self, crawler: Crawler | None, delay_seconds: float, frontier: Frontier | None = None):
        self.crawler = crawler
        self.delay_ms = max(1, int(delay_seconds * 1000))
        self._frontier = frontier

    @property
    def frontier(self) -> Frontier:
        if self._frontier is None:
            assert self.crawler is not None
            self._frontier = frontier_for(self.crawler)
        return self._frontier

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GlobalDelayMiddleware:
        if not crawler.settings.get(OPTIONS_SETTING):
            raise NotConfigured("not a distributed crawl")
        options = Options.from_settings(crawler.settings)
        if options.delay_seconds <= 0:
            raise NotConfigured("no per-site delay")
        return cls(crawler, options.delay_seconds)

    async def process_request(self, request: Request, spider: object = None) -> None:
        frontier = self.frontier
        key = frontier.keys.polite((urlsplit(request.url).hostname or "").lower())
        waited = 0
        while not frontier.redis.set(key, frontier.worker, px=self.delay_ms, nx=True):
            remaining = frontier.redis.pttl(key)
            pause = (remaining if isinstance(remaining, int) and remaining > 0 else 5) / 1000
            waited += 1
            await asyncio.sleep(pause)
        if waited and self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("newswatch/distributed/polite_waits")
