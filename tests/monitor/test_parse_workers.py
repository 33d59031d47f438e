"""The watch daemon keeps no parse worker between crawls (crawler/crawl/parsepool.py, issue 9, item 4).

The real daemon (tests/monitor/fast_watch.py: run_watch with a 2-second interval) crawls a loopback BBC-like
feed; a new story is published before each crawl, and NEWSWATCH_PARSE_POOL_AFTER=0 makes every crawl start
its parse pool. Between crawls the daemon's process tree holds the fork server (and multiprocessing's
resource tracker), never a worker; every crawl's workers are new processes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.monitor.helpers import REPO, TEST_SETTINGS, Daemon, _env, wait_until, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer

CRAWLS = 4


def _workers(pid: int) -> list[int]:
    """The parse workers below the daemon: the children of its fork server."""
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "forkserver" in " ".join(child.cmdline()):
                found += [worker.pid for worker in child.children()]
        except psutil.Error:
            continue
    return found


def test_the_daemon_keeps_no_parse_worker_between_crawls(
        loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    site = ScriptedFeedSite(loopback_server)
    site.publish(story("c0xxxxxxxxxo", "Kazakhstan fuel protests spread to Almaty", day=3))
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    daemon = Daemon(config)
    daemon._log = daemon._log_path.open("wb")
    scrapy_settings = {**TEST_SETTINGS, "NEWSWATCH_PARSE_POOL_AFTER": 0}
    settings = [f"{name}={value}" for name, value in scrapy_settings.items()]
    env = {**_env(), "NEWSWATCH_CRAWL__PARSE_WORKERS": "1"}
    daemon.process = subprocess.Popen(
        [sys.executable, "-m", "tests.monitor.fast_watch", str(config), "2", *settings],
        cwd=REPO, env=env, stdout=daemon._log, stderr=subprocess.STDOUT)
    seen: set[int] = set()
    between: list[list[int]] = []
    try:
        for crawl in range(1, CRAWLS + 1):
            # While the crawl runs, collect its workers; once its delivery is logged, none may be left.
            deadline = time.monotonic() + 60
            while daemon.log.count("delivery:") < crawl and time.monotonic() < deadline:
                seen.update(_workers(daemon.process.pid))
                time.sleep(0.02)
            wait_until(lambda n=crawl: daemon.log.count("delivery:") >= n, timeout=5,
                       what=f"crawl {crawl}:\n{daemon.log[-3000:]}")
            between.append(_workers(daemon.process.pid))
            site.publish(story(f"c{crawl}xxxxxxxxxo", f"Kazakhstan protests, day {crawl}", day=3 + crawl))
        assert daemon.terminate() == 0
    finally:
        daemon.stop_if_running()
    log = daemon.log
    assert between == [[]] * CRAWLS, between  # no worker outlives its crawl
    assert len(seen) >= 2, log[-3000:]  # workers were there during the crawls, new ones each time
    assert not [pid for pid in seen if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert "Traceback" not in log
