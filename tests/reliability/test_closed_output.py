"""D7 (issue 13): no command reaches "unexpected error" when its output goes nowhere.

A standard output closed by its reader (`newswatch articles list | head -1`) ends the command quietly with
exit status 141 (128 + SIGPIPE), nothing on stderr; an output path that cannot be written is one line and
exit status 2. Every command runs as a real subprocess, its stdout a real pipe: either one whose reading end
is closed before the command writes (so every write fails, deterministically), or `head -1`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from crawler.story.developments import DevelopmentLinker
from storage import Store
from tests.reliability.faults_helpers import (
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    article_html,
    articles,
    clean_env,
    newswatch_command,
    run_newswatch,
)
from tests.storage.helpers import FETCHED, KZ_MATCH, article, classify, save, sqlite_url
from tests.story.test_developments import BBC_DETAINED, BBC_WITHDRAWAL, LIPUTAN6_DETAINED

CLOSED_OUTPUT = 141
ROWS = 400  # with long titles: several times a pipe's 64 KiB buffer


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("closed-output") / "news.db"
    with Store.open(sqlite_url(path)) as store:
        for n in range(ROWS):
            save(store, article(str(4_900_000 + n), title=f"Protes di Kazakhstan, laporan {n} " + "x" * 300,
                                body=f"Kerusuhan di Almaty berlanjut, laporan {n}.\n\nParagraf kedua."))
        for item in (BBC_DETAINED, BBC_WITHDRAWAL, LIPUTAN6_DETAINED):  # for `newswatch developments`
            store.save_article(item, matches=KZ_MATCH, score=5.0, fetched_at=FETCHED, listing_date=None,
                               classify=classify, linker=DevelopmentLinker())
    return path


def run_into_closed_pipe(args: Sequence[str], cwd: Path) -> tuple[int, str]:
    """`newswatch ARGS` with its stdout a pipe whose reading end is already closed: (status, stderr)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(newswatch_command(args), cwd=cwd, env=clean_env(), stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


def run_into_head(args: Sequence[str], cwd: Path) -> tuple[int, str, bytes]:
    """`newswatch ARGS | head -1`: (newswatch's status, its stderr, what head printed)."""
    writer = subprocess.Popen(newswatch_command(args), cwd=cwd, env=clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=writer.stdout, capture_output=True, timeout=120, check=False)
    writer.stdout.close()
    stderr = writer.stderr.read().decode("utf-8", "replace")
    writer.stderr.close()
    return writer.wait(timeout=120), stderr, head.stdout


def assert_quiet(status: int, stderr: str) -> None:
    assert status == CLOSED_OUTPUT, (status, stderr)
    # Nothing about the pipe: no "unexpected error", no traceback, no "Exception ignored".
    for line in stderr.splitlines():
        assert "error" not in line.lower() and "Broken" not in line and "Exception" not in line, stderr


def _commands(db: Path, tmp: Path) -> dict[str, list[str]]:
    url = sqlite_url(db)
    page = tmp / "page.html"
    page.write_bytes(article_html(articles(1)[0]))
    text = tmp / "article.txt"
    text.write_text("Liputan6.com, Jakarta - Protes di Kazakhstan meluas.\n\nBaca Juga\n\nParagraf kedua.\n",
                    encoding="utf-8")
    return {
        "articles list": ["articles", "list", "--db", url],
        "articles list json": ["articles", "list", "--db", url, "--format", "json"],
        "articles search": ["articles", "search", "Kazakhstan", "--db", url],
        "articles show": ["articles", "show", "liputan6:4900001", "--db", url],
        "articles export": ["articles", "export", "--db", url],
        "articles export csv": ["articles", "export", "--db", url, "--format", "csv"],
        "status": ["status", "--db", url],
        "status json": ["status", "--db", url, "--format", "json"],
        "feed": ["feed", "--db", url],
        "report": ["report", "--db", url, "--topic", "kazakhstan", "--out", "-"],
        "extract": ["extract", str(page)],
        "clean": ["clean", str(text)],
        "developments": ["developments", "--db", url],
        "developments json": ["developments", "--db", url, "--format", "json"],
        "help": ["--help"],
        "version": ["--version"],
    }


COMMANDS = ["articles list", "articles list json", "articles search", "articles show", "articles export",
            "articles export csv", "status", "status json", "feed", "report", "extract", "clean",
            "developments", "developments json", "help", "version"]


@pytest.mark.parametrize("name", COMMANDS)
def test_a_closed_standard_output_ends_quietly(name: str, db: Path, tmp_path: Path) -> None:
    # 141, not 0: the command did write (and found nobody reading).
    assert_quiet(*run_into_closed_pipe(_commands(db, tmp_path)[name], tmp_path))


@pytest.mark.parametrize("name", ["articles list", "articles export", "status"])
def test_piped_into_head(name: str, db: Path, tmp_path: Path) -> None:
    status, stderr, first = run_into_head(_commands(db, tmp_path)[name], tmp_path)
    assert first.count(b"\n") == 1
    if name != "status":  # status prints less than a pipe holds: it may finish before head exits
        assert_quiet(status, stderr)
    else:
        assert status in (0, CLOSED_OUTPUT) and stderr.strip() in ("",), (status, stderr)


def test_a_crawl_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    with FaultServer() as server:
        site = Liputan6Site(server, articles(2))
        status, stderr = run_into_closed_pipe(setup.crawl_args([site.route()]), tmp_path)
    assert_quiet(status, stderr)
    assert setup.db_path.exists()


def _unwritable_cases(db: Path, tmp: Path) -> dict[str, tuple[list[str], str]]:
    url = sqlite_url(db)
    config = tmp / "newswatch.toml"
    config.write_text("", encoding="utf-8")
    blocker = tmp / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    return {
        "alerts preview --out /proc/x": (["alerts", "preview", "--config", str(config), "--db", url,
                                          "--out", "/proc/x"], "/proc/x"),
        "alerts preview --out under a file": (["alerts", "preview", "--config", str(config), "--db", url,
                                               "--out", str(blocker / "sub")], str(blocker)),
        "feed --out /proc/x/feed.atom": (["feed", "--db", url, "--out", "/proc/x/feed.atom"], "/proc/x"),
        "report --out /proc/x": (["report", "--db", url, "--topic", "kazakhstan", "--out", "/proc/x"],
                                 "/proc/x"),
        "articles export -o /proc/x": (["articles", "export", "--db", url, "-o", "/proc/x"], "/proc/x"),
        "crawl --log-file /proc/x/crawl.log": (["crawl", "--config", str(config), "--db",
                                                sqlite_url(tmp / "crawl.db"), "--log-file",
                                                "/proc/x/crawl.log"], "/proc/x"),
    }


UNWRITABLE = ["alerts preview --out /proc/x", "alerts preview --out under a file",
              "feed --out /proc/x/feed.atom", "report --out /proc/x", "articles export -o /proc/x",
              "crawl --log-file /proc/x/crawl.log"]


@pytest.mark.parametrize("name", UNWRITABLE)
def test_an_output_path_that_cannot_be_written_is_one_line(name: str, db: Path, tmp_path: Path) -> None:
    args, path = _unwritable_cases(db, tmp_path)[name]
    done = run_newswatch(args, tmp_path, timeout=60)
    assert done.returncode == 2, (name, done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("newswatch: error:") and path in lines[0], lines
    assert "unexpected" not in lines[0] and "Traceback" not in done.stderr
