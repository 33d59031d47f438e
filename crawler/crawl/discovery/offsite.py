"""Only allowed hosts are fetched: a downloader middleware keyed on the real host of every request.

Scrapy's OffsiteMiddleware works from `allowed_domains`; ours reads the spider's `allowed_hosts` (exact host
names or `*.domain`, from config) and runs before robots.txt (priority 50), so not even a robots.txt is
fetched from a host we may not visit. Redirects and retries pass through it again, so a redirect off the
allowed hosts is dropped too. Requests may opt out with meta `nw_any_host` (never used by the spiders).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether `host` matches one of `patterns`: exact names, or `*.example.com` (the domain and below)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern.startswith("*."):
            if host == pattern[2:] or host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


class AllowedHostsMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedHostsMiddleware:
        return cls(crawler)

    def _patterns(self, spider: Spider | None) -> list[str] | None:
        patterns = getattr(spider, "allowed_hosts", None)
        return list(patterns) if patterns is not None else None

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        patterns = self._patterns(spider or self.crawler.spider)
        if patterns is None or request.meta.get("nw_any_host"):
            return
        from scrapy.utils.httpobj import urlparse_cached

        host = urlparse_cached(request).hostname or ""
        if not host_allowed(host, patterns):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newswatch/offsite/filtered")
                self.crawler.stats.inc_value(f"newswatch/offsite/host/{host}")
            logger.debug("not fetching %s: host %s is not allowed", request.url, host)
            raise IgnoreRequest(f"host not allowed: {host}")
