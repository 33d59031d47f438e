"""Fixtures for mail tests: a real SMTP server on 127.0.0.1 (port 0) per test, with fault switches.

Other test packages can reuse them by importing into their own conftest.py:
    from tests.notify.mail.conftest import smtp_server, smtp_server_factory, tls_files  # noqa: F401
or use `tests.notify.mail.smtpserver.LoopbackSmtpServer` directly as a context manager.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.notify.smtp import SmtpSettings
from tests.notify.mail.smtpserver import (
    TEST_PASSWORD,
    TEST_USERNAME,
    LoopbackSmtpServer,
    TlsFiles,
    make_self_signed,
)

ServerFactory = Callable[..., LoopbackSmtpServer]


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1, generated once per test session."""
    return make_self_signed(Path(tmp_path_factory.mktemp("smtp-tls")))


@pytest.fixture
def smtp_server_factory() -> Iterator[ServerFactory]:
    """Start servers with options (tls=, tls_files=, auth_required=, ...); all are stopped at the end."""
    started: list[LoopbackSmtpServer] = []

    def start(**options: Any) -> LoopbackSmtpServer:
        server = LoopbackSmtpServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: ServerFactory) -> LoopbackSmtpServer:
    """A plain SMTP server offering AUTH LOGIN/PLAIN (not required) and recording what it accepts."""
    return smtp_server_factory()


def settings_for(server: LoopbackSmtpServer, **overrides: Any) -> SmtpSettings:
    """Client settings for `server`: its port, its security mode, the test credentials, a short timeout."""
    values: dict[str, Any] = {
        "host": server.host, "port": server.port, "security": server.tls or "none",
        "username": TEST_USERNAME, "password": TEST_PASSWORD, "timeout": 5.0,
        "from_address": "newswatch <alerts@newswatch.test>",
    }
    if server.tls and server.tls_files:
        values["ca_file"] = str(server.tls_files.cert)
    values.update(overrides)
    return SmtpSettings(**values)
