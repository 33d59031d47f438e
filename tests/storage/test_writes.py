"""Writes: the up-front writability check, read-only URLs, batched "seen" marks, and how many statements one
stored article costs (the crawl's hottest transaction)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from crawler.core.errors import StorageError
from storage import SeenMark, Store
from storage.engine import is_read_only_url
from tests.storage.helpers import FETCHED, article, save, sqlite_url


@pytest.mark.parametrize(("url", "read_only"), [
    ("sqlite:///file:data/news.db?mode=ro&uri=true", True),
    ("sqlite:///file:data/news.db?uri=true&mode=ro", True),
    ("sqlite:///file:data/news.db?mode=rw&uri=true", False),
    ("sqlite:///data/news.db", False),
    ("sqlite://", False),
    ("postgresql://user@host/news?mode=ro", False),  # not SQLite: no such mode
])
def test_read_only_urls_are_recognised(url: str, read_only: bool) -> None:
    assert is_read_only_url(make_url(url)) is read_only


def test_writability_check_refuses_a_read_only_database_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Store.open(sqlite_url(path)) as store:
        store.check_writable()  # a writable database passes
        save(store, article("1000001"))
    before = path.stat().st_mtime_ns, _rows(path)
    with Store.open(f"sqlite:///file:{path}?mode=ro&uri=true") as store, \
            pytest.raises(StorageError, match="read-only") as caught:
        store.check_writable()
    assert "\n" not in str(caught.value)
    assert (path.stat().st_mtime_ns, _rows(path)) == before


def _rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT source, article_id, status, listing_date, topics_fingerprint "
                                 "FROM seen ORDER BY source, article_id"))


def test_mark_seen_many_writes_every_mark_in_one_go(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Store.open(sqlite_url(path)) as store:
        save(store, article("1000009"))
        store.mark_seen("liputan6", "1000002", "https://x/2", status="irrelevant", topics_fingerprint="old",
                        listing_date="2022-01-05T10:00:00+07:00", fetched_at=FETCHED)
        later = FETCHED + timedelta(hours=1)
        jan6, jan7 = "2022-01-06T10:00:00+07:00", "2022-01-07T10:00:00+07:00"
        store.mark_seen_many([
            SeenMark("liputan6", "1000001", "https://x/1", "irrelevant", later, "fp", jan6),
            # Known before: a mark without a listing date keeps the one seen then.
            SeenMark("liputan6", "1000002", "https://x/2", "irrelevant", later, "fp"),
            SeenMark("bbc", "c1", "https://x/c1", "failed", later, detail="no body"),
            SeenMark("liputan6", "1000009", "https://x/9", "deleted", later, detail="HTTP 410"),
            # The same article twice in a batch: the later mark wins.
            SeenMark("liputan6", "1000001", "https://x/1", "irrelevant", later, "fp2", jan7),
        ])
        assert store.get_article("liputan6", "1000009").deleted_at is not None  # type: ignore[union-attr]
        known = store.known("liputan6")
    assert _rows(path) == [
        ("bbc", "c1", "failed", None, None),
        ("liputan6", "1000001", "irrelevant", "2022-01-07T10:00:00+07:00", "fp2"),
        ("liputan6", "1000002", "irrelevant", "2022-01-05T10:00:00+07:00", "fp"),
        ("liputan6", "1000009", "deleted", None, None),
    ]
    assert known["1000009"].status == "deleted" and known["1000001"].topics_fingerprint == "fp2"


def test_mark_seen_many_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Store.open(sqlite_url(path)) as store:
        with pytest.raises(ValueError, match="status"):
            store.mark_seen_many([SeenMark("liputan6", "1", "https://x/1", "irrelevant", FETCHED),
                                  SeenMark("liputan6", "2", "https://x/2", "stored", FETCHED)])
        store.mark_seen_many([])  # nothing to do, no transaction
    assert _rows(path) == []


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            seen.append(" ".join(statement.split()[:3]).upper())

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def test_one_stored_article_costs_only_the_statements_it_needs(tmp_path: Path) -> None:
    with Store.open(sqlite_url(tmp_path / "news.db")) as store:
        with _statements(store) as new:
            assert save(store, article("1000001")).status == "new"
        with _statements(store) as unchanged:
            assert save(store, article("1000001")).status == "unchanged"
        changed = article("1000001", body="Pasukan Rusia telah tiba di Kazakhstan.\n\nJam malam di Almaty.")
        with _statements(store) as updated:
            assert save(store, changed).status == "updated"
        stored = store.get_article("liputan6", "1000001")
        assert stored is not None and stored.topics == ["kazakhstan"] and len(stored.versions) == 2
        assert [h.article_id for h in store.search("malam")] == ["1000001"]  # the full-text index followed
    # The previous version, the upsert, the topics (new only), the seen-row delete, a version, an event.
    assert len(new) == 6, new
    assert len(unchanged) == 3, unchanged
    assert len(updated) == 5, updated
    assert not [s for s in new + unchanged + updated if s.startswith("SELECT EVENTS")]


def test_unchanged_article_does_not_rewrite_the_full_text_index(tmp_path: Path) -> None:
    """The FTS trigger fires on UPDATE OF title, lead, body: an unchanged article must name none of them."""
    with Store.open(sqlite_url(tmp_path / "news.db")) as store:
        save(store, article("1000001"))
        calls: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            calls.append(statement)

        event.listen(store.engine, "before_cursor_execute", record)
        save(store, article("1000001"))
        save(store, article("1000001", lead="Almaty"))  # the lead changed: that one must be updated
    upserts = [s for s in calls if s.lstrip().upper().startswith("INSERT INTO ARTICLES")]
    updated = [set(re.findall(r"(\w+) = excluded", s.split("DO UPDATE SET", 1)[1])) for s in upserts]
    assert not updated[0] & {"title", "lead", "body"}, updated[0]
    assert "lead" in updated[1] and not updated[1] & {"title", "body"}
