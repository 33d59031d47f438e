"""Distributed crawling end to end: `newswatch crawl --distributed` seeds the Redis frontier, `newswatch
worker` processes split it, against a loopback outlet spread over several host names (bench/fleetsite.py) that
counts every request it serves."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bench.fleetsite import FleetSite
from tests.crawl.distributed.conftest import Fleet


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
