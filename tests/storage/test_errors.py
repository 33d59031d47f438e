"""Databases that cannot be used: one-line StorageError, nothing half-written."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.core.errors import StorageError
from storage import Store
from tests.storage.helpers import article, save, sqlite_url


def counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as conn:
        a, v, e = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("articles", "article_versions", "events"))
    return a, v, e


def test_read_only_database_reads_but_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Store.open(sqlite_url(path)) as store:
        save(store, article("1000001"))
    with Store.open(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        assert [a.article_id for a in store.list_articles()] == ["1000001"]
        assert [h.article_id for h in store.search("Almaty")] == ["1000001"]
        with pytest.raises(StorageError, match="read-only") as caught:
            save(store, article("1000002"))
        assert "\n" not in str(caught.value)
        with pytest.raises(StorageError, match="read-only"):
            store.start_run("bbc", {})
    assert counts(path) == (1, 1, 1)


def test_full_database_rolls_the_article_back(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Store.open(sqlite_url(path)) as store:
        save(store, article("1000001"))
    with sqlite3.connect(path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    # Room for a few more pages only; a 200 kB body (plus its version and FTS index) cannot fit.
    with Store.open(sqlite_url(path), sqlite_pragmas={"max_page_count": pages + 3}) as store:
        with pytest.raises(StorageError, match="full") as caught:
            save(store, article("1000002", body="Kazakhstan " * 20_000))
        assert "\n" not in str(caught.value)
        with pytest.raises(StorageError, match="full"):
            save(store, article("1000001", body="Almaty " * 30_000))  # an update, too
    assert counts(path) == (1, 1, 1)
    with Store.open(sqlite_url(path)) as store:  # still healthy afterwards
        stored = store.get_article("liputan6", "1000001")
        assert stored is not None and stored.version_no == 1
        assert save(store, article("1000002")).status == "new"


@pytest.mark.parametrize("make_url", [
    lambda tmp: sqlite_url(tmp / "a-file" / "news.db"),  # the parent "directory" is a file
    lambda tmp: sqlite_url(tmp / "a-dir"),  # a directory, not a file
    lambda tmp: sqlite_url(tmp / "garbage.db"),  # not a database
    lambda tmp: "sqlite:///file:" + str(tmp / "missing.db") + "?mode=ro&uri=true",
    lambda tmp: "nonsense",
    lambda tmp: "nodialect://user:secret@host/db",
    lambda tmp: "mysql://user:secret@127.0.0.1/news",  # refused by name, not at the first write
    lambda tmp: "postgresql://user:secret@127.0.0.1:1/news",  # nothing listens on port 1
    lambda tmp: "postgresql://postgres@127.0.0.1:5432/nwtest_no_such_database",
])
def test_unopenable_databases(tmp_path: Path, make_url: Callable[[Path], str]) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "garbage.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError) as caught:
        Store.open(make_url(tmp_path))
    message = str(caught.value)
    assert "\n" not in message and "secret" not in message
    assert (tmp_path / "garbage.db").read_bytes().startswith(b"this is not sqlite")


def test_missing_file_is_not_created_when_create_is_false(tmp_path: Path) -> None:
    path = tmp_path / "data" / "news.db"
    with pytest.raises(StorageError, match="no database"):
        Store.open(sqlite_url(path), create=False)
    assert not path.exists() and not path.parent.exists()


def test_unsupported_and_unreachable_servers_say_what_to_do() -> None:
    with pytest.raises(StorageError, match=r"unsupported database mysql://user:\*+@127.0.0.1/news: use"):
        Store.open("mysql://user:secret@127.0.0.1/news")
    with pytest.raises(StorageError, match=r"^cannot connect to the database server: postgresql://u:\*\*\*@"):
        Store.open("postgresql://u:secret@127.0.0.1:1/news")
