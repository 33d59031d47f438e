"""Running a real `scrapy crawl` in a subprocess against the loopback server, the way a user runs it.

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={"since": "2022-01-01"})
    result.articles, result.gone, result.stats["newswatch/skipped/duplicate"], result.log

Every real host the spiders know is routed to a prefix of the one loopback server, and DNS is replaced by a
resolver that refuses every non-loopback name (tests/servers/offline.py: a test may name another offline
resolver, never one that asks the network): nothing in a test resolves or reaches a real host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import LoopbackServer
from tests.servers.offline import LOOPBACK_RESOLVER, loopback_only

REPO = Path(__file__).resolve().parent.parent.parent

# Host -> path prefix on the loopback server. Hosts the spiders must never fetch are routed too, so that a
# request to them would show in the server's log rather than fail at DNS and go unnoticed.
SITE_PREFIXES = {
    "www.liputan6.com": "liputan6",
    "m.liputan6.com": "liputan6-m",
    "feed.liputan6.com": "liputan6-feed",
    "*.liputan6.com": "liputan6-sub",
    "www.bbc.com": "bbc",
    "www.bbc.co.uk": "bbc-uk",
    "feeds.bbci.co.uk": "bbc-feeds",
    "www.bola.com": "bola",
    "www.fimela.com": "fimela",
}

# Fast and deterministic: no politeness delays against our own server, short retry waits.
TEST_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "NEWSWATCH_RETRY_BACKOFF_BASE": 0.2,
    "NEWSWATCH_RETRY_BACKOFF_MAX": 5,
    "NEWSWATCH_RETRY_BACKOFF_JITTER": 0,
    "DOWNLOAD_TIMEOUT": 20,
    "DNS_RESOLVER": LOOPBACK_RESOLVER,
    "LOG_LEVEL": "DEBUG",
    "EXTENSIONS": {"tests.servers.statsfile.StatsFile": 0},
    "CLOSESPIDER_TIMEOUT": 90,
}


def site_routes(server: LoopbackServer, prefixes: dict[str, str] | None = None) -> dict[str, str]:
    return {host: server.base(prefix) for host, prefix in (prefixes or SITE_PREFIXES).items()}


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log: str

    @property
    def articles(self) -> list[dict[str, Any]]:
        return [item for item in self.items if "body" in item]

    @property
    def gone(self) -> list[dict[str, Any]]:
        return [item for item in self.items if "reason" in item and "body" not in item]

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0))


def _setting_arg(name: str, value: Any) -> str:
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    elif isinstance(value, bool):
        value = "True" if value else "False"
    return f"{name}={value}"


def run_crawl(spider: str, tmp_path: Path, *, routes: dict[str, str], args: dict[str, Any] | None = None,
              settings: dict[str, Any] | None = None, timeout: float = 120,
              env: dict[str, str] | None = None) -> CrawlResult:
    """`python -m scrapy crawl SPIDER -a ... -s ... -O items.jsonl` from the repository root."""
    out = tmp_path / "items.jsonl"
    stats_file = tmp_path / "stats.json"
    all_settings = loopback_only({**TEST_SETTINGS, "NEWSWATCH_ROUTES": routes,
                                  "NEWSWATCH_STATS_FILE": str(stats_file), **(settings or {})})
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    for name, value in all_settings.items():
        command += ["-s", _setting_arg(name, value)]
    command += ["-O", str(out)]  # the format follows the .jsonl extension, as for any Scrapy user
    # No proxies (they would see loopback traffic as remote) and no user config leaking into a test.
    clean_env = {k: v for k, v in os.environ.items()
                 if not k.lower().endswith("_proxy") and not k.startswith("NEWSWATCH_")}
    clean_env.update(env or {})
    completed = subprocess.run(command, cwd=REPO, env=clean_env, capture_output=True, text=True,
                               timeout=timeout, check=False)
    items = []
    if out.exists():
        items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    return CrawlResult(completed.returncode, items, stats, completed.stderr + completed.stdout)
