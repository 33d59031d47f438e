"""Secrets, the whole path: the SMTP password (a distinctive value, from an environment variable or from a
secret file) and a wrong one never appear in any output of `newswatch crawl`, `alerts deliver`, `alerts
test`, `status`, `watch --once`, in their log files, in the crawl_runs stats or in the raw SQLite bytes
(database, WAL and shared-memory files).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from tests.notify.mail.conftest import smtp_server, smtp_server_factory  # noqa: F401
from tests.notify.mail.smtpserver import TEST_PASSWORD, TEST_USERNAME, LoopbackSmtpServer
from tests.reliability.faults_helpers import (
    FAST_SETTINGS,
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    articles,
    query,
    run_newswatch,
    settings_args,
)

PASSWORD_ENV = "NEWSWATCH_E2E_SMTP_PASSWORD"
WRONG = "Wr0ng-e2e-Pa55-9c1f7a"  # distinctive too: a refused password must not leak either


def _forms(secret: str) -> list[bytes]:
    """The password as text and as the SMTP AUTH encodings (LOGIN: base64 of it; PLAIN: \\0user\\0pass)."""
    return [secret.encode(), base64.b64encode(secret.encode()),
            base64.b64encode(f"\0{TEST_USERNAME}\0{secret}".encode())]


def _assert_clean(data: str | bytes, where: str) -> None:
    blob = data.encode() if isinstance(data, str) else data
    for secret in (TEST_PASSWORD, WRONG):
        for form in _forms(secret):
            assert form not in blob, f"a password leaked into {where}"


@pytest.mark.parametrize("how", ["env", "file"])
def test_smtp_password_never_leaks(how: str, tmp_path: Path,
                                   smtp_server: LoopbackSmtpServer) -> None:  # noqa: F811
    smtp_server.auth_required = True
    setup = CrawlSetup(tmp_path)
    secret_file = tmp_path / "smtp-password"
    smtp = {"host": smtp_server.host, "port": smtp_server.port, "security": "none",
            "username": TEST_USERNAME, "timeout": 5.0, "from_address": "alerts@newswatch.test"}
    if how == "env":
        smtp["password_env"] = PASSWORD_ENV
    else:
        smtp["password_env"] = ""
        smtp["password_file"] = secret_file.name  # relative to the config file

    def set_password(value: str) -> dict[str, str]:
        secret_file.write_text(value + "\n", encoding="utf-8")
        return {PASSWORD_ENV: value} if how == "env" else {}

    # A short retry backoff: the right password's delivery need not wait long for the wrong one's retry.
    setup.configure(smtp=smtp, subscriptions=[{"to": ["desk@example.org"], "mode": "immediate"}],
                    retry_backoff=0.2)
    outputs: dict[str, str] = {}
    with FaultServer() as server:
        site = Liputan6Site(server, articles(2))
        crawl = setup.crawl([site.route()], env=set_password(TEST_PASSWORD))
        assert crawl.returncode == 0, crawl.everything[-2000:]
        outputs["crawl"] = crawl.everything

        # A wrong password first: delivery fails (535), the alerts stay queued.
        wrong_env = set_password(WRONG)
        deliver = ["alerts", "deliver", "--config", str(setup.config_path)]
        bad = run_newswatch(deliver, tmp_path, env=wrong_env)
        outputs["deliver (wrong password)"] = bad.stdout + bad.stderr
        assert "authentication failed" in outputs["deliver (wrong password)"].lower()
        probe = run_newswatch(["alerts", "test", "--config", str(setup.config_path), "--to", "x@example.org"],
                              tmp_path, env=wrong_env)
        assert probe.returncode == 2
        outputs["alerts test (wrong password)"] = probe.stdout + probe.stderr
        debug = run_newswatch(["--debug", "alerts", "test", "--config", str(setup.config_path), "--to",
                               "x@example.org"], tmp_path, env=wrong_env)
        outputs["alerts test --debug (traceback)"] = debug.stdout + debug.stderr

        right_env = set_password(TEST_PASSWORD)
        time.sleep(0.4)  # past the retry backoff (0.2 s in this config)
        good = run_newswatch(deliver, tmp_path, env=right_env)
        outputs["deliver"] = good.stdout + good.stderr
        assert len(smtp_server.received()) == 2
        watch = run_newswatch(["watch", "--once", "--source", "liputan6", "--config", str(setup.config_path),
                               "--route", site.route(), *settings_args(FAST_SETTINGS)], tmp_path,
                              env=right_env)
        assert watch.returncode == 0, watch.stderr[-2000:]
        outputs["watch --once"] = watch.stdout + watch.stderr
        for fmt in ("text", "json"):
            status = run_newswatch(["status", "--config", str(setup.config_path), "--format", fmt], tmp_path,
                                   env=right_env)
            assert status.returncode == 0, status.stderr
            outputs[f"status {fmt}"] = status.stdout + status.stderr

    assert smtp_server.auth_attempts and any(not a.success for a in smtp_server.auth_attempts)
    for where, text in outputs.items():
        _assert_clean(text, where)
    for log in tmp_path.rglob("*.log"):
        _assert_clean(log.read_bytes(), log.name)
    stats = [row[0] or "" for row in query(setup.db_path, "SELECT stats FROM crawl_runs")]
    assert len(stats) == 2 and all(json.loads(s) for s in stats)
    _assert_clean("\n".join(stats), "crawl_runs stats")
    errors = [row[0] or "" for row in query(setup.db_path, "SELECT last_error FROM deliveries")]
    _assert_clean("\n".join(errors), "stored delivery errors")
    files = list(tmp_path.glob("news.db*"))
    assert files
    for path in files:  # the database, its WAL and shared-memory files, byte by byte
        _assert_clean(path.read_bytes(), path.name)
