"""Schema migrations: named, ordered, recorded in `schema_migrations`, each in its own transaction.

A migration is a function of an open connection. It describes its tables as they were when it was written
(never by importing storage/schema.py, which moves on), so upgrading an old database always replays the same
steps. Re-running is a no-op; two processes opening a new database at once are safe because each migration
re-checks, under the write lock, whether another process has just applied it.

To change the schema: append a Migration (never edit or reorder a released one) and update storage/schema.py.
Issue 4's per-recipient deliveries table, for example, is one more migration creating a table whose rows
reference events.id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

from crawler.core.errors import StorageError
from storage.engine import WRITE_OPTION

MIGRATIONS_TABLE = "schema_migrations"
MIGRATION_LOCK_KEY = 7_260_010_001  # pg_advisory_xact_lock key held while migrating (PostgreSQL)


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


def _migrations_table(metadata: MetaData) -> Table:
    return Table(
        MIGRATIONS_TABLE, metadata,
        Column("name", Text, primary_key=True),
        Column("applied_at", Text, nullable=False),
    )


def _m0001_core_tables(conn: Connection) -> None:
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


def _m0002_events_outbox(conn: Connection) -> None:
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


def _m0003_articles_fts(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return  # other dialects search with LIKE (Store.search); recorded as applied all the same
    for statement in _FTS_SQLITE:
        conn.execute(text(statement))


def _m0004_deliveries_and_health(conn: Connection) -> None:
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


def _m0005_runs_last_event(conn: Connection) -> None:
    # The baseline of a source is what its first finished run wrote. Deciding that by comparing timestamps
    # (one-second resolution) let news stored within the same second count as backlog; the outbox's own
    # order does not have that problem, so each finished run records the last event id at its end.
    conn.execute(text("ALTER TABLE crawl_runs ADD COLUMN last_event_id INTEGER"))
    conn.execute(text(
        "UPDATE crawl_runs SET last_event_id = "
        "(SELECT max(e.id) FROM events e WHERE e.created_at <= crawl_runs.finished_at) "
        "WHERE finished_at IS NOT NULL"))


def _m0006_timeline_indexes(conn: Connection) -> None:
    # The dashboard's topic timeline reads dates, sources and ids of every article of a topic. Article and
    # version rows carry their bodies before those columns, so reading them from the table walks each body's
    # overflow pages; these covering indexes let SQLite answer from the index alone (bench/serve.py).
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_articles_timeline "
                      "ON articles (published_utc, first_seen_at, source, article_id)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_versions_timeline "
                      "ON article_versions (material, version_no, article_pk, modified_at, fetched_at)"))


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


def _m0007_articles_search_pg(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite has articles_fts (0003)
    for statement in _SEARCH_VECTOR_PG:
        conn.execute(text(statement))


def _m0008_developments(conn: Connection) -> None:
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


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_core_tables", _m0001_core_tables),
    Migration("0002_events_outbox", _m0002_events_outbox),
    Migration("0003_articles_fts", _m0003_articles_fts),
    Migration("0004_deliveries_and_health", _m0004_deliveries_and_health),
    Migration("0005_runs_last_event", _m0005_runs_last_event),
    Migration("0006_timeline_indexes", _m0006_timeline_indexes),
    Migration("0007_articles_search_pg", _m0007_articles_search_pg),
    Migration("0008_developments", _m0008_developments),
)

HEAD = MIGRATIONS[-1].name


def applied_migrations(engine: Engine) -> list[str]:
    """Names recorded in schema_migrations, in the order they were applied ([] for a new database)."""
    with engine.connect() as conn:
        return _applied(conn)


def _applied(conn: Connection) -> list[str]:
    if not inspect(conn).has_table(MIGRATIONS_TABLE):
        return []
    table = _migrations_table(MetaData())
    return list(conn.scalars(select(table.c.name).order_by(table.c.applied_at, table.c.name)))


def migrate(engine: Engine, *, upto: str | None = None,
            migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply the pending migrations (up to and including `upto`); returns the names applied now."""
    names = [m.name for m in migrations]
    if upto is not None and upto not in names:
        raise ValueError(f"unknown migration {upto!r}")
    wanted = migrations[: names.index(upto) + 1] if upto is not None else migrations
    done = set(applied_migrations(engine))
    unknown = sorted(done - set(names))
    if unknown:
        raise StorageError(f"the database was migrated by a newer newswatch (unknown migration "
                           f"{unknown[0]}); upgrade newswatch")
    applied_now: list[str] = []
    for migration in wanted:
        if migration.name in done:
            continue
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # PostgreSQL has no database-wide write lock like BEGIN IMMEDIATE: two processes
                    # migrating a new database at once take turns on this lock (released at commit).
                    conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
                table = _migrations_table(MetaData())
                table.create(conn, checkfirst=True)
                # Another process may have applied it between our read and our write lock.
                if conn.scalar(select(table.c.name).where(table.c.name == migration.name)) is not None:
                    continue
                migration.apply(conn)
                now = datetime.now(UTC).isoformat(timespec="microseconds")
                conn.execute(table.insert().values(name=migration.name, applied_at=now))
        applied_now.append(migration.name)
    return applied_now
