"""The shared queue: a reliable FIFO in Redis, and the Scrapy scheduler of either role on top of scrapy-redis.

scrapy-redis pops a request off the shared list and forgets it: a worker killed with SIGKILL loses whatever it
had popped. Here a pop moves the request atomically (LMOVE) into the worker's own processing list, where it
stays until the worker has finished it (response parsed and its items through the pipelines, or the request
replaced by its retry or redirect, which is queued in the same transaction). Every worker heartbeats a key
that expires after the lease; any worker finding a registered worker without that key moves the dead
worker's processing list back onto the queue (one Lua script, so two reclaimers cannot both move it).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import weakref
from typing import Any

import redis
from scrapy import Request
from scrapy.core.scheduler import Scheduler as LocalScheduler
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from scrapy_redis import picklecompat
from scrapy_redis.queue import FifoQueue
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.crawl.distributed.keys import Keys
from crawler.crawl.distributed.seen import SeenFilter, identity_of
from crawler.crawl.distributed.settings import Options
from crawler.extract.urls import is_article_url

logger = logging.getLogger(__name__)

LEASE_META = "nw_lease"  # the raw payload a request was popped as: its entry in the processing list

# Move the processing lists of registered workers whose heartbeat key expired back onto the queue.
_RECLAIM = """
local moved = 0
for _, wid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. ':alive:' .. wid) == 0 then
    local processing = ARGV[1] .. ':processing:' .. wid
    while redis.call('LMOVE', processing, KEYS[2], 'LEFT', 'RIGHT') do moved = moved + 1 end
    redis.call('SREM', KEYS[1], wid)
  end
end
return moved
"""

# Drained: nothing queued, nothing in any worker's hands, no seeder discovering. Returns 1 or 0.
_DRAINED = """
if redis.call('LLEN', KEYS[2]) > 0 or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
for _, wid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('LLEN', ARGV[1] .. ':processing:' .. wid) > 0 then return 0 end
end
return 1
"""


def new_worker_id() -> str:
    """host-pid-random: unique per process, readable in `redis-cli keys`."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Frontier:
    """One source's shared frontier as seen by one process (a worker or the seeder)."""

    def __init__(self, client: redis.Redis, keys: Keys, worker: str, lease_seconds: float):
        self.redis = client
        self.keys = keys
        self.worker = worker
        self.lease_ms = max(1, int(lease_seconds * 1000))
        self._reclaim = client.register_script(_RECLAIM)
        self._drained = client.register_script(_DRAINED)

    @classmethod
    def from_options(cls, options: Options, source: str) -> Frontier:
        client = redis.Redis.from_url(options.redis_url)
        return cls(client, Keys(options.key_prefix, source), options.worker_id or new_worker_id(),
                   options.lease_seconds)

    # -- the queue -----------------------------------------------------------------------------------
    def push(self, payload: bytes, replaces: bytes | None = None) -> None:
        """Queue `payload`; when it replaces a popped request (a retry, a redirect), finish that one in the
        same transaction, so a kill in between neither loses nor duplicates it."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(self.keys.queue, payload)
        if replaces is not None:
            pipe.lrem(self.keys.processing(self.worker), 1, replaces)  # type: ignore[arg-type]
        pipe.execute()

    def pop(self) -> bytes | None:
        """Take the oldest queued request into this worker's processing list (registering the worker)."""
        payload = self.redis.lmove(self.keys.queue, self.keys.processing(self.worker), "RIGHT", "LEFT")
        return payload if isinstance(payload, bytes) else None

    def ack(self, payload: bytes) -> None:
        """This worker finished `payload`: drop it from its processing list."""
        self.redis.lrem(self.keys.processing(self.worker), 1, payload)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return int(self.redis.llen(self.keys.queue))

    # -- liveness ------------------------------------------------------------------------------------
    def heartbeat(self) -> None:
        """Say this worker is alive for one more lease (and registered, so others can reclaim after it)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(self.keys.workers, self.worker)
        pipe.set(self.keys.alive(self.worker), str(time.time()), px=self.lease_ms)
        pipe.execute()

    def reclaim(self) -> int:
        """Requeue the requests of workers whose lease ran out; how many were moved."""
        moved = int(self._reclaim(keys=[self.keys.workers, self.keys.queue], args=[self.keys.base]))
        if moved:
            logger.warning("requeued %d request(s) of worker(s) that stopped heartbeating", moved)
        return moved

    def release(self) -> int:
        """On a clean stop: hand this worker's unfinished requests back now, and unregister."""
        moved = 0
        processing = self.keys.processing(self.worker)
        while self.redis.lmove(processing, self.keys.queue, "LEFT", "RIGHT") is not None:
            moved += 1
        pipe = self.redis.pipeline(transaction=True)
        pipe.srem(self.keys.workers, self.worker)
        pipe.delete(self.keys.alive(self.worker))
        pipe.execute()
        return moved

    def seeding(self, on: bool) -> None:
        """Mark discovery as under way for one lease (renewed by the seeder's heartbeat) or finished."""
        if on:
            self.redis.set(self.keys.seeding, self.worker, px=self.lease_ms)
        else:
            self.redis.delete(self.keys.seeding)

    def drained(self) -> bool:
        """Nothing queued, nothing held by any worker, no seeder running: the crawl is over."""
        return bool(self._drained(keys=[self.keys.workers, self.keys.queue, self.keys.seeding],
                                  args=[self.keys.base]))


_FRONTIERS: weakref.WeakKeyDictionary[Crawler, Frontier] = weakref.WeakKeyDictionary()


def frontier_for(crawler: Crawler) -> Frontier:
    """The crawl's one Frontier (scheduler, queue, extension and middleware share it)."""
    found = _FRONTIERS.get(crawler)
    if found is None:
        options = Options.from_settings(crawler.settings)
        found = Frontier.from_options(options, str(crawler.spidercls.name))
        _FRONTIERS[crawler] = found
    return found


class RedisRequestQueue(FifoQueue):
    """scrapy-redis's FIFO queue, popping through the processing list and remembering each payload."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self.frontier = frontier_for(spider.crawler)

    def encode(self, request: Request) -> bytes:
        request.meta.pop(LEASE_META, None)
        return bytes(self._encode_request(request))

    def push(self, request: Request) -> None:
        replaces = request.meta.get(LEASE_META)
        self.frontier.push(self.encode(request), replaces)

    def pop(self, timeout: int = 0) -> Request | None:
        payload = self.frontier.pop()
        if payload is None:
            return None
        request: Request = self._decode_request(payload)
        request.meta[LEASE_META] = payload
        return request

    def __len__(self) -> int:
        return len(self.frontier)


class DistributedScheduler(RedisScheduler):
    """scrapy-redis's scheduler with the shared queue above and the identity filter of seen.py.

    Role "worker": every request goes through Redis. Role "seed": article requests go to Redis, discovery
    requests (feeds, listings, sitemaps) to an ordinary in-memory scheduler, so the seeder walks the listings
    itself and the workers fetch only articles.
    """

    def __init__(self, crawler: Crawler, options: Options, local: LocalScheduler | None):
        frontier = frontier_for(crawler)
        super().__init__(server=frontier.redis, persist=True, queue_key=frontier.keys.queue,
                         queue_cls=f"{RedisRequestQueue.__module__}.{RedisRequestQueue.__qualname__}",
                         dupefilter=SeenFilter(frontier.redis, frontier.keys.seen, options.seen_ttl_seconds),
                         idle_before_close=0, serializer=picklecompat)
        self.crawler = crawler
        self.frontier = frontier
        self.options = options
        self.local = local
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedScheduler:
        options = Options.from_settings(crawler.settings)
        local = LocalScheduler.from_crawler(crawler) if options.role == "seed" else None
        return cls(crawler, options, local)

    def open(self, spider: Spider) -> Any:
        super().open(spider)
        self.frontier.redis.ping()
        if self.local is not None:
            return self.local.open(spider)
        return None

    def close(self, reason: str) -> Any:
        if self.local is not None:
            return self.local.close(reason)
        return None

    def _is_shared(self, request: Request) -> bool:
        if self.local is None or LEASE_META in request.meta:
            return True
        return request.meta.get("nw_kind") == "article" or is_article_url(request.url)

    def enqueue_request(self, request: Request) -> bool:
        if not self._is_shared(request):
            assert self.local is not None
            return bool(self.local.enqueue_request(request))
        # A follow-up of a popped request (retry, redirect) replaces it and is never a duplicate; anything
        # else is checked against the seen set, article requests too although the spider marks them
        # dont_filter (the spider's own filter is per process; this one is per fleet).
        if LEASE_META not in request.meta and self.df.request_seen(request):
            if self.stats is not None:
                self.stats.inc_value("newswatch/distributed/duplicate")
            return False
        self.queue.push(request)
        if self.stats is not None:
            self.stats.inc_value("newswatch/distributed/queued")
        return True

    def next_request(self) -> Request | None:
        if self.local is not None:
            return self.local.next_request()
        request = self.queue.pop()
        if request is not None and self.stats is not None:
            self.stats.inc_value("newswatch/distributed/popped")
        return request

    def has_pending_requests(self) -> bool:
        if self.local is not None:
            return bool(self.local.has_pending_requests())
        return len(self.queue) > 0


__all__ = ["LEASE_META", "DistributedScheduler", "Frontier", "RedisRequestQueue", "frontier_for",
           "identity_of", "new_worker_id"]
