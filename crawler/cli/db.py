"""`newswatch db upgrade|current|history`: the database schema's Alembic revisions.

Every command that opens the database upgrades it already (Store.open); `db upgrade` does it on its own, e.g.
before starting several workers or daemons on a new release, and `db current` only reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import Engine

from crawler.cli.alerts import common_options
from crawler.cli.configuring import load
from crawler.core.errors import StorageError
from storage.engine import display_url, make_engine, translate_errors
from storage.migrations import current_revision, head, history, migrate


@contextmanager
def _engine(config_path: str | None, db_url: str | None, *, create: bool) -> Iterator[tuple[Engine, str]]:
    url = db_url or load(config_path).storage.url
    engine = make_engine(url, create=create)
    try:
        with translate_errors(url):
            yield engine, url
    finally:
        engine.dispose()


@click.group("db")
def db() -> None:
    """The database schema: upgrade it, show its revision, list the revisions."""


@db.command("upgrade")
@common_options
def upgrade_command(config_path: str | None, db_url: str | None) -> None:
    """Apply the pending schema revisions (safe while other processes use or upgrade the database)."""
    with _engine(config_path, db_url, create=True) as (engine, url):
        applied = migrate(engine)
    if applied:
        click.echo(f"upgraded {display_url(url)} to {head()}: applied {', '.join(applied)}")
    else:
        click.echo(f"{display_url(url)} is up to date at {head()}")


@db.command("current")
@common_options
def current_command(config_path: str | None, db_url: str | None) -> None:
    """Show the database's schema revision (read only: nothing is upgraded)."""
    with _engine(config_path, db_url, create=False) as (engine, url):
        current = current_revision(engine)
    newest = head()
    if current is not None and current not in {r.id for r in history()}:
        raise StorageError(f"{current}: a revision of a newer newswatch (this one's head is {newest})")
    if current is None:
        click.echo(f"{display_url(url)}: no schema yet (head is {newest}: run newswatch db upgrade)")
    elif current == newest:
        click.echo(f"{current} (head)")
    else:
        click.echo(f"{current} (head is {newest}: run newswatch db upgrade)")


@db.command("history")
def history_command() -> None:
    """List the schema revisions, oldest first."""
    revisions = history()
    width = max(len(r.id) for r in revisions)
    for revision in revisions:
        first_line = revision.doc.splitlines()[0] if revision.doc else ""
        mark = " (head)" if revision.id == revisions[-1].id else ""
        click.echo(f"{revision.id.ljust(width)}  {first_line}{mark}")


COMMANDS = [db]
