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


def test_a_new_file_is_told_apart_even_after_the_idle_connections_were_closed(tmp_path: Path) -> None:
    # The daemon closes its idle connections between cycles. With none open, a deleted file's inode is free,
    # and the file the next crawl creates at the path can get the same inode number (ext4 hands out the
    # lowest free one): (device, inode) alone then says "the same file", and the reopening never happens.
    db = tmp_path / "watch.db"
    stores = [Store.open(f"sqlite:///{db}")]
    try:
        for _ in range(5):
            store = stores[-1]
            assert store.release_idle_connections()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            Store.open(f"sqlite:///{db}").close()  # what the next crawl does
            assert store.file_change() == "replaced"
            stores.append(Store.open(f"sqlite:///{db}"))  # what the daemon does on a change (follow_database)
            assert stores[-1].file_change() is None
    finally:
        for store in stores:
            store.close()
