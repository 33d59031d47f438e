"""The development-set benchmark's runner (bench/devset.py): each extractor in a process of its own, turns of
a few pages, a page that raises or kills its worker scored empty, and the run going on."""

from __future__ import annotations

import os
import time

import pytest

from bench import devset

PAGES = [({"id": f"page-{i}", "url": None}, f"<p>text {i}</p>") for i in range(7)]


def _pid(url: str | None, html: str) -> str:
    return f"{html} in {os.getpid()}"


def _raises_on_3(url: str | None, html: str) -> str:
    if "text 3" in html:
        raise ValueError("a library's bug")
    return html


def _dies_on_5(url: str | None, html: str) -> str:
    if "text 5" in html:
        os._exit(1)  # a crash in C code: the worker is gone without a word
    return html.upper()


@pytest.fixture
def extractors(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, function in (("pid", _pid), ("raises", _raises_on_3), ("dies", _dies_on_5)):
        monkeypatch.setitem(devset.EXTRACTORS, name, function)


@pytest.mark.usefixtures("extractors")
def test_each_extractor_reads_every_page_in_a_process_of_its_own() -> None:
    out, speed, cpu_speed, failures = devset.run(["pid", "raises"], PAGES, chunk=3)
    texts = list(out["pid"].values())
    assert [t.split(" in ")[0] for t in texts] == [html for _, html in PAGES]
    workers = {t.split(" in ")[1] for t in texts}
    assert len(workers) == 1 and str(os.getpid()) not in workers
    assert out["raises"]["page-3"] == "" and failures == {"pid": 0, "raises": 1}
    assert out["raises"]["page-4"] == "<p>text 4</p>"
    assert speed["pid"] > 0 and cpu_speed["pid"] > 0


@pytest.mark.usefixtures("extractors")
def test_a_worker_that_dies_scores_its_page_empty_and_the_run_goes_on(capfd: pytest.CaptureFixture) -> None:
    out, _, _, failures = devset.run(["dies", "pid"], PAGES, chunk=4)
    assert out["dies"]["page-5"] == "" and failures["dies"] == 1
    # the pages of the same turn before and after it, and the next turn, read by a new worker
    assert [out["dies"][f"page-{i}"] for i in (4, 6)] == ["<P>TEXT 4</P>", "<P>TEXT 6</P>"]
    assert "dies died on page-5" in capfd.readouterr().err
    assert failures["pid"] == 0 and len(out["pid"]) == len(PAGES)


@pytest.mark.usefixtures("extractors")
def test_the_same_process_mode_runs_here() -> None:
    out, _, _, failures = devset.run(["pid", "raises"], PAGES, chunk=2, same_process=True)
    assert {t.split(" in ")[1] for t in out["pid"].values()} == {str(os.getpid())}
    assert failures["raises"] == 1


def _slow_first_time(url: str | None, html: str) -> str:
    """Slow on its first read of each page in this process, as if the machine were loaded then."""
    seen = _slow_first_time.__dict__.setdefault("seen", set())
    if html not in seen:
        seen.add(html)
        time.sleep(0.02)
    return html


def test_rounds_keep_each_run_of_pages_at_its_best(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(devset.EXTRACTORS, "slow", _slow_first_time)
    pages = [({"id": f"p{i}", "url": None}, f"<p>page {i} {os.getpid()}</p>") for i in range(20)]
    _, once, _, _ = devset.run(["slow"], pages, chunk=5)
    _, best, _, failures = devset.run(["slow"], pages, chunk=5, rounds=2)
    # The warm-up reads the first 10 pages; the 10 others take 20 ms each the first time: under 100 a second.
    assert once["slow"] < 100
    assert best["slow"] > 4 * once["slow"]  # the second round's times, without the sleeps
    assert failures == {"slow": 0}
