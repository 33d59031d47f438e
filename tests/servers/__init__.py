"""A real HTTP server on 127.0.0.1 (port 0) for tests: scripted replies, a request log, conditional requests.

Like Scrapy's own mockserver, crawls talk to a real socket, but the server runs in a thread of the test
process so tests can change what it serves between requests. One server serves several sites under path
prefixes: route `www.liputan6.com=<server.base("liputan6")>` and `/liputan6/...` answers for https://www.liputan6.com/...

    def test_x(loopback_server):
        loopback_server.add("/liputan6/tag/kazakhstan", html, content_type="text/html")
        loopback_server.redirect("/liputan6/news/read/1/x", "https://www.liputan6.com/")
        ...
        assert loopback_server.paths("/liputan6/") == [...]

Every 200 reply carries an ETag and Last-Modified; a matching If-None-Match or a not-older If-Modified-Since
gets 304. Replacing a reply (`add` again) changes both. `sequence` scripts successive replies (503 then 200).
Unknown paths are 404; a robots.txt nobody added is 404 too (which robots.txt parsers read as "allow all").

Use the `loopback_server` fixture (import it into a conftest.py) or `LoopbackServer()` as a context manager.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest


@dataclass
class Reply:
    """One scripted answer. `body` may be a callable of the LoggedRequest: content computed per request."""

    status: int = 200
    body: bytes | Callable[[LoggedRequest], bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: float = field(default_factory=time.time)
    delay: float = 0.0  # seconds to wait before answering (timeouts, slow sites)

    def body_for(self, request: LoggedRequest) -> bytes:
        return self.body(request) if callable(self.body) else self.body


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # path and query, as sent ("/liputan6/indeks/2022/01/07?page=2")
    headers: dict[str, str]  # header names lower-cased
    time: float

    @property
    def bare_path(self) -> str:
        return urlsplit(self.path).path

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _content_type_for(path: str) -> str:
    if path.endswith((".xml", ".rss")):
        return "application/xml; charset=utf-8"
    guessed = mimetypes.guess_type(path)[0]
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "text/html; charset=utf-8"


class LoopbackServer:
    """The server. All methods are thread-safe; paths are matched with their query first, then without."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: dict[str, Reply | list[Reply]] = {}
        self._mounts: list[tuple[str, Path]] = []
        self._handlers: list[tuple[str, Callable[[str], Reply | None]]] = []
        self.log: list[LoggedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> LoopbackServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path if path.startswith('/') else '/' + path}"

    def base(self, prefix: str) -> str:
        """The base URL of a site served under /<prefix>, for a route: `host=<base>`."""
        return self.url("/" + prefix.strip("/"))

    # -- content --
    def add(self, path: str, body: bytes | str | Callable[[LoggedRequest], bytes] = b"", status: int = 200,
            content_type: str | None = None, headers: dict[str, str] | None = None,
            delay: float = 0.0) -> Reply:
        """Serve `body` at `path` (with or without query). Replacing a path's reply counts as a change."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type or _content_type_for(path), **(headers or {})}
        reply = Reply(status, data, all_headers, delay=delay)
        with self._lock:
            self._replies[path] = reply
        return reply

    def add_file(self, path: str, file: str | Path, content_type: str | None = None,
                 headers: dict[str, str] | None = None) -> Reply:
        kind = content_type or _content_type_for(str(file))
        return self.add(path, Path(file).read_bytes(), content_type=kind, headers=headers)

    def redirect(self, path: str, location: str, status: int = 301) -> Reply:
        return self.add(path, b"", status=status, headers={"Location": location}, content_type="text/html")

    def sequence(self, path: str, replies: list[Reply]) -> None:
        """Successive requests for `path` get successive replies; the last one repeats."""
        with self._lock:
            self._replies[path] = list(replies)

    def remove(self, path: str) -> None:
        with self._lock:
            self._replies.pop(path, None)

    def mount(self, prefix: str, directory: str | Path) -> None:
        """Serve files under `directory` at /<prefix>/<relative path> (added replies take precedence)."""
        with self._lock:
            self._mounts.append(("/" + prefix.strip("/") + "/", Path(directory)))

    def handle(self, prefix: str, handler: Callable[[str], Reply | None]) -> None:
        """Compute replies for paths under `prefix`: handler(path_with_query) -> Reply, or None for 404.

        Checked after exact replies and before mounts; for generated pages (one per article id, say).
        """
        with self._lock:
            self._handlers.append((prefix, handler))

    # -- the request log --
    def requests(self, prefix: str = "") -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.path.startswith(prefix)]

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests(prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- used by the handler --
    def _lookup(self, path: str) -> Reply | None:
        with self._lock:
            for key in (path, urlsplit(path).path):
                entry = self._replies.get(key)
                if isinstance(entry, list):
                    return entry.pop(0) if len(entry) > 1 else entry[0]
                if entry is not None:
                    return entry
            handlers = list(self._handlers)
            mounts = list(self._mounts)
        for prefix, handler in handlers:
            if path.startswith(prefix):
                reply = handler(path)
                if reply is not None:
                    return reply
        bare = urlsplit(path).path
        with self._lock:
            for prefix, directory in mounts:
                if bare.startswith(prefix):
                    file = (directory / bare[len(prefix):]).resolve()
                    if directory.resolve() in file.parents and file.is_file():
                        return Reply(200, file.read_bytes(), {"Content-Type": _content_type_for(bare)},
                                     last_modified=file.stat().st_mtime)
        return None

    def _record(self, request: LoggedRequest) -> None:
        with self._lock:
            self.log.append(request)


class _Handler(BaseHTTPRequestHandler):
    owner: LoopbackServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites do
    timeout = 10  # idle keep-alive connections close instead of holding a thread forever

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        logged = LoggedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                               time.time())
        self.owner._record(logged)
        reply = self.owner._lookup(self.path)
        if reply is None:
            self._send(404, b"not found", {"Content-Type": "text/plain; charset=utf-8"}, send_body)
            return
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body_for(logged)
        headers = dict(reply.headers)
        if reply.status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers.setdefault("ETag", etag)
            headers.setdefault("Last-Modified", formatdate(reply.last_modified, usegmt=True))
            if self._not_modified(headers["ETag"], reply.last_modified):
                self._send(304, b"", {"ETag": headers["ETag"], "Last-Modified": headers["Last-Modified"]},
                           send_body)
                return
        self._send(reply.status, body, headers, send_body)

    def _not_modified(self, etag: str, last_modified: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(last_modified) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    """A started LoopbackServer, stopped after the test."""
    with LoopbackServer() as server:
        yield server
