"""Developments: one row per development, one membership row per stored article with its link's signals.

Revision ID: 0008_developments
Revises: 0007_articles_search_pg
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, Table, Text

revision = '0008_developments'
down_revision = '0007_articles_search_pg'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    # Developments (crawler/story/developments.py): one row per development, one membership row per stored
    # article with the signals of its link and the features later articles are compared with.
    md = MetaData()
    Table("articles", md, Column("id", Integer, primary_key=True))  # referenced only, never created here
    developments = Table(
        "developments", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("title", Text),
        Column("first_reported_at", Text),
        Column("last_reported_at", Text),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
    )
    Index("ix_developments_last_reported", developments.c.last_reported_at)
    members = Table(
        "development_articles", md,
        Column("article_pk", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        Column("development_id", Integer, ForeignKey("developments.id", ondelete="CASCADE"), nullable=False),
        Column("linked_pk", Integer),
        Column("score", Float, nullable=False),
        Column("signals", Text, nullable=False),
        Column("features", Text, nullable=False),
        Column("joined_at", Text, nullable=False),
    )
    Index("ix_development_articles_development", members.c.development_id)
    developments.create(conn)
    members.create(conn)


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
