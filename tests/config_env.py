"""Running configuration code as in a fresh shell: no NEWSWATCH_* variables, an empty working folder.

Modules use it with `pytestmark = pytest.mark.usefixtures("clean_newswatch_env")` after importing the
fixture, and `run(...)` to call the real CLI in-process.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli


@pytest.fixture
def clean_newswatch_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NEWSWATCH_* variable from the developer's shell, and ./work as the working folder (no newswatch.toml
    from the repository is picked up)."""
    for name in list(os.environ):
        if name.startswith("NEWSWATCH_"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`newswatch ARGS` in-process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
