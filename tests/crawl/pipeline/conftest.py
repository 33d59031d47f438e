"""Pipeline tests share the loopback server fixture (tests/servers)."""

from tests.servers import loopback_server

__all__ = ["loopback_server"]
