"""Read-only queries for the daemon's Prometheus metrics (crawler/monitor/metrics.py): small aggregates,
cheap enough to run on every scrape."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import schema as s
from storage.database import Database

FINISHED = "finished"  # the outcome of a crawl run that completed


class MetricsQueries:
    """`Store.metrics` gives one."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def delivery_counts(self) -> list[tuple[str, str, int]]:
        """(recipient, status, deliveries) for every recipient and status present."""
        d = s.deliveries
        with self._db._read() as conn:
            rows = conn.execute(select(d.c.recipient, d.c.status, func.count())
                                .group_by(d.c.recipient, d.c.status)).all()
        return [(str(recipient), str(status), int(n)) for recipient, status, n in rows]

    def oldest_pending(self) -> str | None:
        """When the oldest thing still waiting in the outbox was written (UTC ISO), or None when it is empty:
        an event not yet fanned out, a pending delivery, or a pending health notice."""
        e, d, n = s.events, s.deliveries, s.health_notices
        with self._db._read() as conn:
            times = [conn.scalar(select(func.min(e.c.created_at)).where(e.c.dispatched_at.is_(None))),
                     conn.scalar(select(func.min(d.c.created_at)).where(d.c.status == "pending")),
                     conn.scalar(select(func.min(n.c.created_at)).where(n.c.status == "pending"))]
        found = [str(t) for t in times if t]
        return min(found) if found else None

    def last_success(self) -> dict[str, str]:
        """Per source (the run's spider), when its last finished crawl run ended (UTC ISO)."""
        r = s.crawl_runs
        with self._db._read() as conn:
            rows = conn.execute(select(r.c.spider, func.max(r.c.finished_at))
                                .where(r.c.outcome == FINISHED, r.c.finished_at.is_not(None))
                                .group_by(r.c.spider)).all()
        return {str(spider): str(at) for spider, at in rows}
