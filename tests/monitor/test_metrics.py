"""`newswatch watch --metrics-port`: Prometheus metrics and /healthz scraped from a real daemon subprocess on
loopback, compared with what its database holds; the health verdict's clock rules on a real Store."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from crawler.config import load_config
from crawler.monitor.metrics import WatchMetrics, channel_of
from crawler.monitor.watch import CycleReport, SourceResult
from storage import Store
from tests.monitor.helpers import REPO, Daemon, _env, command, db_url, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer

# No proxy may see loopback traffic.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _site(server: LoopbackServer) -> ScriptedFeedSite:
    site = ScriptedFeedSite(server)
    site.publish(story("c1aaaaaaaaao", "Kazakhstan fuel protests spread to Almaty", day=3))
    site.publish(story("c2bbbbbbbbbo", "Tokayev declares a state of emergency in Kazakhstan", day=4))
    site.publish(story("c3cccccccco", "Village bakery wins a prize", relevant=False, day=4))
    return site


def _port(daemon: Daemon) -> int:
    daemon.wait_for("/healthz", timeout=60)
    found = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", daemon.log)
    assert found, daemon.log
    return int(found.group(1))


def _get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with OPENER.open(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def _scrape(port: int) -> Samples:
    status, content_type, text = _get(port, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _db(config: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_url(config).removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchall()


def test_metrics_and_health_of_a_working_daemon(loopback_server: LoopbackServer,
                                                smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    daemon = Daemon(config, "--metrics-port", "0").start()
    try:
        port = _port(daemon)
        daemon.wait_for("cycle 1: bbc finished", timeout=90)
        samples = _scrape(port)
        status, content_type, body = _get(port, "/healthz")
        missing, _, _ = _get(port, "/nothing")
        assert daemon.terminate() == 0, daemon.log
    finally:
        daemon.stop_if_running()

    assert samples[("newswatch_crawls_total", (("outcome", "finished"), ("source", "bbc")))] == 1
    [(stored,)] = _db(config, "SELECT count(*) FROM articles WHERE source = 'bbc'")
    assert stored == 2  # the two relevant stories
    assert samples[("newswatch_articles_total", (("change", "new"), ("source", "bbc")))] == stored
    assert samples[("newswatch_articles_total", (("change", "updated"), ("source", "bbc")))] == 0
    assert samples[("newswatch_cycles_total", (("result", "ok"),))] == 1
    # The baseline digest went out: its delivery rows are "sent", by the e-mail channel.
    sent = dict(_db(config, "SELECT status, count(*) FROM deliveries GROUP BY status"))
    assert sent == {"sent": 2} and len(smtp_server.received()) == 1
    assert samples[("newswatch_deliveries", (("channel", "email"), ("status", "sent")))] == 2
    assert samples[("newswatch_deliveries", (("channel", "email"), ("status", "pending")))] == 0
    assert samples[("newswatch_deliveries", (("channel", "email"), ("status", "failed")))] == 0
    [(finished_at,)] = _db(config, "SELECT finished_at FROM crawl_runs WHERE outcome = 'finished'")
    assert samples[("newswatch_last_success_timestamp_seconds", (("source", "bbc"),))] == \
        datetime.fromisoformat(finished_at).timestamp()
    assert samples[("newswatch_outbox_oldest_age_seconds", ())] == 0
    assert samples[("newswatch_healthy", ())] == 1
    assert samples[("newswatch_database_up", ())] == 1
    assert (status, content_type) == (200, "application/json")
    health = json.loads(body)
    assert health["status"] == "ok" and health["last_cycle_ok"] is True
    assert health["window_seconds"] == 15 * 60 + 60  # the interval plus the crawl timeout
    assert missing == 404


def test_health_is_503_after_a_failed_cycle(loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer,
                                            tmp_path: Path) -> None:
    site = _site(loopback_server)
    site.delays["c2bbbbbbbbbo"] = 60.0  # the crawl hangs on this page until its timeout
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, crawl_timeout=5)
    daemon = Daemon(config, "--metrics-port", "0").start()
    try:
        port = _port(daemon)
        status, _, body = _get(port, "/healthz")
        assert status == 200 and json.loads(body)["reason"] == "starting: no cycle yet"
        daemon.wait_for("cycle 1: bbc timeout", timeout=60)
        status, _, body = _get(port, "/healthz")
        samples = _scrape(port)
        assert daemon.terminate() == 0, daemon.log
    finally:
        daemon.stop_if_running()
    assert status == 503
    assert json.loads(body) == {**json.loads(body), "status": "unhealthy", "reason": "the last cycle failed",
                                "last_cycle_ok": False}
    assert samples[("newswatch_crawls_total", (("outcome", "timeout"), ("source", "bbc")))] == 1
    assert samples[("newswatch_cycles_total", (("result", "failed"),))] == 1
    assert samples[("newswatch_healthy", ())] == 0
    assert ("newswatch_last_success_timestamp_seconds", (("source", "bbc"),)) not in samples
    # The one story stored before the timeout waits in the outbox: the baseline is held for a finished run.
    pending_events = _db(config, "SELECT count(*) FROM events WHERE dispatched_at IS NULL")[0][0]
    assert (samples[("newswatch_outbox_oldest_age_seconds", ())] > 0) == (pending_events > 0)


def test_metrics_port_in_use_or_with_once_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, routes={}, smtp_port=1)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        done = subprocess.run(command(config, "--metrics-port", str(port)), cwd=REPO, env=_env(),
                              capture_output=True, text=True, timeout=60, check=False)
    finally:
        taken.close()
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"newswatch: error: --metrics-port: cannot listen on 127.0.0.1:{port}: Address already in use"]
    done = subprocess.run(command(config, "--once", "--metrics-port", "9464"), cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "newswatch: error: --metrics-port serves the daemon's metrics: it cannot be used with --once"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _report(number: int, ended: float, outcome: str = "finished") -> CycleReport:
    report = CycleReport(number, ended - 5.0, [SourceResult("bbc", outcome, summary={"new": 1})])
    report.seconds = 5.0
    return report


def test_health_follows_the_watch_window(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.toml"
    path.write_text('[storage]\nurl = "sqlite:///news.db"\n[schedule]\ninterval_minutes = 10\n'
                    "jitter_seconds = 0\n[watch]\ncrawl_timeout_seconds = 120\n", encoding="utf-8")
    config = load_config(path)
    clock = Clock()
    with Store.open(f"sqlite:///{tmp_path / 'news.db'}") as store:
        metrics = WatchMetrics(config, store, ["bbc"], timeout=120.0, clock=clock)
        assert metrics.window == 600 + 120
        assert metrics.health()[0]  # starting, within one window of the start
        clock.now += 721
        assert metrics.health() == (False, {**metrics.health()[1], "reason": (
            "no cycle within the watch window since the start")})
        metrics.record_cycle(_report(1, clock.now))
        assert metrics.health()[0]
        clock.now += 720
        assert metrics.health()[0]
        clock.now += 1
        assert metrics.health()[1]["reason"] == "the last cycle is older than the watch window"
        metrics.record_cycle(_report(2, clock.now, outcome="timeout"))
        assert metrics.health()[1]["reason"] == "the last cycle failed"
        metrics.record_cycle(_report(3, clock.now))
        assert metrics.health()[0]
        metrics.refresh()
        assert metrics.registry.get_sample_value("newswatch_healthy") == 1


@pytest.mark.parametrize(("recipient", "channel"), [
    ("desk@example.org", "email"), ("Desk <desk@example.org>", "email"), ("tgram://bot/chat", "tgram"),
    ("JSON://127.0.0.1:8000/hook", "json"), ("mailtos://user:pw@example.org", "mailtos"),
])
def test_channel_of_a_recipient(recipient: str, channel: str) -> None:
    assert channel_of(recipient) == channel
