"""The Scrapy settings of a distributed crawl, from the config's `[distributed]` table.

Both roles use the shared scheduler (frontier.py) and the global per-site delay (politeness.py); Scrapy's own
per-process delay and AutoThrottle are turned off, since a per-process delay multiplied by N workers is no
politeness at all. The options travel as one JSON setting so they survive subprocesses and `-s` copies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from crawler.config import Config

OPTIONS_SETTING = "NEWSWATCH_DISTRIBUTED"
Role = Literal["seed", "worker"]


@dataclass(frozen=True)
class Options:
    role: Role
    redis_url: str
    key_prefix: str
    seen_ttl_seconds: float
    lease_seconds: float
    delay_seconds: float  # the per-site delay, held in Redis for every worker at once
    worker_id: str = ""  # "" : a fresh one per process
    idle_exit_seconds: float = 5.0  # a worker stops once the crawl has been drained this long

    @classmethod
    def from_settings(cls, settings: Any) -> Options:
        raw = settings.get(OPTIONS_SETTING)
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
        return cls(**data)


def distributed_settings(config: Config, role: Role, *, worker_id: str = "",
                         idle_exit_seconds: float = 5.0) -> dict[str, Any]:
    """Scrapy setting overrides (cmdline priority) that make a crawl one process of the fleet."""
    section = config.distributed
    options = Options(role=role, redis_url=section.redis_url, key_prefix=section.key_prefix,
                      seen_ttl_seconds=section.seen_ttl_hours * 3600.0, lease_seconds=section.lease_seconds,
                      delay_seconds=float(config.crawl.download_delay), worker_id=worker_id,
                      idle_exit_seconds=idle_exit_seconds)
    return {
        OPTIONS_SETTING: json.dumps(asdict(options)),
        "SCHEDULER": "crawler.crawl.distributed.frontier.DistributedScheduler",
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
    }


def check_redis(config: Config) -> None:
    """Raise NewswatchError (one line) unless the configured Redis answers: before any request is made."""
    from crawler.core.errors import NewswatchError

    url = config.distributed.redis_url
    try:
        import redis
        import scrapy_redis  # noqa: F401  (the extra is installed)
    except ImportError:
        raise NewswatchError("distributed crawling needs the extra: "
                             "pip install 'newswatch[distributed]'") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise NewswatchError(f"[distributed] redis_url: cannot reach Redis at {url} ({exc})") from None
