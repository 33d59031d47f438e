"""The daemon's native memory: one glibc malloc arena for the whole process.

    limit_malloc_arenas()   # first thing in run_watch, before any thread starts; a no-op off glibc

Why: glibc gives threads malloc arenas of their own, up to 8 per core (16 on a 2-core machine), and memory
freed into one arena is only reused by allocations served from that same arena. The daemon allocates from
many threads (the reactor thread parsing pages, `asyncio.to_thread` workers running health checks and
delivery over SQLite, Twisted's thread pool): measured with `mallinfo2`/`malloc_info` over `bench/watch.py`
(docs/BENCHMARKS.md, "Monitoring"), the bytes in use stayed near 34 MB while the arenas' free space grew
from 16 to 26 MB across 16 arenas, and the resident size kept creeping (+1.0% from cycle 100 to 300, about
1 MB per 100 cycles) although no Python object count grew. With one arena the free space stayed near 5 MB
and the resident size was flat (156.2 MB from cycle 80 to 300, 19 MB less than with 16 arenas). The cost is
one lock for every thread's malloc; the threads take turns on the GIL anyway.

`MALLOC_ARENA_MAX` in the environment (read by glibc at start) wins: the daemon then leaves it alone.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's <malloc.h>; other C libraries give this number another meaning, or none
ARENAS = 1


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library this process already runs on
    except OSError:
        return None
    # gnu_get_libc_version exists only in glibc (not musl): M_ARENA_MAX is glibc's.
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None
    return libc


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at `arenas` for threads started from now on; whether the cap was set.

    False off glibc, and when MALLOC_ARENA_MAX is in the environment (the operator's choice stands).
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    libc = _glibc()
    if libc is None:
        return False
    done = bool(libc.mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(arenas)))
    if not done:
        log.debug("mallopt(M_ARENA_MAX, %d) refused", arenas)
    return done
