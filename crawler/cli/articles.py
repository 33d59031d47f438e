"""`newswatch articles list|show|search|export`: read what the crawls stored."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

import click

from crawler.cli import configuring
from crawler.cli.configuring import load
from crawler.cli.revisions import compare, history, parse_ref, parse_version, pick
from crawler.core.errors import InputError
from storage import EXPORT_FIELDS, Store, StoredArticle


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--db: a URL or an SQLite path (default: the config's storage.url, which $NEWSWATCH_DB overrides)."""
    return configuring.db_option()(func)


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")(func)
    func = click.option("--until", metavar="DATE", default=None,
                        help="Published on or before this day (YYYY-MM-DD, UTC) or before an ISO time.")(func)
    func = click.option("--since", metavar="DATE", default=None,
                        help="Published on or after this day (YYYY-MM-DD, UTC) or ISO time.")(func)
    func = click.option("--topic", default=None, help="Only articles that matched this topic.")(func)
    return click.option("--source", default=None, help="Only this source (liputan6, bbc, ...).")(func)


def parse_when(value: str | None, *, option: str, end: bool = False) -> datetime | None:
    """A day or an ISO time as a UTC datetime. A day given to --until counts whole (up to its end)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"{option} must be a day (2022-01-07) or an ISO time, got {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def opened(db_url: str | None) -> Iterator[Store]:
    # --db, else the config's storage.url (its file, $NEWSWATCH_DB, --set), as for every command. Reading
    # commands never create a database: a typo in --db should say so, not show an empty list.
    store = Store.open(db_url or load().storage.url, create=False)
    try:
        yield store
    finally:
        store.close()


def _filters(source: str | None, topic: str | None, since: str | None, until: str | None,
             limit: int | None) -> dict[str, Any]:
    return {"source": source, "topic": topic, "since": parse_when(since, option="--since"),
            "until": parse_when(until, option="--until", end=True), "limit": limit}


def _summary(article: StoredArticle) -> dict[str, Any]:
    return {"source": article.source, "article_id": article.article_id, "url": article.url,
            "title": article.title, "published_at": article.published_at, "topics": article.topics,
            "version_no": article.version_no, "last_changed_at": article.last_changed_at,
            "deleted_at": article.deleted_at}


@click.group()
def articles() -> None:
    """List, show, search and export the stored articles."""


@articles.command("list")
@db_option
@filter_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(db_url: str | None, source: str | None, topic: str | None, since: str | None,
                 until: str | None, limit: int | None, fmt: str) -> None:
    """List stored articles, newest publication first."""
    filters = _filters(source, topic, since, until, limit)
    with opened(db_url) as store:
        found = store.list_articles(**filters)
    if fmt == "json":
        click.echo(json.dumps([_summary(a) for a in found], ensure_ascii=False, indent=2))
        return
    for a in found:
        versions = f"v{a.version_no}" + (" deleted" if a.deleted_at else "")
        title = a.title or "(no title)"
        click.echo(f"{a.published_at or '-':<25}  {a.source}:{a.article_id}  {versions}  {title}")
    click.echo(f"{len(found)} article(s)", err=True)


@articles.command("show")
@db_option
@click.argument("source")
@click.argument("article_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--bodies", is_flag=True, help="Print the body of every version, not only the latest.")
def show_command(db_url: str | None, source: str, article_id: str | None, fmt: str, bodies: bool) -> None:
    """Show one stored article and its versions, e.g. `show liputan6:4854367` (or `show liputan6 4854367`).

    Each version is listed with when it was fetched and a one-line summary of what changed from the one
    before; `articles diff` shows the change itself.
    """
    source, article_id = parse_ref(source, article_id)
    with opened(db_url) as store:
        article = store.get_article(source, article_id)
    if article is None:
        raise InputError(f"no stored article {source}:{article_id}")
    summaries = {v.version_no: summary for v, summary in history(article)}
    if fmt == "json":
        data = {name: getattr(article, name) for name in EXPORT_FIELDS}
        data["versions"] = [{**v.__dict__, "summary": summaries[v.version_no]} for v in article.versions]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{article.source}:{article.article_id}  {article.title or '(no title)'}")
    for label, value in (("url", article.url), ("published", article.published_at),
                         ("modified", article.modified_at), ("authors", ", ".join(article.authors)),
                         ("topics", ", ".join(article.topics)), ("first seen", article.first_seen_at),
                         ("last seen", article.last_seen_at), ("deleted", article.deleted_at)):
        if value:
            click.echo(f"  {label}: {value}")
    click.echo(f"  versions: {len(article.versions)}")
    for v in article.versions:
        changed = "" if v.version_no == 1 else ("  material" if v.material else "  minor")
        click.echo(f"    v{v.version_no}  {v.fetched_at}  {v.body_hash[:12]}{changed}  {v.title or ''}")
        click.echo(f"        {summaries[v.version_no]}")
        if bodies and v.version_no != article.version_no:
            click.echo("")
            click.echo(v.body)
            click.echo("")
    click.echo("")
    if article.lead:
        click.echo(article.lead)
        click.echo("")
    click.echo(article.body)


@articles.command("diff")
@db_option
@click.argument("ref", metavar="SOURCE:ID")
@click.option("--from", "from_no", metavar="N", default=None,
              help="The older version (default: the one before --to).")
@click.option("--to", "to_no", metavar="M", default=None, help="The newer version (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_command(db_url: str | None, ref: str, from_no: str | None, to_no: str | None, fmt: str) -> None:
    """What changed between two stored versions of an article, e.g. `diff liputan6:4854367 --from 1`.

    Title, added, removed and changed paragraphs, as the "Updated" alert shows them (nothing clipped).
    """
    source, article_id = parse_ref(ref)
    first, last = parse_version(from_no, "--from"), parse_version(to_no, "--to")
    with opened(db_url) as store:
        article = store.get_article(source, article_id)
    if article is None:
        raise InputError(f"no stored article {source}:{article_id}")
    revision = compare(*pick(article, first, last))
    if fmt == "json":
        data = {"source": article.source, "article_id": article.article_id, "url": article.url,
                **revision.to_json()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    before, after = revision.before, revision.after
    click.echo(f"{article.source}:{article.article_id}  v{before.version_no} ({before.fetched_at}) -> "
               f"v{after.version_no} ({after.fetched_at})  {after.title or before.title or '(no title)'}")
    click.echo(f"Summary: {revision.summary()}")
    click.echo("")
    click.echo(revision.text(), nl=False)


@articles.command("search")
@db_option
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def search_command(db_url: str | None, words: tuple[str, ...], limit: int, fmt: str) -> None:
    """Full-text search in titles, leads and bodies (all WORDS must appear; "a phrase"; prefix*; OR)."""
    query = " ".join(f'"{w}"' if " " in w else w for w in words)
    with opened(db_url) as store:
        hits = store.search(query, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=2))
        return
    for h in hits:
        click.echo(f"{h.source}:{h.article_id}  {h.published_at or '-'}  {h.title or '(no title)'}")
        click.echo(f"    {' '.join(h.snippet.split())}")
    click.echo(f"{len(hits)} match(es)", err=True)


@articles.command("export")
@db_option
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
@click.option("--versions", "with_versions", is_flag=True, help="JSON Lines only: include every version.")
def export_command(db_url: str | None, source: str | None, topic: str | None, since: str | None,
                   until: str | None, limit: int | None, fmt: str, output: str, with_versions: bool) -> None:
    """Export stored articles as JSON Lines (one article a line) or CSV (lists joined by "; ")."""
    if with_versions and fmt == "csv":
        raise InputError("--versions needs --format jsonl: CSV has one row per article")
    filters = _filters(source, topic, since, until, limit)
    with opened(db_url) as store:
        rows = list(store.export_rows(**filters, with_versions=with_versions))
    try:
        if output == "-":
            count = _write(sys.stdout, rows, fmt)
        else:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                count = _write(handle, rows, fmt)
    except BrokenPipeError:
        raise  # standard output closed by its reader: the command group ends quietly
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"exported {count} article(s)" + ("" if output == "-" else f" to {output}"), err=True)


def _write(handle: TextIO, rows: list[dict[str, Any]], fmt: str) -> int:
    if fmt == "jsonl":
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return len(rows)
    writer = csv.DictWriter(handle, fieldnames=list(EXPORT_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})
    return len(rows)


COMMANDS = [articles]
