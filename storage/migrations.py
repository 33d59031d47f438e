"""Schema migrations on Alembic: one chain of revisions (storage/schema_revisions/versions/) for SQLite and
PostgreSQL, applied when a store opens (`Store.open`) and by `newswatch db upgrade`.

A revision describes its tables as they were when it was written (never by importing storage/schema.py, which
moves on), so upgrading an old database always replays the same steps. Where SQLite has no ALTER for a change
a revision uses Alembic's batch mode (copy and move the table).

The whole upgrade is one transaction, taken as a writer: BEGIN IMMEDIATE on SQLite (DDL is transactional
there), and on PostgreSQL a transaction holding an advisory lock. Two processes upgrading at once therefore
take turns; the second finds the database at head and does nothing. An up-to-date database costs one read of
`alembic_version` and no write lock (read-only files open as before).

A database made before Alembic (by the hand-rolled runner, which recorded names in `schema_migrations`) is
stamped at the revision of the same name as the last migration it recorded, then upgraded; the old table is
left as it was. A revision this newswatch does not know means a newer newswatch migrated the database:
refused.

To change the schema: add a revision file in storage/schema_revisions/versions/ whose down_revision is the
current head (never edit a released one), and update storage/schema.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from crawler.core.errors import StorageError
from storage.engine import WRITE_OPTION

REVISIONS_DIR = Path(__file__).resolve().with_name("schema_revisions")
VERSION_TABLE = "alembic_version"
LEGACY_TABLE = "schema_migrations"  # the hand-rolled runner's record, read once to stamp old databases
MIGRATION_LOCK_KEY = 7_260_010_001  # pg_advisory_xact_lock key held while migrating (PostgreSQL)

logging.getLogger("alembic").setLevel(logging.WARNING)  # "Running upgrade ..." lines are not for users


@dataclass(frozen=True)
class Revision:
    id: str
    down: str | None
    doc: str


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REVISIONS_DIR))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this newswatch knows."""
    found = _script().get_current_head()
    assert found is not None
    return found


def history() -> list[Revision]:
    """Every revision, oldest first."""
    revisions = list(_script().walk_revisions())  # newest first
    return [Revision(str(r.revision), r.down_revision if isinstance(r.down_revision, str) else None,
                     (r.doc or "").strip()) for r in reversed(revisions)]


def _names() -> list[str]:
    return [r.id for r in history()]


def _recorded(conn: Connection) -> str | None:
    """The revision the database is at: Alembic's record, else the legacy table's last name, else None."""
    tables = set(inspect(conn).get_table_names())
    if VERSION_TABLE in tables:
        return MigrationContext.configure(conn).get_current_revision()
    if LEGACY_TABLE in tables:
        done = {str(n) for n in conn.scalars(text(f"SELECT name FROM {LEGACY_TABLE}"))}
        names = _names()
        unknown = sorted(done - set(names))
        if unknown:
            _newer(unknown[0])
        known = [n for n in names if n in done]
        return known[-1] if known else None
    return None


def _newer(revision: str) -> None:
    raise StorageError(f"the database was migrated by a newer newswatch (unknown migration {revision}); "
                       "upgrade newswatch")


def _check_known(revision: str | None) -> None:
    if revision is not None and revision not in _names():
        _newer(revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for a new, empty database)."""
    with engine.connect() as conn, conn.begin():
        return _recorded(conn)


def applied_migrations(engine: Engine) -> list[str]:
    """The revisions applied so far, oldest first ([] for a new database)."""
    current = current_revision(engine)
    _check_known(current)
    names = _names()
    return names[: names.index(current) + 1] if current else []


def migrate(engine: Engine, *, upto: str | None = None) -> list[str]:
    """Upgrade to `upto` (default: head); returns the revisions applied now, oldest first."""
    names = _names()
    target = upto or head()
    if target not in names:
        raise ValueError(f"unknown migration {target!r}")
    if _pending(current_revision(engine), target, names) == []:
        return []
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
            current = _recorded(conn)  # again, under the lock: another process may have just upgraded
            pending = _pending(current, target, names)
            if not pending:
                return []
            context = MigrationContext.configure(conn)
            if current is not None and context.get_current_revision() != current:
                context.stamp(_script(), current)  # a pre-Alembic database: adopt its legacy record
            try:
                command.upgrade(_config(conn), target)
            except CommandError as exc:
                raise StorageError(f"cannot upgrade the database schema: {exc}") from exc
    return pending


def _pending(current: str | None, target: str, names: list[str]) -> list[str]:
    _check_known(current)
    start = names.index(current) + 1 if current else 0
    return names[start: names.index(target) + 1]
