"""Two real processes writing the same articles into one SQLite file at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.migrations import MIGRATIONS
from tests.conftest import REPO
from tests.storage.helpers import sqlite_url

COUNT = 60


def test_two_processes_save_the_same_articles_without_locks_or_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "data" / "news.db"  # does not exist yet: both processes also race to create it
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-m", "tests.storage.concurrent_writer", sqlite_url(path),
                                 str(go), str(COUNT)], cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    go.touch()
    outputs = [w.communicate(timeout=120) for w in writers]
    for writer, (_out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "locked" not in err
    statuses = [json.loads(out) for out, _ in outputs]
    # Every article is new for exactly one of the two and unchanged for the other.
    for n in range(COUNT):
        assert sorted(s[n] for s in statuses) == ["new", "unchanged"], n
    with sqlite3.connect(path) as conn:
        def one(sql: str) -> object:
            return conn.execute(sql).fetchone()[0]

        assert one("SELECT count(*) FROM articles") == COUNT
        assert one("SELECT count(DISTINCT article_id) FROM articles") == COUNT
        assert one("SELECT count(*) FROM article_versions") == COUNT
        assert one("SELECT count(*) FROM events") == COUNT
        assert one("SELECT count(*) FROM fetch_state") == COUNT
        assert one("SELECT count(*) FROM crawl_runs WHERE outcome = 'finished'") == 2
        assert one("SELECT count(*) FROM schema_migrations") == len(MIGRATIONS)
        assert one("PRAGMA journal_mode") == "wal"
        assert one("PRAGMA integrity_check") == "ok"
