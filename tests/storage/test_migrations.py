"""Alembic migrations on SQLite and PostgreSQL: from an empty database, from a database the previous release
(hand-rolled migrations) made with data in every table, over existing rows, re-runs, races and refusals."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from crawler.core.errors import StorageError
from storage import Store, schema
from storage.engine import make_engine
from storage.migrations import applied_migrations, current_revision, head, history, migrate
from tests.conftest import REPO
from tests.databases import query
from tests.storage.helpers import article, save, sqlite_url
from tests.storage.release_db import RELEASE_MIGRATIONS, build_release_database, snapshot


def names() -> list[str]:
    return [r.id for r in history()]


def test_revisions_continue_the_hand_rolled_migrations_in_one_chain() -> None:
    assert names()[: len(RELEASE_MIGRATIONS)] == list(RELEASE_MIGRATIONS)
    downs = [r.down for r in history()]
    assert downs == [None, *names()[:-1]]  # one line, no branches
    assert head() == names()[-1]


def test_empty_database_gets_every_revision_and_the_declared_schema(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert applied_migrations(store.engine) == names()
        inspector = inspect(store.engine)
        for table in schema.metadata.sorted_tables:
            columns = [c["name"] for c in inspector.get_columns(table.name)]
            columns = [c for c in columns if c != "search_vector"]  # PostgreSQL's full-text column
            assert columns == [c.name for c in table.columns], table.name
        uniques = {u["name"] for u in inspector.get_unique_constraints("articles")}
        assert "uq_articles_source_article" in uniques
        assert inspector.has_table("alembic_version") and not inspector.has_table("schema_migrations")
    assert query(db_url, "SELECT version_num FROM alembic_version") == [(head(),)]


def test_sqlite_file_is_created_with_wal_and_the_full_text_index(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "news.db"  # parent directories are created
    Store.open(sqlite_url(path)).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "article_versions", "article_topics", "seen", "fetch_state", "crawl_runs", "events",
            "articles_fts", "alembic_version"} <= tables


def test_store_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    store = Store.open(sqlite_url(tmp_path / "news.db"), busy_timeout=7)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def test_rerunning_migrations_is_a_no_op(db_url: str) -> None:
    with Store.open(db_url) as store:
        save(store, article())
    engine = make_engine(db_url)
    try:
        assert migrate(engine) == []
        assert current_revision(engine) == head()
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # and opening again
        assert store.counts()["articles"] == 1
        assert [h.article_id for h in store.search("Almaty")] == ["1000001"]


def test_release_database_upgrades_in_place_with_nothing_lost(db_url: str) -> None:
    """A database of the release before Alembic, with rows in every table, opened by this version."""
    build_release_database(db_url)
    before = snapshot(db_url)
    assert len(before) == 11 and "search_vector" not in before["articles"][0]  # as 0.1.0 made it
    assert all(rows for _, rows in before.values()), [t for t, (_, rows) in before.items() if not rows]
    with Store.open(db_url) as store:
        assert applied_migrations(store.engine) == names()
        assert snapshot(db_url, like=before) == before  # every row of every table as it was
        # Old rows are found by the full-text search (on PostgreSQL the index is new: built over them).
        assert [h.article_id for h in store.search("perdamaian almaty")] == ["4811000"]
        assert [h.article_id for h in store.search("troops")] == ["world-asia-59882283"]
        # And the store carries on from them: a new version, a new event, fresh ids after the old ones.
        changed = article("4811000", title="Pasukan CSTO tiba", body="Pasukan CSTO mulai ditarik.")
        result = save(store, changed)
        assert (result.status, result.version_no) == ("updated", 3)
        assert result.event_id == 4
        assert [d.id for d in store.deliveries.pending()] == [2]
        assert store.deliveries.baseline_ends() == {"bbc": 1, "liputan6": 2}
    assert query(db_url, "SELECT version_num FROM alembic_version") == [(head(),)]
    # The old record stays as the release left it (an older newswatch opening the file finds its own).
    assert [r[0] for r in query(db_url, "SELECT name FROM schema_migrations ORDER BY name")] == \
        list(RELEASE_MIGRATIONS)


def test_two_processes_upgrading_the_release_database_at_once(db_url: str, tmp_path: Path) -> None:
    build_release_database(db_url)
    before = snapshot(db_url)
    runs = [subprocess.Popen([sys.executable, "-m", "crawler", "db", "upgrade", "--db", db_url], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    said = sorted(out.strip() for out, _ in outputs)
    pending = names()[len(RELEASE_MIGRATIONS):]
    assert pending  # the release is behind head, so the race is real
    # One of them applied the new revisions; the other waited, then found the database up to date.
    assert said[0].endswith(f" is up to date at {head()}")
    assert said[1].startswith("upgraded ") and said[1].endswith("applied " + ", ".join(pending))
    assert query(db_url, "SELECT version_num FROM alembic_version") == [(head(),)]
    assert snapshot(db_url, like=before) == before


def test_upgrade_from_before_the_full_text_index_indexes_existing_articles(tmp_path: Path) -> None:
    """A database just before the FTS revision, with rows: the upgrade must index what is already stored."""
    path = tmp_path / "news.db"
    engine = make_engine(sqlite_url(path))
    try:
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
        assert applied_migrations(store.engine)[-1] == head()
        assert [h.article_id for h in store.search("troops almaty")] == ["world-asia-59882283"]
        assert [a.topics for a in store.list_articles()] == [["kazakhstan"]]


def test_upgrade_records_each_finished_runs_last_event(db_url: str) -> None:
    """0005 (batch mode on SQLite) over runs and events: a finished run gets the newest event by then."""
    engine = make_engine(db_url)
    try:
        migrate(engine, upto="0004_deliveries_and_health")
    finally:
        engine.dispose()
    for n, (article_id, at) in enumerate([("4850001", "2022-01-07T10:00:00+00:00"),
                                          ("4850002", "2022-01-07T10:05:00+00:00"),
                                          ("4850003", "2022-01-07T12:00:00+00:00")], start=1):
        query(db_url, "INSERT INTO events (id, source, article_id, kind, version_no, created_at, payload) "
                      "VALUES (?, 'liputan6', ?, 'new', 1, ?, '{}')", n, article_id, at)
    query(db_url, "INSERT INTO crawl_runs (id, spider, args, started_at, finished_at, outcome) VALUES "
                  "(1, 'liputan6', '{}', '2022-01-07T09:00:00+00:00', '2022-01-07T11:00:00+00:00', "
                  "'finished'), "
                  "(2, 'liputan6', '{}', '2022-01-07T13:00:00+00:00', NULL, NULL)")
    with Store.open(db_url) as store:
        assert applied_migrations(store.engine)[-1] == head()
    assert query(db_url, "SELECT id, last_event_id FROM crawl_runs ORDER BY id") == [(1, 2), (2, None)]


def test_failed_upgrade_rolls_back_as_a_whole(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, upto="0003_articles_fts")
    finally:
        engine.dispose()
    # A table in the way of revision 0004's third table: 0004 fails after creating two tables.
    query(db_url, "CREATE TABLE health_notices (x INTEGER)")
    with pytest.raises(StorageError) as caught:
        Store.open(db_url)
    assert "\n" not in str(caught.value)
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == "0003_articles_fts"
        assert not inspect(engine).has_table("deliveries")
    finally:
        engine.dispose()


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    Store.open(db_url).close()
    query(db_url, "UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(StorageError, match="newer newswatch"):
        Store.open(db_url)


def test_release_database_with_an_unknown_migration_is_refused(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "news.db")
    build_release_database(url)
    query(url, "INSERT INTO schema_migrations VALUES ('9999_future', '2030-01-01T00:00:00+00:00')")
    with pytest.raises(StorageError, match="newer newswatch"):
        Store.open(url)
