"""`newswatch clean`: the golden seed article through the real CLI, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from tests.conftest import REPO, shared_path

SEED = "seed/liputan6-kazakhstan-2022-01-07.txt"
SEED_CLEAN = "seed/liputan6-kazakhstan-2022-01-07.clean.txt"


def expected_lines() -> list[str]:
    return shared_path(SEED_CLEAN).read_text(encoding="utf-8").splitlines()


def test_golden_seed_through_click() -> None:
    result = CliRunner().invoke(cli, ["clean", "--site", "liputan6", str(shared_path(SEED))])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == expected_lines()
    assert result.stderr == ""


def test_golden_seed_really_removes_something() -> None:
    # The seed holds noise: the golden comparison above is not an identity check.
    raw = shared_path(SEED).read_text(encoding="utf-8").splitlines()
    expected = expected_lines()
    assert len(raw) > len(expected) + 5
    assert "Ribuan Orang Ditahan" in expected and "Pantauan AS di Tengah Kerusuhan Kazakhstan" in expected


def test_golden_seed_as_a_subprocess() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "crawler", "clean", "--site", "liputan6", str(shared_path(SEED))]
    proc = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", env=env, cwd=REPO,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected_lines()


def test_without_site_the_seed_is_recognised_by_its_dateline() -> None:
    # No --site: "Liputan6.com, Nur-Sultan - ..." names the site, so Liputan6's own rules apply too (the
    # fact-check promo line only they remove) and the output is exactly the golden file.
    result = CliRunner().invoke(cli, ["clean", str(shared_path(SEED))])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == expected_lines()
    explained = CliRunner().invoke(cli, ["clean", "--explain", str(shared_path(SEED))])
    assert "rules: liputan6 (dateline" in explained.stderr
    assert explained.stdout == result.stdout


def test_site_generic_still_applies_both_languages_shared_rules() -> None:
    result = CliRunner().invoke(cli, ["clean", "--site", "generic", str(shared_path(SEED))])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Advertisement" not in lines and "Baca Juga" not in lines
    assert set(expected_lines()) <= set(lines)
    assert lines != expected_lines()  # Liputan6's own promo rule is not in the shared ones


def _bad_input(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["clean", "--site", "liputan6", str(path)])
    return result.exit_code, result.stdout, result.stderr


def test_missing_file(tmp_path: Path) -> None:
    code, out, err = _bad_input(tmp_path / "nope.txt")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("newswatch: error:") and "nope.txt" in err


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    code, out, err = _bad_input(path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "empty" in err


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 8)
    code, out, err = _bad_input(path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "binary" in err


def test_bad_input_as_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "crawler", "clean", str(tmp_path / "missing.txt")],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
