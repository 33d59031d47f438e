"""The dashboard's pages over the demo database, through Starlette's TestClient (the real application)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from crawler.web.app import create_app
from storage.coverage import CoverageReader
from tests.web.conftest import TOPIC


@pytest.fixture()
def client(reader: CoverageReader) -> TestClient:
    return TestClient(create_app(reader, {TOPIC: "The January 2022 unrest in Kazakhstan"}),
                      raise_server_exceptions=False)


def test_index_lists_the_configured_topic_with_its_count(client: TestClient, reader: CoverageReader) -> None:
    page = client.get("/")
    assert page.status_code == 200
    coverage = reader.coverage(TOPIC)
    assert coverage is not None and coverage.total > 10
    assert f'href="/topics/{TOPIC}"' in page.text
    assert re.search(rf'<td class="num">{coverage.total}</td>', page.text)


def test_topic_page_shows_both_sources_their_first_reports_and_the_revisions(client: TestClient) -> None:
    page = client.get(f"/topics/{TOPIC}")
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and "Liputan6" in html and "BBC News" in html
    # The demo's first stories: BBC on 3 January (10:30 UTC), Liputan6 the same morning (08:15 +07:00).
    assert "First report by BBC News, 2022-01-03T10:30" in html
    assert "First report by Liputan6, 2022-01-03T01:15" in html
    # The detention count and the death toll were revised in the replay timeline.
    assert "Hampir 10.000 Orang Ditahan" in html
    assert "Direvisi Jadi 225 Orang" in html
    assert html.count('class="revision"') >= 3


def test_diff_view_shows_the_revised_death_toll_side_by_side(client: TestClient,
                                                             reader: CoverageReader) -> None:
    coverage = reader.coverage(TOPIC)
    assert coverage is not None
    toll = next(r for r in coverage.revisions if "225" in (r.title or ""))
    page = client.get(f"/articles/{toll.source}/{toll.article_id}/diff",
                      params={"from": toll.version_no - 1, "to": toll.version_no})
    assert page.status_code == 200
    assert re.search(r"<del>[^<]*164[^<]*</del>", page.text)
    assert re.search(r"<ins>[^<]*225[^<]*</ins>", page.text)


def test_article_page_lists_versions_with_what_changed(client: TestClient, reader: CoverageReader) -> None:
    coverage = reader.coverage(TOPIC)
    assert coverage is not None
    revised = coverage.revisions[0]
    page = client.get(f"/articles/{revised.source}/{revised.article_id}")
    assert page.status_code == 200
    assert ">v1<" in page.text and f">v{revised.version_no}<" in page.text
    assert revised.summary in page.text
    assert '<form class="compare"' in page.text


@pytest.mark.parametrize("path", [
    "/topics/no-such-topic", "/articles/liputan6/0000", "/articles/nosite/1",
    "/articles/liputan6/4828733/diff?from=1&to=99", "/articles/liputan6/4828733/diff?from=x&to=2",
    "/nothing/here",
])
def test_unknown_things_are_a_404_page_not_a_traceback(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text and "Traceback" not in page.text


@pytest.mark.parametrize("query", ['<script>alert(1)</script>', "'; DROP TABLE articles; --",
                                   '" OR 1=1 --', "CSTO) OR (1", "*", '"unbalanced'])
def test_queries_with_markup_or_sql_are_inert(client: TestClient, reader: CoverageReader, query: str) -> None:
    before = reader.coverage(TOPIC)
    page = client.get("/search", params={"q": query})
    assert page.status_code in (200, 400, 404)
    assert "<script>" not in page.text
    assert "Traceback" not in page.text
    assert reader.coverage(TOPIC) == before  # nothing was dropped or changed
    topic = client.get(f"/topics/{query}")
    assert topic.status_code == 404 and "<script>" not in topic.text


def test_search_finds_and_marks_the_words(client: TestClient) -> None:
    page = client.get("/search", params={"q": "CSTO"})
    assert page.status_code == 200
    assert "<mark>" in page.text
    assert re.search(r'<a href="/articles/(liputan6|bbc)/[^"]+">', page.text)


def test_every_page_forbids_loading_anything_from_elsewhere(client: TestClient) -> None:
    for path in ("/", f"/topics/{TOPIC}", "/search?q=Almaty", "/topics/nope"):
        page = client.get(path)
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert not re.search(r'(src|href)="(https?:)?//', page.text.replace('href="http', 'XX')), path


def test_pages_are_also_json(client: TestClient, reader: CoverageReader) -> None:
    data = client.get(f"/topics/{TOPIC}", params={"format": "json"}).json()
    coverage = reader.coverage(TOPIC)
    assert coverage is not None
    assert data["coverage"]["total"] == coverage.total
    assert {r["source"] for r in data["coverage"]["revisions"]} <= {"liputan6", "bbc", "caspian"}


def test_only_reading_is_allowed(client: TestClient) -> None:
    for path in ("/", f"/topics/{TOPIC}", "/search"):
        assert client.post(path).status_code in (404, 405)


def test_topic_feed_is_the_atom_feed_of_its_coverage(client: TestClient, reader: CoverageReader) -> None:
    import feedparser

    page = client.get(f"/topics/{TOPIC}")
    assert f'href="/topics/{TOPIC}/feed.atom"' in page.text and 'type="application/atom+xml"' in page.text
    plain = client.get(f"/topics/{TOPIC}/feed.atom")
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(plain.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    coverage = reader.coverage(TOPIC)
    assert coverage is not None
    assert len(parsed.entries) == min(coverage.total, 100)
    assert all(entry.id.endswith("/v1") for entry in parsed.entries)
    # With revisions: the revised death toll is an entry of its own (a second or later version).
    updates = feedparser.parse(client.get(f"/topics/{TOPIC}/feed.atom?updates=1").content)
    revised = [entry for entry in updates.entries if not entry.id.endswith("/v1")]
    assert len(updates.entries) == len(parsed.entries) + len(revised) and revised
    assert any("225" in entry.title for entry in revised)
    assert client.get("/topics/no-such-topic/feed.atom").status_code == 404
