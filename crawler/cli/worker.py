"""`newswatch worker`: one crawl worker of a distributed crawl, fed by the Redis frontier.

    newswatch crawl --distributed --source liputan6 --since 2022-01-01   # discovery: queues the articles
    newswatch worker --source liputan6                                    # start N of these, anywhere

A worker pops article requests from the shared queue ([distributed] redis_url in the config), fetches,
parses and stores them in the configured database, and exits once the crawl has drained (nothing queued,
nothing held by another worker, no discovery running) for --idle-exit seconds. Kill one (even with SIGKILL):
what it held goes back to the queue after [distributed] lease_seconds. Exit status as `newswatch crawl`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.configuring import CONFIG_HELP, SET_HELP, config_overrides, db_option, load, scrapy_sets
from crawler.cli.crawl import choose_sources, route_pairs, setup_logging, summary_line
from crawler.crawl.runner import run_crawls_blocking
from storage import Store


@click.command("worker")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Work this source's queue (repeatable; default: every enabled source).")
@db_option()
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False), default=None,
              help=CONFIG_HELP)
@click.option("--route", "routes", multiple=True, metavar="HOST=URL",
              help="Fetch HOST's pages from URL instead (a mirror, a local test server); repeatable.")
@click.option("--idle-exit", type=click.FloatRange(min=0), default=30.0, show_default=True, metavar="SECONDS",
              help="Exit once the crawl has had nothing left to do for this long.")
@click.option("--set", "-s", "raw_settings", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write Scrapy's full log (from INFO) to this file.")
@click.pass_context
def worker_command(ctx: click.Context, sources: tuple[str, ...], db_url: str | None, config_path: str | None,
                   routes: tuple[str, ...], idle_exit: float, raw_settings: tuple[str, ...],
                   log_file: Path | None) -> None:
    """Fetch, parse and store articles from the shared Redis queue until the crawl drains."""
    from crawler.crawl.distributed.settings import check_redis, distributed_settings

    config = load(config_path, config_overrides(raw_settings))
    names = choose_sources(config, sources)
    route_map = route_pairs(routes)
    check_redis(config)
    url = db_url or config.storage.url
    with Store.open(url) as store:
        store.check_writable()
    overrides = {**scrapy_sets(raw_settings),
                 **distributed_settings(config, "worker", idle_exit_seconds=idle_exit)}
    setup_logging(log_file, bool(ctx.obj and ctx.obj.get("debug")))
    outcomes = run_crawls_blocking(names, config, db_url=url, routes=route_map, overrides=overrides)
    for outcome in outcomes:
        click.echo(summary_line(outcome))
    sys.exit(0 if all(o.ok for o in outcomes) else 1)


COMMANDS = [worker_command]
