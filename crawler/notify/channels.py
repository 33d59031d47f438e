"""Sending chat and webhook messages through Apprise, one destination at a time.

A destination is a channel URL as written in the config (secrets as `${ENV}` / `${file:PATH}` placeholders,
see crawler/config/channels.py). Its secrets are filled in only here, just before sending, and scrubbed from
every text that leaves: the error kept in the database, our log lines, and Apprise's and urllib3's own log
records (a filter on their loggers), since a service such as Telegram carries its token in the request path.

Apprise is told to keep nothing on disk (memory storage, no plugin paths) and each send is bounded by a
deadline, so one slow destination delays the batch by at most that long. Every failure is reported as
retryable: the delivery job retries with backoff and gives up after `alerts.give_up_after_hours`, exactly as
for e-mail; one destination failing never stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crawler.config import Config
from crawler.config.channels import Resolved, resolve, scheme_of

__all__ = ["ChannelResult", "check_channels", "destination", "flavour", "is_channel", "scheme_of", "send"]
from crawler.core.errors import ConfigError
from crawler.notify.chat import ChatMessage, Flavour, flavour_for
from crawler.notify.sanitize import line_text

log = logging.getLogger(__name__)

SEND_DEADLINE_SECONDS = 30.0  # the longest one destination may take (Apprise's own connect/read timeouts
#                               are shorter: 4 s each unless the URL sets cto=/rto=)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_capture_lock = threading.Lock()


class _Scrub(logging.Filter):
    """Replaces every secret in use in a log record's message before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _secrets_lock:
            known = sorted(_secrets, key=len, reverse=True)
        if not known:
            return True
        message = record.getMessage()
        scrubbed = message
        for secret in known:
            scrubbed = scrubbed.replace(secret, "***")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


_SCRUB = _Scrub()
for _name in ("apprise", "urllib3", "urllib3.connectionpool", "requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).addFilter(_SCRUB)


@dataclass(frozen=True)
class ChannelResult:
    ok: bool
    error: str | None = None  # one line, secrets scrubbed


def config_dir(config: Config) -> Path:
    """Where `${file:PATH}` secrets are relative to: the config file's directory."""
    return config.path.parent if config.path is not None else Path.cwd()


def destination(template: str, config: Config) -> Resolved:
    """The channel with its secrets filled in (ConfigError, one line without secrets, when one is missing)."""
    resolved = resolve(template, config_dir(config))
    with _secrets_lock:
        _secrets.update(s for s in resolved.secrets if s)
    return resolved


def flavour(template: str) -> Flavour:
    """How the destination renders text (crawler/notify/chat.py)."""
    return flavour_for(template)


def is_channel(recipient: str) -> bool:
    """A delivery row's recipient is a channel URL (else an e-mail address)."""
    return scheme_of(recipient) is not None


def send(resolved: Resolved, message: ChatMessage, *,
         deadline: float = SEND_DEADLINE_SECONDS) -> ChannelResult:
    """Send one message to one destination. Never raises for a delivery problem: see ChannelResult."""
    import apprise

    asset = apprise.AppriseAsset(storage_mode="memory")
    service = apprise.Apprise(asset=asset)
    if not service.add(resolved.url):
        return ChannelResult(False, f"{resolved.template}: Apprise does not accept this URL")
    try:
        with _warnings_captured():
            result = service.notify(body=message.body or " ", title=message.title,
                                    body_format=message.flavour, timeout=deadline)
    except Exception as exc:  # a plugin bug must not take the delivery job down
        return ChannelResult(False, _one_line(resolved, f"{resolved.template}: {type(exc).__name__}: {exc}"))
    if result:
        return ChannelResult(True)
    reasons = [entry.message for entry in result.logs()
               if str(getattr(entry, "level", "")).upper() in ("WARNING", "ERROR", "CRITICAL")]
    status = getattr(result.status, "name", str(result.status)).lower()
    detail = "; ".join(dict.fromkeys(str(r) for r in reasons)) or f"no delivery ({status})"
    return ChannelResult(False, _one_line(resolved, f"{resolved.template}: {detail}"))


@contextmanager
def _warnings_captured() -> Iterator[None]:
    """Let Apprise record its warnings (the reason a send failed) for the result even when our log level
    hides them (commands default to ERROR): its logger is opened to WARNING for the call, and those records
    are kept from our stderr handler (the delivery job logs its own line about the failure)."""
    logger = logging.getLogger("apprise")
    with _capture_lock:
        if logger.isEnabledFor(logging.WARNING):
            yield
            return
        level, propagate = logger.level, logger.propagate
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        try:
            yield
        finally:
            logger.setLevel(level)
            logger.propagate = propagate


def _one_line(resolved: Resolved, text: str) -> str:
    return line_text(resolved.scrub(text), limit=500)


def check_channels(config: Config) -> int:
    """Resolve every configured channel now (secrets present, URL accepted): ConfigError naming the
    subscription otherwise. For start-up (watch, alerts deliver) and `config check`. Returns how many."""
    label = str(config.path) if config.path else "defaults.toml"
    count = 0
    places: list[tuple[str, tuple[str, ...]]] = [
        (f"subscriptions[{i}].channels", sub.channels) for i, sub in enumerate(config.subscriptions)]
    places.append(("alerts.admin_channels", config.alerts.admin_channels))
    for where, urls in places:
        for url in urls:
            try:
                destination(url, config)
            except ConfigError as exc:
                raise ConfigError(f"{label}: {where}: {exc}") from None
            count += 1
    return count
