"""`newswatch feed`: an Atom 1.0 feed of the matched coverage (crawler/notify/atom.py), to a file or stdout.

    newswatch feed --topic kazakhstan-unrest --out kazakhstan.atom
    newswatch feed --source bbc --since 2022-01-01 --updates      # revisions as entries of their own too
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.cli.articles import db_option, opened, parse_when
from crawler.core.errors import InputError
from crawler.notify.atom import build_feed, feed_id

DEFAULT_LIMIT = 100


@click.command("feed")
@db_option
@click.option("--topic", default=None, help="Only articles that matched this topic.")
@click.option("--source", default=None, help="Only this source (liputan6, bbc, ...).")
@click.option("--since", metavar="DATE", default=None,
              help="Articles published (revisions fetched) on or after this day (YYYY-MM-DD, UTC) "
                   "or ISO time.")
@click.option("--updates", is_flag=True,
              help="Material revisions too, as entries of their own (what changed).")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="At most this many articles (and as many revisions): the newest.")
@click.option("--title", default=None, help="The feed's title (default: from the topic and source).")
@click.option("--self-url", metavar="URL", default=None,
              help="Where the feed will be served (its self link).")
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False), default="-",
              help="File to write (default: standard output); replaced atomically.")
def feed_command(db_url: str | None, topic: str | None, source: str | None, since: str | None, updates: bool,
                 limit: int, title: str | None, self_url: str | None, out: str) -> None:
    """Write an Atom feed of the stored coverage: new articles, and with --updates their revisions."""
    moment = parse_when(since, option="--since")
    with opened(db_url) as store:
        articles = store.list_articles(source=source, topic=topic, since=moment, limit=limit)
        revisions = store.feeds.revisions(source=source, topic=topic, since=moment, limit=limit) if updates \
            else []
    about = " · ".join(part for part in (topic, source) if part) or "all coverage"
    data = build_feed(articles, revisions, title=title or f"newswatch: {about}",
                      feed_id=feed_id(topic=topic, source=source, updates=updates), now=datetime.now(UTC),
                      self_url=self_url)
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        _write_atomically(Path(out), data)
    count = len(articles) + len(revisions)
    click.echo(f"feed: {len(articles)} article(s), {len(revisions)} revision(s)"
               + ("" if out == "-" else f" written to {out}") + ("" if count else " (empty)"), err=True)


def _write_atomically(path: Path, data: bytes) -> None:
    # A feed reader or web server polling the file never sees half a feed.
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".feed-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


COMMANDS = [feed_command]
