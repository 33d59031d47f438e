"""`newswatch watch`: the monitoring daemon (crawler/monitor/watch.py), or one cycle with --once.

    newswatch watch                                   # every enabled source on its schedule, until SIGTERM
    newswatch watch --once                            # the due sources, then delivery, then exit (cron)
    newswatch watch --once --source bbc --route feeds.bbci.co.uk=http://127.0.0.1:8000/feeds
    newswatch watch --metrics-port 9464                # Prometheus /metrics and /healthz on 127.0.0.1

Several daemons on one PostgreSQL database: one leads (crawls and delivers), the others stand by and take
over within --standby-poll seconds when it stops or dies. On a SQLite file a second daemon (or a --once run
while a daemon runs) refuses to start with one line.

Logs go to stderr at INFO (or --log-level; --log-format json for one JSON object a line), one line per
cycle; Scrapy's own log only at WARNING and above.
Exit status: 0 on SIGTERM/SIGINT or a `--once` cycle whose crawls finished, 1 when a `--once` crawl did
not finish (timeout, unreachable site), 2 for a usage or config error.
"""

from __future__ import annotations

import logging
import sys

import click

from crawler.cli import logs
from crawler.cli.configuring import CONFIG_HELP, SET_HELP, config_overrides, db_option, load, scrapy_sets
from crawler.cli.crawl import choose_sources, route_pairs
from crawler.core.errors import NewswatchError
from crawler.monitor.watch import WatchOptions, run_watch
from crawler.notify.channels import check_channels
from storage import Store


def setup_logging(debug: bool) -> None:
    """INFO (DEBUG with --debug) on stderr unless --log-level says otherwise; noisy libraries at WARNING."""
    logs.configure(logging.DEBUG if debug else logging.INFO)


@click.command("watch")
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False), default=None,
              help=CONFIG_HELP)
@db_option()
@click.option("--route", "routes", multiple=True, metavar="HOST=URL",
              help="Fetch HOST's pages from URL instead (a mirror, a local test server); repeatable.")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Watch only this source (repeatable; default: every enabled source). With --once a named "
                   "source is crawled whether it is due or not.")
@click.option("--once", is_flag=True,
              help="Run one cycle (the due sources, then alert delivery) and exit: for cron and timers.")
@click.option("--set", "-s", "raw_settings", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="Serve Prometheus metrics on /metrics and a health check on /healthz at this port.")
@click.option("--metrics-address", default="127.0.0.1", show_default=True, metavar="HOST",
              help="Address the metrics server listens on (0.0.0.0: every interface).")
@click.option("--standby-poll", "standby_poll", type=click.FloatRange(0.1, 3600), default=5.0,
              show_default=True, metavar="SECONDS",
              help="PostgreSQL: a daemon that does not lead asks this often whether it may take over.")
@click.pass_context
def watch_command(ctx: click.Context, config_path: str | None, db_url: str | None, routes: tuple[str, ...],
                  sources: tuple[str, ...], once: bool, raw_settings: tuple[str, ...],
                  metrics_port: int | None, metrics_address: str, standby_poll: float) -> None:
    """Crawl every source on its schedule and send the alerts, until stopped (or once with --once)."""
    config = load(config_path, config_overrides(raw_settings))
    check_channels(config)  # every channel's secrets present and URL accepted: at start, not at 3 a.m.
    names = tuple(choose_sources(config, sources)) if sources else ()
    if not sources:
        choose_sources(config, ())  # no enabled source at all: say so now
    if once and metrics_port is not None:
        raise NewswatchError("--metrics-port serves the daemon's metrics: it cannot be used with --once")
    options = WatchOptions(db_url=db_url or config.storage.url, routes=route_pairs(routes), sources=names,
                           once=once, overrides=scrapy_sets(raw_settings), metrics_port=metrics_port,
                           metrics_address=metrics_address, standby_poll_seconds=standby_poll)
    Store.open(options.db_url).close()  # a database that cannot be opened fails here, before the loop
    setup_logging(bool(ctx.obj and ctx.obj.get("debug")))
    sys.exit(run_watch(config, options))


COMMANDS = [watch_command]
