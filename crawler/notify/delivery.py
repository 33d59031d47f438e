"""The delivery job: from the outbox to the mail server, once per recipient.

`deliver(store, config)` runs after each crawl (the watch daemon calls it in a thread; `newswatch alerts
deliver` runs it by hand). Each call:

1. fans out the outbox: every event not yet dispatched, of a source that has finished a crawl run, becomes
   one delivery row per recipient of every matching subscription (topics and sources), in one transaction
   with marking the event dispatched. The (event, recipient) key is unique, so a recipient gets an event
   once even when two subscriptions match it (the first in the config decides how).
2. gives up rows that have been tried and are older than `alerts.give_up_after_hours` (status "failed").
3. sends what is due: one mail per immediate delivery, one digest per (recipient, digest) of everything due
   in it, and queued crawl-health notices. Before sending, the rows are claimed (a lease, see
   storage/deliveries.py); right after the server accepts the message they are marked sent in their own
   short transaction.

Baseline: the events a source's first successful crawl run wrote (up to the newest event id when it finished:
`crawl_runs.last_event_id`) are what was already published when the source was first seen.
`alerts.baseline` decides what they become: one "baseline" digest
per recipient and source ("digest"), nothing ("silent": rows recorded as skipped) or ordinary alerts ("all").
Events of a source with no finished run yet wait, so a first crawl in progress is never half-announced.

Failures: a server that is down, times out or answers 4xx leaves the rows pending, due again after a backoff
(`alerts.retry_backoff_seconds`, doubling, capped); when the connection itself fails, the rest of the batch
waits for the next run rather than hammering the server. A recipient refused with 5xx fails for that
recipient only.

The duplicate window: a mail is sent at most once per row, except when the process dies (or the database
write fails) after the server has accepted the message and before the row is marked sent. That window is one
message wide, and as short as a single UPDATE: rows are marked one message at a time, immediately after the
server's reply, and the next message is only started once that is committed. A row whose send was cut off
that way is retried when its lease expires (a few minutes), and its recipient may then get that one
message twice. Nothing is lost: a row leaves "pending" only when the server accepted it, refused it for
good, or the give-up age passed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.config import Config, Subscription
from crawler.core.errors import ConfigError
from crawler.notify import channels
from crawler.notify.chat import ChatMessage, chat_digest, chat_health, chat_immediate, short_time
from crawler.notify.compose import (
    compose_digest,
    compose_health,
    compose_immediate,
    format_time,
    newest_first,
    resolve_timezone,
    source_name,
)
from crawler.notify.events import AlertEvent
from crawler.notify.smtp import SendError, SmtpConnection, SmtpSettings
from crawler.notify.templates import DigestRow, HealthReport, with_config_templates
from storage import Delivery, Event, NewDelivery, Notice, Store
from storage.store import utc_iso

log = logging.getLogger(__name__)

BASELINE_MODES = ("digest", "silent", "all")
# How long a claimed row stays ours beyond the SMTP timeouts: a job killed mid-send is retried after this.
LEASE_MARGIN = timedelta(seconds=60)


@dataclass
class DeliveryReport:
    """What one `deliver` call did, counted in delivery rows (one row = one event for one recipient)."""

    fanned_out: int = 0  # rows created from the outbox
    skipped: int = 0  # baseline rows recorded without mail ("silent")
    waiting_events: int = 0  # events whose source has not finished a crawl run yet
    sent: int = 0
    failed: int = 0  # refused for good (or not composable)
    gave_up: int = 0  # pending past the give-up age
    retrying: int = 0  # a temporary failure: due again after a backoff
    deferred: int = 0  # pending but not due yet (digest time, backoff)
    messages: int = 0  # mails the server accepted
    notices_sent: int = 0
    notices_failed: int = 0
    unwanted: int = 0  # pending rows skipped: their topic is off or their subscription gone
    errors: list[str] = field(default_factory=list)  # one line per failed attempt (no password)

    def summary(self) -> str:
        return (f"sent {self.sent} ({self.messages} message(s)), retrying {self.retrying}, "
                f"failed {self.failed + self.gave_up}, deferred {self.deferred}, new deliveries "
                f"{self.fanned_out}, baseline skipped {self.skipped}, events waiting for a first crawl "
                f"{self.waiting_events}, health notices sent {self.notices_sent}"
                + (f", skipped as no longer wanted {self.unwanted}" if self.unwanted else ""))


def smtp_settings_for(config: Config) -> SmtpSettings:
    """SMTP client settings from the config; the password is read now from its env var or secret file."""
    smtp = config.smtp
    username = smtp.username or None
    return SmtpSettings(host=smtp.host, port=smtp.port, security=smtp.security,
                        username=username, password=config.smtp_password() if username else None,
                        timeout=smtp.timeout, from_address=smtp.from_address)


# --- fan-out ------------------------------------------------------------------------------------------

def subscription_key(sub: Subscription) -> str:
    """A stable name for a subscription (its settings, not its position in the file)."""
    parts = [",".join(sub.to), ",".join(sub.topics), ",".join(sub.sources), sub.mode, sub.digest,
             sub.digest_at, sub.timezone]
    if sub.channels:  # appended only when present: keys of e-mail-only subscriptions stay as they were
        parts.append(",".join(sub.channels))
    if sub.per != "article":  # keys of subscriptions written before `per` existed stay as they were
        parts.append(sub.per)
    text = "\x00".join(parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def matches(sub: Subscription, event: Event) -> bool:
    """Whether a subscription wants an event: its sources (empty: all) and topics (empty: all), and for
    `per = "development"` only the first report of each development."""
    if sub.sources and event.source not in sub.sources:
        return False
    topics = set(event.payload.get("topics") or [])
    if sub.topics and not topics.intersection(sub.topics):
        return False
    return sub.per != "development" or first_of_development(sub, event)


def unwanted_reason(row: Delivery, config: Config) -> str | None:
    """Why the config no longer wants a pending delivery row sent, or None while it does.

    Rows are fanned out when an event is stored; the config may change before they are sent (a digest waits
    for its hour, a retry for its backoff). A row is still wanted while its event has an enabled topic (when
    it has topics at all: a topic switched off with `enabled = false`, or removed, is not watched any more)
    and some subscription of its recipient matches the event's source and those topics.
    """
    event = row.event
    topics = [str(t) for t in event.payload.get("topics") or []]
    live = {t for t in topics if t in config.topics and config.topics[t].enabled}
    if topics and not live:
        return f"topic switched off or removed: {', '.join(sorted(set(topics)))}"
    key = row.recipient if channels.is_channel(row.recipient) else row.recipient.lower()
    for sub in config.subscriptions:
        recipients = {*(a.lower() for a in sub.to), *sub.channels}
        if key not in recipients or (sub.sources and event.source not in sub.sources):
            continue
        if not sub.topics or live.intersection(sub.topics) or not topics:
            return None
    return f"no subscription of {row.recipient} wants it any more"


def skip_unwanted(store: Store, config: Config, now: datetime) -> int:
    """Record pending rows the config no longer wants as skipped (see unwanted_reason); how many."""
    reasons: dict[str, list[int]] = {}
    for row in store.deliveries.pending():
        reason = unwanted_reason(row, config)
        if reason is not None:
            reasons.setdefault(reason, []).append(row.id)
    skipped = 0
    for reason, ids in reasons.items():
        done = store.deliveries.mark_skipped(ids, now, reason)
        if done:
            log.info("skipped %d alert delivery(ies): %s", done, reason)
        skipped += done
    return skipped


def first_of_development(sub: Subscription, event: Event) -> bool:
    """For a subscription of one alert per development: whether this event is the one it hears of, the
    development's first report among the sources it follows (its later reports are named in that alert's
    "Also reported by" lines only when they were there first; they are not sent again)."""
    development = event.payload.get("development")
    if not isinstance(development, Mapping) or development.get("started", True):
        return True
    others = [o for o in development.get("others") or [] if isinstance(o, Mapping)]
    return not any(not sub.sources or o.get("source") in sub.sources for o in others)


def next_digest_time(sub: Subscription, after: datetime) -> datetime:
    """When a digest subscription next sends, at or after `after` (UTC): digest_at in its time zone daily,
    or at digest_at's minute every hour."""
    zone = ZoneInfo(sub.timezone)
    local = _aware(after).astimezone(zone)
    hour, minute = (int(x) for x in sub.digest_at.split(":"))
    if sub.digest == "hourly":
        slot = local.replace(minute=minute, second=0, microsecond=0)
        if slot < local:
            slot = (slot.astimezone(UTC) + timedelta(hours=1)).astimezone(zone)
        return slot.astimezone(UTC)
    day = local.date()
    slot = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    if slot < local:
        nxt = day + timedelta(days=1)
        slot = datetime(nxt.year, nxt.month, nxt.day, hour, minute, tzinfo=zone)
    return slot.astimezone(UTC)


def _label(sub: Subscription, event: Event) -> str:
    topics = list(sub.topics) or sorted(event.payload.get("topics") or [])
    return ", ".join(topics) or "all topics"


def plan_fanout(events: Iterable[Event], subscriptions: Sequence[Subscription],
                baseline_ends: Mapping[str, int], baseline: str,
                now: datetime) -> tuple[list[NewDelivery], list[int], int]:
    """Decide the delivery rows for outbox events. Pure.

    Returns (rows, ids of the events handled, number of events left waiting for their source's first
    finished run). A handled event with no matching subscription gets no rows but is dispatched all the same.
    """
    if baseline not in BASELINE_MODES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINE_MODES)}, got {baseline!r}")
    rows: list[NewDelivery] = []
    handled: list[int] = []
    waiting = 0
    at = utc_iso(now)
    for event in events:
        end = baseline_ends.get(event.source)
        if end is None and baseline != "all":
            waiting += 1
            continue
        in_baseline = baseline != "all" and end is not None and event.id <= end
        handled.append(event.id)
        taken: set[str] = set()
        for sub in subscriptions:
            if not matches(sub, event):
                continue
            for recipient in (*sub.to, *sub.channels):
                # Addresses compare without case; a channel URL exactly (its tokens are case-sensitive).
                key = recipient if channels.is_channel(recipient) else recipient.lower()
                if key in taken:
                    continue
                taken.add(key)
                rows.append(_row(event, sub, recipient, in_baseline, baseline, now, at))
    return rows, handled, waiting


def _row(event: Event, sub: Subscription, recipient: str, in_baseline: bool, baseline: str, now: datetime,
         at: str) -> NewDelivery:
    label = _label(sub, event)
    if in_baseline:
        return NewDelivery(event.id, recipient, "baseline", f"baseline:{event.source}",
                           f"{label} (backlog)", sub.timezone,
                           "skipped" if baseline == "silent" else "pending", at)
    if sub.mode == "digest":
        return NewDelivery(event.id, recipient, "digest", f"digest:{subscription_key(sub)}", label,
                           sub.timezone, "pending", utc_iso(next_digest_time(sub, now)))
    return NewDelivery(event.id, recipient, "immediate", "", label, sub.timezone, "pending", at)


def fan_out(store: Store, config: Config, now: datetime | None = None) -> tuple[int, int, int]:
    """Turn pending outbox events into delivery rows. Returns (rows created, skipped baseline, waiting)."""
    now = _aware(now or datetime.now(UTC))
    rows, handled, waiting = plan_fanout(store.pending_events(), config.subscriptions,
                                         store.deliveries.baseline_ends(), config.alerts.baseline, now)
    created = store.deliveries.fan_out(rows, handled, now) if handled else 0
    return created, sum(1 for r in rows if r.status == "skipped"), waiting


# --- composing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outgoing:
    """One mail to send: for which rows (deliveries or notices) and to whom."""

    kind: str  # "immediate" | "digest" | "baseline" | "health"
    recipient: str  # an e-mail address, or a channel URL as written in the config (no secrets)
    ids: tuple[int, ...]
    attempts: int  # the most attempts any of its rows has had
    message: EmailMessage | None  # None when it cannot be composed (see error), or for a channel
    error: str | None = None
    chat: ChatMessage | None = None  # the message for a channel

    @property
    def is_channel(self) -> bool:
        return channels.is_channel(self.recipient)


def alert_payload(event: Event) -> dict[str, Any]:
    """The compose layer's event payload (crawler.notify.AlertEvent) for an outbox event."""
    p = event.payload
    diff = dict(p.get("diff") or {})
    title = diff.get("title")
    if title:  # a page without a title before or after still reads as a change of title
        diff["title"] = {"before": title.get("before") or "", "after": title.get("after") or ""}
    return {"event_id": str(event.id), "kind": event.kind, "source": event.source,
            "article_id": event.article_id, "url": p.get("url") or "", "title": p.get("title"),
            "lead": p.get("lead"), "published_at": p.get("published_at"), "topics": p.get("topics") or [],
            "terms": p.get("terms") or [], "diff": diff or None, "coverage": coverage_of(p)}


def coverage_of(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The other articles of the event's development, as the alert names them ("Also reported by ...")."""
    development = payload.get("development") or {}
    return [{"source": o.get("source"), "article_id": o.get("article_id"), "title": o.get("title"),
             "url": o.get("url"), "published_at": o.get("published_utc")}
            for o in development.get("others") or [] if isinstance(o, Mapping)]


def compose_deliveries(rows: Sequence[Delivery], from_address: str, now: datetime) -> list[Outgoing]:
    """Mails for delivery rows: one per immediate row, one per (recipient, digest group); oldest first."""
    batches: dict[tuple[str, str] | int, list[Delivery]] = {}  # in order of each batch's first row
    for position, row in enumerate(rows):
        key: tuple[str, str] | int = position if row.mode == "immediate" else (row.recipient.lower(),
                                                                                row.group_key)
        batches.setdefault(key, []).append(row)
    return [_compose(members[0].mode, members[0].recipient, members, from_address, now)
            for members in batches.values()]


def _compose(kind: str, recipient: str, rows: Sequence[Delivery], from_address: str,
             now: datetime) -> Outgoing:
    ids = tuple(r.id for r in rows)
    attempts = max(r.attempts for r in rows)
    first = rows[0]
    if channels.is_channel(recipient):
        return _compose_chat(kind, recipient, rows, ids, attempts)
    try:
        if kind == "immediate":
            message = compose_immediate(alert_payload(first.event), to=recipient, from_address=from_address,
                                        timezone=first.timezone, now=now)
        else:
            message = compose_digest([alert_payload(r.event) for r in rows], to=recipient,
                                     from_address=from_address, timezone=first.timezone, topic=first.label,
                                     now=now)
    except (ValueError, TypeError, AttributeError) as exc:  # a malformed payload: it will never compose
        return Outgoing(kind, recipient, ids, attempts, None, f"cannot compose the alert: {exc}")
    return Outgoing(kind, recipient, ids, attempts, message)


def _compose_chat(kind: str, recipient: str, rows: Sequence[Delivery], ids: tuple[int, ...],
                  attempts: int) -> Outgoing:
    """A chat message for a channel: one event, or a digest of many (crawler/notify/chat.py)."""
    flavour = channels.flavour(recipient)
    try:
        zone = resolve_timezone(rows[0].timezone)
        events = [AlertEvent.from_payload(alert_payload(r.event)) for r in rows]
        if kind == "immediate":
            ev = events[0]
            chat = chat_immediate(ev, flavour, source=source_name(ev.source),
                                  published=short_time(format_time(ev.published_at, zone)))
        else:
            unique = list({e.event_id: e for e in events}.values())
            digest_rows = {k: [DigestRow(e, source_name(e.source),
                                         short_time(format_time(e.published_at, zone)))
                               for e in newest_first([e for e in unique if e.kind == k])]
                           for k in ("new", "updated")}
            chat = chat_digest(rows[0].label, digest_rows["new"], digest_rows["updated"], flavour)
    except (ValueError, TypeError, AttributeError) as exc:
        return Outgoing(kind, recipient, ids, attempts, None, f"cannot compose the alert: {exc}")
    return Outgoing(kind, recipient, ids, attempts, None, chat=chat)


def compose_notices(notices: Sequence[Notice], from_address: str, now: datetime) -> list[Outgoing]:
    out = []
    for notice in notices:
        p = notice.payload
        if channels.is_channel(notice.recipient):
            report = HealthReport(source=source_name(notice.source), status=notice.kind,
                                  runs=int(p.get("runs") or 0), reasons=list(p.get("reasons") or []),
                                  since=format_time(p.get("since"), resolve_timezone("UTC")))
            chat = chat_health(report, channels.flavour(notice.recipient))
            out.append(Outgoing("health", notice.recipient, (notice.id,), notice.attempts, None, chat=chat))
            continue
        message = compose_health(notice.source, status=notice.kind,  # type: ignore[arg-type]
                                 runs=int(p.get("runs") or 0), reasons=list(p.get("reasons") or []),
                                 since=p.get("since"), to=notice.recipient, from_address=from_address,
                                 now=now)
        out.append(Outgoing("health", notice.recipient, (notice.id,), notice.attempts, message))
    return out


# --- sending ------------------------------------------------------------------------------------------

@with_config_templates  # mails in the user's templates_dir style
def deliver(store: Store, config: Config, *, now: datetime | None = None,
            smtp_settings: SmtpSettings | None = None) -> DeliveryReport:
    """Fan out the outbox, give up what is too old, send what is due. Synchronous; see the module doc.

    `now` (UTC) stands for the clock everywhere (digest times, backoff, give-up age), so tests can move
    time. `smtp_settings` defaults to the config's (password read from its env var or secret file).
    SMTP failures never raise: they are counted in the report and stay in the outbox.
    """
    now = _aware(now or datetime.now(UTC))
    report = DeliveryReport()
    report.fanned_out, report.skipped, report.waiting_events = fan_out(store, config, now)
    report.unwanted = skip_unwanted(store, config, now)

    cutoff = now - timedelta(hours=config.alerts.give_up_after_hours)
    report.gave_up = store.deliveries.give_up(cutoff, now, config.alerts.give_up_after_hours)
    report.notices_failed = store.notices.give_up(cutoff, now, config.alerts.give_up_after_hours)
    if report.gave_up:
        log.warning("gave up %d alert delivery(ies) older than %g hours", report.gave_up,
                    config.alerts.give_up_after_hours)

    due = store.deliveries.due(now)
    due_ids = {d.id for d in due}
    report.deferred = sum(1 for d in store.deliveries.pending() if d.id not in due_ids)
    notices = store.notices.due(now)
    if not due and not notices:
        return report
    settings = smtp_settings if smtp_settings is not None else smtp_settings_for(config)
    outgoing = [*compose_notices(notices, settings.from_address, now),
                *compose_deliveries(due, settings.from_address, now)]
    _send_all(store, config, settings, outgoing, now, report)
    return report


def _send_all(store: Store, config: Config, settings: SmtpSettings, outgoing: Sequence[Outgoing],
              now: datetime, report: DeliveryReport) -> None:
    lease = timedelta(seconds=max(settings.timeout * 4, channels.SEND_DEADLINE_SECONDS)) + LEASE_MARGIN
    started = time.monotonic()
    connection = SmtpConnection(settings)
    down: str | None = None  # the SMTP connection failed: the rest of the mails wait for the next run
    try:
        for item in outgoing:
            outbox: Any = store.notices if item.kind == "health" else store.deliveries
            # The lease runs from when this item is claimed, not from the start of the batch: a batch slowed
            # by channels that time out must not leave its later items claimable by a second job.
            lease_until = now + timedelta(seconds=time.monotonic() - started) + lease
            if not outbox.claim(item.ids, now, lease_until):
                continue  # another delivery job has it
            if item.message is None and item.chat is None:
                _fail(outbox, item, now, item.error or "cannot compose", report)
                continue
            if item.chat is not None:  # a channel: on its own, whatever the mail server or others do
                _send_chat(outbox, config, item, item.chat, now, report)
                continue
            assert item.message is not None
            if down is not None:
                _retry(outbox, config, item, now, down, report)
                continue
            try:
                result = connection.send(item.message, [item.recipient])
            except SendError as exc:
                error = _redact(str(exc), settings)
                if not exc.retryable:
                    _fail(outbox, item, now, error, report)
                else:
                    _retry(outbox, config, item, now, error, report)
                    if not connection.connected:
                        down = error
                continue
            if result.accepted:
                # The server has the message: record it at once (the duplicate window, see the module doc).
                outbox.mark_sent(item.ids, now, result.message_id)
                _count_sent(item, report)
                continue
            rejection = result.rejected.get(item.recipient) or next(iter(result.rejected.values()))
            error = _redact(f"{item.recipient} refused: {rejection.code} {rejection.reason}", settings)
            if rejection.permanent:
                _fail(outbox, item, now, error, report)
            else:
                _retry(outbox, config, item, now, error, report)
    finally:
        connection.close()


def _send_chat(outbox: Any, config: Config, item: Outgoing, chat: ChatMessage, now: datetime,
               report: DeliveryReport) -> None:
    """Send one message to one channel; a failure (or a secret missing now) is retried with backoff."""
    try:
        resolved = channels.destination(item.recipient, config)
    except ConfigError as exc:
        _retry(outbox, config, item, now, f"{item.recipient}: {exc}", report)
        return
    result = channels.send(resolved, chat)
    if result.ok:
        outbox.mark_sent(item.ids, now, None)
        _count_sent(item, report)
    else:
        _retry(outbox, config, item, now, result.error or f"{item.recipient}: not delivered", report)


def _count_sent(item: Outgoing, report: DeliveryReport) -> None:
    if item.kind == "health":
        report.notices_sent += 1
    else:
        report.sent += len(item.ids)
        report.messages += 1


def _fail(outbox: Any, item: Outgoing, now: datetime, error: str, report: DeliveryReport) -> None:
    outbox.mark_failed(item.ids, now, error)
    log.warning("%s %s to %s failed for good: %s", item.kind, _what(item), item.recipient, error)
    report.errors.append(error)
    if item.kind == "health":
        report.notices_failed += 1
    else:
        report.failed += len(item.ids)


def _retry(outbox: Any, config: Config, item: Outgoing, now: datetime, error: str,
           report: DeliveryReport) -> None:
    due = now + timedelta(seconds=config.alerts.retry_delay(item.attempts + 1))
    outbox.retry_later(item.ids, due, error)
    log.warning("%s %s to %s not sent, retrying after %s: %s", item.kind, _what(item), item.recipient,
                utc_iso(due), error)
    report.errors.append(error)
    if item.kind != "health":
        report.retrying += len(item.ids)


def _what(item: Outgoing) -> str:
    return "message" if item.is_channel else "mail"


def _redact(text: str, settings: SmtpSettings) -> str:
    """Belt and braces: the SMTP layer already scrubs server replies of the password."""
    return text.replace(settings.password, "***") if settings.password else text


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@with_config_templates  # mails in the user's templates_dir style
def send_notices(store: Store, config: Config, *, now: datetime | None = None,
                 smtp_settings: SmtpSettings | None = None) -> DeliveryReport:
    """Send the queued crawl-health notices that are due, and nothing else (monitor.health calls it)."""
    now = _aware(now or datetime.now(UTC))
    report = DeliveryReport()
    notices = store.notices.due(now)
    if notices:
        settings = smtp_settings if smtp_settings is not None else smtp_settings_for(config)
        _send_all(store, config, settings, compose_notices(notices, settings.from_address, now), now, report)
    return report


# --- preview ------------------------------------------------------------------------------------------

@with_config_templates  # mails in the user's templates_dir style
def preview(store: Store, config: Config, out_dir: Path, *, now: datetime | None = None,
            from_address: str | None = None) -> list[Path]:
    """Write the mails the next deliveries would send as .eml files in `out_dir` (channel messages as
    .chat.txt), sending and changing nothing: pending delivery rows (due or not) and the outbox events
    fan-out would add, plus queued health notices. Returns the files written, in sending order."""
    now = _aware(now or datetime.now(UTC))
    sender = from_address or config.smtp.from_address
    rows = list(store.deliveries.pending())
    planned, _handled, _waiting = plan_fanout(store.pending_events(), config.subscriptions,
                                              store.deliveries.baseline_ends(), config.alerts.baseline, now)
    events = {e.id: e for e in store.pending_events()}
    for index, new in enumerate(planned, start=1):
        if new.status != "pending":
            continue
        rows.append(Delivery(id=-index, event=events[new.event_id], recipient=new.recipient, mode=new.mode,
                             group_key=new.group_key, label=new.label, timezone=new.timezone,
                             status="pending", created_at=utc_iso(now), scheduled_at=new.scheduled_at,
                             due_at=new.scheduled_at, attempts=0, last_error=None, sent_at=None,
                             message_id=None))
    rows = [row for row in rows if unwanted_reason(row, config) is None]  # what deliver would skip
    outgoing = [*compose_notices(store.notices.all("pending"), sender, now),
                *compose_deliveries(rows, sender, now)]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    ready = (o for o in outgoing if o.message is not None or o.chat is not None)
    for number, item in enumerate(ready, start=1):
        if item.chat is not None:  # a channel message: its URL as written (no secret), title and body
            path = out_dir / f"{number:03d}-{item.kind}-{channels.scheme_of(item.recipient)}.chat.txt"
            path.write_text(f"To: {item.recipient}\nFormat: {item.chat.flavour}\nTitle: {item.chat.title}\n\n"
                            f"{item.chat.body}\n", encoding="utf-8")
            written.append(path)
            continue
        assert item.message is not None
        safe = "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in item.recipient)
        path = out_dir / f"{number:03d}-{item.kind}-{safe}.eml"
        path.write_bytes(item.message.as_bytes())
        written.append(path)
    return written
