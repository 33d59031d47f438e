"""Covering indexes for the dashboard's topic timeline.

Revision ID: 0006_timeline_indexes
Revises: 0005_runs_last_event
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = '0006_timeline_indexes'
down_revision = '0005_runs_last_event'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    # The dashboard's topic timeline reads dates, sources and ids of every article of a topic. Article and
    # version rows carry their bodies before those columns, so reading them from the table walks each body's
    # overflow pages; these covering indexes let SQLite answer from the index alone (bench/serve.py).
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_articles_timeline "
                      "ON articles (published_utc, first_seen_at, source, article_id)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_versions_timeline "
                      "ON article_versions (material, version_no, article_pk, modified_at, fetched_at)"))


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
