"""Fixtures for channel tests: a loopback webhook receiver beside the loopback SMTP server and the delivery
world of tests/notify/delivery (a real config file and SQLite database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notify.delivery.conftest import world  # noqa: F401
from tests.notify.mail.conftest import smtp_server, smtp_server_factory, tls_files  # noqa: F401
from tests.servers.webhook import WebhookReceiver


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()
