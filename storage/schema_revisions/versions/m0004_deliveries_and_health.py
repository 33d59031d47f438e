"""Per-recipient deliveries, crawl health per source and the admin notices outbox.

Revision ID: 0004_deliveries_and_health
Revises: 0003_articles_fts
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, MetaData, Table, Text, UniqueConstraint

revision = '0004_deliveries_and_health'
down_revision = '0003_articles_fts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    md = MetaData()
    Table("events", md, Column("id", Integer, primary_key=True))  # referenced only, never created here
    deliveries = Table(
        "deliveries", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        Column("recipient", Text, nullable=False),
        Column("mode", Text, nullable=False),
        Column("group_key", Text, nullable=False),
        Column("label", Text, nullable=False),
        Column("timezone", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("created_at", Text, nullable=False),
        Column("scheduled_at", Text, nullable=False),
        Column("due_at", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text),
        Column("sent_at", Text),
        Column("message_id", Text),
        UniqueConstraint("event_id", "recipient", name="uq_deliveries_event_recipient"),
    )
    Index("ix_deliveries_status_due", deliveries.c.status, deliveries.c.due_at)
    health = Table(
        "source_health", md,
        Column("source", Text, primary_key=True),
        Column("last_run_id", Integer, nullable=False),
        Column("consecutive_failures", Integer, nullable=False),
        Column("streak_start_run_id", Integer),
        Column("failing_since", Text),
        Column("alerted", Boolean, nullable=False),
        Column("reasons", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
    )
    notices = Table(
        "health_notices", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", Text, nullable=False),
        Column("kind", Text, nullable=False),
        Column("recipient", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("created_at", Text, nullable=False),
        Column("scheduled_at", Text, nullable=False),
        Column("due_at", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text),
        Column("sent_at", Text),
        Column("message_id", Text),
    )
    Index("ix_health_notices_status_due", notices.c.status, notices.c.due_at)
    for table in (deliveries, health, notices):
        table.create(conn)


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
