"""Shared test set-up: where the recorded pages live, and the rule for when they are missing.

Recorded third-party pages are read from ../shared (beside the repository), never copied into it. Without
../shared the tests that need it skip with a reason; with CI set they fail, since CI always has it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"
SEED = SHARED / "seed"


def shared_path(relative: str) -> Path:
    """Path of a file under ../shared; skips the test (fails under CI) when it is absent."""
    path = SHARED / relative
    if not path.exists():
        message = f"recorded fixture {relative} not found: ../shared is not beside the repository"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must provide it)")
        pytest.skip(message)
    return path


def fixture_html(relative: str) -> str:
    """A recorded page under ../shared/fixtures, decoded the way the product decodes pages."""
    from crawler.extract.decoding import decode_html

    return decode_html(shared_path(f"fixtures/{relative}").read_bytes())


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL, once per engine: a SQLite file (not created yet) and a fresh PostgreSQL database of
    this test's own, dropped afterwards (tests/databases.py). Tests taking it run on both engines."""
    from tests.databases import database_url

    with database_url(request.param, tmp_path) as url:
        yield url


@dataclass(frozen=True)
class DemoRun:
    """What `python -m crawler.demo` (`make demo`) did: where it ran, its exit status and its output."""

    base: Path
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`python -m crawler.demo` run once per test session, in a fresh directory of its own, as a user runs it.

    The demo takes half a minute on a loaded machine, and two suites need it: tests/demo/test_driver.py checks
    what it prints and writes, tests/web builds its dashboard database from it. The pytest-xdist workers of
    one session share the run through a lock; a later session runs the demo again."""
    from filelock import FileLock

    basetemp = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is popen-gwN in the session's own directory; alone, basetemp is it.
    root = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    base = root / "demo-run"
    result = base / "result.json"
    with FileLock(str(root / "demo-run.lock")):
        if not result.exists():
            base.mkdir(exist_ok=True)
            env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
            done = subprocess.run([sys.executable, "-m", "crawler.demo"], cwd=base, env=env,
                                  capture_output=True, text=True, timeout=300, check=False)
            result.write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                          "stderr": done.stderr}), encoding="utf-8")
    recorded = json.loads(result.read_text(encoding="utf-8"))
    return DemoRun(base, recorded["returncode"], recorded["stdout"], recorded["stderr"])
