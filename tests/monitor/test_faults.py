"""Fault cases of the watch daemon: a mail server that is down, a crawl that hangs, signals and SIGKILL.

Real daemon processes (`python -m crawler watch`), a real SMTP server, a real SQLite file; the site is the
scripted BBC-like feed (tests/monitor/site.py).
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, update

from crawler.core.times import utc_iso
from storage import Store
from storage.schema import deliveries
from tests.monitor.helpers import Daemon, db_url, plain_text, wait_until, watch_once, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer


def _site(server: LoopbackServer) -> ScriptedFeedSite:
    site = ScriptedFeedSite(server)
    site.publish(story("c1aaaaaaaaao", "Kazakhstan fuel protests spread to Almaty", day=3))
    site.publish(story("c2bbbbbbbbbo", "Tokayev declares a state of emergency in Kazakhstan", day=4))
    return site


def _runs(config: Path) -> list:
    with Store.open(db_url(config)) as store:
        return store.recent_runs("bbc", limit=50)


def _message_ids(smtp: LoopbackSmtpServer) -> list[str]:
    return [str(m.message["Message-ID"]) for m in smtp.received()]


def _announced(smtp: LoopbackSmtpServer, title: str) -> int:
    """In how many of the received mails a story's title appears."""
    return sum(title in plain_text(m.message) for m in smtp.received())


TITLES = ("Kazakhstan fuel protests spread to Almaty", "Tokayev declares a state of emergency in Kazakhstan")

# For the crawls that hang: the crawl timeout the tests wait out, short but long enough for the crawl to start
# and record its run. A stopped crawl still waits for its request in flight (Scrapy closes gracefully), so the
# request's own timeout (crawl.timeout, 10 s otherwise) bounds the cycle too; it must be the longer of two,
# or the request would fail first and the crawl finish instead of timing out.
HANGING = {"crawl_timeout": 4, "download_timeout": 5.0}


def test_smtp_down_for_two_cycles_then_up(loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer,
                                          tmp_path: Path) -> None:
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    smtp_server.refuse_connections()

    first = watch_once(config, "--source", "bbc")
    assert first.returncode == 0, first.log
    assert "connection refused" in first.log
    assert "retrying 0" not in first.log  # the baseline digest waits in the outbox
    site.publish(story("c4ddddddddwo", "CSTO troops arrive in Kazakhstan", day=6))
    second = watch_once(config, "--source", "bbc")
    assert second.returncode == 0, second.log
    assert "retrying 0" not in second.log
    assert smtp_server.received() == []

    smtp_server.accept_connections()
    third = watch_once(config, "--source", "bbc")
    assert third.returncode == 0, third.log
    ids = _message_ids(smtp_server)
    assert len(ids) == 2, ids  # the baseline digest and the one new story, each once
    subjects = " | ".join(str(m.message["Subject"]) for m in smtp_server.received())
    assert "CSTO troops arrive in Kazakhstan" in subjects

    fourth = watch_once(config, "--source", "bbc")
    assert fourth.returncode == 0, fourth.log
    assert _message_ids(smtp_server) == ids


def test_a_crawl_that_hangs_is_stopped_and_recorded_as_failed(loopback_server: LoopbackServer,
                                                              smtp_server: LoopbackSmtpServer,
                                                              tmp_path: Path) -> None:
    site = _site(loopback_server)
    site.delays["feed"] = 60.0  # the feed never answers within the crawl's time
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, **HANGING)

    started = time.monotonic()
    hung = watch_once(config, "--source", "bbc")
    assert hung.returncode == 1, hung.log
    assert time.monotonic() - started < 40
    assert "cycle 1: bbc timeout" in hung.log
    runs = _runs(config)
    assert len(runs) == 1 and runs[0].outcome == "timeout" and runs[0].finished_at

    # The schedule goes on: the next cycle crawls normally once the site answers again (with the usual
    # timeout, so that a loaded machine does not make this crawl time out too).
    site.delays.clear()
    write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    recovered = watch_once(config, "--source", "bbc")
    assert recovered.returncode == 0, recovered.log
    assert [r.outcome for r in _runs(config)] == ["finished", "timeout"]
    assert smtp_server.received()  # the stories found are announced


def test_daemon_times_out_a_hanging_crawl_and_keeps_running(loopback_server: LoopbackServer,
                                                             smtp_server: LoopbackSmtpServer,
                                                             tmp_path: Path) -> None:
    site = _site(loopback_server)
    site.delays["c2bbbbbbbbbo"] = 60.0
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, **HANGING)
    daemon = Daemon(config).start()
    try:
        daemon.wait_for("cycle 1: bbc timeout", timeout=60)
        assert daemon.process is not None and daemon.process.poll() is None
        assert [r.outcome for r in _runs(config)] == ["timeout"]
        assert daemon.terminate() == 0
    finally:
        daemon.stop_if_running()


def test_sigterm_during_a_crawl_exits_0_records_the_run_and_sends_nothing(
        loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    site = _site(loopback_server)
    site.delays["c2bbbbbbbbbo"] = 60.0
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    daemon = Daemon(config).start()
    try:
        wait_until(lambda: loopback_server.paths("/bbc/news/articles/c2bbbbbbbbbo"), timeout=60,
                   what="the slow article to be requested")
        started = time.monotonic()
        assert daemon.terminate(timeout=30) == 0, daemon.log
        assert time.monotonic() - started < 20
    finally:
        daemon.stop_if_running()
    runs = _runs(config)
    assert len(runs) == 1 and runs[0].outcome == "interrupted" and runs[0].finished_at
    assert smtp_server.received() == []

    # Restarted: an interrupted run does not count, so the source is crawled at once; every story is
    # announced once (what the interrupted run stored, too).
    site.delays.clear()
    again = Daemon(config).start()
    try:
        again.wait_for("cycle 1: bbc finished", timeout=60)
        wait_until(lambda: all(_announced(smtp_server, t) for t in TITLES), what="the alerts")
        time.sleep(1.5)
        assert [_announced(smtp_server, t) for t in TITLES] == [1, 1]
        assert again.terminate() == 0
    finally:
        again.stop_if_running()
    assert "next crawl now" in again.log


def test_sigkill_mid_crawl_then_restart_loses_nothing_and_sends_nothing_twice(
        loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    site = _site(loopback_server)
    site.delays["c2bbbbbbbbbo"] = 60.0
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    daemon = Daemon(config).start()
    try:
        wait_until(lambda: loopback_server.paths("/bbc/news/articles/c2bbbbbbbbbo"), timeout=60,
                   what="the slow article to be requested")
        time.sleep(0.5)  # the other article is stored by now
    finally:
        daemon.kill()
    runs = _runs(config)
    assert len(runs) == 1 and runs[0].finished_at is None  # killed: the run never finished

    site.delays.clear()
    restarted = Daemon(config).start()
    try:
        restarted.wait_for("cycle 1: bbc finished", timeout=60)
        wait_until(lambda: all(_announced(smtp_server, t) for t in TITLES), what="the alerts")
        time.sleep(1.5)
        assert restarted.terminate() == 0
    finally:
        restarted.stop_if_running()
    # The run killed mid-crawl never finished, so the restarted one is the first: one baseline digest.
    assert len(smtp_server.received()) == 1
    assert [_announced(smtp_server, t) for t in TITLES] == [1, 1]


def test_sigkill_mid_delivery_then_restart_delivers_once(loopback_server: LoopbackServer,
                                                         smtp_server: LoopbackSmtpServer,
                                                         tmp_path: Path) -> None:
    """Killed while the server holds the message un-acknowledged: the lease runs out, and the restarted run
    sends it once; the server never accepted the first attempt."""
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, smtp_timeout=2.0)
    smtp_server.stall, smtp_server.stall_seconds = "data", 30.0

    def claimed() -> bool:
        with Store.open(db_url(config)) as store:
            soon = datetime.now(UTC) + timedelta(seconds=30)
            pending = store.deliveries.pending()
        return any(d.due_at and datetime.fromisoformat(d.due_at) > soon for d in pending)

    daemon = Daemon(config).start()
    try:
        wait_until(claimed, timeout=60, interval=0.05, what="a delivery to be claimed")
        time.sleep(0.3)  # in DATA now, waiting for the server's answer
    finally:
        daemon.kill()
    smtp_server.stall = None
    assert smtp_server.received() == []

    early = watch_once(config)  # still leased: nothing is sent twice while the lease holds
    assert early.returncode == 0, early.log
    assert smtp_server.received() == []

    # The lease: 4 x the SMTP timeout or the 30 s channel send deadline, whichever is longer, plus the 60 s
    # margin (crawler/notify/delivery.py), counted from the claim. Rather than wait 90 s for it to run out,
    # the test moves the lease's end into the past, as the clock would.
    with Store.open(db_url(config)) as store:
        leased_until = max(datetime.fromisoformat(d.due_at) for d in store.deliveries.pending())
    assert leased_until - datetime.now(UTC) > timedelta(seconds=60)
    engine = create_engine(db_url(config))
    try:
        with engine.begin() as connection:
            past = utc_iso(datetime.now(UTC) - timedelta(seconds=1))
            lease = deliveries.c.due_at == utc_iso(leased_until)
            aged = connection.execute(update(deliveries).where(lease).values(due_at=past))
            assert aged.rowcount >= 1  # the rows of the one message it was sending
    finally:
        engine.dispose()
    late = watch_once(config)
    assert late.returncode == 0, late.log
    assert len(smtp_server.received()) == 1
    assert "no source due" in late.log  # the crawl had finished: not repeated


def test_restart_resumes_the_schedule(loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer,
                                      tmp_path: Path) -> None:
    site = _site(loopback_server)
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, interval_minutes=30)
    daemon = Daemon(config).start()
    try:
        daemon.wait_for("cycle 1: bbc finished", timeout=60)
        assert daemon.terminate() == 0
    finally:
        daemon.stop_if_running()
    feed_requests = len(loopback_server.paths("/bbcfeeds/"))

    restarted = Daemon(config).start()
    try:
        restarted.wait_for("watching bbc: next crawl 20", timeout=60)  # a time, not "now"
        time.sleep(3)
        assert len(loopback_server.paths("/bbcfeeds/")) == feed_requests
        restarted.signal(signal.SIGINT)
        assert restarted.wait() == 0
    finally:
        restarted.stop_if_running()
    assert len(_runs(config)) == 1
    assert len(smtp_server.received()) == 1
