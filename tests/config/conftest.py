from tests.servers import loopback_server

__all__ = ["loopback_server"]
