"""Retries that wait: exponential backoff, and Retry-After honoured on 429/503, without blocking the reactor.

Scrapy's RetryMiddleware re-schedules a failed request at once, which hammers a site that just said "slow
down". This subclass keeps its settings and stats (RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS,
retry/count...) and only adds the wait: the retry is returned after an asynchronous sleep on the reactor, so
other downloads go on meanwhile, and the engine keeps the request counted as in flight (no early close).

Settings: NEWSWATCH_RETRY_BACKOFF_BASE (seconds before the first retry, doubled each time),
NEWSWATCH_RETRY_BACKOFF_MAX (cap on any wait, Retry-After included).
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import task

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or invalid."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float = 0.0) -> float:
    """base * 2**(attempt-1), plus up to `jitter` of itself at random, capped: attempt 1 waits `base`."""
    delay = base * (2 ** max(0, attempt - 1))
    if jitter:
        delay += delay * jitter * random.random()
    return min(delay, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Drop-in replacement for scrapy's RetryMiddleware (same priority, 550) that waits before retrying."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.base = settings.getfloat("NEWSWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("NEWSWATCH_RETRY_BACKOFF_MAX", 120.0)
        self.jitter = settings.getfloat("NEWSWATCH_RETRY_BACKOFF_JITTER", 0.1)

    def delay_for(self, request: Request, response: Response | None = None) -> float:
        """The wait before retry number (retry_times + 1) of `request`."""
        attempt = request.meta.get("retry_times", 0) + 1
        delay = backoff_seconds(attempt, self.base, self.cap, self.jitter)
        if response is not None:
            told = retry_after_seconds(response.headers.get(b"Retry-After"))
            if told is not None:
                # The server's word beats our guess, in both directions, within the cap.
                delay = min(told, self.cap)
        return delay

    async def _wait(self, delay: float) -> None:
        if delay <= 0:
            return
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = self.delay_for(request, response)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newswatch/retry/waited_seconds", int(delay))
        logger.debug("waiting %.1fs before retrying %s (HTTP %s)", delay, request.url, response.status)
        await self._wait(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: object = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._wait(self.delay_for(request))
        return retry
