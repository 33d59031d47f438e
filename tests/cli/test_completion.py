"""Shell completion as the README documents it: click's own (_NEWSWATCH_COMPLETE), on the real script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "newswatch"


def complete(shell: str, words: str, cword: int) -> str:
    env = {**os.environ, "_NEWSWATCH_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_generated(shell: str) -> None:
    done = subprocess.run([str(SCRIPT)], env={**os.environ, "_NEWSWATCH_COMPLETE": f"{shell}_source"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "_NEWSWATCH_COMPLETE" in done.stdout


def test_commands_subcommands_and_options_complete() -> None:
    assert "plain,feed" in complete("bash", "newswatch fe", 1).splitlines()
    assert complete("bash", "newswatch articles d", 2).splitlines() == ["plain,diff"]
    options = complete("bash", "newswatch watch --metrics", 2).splitlines()
    assert options == ["plain,--metrics-port", "plain,--metrics-address"]
    assert complete("bash", "newswatch feed --log-format ", 3).splitlines() == ["plain,text", "plain,json"]
