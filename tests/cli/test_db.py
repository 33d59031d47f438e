"""`newswatch db upgrade|current|history` on SQLite and PostgreSQL (the db_url fixture)."""

from __future__ import annotations

from click.testing import CliRunner

from crawler.cli import cli
from storage.engine import display_url
from storage.migrations import head, history
from tests.databases import query
from tests.storage.release_db import RELEASE_MIGRATIONS, build_release_database


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), obj={})
    return result.exit_code, result.stdout, result.stderr


def test_history_lists_every_revision_oldest_first() -> None:
    code, out, _ = run("db", "history")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [r.id for r in history()]
    assert lines[0].split(None, 1) == ["0001_core_tables", "The core tables: articles, their topics and "
                                      "versions, pages seen, HTTP validators, crawl runs."]
    assert lines[-1].endswith("(head)") and not lines[0].endswith("(head)")


def test_current_reads_and_upgrade_brings_the_release_database_to_head(db_url: str) -> None:
    build_release_database(db_url)
    code, out, _ = run("db", "current", "--db", db_url)
    assert (code, out) == (0, f"{RELEASE_MIGRATIONS[-1]} (head is {head()}: run newswatch db upgrade)\n")
    assert query(db_url, "SELECT count(*) FROM articles") == [(2,)]  # current changed nothing
    code, out, _ = run("db", "upgrade", "--db", db_url)
    pending = [r.id for r in history()][len(RELEASE_MIGRATIONS):]
    assert (code, out) == (0, f"upgraded {display_url(db_url)} to {head()}: applied {', '.join(pending)}\n")
    assert run("db", "current", "--db", db_url)[:2] == (0, f"{head()} (head)\n")
    up_to_date = f"{display_url(db_url)} is up to date at {head()}\n"
    assert run("db", "upgrade", "--db", db_url)[:2] == (0, up_to_date)


def test_newer_or_missing_database_is_one_line_and_exit_2(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        code, _, err = run("db", "current", "--db", db_url)  # the file does not exist yet
        assert code == 2 and err.startswith("newswatch: error: no database at ") and err.count("\n") == 1
    run("db", "upgrade", "--db", db_url)
    query(db_url, "UPDATE alembic_version SET version_num = '9999_future'")
    for command in ("current", "upgrade"):
        code, _, err = run("db", command, "--db", db_url)
        assert code == 2 and "newer newswatch" in err and err.count("\n") == 1, err
