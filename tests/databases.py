"""The databases tests run on: a SQLite file, or a PostgreSQL database of their own on the local server.

The `db_url` fixture (tests/conftest.py) is parametrised over both, so one test body covers both engines.
PostgreSQL is the server on 127.0.0.1:5432 (trust auth, user postgres; $NEWSWATCH_TEST_PG overrides the admin
URL). Each test gets a fresh database, created here and dropped (WITH (FORCE): a daemon the test killed may
still hold a connection) when the test ends. Unreachable: the test is skipped with the reason, or fails when
CI is set (CI must not pass by skipping the PostgreSQL half).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("NEWSWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ENGINES = ("sqlite", "postgresql")
_unreachable: str | None = None  # the reason, once a connection attempt failed (not retried per test)


def _admin() -> Any:
    import psycopg

    url = make_url(ADMIN_URL)
    return psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                           user=url.username or "postgres", password=url.password,
                           dbname=url.database or "postgres", autocommit=True,
                           connect_timeout=3)


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it answers."""
    global _unreachable
    if _unreachable is None:
        try:
            with _admin() as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # ImportError (no psycopg) or any connection error
            _unreachable = f"PostgreSQL at {make_url(ADMIN_URL).render_as_string()} unavailable: " + \
                " ".join(str(exc).split())[:200]
            return _unreachable
        _unreachable = ""
    return _unreachable or None


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is unreachable; under CI, fail instead."""
    reason = postgres_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: PostgreSQL must answer)")
        pytest.skip(reason)


def create_database() -> str:
    """A new empty database on the test server; its SQLAlchemy URL."""
    name = f"nwtest_{uuid.uuid4().hex[:12]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name) \
        .render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of the calling test's own (skipped or failed when the server is unreachable)."""
    require_postgres()
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


@contextmanager
def database_url(engine: str, directory: Path) -> Iterator[str]:
    """A URL of the given engine: a SQLite file under `directory` (not created), or a fresh PG database."""
    if engine == "sqlite":
        yield f"sqlite:///{directory / 'data' / 'newswatch.db'}"
        return
    with postgres_database() as url:
        yield url


def query(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of `sql` (with ? placeholders) read through a connection of its own, on either engine."""
    parts = sql.split("?")
    named = parts[0] + "".join(f":p{i}{rest}" for i, rest in enumerate(parts[1:]))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(named), {f"p{i}": v for i, v in enumerate(params)})
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def count(url: str, table: str) -> int:
    return int(query(url, f"SELECT count(*) FROM {table}")[0][0])
