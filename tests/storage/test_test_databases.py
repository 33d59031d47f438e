"""The rule of tests/databases.py: an unreachable PostgreSQL skips the PostgreSQL half with the reason, and
fails it under CI (where .ci/services has started the server, so a skip would hide a broken set-up)."""

from __future__ import annotations

import pytest

from tests import databases


def test_unreachable_server_skips_with_the_reason_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(databases, "ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    monkeypatch.setattr(databases, "_unreachable", None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"PostgreSQL at postgresql\+psycopg://postgres@127\.0\.0\.1:1/"):
        databases.require_postgres()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set: PostgreSQL must answer"):
        databases.require_postgres()


def test_each_database_is_dropped_after_its_test() -> None:
    with databases.postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        assert databases.query(url, "SELECT current_database()") == [(name,)]
    admin = databases.ADMIN_URL
    assert databases.query(admin, "SELECT count(*) FROM pg_database WHERE datname = ?", name) == [(0,)]
