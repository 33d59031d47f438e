"""Database.release_idle_connections: the watch daemon closes its idle SQLite connections between cycles, so
their page caches (one per connection, filling as the database grows) do not make its memory creep
(crawler/monitor/watch.py; docs/BENCHMARKS.md, "Monitoring")."""

from __future__ import annotations

from pathlib import Path

from storage import Store


def test_idle_connections_released_and_work_goes_on(db_url: str) -> None:
    with Store.open(db_url) as store:
        first = store.start_run("bbc", {})
        store.finish_run(first, "finished", {})
        assert store.engine.pool.checkedin() >= 1  # the pool keeps the connection it used
        released = store.release_idle_connections()
        if store.engine.dialect.name == "sqlite":
            assert released is True
            assert store.engine.pool.checkedin() == 0  # closed: their page caches went with them
        else:
            assert released is False  # PostgreSQL: the connections' memory is the server's; kept
            assert store.engine.pool.checkedin() >= 1
        second = store.start_run("bbc", {})  # the next statement opens a fresh connection
        store.finish_run(second, "finished", {})
        assert [r.id for r in store.recent_runs("bbc")] == [second, first]


def test_a_connection_in_use_is_closed_when_returned(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'news.db'}") as store:
        with store.engine.connect() as conn:
            assert store.release_idle_connections() is True
            assert conn.exec_driver_sql("select count(*) from crawl_runs").scalar() == 0  # still usable
        assert store.engine.pool.checkedin() == 0
        assert store.recent_runs() == []


def test_in_memory_database_is_kept(tmp_path: Path) -> None:
    """An in-memory SQLite database lives as long as its connection: releasing it would lose the data."""
    with Store.open("sqlite://") as store:
        run = store.start_run("bbc", {})
        assert store.release_idle_connections() is False
        assert [r.id for r in store.recent_runs()] == [run]
