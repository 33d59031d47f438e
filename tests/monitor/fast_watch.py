"""The real `newswatch watch` daemon with crawl intervals of seconds, for tests that need several cycles.

    python -m tests.monitor.fast_watch CONFIG SECONDS [NAME=VALUE ...]

Runs `crawler.monitor.watch.run_watch` (APScheduler on the one asyncio reactor, the daemon's long-lived
store, the delivery job) as `newswatch watch --config CONFIG` does, with an IntervalTrigger of SECONDS for
every enabled source in place of the config's schedule, whose minimum is a minute. NAME=VALUE pairs are Scrapy
settings, as with `--set`. Logs go to stderr at INFO.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC

from apscheduler.triggers.interval import IntervalTrigger

from crawler.cli import logs
from crawler.cli.configuring import scrapy_sets
from crawler.config import load_config
from crawler.monitor.watch import WatchOptions, run_watch


def main(argv: list[str]) -> int:
    config = load_config(argv[0])
    seconds = float(argv[1])
    sources = [source.name for source in config.enabled_sources()]
    options = WatchOptions(db_url=config.storage.url, overrides=scrapy_sets(tuple(argv[2:])),
                           triggers={s: IntervalTrigger(seconds=seconds, timezone=UTC) for s in sources})
    logs.configure(logging.INFO)
    return run_watch(config, options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
