"""Migrations from an empty database, forward over existing data, and re-runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from crawler.core.errors import StorageError
from storage import Store, schema
from storage.engine import make_engine
from storage.migrations import HEAD, MIGRATIONS, applied_migrations, migrate
from tests.storage.helpers import article, save, sqlite_url


def names() -> list[str]:
    return [m.name for m in MIGRATIONS]


def test_empty_database_gets_every_migration_and_the_declared_schema(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "news.db"  # parent directories are created
    store = Store.open(sqlite_url(path))
    try:
        assert applied_migrations(store.engine) == names()
        inspector = inspect(store.engine)
        for table in schema.metadata.sorted_tables:
            columns = [c["name"] for c in inspector.get_columns(table.name)]
            assert columns == [c.name for c in table.columns], table.name
        uniques = {u["name"] for u in inspector.get_unique_constraints("articles")}
        assert "uq_articles_source_article" in uniques
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "article_versions", "article_topics", "seen", "fetch_state", "crawl_runs", "events",
            "articles_fts", "schema_migrations"} <= tables


def test_store_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    store = Store.open(sqlite_url(tmp_path / "news.db"), busy_timeout=7)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def test_rerunning_migrations_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Store.open(sqlite_url(path)) as store:
        save(store, article())
    with sqlite3.connect(path) as conn:
        recorded = conn.execute("SELECT name, applied_at FROM schema_migrations ORDER BY name").fetchall()
    engine = make_engine(sqlite_url(path))
    try:
        assert migrate(engine) == []
    finally:
        engine.dispose()
    with Store.open(sqlite_url(path)) as store:  # and opening again
        assert store.counts()["articles"] == 1
        assert [h.article_id for h in store.search("Almaty")] == ["1000001"]
    with sqlite3.connect(path) as conn:
        again = conn.execute("SELECT name, applied_at FROM schema_migrations ORDER BY name").fetchall()
    assert again == recorded


def test_upgrade_from_previous_migration_indexes_existing_articles(tmp_path: Path) -> None:
    """A database just before the FTS migration, with rows: the upgrade must index what is already stored."""
    path = tmp_path / "news.db"
    engine = make_engine(sqlite_url(path))
    try:
        # stop just before the full-text index, whatever migrations come after it
        before_fts = names()[: names().index("0003_articles_fts")]
        assert migrate(engine, upto=before_fts[-1]) == before_fts
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO articles (source, article_id, url, title, lead, body, body_hash, version_no, "
            "authors, tags, kind, images, matches, score, first_seen_at, last_seen_at, last_changed_at) "
            "VALUES "
            "('bbc', 'world-asia-59882283', 'https://www.bbc.com/news/world-asia-59882283', "
            "'Kazakhstan unrest', NULL, 'Russian-led troops arrive in Almaty.', 'h', 1, '[]', '[]', "
            "'article', '[]', '[{\"topic\": \"kazakhstan\"}]', 1.0, '2022-01-06T10:00:00+00:00', "
            "'2022-01-06T10:00:00+00:00', '2022-01-06T10:00:00+00:00')")
        assert "articles_fts" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    with Store.open(sqlite_url(path)) as store:
        assert applied_migrations(store.engine)[-1] == HEAD
        assert [h.article_id for h in store.search("troops almaty")] == ["world-asia-59882283"]
        assert [a.topics for a in store.list_articles()] == [["kazakhstan"]]


def test_upgrade_from_first_migration_keeps_articles_and_adds_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    engine = make_engine(sqlite_url(path))
    try:
        migrate(engine, upto="0001_core_tables")
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO articles (id, source, article_id, url, title, body, body_hash, version_no, "
            "authors, tags, kind, images, matches, score, first_seen_at, last_seen_at, last_changed_at) "
            "VALUES "
            "(7, 'liputan6', '1000001', 'https://www.liputan6.com/global/read/1000001/x', 'Lama', "
            "'Teks lama.', 'h0', 1, '[]', '[]', 'article', '[]', '[]', 0.5, '2022-01-05T00:00:00+00:00', "
            "'2022-01-05T00:00:00+00:00', '2022-01-05T00:00:00+00:00')")
        conn.execute("INSERT INTO article_versions (article_pk, version_no, title, body, body_hash, "
                     "fetched_at, material) VALUES (7, 1, 'Lama', 'Teks lama.', 'h0', "
                     "'2022-01-05T00:00:00+00:00', 1)")
    with Store.open(sqlite_url(path)) as store:
        assert store.counts()["events"] == 0
        result = save(store, article("1000001"))
        assert (result.status, result.version_no) == ("updated", 2)
        stored = store.get_article("liputan6", "1000001")
        assert stored is not None
        assert [v.body for v in stored.versions] == ["Teks lama.", article().body]
        assert [(e.kind, e.version_no) for e in store.pending_events()] == [("updated", 2)]
        assert store.counts()["articles"] == 1


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    Store.open(sqlite_url(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('9999_future', '2030-01-01T00:00:00+00:00')")
    with pytest.raises(StorageError, match="newer newswatch"):
        Store.open(sqlite_url(path))


def test_migration_failure_rolls_back_that_migration_only(tmp_path: Path) -> None:
    from storage.migrations import Migration

    def broken(conn: object) -> None:
        from sqlalchemy import text

        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))  # type: ignore[attr-defined]
        raise RuntimeError("bad migration")

    engine = make_engine(sqlite_url(tmp_path / "news.db"))
    try:
        with pytest.raises(RuntimeError):
            migrate(engine, migrations=[*MIGRATIONS[:1], Migration("0002_broken", broken)])
        assert applied_migrations(engine) == ["0001_core_tables"]
        assert not inspect(engine).has_table("half_done")
    finally:
        engine.dispose()


def test_upgrade_records_each_finished_runs_last_event(tmp_path: Path) -> None:
    """0005 over a database with runs and events: a finished run gets the newest event written by then."""
    path = tmp_path / "news.db"
    engine = make_engine(sqlite_url(path))
    try:
        migrate(engine, upto="0004_deliveries_and_health")
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO events (id, source, article_id, kind, version_no, created_at, payload) "
            "VALUES (?, 'liputan6', ?, 'new', 1, ?, '{}')",
            [(1, "4850001", "2022-01-07T10:00:00+00:00"), (2, "4850002", "2022-01-07T10:05:00+00:00"),
             (3, "4850003", "2022-01-07T12:00:00+00:00")])
        conn.executemany(
            "INSERT INTO crawl_runs (id, spider, args, started_at, finished_at, outcome) "
            "VALUES (?, 'liputan6', '{}', ?, ?, ?)",
            [(1, "2022-01-07T09:00:00+00:00", "2022-01-07T11:00:00+00:00", "finished"),
             (2, "2022-01-07T13:00:00+00:00", None, None)])
    with Store.open(sqlite_url(path)) as store:
        assert applied_migrations(store.engine)[-1] == HEAD
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, last_event_id FROM crawl_runs ORDER BY id").fetchall() == [
            (1, 2), (2, None)]
