"""Distributed crawling end to end: `newswatch crawl --distributed` seeds the Redis frontier, `newswatch
worker` processes split it, against a loopback outlet spread over several host names (bench/fleetsite.py) that
counts every request it serves."""

from __future__ import annotations

import itertools
import re
import signal
import sqlite3
import statistics
import time
from pathlib import Path

import redis

from bench.fleetsite import FleetSite
from tests.crawl.distributed.conftest import REDIS_URL, Fleet


def stored(db: Path) -> list[tuple[str, str, int]]:
    """(source, article id, versions) per stored article."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT a.source, a.article_id, COUNT(v.id) FROM articles a "
                            "LEFT JOIN article_versions v ON v.article_pk = a.id "
                            "GROUP BY a.id ORDER BY a.article_id").fetchall()


def new_articles(output: str) -> int:
    match = re.search(r"articles (\d+) new", output)
    assert match, output
    return int(match.group(1))


def test_two_workers_split_one_crawl_and_fetch_nothing_twice(redis_prefix: str, tmp_path: Path) -> None:
    with FleetSite(articles=24, hosts=4, latency=0.05) as site:
        config = tmp_path / "newswatch.toml"
        config.write_text(site.config_toml(redis_prefix=redis_prefix, lease_seconds=5), encoding="utf-8")
        fleet = Fleet(config, tmp_path / "fleet.db")

        seeded = fleet.seed()
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        assert "24 article request(s) queued" in seeded.stdout
        assert site.article_fetches() == {}  # the seeder discovers; it fetches no article

        workers = [fleet.worker(), fleet.worker()]
        outputs = [w.communicate(timeout=180) for w in workers]
        for worker, (_out, err) in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err[-3000:]

        fetches = site.article_fetches()
        assert len(fetches) == 24 and site.fetched_twice() == []
        counts = [new_articles(out) for out, _ in outputs]
        assert sum(counts) == 24 and min(counts) > 0, counts  # both workers did part of the crawl
        rows = stored(fleet.db)
        assert len(rows) == 24 and all(source == "fleet" and versions == 1 for source, _, versions in rows)

        # A second seeding within the seen sets' TTL queues nothing again.
        again = fleet.seed()
        assert again.returncode == 0, again.stderr[-3000:]
        assert "0 article request(s) queued for the workers, 24 already queued" in again.stdout


def test_a_worker_killed_mid_crawl_loses_nothing(redis_prefix: str, tmp_path: Path) -> None:
    with FleetSite(articles=30, hosts=3, latency=0.25) as site:
        config = tmp_path / "newswatch.toml"
        config.write_text(site.config_toml(redis_prefix=redis_prefix, lease_seconds=3), encoding="utf-8")
        fleet = Fleet(config, tmp_path / "fleet.db")
        assert fleet.seed().returncode == 0

        log = tmp_path / "survivor.log"
        doomed, survivor = fleet.worker(), fleet.worker("--log-file", str(log), idle_exit=2)
        deadline = time.monotonic() + 120
        while len(site.article_fetches()) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)  # mid-crawl: requests in flight, none of them acknowledged
        doomed.communicate(timeout=30)
        _out, err = survivor.communicate(timeout=180)
        assert survivor.returncode == 0, err[-3000:]

        # The killed worker held requests; the survivor took them back after the lease.
        assert re.search(r"requeued [1-9]\d* request\(s\) of worker\(s\) that stopped", log.read_text())
        fetches = site.article_fetches()
        assert len(fetches) == 30  # every article fetched, those the killed worker held included
        rows = stored(fleet.db)
        assert len(rows) == 30 and all(versions == 1 for _, _, versions in rows)  # each stored exactly once
        client = redis.Redis.from_url(REDIS_URL)
        assert client.llen(f"{redis_prefix}:fleet:queue") == 0
        assert client.smembers(f"{redis_prefix}:fleet:workers") == set()  # the dead one was reclaimed


def test_the_per_site_delay_is_global_across_workers(redis_prefix: str, tmp_path: Path) -> None:
    delay = 0.4
    with FleetSite(articles=10, hosts=1) as site:
        config = tmp_path / "newswatch.toml"
        config.write_text(site.config_toml(redis_prefix=redis_prefix, delay=delay), encoding="utf-8")
        fleet = Fleet(config, tmp_path / "fleet.db")
        assert fleet.seed().returncode == 0
        site.reset()
        workers = [fleet.worker(), fleet.worker()]
        for worker in workers:
            _, err = worker.communicate(timeout=180)
            assert worker.returncode == 0, err[-3000:]
        starts = sorted(site.starts["h00"])
        assert len(starts) == 10
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        # Each worker alone would keep its own delay (Scrapy's): two workers would then send pairs of
        # requests ~0 s apart, gaps alternating 0 and the delay. Together they keep one. The times are taken
        # at the server, so a worker starved of CPU between taking its slot and sending (load 10 on two
        # cores) shortens one gap and lengthens the next: the median holds the delay, no gap comes near 0.
        assert statistics.median(gaps) >= delay * 0.9, gaps
        assert min(gaps) >= delay * 0.5, gaps
