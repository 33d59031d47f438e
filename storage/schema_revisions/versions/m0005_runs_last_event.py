"""Each finished crawl run records the newest outbox event at its end (the baseline line).

Revision ID: 0005_runs_last_event
Revises: 0004_deliveries_and_health
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Integer, text

revision = '0005_runs_last_event'
down_revision = '0004_deliveries_and_health'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    # The baseline of a source is what its first finished run wrote. Deciding that by comparing timestamps
    # (one-second resolution) let news stored within the same second count as backlog; the outbox's own
    # order does not have that problem, so each finished run records the last event id at its end.
    # Batch mode: on SQLite Alembic adds the column in place when it can and copies the table when it must.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(Column("last_event_id", Integer))
    conn.execute(text(
        "UPDATE crawl_runs SET last_event_id = "
        "(SELECT max(e.id) FROM events e WHERE e.created_at <= crawl_runs.finished_at) "
        "WHERE finished_at IS NOT NULL"))


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
