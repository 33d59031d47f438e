"""What the daemon still holds after its cycles: run in a process of its own by tests/monitor/test_memory.py.

    python -m tests.monitor.leak_probe CONFIG CYCLES

Runs CYCLES cycles of the daemon's Watcher (every enabled source's crawl, its health check, delivery) on
the asyncio reactor in this one process, as `newswatch watch` does, with politeness delays off. After each
cycle it collects garbage and counts the objects of a crawl still alive: Scrapy crawlers, spiders and
engines, and SQLAlchemy engines (each crawl opens one for its store; the daemon keeps one of its own).
Prints one JSON line: {"cycles": [{"ok", "crawlers", "spiders", "scrapy_engines", "db_engines"}, ...]}.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from typing import Any

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY_JITTER": 0,
        "DNS_RESOLVER": "crawler.crawl.routing.LoopbackOnlyResolver", "LOG_LEVEL": "WARNING"}


def alive() -> dict[str, int]:
    from scrapy import Spider
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import Crawler
    from sqlalchemy.engine import Engine

    gc.collect()
    counts = {"crawlers": 0, "spiders": 0, "scrapy_engines": 0, "db_engines": 0}
    for obj in gc.get_objects():
        if isinstance(obj, Crawler):
            counts["crawlers"] += 1
        elif isinstance(obj, Spider):
            counts["spiders"] += 1
        elif isinstance(obj, ExecutionEngine):
            counts["scrapy_engines"] += 1
        elif isinstance(obj, Engine):
            counts["db_engines"] += 1
    return counts


def main(argv: list[str]) -> int:
    from crawler.config import load_config
    from crawler.crawl.runner import build_settings, install_asyncio_reactor, install_resolver
    from crawler.monitor.watch import Watcher, WatchOptions

    config = load_config(argv[0])
    cycles = int(argv[1])
    install_asyncio_reactor()
    options = WatchOptions(db_url=config.storage.url, once=True, overrides=FAST,
                           sources=tuple(s.name for s in config.enabled_sources()))
    install_resolver(build_settings(config, overrides=FAST))
    from twisted.internet import reactor as installed

    reactor: Any = installed
    rows: list[dict[str, Any]] = []
    failure: list[BaseException] = []

    async def run() -> None:
        watcher = Watcher(config, options)
        try:
            for _ in range(cycles):
                report = await watcher.run_once()
                await asyncio.sleep(0)  # let callbacks queued by the crawls' ends run, as the loop would
                rows.append({"ok": report.ok, **alive()})
        finally:
            watcher.close()

    def start() -> None:
        task = asyncio.ensure_future(run())

        def done(t: asyncio.Task[None]) -> None:
            if not t.cancelled() and t.exception() is not None:
                failure.append(t.exception())  # type: ignore[arg-type]
            reactor.stop()

        task.add_done_callback(done)

    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)
    if failure:
        raise failure[0]
    print(json.dumps({"cycles": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
