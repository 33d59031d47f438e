"""The watch daemon when its SQLite file is deleted or replaced under it (issue 13, D1).

Each crawl opens the database by its path, but the daemon's own store (health checks, delivery) kept pooled
connections to the file it first opened: after `rm watch.db watch.db-wal watch.db-shm` the next crawl created
a new file and stored its articles there, while delivery kept reading the deleted one and logged "sent 0"
for ever, silently; the same after `mv other.db watch.db`. Now the daemon compares the file it opened with
the one at the path before each health check and delivery, says so in one warning line and reopens it.

The real daemon (tests/monitor/fast_watch.py: run_watch with a 2-second interval) crawls a loopback BBC-like
feed of three stories and mails a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage import Store
from tests.monitor.helpers import REPO, TEST_SETTINGS, Daemon, _env, plain_text, wait_until, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer

TITLES = ["Kazakhstan fuel protests spread to Almaty", "Tokayev declares a state of emergency in Kazakhstan",
          "CSTO troops arrive in Kazakhstan"]


class FastDaemon(Daemon):
    """The daemon with a crawl every `seconds` (tests/monitor/fast_watch.py)."""

    def __init__(self, config: Path, seconds: float) -> None:
        super().__init__(config)
        self.seconds = seconds

    def start(self) -> FastDaemon:
        self._log = self._log_path.open("wb")
        settings = [f"{name}={value}" for name, value in TEST_SETTINGS.items()]
        command = [sys.executable, "-m", "tests.monitor.fast_watch", str(self.config), str(self.seconds)]
        self.process = subprocess.Popen(
            [*command, *settings], cwd=REPO, env=_env(), stdout=self._log, stderr=subprocess.STDOUT)
        return self


def _remove_wal(db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def test_a_deleted_or_replaced_database_is_reopened_and_its_alerts_sent(
        loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    site = ScriptedFeedSite(loopback_server)
    for number, title in enumerate(TITLES, start=1):
        site.publish(story(f"c{number}{'x' * 9}o", title, day=2 + number))
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)
    db = tmp_path / "watch.db"
    daemon = FastDaemon(config, seconds=2.0).start()
    try:
        # The first crawl: the three stories are the baseline, one backlog digest.
        wait_until(lambda: len(smtp_server.received()) == 1, timeout=60,
                   what=f"the first digest:\n{daemon.log}")

        # rm the database and its WAL files: the next crawl creates a new one, whose backlog digest is sent.
        db.unlink()
        _remove_wal(db)
        wait_until(lambda: len(smtp_server.received()) == 2, timeout=40,
                   what=f"a digest from the new database:\n{daemon.log[-3000:]}")
        # The crawl may have created the new file before the daemon looked: "deleted" or "replaced".
        assert daemon.log.count(f"the database file {db} was ") == 1

        # mv another (empty) database over it: the same, and the log says "replaced".
        other = tmp_path / "other.db"
        Store.open(f"sqlite:///{other}").close()
        os.replace(other, db)
        _remove_wal(db)
        wait_until(lambda: len(smtp_server.received()) == 3, timeout=40,
                   what=f"a digest from the moved-in database:\n{daemon.log[-3000:]}")
        assert daemon.log.count(f"the database file {db} was ") == 2
        assert f"the database file {db} was replaced by another file: reopening it" in daemon.log
        assert daemon.terminate() == 0
    finally:
        daemon.stop_if_running()

    mails = smtp_server.received()
    for mail in mails:
        text = plain_text(mail.message)
        assert all(title in text for title in TITLES), text
    # Three databases, one digest each: nothing was sent twice from one file.
    assert [str(m.message["Subject"]) for m in mails] == [str(mails[0].message["Subject"])] * 3
    assert "Traceback" not in daemon.log
