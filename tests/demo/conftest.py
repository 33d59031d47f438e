"""Fixtures for the replay site tests: a running demo server per test, and a plain HTTP client for it."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from crawler.demo import DemoServer, DemoSite


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))


def fetch(server: DemoServer, real_url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET the server's copy of a real URL, redirects not followed, errors returned rather than raised."""
    request = urllib.request.Request(server.url(real_url), headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Fetched(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers), error.read())


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(DemoSite(step=0)) as server:
        yield server
