"""The distributed crawl suite runs against the real Redis at 127.0.0.1:6379 (own key prefix per test,
deleted afterwards). Redis missing: the tests skip, or fail when CI is set."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"
REPO = Path(__file__).resolve().parents[3]


def redis_client() -> Any:
    """A client of the machine's Redis; the test skips without one (fails when CI is set)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} does not answer ({exc}) and CI is set")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc})")
    return client


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    client = redis_client()
    prefix = f"nwtest-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "SCRAPY_"))}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), clean.get("PYTHONPATH", "")]))
    return clean


@dataclass
class Fleet:
    """Runs the seeder and workers of one test as real `newswatch` processes."""

    config: Path
    db: Path
    source: str = "fleet"

    def args(self) -> list[str]:
        return ["--config", str(self.config), "--db", f"sqlite:///{self.db}", "--source", self.source]

    def seed(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crawler", "crawl", "--distributed", *self.args()],
                              cwd=REPO, env=env(), capture_output=True, text=True, timeout=120)

    def worker(self, *extra: str, idle_exit: float = 1.0) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "crawler", "worker", *self.args(), "--idle-exit",
                                 str(idle_exit), "--set", "CONCURRENT_REQUESTS=2", *extra],
                                cwd=REPO, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
