"""The fleet's duplicate filter: keyed by the article identity, with entries that expire.

scrapy-redis keys its filter by the request fingerprint (the raw URL) and keeps it forever. Here the key is
what crawler/extract/urls.py says the article is (`source:article id`; the canonical URL for pages that are
not articles), so the m. and www. addresses or a tracking parameter do not make two fetches; and each entry is
a member of a sorted set scored by its expiry time, so a months-long monitor's Redis memory stays bounded: the
check prunes what expired, and the whole key expires when nothing was added for a TTL.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.extract.urls import article_id_for, canonical_url, site_of

logger = logging.getLogger(__name__)

# KEYS[1] the sorted set; ARGV: now (ms), ttl (ms), identity. 1 when seen and not expired, else records it.
_SEEN = """
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return 0
"""


def identity_of(request: Request) -> str:
    """`source:article id` for an article (the spider's id when it set one), else `url:canonical URL`."""
    url = request.url
    source = request.meta.get("nw_source") or site_of(url)
    article_id = request.meta.get("nw_article_id") or article_id_for(url)
    if source and article_id:
        return f"{source}:{article_id}"
    return f"url:{canonical_url(url)}"


class SeenFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter on article identities with a TTL per entry."""

    def __init__(self, server: redis.Redis, key: str, ttl_seconds: float, debug: bool = False):
        super().__init__(server, key, debug)
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self._seen = server.register_script(_SEEN)

    def request_fingerprint(self, request: Request) -> str:
        return identity_of(request)

    def request_seen(self, request: Request) -> bool:
        now = int(time.time() * 1000)
        return bool(self._seen(keys=[self.key], args=[now, self.ttl_ms, identity_of(request)]))

    def log(self, request: Request, spider: Any) -> None:
        logger.debug("already queued by the fleet: %s", request.url)
