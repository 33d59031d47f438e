"""The outbox: one event per alert-worthy change, written in the article's transaction.

Revision ID: 0002_events_outbox
Revises: 0001_core_tables
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Index, Integer, MetaData, Table, Text, UniqueConstraint

revision = '0002_events_outbox'
down_revision = '0001_core_tables'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    md = MetaData()
    events = Table(
        "events", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", Text, nullable=False),
        Column("article_id", Text, nullable=False),
        Column("kind", Text, nullable=False),
        Column("version_no", Integer, nullable=False),
        Column("created_at", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("dispatched_at", Text),
        UniqueConstraint("source", "article_id", "kind", "version_no", name="uq_events_change"),
    )
    Index("ix_events_dispatched", events.c.dispatched_at, events.c.id)
    md.create_all(conn)


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
