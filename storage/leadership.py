"""Which `newswatch watch` daemon runs the monitor on a database: one leads, the others wait.

PostgreSQL: the leader holds a session-level advisory lock on a connection of its own (autocommit, outside
the pool). Nothing has to expire: when the leader dies, however it dies, its connection closes and the server
releases the lock, so a standby polling with pg_try_advisory_lock takes over within one poll. The leader
checks on every heartbeat that its connection still holds the lock; when it does not (the connection broke,
an admin ended it), another daemon may already lead, so it must stop at once. The connection's
application_name says who holds the lock, for the standby's log line.

SQLite: one daemon per file. An exclusive flock on `<file>.watch.lock` (released by the kernel when the
process dies) makes a second daemon refuse to start with one line; a standby needs a database server.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from crawler.core.errors import StorageError
from storage.engine import display_url, make_engine, sqlite_file

LEADER_LOCK_KEY = 7_260_010_002  # pg_try_advisory_lock key of the monitor's leader (bigint form)
_HI, _LO = LEADER_LOCK_KEY >> 32, LEADER_LOCK_KEY & 0xFFFFFFFF  # how pg_locks shows a bigint key


def whoami() -> str:
    return f"newswatch watch {os.getpid()}@{socket.gethostname()}"


class Leadership:
    """The right to run the monitor on one database. try_acquire() until true, holds() on each heartbeat,
    release() at the end (dying releases it too)."""

    standby_possible = False  # whether a daemon that is not the leader may wait for its turn

    def __init__(self, url: str) -> None:
        self.url = url

    def try_acquire(self) -> bool:
        return True

    def holds(self) -> bool:
        return True

    def holder(self) -> str | None:
        """Who leads now, when known (for log lines)."""
        return None

    def release(self) -> None:
        return None


class PostgresLeadership(Leadership):
    standby_possible = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._held = False

    def _connection(self) -> Connection:
        if self._conn is None:
            if self._engine is None:
                self._engine = make_engine(self.url)
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._conn.execute(text("SELECT set_config('application_name', :name, false)"),
                               {"name": whoami()[:63]})
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()  # never back to the pool: a lock might ride along
            self._conn = None

    def try_acquire(self) -> bool:
        if self._held:
            return self.holds()
        try:
            got = bool(self._connection().scalar(text(f"SELECT pg_try_advisory_lock({LEADER_LOCK_KEY})")))
        except Exception:
            self._drop_connection()  # the server is away: try again with a new connection next time
            return False
        self._held = got
        return got

    def holds(self) -> bool:
        if not self._held:
            return False
        try:
            count = self._connection().scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = :hi AND objid = :lo AND objsubid = 1"),
                {"hi": _HI, "lo": _LO})
        except Exception:
            count = 0
        if not count:
            self._held = False
            self._drop_connection()
        return bool(count)

    def holder(self) -> str | None:
        try:
            return self._connection().scalar(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi AND l.objid = :lo "
                "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
                "WHERE datname = current_database()) LIMIT 1"), {"hi": _HI, "lo": _LO}) or None
        except Exception:
            self._drop_connection()
            return None

    def release(self) -> None:
        if self._held and self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text(f"SELECT pg_advisory_unlock({LEADER_LOCK_KEY})"))
        self._held = False
        self._drop_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class SqliteLeadership(Leadership):
    def __init__(self, url: str, path: Path) -> None:
        super().__init__(url)
        self.lock_path = path.with_name(path.name + ".watch.lock")
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.lock_path.open("a+", encoding="utf-8")
        except OSError:
            # A directory we cannot write to: the database there takes no writes either, and the daemon
            # says so in its own words (Store.check_writable) before it could watch anything.
            return True
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(whoami() + "\n")
        handle.flush()
        self._file = handle
        return True

    def holder(self) -> str | None:
        try:
            return self.lock_path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def leadership_for(url: str) -> Leadership:
    """The leadership scheme of the database at `url` (an in-memory SQLite database needs none)."""
    parsed: Any = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgresLeadership(url)
    path = sqlite_file(parsed)
    if path is not None:
        return SqliteLeadership(url, path)
    return Leadership(url)


def refuse_second_daemon(leadership: Leadership) -> StorageError:
    """The one line for a daemon that cannot lead and cannot wait (SQLite)."""
    holder = leadership.holder()
    who = f" ({holder})" if holder else ""
    return StorageError(f"another newswatch watch{who} is already running on {display_url(leadership.url)}: "
                        "with SQLite only one daemon can watch a database (stop it first, or use PostgreSQL "
                        "to run a standby)")


def monitor_leader(url: str) -> str | None:
    """Which daemon leads the monitor on the database at `url` now ("newswatch watch PID@HOST"), or None.

    For `newswatch status`: reads without taking anything (a daemon starting meanwhile is never refused).
    On SQLite the lock file names the daemon; a name whose process is gone (killed) counts as none.
    """
    leadership = leadership_for(url)
    if isinstance(leadership, PostgresLeadership):
        try:
            return leadership.holder()
        finally:
            leadership.release()
    holder = leadership.holder()
    if not holder:
        return None
    pid_text, _, host = holder.rsplit(" ", 1)[-1].partition("@")
    if host == socket.gethostname() and pid_text.isdigit():
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, someone else's
    return holder
