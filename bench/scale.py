"""Distributed crawl benchmark: 1, 2 and 4 `newswatch worker` processes splitting one crawl through Redis.

Run from the repository root (Redis at 127.0.0.1:6379, or --redis-url):

    .venv/bin/python bench/scale.py              # 3,000 articles under 16 host names, 1/2/4 workers, a kill
    .venv/bin/python bench/scale.py --quick         # 300 articles: a smoke run

What it does: bench/fleetsite.py serves an outlet of `--articles` pages under `--hosts` host names (one route
each) from one loopback server, every article page answering after `--latency` seconds (network-like); each
worker is limited to 2 requests in flight (CONCURRENT_REQUESTS=2), politeness delays are off, robots.txt off.
For each worker count: a fresh key prefix and SQLite database, `newswatch crawl --distributed` seeds the
frontier (not timed), then N workers run to the end. Throughput is articles per second between the first and
the last article request the server saw (process start-up excluded); the server also counts pages fetched
twice. Then the SIGKILL run: 2 workers, one killed with SIGKILL once a quarter of the articles were fetched;
every article must still be stored exactly once (one row, one version). Targets: 2 workers >= 1.8x one
worker, 4 workers >= 3.2x, 0 pages fetched twice. The machine is shared and has 2 cores: parsing and storing
are CPU work, so the ratios at 4 workers also measure how busy the machine is.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.fleetsite import FleetSite  # noqa: E402

TARGETS = {2: 1.8, 4: 3.2}


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "SCRAPY_"))}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), clean.get("PYTHONPATH", "")]))
    return clean


def cleanup(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


class Run:
    def __init__(self, site: FleetSite, workdir: Path, redis_url: str, label: str, lease: float = 5.0,
                 idle_exit: float = 2.0):
        self.site = site
        self.idle_exit = idle_exit
        self.prefix = f"nwbench-{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        self.dir = workdir / label
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "newswatch.toml"
        self.config.write_text(site.config_toml(redis_prefix=self.prefix, redis_url=redis_url,
                                                lease_seconds=lease), encoding="utf-8")
        self.db = self.dir / "fleet.db"

    def args(self) -> list[str]:
        return ["--config", str(self.config), "--db", f"sqlite:///{self.db}", "--source", "fleet"]

    def seed(self) -> None:
        result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--distributed", *self.args()],
                                cwd=REPO, env=env(), capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise SystemExit(f"seeding failed: {result.stderr[-2000:]}")

    def worker(self, index: int) -> subprocess.Popen[bytes]:
        log = (self.dir / f"worker{index}.out").open("wb")
        return subprocess.Popen([sys.executable, "-m", "crawler", "worker", *self.args(),
                                 "--idle-exit", str(self.idle_exit), "--set", "CONCURRENT_REQUESTS=2",
                                 "--log-file", str(self.dir / f"w{index}.log")],
                                cwd=REPO, env=env(), stdout=log, stderr=subprocess.STDOUT)

    def stored(self) -> tuple[int, int]:
        """(articles stored, articles with other than exactly one version)."""
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute("SELECT COUNT(v.id) FROM articles a LEFT JOIN article_versions v "
                                "ON v.article_pk = a.id GROUP BY a.id").fetchall()
        return len(rows), sum(1 for (versions,) in rows if versions != 1)


def measure(site: FleetSite, run: Run, workers: int, kill_after: int | None = None) -> dict[str, Any]:
    run.seed()
    site.reset()
    start = time.monotonic()
    procs = [run.worker(i) for i in range(workers)]
    killed = False
    if kill_after is not None:
        while len(site.article_fetches()) < kill_after and time.monotonic() - start < 600:
            time.sleep(0.02)
        procs[0].send_signal(signal.SIGKILL)
        killed = True
    codes = [p.wait(timeout=1800) for p in procs]
    wall = time.monotonic() - start
    times = site.article_times()
    fetches = site.article_fetches()
    span = (max(times) - min(times)) if len(times) > 1 else float("nan")
    stored, not_once = run.stored()
    cleanup(run.redis_url, run.prefix)
    return {"workers": workers, "killed": killed, "exit_codes": codes, "wall_seconds": round(wall, 2),
            "crawl_seconds": round(span, 2), "articles_fetched": len(fetches),
            "requests": sum(fetches.values()), "fetched_twice": len(site.fetched_twice()),
            "pages_per_second": round(len(fetches) / span, 2) if span == span and span > 0 else None,
            "stored": stored, "stored_not_exactly_once": not_once}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL run")
    parser.add_argument("--quick", action="store_true", help="300 articles")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--idle-exit", type=float, default=2.0,
                        help="seconds a worker waits on an empty queue before it exits (not in the figures: "
                             "pages/s is timed at the site)")
    opts = parser.parse_args(argv)
    articles = 300 if opts.quick else opts.articles
    counts = [int(n) for n in opts.workers.split(",")]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nwscale-") as tmp, \
            FleetSite(articles=articles, hosts=opts.hosts, latency=opts.latency) as site:
        for n in counts:
            result = measure(site, Run(site, Path(tmp), opts.redis_url, f"w{n}", idle_exit=opts.idle_exit), n)
            results.append(result)
            print(json.dumps(result), flush=True)
        if not opts.no_kill:
            kill = measure(site, Run(site, Path(tmp), opts.redis_url, "kill", idle_exit=opts.idle_exit), 2,
                           kill_after=articles // 4)
            results.append(kill)
            print(json.dumps(kill), flush=True)
    base = next((r for r in results if r["workers"] == 1 and not r["killed"]), None)
    print(f"\n{articles} articles, {opts.hosts} hosts, {opts.latency * 1000:.0f} ms per page, "
          "2 requests in flight per worker, politeness off")
    print(f"{'workers':>8} {'crawl s':>8} {'pages/s':>8} {'ratio':>6} {'target':>7} {'twice':>6} "
          f"{'stored':>7}")
    ok = True
    for r in results:
        ratio = (r["pages_per_second"] / base["pages_per_second"]) if base and r["pages_per_second"] else None
        target = TARGETS.get(r["workers"]) if not r["killed"] else None
        r["ratio"] = round(ratio, 2) if ratio else None
        label = f"{r['workers']}{' (kill)' if r['killed'] else ''}"
        print(f"{label:>8} {r['crawl_seconds']:>8} {r['pages_per_second'] or '-':>8} "
              f"{(f'{ratio:.2f}x' if ratio else '-'):>6} {(f'>={target}x' if target else ''):>7} "
              f"{r['fetched_twice']:>6} {r['stored']:>7}")
        if target and (ratio is None or ratio < target):
            ok = False
        if not r["killed"] and r["fetched_twice"]:
            ok = False
        if r["stored"] != articles or r["stored_not_exactly_once"]:
            ok = False
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
