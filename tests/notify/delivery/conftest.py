"""Fixtures for delivery tests: the loopback SMTP server of tests/notify/mail and a world around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notify.delivery.world import PASSWORD_ENV, World
from tests.notify.mail.conftest import smtp_server, smtp_server_factory, tls_files  # noqa: F401
from tests.notify.mail.smtpserver import TEST_PASSWORD, LoopbackSmtpServer


@pytest.fixture
def world(tmp_path: Path, smtp_server: LoopbackSmtpServer,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[World]:
    """A config file pointing at the loopback server, a fresh database (a SQLite file, and again a PostgreSQL
    database: every delivery test runs on both), the password in an env var."""
    monkeypatch.setenv(PASSWORD_ENV, TEST_PASSWORD)
    monkeypatch.delenv("NEWSWATCH_DB", raising=False)
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    made = World(tmp_path, smtp_server, db_url)
    yield made
    made.close()
