"""Several real processes writing the same articles into one database at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.databases import query

COUNT = 60


def _run_writers(db_url: str, tmp_path: Path, variants: list[str]) -> list[list[str]]:
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-m", "tests.storage.concurrent_writer", db_url, str(go),
                                 str(COUNT), *([v] if v else [])], cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for v in variants]
    go.touch()
    outputs = [w.communicate(timeout=120) for w in writers]
    for writer, (_out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "locked" not in err
    return [json.loads(out) for out, _ in outputs]


def _one(db_url: str, sql: str) -> object:
    return query(db_url, sql)[0][0]


def test_processes_save_the_same_articles_without_locks_or_duplicates(db_url: str, tmp_path: Path) -> None:
    # On SQLite the file does not exist yet: the writers also race to create it and to migrate it.
    statuses = _run_writers(db_url, tmp_path, ["", "", ""])
    # Every article is new for exactly one writer and unchanged for the others.
    for n in range(COUNT):
        assert sorted(s[n] for s in statuses) == ["new", "unchanged", "unchanged"], n
    assert _one(db_url, "SELECT count(*) FROM articles") == COUNT
    assert _one(db_url, "SELECT count(DISTINCT article_id) FROM articles") == COUNT
    assert _one(db_url, "SELECT count(*) FROM article_versions") == COUNT
    assert _one(db_url, "SELECT count(*) FROM events") == COUNT
    assert _one(db_url, "SELECT count(*) FROM fetch_state") == COUNT
    assert _one(db_url, "SELECT count(*) FROM crawl_runs WHERE outcome = 'finished'") == 3
    if db_url.startswith("sqlite"):
        assert _one(db_url, "PRAGMA journal_mode") == "wal"
        assert _one(db_url, "PRAGMA integrity_check") == "ok"


def test_processes_writing_different_versions_lose_none(db_url: str, tmp_path: Path) -> None:
    statuses = _run_writers(db_url, tmp_path, [" v1", " v2", " v3"])
    for n in range(COUNT):
        assert sorted(s[n] for s in statuses) == ["new", "updated", "updated"], n
    assert _one(db_url, "SELECT count(*) FROM articles") == COUNT
    # Each article has versions 1, 2 and 3, one per writer's text, and the row holds the last one written.
    rows = query(db_url, "SELECT a.article_id, v.version_no, v.body, a.version_no, a.body FROM articles a "
                         "JOIN article_versions v ON v.article_pk = a.id ORDER BY a.article_id, v.version_no")
    by_article: dict[str, list[tuple]] = {}
    for row in rows:
        by_article.setdefault(row[0], []).append(row)
    assert len(by_article) == COUNT
    for versions in by_article.values():
        assert [v[1] for v in versions] == [1, 2, 3]
        assert sorted(v[2][-3:] for v in versions) == [" v1", " v2", " v3"]
        assert versions[-1][3] == 3 and versions[-1][4] == versions[-1][2]
    assert _one(db_url, "SELECT count(*) FROM events") == 3 * COUNT
