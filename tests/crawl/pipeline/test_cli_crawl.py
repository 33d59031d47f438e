"""`newswatch crawl` as a user meets it: bad input, an unreachable site, a timeout, two crawls at once, a
terminal, and `scrapy crawl` with a database."""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from tests.crawl.pages import liputan6_listing
from tests.crawl.pipeline.site import (
    FAST,
    RELEVANT_ID,
    Site,
    Story,
    clean_env,
    crawl_command,
    newswatch_crawl,
    rows,
    write_config,
)
from tests.servers import LoopbackServer
from tests.servers.crawl import REPO, site_routes

L6 = "https://www.liputan6.com"
TAG = "/liputan6/tag/kazakhstan"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2022-02-30"], "--since: expected a date as YYYY-MM-DD"),
    (["--until", "yesterday"], "--until: expected a date as YYYY-MM-DD"),
    (["--since", "2022-01-08", "--until", "2022-01-07"], "--since 2022-01-08 is after --until 2022-01-07"),
    (["--source", "kompas"], "--source: unknown source 'kompas'"),
    (["--topic", "pemilu"], "--topic: unknown topic 'pemilu'"),
    (["--route", "www.liputan6.com"], "route must be HOST=BASE_URL"),
    (["--route", "www.liputan6.com=ftp://mirror"], "must be an http(s) URL"),
])
def test_bad_input_is_one_line_and_nothing_runs(tmp_path: Path, args: list[str], message: str) -> None:
    db, config = tmp_path / "nw.db", write_config(tmp_path / "nw.toml")
    command = crawl_command(db, config, None, *args)
    cli_args = command[command.index("crawl"):]  # checked before anything runs: in-process is enough

    result = CliRunner().invoke(cli, cli_args, obj={})

    assert result.exit_code == 2
    assert result.stderr.startswith("newswatch: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists() and not db.with_suffix(".log").exists()


def test_unreachable_site_is_one_line_pointing_to_the_demo(tmp_path: Path) -> None:
    # Liputan6 routed to a port nobody listens on; BBC not routed at all, so its lookups hit the resolver
    # that refuses every real name (as on a machine without network).
    db, config = tmp_path / "nw.db", write_config(tmp_path / "nw.toml")
    command = crawl_command(db, config, None, "--route",
                            f"www.liputan6.com=http://127.0.0.1:{_closed_port()}/liputan6")

    done = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=120,
                          check=False)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("newswatch: error:")]
    assert len(errors) == 2
    assert any("cannot reach liputan6" in line and "make demo" in line for line in errors)
    assert any("cannot reach bbc" in line and "make demo" in line for line in errors)
    assert rows(db, "SELECT spider, outcome, json_extract(stats, '$.finish_reason') FROM crawl_runs "
                    "ORDER BY spider") == [("bbc", "unreachable", "unreachable"),
                                           ("liputan6", "unreachable", "unreachable")]


def test_timeout_stops_the_crawl_and_records_it_failed(loopback_server: LoopbackServer,
                                                       tmp_path: Path) -> None:
    # The tag page answers only after 4 s: the crawl is stopped at 1.5 s (the request in flight ends first).
    loopback_server.add(f"{TAG}?page=1", liputan6_listing([]), delay=4)
    db, config = tmp_path / "nw.db", write_config(tmp_path / "nw.toml")
    started = time.monotonic()

    run = newswatch_crawl(db, config, loopback_server, "--source", "liputan6", "--timeout", "1.5")

    assert run.returncode == 1, run.stderr
    assert time.monotonic() - started < 4 + 10
    assert run.summary("liputan6").startswith("liputan6: timeout")
    assert rows(db, "SELECT outcome FROM crawl_runs") == [("timeout",)]
    assert "Traceback" not in run.stderr


def test_concurrent_crawls_on_one_sqlite_file(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    site = Site(server)
    listing = []
    for n in range(12):
        article_id = f"48650{n:02d}"
        site.liputan6[article_id] = Story(f"{RELEVANT_ID[0]} {n}", list(RELEVANT_ID[1]))
        listing.append((f"{L6}/global/read/{article_id}/k", f"Kazakhstan {n}", "x", "2022-01-07T10:00+07:00"))
    server.add(f"{TAG}?page=1", liputan6_listing(listing))
    db, config = tmp_path / "nw.db", write_config(tmp_path / "nw.toml")
    commands = [crawl_command(db, config, server, "--source", "liputan6", log=tmp_path / f"{n}.log")
                for n in range(2)]

    procs = [subprocess.Popen(c, cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for c in commands]
    results = [p.communicate(timeout=120) for p in procs]

    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    assert rows(db, "SELECT count(*), count(DISTINCT article_id) FROM articles") == [(12, 12)]
    assert rows(db, "SELECT count(*) FROM article_versions") == [(12,)]
    assert rows(db, "SELECT count(*) FROM events") == [(12,)]
    assert rows(db, "SELECT outcome FROM crawl_runs") == [("finished",), ("finished",)]


def test_scrapy_crawl_with_a_database_stores_and_exports_relevant_articles(
        loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    site = Site(server)
    site.liputan6["4866001"] = Story(RELEVANT_ID[0], list(RELEVANT_ID[1]))
    site.liputan6["4866002"] = Story("Harga cabai naik", ["Pedagang mengeluh pasokan berkurang."])
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4866001/a", "Kazakhstan a", "x", "2022-01-07T10:00:00+07:00"),
        (f"{L6}/bisnis/read/4866002/b", "Kazakhstan b", "x", "2022-01-07T09:00:00+07:00")]))
    db, out = tmp_path / "nw.db", tmp_path / "out.jsonl"
    config = write_config(tmp_path / "nw.toml")
    routes = ",".join(f"{host}={base}" for host, base in site_routes(server).items())
    command = [sys.executable, "-m", "scrapy", "crawl", "liputan6", "-O", str(out),
               "-s", f"NEWSWATCH_DB={db}", "-s", f"NEWSWATCH_CONFIG={config}",
               "-s", f"NEWSWATCH_ROUTES={routes}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]

    done = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=120,
                          check=False)

    assert done.returncode == 0, done.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(i["article_id"], i["listing_date"]) for i in items] == [("4866001", "2022-01-07T10:00:00+07:00")]
    assert items[0]["matches"][0]["topic"] == "kazakhstan-unrest"
    assert rows(db, "SELECT article_id FROM articles") == [("4866001",)]
    assert rows(db, "SELECT article_id, status FROM seen") == [("4866002", "irrelevant")]
    assert rows(db, "SELECT spider, outcome FROM crawl_runs") == [("liputan6", "finished")]


def test_progress_line_on_a_terminal(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    server = loopback_server
    site = Site(server)
    site.liputan6["4867001"] = Story(RELEVANT_ID[0], list(RELEVANT_ID[1]))
    # A slow article keeps the crawl running for a few status updates.
    server.add(f"{TAG}?page=1", liputan6_listing([
        (f"{L6}/global/read/4867001/a", "Kazakhstan a", "x", "2022-01-07T10:00:00+07:00")]), delay=2.5)
    db, config = tmp_path / "nw.db", write_config(tmp_path / "nw.toml")
    master, slave = os.openpty()
    proc = subprocess.Popen(crawl_command(db, config, server, "--source", "liputan6"), cwd=REPO,
                            env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    assert proc.returncode == 0
    text = seen.decode("utf-8", "replace")
    lines = [line.removeprefix("\x1b[2K") for line in text.split("\r") if line.strip("\x1b[2K")]
    # One line rewritten in place while the crawl ran: the page count moved on, and the line was wiped at
    # the end (the summary goes to stdout).
    assert len(lines) >= 2 and all(line.startswith("liputan6: ") for line in lines), repr(text)
    # The first drawing is made as the spider opens, before any page: nothing counted yet.
    assert re.fullmatch(r"liputan6: 0 pages, 0 new, 0 updated, 0 unchanged, 0 irrelevant, 0 failed",
                        lines[0]), repr(text)
    assert lines[0] != lines[-1], repr(text)
    assert text.endswith("\r\x1b[2K"), repr(text)
