"""deploy/systemd: the units pass `systemd-analyze verify` (with ExecStart pointing at this environment's
`newswatch`), and say what an operator relies on: restart on failure, a dedicated user, a state directory,
the hardening options, a timer for one-off cycles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.monitor.helpers import REPO

UNITS = REPO / "deploy" / "systemd"
INSTALLED_PATH = "/opt/newswatch/bin/newswatch"
NAMES = ("newswatch-watch.service", "newswatch-crawl.service", "newswatch-crawl.timer")


def settings(name: str) -> dict[str, list[str]]:
    """KEY -> every value it is given (systemd allows repeats), comments and sections aside."""
    found: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def verify(directory: Path, names: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here (apt-get install systemd)")
    return subprocess.run([tool, "verify", *names], cwd=directory, capture_output=True, text=True,
                          timeout=120, check=False)


def _copy_units(target: Path) -> None:
    executable = Path(sys.executable).parent / "newswatch"
    assert executable.exists(), "the newswatch script of this environment"
    for name in (*NAMES, "newswatch.sysusers.conf"):
        text = (UNITS / name).read_text(encoding="utf-8").replace(INSTALLED_PATH, str(executable))
        (target / name).write_text(text, encoding="utf-8")


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    _copy_units(tmp_path)
    done = verify(tmp_path, NAMES)
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "newswatch" in line]
    assert done.returncode == 0 and ours == [], done.stdout + done.stderr
    # The check reads these files: a unit with a mistake is reported.
    broken = tmp_path / "newswatch-watch.service"
    broken.write_text(broken.read_text(encoding="utf-8").replace("Restart=on-failure", "Restart=sometimes"),
                      encoding="utf-8")
    done = verify(tmp_path, ("newswatch-watch.service",))
    assert "Failed to parse service restart specifier" in done.stderr


def test_the_daemon_unit_restarts_runs_as_its_user_and_is_hardened() -> None:
    unit = settings("newswatch-watch.service")
    assert unit["ExecStart"] == [f"{INSTALLED_PATH} watch --metrics-port 9464"]
    assert unit["Restart"] == ["on-failure"] and unit["RestartPreventExitStatus"] == ["2"]
    assert unit["User"] == ["newswatch"] and unit["Group"] == ["newswatch"]
    assert unit["StateDirectory"] == ["newswatch"] and unit["ReadWritePaths"] == ["%S/newswatch"]
    assert unit["Environment"].count("NEWSWATCH_DB=%S/newswatch/newswatch.db") == 1
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes"), ("CapabilityBoundingSet", "")):
        assert unit[key] == [value], key
    assert int(unit["TimeoutStopSec"][0]) > 60  # the daemon's own stop grace is 60 s
    users = (UNITS / "newswatch.sysusers.conf").read_text(encoding="utf-8")
    assert any(line.split()[:2] == ["u", "newswatch"] for line in users.splitlines() if line.strip())


def test_the_timer_runs_one_cycle_with_the_same_hardening() -> None:
    timer = settings("newswatch-crawl.timer")
    assert timer["Unit"] == ["newswatch-crawl.service"] and timer["OnCalendar"] == ["*:0/15"]
    crawl = settings("newswatch-crawl.service")
    assert crawl["Type"] == ["oneshot"] and crawl["ExecStart"] == [f"{INSTALLED_PATH} watch --once"]
    daemon = settings("newswatch-watch.service")
    hardening = ("NoNewPrivileges", "ProtectSystem", "ReadWritePaths", "ProtectHome", "PrivateTmp",
                 "RestrictAddressFamilies", "SystemCallFilter", "CapabilityBoundingSet", "User",
                 "StateDirectory")
    assert {k: crawl[k] for k in hardening} == {k: daemon[k] for k in hardening}
