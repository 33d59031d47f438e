"""The daemon's memory over many cycles (docs/BENCHMARKS.md, "Monitoring", measures it over 1,000): crawls
leave nothing of theirs alive in the daemon's process, and the daemon runs on one glibc malloc arena."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.demo import DemoServer, DemoSite
from crawler.demo.site import feed_url
from crawler.monitor.memory import _glibc
from tests.monitor.helpers import REPO, _env, write_config
from tests.notify.mail.smtpserver import LoopbackSmtpServer


def test_cycles_leave_no_crawl_alive(smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    """Three daemon cycles of two sources (six real crawls of the demo site, in one process): after each,
    no Scrapy crawler, spider or engine is left, and database engines do not pile up. A crawl kept alive by
    a registry, a signal or a cache would keep its pages, stats and SQLite page cache with it, cycle after
    cycle."""
    with DemoServer(DemoSite(step=0)) as server:
        config = write_config(tmp_path, routes=server.routes(), smtp_port=smtp_server.port, liputan6=True,
                              bbc_feeds=(feed_url("asia"),))
        done = subprocess.run([sys.executable, "-m", "tests.monitor.leak_probe", str(config), "3"], cwd=REPO,
                              env=_env(), capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    cycles = json.loads(done.stdout.strip().splitlines()[-1])["cycles"]
    assert [c["ok"] for c in cycles] == [True, True, True], done.stderr[-3000:]
    for cycle in cycles:
        assert (cycle["crawlers"], cycle["spiders"], cycle["scrapy_engines"]) == (0, 0, 0), cycle
    # Database engines: the daemon's own, and at most the last cycle's two crawl engines (disposed, no
    # connection left; something of that cycle's still holds them until the next one), never more.
    assert [c["db_engines"] for c in cycles][1:] == [cycles[0]["db_engines"]] * 2
    assert 1 <= cycles[0]["db_engines"] <= 3
    assert len(smtp_server.received()) == 2  # the crawls were real: one baseline digest per source


# Threads that each keep a few malloc'd blocks while all of them are alive, then the number of arenas
# glibc's malloc_info reports (one <heap> element per arena).
_ARENAS_SCRIPT = textwrap.dedent("""
    import ctypes, sys, tempfile, threading
    from crawler.monitor.memory import limit_malloc_arenas

    limited = limit_malloc_arenas() if sys.argv[1] == "limit" else None
    barrier = threading.Barrier(8)

    def work():
        kept = [bytes(2000 + i) for i in range(50)]  # over 512 bytes: malloc, not Python's small-object pool
        barrier.wait()
        return kept

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        handle = libc.fopen(out.name.encode(), b"w")
        libc.malloc_info(0, handle)
        libc.fclose(handle)
        print(limited, open(out.name).read().count("<heap nr="))
""")


@pytest.mark.skipif(_glibc() is None, reason="malloc arenas are glibc's (Linux with glibc only)")
def test_one_malloc_arena_for_the_daemons_threads() -> None:
    """limit_malloc_arenas (first thing in run_watch) makes threads started afterwards share the one arena;
    without it each new thread takes an arena of its own (the daemon's memory crept with 16 of them)."""
    env = {k: v for k, v in _env().items() if k != "MALLOC_ARENA_MAX"}
    arenas = {}
    for mode in ("limit", "default"):
        done = subprocess.run([sys.executable, "-c", _ARENAS_SCRIPT, mode], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        limited, count = done.stdout.split()
        arenas[mode] = (limited, int(count))
    assert arenas["limit"] == ("True", 1)
    assert arenas["default"][1] > 1  # the control: the same threads without the cap


def test_an_operators_malloc_arena_max_stands() -> None:
    """MALLOC_ARENA_MAX in the environment is the operator's choice: the daemon does not override it."""
    env = {**_env(), "MALLOC_ARENA_MAX": "4"}
    done = subprocess.run([sys.executable, "-c", "from crawler.monitor.memory import limit_malloc_arenas; "
                           "print(limit_malloc_arenas())"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "False"
    assert os.environ.get("MALLOC_ARENA_MAX") != "4"  # the test's own process untouched
