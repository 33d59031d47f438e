"""Database.file_change: the SQLite file a store opened, compared with what is at its path now (issue 13, D1;
the daemon test is tests/monitor/test_database_replaced.py)."""

from __future__ import annotations

import os
from pathlib import Path

from storage import Store


def test_same_deleted_and_replaced(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    with Store.open(f"sqlite:///{db}") as store:
        assert store.file == db and store.file_change() is None
        db.unlink()
        assert store.file_change() == "deleted"
        other = tmp_path / "other.db"
        Store.open(f"sqlite:///{other}").close()
        os.replace(other, db)
        assert store.file_change() == "replaced"
    with Store.open(f"sqlite:///{db}") as reopened:
        assert reopened.file_change() is None


def test_no_file_no_change(tmp_path: Path) -> None:
    with Store.open("sqlite://") as memory:
        assert memory.file is None and memory.file_change() is None
