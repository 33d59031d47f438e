"""A local mail sink for the demo: a real SMTP server on 127.0.0.1 that keeps what it receives in memory.

The demo's monitor sends its alerts here through the same SMTP code a real deployment uses, so what the demo
prints is exactly what a subscriber would have received.
"""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        message = message_from_bytes(data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 OK"


class MailSink:
    """`with MailSink() as sink:` listens on 127.0.0.1:`sink.port`; `sink.messages` lists what arrived."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = _Collect()
        # aiosmtpd cannot bind port 0 and report it, so pick a free port first.
        self.port = port or _free_port(host)
        self.host = host
        self._controller = Controller(self._handler, hostname=host, port=self.port, ready_timeout=10)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler._lock:
            return list(self._handler.messages)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
