"""`newswatch feed`: Atom 1.0 from a real SQLite file filled through the Store with the product's change
classifier, read back with feedparser (never bozo) and validated against RFC 4287's RELAX NG grammar.
Titles and bodies are short phrases written for these tests about the January 2022 events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree

from crawler.cli import cli
from crawler.core.items import Article
from crawler.story.changes import classify, fingerprint
from storage import Store
from tests.storage.helpers import sqlite_url

SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).with_name("atom.rng"))))
ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2022, 1, 7, 3, 0, tzinfo=UTC)
KZ = [{"topic": "kazakhstan", "terms": ["Almaty"]}]
ENERGY = [{"topic": "energy", "terms": ["LPG"]}]
P1 = "Pasukan penjaga perdamaian CSTO mulai tiba di Almaty."
P2 = "Ratusan orang ditahan setelah kerusuhan."
P2_EDITED = "Lebih dari dua ribu orang ditahan setelah kerusuhan."
P3 = "Bandara Almaty dibuka kembali pada Sabtu."


def _article(article_id: str, title: str, paragraphs: list[str], **extra: Any) -> Article:
    values: dict[str, Any] = {
        "source": "liputan6", "article_id": article_id, "title": title, "lead": "Situasi di Almaty.",
        "url": f"https://www.liputan6.com/global/read/{article_id}/x", "language": "id",
        "published_at": "2022-01-07T10:05:00+07:00", "authors": ["Tanti Yulianingsih"],
        "body": "\n\n".join(paragraphs), **extra}
    return Article(**values)


def _save(store: Store, item: Article, at: datetime, matches: list[dict[str, Any]] = KZ) -> None:
    store.save_article(item, matches=matches, score=3.0, fetched_at=at, listing_date=None, classify=classify,
                       version_hash=fingerprint)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "news.db")
    with Store.open(url) as store:
        _save(store, _article("4851234", "Pasukan Rusia tiba di Kazakhstan", [P1, P2]), T0)
        _save(store, _article("4851234", "Pasukan Rusia tiba di Kazakhstan", [P1, P2_EDITED, P3],
                              modified_at="2022-01-07T15:00:00+07:00"), T0 + timedelta(hours=6))
        _save(store, _article("4851250", "Harga LPG naik di Mangystau",
                              ["Harga gas cair naik dua kali lipat."],
                              published_at="2022-01-03T09:00:00+07:00", authors=[]), T0, matches=ENERGY)
        _save(store, Article(source="bbc", article_id="world-asia-59882283", language="en",
                             url="https://www.bbc.com/news/world-asia-59882283",
                             title="Kazakhstan: troops arrive",
                             body="Troops from a Russia-led alliance arrived.",
                             authors=["Abdujalil Abdurasulov"],
                             published_at="2022-01-06T12:00:00Z"), T0)
    return url


def feed(db: str, *args: str) -> tuple[bytes, str]:
    result = CliRunner().invoke(cli, ["feed", "--db", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes, result.stderr


def check_valid(data: bytes) -> feedparser.FeedParserDict:
    """Valid for RFC 4287's grammar and its rules that RELAX NG cannot say; feedparser reads it cleanly."""
    root = etree.fromstring(data)
    assert SCHEMA.validate(root), SCHEMA.error_log
    feed_has_author = root.find(f"{ATOM}author") is not None
    ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    for entry in root.iter(f"{ATOM}entry"):
        assert feed_has_author or entry.find(f"{ATOM}author") is not None
        has_link = entry.find(f"{ATOM}link[@rel='alternate']") is not None
        assert entry.find(f"{ATOM}content") is not None or has_link
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_feed_of_new_articles(db: str) -> None:
    data, err = feed(db)
    parsed = check_valid(data)
    assert "feed: 3 article(s), 0 revision(s)" in err
    assert parsed.feed.title == "newswatch: all coverage"
    by_title = {e.title: e for e in parsed.entries}
    assert list(by_title) == ["Pasukan Rusia tiba di Kazakhstan", "Kazakhstan: troops arrive",
                              "Harga LPG naik di Mangystau"]  # most recently updated first
    kz = by_title["Pasukan Rusia tiba di Kazakhstan"]
    assert kz.id == "tag:newswatch.invalid,2022-01-07:liputan6/4851234/v1"
    assert kz.updated == "2022-01-07T15:00:00+07:00"  # the page's modification time
    assert kz.published == "2022-01-07T10:05:00+07:00"
    assert kz.link == "https://www.liputan6.com/global/read/4851234/x"
    assert [a.name for a in kz.authors] == ["Tanti Yulianingsih"]
    assert [t.term for t in kz.tags] == ["kazakhstan"]
    assert kz.summary == "Situasi di Almaty."
    assert P2_EDITED in kz.content[0].value  # the article as it stands now
    bbc = by_title["Kazakhstan: troops arrive"]
    assert bbc.id == "tag:newswatch.invalid,2022-01-07:bbc/world-asia-59882283/v1"
    assert bbc.updated == "2022-01-06T12:00:00Z"  # no modification time: the publication time
    root = etree.fromstring(data)
    langs = {e.findtext(f"{ATOM}title"): e.get("{http://www.w3.org/XML/1998/namespace}lang")
             for e in root.iter(f"{ATOM}entry")}
    assert langs == {"Pasukan Rusia tiba di Kazakhstan": "id", "Kazakhstan: troops arrive": "en",
                     "Harga LPG naik di Mangystau": "id"}
    assert root.findtext(f"{ATOM}updated") == "2022-01-07T15:00:00+07:00"  # the newest entry's


def test_updates_are_entries_of_their_own_with_the_changed_lines(db: str) -> None:
    data, err = feed(db, "--updates", "--topic", "kazakhstan")
    parsed = check_valid(data)
    assert "feed: 2 article(s), 1 revision(s)" in err
    [update] = [e for e in parsed.entries if e.id.endswith("/v2")]
    assert update.id == "tag:newswatch.invalid,2022-01-07:liputan6/4851234/v2"
    assert update.title == "Updated: Pasukan Rusia tiba di Kazakhstan"
    assert update.updated == "2022-01-07T15:00:00+07:00"
    html = update.content[0].value
    assert update.content[0].type == "text/html"
    assert "<h3>Added (1)</h3><ul><li><ins>Bandara Almaty dibuka kembali pada Sabtu.</ins></li></ul>" in html
    assert f"<del>{P2}</del><br /><ins>{P2_EDITED}</ins>" in html  # as feedparser re-serialises it
    # As written: the alert's own "What changed" HTML, escaped as Atom's type="html" content.
    root = etree.fromstring(data)
    [written] = [e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith("/v2")]
    assert f"<del>{P2}</del><br><ins>{P2_EDITED}</ins>" in written.findtext(f"{ATOM}content")
    assert b"&lt;del&gt;" in data
    assert [t.term for t in update.tags] == ["kazakhstan"]


def test_filters_and_stable_output(db: str, tmp_path: Path) -> None:
    data, _ = feed(db, "--source", "bbc")
    assert [e.id for e in check_valid(data).entries] == [
        "tag:newswatch.invalid,2022-01-07:bbc/world-asia-59882283/v1"]
    data, _ = feed(db, "--topic", "energy")
    assert [e.title for e in check_valid(data).entries] == ["Harga LPG naik di Mangystau"]
    data, _ = feed(db, "--since", "2022-01-05", "--updates")
    assert sorted(e.id.rsplit(":", 1)[1] for e in check_valid(data).entries) == [
        "bbc/world-asia-59882283/v1", "liputan6/4851234/v1", "liputan6/4851234/v2"]
    target = tmp_path / "out.atom"
    first, _ = feed(db, "--updates", "--out", str(target))
    assert first == b""
    again, _ = feed(db, "--updates")
    assert target.read_bytes() == again  # rebuilt from the same rows: the same bytes, the same ids


def test_empty_feed_is_valid(db: str) -> None:
    data, err = feed(db, "--topic", "no-such-topic", "--updates")
    parsed = check_valid(data)
    assert parsed.entries == [] and "(empty)" in err


def test_hostile_page_text_stays_text(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "news.db")
    with Store.open(url) as store:
        _save(store, _article("666", "<script>alert(1)</script> Almaty\x00\x1b & co",
                              ["Isi\x07 <b>tebal</b>"], url="javascript:alert(1)", language="not a tag!",
                              authors=["<i>x</i>\x0b"]), T0)
    data, _ = feed(url)
    parsed = check_valid(data)
    [entry] = parsed.entries
    assert entry.title == "<script>alert(1)</script> Almaty & co"
    assert entry.get("links", []) == []  # javascript: is never linked
    assert entry.content[0].value == "Isi <b>tebal</b>" and entry.content[0].type == "text/plain"
    root = etree.fromstring(data)
    assert root.find(f"{ATOM}entry/{ATOM}link") is None
    assert root.find(f"{ATOM}entry").get("{http://www.w3.org/XML/1998/namespace}lang") is None
    assert [a.name for a in entry.authors] == ["<i>x</i>"]


def test_bad_since_is_one_line_and_exit_2(db: str) -> None:
    result = CliRunner().invoke(cli, ["feed", "--db", db, "--since", "last week"])
    assert result.exit_code == 2
    assert result.stderr.startswith("newswatch: error: --since must be a day")
    assert result.stderr.count("\n") == 1
