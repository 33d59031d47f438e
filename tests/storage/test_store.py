"""Store writes and reads on a real SQLite file and a real PostgreSQL database (the db_url fixture), checked
through a separate connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crawler.core.errors import InputError
from crawler.core.items import Article
from storage import Change, PreviousVersion, Store
from storage.search import _search_like
from tests.databases import count, query
from tests.storage.helpers import FETCHED, KZ_MATCH, article, save, seed_body


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


def test_same_article_twice_is_one_row_one_version_one_event(store: Store, db_url: str) -> None:
    first = save(store, article())
    again = save(store, article(), fetched_at=FETCHED + timedelta(hours=1))
    assert (first.status, first.version_no) == ("new", 1)
    assert first.event_id is not None
    assert (again.status, again.version_no, again.event_id) == ("unchanged", 1, None)
    assert count(db_url, "articles") == 1
    assert count(db_url, "article_versions") == 1
    assert query(db_url, "SELECT kind, version_no FROM events") == [("new", 1)]
    # A re-fetch moves last_seen_at but not first_seen_at or last_changed_at.
    assert query(db_url, "SELECT first_seen_at, last_seen_at, last_changed_at FROM articles") == [
        ("2022-01-07T09:00:00+00:00", "2022-01-07T10:00:00+00:00", "2022-01-07T09:00:00+00:00")]


def test_changed_body_adds_a_version_and_an_update_event(store: Store, db_url: str) -> None:
    save(store, article())
    changed = article(body="Pasukan Rusia telah tiba di Kazakhstan.\n\nSebanyak 2.298 orang ditahan.")
    result = save(store, changed, fetched_at=FETCHED + timedelta(hours=2))
    assert (result.status, result.version_no) == ("updated", 2)
    assert query(db_url, "SELECT version_no, body_hash != '' FROM article_versions ORDER BY version_no") == [
        (1, 1), (2, 1)]
    assert query(db_url, "SELECT version_no, body FROM articles")[0] == (2, changed.body)
    kind, version_no, payload = query(db_url, "SELECT kind, version_no, payload FROM events WHERE id = ?",
                                      result.event_id)[0]
    data = json.loads(payload)
    assert (kind, version_no) == ("updated", 2)
    assert data["diff"]["added"] == ["Sebanyak 2.298 orang ditahan."]
    assert data["diff"]["removed"] == ["Kerusuhan di Almaty berlanjut."]
    assert data["title"] == "Pasukan Rusia tiba" and data["topics"] == ["kazakhstan"]
    assert data["terms"] == ["Kazakhstan", "Almaty"]
    stored = store.get_article("liputan6", "1000001")
    assert stored is not None
    assert [v.version_no for v in stored.versions] == [1, 2]
    assert stored.versions[0].body == article().body
    assert stored.versions[1].diff == data["diff"]
    assert stored.last_changed_at == "2022-01-07T11:00:00+00:00"


def test_whitespace_change_is_a_version_without_an_event(store: Store, db_url: str) -> None:
    save(store, article())
    spaced = "Pasukan Rusia telah tiba di  Kazakhstan.\n\nKerusuhan di Almaty berlanjut."
    result = save(store, article(body=spaced))
    assert (result.status, result.version_no, result.event_id) == ("updated", 2, None)
    assert count(db_url, "events") == 1
    assert query(db_url, "SELECT material FROM article_versions WHERE version_no = 2") == [(0,)]


def test_classify_failure_leaves_nothing_written(store: Store, db_url: str) -> None:
    def broken(previous: PreviousVersion | None, item: Article) -> Change:
        raise RuntimeError("classifier bug")

    with pytest.raises(RuntimeError):
        store.save_article(article(), matches=KZ_MATCH, score=1.0, fetched_at=FETCHED, listing_date=None,
                           classify=broken)
    assert [count(db_url, t) for t in ("articles", "article_versions", "events")] == [0, 0, 0]

    save(store, article())
    with pytest.raises(RuntimeError):
        store.save_article(article(body="Isi baru."), matches=KZ_MATCH, score=1.0, fetched_at=FETCHED,
                           listing_date=None, classify=broken)
    assert query(db_url, "SELECT version_no, body FROM articles") == [(1, article().body)]
    assert count(db_url, "article_versions") == 1
    assert count(db_url, "events") == 1


def test_event_rolls_back_with_a_failing_article_write(store: Store, db_url: str) -> None:
    """A failure after the event row is written (here: a version number clash) undoes the event too."""
    save(store, article())
    # A stray version 2 makes the store's version insert fail.
    query(db_url, "INSERT INTO article_versions (article_pk, version_no, body, body_hash, fetched_at, "
                  "material) SELECT id, 2, 'x', 'x', 'x', true FROM articles")
    with pytest.raises(Exception, match=r"(?i)UNIQUE"):
        save(store, article(body="Versi kedua."))
    assert count(db_url, "events") == 1
    assert query(db_url, "SELECT version_no FROM articles") == [(1,)]


def test_pending_events_and_dispatch(store: Store) -> None:
    first = save(store, article("1000001"))
    second = save(store, article("1000002", title="Tokayev"))
    assert [e.id for e in store.pending_events()] == [first.event_id, second.event_id]
    assert store.mark_dispatched([first.event_id or 0], at=FETCHED) == 1
    assert [e.id for e in store.pending_events()] == [second.event_id]
    assert store.mark_dispatched([first.event_id or 0]) == 0
    events = store.events(after_id=first.event_id or 0)
    assert [(e.article_id, e.kind, e.payload["url"]) for e in events] == [
        ("1000002", "new", "https://www.liputan6.com/global/read/1000002/x")]


def test_seen_pages_and_what_is_known(store: Store, db_url: str) -> None:
    store.mark_seen("liputan6", "2000001", "https://www.liputan6.com/bola/read/2000001/y",
                    status="irrelevant", topics_fingerprint="fp-1", listing_date="2022-01-06T10:00:00+07:00",
                    fetched_at=FETCHED)
    store.mark_seen("liputan6", "2000002", "https://www.liputan6.com/bola/read/2000002/z", status="failed",
                    fetched_at=FETCHED, detail="no article body")
    save(store, article("1000001"), listing_date="2022-01-07T08:05:00+07:00")
    known = store.known("liputan6")
    assert set(known) == {"2000001", "2000002", "1000001"}
    assert (known["2000001"].status, known["2000001"].topics_fingerprint) == ("irrelevant", "fp-1")
    assert known["2000001"].listing_date == "2022-01-06T10:00:00+07:00"
    assert known["2000002"].status == "failed"
    assert (known["1000001"].status, known["1000001"].published_at) == ("stored", "2022-01-07T08:05:00+07:00")
    assert known["1000001"].listing_date == "2022-01-07T08:05:00+07:00"
    assert store.known("bbc") == {}

    # A topic change makes a once irrelevant page relevant: storing it drops the stale verdict.
    save(store, article("2000001"))
    assert query(db_url, "SELECT article_id FROM seen") == [("2000002",)]
    # Re-marking keeps first_seen_at and, without a listing, the listing date seen before.
    store.mark_seen("liputan6", "2000002", "https://www.liputan6.com/bola/read/2000002/z",
                    status="irrelevant", topics_fingerprint="fp-2", fetched_at=FETCHED + timedelta(days=1))
    assert query(db_url, "SELECT status, topics_fingerprint, first_seen_at, last_fetched_at FROM seen") == [
        ("irrelevant", "fp-2", "2022-01-07T09:00:00+00:00", "2022-01-08T09:00:00+00:00")]

    # A stored article that now redirects to the home page is "deleted"; its versions stay.
    store.mark_seen("liputan6", "1000001", "https://www.liputan6.com/", status="deleted",
                    fetched_at=FETCHED + timedelta(days=2))
    assert store.known("liputan6")["1000001"].status == "deleted"
    assert store.known("liputan6")["1000001"].last_fetched_at == "2022-01-09T09:00:00+00:00"
    assert count(db_url, "article_versions") == 2
    with pytest.raises(ValueError):
        store.mark_seen("liputan6", "1", "https://www.liputan6.com/", status="gone", fetched_at=FETCHED)


def test_fetch_state_keeps_validators_on_304(store: Store) -> None:
    feed = "https://feeds.bbci.co.uk/news/world/rss.xml"
    assert store.get_fetch_state(feed) is None
    store.record_fetch(feed, 200, '"abc"', "Fri, 07 Jan 2022 08:00:00 GMT", FETCHED)
    store.record_fetch(feed, 304, None, None, FETCHED + timedelta(minutes=30))
    state = store.get_fetch_state(feed)
    assert state is not None
    assert (state.etag, state.last_modified) == ('"abc"', "Fri, 07 Jan 2022 08:00:00 GMT")
    assert state.last_status == 304
    assert state.last_fetched_at == "2022-01-07T09:30:00+00:00"
    store.record_fetch(feed, 200, '"def"', None, FETCHED + timedelta(hours=1))
    state = store.get_fetch_state(feed)
    assert state is not None and (state.etag, state.last_modified) == ('"def"', None)


def test_crawl_runs(store: Store) -> None:
    first = store.start_run("liputan6", {"days": 3}, started_at=FETCHED)
    second = store.start_run("bbc", {}, started_at=FETCHED + timedelta(minutes=5))
    store.finish_run(first, "finished", {"item_scraped_count": 12},
                     finished_at=FETCHED + timedelta(minutes=9))
    runs = store.recent_runs()
    assert [r.id for r in runs] == [second, first]
    assert (runs[0].outcome, runs[0].finished_at) == (None, None)
    only = store.recent_runs(source="liputan6")
    assert len(only) == 1
    assert (only[0].args, only[0].outcome) == ({"days": 3}, "finished")
    assert only[0].stats == {"item_scraped_count": 12}
    assert store.recent_runs(limit=1)[0].id == second


def test_list_filters_by_source_topic_and_dates(store: Store) -> None:
    save(store, article("1000001", published_at="2022-01-05T23:30:00+07:00"))  # 16:30 UTC on the 5th
    save(store, article("1000002", published_at="2022-01-07T06:00:00+07:00"),
         matches=[{"topic": "russia", "terms": ["Rusia"]}])
    save(store, article("world-asia-59894266", source="bbc", published_at="2022-01-06T12:00:00Z"))
    ids = lambda found: [a.article_id for a in found]  # noqa: E731
    assert ids(store.list_articles()) == ["1000002", "world-asia-59894266", "1000001"]
    assert ids(store.list_articles(source="liputan6")) == ["1000002", "1000001"]
    assert ids(store.list_articles(topic="russia")) == ["1000002"]
    since = datetime(2022, 1, 6, tzinfo=UTC)
    assert ids(store.list_articles(since=since)) == ["1000002", "world-asia-59894266"]
    assert ids(store.list_articles(until=datetime(2022, 1, 6, 12, tzinfo=UTC))) == ["1000001"]
    assert ids(store.list_articles(limit=1)) == ["1000002"]
    one = store.list_articles(source="bbc")[0]
    assert (one.published_utc, one.topics, one.authors) == ("2022-01-06T12:00:00+00:00", ["kazakhstan"],
                                                            ["Reporter"])


def test_full_text_search_on_the_seed_article(store: Store) -> None:
    body = seed_body()
    save(store, article("1000001", title="Pasukan Rusia Tiba di Kazakhstan", body=body))
    save(store, article("1000002", title="Harga LPG", body="Harga gas naik di Mangystau."))
    hits = store.search("CSTO Tokayev")
    assert [h.article_id for h in hits] == ["1000001"]
    assert "[CSTO]" in hits[0].snippet or "[Tokayev]" in hits[0].snippet
    assert [h.article_id for h in store.search('"ribuan orang ditahan"')] == ["1000001"]  # a subheading
    assert [h.article_id for h in store.search("kazakh*")] == ["1000001"]  # prefix of Kazakhstan
    assert {h.article_id for h in store.search("CSTO OR Mangystau")} == {"1000001", "1000002"}
    assert [h.article_id for h in store.search("2.500 tentara")] == ["1000001"]  # FTS syntax chars are safe
    assert store.search("Tokayev Mangystau") == []
    with pytest.raises(InputError):
        store.search('  "" ')
    # The index follows updates: the old wording is gone, the new one found.
    save(store, article("1000002", title="Harga LPG", body="Harga bahan bakar naik di Zhanaozen."))
    assert store.search("Mangystau") == []
    assert [h.article_id for h in store.search("zhanaozen")] == ["1000002"]


def test_like_search_used_off_sqlite(store: Store) -> None:
    save(store, article("1000001", body=seed_body()))
    save(store, article("1000002", body="100% naik: harga_gas di Mangystau."))
    hits = _search_like(store, "tokayev csto", 10)
    assert [h.article_id for h in hits] == ["1000001"]
    assert "[Tokayev]" in hits[0].snippet or "[CSTO]" in hits[0].snippet
    # % and _ are literal characters, not LIKE wildcards (the seed article says "hampir 100% suara").
    assert [h.article_id for h in _search_like(store, "harga_gas", 10)] == ["1000002"]
    assert _search_like(store, "harga%gas", 10) == []
    assert _search_like(store, "harga_ga_", 10) == []
    assert {h.article_id for h in _search_like(store, "100%", 10)} == {"1000001", "1000002"}


def test_export_rows(store: Store) -> None:
    save(store, article("1000001"))
    save(store, article("1000001", body="Versi kedua."))
    rows = list(store.export_rows(with_versions=True))
    assert len(rows) == 1
    assert (rows[0]["article_id"], rows[0]["version_no"], rows[0]["body"]) == ("1000001", 2, "Versi kedua.")
    assert [v["version_no"] for v in rows[0]["versions"]] == [1, 2]
    assert "versions" not in next(store.export_rows())
    json.dumps(rows)  # JSON-ready


def test_article_without_id_is_refused(store: Store, db_url: str) -> None:
    with pytest.raises(ValueError):
        save(store, Article(source="liputan6", article_id=None, url="https://www.liputan6.com/"))
    assert count(db_url, "articles") == 0


def test_search_ranks_the_closer_match_first_and_marks_the_words(store: Store) -> None:
    save(store, article("1000001", title="Pasukan Rusia Tiba di Kazakhstan", body=seed_body()))
    save(store, article("1000002", title="Tokayev minta bantuan CSTO",
                        body="Presiden Tokayev meminta CSTO mengirim pasukan. Tokayev menyebut teroris."))
    save(store, article("1000003", title="Harga LPG", body="Harga gas naik di Mangystau."))
    hits = store.search("tokayev")
    assert [h.article_id for h in hits] == ["1000002", "1000001"]  # short, in the title, said twice
    assert "[Tokayev]" in hits[0].snippet
    assert all("[" in h.snippet and "]" in h.snippet for h in hits)
    # Punctuation and operators in user text are words, never syntax: no error, sensible hits.
    assert {h.article_id for h in store.search("Tokayev -teroris")} == {"1000001", "1000002"}  # - is no NOT
    assert store.search("'); DROP TABLE articles; --") == []
    assert [h.article_id for h in store.search("mangys*")] == ["1000003"]
    either = [h.article_id for h in store.search("harga OR tokay* csto")]  # harga OR (tokay* AND csto)
    assert sorted(either) == ["1000001", "1000002", "1000003"]
