"""SQLite's full-text index over articles (FTS5, external content, kept in step by triggers).

Revision ID: 0003_articles_fts
Revises: 0002_events_outbox
Ported from the hand-rolled migration of the same name; its tables are described as they were then (never
imported from storage/schema.py, which moves on).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = '0003_articles_fts'
down_revision = '0002_events_outbox'
branch_labels = None
depends_on = None

# SQLite only: an external-content FTS5 index over articles, kept in step by triggers (an upsert's
# DO UPDATE fires the update trigger), then rebuilt once so rows stored before this migration are found.
_FTS_SQLITE = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, content='articles', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, lead, body) VALUES (new.id, new.title, new.lead, new.body); END",
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, lead, body) "
    "VALUES ('delete', old.id, old.title, old.lead, old.body); END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, lead, body ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, lead, body) "
    "VALUES ('delete', old.id, old.title, old.lead, old.body); "
    "INSERT INTO articles_fts(rowid, title, lead, body) VALUES (new.id, new.title, new.lead, new.body); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return  # other dialects search with LIKE (Store.search); recorded as applied all the same
    for statement in _FTS_SQLITE:
        conn.execute(text(statement))


def downgrade() -> None:
    raise NotImplementedError("newswatch's migrations go forward only")
