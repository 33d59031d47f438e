"""Engine set-up: which database, how SQLite connections behave, and how driver errors reach the user.

SQLite is the default (a file under data/). Every connection gets WAL mode (readers never block the writer),
a busy timeout (a second crawl process waits for the lock instead of failing) and foreign keys. pysqlite's own
transaction handling is switched off so that we emit BEGIN ourselves: write transactions start with BEGIN
IMMEDIATE, which takes the write lock up front. A deferred transaction that reads and then writes cannot wait
for the lock (SQLite returns "database is locked" at once to avoid a deadlock), so writers must never start
deferred.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from crawler.core.errors import StorageError
from crawler.core.locations import database_url

ENV_VAR = "NEWSWATCH_DB"
DEFAULT_SQLITE_PATH = Path("data") / "newswatch.db"
DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's write lock

# Execution option read by the "begin" hook: this connection is about to write.
WRITE_OPTION = "newswatch_write"


def default_db_url() -> str:
    """$NEWSWATCH_DB when set (a URL, or a plain path to an SQLite file: crawler/core/locations.py reads it
    as every command does), else the SQLite file data/newswatch.db under the current directory."""
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return database_url(from_env, f"${ENV_VAR}")
    return f"sqlite:///{DEFAULT_SQLITE_PATH.as_posix()}"


def display_url(url: str | URL) -> str:
    """The URL for messages, with any password hidden (and otherwise as the user wrote it)."""
    try:
        parsed = make_url(url)
        if parsed.password is None:
            return str(url) if isinstance(url, str) else parsed.render_as_string(hide_password=False)
        return parsed.render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return str(url)


def sqlite_file(url: URL) -> Path | None:
    """The file behind a SQLite URL; None for other dialects and in-memory databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or "mode=memory" in database:
        return None
    if database.startswith("file:"):  # URI filename: file:path?mode=ro
        database = database[len("file:"):].split("?", 1)[0]
    return Path(database)


def is_read_only_url(url: URL) -> bool:
    """Whether a SQLite URL opens its file read-only (`mode=ro`), however it is written.

    `sqlite:///file:data/x.db?mode=ro&uri=true` puts `mode` in url.query (SQLAlchemy hands the query to the
    driver's URI); a `?mode=ro` inside the database name itself (old style, quoted) also counts.
    """
    if url.get_backend_name() != "sqlite":
        return False
    mode = url.query.get("mode")
    modes = [mode] if isinstance(mode, str) else list(mode or ())
    return "ro" in modes or "mode=ro" in (url.database or "")


def make_engine(url_text: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
                sqlite_pragmas: Mapping[str, Any] | None = None, create: bool = True) -> Engine:
    """An engine for url_text. For a SQLite file, creates its parent directories (when create is true)."""
    try:
        url = make_url(url_text)
    except sa_exc.ArgumentError as exc:
        raise StorageError(f"invalid database URL {url_text!r}: expected e.g. sqlite:///data/newswatch.db") \
            from exc
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StorageError(f"unsupported database {display_url(url)}: use SQLite (sqlite:///path) or "
                           "PostgreSQL (postgresql://user@host/dbname)")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 (newswatch[postgres]), not psycopg2
    path = sqlite_file(url)
    connect_args: dict[str, Any] = {}
    if backend == "postgresql" and "options" not in url.query:
        # The durability SQLite gets from WAL with synchronous=NORMAL (below): a commit is not waited onto
        # disk, so a crash of the machine may lose the last commits, never corrupt anything. Saves an fsync
        # per stored article. `?options=-csynchronous_commit%3Don` in the URL restores the server default.
        connect_args["options"] = "-c synchronous_commit=off"
    if url.get_backend_name() == "sqlite":
        connect_args["timeout"] = busy_timeout
        if (url.database or "").startswith("file:"):
            connect_args["uri"] = True
    if path is not None and not is_read_only_url(url):
        if not create and not path.exists():
            raise StorageError(f"no database at {path}: run a crawl first, or pass --db")
        blocking = next((p for p in path.parents if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise StorageError(f"cannot create {path}: {blocking} is a file, not a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the directory for {display_url(url)}: "
                               f"{exc.strerror or exc}") from exc
    try:
        engine = create_engine(url, connect_args=connect_args)
    except ImportError as exc:
        hint = ": pip install 'newswatch[postgres]'" if backend == "postgresql" else ""
        raise StorageError(f"cannot use database {display_url(url)}: {exc}{hint}") from exc
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
        raise StorageError(f"cannot use database {display_url(url)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout, dict(sqlite_pragmas or {}), in_memory=path is None,
                          read_only=is_read_only_url(url))
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float, pragmas: dict[str, Any], in_memory: bool,
                      read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see the module docstring)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
                # Switching to WAL is a write; a read-only file that is not WAL yet is left as it is.
                if str(mode).lower() != "wal" and not read_only:
                    cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, far fewer fsyncs
            for name, value in pragmas.items():
                cursor.execute(f"PRAGMA {name} = {int(value) if isinstance(value, bool) else value}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


# Driver messages (lower case) to the one line a user can act on.
_MESSAGES = (
    ("readonly", "the database is read-only"),
    ("read-only", "the database is read-only"),
    ("disk is full", "the database or its disk is full"),
    ("database is locked", "the database stayed locked by another process for too long"),
    ("unable to open", "cannot open the database file"),
    ("file is not a database", "the file is not a SQLite database"),
    ("disk i/o error", "disk I/O error while using the database"),
    ("could not connect", "cannot connect to the database server"),
    ("connection refused", "cannot connect to the database server"),
)


def storage_message(exc: BaseException, url: str | URL) -> str:
    """One line for a driver error: what went wrong, on which database."""
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split())
    lowered = text.lower()
    for needle, message in _MESSAGES:
        if needle in lowered:
            return f"{message}: {display_url(url)} ({text})"
    return f"database error on {display_url(url)}: {text}"


@contextmanager
def translate_errors(url: str | URL) -> Iterator[None]:
    """Turn driver errors into StorageError. The transaction has been rolled back by then."""
    try:
        yield
    except StorageError:
        raise
    except (sa_exc.OperationalError, sa_exc.DatabaseError, sa_exc.InterfaceError) as exc:
        raise StorageError(storage_message(exc, url)) from exc
