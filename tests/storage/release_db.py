"""A database as newswatch 0.1.0 left it (before Alembic), with rows in every table, for upgrade tests.

The schema comes from tests/storage/data/release-schema.<engine>.sql: what the release's hand-rolled
migrations 0001-0006 created (dumped from it), plus its record of them in schema_migrations. The rows are
written with plain SQL, as that release would have stored them. On PostgreSQL the id sequences are moved past
the rows, as the release's own inserts would have left them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

DATA = Path(__file__).resolve().parent / "data"
RELEASE_MIGRATIONS = ("0001_core_tables", "0002_events_outbox", "0003_articles_fts",
                      "0004_deliveries_and_health", "0005_runs_last_event", "0006_timeline_indexes")
Snapshot = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]
SERIAL_TABLES = ("articles", "article_versions", "crawl_runs", "events", "deliveries", "health_notices")

_ROWS = [
    "INSERT INTO articles (id, source, article_id, url, title, lead, body, body_hash, version_no, "
    "published_at, "
    "published_utc, modified_at, authors, section, tags, language, kind, images, matches, score, "
    "listing_date, "
    "first_seen_at, last_seen_at, last_changed_at, deleted_at) VALUES "
    "(1, 'liputan6', '4811000', 'https://www.liputan6.com/global/read/4811000/x', 'Pasukan CSTO tiba', "
    "'Almaty', 'Pasukan penjaga perdamaian CSTO tiba di Almaty.\n\nBandara dibuka lagi.', 'h2', 2, "
    "'2022-01-07T08:05:00+07:00', '2022-01-07T01:05:00+00:00', NULL, '[\"Reporter\"]', 'global', "
    "'[\"Kazakhstan\"]', 'id', 'article', '[]', '[{\"topic\": \"kazakhstan\", \"terms\": "
    "[\"Almaty\"]}]', 2.0, "
    "'2022-01-07T08:05:00+07:00', '2022-01-07T02:00:00+00:00', '2022-01-07T05:00:00+00:00', "
    "'2022-01-07T05:00:00+00:00', NULL), "
    "(2, 'bbc', 'world-asia-59882283', 'https://www.bbc.com/news/world-asia-59882283', 'Kazakhstan unrest', "
    "NULL, 'Russian-led troops arrive as unrest grips Almaty.', 'h9', 1, '2022-01-06T10:00:00Z', "
    "'2022-01-06T10:00:00+00:00', NULL, '[]', NULL, '[]', 'en', 'article', "
    "'[{\"url\": \"https://ichef.bbci.co.uk/x.jpg\", \"caption\": null}]', '[{\"topic\": \"kazakhstan\"}]', "
    "1.5, NULL, '2022-01-06T11:00:00+00:00', '2022-01-06T11:00:00+00:00', '2022-01-06T11:00:00+00:00', NULL)",
    "INSERT INTO article_topics (article_pk, topic) VALUES (1, 'kazakhstan'), (2, 'kazakhstan')",
    "INSERT INTO article_versions (id, article_pk, version_no, title, lead, body, body_hash, modified_at, "
    "fetched_at, material, diff) VALUES "
    "(1, 1, 1, 'Pasukan CSTO tiba', 'Almaty', 'Pasukan CSTO tiba di Almaty.', 'h1', NULL, "
    "'2022-01-07T02:00:00+00:00', TRUE, NULL), "
    "(2, 1, 2, 'Pasukan CSTO tiba', 'Almaty', 'Pasukan penjaga perdamaian CSTO tiba di Almaty.\n\nBandara "
    "dibuka lagi.', 'h2', NULL, '2022-01-07T05:00:00+00:00', TRUE, '{\"added\": [\"Bandara dibuka "
    "lagi.\"]}'), "
    "(3, 2, 1, 'Kazakhstan unrest', NULL, 'Russian-led troops arrive as unrest grips Almaty.', 'h9', NULL, "
    "'2022-01-06T11:00:00+00:00', TRUE, NULL)",
    "INSERT INTO seen (source, article_id, url, status, topics_fingerprint, listing_date, detail, "
    "first_seen_at, last_fetched_at) VALUES ('liputan6', '4811999', "
    "'https://www.liputan6.com/bola/read/4811999/y', "
    "'irrelevant', 'fp1', NULL, NULL, '2022-01-07T02:00:00+00:00', '2022-01-07T02:00:00+00:00')",
    "INSERT INTO fetch_state (url, etag, last_modified, last_status, last_fetched_at) VALUES "
    "('https://feeds.bbci.co.uk/news/world/asia/rss.xml', '\"abc\"', 'Thu, 06 Jan 2022 10:00:00 GMT', 200, "
    "'2022-01-06T11:00:00+00:00')",
    "INSERT INTO events (id, source, article_id, kind, version_no, created_at, payload, "
    "dispatched_at) VALUES "
    "(1, 'bbc', 'world-asia-59882283', 'new', 1, '2022-01-06T11:00:00+00:00', '{\"title\": "
    "\"Kazakhstan unrest\"}', "
    "'2022-01-06T11:01:00+00:00'), "
    "(2, 'liputan6', '4811000', 'new', 1, '2022-01-07T02:00:00+00:00', '{\"title\": \"Pasukan CSTO tiba\"}', "
    "'2022-01-07T02:01:00+00:00'), "
    "(3, 'liputan6', '4811000', 'updated', 2, '2022-01-07T05:00:00+00:00', '{\"title\": \"Pasukan "
    "CSTO tiba\"}', "
    "NULL)",
    "INSERT INTO crawl_runs (id, spider, args, started_at, finished_at, outcome, stats, "
    "last_event_id) VALUES "
    "(1, 'bbc', '{}', '2022-01-06T10:55:00+00:00', '2022-01-06T11:00:30+00:00', 'finished', "
    "'{\"item_scraped_count\": 1}', 1), "
    "(2, 'liputan6', '{}', '2022-01-07T01:55:00+00:00', '2022-01-07T02:00:30+00:00', 'finished', '{}', 2)",
    "INSERT INTO deliveries (id, event_id, recipient, mode, group_key, label, timezone, status, created_at, "
    "scheduled_at, due_at, attempts, last_error, sent_at, message_id) VALUES "
    "(1, 1, 'reader@example.org', 'digest', 'baseline:bbc', 'kazakhstan', 'Asia/Almaty', 'sent', "
    "'2022-01-06T11:01:00+00:00', '2022-01-06T11:01:00+00:00', '2022-01-06T11:01:00+00:00', 1, NULL, "
    "'2022-01-06T11:01:05+00:00', '<m1@newswatch>'), "
    "(2, 2, 'reader@example.org', 'immediate', '', 'kazakhstan', 'Asia/Almaty', 'pending', "
    "'2022-01-07T02:01:00+00:00', '2022-01-07T02:01:00+00:00', '2022-01-07T02:06:00+00:00', 1, "
    "'421 try later', NULL, NULL)",
    "INSERT INTO source_health (source, last_run_id, consecutive_failures, streak_start_run_id, "
    "failing_since, "
    "alerted, reasons, updated_at) VALUES ('bbc', 1, 0, NULL, NULL, FALSE, '[]', "
    "'2022-01-06T11:00:30+00:00')",
    "INSERT INTO health_notices (id, source, kind, recipient, payload, status, created_at, "
    "scheduled_at, due_at, "
    "attempts, last_error, sent_at, message_id) VALUES (1, 'liputan6', 'recovered', 'admin@example.org', "
    "'{\"runs\": 1}', 'sent', '2022-01-07T02:00:30+00:00', '2022-01-07T02:00:30+00:00', "
    "'2022-01-07T02:00:30+00:00', 1, NULL, '2022-01-07T02:00:40+00:00', '<n1@newswatch>')",
]


def build_release_database(url: str) -> None:
    """Create the release's schema at `url` (an empty SQLite path or PG database) and fill every table."""
    parsed = make_url(url)
    engine_name = parsed.get_backend_name()
    ddl = (DATA / f"release-schema.{engine_name}.sql").read_text(encoding="utf-8")
    if engine_name == "sqlite":
        path = Path(parsed.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:
            conn.executescript(ddl)
    else:
        import psycopg

        with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
                             autocommit=True) as conn:
            conn.execute(ddl.encode())  # type: ignore[call-overload]  # several statements, no parameters
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in _ROWS:
                conn.execute(text(statement.replace(":", "\\:")))
            for n, name in enumerate(RELEASE_MIGRATIONS):
                conn.execute(text("INSERT INTO schema_migrations (name, applied_at) VALUES (:n, :t)"),
                             {"n": name, "t": f"2026-11-0{1 + n}T00:00:00.000000+00:00"})
            if engine_name == "postgresql":
                for table in SERIAL_TABLES:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))"))
    finally:
        engine.dispose()


def snapshot(url: str, like: Snapshot | None = None) -> Snapshot:
    """Every row of every table, sorted: the tables and columns there now, or those of `like` (an earlier
    snapshot, so that rows are compared over what the release had whatever later revisions add)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if like is None:
                inspector = inspect(conn)
                shape = {name: tuple(c["name"] for c in inspector.get_columns(name))
                         for name in inspector.get_table_names() if not name.startswith("articles_fts")}
            else:
                shape = {name: columns for name, (columns, _rows) in like.items()}
            taken: Snapshot = {}
            for name, columns in shape.items():
                rows = conn.execute(text(f"SELECT {', '.join(columns)} FROM {name}"))
                taken[name] = (columns, sorted((tuple(r) for r in rows), key=repr))
            return taken
    finally:
        engine.dispose()
