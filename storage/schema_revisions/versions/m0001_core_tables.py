"""The core tables: articles, their topics and versions, pages seen, HTTP validators, crawl runs.

Revision ID: 0001_core_tables
Revises: (none)
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

revision = '0001_core_tables'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    md = MetaData()
    articles = Table(
        "articles", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", Text, nullable=False),
        Column("article_id", Text, nullable=False),
        Column("url", Text, nullable=False),
        Column("title", Text),
        Column("lead", Text),
        Column("body", Text, nullable=False),
        Column("body_hash", Text, nullable=False),
        Column("version_no", Integer, nullable=False),
        Column("published_at", Text),
        Column("published_utc", Text),
        Column("modified_at", Text),
        Column("authors", Text, nullable=False),
        Column("section", Text),
        Column("tags", Text, nullable=False),
        Column("language", Text),
        Column("kind", Text, nullable=False),
        Column("images", Text, nullable=False),
        Column("matches", Text, nullable=False),
        Column("score", Float, nullable=False),
        Column("listing_date", Text),
        Column("first_seen_at", Text, nullable=False),
        Column("last_seen_at", Text, nullable=False),
        Column("last_changed_at", Text, nullable=False),
        Column("deleted_at", Text),
        UniqueConstraint("source", "article_id", name="uq_articles_source_article"),
    )
    Index("ix_articles_source_published", articles.c.source, articles.c.published_utc)
    topics = Table(
        "article_topics", md,
        Column("article_pk", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        Column("topic", Text, primary_key=True),
    )
    Index("ix_article_topics_topic", topics.c.topic)
    Table(
        "article_versions", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("article_pk", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        Column("version_no", Integer, nullable=False),
        Column("title", Text),
        Column("lead", Text),
        Column("body", Text, nullable=False),
        Column("body_hash", Text, nullable=False),
        Column("modified_at", Text),
        Column("fetched_at", Text, nullable=False),
        Column("material", Boolean, nullable=False),
        Column("diff", Text),
        UniqueConstraint("article_pk", "version_no", name="uq_versions_article_no"),
    )
    Table(
        "seen", md,
        Column("source", Text, primary_key=True),
        Column("article_id", Text, primary_key=True),
        Column("url", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("topics_fingerprint", Text),
        Column("listing_date", Text),
        Column("detail", Text),
        Column("first_seen_at", Text, nullable=False),
        Column("last_fetched_at", Text, nullable=False),
    )
    Table(
        "fetch_state", md,
        Column("url", Text, primary_key=True),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("last_status", Integer),
        Column("last_fetched_at", Text),
    )
    runs = Table(
        "crawl_runs", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("spider", Text, nullable=False),
        Column("args", Text, nullable=False),
        Column("started_at", Text, nullable=False),
        Column("finished_at", Text),
        Column("outcome", Text),
        Column("stats", Text),
    )
    Index("ix_crawl_runs_spider_started", runs.c.spider, runs.c.started_at)
    md.create_all(conn)


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
