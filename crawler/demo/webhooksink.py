"""A local webhook receiver for the demo: an HTTP server on 127.0.0.1 that keeps the JSON posts it receives.

The demo's subscriber also has a channel, `json://127.0.0.1:PORT/demo-desk`; the monitor posts to it through
Apprise exactly as it would to a real webhook (or, with another URL, to Slack or Telegram), so what the demo
prints is what that channel would have shown.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/demo-desk"


class WebhookSink:
    """`with WebhookSink() as sink:` listens on 127.0.0.1:`sink.port`; `sink.messages` lists the posts."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    posted = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    posted = None
                if isinstance(posted, dict):
                    with sink._lock:
                        sink._messages.append(posted)
                self.send_response(200 if isinstance(posted, dict) else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The channel URL a subscription names to post here."""
        return f"json://{self.host}:{self.port}{PATH}"

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages)

    def __enter__(self) -> WebhookSink:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
