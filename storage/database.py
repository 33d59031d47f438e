"""The connection layer every repository of storage/ shares: engine, transactions, dialect-aware upserts.

`Database` owns the engine and knows how to open a read or a write transaction and how to build an upsert on
this dialect; the repositories (`Store` in store.py, `DeliveryStore`/`NoticeStore` in deliveries.py,
`HealthStore` in health.py) hold the SQL of their tables on top of it. Kept apart from store.py so that those
modules depend on this one and never on each other (no import circle).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Self

from sqlalchemy import Connection, Engine, Insert, delete, false
from sqlalchemy.dialects import postgresql, sqlite

from crawler.core.errors import StorageError
from storage import schema as s
from storage.engine import WRITE_OPTION, display_url, sqlite_file, translate_errors

FileChange = Literal["deleted", "replaced"]


class Database:
    """An engine and the transactions on it. Close with close() (or use as a context manager)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        # The SQLite file as opened: a long-lived process (the watch daemon) compares it with what is at the
        # path now, since its pooled connections keep using a deleted or replaced file (see file_change).
        self.file: Path | None = sqlite_file(engine.url)
        self._identity = _file_identity(self.file)
        # A connection of our own holds the file open, so that its inode cannot be freed and handed to a new
        # file at the path (ext4 reuses the lowest free inode at once) while no pooled connection is open:
        # the daemon closes its idle ones between cycles (release_idle_connections), and (device, inode)
        # would then call a new file the same. A SQLite connection, not os.open: closing a plain descriptor
        # of the file would drop every POSIX lock SQLite's own connections in this process hold on it. It
        # never reads, so it keeps no pages.
        self._anchor = _anchor(self.file) if self._identity is not None else None

    def close(self) -> None:
        self.engine.dispose()
        if self._anchor is not None:
            self._anchor.close()
            self._anchor = None

    def release_idle_connections(self) -> bool:
        """SQLite: close the pooled connections not in use now (the next statement opens a fresh one, and a
        connection in use is closed when it is returned); whether it did. For a long-lived process between
        bursts of work: every SQLite connection keeps a page cache of its own in this process (up to 2 MB)
        that fills as the database grows. A server database keeps its connections (their memory is the
        server's), and so does an in-memory SQLite database (it lives only as long as its connection)."""
        if self.engine.dialect.name != "sqlite" or self.file is None:
            return False
        self.engine.dispose()
        return True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({display_url(self.url)!r})"

    def file_change(self) -> FileChange | None:
        """Whether the SQLite file opened is gone from its path ("deleted") or another file sits there now
        ("replaced", e.g. `mv other.db` over it). None: the same file, or no file to compare (PostgreSQL, in
        memory, a path that cannot be examined).

        Connections already open keep using the old file (a deleted inode lives on while open), while a new
        process opening the path gets the new one: a writer and a reader would silently part ways.
        """
        if self.file is None or self._identity is None:
            return None
        try:
            now = _file_identity(self.file, strict=True)
        except FileNotFoundError:
            return "deleted"
        if now is None:
            return None
        return "replaced" if now != self._identity else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def check_writable(self) -> None:
        """Raise StorageError (one line: "the database is read-only: ...") unless the database takes writes.

        A write that changes nothing, then rolled back: BEGIN IMMEDIATE alone succeeds on a read-only SQLite
        file; only a writing statement meets SQLITE_READONLY. A full database is not found this way (a
        write that allocates nothing fits), so writers still handle StorageError.
        """
        with translate_errors(self.url), self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            transaction = conn.begin()
            try:
                conn.execute(delete(s.crawl_runs).where(false()))
            finally:
                transaction.rollback()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception."""
        with translate_errors(self.url), self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with translate_errors(self.url), self.engine.connect() as conn, conn.begin():
            yield conn

    def _insert(self, table: Any) -> Insert:
        """An INSERT that can take ON CONFLICT clauses on this dialect."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        if self.dialect == "sqlite":
            return sqlite.insert(table)
        raise StorageError(f"unsupported database dialect {self.dialect!r}: use SQLite or PostgreSQL")

    def _upsert(self, conn: Connection, table: Any, values: dict[str, Any], keys: Sequence[str],
                update_columns: Sequence[str] | None = None) -> None:
        stmt: Any = self._insert(table).values(**values)
        columns = [c for c in (update_columns if update_columns is not None else values) if c not in keys]
        if columns:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                              set_={c: stmt.excluded[c] for c in columns})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(stmt)


def _anchor(path: Path | None) -> sqlite3.Connection | None:
    """A read-only SQLite connection to `path` (see Database.__init__); None if it cannot be opened."""
    if path is None:
        return None
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.Error:
        return None


def _file_identity(path: Path | None, *, strict: bool = False) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`; None when there is none (FileNotFoundError if strict)."""
    if path is None:
        return None
    try:
        status = path.stat()
    except FileNotFoundError:
        if strict:
            raise
        return None
    except OSError:
        return None
    return (status.st_dev, status.st_ino)
