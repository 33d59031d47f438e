"""Developments in the store: an article joins or starts one in its own save transaction, on SQLite and
PostgreSQL; its event names the other coverage; a new version keeps its development."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.story.developments import DevelopmentLinker
from storage import Store
from tests.storage.helpers import FETCHED, KZ_MATCH, classify, sqlite_url
from tests.story.test_developments import BBC_DETAINED, BBC_WITHDRAWAL, LIPUTAN6_DETAINED


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


def save(store: Store, article, linker: DevelopmentLinker | None = None, topics=KZ_MATCH):  # type: ignore[no-untyped-def]
    return store.save_article(article, matches=topics, score=5.0, fetched_at=FETCHED, listing_date=None,
                              classify=classify, linker=linker or DevelopmentLinker())


def test_a_new_article_joins_the_development_it_reports_and_its_event_names_the_other(store: Store) -> None:
    save(store, BBC_DETAINED)
    save(store, BBC_WITHDRAWAL)
    result = save(store, LIPUTAN6_DETAINED)
    developments = store.developments.list_all()
    assert len(developments) == 2
    joined = store.developments.of_article("liputan6", "4900001")
    assert joined is not None
    assert [f"{m.source}:{m.article_id}" for m in joined.members] == ["bbc:bbc-1", "liputan6:4900001"]
    assert joined.languages == ["en", "id"] and joined.first_reported_at == "2022-01-07T06:00:00+00:00"
    member = joined.members[1]
    assert member.linked_to == "bbc:bbc-1" and member.score >= 4.5
    assert any(s["label"] == "cites BBC" for s in member.signals)
    event = next(e for e in store.events() if e.id == result.event_id)
    others = event.payload["development"]["others"]
    assert [(o["source"], o["article_id"]) for o in others] == [("bbc", "bbc-1")]
    assert event.payload["development"]["signals"] == member.signals
    # the first report's own event had no other coverage then
    first = next(e for e in store.events() if e.article_id == "bbc-1")
    assert first.payload["development"]["others"] == []


def test_a_revision_keeps_its_development_and_refreshes_what_it_is_compared_with(store: Store) -> None:
    save(store, BBC_DETAINED)
    save(store, LIPUTAN6_DETAINED)
    revised = replace(LIPUTAN6_DETAINED, body=LIPUTAN6_DETAINED.body + "\n\nAngka naik menjadi 4.404 orang.")
    result = save(store, revised)
    assert result.status == "updated"
    joined = store.developments.of_article("liputan6", "4900001")
    assert joined is not None and len(joined.members) == 2
    event = next(e for e in store.events() if e.id == result.event_id)
    assert [o["article_id"] for o in event.payload["development"]["others"]] == ["bbc-1"]


def test_articles_of_other_topics_are_not_candidates(store: Store) -> None:
    save(store, BBC_DETAINED, topics=[{"topic": "other", "terms": ["x"]}])
    save(store, LIPUTAN6_DETAINED)
    assert len(store.developments.list_all()) == 2
    assert [d.members[0].article_id for d in store.developments.list_all(topic="kazakhstan")] == ["4900001"]


def test_an_article_stored_before_linking_is_linked_when_seen_again(tmp_path: Path) -> None:
    with Store.open(sqlite_url(tmp_path / "nw.db")) as store:
        store.save_article(BBC_DETAINED, matches=KZ_MATCH, score=5.0, fetched_at=FETCHED, listing_date=None,
                           classify=classify)
        assert store.developments.list_all() == []
        assert save(store, BBC_DETAINED).status == "unchanged"
        save(store, LIPUTAN6_DETAINED)
        [development] = store.developments.list_all()
        assert len(development.members) == 2


def test_a_failing_linker_writes_nothing(tmp_path: Path) -> None:
    class Broken(DevelopmentLinker):
        def decide(self, features, candidates):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    with Store.open(sqlite_url(tmp_path / "nw.db")) as store:
        with pytest.raises(RuntimeError):
            save(store, BBC_DETAINED, Broken())
        assert store.get_article("bbc", "bbc-1") is None and store.events() == []


def test_link_unlinked_links_old_articles_oldest_first(store: Store) -> None:
    for item in (LIPUTAN6_DETAINED, BBC_DETAINED):
        store.save_article(item, matches=KZ_MATCH, score=5.0, fetched_at=FETCHED, listing_date=None,
                           classify=classify)
    assert store.link_unlinked(DevelopmentLinker()) == 2
    [development] = store.developments.list_all()
    # BBC's report came first: Liputan6's joined it, as if they had been stored in that order
    assert [(m.article_id, m.linked_to) for m in development.members] == [("bbc-1", None),
                                                                          ("4900001", "bbc:bbc-1")]
    assert store.link_unlinked(DevelopmentLinker()) == 0
