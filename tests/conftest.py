"""Shared test set-up: where the recorded pages live, and the rule for when they are missing.

Recorded third-party pages are read from ../shared (beside the repository), never copied into it. Without
../shared the tests that need it skip with a reason; with CI set they fail, since CI always has it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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
