"""bench/watch.py in quick mode (5 scheduler cycles, 20 stories per source): it runs to the end in one
process and its figures hold what the benchmark's targets rest on."""

from __future__ import annotations

import json
import subprocess
import sys

from crawler.monitor.memory import _glibc
from tests.monitor.helpers import REPO, _env


def test_bench_quick_mode() -> None:
    done = subprocess.run([sys.executable, "bench/watch.py", "--quick", "--json"], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["cycles"] == 5 and figures["failed_cycles"] == 0
    full, idle = figures["full_cycle"], figures["idle_cycle"]
    assert full["article_requests"] == 40  # every story of both sources fetched once
    assert idle["article_requests"] == 0 and 0 < idle["requests"] < full["requests"]
    assert idle["cpu_seconds"] < full["cpu_seconds"]
    assert figures["latency_seconds"]["samples"] == 2  # one new story per source, each alerted
    assert figures["latency_seconds"]["max"] < 30
    assert figures["memory_mb"]["to"] > 0
    if _glibc() is not None:  # the native side of the last cycle: malloc's bytes in use, SQLite's share
        native = figures["native_mb"]["5"]
        assert native["malloc_in_use"] > native["sqlite"] >= 0
    # Baseline digests (2) and the two latency alerts; nothing more in 5 idle cycles.
    assert figures["mails"] == 4


def test_tracemalloc_growth_report_names_the_growing_site() -> None:
    """`bench/watch.py --tracemalloc` prints the sites that grew between two snapshots: a list kept alive
    between them is reported at the line that allocated it, with its size."""
    import tracemalloc

    from bench.watch import _snapshot, growth_report

    kept: list[bytes] = []
    tracemalloc.start(2)
    try:
        before = _snapshot()
        for _ in range(200):
            kept.append(bytes(4096))  # the growing site
        after = _snapshot()
    finally:
        tracemalloc.stop()
    lines = growth_report(before, after, top=3, frames=2)
    assert lines[0].startswith("Python heap growth: +")
    assert float(lines[1].split()[0]) >= 800 and int(lines[1].split()[2]) >= 200  # KiB, blocks
    assert any(__file__ in line for line in lines[2:4])
    assert len(kept) == 200
