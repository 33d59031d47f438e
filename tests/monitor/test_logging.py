"""--log-level and --log-format on real `newswatch watch --once` and `newswatch crawl` subprocesses: logs on
stderr, as text or one JSON object a line; the crawl writes no log file unless asked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.monitor.helpers import TEST_SETTINGS, _env, db_url, watch_once, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer


def _site(server: LoopbackServer) -> ScriptedFeedSite:
    site = ScriptedFeedSite(server)
    site.publish(story("c1aaaaaaaaao", "Kazakhstan fuel protests spread to Almaty", day=3))
    return site


def test_json_log_lines_on_stderr(loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer,
                                  tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=_site(loopback_server).routes(), smtp_port=smtp_server.port)
    done = watch_once(config, "--source", "bbc", "--log-format", "json")
    assert done.returncode == 0, done.log
    records = [json.loads(line) for line in done.log.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    [cycle] = [r for r in records if r["message"].startswith("cycle 1: bbc finished")]
    assert (cycle["level"], cycle["logger"]) == ("info", "crawler.monitor.watch")
    assert cycle["time"].endswith("+00:00")


def test_log_level_on_the_group_or_the_command(loopback_server: LoopbackServer,
                                               smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=_site(loopback_server).routes(), smtp_port=smtp_server.port)
    quiet = watch_once(config, "--source", "bbc", "--log-level", "warning")
    assert quiet.returncode == 0, quiet.log
    assert "cycle 1:" not in quiet.log and "INFO" not in quiet.log
    # The group's option, given before the verb, and in the environment: the same effect.
    cmd = [sys.executable, "-m", "crawler", "--log-level", "debug", "watch", "--config", str(config),
           "--once", "--source", "bbc", *[f"--set={k}={v}" for k, v in TEST_SETTINGS.items()]]
    loud = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120, check=False)
    assert loud.returncode == 0, loud.stderr
    assert " DEBUG asyncio: " in loud.stderr and " INFO scrapy." in loud.stderr and "cycle 1:" in loud.stderr
    env = {**_env(), "NEWSWATCH_LOG_FORMAT": "json"}
    cmd = [sys.executable, "-m", "crawler", "watch", "--config", str(config), "--once", "--source", "bbc",
           *[f"--set={k}={v}" for k, v in TEST_SETTINGS.items()]]
    from_env = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert from_env.returncode == 0, from_env.stderr
    assert any(json.loads(line)["message"].startswith("cycle 1:") for line in from_env.stderr.splitlines())


def test_crawl_writes_no_log_file_unless_asked(loopback_server: LoopbackServer,
                                               smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, routes=_site(loopback_server).routes(), smtp_port=smtp_server.port)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    cmd = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", db_url(config),
           "--source", "bbc", *[f"--set={k}={v}" for k, v in TEST_SETTINGS.items()]]
    done = subprocess.run(cmd, cwd=workdir, env=_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("bbc: finished")
    assert list(workdir.iterdir()) == []  # nothing written where it ran
    log = tmp_path / "logs" / "crawl.log"
    done = subprocess.run([*cmd, "--log-file", str(log)], cwd=workdir, env=_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "INFO: Spider opened" in log.read_text(encoding="utf-8") and list(workdir.iterdir()) == []
