"""`newswatch crawl`: a one-off crawl, a live status line on a terminal, a summary per source at the end.

    newswatch crawl                                   # every enabled source: feeds and first listing pages
    newswatch crawl --source liputan6 --since 2022-01-01 --until 2022-01-31 --exhaustive
    newswatch crawl --route www.liputan6.com=http://127.0.0.1:8000/liputan6 --db sqlite:///demo.db

Everything is checked before anything runs (dates, sources, topic, routes, a database that opens and takes
writes): a problem is one line on stderr and exit status 2. Scrapy's errors go to stderr (more with
--log-level; --log-format json); its full log to a file only with --log-file (named at the end when errors
were logged). Exit status: 0 when every crawl finished, 1 otherwise (a site unreachable, a timeout, a
database that stopped taking writes: full, read-only); 130 after Ctrl-C (143 after SIGTERM): the crawls are
closed, recorded "interrupted", summarised, then "newswatch: interrupted" on stderr. A second Ctrl-C stops at
once (also 130).
"""

from __future__ import annotations

import logging
import signal
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

from crawler.cli import logs
from crawler.cli.configuring import CONFIG_HELP, SET_HELP, config_overrides, db_option, load, scrapy_sets
from crawler.config import KNOWN_SOURCES, Config
from crawler.core.errors import NewswatchError
from crawler.crawl.routing import parse_routes
from crawler.crawl.runner import INTERRUPTED_BY, CrawlOutcome, run_crawls_blocking
from storage import Store

UNREACHABLE_HINT = "no network here? `make demo` runs the whole product against local copies of the sites"


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value (NewswatchError naming the option otherwise)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise NewswatchError(f"{option}: expected a date as YYYY-MM-DD, got {value!r}") from None


# The latest "today" anywhere on Earth (UTC+14): a day after it has not begun for any site.
_EARLIEST_ZONE = timezone(timedelta(hours=14))


def refuse_future(day: date | None, option: str, today: date | None = None) -> None:
    """A backfill cannot start on a day that has not begun anywhere (NewswatchError naming the option):
    `--since 9999-12-31` would crawl nothing and say nothing."""
    latest = today or datetime.now(_EARLIEST_ZONE).date()
    if day is not None and day > latest:
        raise NewswatchError(f"{option} {day} is in the future (today is {latest} at the latest)")


def choose_sources(config: Config, requested: tuple[str, ...]) -> list[str]:
    if not requested:
        names = [s.name for s in config.enabled_sources()]
        if not names:
            raise NewswatchError("no source is enabled in the config: name one with --source")
        return names
    for name in requested:
        if name not in config.sources:
            known = ", ".join(config.sources) or ", ".join(KNOWN_SOURCES)
            raise NewswatchError(f"--source: unknown source {name!r} (known: {known})")
    return list(dict.fromkeys(requested))


def route_pairs(values: tuple[str, ...]) -> dict[str, str]:
    """--route HOST=URL values, validated (ConfigError, one line, on a bad one)."""
    return {route.host: route.base for route in parse_routes(list(values))}


def setup_logging(log_file: Path | None, debug: bool) -> None:
    """Scrapy's and Twisted's log: to `log_file` when given (everything from INFO; the console then stays for
    the status and summary), else to stderr at the level of --log-level (ERROR by default).

    With --debug the console keeps the debug log the command group set up.
    """
    root = logging.getLogger()
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise NewswatchError(f"--log-file: cannot write {log_file}: {exc.strerror or exc}") from exc
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        if not debug:
            for existing in list(root.handlers):
                if isinstance(existing, logging.StreamHandler) and not isinstance(existing,
                                                                                  logging.FileHandler):
                    root.removeHandler(existing)
            root.setLevel(logging.INFO)
        root.addHandler(handler)
        for name in logs.QUIET_LOGGERS:  # the file takes their INFO lines too
            logging.getLogger(name).setLevel(logging.NOTSET)
    logging.captureWarnings(True)
    from twisted.python import log as twisted_log

    twisted_log.PythonLoggingObserver("twisted").start()


def summary_line(outcome: CrawlOutcome) -> str:
    """`liputan6: finished, 12 pages fetched, articles 3 new / 0 updated / ... (run 7)`."""
    counts = outcome.summary
    articles = " / ".join(f"{counts.get(label, 0)} {label}"
                          for label in ("new", "updated", "unchanged", "irrelevant", "failed"))
    deleted = f", {counts['deleted']} deleted" if counts.get("deleted") else ""
    run = f" (run {outcome.run_id})" if outcome.run_id is not None else ""
    return (f"{outcome.source}: {outcome.outcome}, {outcome.pages} pages fetched, "
            f"articles {articles}{deleted}{run}")


def _failure_kinds(stats: dict[str, Any]) -> str:
    prefix = "downloader/exception_type_count/"
    kinds = sorted({key[len(prefix):].rsplit(".", 1)[-1] for key in stats if key.startswith(prefix)})
    return ", ".join(kinds) or "no response"


@click.command("crawl")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Crawl this source (repeatable; default: every enabled source).")
@click.option("--since", metavar="DATE", default=None,
              help="Backfill from this day (YYYY-MM-DD): walk listings back to it. Without it: what is new "
                   "now (feeds and first listing pages).")
@click.option("--until", metavar="DATE", default=None, help="Last day of the backfill (YYYY-MM-DD).")
@click.option("--topic", metavar="NAME", default=None, help="Judge relevance by this topic only.")
@db_option()
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False), default=None,
              help=CONFIG_HELP)
@click.option("--route", "routes", multiple=True, metavar="HOST=URL",
              help="Fetch HOST's pages from URL instead (a mirror, a local test server); repeatable.")
@click.option("--exhaustive", is_flag=True,
              help="Also walk the date index day by day (Liputan6, and outlets with an index_url).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop a crawl still running after this many seconds (counted as failed).")
@click.option("--set", "-s", "raw_settings", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write Scrapy's full log (from INFO) to this file (default: no file; errors on stderr, "
                   "more with --log-level).")
@click.option("--distributed", is_flag=True,
              help="Discover here and queue the articles in Redis ([distributed] redis_url) for "
                   "`newswatch worker` processes to fetch.")
@click.pass_context
def crawl_command(ctx: click.Context, sources: tuple[str, ...], since: str | None, until: str | None,
                  topic: str | None, db_url: str | None, config_path: str | None, routes: tuple[str, ...],
                  exhaustive: bool, timeout: float | None, raw_settings: tuple[str, ...],
                  log_file: Path | None, distributed: bool = False) -> None:
    """Crawl once now and store what is new; a summary per source at the end."""
    config = load(config_path, config_overrides(raw_settings))
    names = choose_sources(config, sources)
    since_day, until_day = parse_day(since, "--since"), parse_day(until, "--until")
    refuse_future(since_day, "--since")
    if since_day and until_day and since_day > until_day:
        raise NewswatchError(f"--since {since_day} is after --until {until_day}")
    if topic is not None and topic not in config.topics:
        known = ", ".join(sorted(config.topics)) or "none"
        raise NewswatchError(f"--topic: unknown topic {topic!r} (known: {known})")
    route_map = route_pairs(routes)
    overrides = {"NEWSWATCH_PROGRESS": True, **scrapy_sets(raw_settings)}
    if distributed:
        from crawler.crawl.distributed.settings import check_redis, distributed_settings

        check_redis(config)
        overrides.update(distributed_settings(config, "seed"))
    url = db_url or config.storage.url
    # A database that cannot be opened or written (read-only) fails here, before any request.
    with Store.open(url) as store:
        store.check_writable()

    setup_logging(log_file, bool(ctx.obj and ctx.obj.get("debug")))
    outcomes = run_crawls_blocking(names, config, db_url=url, since=since_day, until=until_day, topic=topic,
                                   exhaustive=exhaustive, routes=route_map, timeout=timeout,
                                   overrides=overrides)

    for outcome in outcomes:
        click.echo(summary_line(outcome))
        if distributed:
            queued = int(outcome.stats.get("newswatch/distributed/queued", 0) or 0)
            repeated = int(outcome.stats.get("newswatch/distributed/duplicate", 0) or 0)
            click.echo(f"{outcome.source}: {queued} article request(s) queued for the workers, "
                       f"{repeated} already queued")
    errors = sum(int(o.stats.get("log_count/ERROR", 0) or 0) for o in outcomes)
    if errors:
        click.echo(f"{errors} error(s) logged: see {log_file or 'the log above'}", err=True)
    # A database that refused a write mid-crawl (full, or read-only in a way the check could not see): one
    # line per distinct problem, however many crawls met it.
    for problem in dict.fromkeys(o.error for o in outcomes if o.error):
        click.echo(f"newswatch: error: {problem}", err=True)
    unreachable = [o for o in outcomes if o.unreachable]
    for outcome in unreachable:
        click.echo(f"newswatch: error: cannot reach {outcome.source} ({_failure_kinds(outcome.stats)}); "
                   f"{UNREACHABLE_HINT}", err=True)
    if INTERRUPTED_BY or any(o.outcome == "interrupted" for o in outcomes):
        # Ctrl-C (or SIGTERM): the crawls were closed and recorded "interrupted"; the summary above says how
        # far they got. The exit status is the shell's for a process a signal ended: 130, or 143.
        click.echo("newswatch: interrupted", err=True)
        sys.exit(128 + (INTERRUPTED_BY[0] if INTERRUPTED_BY else signal.SIGINT))
    sys.exit(0 if all(o.ok for o in outcomes) else 1)


COMMANDS = [crawl_command]
