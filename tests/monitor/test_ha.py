"""Several `newswatch watch` daemons on one database: on PostgreSQL one leads and the others stand by and take
over when it dies; on SQLite a second daemon refuses to start.

Real daemon processes, a real SMTP server, the scripted BBC-like feed site (tests/monitor/site.py), and a
PostgreSQL database of each test's own (tests/databases.py: skipped without the server, failed under CI).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Store
from tests.databases import postgres_database
from tests.monitor.helpers import REPO, Daemon, _env, command, plain_text, wait_until, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer

TITLES = ("Kazakhstan fuel protests spread to Almaty", "Tokayev declares a state of emergency in Kazakhstan")
SLOW = "c2bbbbbbbbbo"
POLL = 1.0  # --standby-poll of these tests


def _site(server: LoopbackServer) -> ScriptedFeedSite:
    site = ScriptedFeedSite(server)
    site.publish(story("c1aaaaaaaaao", TITLES[0], day=3))
    site.publish(story(SLOW, TITLES[1], day=4))
    return site


def _mailbox(smtp: LoopbackSmtpServer) -> list[tuple[str, tuple[int, ...]]]:
    """Each mail as (recipient, how often each title appears in it), in a stable order."""
    return sorted((str(m.message["To"]), tuple(plain_text(m.message).count(t) for t in TITLES))
                  for m in smtp.received())


def _leader(config: Path, *args: str) -> str | None:
    """`newswatch status --format json`'s monitor leader."""
    cmd = [sys.executable, "-m", "crawler", "status", "--config", str(config), "--format", "json", *args]
    done = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)["monitor"]["leader"]


def _announced_all(smtp: LoopbackSmtpServer) -> bool:
    return all(any(t in plain_text(m.message) for m in smtp.received()) for t in TITLES)


def test_second_daemon_on_a_sqlite_file_refuses_to_start_with_one_line(
        loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    first = Daemon(config).start()
    try:
        first.wait_for("watching bbc", timeout=60)
        for extra in ((), ("--once",)):
            second = subprocess.run(command(config, *extra), cwd=REPO, env=_env(), capture_output=True,
                                    text=True, timeout=60, check=False)
            assert second.returncode == 2, second.stderr
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1, second.stderr
            assert lines[0].startswith("newswatch: error: another newswatch watch (newswatch watch "
                                       f"{first.process.pid}@") if first.process else False
            assert "is already running on sqlite:///" in lines[0] and "use PostgreSQL" in lines[0]
        assert first.process is not None and first.process.poll() is None  # the first one carries on
        assert _leader(config) == f"newswatch watch {first.process.pid}@{socket.gethostname()}"
    finally:
        assert first.terminate() == 0
    assert _leader(config) is None
    # Once it has stopped, a new daemon starts as usual.
    again = Daemon(config).start()
    try:
        again.wait_for("watching bbc", timeout=60)
    finally:
        assert again.terminate() == 0


def _fault_free_mailbox(site: ScriptedFeedSite, smtp: LoopbackSmtpServer, directory: Path) -> list:
    """The mails one daemon sends for the site, nothing going wrong: the run to compare with."""
    config = write_config(directory, routes=site.routes(), smtp_port=smtp.port)
    with postgres_database() as url:
        daemon = Daemon(config, "--db", url).start()
        try:
            daemon.wait_for("cycle 1: bbc finished", timeout=90)
            wait_until(lambda: _announced_all(smtp), timeout=60, what="the alerts")
            time.sleep(1.0)
        finally:
            assert daemon.terminate() == 0
    return _mailbox(smtp)


def test_killing_the_leader_mid_crawl_hands_over_and_sends_what_a_fault_free_run_sends(
        loopback_server: LoopbackServer, smtp_server_factory: object, tmp_path: Path) -> None:
    site = _site(loopback_server)
    reference_smtp = smtp_server_factory()  # type: ignore[operator]
    (tmp_path / "reference").mkdir()
    reference = _fault_free_mailbox(site, reference_smtp, tmp_path / "reference")
    assert reference and sum(n for _, counts in reference for n in counts) == len(TITLES)

    smtp = smtp_server_factory()  # type: ignore[operator]
    asked_before = len(loopback_server.paths(f"/bbc/news/articles/{SLOW}"))
    site.delays[SLOW] = 60.0  # the leader is killed while this page keeps it waiting
    (tmp_path / "ha").mkdir()
    config = write_config(tmp_path / "ha", routes=site.routes(), smtp_port=smtp.port)
    with postgres_database() as url:
        leader = Daemon(config, "--db", url, "--standby-poll", str(POLL)).start()
        standby = Daemon(config, "--db", url, "--standby-poll", str(POLL))
        try:
            leader.wait_for("leading the monitor on postgresql", timeout=60)
            standby.start()
            standby.wait_for("standby: newswatch watch ", timeout=60)
            assert leader.process is not None and f"watch {leader.process.pid}@" in standby.log
            wait_until(lambda: len(loopback_server.paths(f"/bbc/news/articles/{SLOW}")) > asked_before,
                       timeout=60,
                       what="the slow article to be requested")
            time.sleep(0.5)  # the other article is stored by now: the leader dies mid-crawl
            site.delays.clear()
            leader.kill()
            killed_at = time.monotonic()
            standby.wait_for("leading the monitor on postgresql", timeout=30)
            handover = time.monotonic() - killed_at
            assert handover < POLL + 2.0, handover  # within one poll (and a little process scheduling)
            standby.wait_for("cycle 1: bbc finished", timeout=90)
            wait_until(lambda: _announced_all(smtp), timeout=60, what="the alerts")
            time.sleep(1.5)
            assert standby.terminate() == 0
        finally:
            leader.stop_if_running()
            standby.stop_if_running()
        with Store.open(url) as store:
            runs = sorted(store.recent_runs("bbc", limit=10), key=lambda r: r.id)
    # The killed leader's run never finished; the new leader's started after it died and finished: the
    # crawls never overlapped, and what went out is exactly what the fault-free run sent.
    assert [(r.finished_at is None, r.outcome) for r in runs] == [(True, None), (False, "finished")]
    assert _mailbox(smtp) == reference


def test_standby_stops_cleanly_while_waiting(loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer,
                                             tmp_path: Path) -> None:
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    with postgres_database() as url:
        leader = Daemon(config, "--db", url, "--standby-poll", str(POLL)).start()
        standby = Daemon(config, "--db", url, "--standby-poll", str(POLL))
        try:
            leader.wait_for("leading the monitor on postgresql", timeout=60)
            standby.start()
            standby.wait_for("standby: ", timeout=60)
            assert leader.process is not None
            leading = f"newswatch watch {leader.process.pid}@{socket.gethostname()}"
            assert _leader(config, "--db", url) == leading
            once = subprocess.run(command(config, "--once", "--db", url), cwd=REPO, env=_env(),
                                  capture_output=True, text=True, timeout=60, check=False)
            assert once.returncode == 2 and "leads the monitor on postgresql" in once.stderr, once.stderr
            assert standby.terminate() == 0
            assert "leading the monitor" not in standby.log and "cycle " not in standby.log
        finally:
            leader.stop_if_running()
            standby.stop_if_running()


@pytest.mark.slow
def test_killing_the_leader_mid_delivery_hands_over_and_sends_each_alert_once(
        loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    """Killed while the mail server holds the message un-acknowledged: the new leader sends it once, after the
    dead leader's claim (its lease) has run out. About 3 minutes: the lease is 60 s past the send deadline."""
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, smtp_timeout=2.0)
    smtp_server.stall, smtp_server.stall_seconds = "data", 30.0
    with postgres_database() as url:
        leader = Daemon(config, "--db", url, "--standby-poll", str(POLL)).start()
        standby = Daemon(config, "--db", url, "--standby-poll", str(POLL))
        try:
            leader.wait_for("leading the monitor on postgresql", timeout=60)
            standby.start()
            standby.wait_for("standby: ", timeout=60)

            def claimed() -> bool:
                with Store.open(url) as store:
                    soon = datetime.now(UTC) + timedelta(seconds=30)
                    return any(d.due_at and datetime.fromisoformat(d.due_at) > soon
                               for d in store.deliveries.pending())

            wait_until(claimed, timeout=90, interval=0.1, what="a delivery to be claimed")
            time.sleep(0.3)  # in DATA now, waiting for the server's answer
            leader.kill()
            smtp_server.stall = None
            standby.wait_for("leading the monitor on postgresql", timeout=30)
            assert smtp_server.received() == []
            wait_until(lambda: _announced_all(smtp_server), timeout=240, interval=0.5, what="the alerts")
            time.sleep(2.0)
            assert standby.terminate() == 0
        finally:
            leader.stop_if_running()
            standby.stop_if_running()
        with Store.open(url) as store:
            runs = store.recent_runs("bbc", limit=10)
    assert len(runs) == 1 and runs[0].outcome == "finished"  # the crawl had finished: not repeated
    # What a fault-free run sends (test above): one baseline digest naming each story once.
    assert _mailbox(smtp_server) == [("desk@newswatch.test", (1, 1))]
