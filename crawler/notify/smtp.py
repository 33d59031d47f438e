"""Sending alert e-mails with smtplib, with every failure sorted into what a delivery job can act on.

- `TemporaryFailure`: the server could not be reached, timed out, hung up or answered 4xx. Retry later.
- `AuthFailure`: the server refused the credentials (535 and friends). Retry later, but tell the admin.
- `TlsFailure`: TLS could not be set up (certificate, protocol mismatch, no STARTTLS). Retry later, tell the
  admin.
- `SessionRefused`: the server refused the session itself (a 5xx greeting, EHLO/HELO, STARTTLS or AUTH
  reply, or a reply smtplib could not read, such as its own "500 Line too long"). That is the server's
  state, not the message's: retry later with backoff, tell the admin.
- `PermanentFailure`: the server refused this message for good (5xx on MAIL FROM or DATA). Do not retry it.
- A refused recipient is not an exception: `SendResult.rejected` holds it, and the others still get the mail.

The password is only handed to `smtplib.SMTP.login`; it is never logged, never in an exception message (server
replies are scrubbed of it, in plain and base64 form) and hidden in `repr(SmtpSettings)`.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Literal

from crawler.core.errors import ConfigError, NewswatchError
from crawler.notify.sanitize import addr_spec

log = logging.getLogger(__name__)

Security = Literal["starttls", "ssl", "none"]
SECURITY_MODES: tuple[str, ...] = ("starttls", "ssl", "none")
_AUTH_CODES = frozenset({530, 534, 535, 538})  # RFC 4954: auth required / too weak / invalid / needs TLS


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    """Where and how to send. `password` is resolved by the caller (e.g. from an environment variable)."""

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0  # seconds, for connecting and for each command: a stalled server fails in time
    from_address: str = "newswatch@localhost"
    ca_file: str | None = None  # extra trust anchors, for a relay with a private certificate
    local_hostname: str | None = "localhost"  # EHLO name; None lets smtplib look up the FQDN (slow w/o DNS)

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ConfigError(f"smtp security must be one of {', '.join(SECURITY_MODES)}, "
                              f"got {self.security!r}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"smtp port must be 1-65535, got {self.port}")
        if self.timeout <= 0:
            raise ConfigError(f"smtp timeout must be positive, got {self.timeout}")
        if self.password is not None and not self.username:
            raise ConfigError("smtp password given without a username")

    def __repr__(self) -> str:
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"username={self.username!r}, password={'***' if self.password else None!r}, "
                f"timeout={self.timeout}, from_address={self.from_address!r}, ca_file={self.ca_file!r})")

    @property
    def envelope_sender(self) -> str:
        return addr_spec(self.from_address, what="sender")


class SendError(NewswatchError):
    """A message could not be handed to the SMTP server. `code` is the server's reply code, if any."""

    retryable = True
    needs_attention = False  # True when an admin has to fix something (credentials, TLS, sender)

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(SendError):
    """Unreachable, timed out, disconnected or 4xx: the same message may well go through later."""


class AuthFailure(SendError):
    """The server rejected the credentials or requires authentication."""

    needs_attention = True


class TlsFailure(SendError):
    """TLS could not be established: wrong mode for the port, untrusted certificate, no STARTTLS offered."""

    needs_attention = True


class SessionRefused(SendError):
    """The server refused the session before any message was offered (greeting, EHLO, STARTTLS, AUTH).

    Even a 5xx there says nothing about the messages waiting: they stay pending until the server is fixed
    or the give-up age passes.
    """

    needs_attention = True


class PermanentFailure(SendError):
    """The server refused this message for good (5xx); retrying the same message is pointless."""

    retryable = False
    needs_attention = True


@dataclass(frozen=True)
class Rejection:
    """A recipient the server refused at RCPT TO."""

    code: int
    reason: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500


@dataclass
class SendResult:
    """Who got the message. `rejected` maps refused recipients to the server's answer."""

    message_id: str | None
    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, Rejection] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def permanent_failures(self) -> dict[str, Rejection]:
        return {r: why for r, why in self.rejected.items() if why.permanent}

    @property
    def temporary_failures(self) -> dict[str, Rejection]:
        return {r: why for r, why in self.rejected.items() if not why.permanent}


class SmtpConnection:
    """One SMTP session for a batch of messages: `with SmtpConnection(settings) as conn: conn.send(...)`.

    Connects (and logs in) on entry. If the connection is lost during a send, that send raises and the next
    one reconnects, so a delivery job can keep using the same object.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpConnection({self.settings!r}, connected={self.connected})"

    def __enter__(self) -> SmtpConnection:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._smtp is not None and getattr(self._smtp, "sock", None) is not None

    def open(self) -> None:
        """Connect, secure the connection and log in. Raises a SendError subclass."""
        if self.connected:
            return
        s = self.settings
        log.debug("connecting to %s:%d (security %s)", s.host, s.port, s.security)
        stage = "connect"
        smtp: smtplib.SMTP | None = None
        try:
            context = self._tls_context() if s.security != "none" else None
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=s.local_hostname, timeout=s.timeout,
                                        context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, local_hostname=s.local_hostname, timeout=s.timeout)
            smtp.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                stage = "starttls"
                if not smtp.has_extn("starttls"):
                    raise TlsFailure(f"{self._where()}: the server does not offer STARTTLS "
                                     "(set security to 'ssl' for an implicit-TLS port, or 'none')")
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                stage = "login"
                smtp.login(s.username, s.password or "")
        except Exception as exc:
            if smtp is not None:
                smtp.close()
            error = self._classify(exc, stage)
            if not error.retryable:  # no message was offered yet: a refusal here is the server's state
                error = SessionRefused(f"{error} (the server refused the session; retrying later)",
                                       code=error.code)
            log.warning("%s", error)
            raise error from exc
        self._smtp = smtp

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> SendResult:
        """Send `message` to exactly `recipients` (the envelope; To/Cc/Bcc headers are not consulted).

        Returns which recipients were accepted and which refused; raises a SendError subclass when the message
        as a whole was not accepted.
        """
        rcpts = [addr_spec(r, what="recipient") for r in recipients]
        if not rcpts:
            raise ValueError("send() needs at least one recipient")
        self.open()
        assert self._smtp is not None
        message_id = message.get("Message-ID")
        try:
            refused = self._smtp.send_message(message, from_addr=self.settings.envelope_sender,
                                              to_addrs=rcpts)
        except smtplib.SMTPRecipientsRefused as exc:  # all of them: smtplib has already reset the session
            refused = exc.recipients
        except Exception as exc:
            error = self._classify(exc, "send")
            if isinstance(error, TemporaryFailure) or not self.connected:
                self._drop()  # a timeout or hang-up mid-message leaves the session in an unknown state
            log.warning("%s", error)
            raise error from exc
        rejected = {rcpt: Rejection(code, self._scrub(_text(reply)))
                    for rcpt, (code, reply) in refused.items()}
        result = SendResult(message_id=str(message_id) if message_id else None,
                            accepted=[r for r in rcpts if r not in rejected], rejected=rejected)
        log.info("sent %s to %d of %d recipient(s) via %s", result.message_id, len(result.accepted),
                 len(rcpts), self._where())
        for rcpt, why in rejected.items():
            log.warning("recipient %s refused by %s: %d %s", rcpt, self._where(), why.code, why.reason)
        return result

    def close(self) -> None:
        """Say QUIT and close; errors on the way out are ignored (the mail is already accepted or not)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()

    # --- internals --------------------------------------------------------------------------------

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _where(self) -> str:
        return f"SMTP server {self.settings.host}:{self.settings.port}"

    def _tls_context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.settings.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise TlsFailure(f"cannot load the CA file {self.settings.ca_file!r}: {exc.strerror or exc}") \
                from exc

    def _scrub(self, text: str) -> str:
        """Remove the password (plain, and as it travels in AUTH PLAIN/LOGIN) from server-provided text."""
        password, user = self.settings.password, self.settings.username or ""
        if not password:
            return text
        forms = [password, _b64(password), _b64(f"\0{user}\0{password}"), _b64(f"{user}\0{password}")]
        for form in forms:
            text = text.replace(form, "***")
        return text

    def _classify(self, exc: BaseException, stage: str) -> SendError:
        where = f"{self._where()} ({stage})"
        if isinstance(exc, SendError):
            return exc
        if isinstance(exc, smtplib.SMTPResponseException):  # includes auth, sender, data, helo, connect
            code, reply = exc.smtp_code, self._scrub(_text(exc.smtp_error))
            detail = f"{where}: {code} {reply}"
            if isinstance(exc, smtplib.SMTPAuthenticationError) or code in _AUTH_CODES:
                return AuthFailure(f"{where}: authentication failed: {code} {reply}", code=code)
            if code == 421 or 400 <= code < 500:
                return TemporaryFailure(detail, code=code)
            if 500 <= code < 600:
                return PermanentFailure(detail, code=code)
            return TemporaryFailure(detail, code=code)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            # smtplib reports a read timeout as "Connection unexpectedly closed: timed out".
            if isinstance(exc.__context__, TimeoutError):
                return self._classify(exc.__context__, stage)
            return TemporaryFailure(f"{where}: the server closed the connection")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            if stage == "login":
                return AuthFailure(f"{where}: the server does not offer AUTH (is a username needed?)")
            return PermanentFailure(f"{where}: {self._scrub(str(exc))}")
        if isinstance(exc, smtplib.SMTPException):  # e.g. "No suitable authentication method found."
            if stage == "login":
                return AuthFailure(f"{where}: {self._scrub(str(exc))}")
            return TemporaryFailure(f"{where}: {self._scrub(str(exc))}")
        if isinstance(exc, ssl.SSLError):  # before OSError: SSLError is one
            hint = " (is the port implicit TLS? then use security 'ssl')" if self.settings.port == 465 else ""
            return TlsFailure(f"{where}: TLS failed: {getattr(exc, 'reason', None) or exc}{hint}")
        if isinstance(exc, TimeoutError):
            hint = ""
            if stage == "connect" and self.settings.port == 465 and self.settings.security != "ssl":
                hint = " (port 465 usually expects security 'ssl')"
            return TemporaryFailure(f"{where}: timed out after {self.settings.timeout:g}s{hint}")
        if isinstance(exc, ConnectionRefusedError):
            return TemporaryFailure(f"{where}: connection refused")
        if isinstance(exc, OSError):
            return TemporaryFailure(f"{where}: {exc.strerror or exc.__class__.__name__}")
        if isinstance(exc, (ValueError, UnicodeError)):
            return PermanentFailure(f"{where}: the message cannot be sent: {exc.__class__.__name__}")
        return TemporaryFailure(f"{where}: unexpected {exc.__class__.__name__}")


def send(settings: SmtpSettings, message: EmailMessage, recipients: Sequence[str]) -> SendResult:
    """Send one message on its own connection (connect, secure, log in, send, quit)."""
    for rcpt in recipients:  # a bad address is a configuration error: fail before connecting
        addr_spec(rcpt, what="recipient")
    with SmtpConnection(settings) as connection:
        return connection.send(message, recipients)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
