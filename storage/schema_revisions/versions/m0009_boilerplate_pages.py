"""Boilerplate learning: the line keys of each configured outlet's last pages, per host.

Revision ID: 0009_boilerplate_pages
Revises: 0008_developments
The table is described as it is created here (never imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Index, MetaData, Table, Text

revision = '0009_boilerplate_pages'
down_revision = '0008_developments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    md = MetaData()
    pages = Table(
        "boilerplate_pages", md,
        Column("host", Text, primary_key=True),
        Column("page_key", Text, primary_key=True),
        Column("line_keys", Text, nullable=False),
        Column("observed_at", Text, nullable=False),
    )
    # A crawl reads one host's newest pages, and pruning drops its oldest.
    Index("ix_boilerplate_pages_host_observed", pages.c.host, pages.c.observed_at)
    pages.create(conn)


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
