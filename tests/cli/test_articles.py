"""`newswatch articles ...` on real SQLite files filled through the Store: output and database checked."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from storage import Store
from tests.databases import query
from tests.storage.helpers import FETCHED, article, save, seed_body, sqlite_url


@pytest.fixture
def db(db_url: str) -> str:
    """A database with four articles, on SQLite and on PostgreSQL (the db_url fixture)."""
    with Store.open(db_url) as store:
        save(store, article("1000001", title="Pasukan Rusia Tiba di Kazakhstan", body=seed_body(),
                            published_at="2022-01-07T08:05:00+07:00"))
        save(store, article("1000001", title="Pasukan Rusia Tiba di Kazakhstan",
                            body=seed_body() + "\n\nPembaruan: bandara Almaty dibuka kembali.",
                            published_at="2022-01-07T08:05:00+07:00"),
             fetched_at=FETCHED + timedelta(hours=3))
        save(store, article("1000002", title="Harga LPG naik", body="Harga gas naik di Mangystau.",
                            published_at="2022-01-03T10:00:00+07:00"),
             matches=[{"topic": "energy", "terms": ["LPG"]}])
        save(store, article("world-asia-59882283", source="bbc",
                            title="Kazakhstan: Russian-led troops arrive",
                            body="Troops from a Russia-led alliance arrived in Kazakhstan.",
                            published_at="2022-01-06T12:00:00Z", lead=None))
    return db_url


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def db_rows(url: str, sql: str) -> list[tuple]:
    return query(url, sql)


def test_list_all_and_filtered(db: str) -> None:
    code, out, err = run("articles", "list", "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(db_rows(db, "SELECT id FROM articles")) == 3
    assert lines[0].split()[1:3] == ["liputan6:1000001", "v2"]  # newest publication first
    assert "Kazakhstan: Russian-led troops arrive" in lines[1]
    assert "3 article(s)" in err

    _, out, _ = run("articles", "list", "--db", db, "--source", "bbc")
    assert [line.split()[1] for line in out.splitlines()] == ["bbc:world-asia-59882283"]
    _, out, _ = run("articles", "list", "--db", db, "--topic", "energy")
    assert [line.split()[1] for line in out.splitlines()] == ["liputan6:1000002"]
    # 2022-01-07T08:05+07:00 is 01:05 UTC on the 7th; --until counts a whole day.
    _, out, _ = run("articles", "list", "--db", db, "--since", "2022-01-04",
                    "--until", "2022-01-06")
    assert [line.split()[1] for line in out.splitlines()] == ["bbc:world-asia-59882283"]
    _, out, _ = run("articles", "list", "--db", db, "--since", "2022-01-07", "--format", "json")
    assert [a["article_id"] for a in json.loads(out)] == ["1000001"]


def test_list_rejects_a_bad_date(db: str) -> None:
    code, _, err = run("articles", "list", "--db", db, "--since", "7 January")
    assert code == 2
    assert err.strip().startswith("newswatch: error: --since must be a day") and len(err.splitlines()) == 1


def test_show_prints_versions(db: str) -> None:
    code, out, err = run("articles", "show", "--db", db, "liputan6", "1000001")
    assert code == 0, err
    assert out.splitlines()[0] == "liputan6:1000001  Pasukan Rusia Tiba di Kazakhstan"
    assert "versions: 2" in out
    assert [line.split()[0] for line in out.splitlines() if line.startswith("    v")] == ["v1", "v2"]
    assert "Pembaruan: bandara Almaty dibuka kembali." in out  # the latest body
    assert "topics: kazakhstan" in out
    first_paragraph = seed_body().split("\n\n")[0]
    assert out.count(first_paragraph) == 1
    _, out, _ = run("articles", "show", "--db", db, "liputan6", "1000001", "--bodies")
    assert out.count(first_paragraph) == 2  # version 1's body too

    _, out, _ = run("articles", "show", "--db", db, "liputan6", "1000001", "--format", "json")
    data = json.loads(out)
    stored = db_rows(db, "SELECT v.version_no, v.body_hash FROM article_versions v JOIN articles a "
                         "ON a.id = v.article_pk WHERE a.article_id = '1000001' ORDER BY v.version_no")
    assert [(v["version_no"], v["body_hash"]) for v in data["versions"]] == stored
    assert data["versions"][1]["diff"]["added"] == ["Pembaruan: bandara Almaty dibuka kembali."]


def test_show_unknown_article_is_a_one_line_error(db: str) -> None:
    code, out, err = run("articles", "show", "--db", db, "bbc", "nope")
    assert code == 2 and out == ""
    assert err == "newswatch: error: no stored article bbc:nope\n"


def test_search(db: str) -> None:
    code, out, err = run("articles", "search", "--db", db, "Tokayev", "CSTO")
    assert code == 0, err
    assert out.splitlines()[0].startswith("liputan6:1000001  2022-01-07T08:05:00+07:00  Pasukan Rusia")
    assert "1 match(es)" in err
    _, out, _ = run("articles", "search", "--db", db, "troops", "--format", "json")
    assert [h["article_id"] for h in json.loads(out)] == ["world-asia-59882283"]
    _, out, err = run("articles", "search", "--db", db, "zzzz")
    assert out == "" and "0 match(es)" in err


def test_export_jsonl_to_a_file(db: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "articles.jsonl"
    target.parent.mkdir()
    code, _, err = run("articles", "export", "--db", db, "--output", str(target), "--versions")
    assert code == 0, err
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["source"], r["article_id"], r["version_no"]) for r in rows) == sorted(
        db_rows(db, "SELECT source, article_id, version_no FROM articles"))
    by_id = {r["article_id"]: r for r in rows}
    assert [v["version_no"] for v in by_id["1000001"]["versions"]] == [1, 2]
    assert by_id["1000002"]["topics"] == ["energy"]
    assert f"exported 3 article(s) to {target}" in err


def test_export_csv_to_stdout_with_filters(db: str) -> None:
    code, out, err = run("articles", "export", "--db", db, "--format", "csv",
                         "--source", "liputan6")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["article_id"] for r in rows] == ["1000001", "1000002"]
    assert rows[0]["body"] == db_rows(db, "SELECT body FROM articles WHERE article_id = '1000001'")[0][0]
    assert rows[0]["tags"] == "Kazakhstan" and rows[0]["version_no"] == "2"
    code, _, err = run("articles", "export", "--db", db, "--format", "csv", "--versions")
    assert code == 2 and "--versions needs --format jsonl" in err


def test_missing_database_is_reported_not_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nothing.db"
    code, out, err = run("articles", "list", "--db", sqlite_url(path))
    assert code == 2 and out == ""
    assert err.startswith("newswatch: error: no database at") and len(err.splitlines()) == 1
    assert not path.exists()


def test_database_from_the_environment(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the default data/newswatch.db does not exist here
    code, out, _ = run("articles", "list", env={"NEWSWATCH_DB": db})
    assert code == 0 and len(out.splitlines()) == 3
    code, _, err = run("articles", "list", env={"NEWSWATCH_DB": ""})
    assert code == 2 and "no database at data/newswatch.db" in err
