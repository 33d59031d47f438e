"""Alert e-mails from plain data: immediate alerts, digests, the test message and crawler-health notices.

Pure functions: the inputs are events and settings, the output an `email.message.EmailMessage` with a text and
an HTML part; nothing here touches the network, the database or (unless `now` is omitted) the clock.

Threading: the first alert about an article carries a Message-ID derived from (source, article_id) alone,
so an update composed later, even after a restart, can name it in In-Reply-To/References and mail clients
file the update under the first alert.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.core.errors import ConfigError
from crawler.notify import templates
from crawler.notify.events import AlertEvent
from crawler.notify.headers import ALERT_POLICY
from crawler.notify.sanitize import header_text, line_text, mailbox

DEFAULT_DOMAIN = "newswatch.invalid"
SUBJECT_PREFIX = "[newswatch]"
SOURCE_NAMES = {"liputan6": "Liputan6", "bbc": "BBC News"}
DIGEST_MAX_ITEMS = 200

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_ID_SAFE = re.compile(r"[A-Za-z0-9_-]")

Recipients = str | Sequence[str]
EventLike = AlertEvent | Mapping[str, Any]


# --- message ids ----------------------------------------------------------------------------------

def _id_token(value: str) -> str:
    """An injective encoding of any text into dot-atom characters (others become =XX per UTF-8 byte)."""
    token = "".join(ch if _ID_SAFE.fullmatch(ch) else "".join(f"={b:02X}" for b in ch.encode())
                    for ch in value)
    if len(token) > 100:  # keep Message-ID lines short; the hash keeps long ids distinct
        token = token[:80] + "-" + hashlib.sha256(value.encode()).hexdigest()[:16]
    return token or "=00"


def _check_domain(domain: str) -> str:
    if not _DOMAIN.match(domain) or len(domain) > 200:
        raise ConfigError(f"invalid message-id domain {header_text(domain)!r}: expected a host name")
    return domain


def root_message_id(source: str, article_id: str, *, domain: str = DEFAULT_DOMAIN) -> str:
    """The Message-ID of the first alert about an article: a function of (source, article_id) only."""
    return f"<article.{_id_token(source)}.{_id_token(article_id)}@{_check_domain(domain)}>"


def update_message_id(source: str, article_id: str, event_id: str, *, domain: str = DEFAULT_DOMAIN) -> str:
    """The Message-ID of an update alert: unique per event, the same again if that event is re-sent."""
    return (f"<update.{_id_token(source)}.{_id_token(article_id)}.{_id_token(event_id)}"
            f"@{_check_domain(domain)}>")


def digest_message_id(topic: str, event_ids: Iterable[str], *, domain: str = DEFAULT_DOMAIN) -> str:
    """The Message-ID of a digest: stable for the same topic and set of events, so a retry is recognisable."""
    digest = hashlib.sha256("\x00".join([topic, *sorted(event_ids)]).encode()).hexdigest()[:24]
    return f"<digest.{digest}@{_check_domain(domain)}>"


# --- time -----------------------------------------------------------------------------------------

def resolve_timezone(zone: str | tzinfo) -> tzinfo:
    """A tzinfo from an IANA name ("Asia/Almaty") or a tzinfo; ConfigError for an unknown name."""
    if isinstance(zone, tzinfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown timezone {header_text(zone)!r}: use an IANA name like Asia/Almaty") \
            from exc


def format_time(value: str | datetime | None, zone: tzinfo) -> str | None:
    """An ISO time shown in the recipient's zone, e.g. "2022-01-07 15:30 (Asia/Almaty, UTC+06:00)".

    A time without an offset is taken as UTC; text that is not a time is returned as it is (sanitized).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return header_text(value, limit=60)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"{local:%Y-%m-%d %H:%M} ({name}, UTC{offset[:3]}:{offset[3:]})"


# --- envelope of every message --------------------------------------------------------------------

def _recipients(to: Recipients) -> list[Address]:
    addresses = [to] if isinstance(to, str) else list(to)
    if not addresses:
        raise ConfigError("an e-mail needs at least one recipient")
    return [mailbox(a, what="recipient") for a in addresses]


def _base_message(*, subject: str, to: Recipients, from_address: str, message_id: str,
                  now: datetime | None, zone: tzinfo) -> EmailMessage:
    msg = EmailMessage(policy=ALERT_POLICY)  # folds the Subject without an empty first line
    msg["Subject"] = header_text(subject, limit=250)
    msg["From"] = mailbox(from_address, what="sender")
    msg["To"] = _recipients(to)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    msg["Date"] = format_datetime(moment.astimezone(zone))
    msg["Message-ID"] = message_id
    # RFC 3834: machine-sent, so vacation responders and auto-forwarders leave it alone.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    return msg


def _with_parts(msg: EmailMessage, text: str, html: str) -> EmailMessage:
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _event(value: EventLike) -> AlertEvent:
    return value if isinstance(value, AlertEvent) else AlertEvent.from_payload(value)


def source_name(source: str) -> str:
    """The display name of a source ("bbc" -> "BBC News"), as one line of at most 40 characters."""
    return line_text(SOURCE_NAMES.get(source, source), limit=40)


# --- the four kinds of mail -----------------------------------------------------------------------

def compose_immediate(event: EventLike, *, to: Recipients, from_address: str, timezone: str | tzinfo,
                      domain: str = DEFAULT_DOMAIN, now: datetime | None = None) -> EmailMessage:
    """One alert about one event.

    Subject "[newswatch] <source>: <title>" for a new article, "[newswatch] Updated: <source>: <title>" for
    an update, whose body also says what changed. A new-article alert's Message-ID is `root_message_id`; an
    update gets `update_message_id` and In-Reply-To/References pointing at the root, so clients thread it.
    """
    ev = _event(event)
    zone = resolve_timezone(timezone)
    root = root_message_id(ev.source, ev.article_id, domain=domain)
    prefix = "Updated: " if ev.kind == "updated" else ""
    subject = (f"{SUBJECT_PREFIX} {prefix}{header_text(source_name(ev.source), limit=40)}: "
               f"{header_text(ev.display_title)}")
    message_id = root if ev.kind == "new" else update_message_id(ev.source, ev.article_id, ev.event_id,
                                                                 domain=domain)
    msg = _base_message(subject=subject, to=to, from_address=from_address, message_id=message_id, now=now,
                        zone=zone)
    if ev.kind == "updated":
        msg["In-Reply-To"] = root
        msg["References"] = root
    published = format_time(ev.published_at, zone)
    also = also_reported(ev)
    return _with_parts(msg, templates.immediate_text(ev, source_name(ev.source), published, also),
                       templates.immediate_html(ev, source_name(ev.source), published, also))


ALSO_REPORTED_MAX = 5


def also_reported(ev: AlertEvent, limit: int = ALSO_REPORTED_MAX) -> list[templates.AlsoReported]:
    """The development's other coverage, each as "Also reported by BBC News 3 h earlier" (relative to this
    article's publication), with its title and link; earliest first, at most `limit`."""
    out = []
    for other in ev.coverage[:limit]:
        when = _relative(other.published_at, ev.published_at)
        summary = f"Also reported by {source_name(other.source)}" + (f" {when}" if when else "")
        out.append(templates.AlsoReported(summary, other.title or f"{other.source}:{other.article_id}",
                                          other.url))
    return out


def _relative(other: str | None, this: str | None) -> str | None:
    """"3 h earlier", "40 min later", "at the same time"; None when either time is unknown."""
    try:
        first = datetime.fromisoformat((other or "").replace("Z", "+00:00"))
        second = datetime.fromisoformat((this or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    if second.tzinfo is None:
        second = second.replace(tzinfo=UTC)
    minutes = round((second - first).total_seconds() / 60)
    if abs(minutes) < 1:
        return "at the same time"
    if abs(minutes) < 60:
        amount = f"{abs(minutes)} min"
    elif abs(minutes) < 48 * 60:
        amount = f"{round(abs(minutes) / 60)} h"
    else:
        amount = f"{round(abs(minutes) / 1440)} days"
    return f"{amount} earlier" if minutes > 0 else f"{amount} later"


def compose_digest(events: Iterable[EventLike], *, to: Recipients, from_address: str,
                   timezone: str | tzinfo, topic: str, domain: str = DEFAULT_DOMAIN,
                   now: datetime | None = None, max_items: int = DIGEST_MAX_ITEMS) -> EmailMessage:
    """One message listing many events: the baseline backlog digest and hourly/daily digest subscriptions.

    Subject "[newswatch] N new articles on <topic>" (", M updated" appended when updates are listed too;
    "M updated articles on <topic>" when there are only updates). New articles come first, newest first, then
    updates; at most `max_items` are listed, the rest counted. Raises ValueError for an empty list.
    """
    unique: dict[str, AlertEvent] = {}
    for item in events:
        ev = _event(item)
        unique.setdefault(ev.event_id, ev)
    if not unique:
        raise ValueError("a digest needs at least one event")
    zone = resolve_timezone(timezone)
    new = newest_first([e for e in unique.values() if e.kind == "new"])
    updated = newest_first([e for e in unique.values() if e.kind == "updated"])
    topic_text = header_text(topic, limit=80)
    if new:
        subject = f"{SUBJECT_PREFIX} {_count(len(new), 'new article')} on {topic_text}"
        if updated:
            subject += f", {len(updated)} updated"
    else:
        subject = f"{SUBJECT_PREFIX} {_count(len(updated), 'updated article')} on {topic_text}"
    msg = _base_message(subject=subject, to=to, from_address=from_address, now=now, zone=zone,
                        message_id=digest_message_id(topic, unique.keys(), domain=domain))
    listed_new = new[:max_items]
    listed_updated = updated[: max(0, max_items - len(listed_new))]
    left_out = len(new) + len(updated) - len(listed_new) - len(listed_updated)

    def rows(items: list[AlertEvent]) -> list[templates.DigestRow]:
        return [templates.DigestRow(e, source_name(e.source), format_time(e.published_at, zone),
                                    also_reported(e, limit=2))
                for e in items]

    return _with_parts(msg, templates.digest_text(topic, rows(listed_new), rows(listed_updated), left_out),
                       templates.digest_html(topic, rows(listed_new), rows(listed_updated), left_out))


def compose_test(to: Recipients, from_address: str, *, timezone: str | tzinfo = "UTC",
                 domain: str = DEFAULT_DOMAIN, now: datetime | None = None) -> EmailMessage:
    """The message `newswatch alerts test --to ADDRESS` sends to prove delivery works end to end."""
    zone = resolve_timezone(timezone)
    moment = now or datetime.now(UTC)
    token = hashlib.sha256(f"{moment.isoformat()}\x00{to}".encode()).hexdigest()[:24]
    msg = _base_message(subject=f"{SUBJECT_PREFIX} test message", to=to, from_address=from_address,
                        message_id=f"<test.{token}@{_check_domain(domain)}>", now=moment, zone=zone)
    sent = format_time(moment, zone) or ""
    return _with_parts(msg, templates.probe_text(sent), templates.probe_html(sent))


HealthStatus = Literal["failing", "recovered"]


def compose_health(source: str, *, status: HealthStatus, runs: int, reasons: Sequence[str],
                   to: Recipients, from_address: str, timezone: str | tzinfo = "UTC",
                   since: str | None = None, domain: str = DEFAULT_DOMAIN,
                   now: datetime | None = None) -> EmailMessage:
    """A crawler-health notice for the admin: `source` has failed `runs` runs in a row, or has recovered.

    `reasons` are the failure reasons (check names and messages, possibly quoting page text: escaped like
    any other value); `since` is the ISO time of the first failing run.
    """
    if status not in ("failing", "recovered"):
        raise ValueError(f"health status must be 'failing' or 'recovered', got {status!r}")
    zone = resolve_timezone(timezone)
    moment = now or datetime.now(UTC)
    name = header_text(source_name(source), limit=40)
    if status == "failing":
        subject = f"{SUBJECT_PREFIX} health: {name} failing for {_count(runs, 'run')}"
    else:
        subject = f"{SUBJECT_PREFIX} health: {name} recovered"
    token = hashlib.sha256(f"{source}\x00{status}\x00{moment.isoformat()}".encode()).hexdigest()[:24]
    msg = _base_message(subject=subject, to=to, from_address=from_address, now=moment, zone=zone,
                        message_id=f"<health.{token}@{_check_domain(domain)}>")
    report = templates.HealthReport(source=source_name(source), status=status, runs=runs,
                                    reasons=list(reasons), since=format_time(since, zone))
    return _with_parts(msg, templates.health_text(report), templates.health_html(report))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def newest_first(events: list[AlertEvent]) -> list[AlertEvent]:
    """Events by publication time, newest first; unknown times last."""
    def key(ev: AlertEvent) -> tuple[int, float]:
        try:
            moment = datetime.fromisoformat(ev.published_at or "")
        except ValueError:
            return (1, 0.0)  # unknown times go last
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (0, -moment.timestamp())

    return sorted(events, key=key)
