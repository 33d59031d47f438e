"""Crawl-health state per source, and the admin notices queued with it.

The state and the notice it calls for are written in one transaction (the outbox pattern again), so a
failure streak is announced exactly once and its recovery once, even if the process dies in between.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crawler.core.times import utc_iso
from storage import schema as s
from storage.database import Database
from storage.records import CrawlRun, HealthState


class HealthStore:
    """Reach it as `store.health`."""

    def __init__(self, store: Database) -> None:
        self.store = store

    def state(self, source: str) -> HealthState | None:
        h = s.source_health
        with self.store._read() as conn:
            row = conn.execute(select(h).where(h.c.source == source)).first()
        return _state(row) if row is not None else None

    def states(self) -> dict[str, HealthState]:
        h = s.source_health
        with self.store._read() as conn:
            rows = conn.execute(select(h).order_by(h.c.source)).all()
        return {r.source: _state(r) for r in rows}

    def record(self, state: HealthState, notice: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
               now: datetime) -> bool:
        """Save `state` and queue `notice` ({"kind", "recipient", "payload"}, or a list of them: one per
        destination) in one transaction.

        Only when `state.last_run_id` is newer than the run last evaluated: re-evaluating a run (a retried
        job, two processes) changes nothing and queues nothing. Returns whether it was recorded.
        """
        h, n = s.source_health, s.health_notices
        at = utc_iso(now)
        values = {"source": state.source, "last_run_id": state.last_run_id,
                  "consecutive_failures": state.consecutive_failures,
                  "streak_start_run_id": state.streak_start_run_id, "failing_since": state.failing_since,
                  "alerted": state.alerted, "reasons": json.dumps(state.reasons, ensure_ascii=False),
                  "updated_at": at}
        with self.store._write() as conn:
            last = conn.scalar(select(h.c.last_run_id).where(h.c.source == state.source))
            if last is not None and last >= state.last_run_id:
                return False
            self.store._upsert(conn, h, values, ("source",))
            for one in [notice] if isinstance(notice, Mapping) else list(notice or []):
                conn.execute(n.insert().values(
                    source=state.source, kind=one["kind"], recipient=one["recipient"],
                    payload=json.dumps(one["payload"], ensure_ascii=False), status="pending",
                    created_at=at, scheduled_at=at, due_at=at, attempts=0))
        return True

    def run(self, run_id: int) -> CrawlRun | None:
        r = s.crawl_runs
        with self.store._read() as conn:
            row = conn.execute(select(r).where(r.c.id == run_id)).first()
        return _run(row) if row is not None else None

    def finished_runs(self, source: str, *, before_id: int, limit: int) -> list[CrawlRun]:
        """The source's finished runs with an id below `before_id`, newest first."""
        r = s.crawl_runs
        with self.store._read() as conn:
            rows = conn.execute(select(r).where(r.c.spider == source, r.c.id < before_id,
                                                r.c.finished_at.is_not(None))
                                .order_by(r.c.id.desc()).limit(limit)).all()
        return [_run(x) for x in rows]


def _state(r: Any) -> HealthState:
    return HealthState(source=r.source, last_run_id=r.last_run_id,
                       consecutive_failures=r.consecutive_failures, streak_start_run_id=r.streak_start_run_id,
                       failing_since=r.failing_since, alerted=bool(r.alerted),
                       reasons=json.loads(r.reasons or "[]"), updated_at=r.updated_at)


def _run(x: Any) -> CrawlRun:
    return CrawlRun(x.id, x.spider, json.loads(x.args) if x.args else {}, x.started_at, x.finished_at,
                    x.outcome, json.loads(x.stats) if x.stats else None)
