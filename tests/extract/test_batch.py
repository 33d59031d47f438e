"""Batch extraction (`newswatch extract --batch`): input order, error lines, crashed and hung workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.batch import BatchRunner, Task, read_manifest, result_line
from tests.conftest import REPO, shared_path

ARTICLE = """<!doctype html><html lang="en"><head><title>{title}</title>
<link rel="canonical" href="https://news.example.org/world/{slug}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>
<p>Thousands gathered in the main square of {city} on Tuesday as protests over fuel prices spread.</p>
<p>Officials said the price cap on liquefied gas would be restored for the next six months in {city}.</p>
<p>Internet access was cut across the country late on Wednesday, according to the monitoring group.</p>
</article><footer><p>Copyright Example News</p></footer></body></html>"""
NAVIGATION_ONLY = """<!doctype html><html><head><title>Home</title></head><body>
<nav><a href="/a">World</a> <a href="/b">Business</a> <a href="/c">Sport</a></nav></body></html>"""
CITIES = ["Almaty", "Aktau", "Zhanaozen", "Shymkent", "Taraz", "Atyrau"]


def write_pages(folder: Path) -> list[dict[str, str]]:
    """Six article pages; the manifest entries (relative paths) that name them."""
    entries = []
    for number, city in enumerate(CITIES):
        name = f"pages/{number}-{city.lower()}.html"
        (folder / "pages").mkdir(exist_ok=True)
        html = ARTICLE.format(title=f"Protests reach {city}", slug=city.lower(), city=city)
        (folder / name).write_text(html, encoding="utf-8")
        entries.append({"path": name})
    return entries


def write_manifest(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def newswatch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_batch_writes_one_line_per_input_in_input_order_with_error_lines(tmp_path: Path) -> None:
    entries = write_pages(tmp_path)
    (tmp_path / "home.html").write_text(NAVIGATION_ONLY, encoding="utf-8")
    manifest = write_manifest(tmp_path / "manifest.jsonl", [
        entries[0], entries[1], {"path": "home.html"}, entries[2], "{not json", {"path": "missing.html"},
        "", entries[3], {"path": entries[4]["path"], "url": "ftp://x"}, entries[5],
    ])
    result = newswatch("extract", "--batch", str(manifest), "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # The blank line is no input; every other line gives exactly one output line, in manifest order.
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert [row.get("title") for row in rows] == [
        "Protests reach Almaty", "Protests reach Aktau", None, "Protests reach Zhanaozen", None, None,
        "Protests reach Shymkent", None, "Protests reach Atyrau"]
    assert "no article" in rows[2]["error"].lower() and rows[2]["path"] == "home.html"
    assert "not JSON" in rows[4]["error"]
    assert "missing.html" in rows[5]["error"]
    assert "http(s)" in rows[7]["error"]
    assert "Zhanaozen" in rows[3]["body"]
    assert "4 page(s) gave no article" in result.stderr


def test_batch_lines_equal_single_page_extraction(tmp_path: Path) -> None:
    """Each article line is what `newswatch extract PATH` prints for the same page (plus line and path)."""
    recorded = shared_path("fixtures/liputan6/m_global_read_4464894__m.liputan6-detail.html")
    entries = write_pages(tmp_path)[:2]
    manifest = write_manifest(tmp_path / "m.jsonl", [*entries, {"path": str(recorded)}])
    batch = newswatch("extract", "--batch", str(manifest), cwd=tmp_path)
    assert batch.returncode == 0, batch.stderr
    rows = [json.loads(line) for line in batch.stdout.splitlines()]
    assert len(rows) == 3
    for row, entry in zip(rows, [*entries, {"path": str(recorded)}], strict=True):
        single = newswatch("extract", str(tmp_path / entry["path"]), cwd=tmp_path)
        assert single.returncode == 0, single.stderr
        assert {k: v for k, v in row.items() if k not in ("line", "path")} == json.loads(single.stdout)
    assert rows[2]["source"] == "liputan6"


def test_batch_refuses_bad_invocations_with_one_line(tmp_path: Path) -> None:
    for args in (["--batch", "nope.jsonl"], ["--batch", "m.jsonl", "x.html"], []):
        write_manifest(tmp_path / "m.jsonl", [{"path": "a.html"}])
        result = newswatch("extract", *args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("newswatch: error:"), result.stderr
        assert "Traceback" not in result.stderr


# -- the runner, with jobs that misbehave on purpose (a parser cannot be made to crash on demand) --

def misbehaving_job(file: str, url: str | None) -> dict[str, Any]:
    name = Path(file).name
    if name == "crash":
        os.kill(os.getpid(), signal.SIGKILL)  # what an OOM kill or a segfaulting C extension looks like
    if name == "exit":
        os._exit(3)
    if name == "hang":
        time.sleep(600)
    if name == "raise":
        raise RuntimeError("parser bug")
    time.sleep(0.05)
    return {"name": name}


# Children this test process had before the current test: process-lifetime helpers an earlier test in the
# same pytest worker may have started (multiprocessing's fork server and resource tracker, which the crawl's
# parse pool uses), not a batch's leftovers.
_BEFORE: set[str] = set()


def _all_children() -> list[str]:
    return subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout.split()


def child_processes() -> list[str]:
    """Child processes started during the current test and still running."""
    return [pid for pid in _all_children() if pid not in _BEFORE]


def tasks(names: list[str]) -> list[Task]:
    return [Task(line=i + 1, path=name, file=f"/nowhere/{name}", url=None) for i, name in enumerate(names)]


def test_crashed_and_hung_workers_become_error_lines_and_the_batch_goes_on() -> None:
    names = ["a", "crash", "b", "hang", "c", "exit", "d", "raise", "e", "f"]
    runner = BatchRunner(jobs=2, timeout=1.5, job=misbehaving_job)
    started = time.monotonic()
    results = list(runner.run(tasks(names)))
    assert time.monotonic() - started < 30
    assert [task.path for task, _ in results] == names
    outcomes = dict((task.path, outcome) for task, outcome in results)
    for name in "abcdef":
        assert outcomes[name] == {"name": name}
    assert outcomes["crash"] == "worker crashed (killed by signal 9)"
    assert outcomes["exit"] == "worker crashed (exit code 3)"
    assert outcomes["hang"] == "timed out after 1.5 s (worker stopped)"
    assert outcomes["raise"] == "RuntimeError: parser bug"
    line = json.loads(result_line(results[1][0], results[1][1]))
    assert line == {"line": 2, "path": "crash", "error": "worker crashed (killed by signal 9)"}


def test_the_runner_reads_the_manifest_lazily_and_leaves_no_worker_behind() -> None:
    consumed = 0

    def source() -> Iterator[Task]:
        nonlocal consumed
        for task in tasks([f"p{i}" for i in range(200)]):
            consumed += 1
            yield task

    runner = BatchRunner(jobs=2, timeout=10, job=misbehaving_job)
    results = runner.run(source())
    first = next(results)
    assert first[0].path == "p0"
    assert consumed <= 2 * 4 + 2  # the in-order window, not the whole manifest
    assert [task.path for task, _ in results] == [f"p{i}" for i in range(1, 200)]
    assert child_processes() == []


def test_read_manifest_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "m.jsonl", [{"path": "a/b.html", "url": "https://x.example/1"},
                                                     ["not", "an", "object"]])
    first, second = read_manifest(manifest)
    assert first.file == str(tmp_path / "a/b.html") and first.url == "https://x.example/1"
    assert second.error is not None and "expected" in second.error


@pytest.fixture(autouse=True)
def _no_leftover_children() -> Iterator[None]:
    _BEFORE.clear()
    _BEFORE.update(_all_children())
    yield
    leftover = child_processes()
    assert leftover == [], f"worker processes left running: {leftover}"
