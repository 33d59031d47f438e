"""`newswatch articles diff SOURCE:ID` and the version summaries of `articles show`, on a real SQLite file
filled through the Store with the product's change classifier. Texts are short phrases written for these
tests about the January 2022 events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.core.items import Article
from crawler.story.changes import classify, fingerprint
from storage import Store
from tests.storage.helpers import sqlite_url

T0 = datetime(2022, 1, 7, 3, 0, tzinfo=UTC)
P1 = "Pasukan penjaga perdamaian CSTO mulai tiba di Almaty pada Kamis."
P2 = "Ratusan orang ditahan setelah kerusuhan di pusat kota."
P3 = "Bandara Almaty masih ditutup untuk penerbangan sipil."
P2_EDITED = "Lebih dari dua ribu orang ditahan setelah kerusuhan di pusat kota."
P4 = "Presiden Tokayev memerintahkan aparat menembak tanpa peringatan."


def _article(title: str, paragraphs: list[str], article_id: str = "4851234") -> Article:
    return Article(source="liputan6", article_id=article_id,
                   url=f"https://www.liputan6.com/global/read/{article_id}/x", title=title, lead=None,
                   published_at="2022-01-07T10:05:00+07:00", body="\n\n".join(paragraphs), language="id")


def _save(store: Store, item: Article, at: datetime) -> None:
    store.save_article(item, matches=[{"topic": "kazakhstan", "terms": ["Almaty"]}], score=3.0,
                       fetched_at=at, listing_date=None, classify=classify, version_hash=fingerprint)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "news.db")
    with Store.open(url) as store:
        _save(store, _article("Pasukan Rusia tiba di Kazakhstan", [P1, P2, P3]), T0)
        _save(store, _article("Pasukan Rusia tiba di Kazakhstan", [P1, P2_EDITED, P3, P4]),
              T0 + timedelta(hours=2))
        _save(store, _article("Pasukan CSTO tiba di Kazakhstan", [P1, P2_EDITED, P4]),
              T0 + timedelta(hours=5))
        _save(store, _article("Satu versi saja", [P1], article_id="4851300"), T0)
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_diff_defaults_to_the_latest_change(db: str) -> None:
    code, out, err = run("articles", "diff", "--db", db, "liputan6:4851234")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ("liputan6:4851234  v2 (2022-01-07T05:00:00+00:00) -> v3 (2022-01-07T08:00:00+00:00)  "
                        "Pasukan CSTO tiba di Kazakhstan")
    assert lines[1] == "Summary: title changed; 1 removed paragraph(s)"
    assert lines[3:] == ["What changed:", "", "Title changed", "  before: Pasukan Rusia tiba di Kazakhstan",
                         "  after:  Pasukan CSTO tiba di Kazakhstan", "", "Removed (1)", f"  - {P3}"]


def test_diff_between_any_two_versions_in_the_alert_layout(db: str) -> None:
    code, out, err = run("articles", "diff", "--db", db, "liputan6:4851234", "--from", "1", "--to", "2")
    assert code == 0, err
    assert "Summary: 1 added, 1 changed paragraph(s)" in out
    assert out.split("\n\n", 1)[1] == (
        "What changed:\n\nAdded (1)\n"
        f"  + {P4}\n\nChanged (1)\n  before: {P2}\n  after:  {P2_EDITED}\n\n")
    # Backwards works too: what v3 would have to lose and regain to become v1.
    code, out, _ = run("articles", "diff", "--db", db, "liputan6:4851234", "--from", "3", "--to", "1")
    assert code == 0
    assert f"  + {P3}" in out and f"  - {P4}" in out and "  after:  Pasukan Rusia tiba di Kazakhstan" in out


def test_diff_as_json(db: str) -> None:
    code, out, err = run("articles", "diff", "--db", db, "liputan6:4851234", "--from", "1",
                         "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["source"], data["article_id"]) == ("liputan6", "4851234")
    assert (data["from"]["version_no"], data["to"]["version_no"]) == (1, 3)
    assert data["to"]["fetched_at"] == "2022-01-07T08:00:00+00:00"
    assert data["material"] is True
    assert data["diff"]["title"] == {"before": "Pasukan Rusia tiba di Kazakhstan",
                                     "after": "Pasukan CSTO tiba di Kazakhstan"}
    assert data["diff"]["added"] == [P4]
    assert data["diff"]["removed"] == [P3]
    assert data["diff"]["changed"] == [{"before": P2, "after": P2_EDITED}]
    assert data["summary"] == "title changed; 1 added, 1 removed, 1 changed paragraph(s)"


def test_show_lists_versions_with_their_time_and_what_changed(db: str) -> None:
    code, out, err = run("articles", "show", "--db", db, "liputan6:4851234")
    assert code == 0, err
    lines = out.splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith("    v")]
    assert [lines[i].split()[:2] for i in at] == [["v1", "2022-01-07T03:00:00+00:00"],
                                                  ["v2", "2022-01-07T05:00:00+00:00"],
                                                  ["v3", "2022-01-07T08:00:00+00:00"]]
    assert [lines[i + 1].strip() for i in at] == ["first version", "1 added, 1 changed paragraph(s)",
                                                  "title changed; 1 removed paragraph(s)"]
    code, out, _ = run("articles", "show", "--db", db, "liputan6:4851234", "--format", "json")
    assert [v["summary"] for v in json.loads(out)["versions"]] == [
        "first version", "1 added, 1 changed paragraph(s)", "title changed; 1 removed paragraph(s)"]


@pytest.mark.parametrize(("args", "message"), [
    (["liputan6-4851234"], "expected SOURCE:ID (e.g. liputan6:4851234), got 'liputan6-4851234'"),
    ([":4851234"], "expected SOURCE:ID with both parts"),
    (["liputan6:"], "expected SOURCE:ID with both parts"),
    (["liputan6:999"], "no stored article liputan6:999"),
    (["liputan6:4851234", "--from", "x"], "--from must be a version number (1, 2, ...), got 'x'"),
    (["liputan6:4851234", "--to", "0"], "--to must be a version number (1, 2, ...), got '0'"),
    (["liputan6:4851234", "--from", "7"],
     "liputan6:4851234 has no version 7 (--from): it has versions 1 to 3\n"),
    (["liputan6:4851300"], "liputan6:4851300 has no version before 1 to compare with: give --from\n"),
])
def test_bad_references_and_versions_are_one_line_and_exit_2(db: str, args: list[str],
                                                             message: str) -> None:
    code, out, err = run("articles", "diff", "--db", db, *args)
    assert code == 2 and out == ""
    assert err.startswith(f"newswatch: error: {message}") and err.count("\n") == 1 and err.endswith("\n")


def test_show_rejects_a_bad_reference_in_one_line(db: str) -> None:
    code, out, err = run("articles", "show", "--db", db, "liputan6")
    assert code == 2 and out == ""
    assert err == "newswatch: error: expected SOURCE:ID (e.g. liputan6:4851234), got 'liputan6'\n"
