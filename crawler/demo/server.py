"""The replay site on a real socket: a stdlib HTTP server in a thread, one path prefix per real host.

    with DemoServer() as server:                     # 127.0.0.1, a free port
        server.routes()   # {"www.liputan6.com": "http://127.0.0.1:PORT/liputan6", ...}
        server.set_step(1)
        server.requests   # [LoggedRequest(method, path, headers, status, time), ...]

Every 200 carries an ETag (a hash of the body) and a Last-Modified (when the content last changed, on the
story's own clock); a matching If-None-Match, or else a not-older If-Modified-Since, gets 304. Redirects
to a path ("/") are sent under the host's prefix, which the routing handler maps back to the real host.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from crawler.demo.site import DemoSite, Page

# Real host -> path prefix on the server (the prefixes are DemoSite's host keys).
HOST_PREFIXES = {
    "www.liputan6.com": "liputan6",
    "liputan6.com": "liputan6",
    "m.liputan6.com": "liputan6-m",
    "feed.liputan6.com": "liputan6feed",
    "www.bbc.com": "bbc",
    "bbc.com": "bbc",
    "www.bbc.co.uk": "bbc",
    "bbc.co.uk": "bbc",
    "feeds.bbci.co.uk": "bbcfeeds",
    "www.caspian-courier.example": "caspian",
}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # as sent, prefix and query included: "/liputan6/tag/kazakhstan?page=2"
    headers: dict[str, str]  # names lower-cased
    status: int
    time: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def not_modified(headers: Any, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since against Last-Modified."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            stated = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if stated.tzinfo is None:
            return False
        return int(last_modified.timestamp()) <= int(stated.timestamp())
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        prefix, _, rest = self.path.lstrip("/").partition("/")
        page = self.server.site.get(prefix, "/" + rest)
        status, body = page.status, page.body
        headers = {"Content-Type": page.content_type, **page.headers}
        location = headers.get("Location")
        if location and location.startswith("/"):
            headers["Location"] = f"/{prefix}{location}"
        if status == 200:
            etag = etag_of(body)
            headers["ETag"] = etag
            if page.last_modified is not None:
                headers["Last-Modified"] = http_date(page.last_modified)
            if not_modified(self.headers, etag, page.last_modified):
                status, body = 304, b""
                headers.pop("Content-Type")
        # Logged before answering: a client that has its response always finds the request in the log
        # (logged after, a test reading the log right after a 404 could race the server's thread).
        self.server.log(LoggedRequest(self.command, self.path,
                                      {k.lower(): v for k, v in self.headers.items()}, status, time.time()))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is kept in memory for whoever runs the server."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()

    def log(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    def log_copy(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()


class DemoServer:
    """The replay site served over HTTP on 127.0.0.1 (port 0: a free port) until `stop()`."""

    def __init__(self, site: DemoSite | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site or DemoSite()
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle --
    def start(self) -> DemoServer:
        if self._server is not None:
            return self
        self._server = _Server(self._address, self.site)
        self._thread = threading.Thread(target=self._server.serve_forever, name="newswatch-demo-server",
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # -- addresses --
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the demo server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    def base(self, prefix: str) -> str:
        return f"{self.base_url}/{prefix}"

    def url(self, real_url: str) -> str:
        """Where the server answers for a real URL ("https://www.bbc.com/news/x" -> "http://127.0.0.1:P/bbc/news/x")."""
        scheme_less = real_url.split("://", 1)[-1]
        host, _, rest = scheme_less.partition("/")
        return f"{self.base(HOST_PREFIXES[host.lower()])}/{rest}"

    def routes(self) -> dict[str, str]:
        """HOST -> BASE_URL for every host the demo config uses (the `[routes]` table, `--route` values)."""
        return {host: self.base(prefix) for host, prefix in HOST_PREFIXES.items()}

    def route_args(self) -> list[str]:
        return [f"{host}={base}" for host, base in self.routes().items()]

    # -- the timeline and the log --
    def set_step(self, step: int) -> None:
        self.site.set_step(step)

    @property
    def requests(self) -> list[LoggedRequest]:
        return self._server.log_copy() if self._server is not None else []

    def clear_log(self) -> None:
        if self._server is not None:
            self._server.clear_log()


__all__ = ["HOST_PREFIXES", "DemoServer", "LoggedRequest", "Page", "etag_of", "not_modified"]
