"""A broken config through the command line: one line on stderr naming the file and the dotted key, exit
status 2, no traceback, and nothing run or created (no database file, no data folder).

Every command that takes --config is tried, each as a real `python -m crawler` subprocess in an empty
directory (so the default database path data/newswatch.db would show up there too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.faults_helpers import offline

REPO = Path(__file__).resolve().parent.parent.parent

# name -> (config text after the [storage] table, the dotted key the error must name)
BAD_CONFIGS: dict[str, tuple[str, str]] = {
    "unknown key": ("[crawl]\ndownload_dealy = 2.0\n", "crawl.download_dealy"),
    "unknown top-level table": ("[crawler]\ntimeout = 5\n", "crawler"),
    "wrong type": ('[crawl]\ntimeout = "fast"\n', "crawl.timeout"),
    "wrong type, a table": ("[smtp]\nport = [587]\n", "smtp.port"),
    "out of range": ("[crawl]\nconcurrent_requests_per_domain = 0\n", "crawl.concurrent_requests_per_domain"),
    "invalid cron": ('[schedule]\ncron = "61 * * * *"\n', "schedule.cron"),
    "invalid cron, a source's": ('[sources.bbc.schedule]\ncron = "every day"\n', "sources.bbc.schedule.cron"),
    "a source without code, without hosts": ("[sources.cnn]\nenabled = true\n", "sources.cnn.allowed_hosts"),
    "an outlet's bad article pattern": (
        '[sources.cnn]\nallowed_hosts = ["edition.cnn.com"]\nfeeds = ["https://edition.cnn.com/rss"]\n'
        "article_url = '^/(?P<id>[0-9]+'\n", "sources.cnn.article_url"),
    "unknown source in a topic": ('[topics.kazakhstan-unrest]\nsources = ["cnn"]\n',
                                  "topics.kazakhstan-unrest.sources"),
    "unknown topic in a subscription": ('[[subscriptions]]\nto = ["desk@example.org"]\ntopics = ["sport"]\n',
                                        "subscriptions[0].topics"),
    "unknown source in a subscription": ('[[subscriptions]]\nto = ["desk@example.org"]\nsources = ["cnn"]\n',
                                         "subscriptions[0].sources"),
    "a password in the file": ('[smtp]\npassword = "hunter2"\n', "smtp.password"),
}
COMMANDS = {
    "status": ["status"],
    "crawl": ["crawl", "--source", "liputan6"],
    "watch": ["watch"],
    "alerts deliver": ["alerts", "deliver"],
    "alerts preview": ["alerts", "preview", "--out", "preview"],
}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and not k.endswith("_proxy")}
    env["PYTHONPATH"] = str(REPO)
    # offline(): crawl and watch get LoopbackOnlyResolver, should one ever get past its config.
    return subprocess.run([sys.executable, "-m", "crawler", *offline(args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newswatch: error: ")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Traceback" not in result.stderr + result.stdout


def _configured(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "bad.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{(tmp_path / "nw.db").as_posix()}"\n\n{text}',
                      encoding="utf-8")
    return config


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_naming_the_key(case: str, tmp_path: Path) -> None:
    text, key = BAD_CONFIGS[case]
    config = _configured(tmp_path, text)
    result = run(["status", "--config", str(config)], tmp_path)
    assert_one_line_error(result, "bad.toml", f" {key}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # no database, no data/


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_bad_config_before_running(command: str, tmp_path: Path) -> None:
    config = _configured(tmp_path, '[schedule]\ncron = "61 * * * *"\n')
    result = run([*COMMANDS[command], "--config", str(config)], tmp_path)
    assert_one_line_error(result, "bad.toml", " schedule.cron: ", "61 * * * *")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    config = _configured(tmp_path, "[crawl]\ntimeout = \n")
    result = run(["status", "--config", str(config)], tmp_path)
    assert_one_line_error(result, "bad.toml", "line 5")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_missing_config_file(tmp_path: Path) -> None:
    result = run(["status", "--config", str(tmp_path / "absent.toml")], tmp_path)
    assert_one_line_error(result, "absent.toml")
    assert list(tmp_path.iterdir()) == []
