"""Ctrl-C on `newswatch crawl` (issue 13): whenever it comes, one line and exit status 130, no traceback.

A real `newswatch crawl` subprocess against a loopback site whose article pages answer slowly, and a real
SIGINT: in the first second (the command still importing or setting up), and mid-crawl (an article request
in flight), when the run is recorded as "interrupted".
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.faults_helpers import (
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    article_html,
    articles,
    finish,
    query,
)
from tests.servers import LoggedRequest

INTERRUPTED = 130  # 128 + SIGINT


def _slow_site(server: FaultServer) -> Liputan6Site:
    """The site of faults_helpers, its article pages taking 4 s each to answer."""
    site = Liputan6Site(server, articles(3))
    for item in site.articles:

        def slow(_request: LoggedRequest, body: bytes = article_html(item)) -> bytes:
            time.sleep(4)
            return body

        server.add(site.path(item), slow, content_type="text/html; charset=utf-8")
    return site


def assert_interrupted(done_returncode: int, stderr: str) -> None:
    assert done_returncode == INTERRUPTED, (done_returncode, stderr[-3000:])
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[-1] == "newswatch: interrupted", stderr[-3000:]
    assert len(lines) <= 3, stderr  # the interrupt line, and at most the crawl's own word that it closes


def _started_ours(process: subprocess.Popen[str]) -> list[str]:
    """Read the `-X importtime` lines on stderr until newswatch's own code is loading (Python itself has
    started: an interrupt before that is the interpreter's business), and return them."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "crawler." in line:
            return seen
    raise AssertionError("".join(seen[-50:]))


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0])
def test_ctrl_c_in_the_first_second(delay: float, tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    with FaultServer() as server:
        site = _slow_site(server)
        process = setup.start(setup.crawl_args([site.route()]),
                              python=[sys.executable, "-X", "importtime", "-m", "crawler"])
        early = _started_ours(process)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        done = finish(process, timeout=60)
    stderr = "".join(line for line in [*early, *done.stderr.splitlines(keepends=True)]
                     if not line.startswith("import time:"))
    assert_interrupted(done.returncode, stderr)


def test_ctrl_c_mid_crawl(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    with FaultServer() as server:
        site = _slow_site(server)
        process = setup.start(setup.crawl_args([site.route()]))
        deadline = time.monotonic() + 90
        while not any("/read/" in path for path in server.paths()):
            assert process.poll() is None, finish(process).stderr[-3000:]
            assert time.monotonic() < deadline, "no article was ever requested"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        try:
            done = finish(process, timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert_interrupted(done.returncode, done.stderr)
    assert query(setup.db_path, "SELECT outcome FROM crawl_runs") == [("interrupted",)]
