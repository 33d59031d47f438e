"""The shared queue, the seen set and the global delay on the real Redis, without a crawl around them."""

from __future__ import annotations

import asyncio
import itertools
import time

import redis
from scrapy import Request

from crawler.crawl.distributed.frontier import Frontier
from crawler.crawl.distributed.keys import Keys
from crawler.crawl.distributed.seen import SeenFilter, identity_of
from tests.crawl.distributed.conftest import REDIS_URL


def frontier(prefix: str, worker: str, lease: float) -> Frontier:
    return Frontier(redis.Redis.from_url(REDIS_URL), Keys(prefix, "fleet"), worker, lease)


def test_a_dead_workers_requests_go_back_to_the_queue_after_its_lease(redis_prefix: str) -> None:
    a, b = frontier(redis_prefix, "a", 0.3), frontier(redis_prefix, "b", 30)
    for payload in (b"one", b"two", b"three"):
        a.push(payload)
    a.heartbeat()
    assert a.pop() == b"one" and a.pop() == b"two"  # held by a, out of the queue
    assert len(a) == 1
    assert b.reclaim() == 0  # a is alive: nothing moves
    assert not b.drained()
    time.sleep(0.45)  # a's lease runs out (as after a SIGKILL: no more heartbeats)
    assert b.reclaim() == 2
    assert sorted([b.pop(), b.pop(), b.pop()]) == [b"one", b"three", b"two"]
    assert b.pop() is None
    for payload in (b"one", b"two", b"three"):
        b.ack(payload)
    assert b.drained()


def test_a_retry_replaces_the_request_it_retries_in_one_step(redis_prefix: str) -> None:
    a = frontier(redis_prefix, "a", 30)
    a.push(b"first try")
    a.heartbeat()
    assert a.pop() == b"first try"
    a.push(b"second try", replaces=b"first try")
    assert a.redis.lrange(a.keys.processing("a"), 0, -1) == []
    assert a.pop() == b"second try"


def test_seen_entries_are_keyed_by_article_identity_and_expire(redis_prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    key = Keys(redis_prefix, "fleet").seen
    seen = SeenFilter(client, key, ttl_seconds=0.5)
    article = Request("https://www.liputan6.com/news/read/4853061/judul?utm_source=x",
                      meta={"nw_source": "liputan6", "nw_article_id": "4853061"})
    other_address = Request("https://m.liputan6.com/news/read/4853061/judul")
    assert identity_of(article) == identity_of(other_address) == "liputan6:4853061"
    assert seen.request_seen(article) is False
    assert seen.request_seen(other_address) is True  # same article, another address: not fetched again
    ttl = client.pttl(key)
    assert isinstance(ttl, int) and 0 < ttl <= 500  # the whole set expires too
    score = client.zscore(key, "liputan6:4853061")
    assert score is not None and score <= time.time() * 1000 + 500
    time.sleep(0.6)
    assert seen.request_seen(other_address) is False  # expired: may be queued again


def test_the_per_site_delay_holds_across_processes(redis_prefix: str) -> None:
    """Two fleet members asking for the same host at once: the second waits out the first one's delay."""
    from crawler.crawl.distributed.politeness import GlobalDelayMiddleware

    starts: list[float] = []

    async def fetch(name: str) -> None:
        middleware = GlobalDelayMiddleware(None, 0.3, frontier(redis_prefix, name, 30))
        await middleware.process_request(Request(f"https://h00.fleet.example/story/{name}"))
        starts.append(time.monotonic())

    async def all_at_once() -> None:
        await asyncio.gather(*(fetch(name) for name in ("a", "b", "c")))

    asyncio.run(all_at_once())
    starts.sort()
    assert all(later - earlier >= 0.28 for earlier, later in itertools.pairwise(starts)), starts
