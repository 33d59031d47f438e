"""PostgreSQL's full-text index: a generated, weighted tsvector column and its GIN index.

Revision ID: 0007_articles_search_pg
Revises: 0006_timeline_indexes
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = '0007_articles_search_pg'
down_revision = '0006_timeline_indexes'
branch_labels = None
depends_on = None

# PostgreSQL only: the full-text index storage/search.py queries. A stored generated column keeps it in step
# with every insert and upsert without triggers; 'simple' indexes words as written (no stemming, no stop
# words), which serves Indonesian and English alike. Title weighs A, lead B, body C for ts_rank_cd.
_SEARCH_VECTOR_PG = (
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(lead, '')), 'B') || "
    "setweight(to_tsvector('simple', body), 'C')) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return  # SQLite has articles_fts (0003)
    for statement in _SEARCH_VECTOR_PG:
        conn.execute(text(statement))


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
