"""A webhook receiver on 127.0.0.1 for channel tests: what Apprise's json://, form://, xml:// and mmost://
(Mattermost) plugins post arrives here and is recorded (path, headers, body, parsed JSON or form fields).

Per-path behaviour: `fail["/path"] = 500` answers that status; `stall["/path"] = seconds` waits before
answering (a receiver that times out). Paths not listed answer 200.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class WebhookReceiver:
    host: str = "127.0.0.1"
    port: int = 0
    fail: dict[str, int] = field(default_factory=dict)
    stall: dict[str, float] = field(default_factory=dict)
    received_all: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                status = receiver.fail.get(path, 200)
                receiver.received_all.append(Received(self.command, path, dict(self.headers), body, status))
                delay = receiver.stall.get(path)
                if delay:
                    receiver._stop.wait(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the client gave up (a timeout test)

            do_POST = do_PUT = do_GET = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def base(self, scheme: str = "json") -> str:
        return f"{scheme}://{self.host}:{self.port}"

    def received(self, path: str | None = None) -> list[Received]:
        return [r for r in self.received_all if path is None or r.path == path]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received_all) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received_all)
