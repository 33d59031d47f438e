"""Routes: send requests for a real host to another base URL, while everything else sees the real URL.

`--route www.liputan6.com=http://127.0.0.1:8000/liputan6` makes `https://www.liputan6.com/indeks?page=2` (and
its robots.txt) download from `http://127.0.0.1:8000/liputan6/indeks?page=2`. HOST is exact or
`*.example.com`.

Routing happens in a download handler wrapped around Scrapy's HTTP handler, the last step before the socket:
middlewares (robots.txt, redirects, retries, the allowed-host filter, the download slot per site), callbacks,
parsers and items all see the real URL, because the routed one exists only inside the handler. A downloader
middleware that rewrote request URLs would put every site in one download slot and leave stale parse caches.
"""

from __future__ import annotations

import inspect
import ipaddress
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from crawler.core.errors import ConfigError

logger = logging.getLogger(__name__)

ROUTES_SETTING = "NEWSWATCH_ROUTES"
INNER_HANDLER_SETTING = "NEWSWATCH_ROUTED_HANDLER"
DEFAULT_INNER_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"


@dataclass(frozen=True)
class Route:
    host: str  # "www.liputan6.com" or "*.liputan6.com"
    base: str  # "http://127.0.0.1:8000/liputan6", never with a trailing slash

    def matches(self, host: str) -> bool:
        host = host.lower()
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def _parse_one(host: str, base: str) -> Route:
    host = host.strip().lower()
    base = base.strip()
    if not host or "/" in host or ":" in host or ("*" in host and not (host.startswith("*.") and
                                                                         host.count("*") == 1)):
        raise ConfigError(f"route host must be a host name or *.domain, got {host!r}")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"route base for {host} must be an http(s) URL, got {base!r}")
    try:
        port = parts.port  # 99999 or "80x" raise here, not later as "cannot reach ... (ValueError)"
    except ValueError:
        port = 0
    if port == 0 or not parts.hostname:
        raise ConfigError(f"route base for {host} must be an http(s) URL with a valid port, got {base!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"route base for {host} must not have a query or fragment: {base!r}")
    return Route(host, urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")))


def parse_routes(value: str | Mapping[str, str] | Iterable[str] | None) -> list[Route]:
    """Routes from a setting: "host=url,host2=url2", a dict {host: url} or a list of "host=url".

    Exact hosts win over wildcards; among wildcards the longest suffix wins. Raises ConfigError naming the
    bad entry.
    """
    if not value:
        return []
    pairs: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    else:
        entries = value.split(",") if isinstance(value, str) else list(value)
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            if "=" not in entry:
                raise ConfigError(f"route must be HOST=BASE_URL, got {entry!r}")
            host, base = entry.split("=", 1)
            pairs.append((host, base))
    routes = [_parse_one(host, base) for host, base in pairs]
    return sorted(routes, key=lambda r: (r.host.startswith("*."), -len(r.host)))


class Router:
    """Maps real URLs to routed ones and routed redirect targets back to real ones."""

    def __init__(self, routes: Iterable[Route]):
        self.routes = list(routes)

    def route_for(self, url: str) -> Route | None:
        host = (urlsplit(url).hostname or "").lower()
        return next((r for r in self.routes if r.matches(host)), None)

    def routed(self, url: str) -> str | None:
        """Where to download `url` from, or None when no route applies."""
        route = self.route_for(url)
        if route is None:
            return None
        parts = urlsplit(url)
        return route.base + urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def unrouted_location(self, location: str, real_url: str, route: Route) -> str:
        """A redirect target as the real site would have sent it.

        A server behind a route may redirect to its own address (`http://127.0.0.1:8000/liputan6/`) or to a
        path under its prefix (`/liputan6/`); both mean the real host. Anything else is left alone and
        resolves against the real URL.
        """
        base = urlsplit(route.base)
        real = urlsplit(real_url)
        target = urlsplit(urljoin(route.base + "/", location)) if location.startswith("/") else urlsplit(
            location)
        same_server = (not target.netloc and location.startswith("/")) or (
            target.scheme == base.scheme and target.netloc == base.netloc)
        prefix = base.path
        if same_server and (not prefix or target.path == prefix or target.path.startswith(prefix + "/")):
            path = target.path[len(prefix):] or "/"
            return urlunsplit((real.scheme, real.netloc, path, target.query, target.fragment))
        return location


def _config_routes(settings: Any) -> dict[str, str]:
    """The config file's [routes] table (crawler.config), {} when it cannot be read.

    A broken config is reported by the spider, which reads the same file; here it must not make every
    download fail with "unsupported scheme".
    """
    try:
        from crawler.config import load_config

        path = settings.get("NEWSWATCH_CONFIG") or os.environ.get("NEWSWATCH_CONFIG") or None
        return dict(load_config(path).routes)
    except (ImportError, ConfigError) as exc:
        logger.debug("no routes from config: %s", exc)
        return {}


def router_from_settings(settings: Any) -> Router:
    """Routes of a crawl: the config file's [routes], overridden host by host by NEWSWATCH_ROUTES."""
    value = settings.get(ROUTES_SETTING) or os.environ.get(ROUTES_SETTING)
    if isinstance(value, str) and value.strip().startswith("{"):
        value = json.loads(value)
    merged = {route.host: route.base for route in parse_routes(_config_routes(settings))}
    merged.update({route.host: route.base for route in parse_routes(value)})
    return Router(parse_routes(merged))


class RoutingDownloadHandler:
    """http/https download handler: routes matching requests, hands everything to the real HTTP handler.

    Enable with DOWNLOAD_HANDLERS = {"http": ..., "https": ...} (crawler/crawl/settings.py). Routes come from
    the config file's [routes] table, overridden host by host by the NEWSWATCH_ROUTES setting (string, list
    or dict form) or environment variable.
    """

    lazy = False

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.router = router_from_settings(crawler.settings)
        inner_cls = load_object(crawler.settings.get(INNER_HANDLER_SETTING) or DEFAULT_INNER_HANDLER)
        self.inner = build_from_crawler(inner_cls, crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RoutingDownloadHandler:
        return cls(crawler)

    async def _inner_download(self, request: Request) -> Response:
        if inspect.iscoroutinefunction(self.inner.download_request):
            return await self.inner.download_request(request)
        # Scrapy before 2.14: download_request(request, spider) returning a Deferred.
        deferred = self.inner.download_request(request, self.crawler.spider)
        return await maybe_deferred_to_future(deferred)

    async def download_request(self, request: Request) -> Response:
        route = self.router.route_for(request.url)
        if route is None:
            return await self._inner_download(request)
        routed_url = self.router.routed(request.url)
        assert routed_url is not None
        routed = request.replace(url=routed_url)
        response = await self._inner_download(routed)
        headers = response.headers.copy()
        location = headers.get(b"Location")
        if location:
            real = self.router.unrouted_location(location.decode("latin-1"), request.url, route)
            headers[b"Location"] = real.encode("latin-1")
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newswatch/routed_requests")
        return response.replace(url=request.url, request=request, headers=headers)

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            result = close()
            if inspect.isawaitable(result):
                await result
            elif result is not None:  # a Deferred from an old-style handler
                await maybe_deferred_to_future(result)


def _is_loopback(name: str) -> bool:
    if name.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@implementer(IResolverSimple)
class LoopbackOnlyResolver:
    """A DNS resolver that never asks the network: loopback names resolve, every other name fails.

    For tests, demos (DNS_RESOLVER = "crawler.crawl.routing.LoopbackOnlyResolver"): an unrouted real
    host then fails fast with DNSLookupError instead of leaking a lookup.
    """

    def __init__(self, reactor: Any):
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> LoopbackOnlyResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:
        if _is_loopback(name):
            return defer.succeed("127.0.0.1" if name.lower().startswith("localhost") else name)
        return defer.fail(DNSLookupError(f"{name}: lookups are disabled (LoopbackOnlyResolver)"))
