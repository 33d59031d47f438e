"""What the boilerplate learner remembers, in the store (storage/boilerplate.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from storage import ObservedPage, Store

T0 = datetime(2022, 1, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


def _page(host: str, n: int, keys: list[str] | None = None) -> ObservedPage:
    return ObservedPage(host, f"p{n}", keys or [f"{n:016x}", "00000000000000aa"], T0 + timedelta(minutes=n))


def test_pages_come_back_oldest_first_and_only_the_newest_are_kept(store: Store) -> None:
    store.boilerplate.remember([_page("a.example", n) for n in range(5)], keep=3)
    store.boilerplate.remember([_page("b.example", 1)], keep=3)
    assert [page for page, _ in store.boilerplate.recent("a.example", 10)] == ["p2", "p3", "p4"]
    assert store.boilerplate.recent("a.example", 2) == [("p3", [f"{3:016x}", "00000000000000aa"]),
                                                         ("p4", [f"{4:016x}", "00000000000000aa"])]
    assert [page for page, _ in store.boilerplate.recent("b.example", 10)] == ["p1"]
    assert store.boilerplate.recent("c.example", 10) == []


def test_a_page_seen_again_replaces_its_row(store: Store) -> None:
    store.boilerplate.remember([_page("a.example", 1)], keep=40)
    again = ObservedPage("a.example", "p1", ["00000000000000bb"], T0 + timedelta(hours=1))
    store.boilerplate.remember([again, _page("a.example", 2)], keep=40)
    assert store.boilerplate.recent("a.example", 40) == [("p2", [f"{2:016x}", "00000000000000aa"]),
                                                          ("p1", ["00000000000000bb"])]
