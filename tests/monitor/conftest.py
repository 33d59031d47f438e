"""Watch tests: a loopback web server and a real SMTP server per test (tests/servers, tests/notify/mail)."""

from tests.notify.mail.conftest import smtp_server, smtp_server_factory
from tests.servers import loopback_server

__all__ = ["loopback_server", "smtp_server", "smtp_server_factory"]
