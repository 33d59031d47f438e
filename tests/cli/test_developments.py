"""`newswatch developments` on a real SQLite file filled through the Store with the linker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.story.developments import DevelopmentLinker
from storage import Store
from tests.storage.helpers import FETCHED, KZ_MATCH, classify, sqlite_url
from tests.story.test_developments import BBC_DETAINED, BBC_WITHDRAWAL, LIPUTAN6_DETAINED


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "news.db")
    with Store.open(url) as store:
        for item in (BBC_DETAINED, BBC_WITHDRAWAL, LIPUTAN6_DETAINED):
            store.save_article(item, matches=KZ_MATCH, score=5.0, fetched_at=FETCHED, listing_date=None,
                               classify=classify, linker=DevelopmentLinker())
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_text_lists_developments_with_their_articles_and_why_they_are_linked(db: str) -> None:
    code, out, _ = run("developments", "--db", db)
    assert code == 0
    blocks = out.split("\n\n")
    assert blocks[0].startswith("development 2 · 1 article · bbc · en")  # the latest report first
    linked = blocks[1]
    assert "2 articles · bbc, liputan6 · en, id · first reported 2022-01-07 06:00 UTC" in linked
    assert "bbc:bbc-1" in linked and "liputan6:4900001" in linked
    assert "linked to bbc:bbc-1" in linked and "cites BBC" in linked and "2,298 detained" in linked


def test_json_for_scripts_with_filters(db: str) -> None:
    code, out, _ = run("developments", "--db", db, "--format", "json", "--min-articles", "2")
    assert code == 0
    [development] = json.loads(out)
    assert [a["ref"] for a in development["articles"]] == ["bbc:bbc-1", "liputan6:4900001"]
    assert development["languages"] == ["en", "id"] and development["sources"] == ["bbc", "liputan6"]
    assert development["articles"][1]["linked_to"] == "bbc:bbc-1"
    assert "cites BBC" in development["articles"][1]["explanation"]
    assert {s["kind"] for s in development["articles"][1]["signals"]} >= {"citation", "number", "time"}
    _, out, _ = run("developments", "--db", db, "--format", "json", "--since", "2022-01-08")
    assert [d["articles"][0]["ref"] for d in json.loads(out)] == ["bbc:bbc-2"]
    _, out, _ = run("developments", "--db", db, "--format", "json", "--topic", "elsewhere")
    assert json.loads(out) == []


def test_bad_input_is_one_line(db: str, tmp_path: Path) -> None:
    code, _, err = run("developments", "--db", db, "--since", "last week")
    assert code == 2 and err.count("\n") == 1 and "--since" in err
    code, _, err = run("developments", "--db", sqlite_url(tmp_path / "missing.db"))
    assert code == 2 and err.count("\n") == 1


def test_link_missing_links_articles_stored_before_developments_existed(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old.db")
    with Store.open(url) as store:
        for item in (LIPUTAN6_DETAINED, BBC_WITHDRAWAL, BBC_DETAINED):  # saved without a linker
            store.save_article(item, matches=KZ_MATCH, score=5.0, fetched_at=FETCHED, listing_date=None,
                               classify=classify)
    code, out, _ = run("developments", "--db", url, "--format", "json")
    assert (code, json.loads(out)) == (0, [])
    result = CliRunner().invoke(cli, ["developments", "--db", url, "--format", "json", "--link-missing",
                                      "--min-articles", "2"], catch_exceptions=False)
    assert result.exit_code == 0 and "linked 3 article(s)" in result.stderr
    [development] = json.loads(result.stdout)
    assert [a["ref"] for a in development["articles"]] == ["bbc:bbc-1", "liputan6:4900001"]
    again = CliRunner().invoke(cli, ["developments", "--db", url, "--link-missing"], catch_exceptions=False)
    assert "linked 0 article(s)" in again.stderr  # nothing left to link
