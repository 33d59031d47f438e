"""The delivery side of the outbox: per-recipient delivery rows, and the bookkeeping of every send attempt.

Events (written with each article change) are fanned out into `deliveries`, one row per (event, recipient);
the unique key on that pair is what makes an event reach each recipient once, however often fan-out re-runs.
Admin notices about crawl health (`health_notices`) go through the same states:

    pending --claim--> (lease) --server accepted--> sent
                                --refused for good--> failed
                                --temporary error--> pending again, due after a backoff
    pending, tried, older than the give-up age --> failed

A claim moves `due_at` forward by a lease in one short write transaction (its rows read FOR UPDATE SKIP
LOCKED on PostgreSQL: a row another job is claiming is passed over, not waited for), so two delivery jobs
never send the same row at once, and a job killed mid-send leaves the row to be retried once the lease has
run out.
Every state change is its own short transaction: a row is marked sent right after the server accepted it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, func, select, update

from crawler.core.times import utc_iso
from storage import schema as s
from storage.database import Database
from storage.records import Delivery, Event, NewDelivery, Notice

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
STATUSES = (PENDING, SENT, FAILED, SKIPPED)


class _NotAll(Exception):
    pass


class _Outbox:
    """Attempt bookkeeping shared by deliveries and health notices (same state columns)."""

    table: Table

    def __init__(self, store: Database) -> None:
        self.store = store

    def claim(self, ids: Sequence[int], now: datetime, lease_until: datetime) -> bool:
        """Take rows for sending: true when every one was pending and due, and is now leased to us."""
        if not ids:
            return False
        t = self.table
        try:
            with self.store._write() as conn:
                # FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises): rows
                # another job is claiming right now are passed over at once instead of waited for.
                free = conn.scalars(select(t.c.id).where(t.c.id.in_(list(ids)), t.c.status == PENDING,
                                                         t.c.due_at <= utc_iso(now))
                                    .with_for_update(skip_locked=True)).all()
                if len(free) != len(ids):
                    raise _NotAll  # someone else holds some of them: take nothing, send nothing
                conn.execute(update(t).where(t.c.id.in_(list(ids))).values(due_at=utc_iso(lease_until)))
        except _NotAll:
            return False
        return True

    def mark_sent(self, ids: Sequence[int], now: datetime, message_id: str | None) -> int:
        """Record that the server accepted the message for these rows (one short transaction)."""
        t = self.table
        with self.store._write() as conn:
            done = conn.execute(update(t).where(t.c.id.in_(list(ids)), t.c.status == PENDING)
                                .values(status=SENT, sent_at=utc_iso(now), message_id=message_id,
                                        attempts=t.c.attempts + 1, last_error=None))
            return int(done.rowcount)

    def mark_failed(self, ids: Sequence[int], now: datetime, error: str) -> int:
        """Give these rows up for good (refused permanently): visible in `newswatch status`."""
        t = self.table
        with self.store._write() as conn:
            done = conn.execute(update(t).where(t.c.id.in_(list(ids)), t.c.status == PENDING)
                                .values(status=FAILED, attempts=t.c.attempts + 1, last_error=error,
                                        due_at=utc_iso(now)))
            return int(done.rowcount)

    def mark_skipped(self, ids: Sequence[int], now: datetime, reason: str) -> int:
        """Record pending rows as skipped without sending (the config no longer wants them), with why."""
        t = self.table
        with self.store._write() as conn:
            done = conn.execute(update(t).where(t.c.id.in_(list(ids)), t.c.status == PENDING)
                                .values(status=SKIPPED, last_error=reason, due_at=utc_iso(now)))
            return int(done.rowcount)

    def retry_later(self, ids: Sequence[int], due_at: datetime, error: str) -> int:
        """Count a failed attempt and make the rows due again at `due_at`."""
        t = self.table
        with self.store._write() as conn:
            done = conn.execute(update(t).where(t.c.id.in_(list(ids)), t.c.status == PENDING)
                                .values(attempts=t.c.attempts + 1, last_error=error, due_at=utc_iso(due_at)))
            return int(done.rowcount)

    def give_up(self, scheduled_before: datetime, now: datetime, hours: float) -> int:
        """Fail pending rows that have been tried and were first due before `scheduled_before`."""
        t = self.table
        reason = f"gave up after {hours:g} hours: "
        with self.store._write() as conn:
            done = conn.execute(update(t).where(t.c.status == PENDING, t.c.attempts > 0,
                                                t.c.scheduled_at < utc_iso(scheduled_before))
                                .values(status=FAILED, due_at=utc_iso(now),
                                        last_error=reason + func.coalesce(t.c.last_error, "")))
            return int(done.rowcount)

    def status_counts(self) -> dict[str, int]:
        t = self.table
        with self.store._read() as conn:
            rows = conn.execute(select(t.c.status, func.count()).group_by(t.c.status)).all()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({str(status): int(n) for status, n in rows})
        return counts

    def next_due(self) -> str | None:
        """The earliest due_at of a pending row (UTC ISO), or None when nothing is pending."""
        t = self.table
        with self.store._read() as conn:
            return conn.scalar(select(func.min(t.c.due_at)).where(t.c.status == PENDING))


class DeliveryStore(_Outbox):
    """Per-recipient deliveries of outbox events. Reach it as `store.deliveries`."""

    table = s.deliveries

    def baseline_ends(self) -> dict[str, int]:
        """source -> the id of the newest outbox event when its first successful crawl run (outcome
        "finished") ended; sources that never had one are absent.

        That source's events up to this id are its baseline: what was already there when it was first seen.
        A first run that was interrupted, timed out or reached nothing saw only part of that backlog, so it
        does not end the baseline: what the next, complete run stores is backlog too. Event ids, not
        timestamps, draw the line: news stored within the second the first run ended is still news.
        """
        r = s.crawl_runs
        with self.store._read() as conn:
            rows = conn.execute(select(r.c.spider, r.c.last_event_id)
                                .where(r.c.finished_at.is_not(None), r.c.outcome == "finished")
                                .order_by(r.c.finished_at, r.c.id)).all()
        ends: dict[str, int] = {}
        for spider, last_event_id in rows:
            ends.setdefault(str(spider), int(last_event_id or 0))
        return ends

    def fan_out(self, rows: Sequence[NewDelivery], event_ids: Sequence[int], now: datetime) -> int:
        """Create delivery rows and mark their events dispatched, in one transaction.

        Idempotent: a row for an (event, recipient) pair that already exists is left as it is. Returns how
        many rows were created.
        """
        created_at = utc_iso(now)
        inserted = 0
        with self.store._write() as conn:
            if event_ids:
                # The events to dispatch, locked (FOR UPDATE SKIP LOCKED on PostgreSQL): an event another
                # fan-out holds or has just dispatched is left to it.
                e = s.events
                mine = set(conn.scalars(select(e.c.id).where(e.c.id.in_(list(event_ids)),
                                                             e.c.dispatched_at.is_(None))
                                        .with_for_update(skip_locked=True)))
                others = set(event_ids) - mine
                rows = [r for r in rows if r.event_id not in others]
                event_ids = [i for i in event_ids if i in mine]
            for row in rows:
                stmt: Any = self.store._insert(s.deliveries).values(
                    event_id=row.event_id, recipient=row.recipient, mode=row.mode, group_key=row.group_key,
                    label=row.label, timezone=row.timezone, status=row.status, created_at=created_at,
                    scheduled_at=row.scheduled_at, due_at=row.scheduled_at, attempts=0)
                # Counted by RETURNING: psycopg reports no rowcount for an insert with an implicit RETURNING.
                result = conn.execute(stmt.on_conflict_do_nothing(index_elements=["event_id", "recipient"])
                                      .returning(s.deliveries.c.id))
                inserted += len(result.all())
            if event_ids:
                e = s.events
                conn.execute(update(e).where(e.c.id.in_(list(event_ids)), e.c.dispatched_at.is_(None))
                             .values(dispatched_at=created_at))
        return inserted

    def due(self, now: datetime) -> list[Delivery]:
        """Pending rows due by `now`, oldest first."""
        d = s.deliveries
        return self._select((d.c.status == PENDING) & (d.c.due_at <= utc_iso(now)))

    def pending(self) -> list[Delivery]:
        """Every pending row (due or not), oldest first."""
        return self._select(s.deliveries.c.status == PENDING)

    def with_status(self, status: str, limit: int | None = None) -> list[Delivery]:
        """Rows in one status, most recently changed first (e.g. the failed ones for `status`)."""
        d = s.deliveries
        return self._select(d.c.status == status, limit=limit, newest_first=True)

    def skipped_with_reason(self, limit: int | None = None) -> list[Delivery]:
        """Skipped rows that say why (the config stopped wanting them), most recent first."""
        d = s.deliveries
        return self._select((d.c.status == SKIPPED) & d.c.last_error.is_not(None), limit=limit,
                            newest_first=True)

    def for_event(self, event_id: int) -> list[Delivery]:
        return self._select(s.deliveries.c.event_id == event_id)

    def _select(self, condition: Any, limit: int | None = None, newest_first: bool = False) -> list[Delivery]:
        d, e = s.deliveries, s.events
        order = (d.c.due_at.desc(), d.c.id.desc()) if newest_first else (d.c.id,)
        query = (select(d, e.c.source, e.c.article_id, e.c.kind, e.c.version_no,
                        e.c.created_at.label("event_created_at"), e.c.payload, e.c.dispatched_at)
                 .join(e, e.c.id == d.c.event_id).where(condition).order_by(*order))
        if limit:
            query = query.limit(limit)
        with self.store._read() as conn:
            return [_delivery(r) for r in conn.execute(query).all()]


class NoticeStore(_Outbox):
    """Queued admin e-mails about crawl health. Reach it as `store.notices`."""

    table = s.health_notices

    def due(self, now: datetime) -> list[Notice]:
        n = s.health_notices
        return self._select((n.c.status == PENDING) & (n.c.due_at <= utc_iso(now)))

    def all(self, status: str | None = None) -> list[Notice]:
        n = s.health_notices
        return self._select(n.c.status == status if status else n.c.id.is_not(None))

    def _select(self, condition: Any) -> list[Notice]:
        n = s.health_notices
        with self.store._read() as conn:
            rows = conn.execute(select(n).where(condition).order_by(n.c.id)).all()
        return [Notice(id=r.id, source=r.source, kind=r.kind, recipient=r.recipient,
                       payload=json.loads(r.payload), status=r.status, created_at=r.created_at,
                       scheduled_at=r.scheduled_at, due_at=r.due_at, attempts=r.attempts,
                       last_error=r.last_error, sent_at=r.sent_at, message_id=r.message_id) for r in rows]


def _delivery(r: Row[Any]) -> Delivery:
    event = Event(r.event_id, r.source, r.article_id, r.kind, r.version_no, r.event_created_at,
                  json.loads(r.payload) if r.payload else {}, r.dispatched_at)
    return Delivery(id=r.id, event=event, recipient=r.recipient, mode=r.mode, group_key=r.group_key,
                    label=r.label, timezone=r.timezone, status=r.status, created_at=r.created_at,
                    scheduled_at=r.scheduled_at, due_at=r.due_at, attempts=r.attempts,
                    last_error=r.last_error, sent_at=r.sent_at, message_id=r.message_id)
