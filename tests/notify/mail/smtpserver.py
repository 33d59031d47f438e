"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in a thread), with switches for fault tests.

It records every message it accepts (envelope and parsed `email.message.EmailMessage`) and every AUTH attempt
(never the password). Switches, settable at any time from the test:

- `reject_auth = True`: every AUTH gets 535.
- `reject_recipients = {"x@example.org"}`: RCPT TO those gets 550 (permanent); `defer_recipients` gets 450.
- `data_reply = "451 4.3.0 ..."`: answer the end of DATA with this instead of 250 (the message is not kept).
- `stall = "rcpt" | "data"`: stop answering at RCPT TO or after the message body, until the server stops.
- `refuse_connections()` / `accept_connections()`: close the listener and hold the port without listening,
  so connecting gets "connection refused"; then listen again on the same port.
- Server-level refusals (the session, not one message): `greeting = "554 5.7.1 ..."` greets with this
  instead of 220 and hangs up; `ehlo_reply = "500 ..."` answers EHLO and HELO with this (a reply line longer
  than smtplib's 8,192-byte limit makes smtplib's own "500 Line too long"); `starttls_reply = "554 ..."`
  answers STARTTLS with this.

Constructor options: `tls="starttls"` (offers STARTTLS) or `tls="ssl"` (implicit TLS) with a `TlsFiles`
certificate, `auth_required=True`, `auth_mechanisms=("LOGIN",)` to offer only some mechanisms.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TEST_USERNAME = "newswatch-test"
TEST_PASSWORD = "s3cret-Pa55-for-loopback"  # a distinctive value, so a leak is easy to grep for
HOST = "127.0.0.1"
ALL_MECHANISMS = ("LOGIN", "PLAIN")


@dataclass
class ReceivedMessage:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage
    authenticated_as: str | None
    tls: bool


@dataclass
class AuthAttempt:
    mechanism: str
    username: str
    success: bool


@dataclass
class TlsFiles:
    """A self-signed certificate for 127.0.0.1/localhost and its key, as PEM files."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_self_signed(directory: Path) -> TlsFiles:
    """Generate a throwaway certificate (valid for IP 127.0.0.1 and "localhost") into `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newswatch test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST)),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(cert=directory / "smtp-cert.pem", key=directory / "smtp-key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files


class _Handler:
    def __init__(self, server: LoopbackSmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, smtp: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        # "AUTH required" is enforced here rather than with aiosmtpd's auth_required, which warns about
        # plaintext AUTH (fine on loopback) on every connection.
        if self.server.auth_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, smtp: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        srv = self.server
        if srv.stall == "rcpt":
            await asyncio.sleep(srv.stall_seconds)
        if address in srv.reject_recipients:
            return "550 5.1.1 No such user here"
        if address in srv.defer_recipients:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        srv = self.server
        if srv.stall == "data":
            await asyncio.sleep(srv.stall_seconds)
        if srv.data_reply:
            return srv.data_reply
        data = envelope.original_content or b""
        parsed = message_from_bytes(data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        # aiosmtpd fills session.ssl after STARTTLS only; with implicit TLS the transport itself is TLS.
        transport = smtp.transport
        tls = session.ssl is not None or (transport is not None
                                          and transport.get_extra_info("ssl_object") is not None)
        with srv.lock:
            srv.messages.append(ReceivedMessage(
                mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos), data=data,
                message=parsed, authenticated_as=auth if isinstance(auth, str) else None,
                tls=tls))
        return "250 OK message accepted"


class _SwitchableSMTP(SMTP):
    """aiosmtpd's protocol with the server-level refusal switches of LoopbackSmtpServer."""

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._switches = handler.server

    async def _handle_client(self) -> None:
        greeting = self._switches.greeting
        if greeting is None:
            await super()._handle_client()
            return
        await self.push(greeting)
        if self.transport is not None:
            self.transport.close()

    async def smtp_EHLO(self, hostname: str) -> None:
        if self._switches.ehlo_reply is not None:
            await self.push(self._switches.ehlo_reply)
            return
        await super().smtp_EHLO(hostname)

    async def smtp_HELO(self, hostname: str) -> None:
        if self._switches.ehlo_reply is not None:
            await self.push(self._switches.ehlo_reply)
            return
        await super().smtp_HELO(hostname)

    async def smtp_STARTTLS(self, arg: str) -> None:
        if self._switches.starttls_reply is not None:
            await self.push(self._switches.starttls_reply)
            return
        await super().smtp_STARTTLS(arg)


class _PortZeroController(Controller):
    """aiosmtpd's Controller, able to listen on port 0: it learns the real port before its self-check."""

    def factory(self) -> SMTP:
        assert isinstance(self.handler, _Handler)
        return _SwitchableSMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        server = self.server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LoopbackSmtpServer:
    def __init__(self, *, tls: Literal["starttls", "ssl"] | None = None, tls_files: TlsFiles | None = None,
                 auth_required: bool = False, auth_mechanisms: tuple[str, ...] = ALL_MECHANISMS,
                 username: str = TEST_USERNAME, password: str = TEST_PASSWORD) -> None:
        if tls and tls_files is None:
            raise ValueError("tls needs tls_files (see make_self_signed)")
        self.tls, self.tls_files = tls, tls_files
        self.auth_required = auth_required
        self.auth_mechanisms = auth_mechanisms
        self.username, self.password = username, password
        self.host = HOST
        self.port = 0
        self.lock = threading.Lock()
        self.messages: list[ReceivedMessage] = []
        self.auth_attempts: list[AuthAttempt] = []
        self.reject_auth = False
        self.reject_recipients: set[str] = set()
        self.defer_recipients: set[str] = set()
        self.data_reply: str | None = None
        self.stall: Literal["rcpt", "data"] | None = None
        self.stall_seconds = 60.0
        self.greeting: str | None = None
        self.ehlo_reply: str | None = None
        self.starttls_reply: str | None = None
        self._controller: _PortZeroController | None = None
        self._holder: socket.socket | None = None

    # --- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> LoopbackSmtpServer:
        kwargs: dict[str, Any] = {
            "hostname": self.host, "port": self.port, "server_hostname": "smtp.newswatch.test",
            "authenticator": self._authenticate, "auth_require_tls": False,
            "auth_exclude_mechanism": [m for m in ALL_MECHANISMS if m not in self.auth_mechanisms],
            "ready_timeout": 10.0,
        }
        if self.tls == "starttls":
            assert self.tls_files is not None
            kwargs["tls_context"] = self.tls_files.server_context()
        elif self.tls == "ssl":
            assert self.tls_files is not None
            kwargs["ssl_context"] = self.tls_files.server_context()
        controller = _PortZeroController(_Handler(self), **kwargs)
        controller.start()
        self.port = controller.port
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    def __enter__(self) -> LoopbackSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refuse_connections(self) -> None:
        """Stop listening but keep the port bound, so a connection attempt is refused (not timed out)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((self.host, self.port))  # bound, never listen(): the kernel answers SYN with RST
        self._holder = holder

    def accept_connections(self) -> None:
        if self._holder is not None:
            self._holder.close()
            self._holder = None
        if self._controller is None:
            self.start()

    # --- what happened -----------------------------------------------------------------------------------

    def received(self) -> list[ReceivedMessage]:
        with self.lock:
            return list(self.messages)

    def only_message(self) -> ReceivedMessage:
        messages = self.received()
        assert len(messages) == 1, f"expected one message, the server has {len(messages)}"
        return messages[0]

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username = auth_data.login.decode("utf-8", "replace")
        ok = (not self.reject_auth and username == self.username
              and auth_data.password.decode("utf-8", "replace") == self.password)
        with self.lock:
            self.auth_attempts.append(AuthAttempt(mechanism=mechanism, username=username, success=ok))
        return AuthResult(success=ok, handled=False, auth_data=username if ok else None)


def refused_port() -> tuple[socket.socket, int]:
    """A loopback port that refuses connections: bound, not listening. Close the socket when done."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind((HOST, 0))
    return holder, holder.getsockname()[1]

