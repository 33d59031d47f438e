"""Mail faults, end to end: a real crawl fills the outbox, `newswatch alerts deliver` (a subprocess) sends to
a real SMTP server on loopback that refuses connections, rejects authentication, refuses or defers one
recipient of three, or stalls mid-message; then the server recovers and delivery runs again.

Figures per case: 3 articles x 3 recipients = 9 alerts expected; at the end every alert was received exactly
once (duplicates 0, lost 0), except those a recipient refused for good (550), which are recorded as failed
with the server's reply and never retried.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notify.mail.conftest import smtp_server, smtp_server_factory  # noqa: F401
from tests.notify.mail.smtpserver import TEST_PASSWORD, TEST_USERNAME, LoopbackSmtpServer
from tests.reliability.faults_helpers import (
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    articles,
    query,
    run_newswatch,
    write_config,
)

PASSWORD_ENV = "NEWSWATCH_RELIABILITY_SMTP_PASSWORD"
RECIPIENTS = ["desk-a@example.org", "desk-b@example.org", "desk-c@example.org"]
FLAKY = "desk-b@example.org"
ARTICLES = articles(3)
EXPECTED = {(to, item.title) for to in RECIPIENTS for item in ARTICLES}  # 9 alerts
# The outbox's retry backoff here: short, so that the second delivery does not wait long for it (what is
# tested is that undelivered alerts wait for the server, not how long the backoff is).
RETRY_BACKOFF = 0.2


@pytest.fixture(scope="module")
def crawled_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database after one real crawl of three relevant articles: three outbox events, one finished run."""
    setup = CrawlSetup(tmp_path_factory.mktemp("mail-crawl"))
    with FaultServer() as server:
        site = Liputan6Site(server, ARTICLES)
        run = setup.crawl([site.route()])
    assert run.returncode == 0, run.everything[-2000:]
    assert len(query(setup.db_path, "SELECT id FROM events")) == 3
    yield setup.db_path


def _world(tmp_path: Path, crawled_db: Path, server: LoopbackSmtpServer, *, timeout: float = 5.0) -> Path:
    db = tmp_path / "news.db"
    shutil.copyfile(crawled_db, db)
    return write_config(tmp_path / "newswatch.toml", db_url=f"sqlite:///{db}", smtp={
        "host": server.host, "port": server.port, "security": "none", "username": TEST_USERNAME,
        "password_env": PASSWORD_ENV, "timeout": timeout, "from_address": "alerts@newswatch.test"},
        subscriptions=[{"to": RECIPIENTS, "topics": ["kazakhstan-unrest"], "mode": "immediate"}],
        retry_backoff=RETRY_BACKOFF)


def _deliver(tmp_path: Path, config: Path) -> str:
    done = run_newswatch(["alerts", "deliver", "--config", str(config)], tmp_path,
                         env={PASSWORD_ENV: TEST_PASSWORD}, timeout=90)
    assert done.returncode == 0, done.stderr  # SMTP trouble is reported, never a crash
    return done.stdout + done.stderr


def _received(server: LoopbackSmtpServer) -> Counter[tuple[str, str]]:
    got: Counter[tuple[str, str]] = Counter()
    for message in server.received():
        subject = str(message.message["Subject"])
        title = next((item.title for item in ARTICLES if item.title in subject), subject)
        for to in message.rcpt_tos:
            got[(to, title)] += 1
    return got


def _statuses(tmp_path: Path) -> Counter[str]:
    return Counter(row[0] for row in query(tmp_path / "news.db", "SELECT status FROM deliveries"))


def _inject(fault: str, server: LoopbackSmtpServer) -> None:
    if fault == "refuse-connections":
        server.refuse_connections()
    elif fault == "reject-auth":
        server.auth_required = True
        server.reject_auth = True
    elif fault == "defer-one-recipient":
        server.defer_recipients.add(FLAKY)
    elif fault == "reject-one-recipient":
        server.reject_recipients.add(FLAKY)
    elif fault == "stall-mid-message":
        server.stall = "data"  # the body is sent, the final reply never comes
    else:
        raise AssertionError(fault)


def _recover(fault: str, server: LoopbackSmtpServer) -> None:
    server.accept_connections()
    server.reject_auth = False
    server.defer_recipients.clear()
    server.reject_recipients.clear()
    server.stall = None


# fault -> (alerts received while the fault lasts, rows left pending by it, rows failed for good)
CASES = {
    "refuse-connections": (0, 9, 0),
    "reject-auth": (0, 9, 0),
    "defer-one-recipient": (6, 3, 0),
    "reject-one-recipient": (6, 0, 3),
    "stall-mid-message": (0, 9, 0),
}


@pytest.mark.parametrize("fault", list(CASES))
def test_outbox_keeps_undelivered_alerts_until_smtp_recovers(
        fault: str, tmp_path: Path, crawled_db: Path, smtp_server: LoopbackSmtpServer) -> None:  # noqa: F811
    during, pending, failed = CASES[fault]
    config = _world(tmp_path, crawled_db, smtp_server, timeout=1.0 if fault.startswith("stall") else 5.0)
    _inject(fault, smtp_server)

    output = _deliver(tmp_path, config)
    got = _received(smtp_server)
    assert sum(got.values()) == during, got
    statuses = _statuses(tmp_path)
    assert statuses["pending"] == pending and statuses["failed"] == failed, statuses
    assert statuses["sent"] == during
    if pending:
        assert "retrying" in output

    _recover(fault, smtp_server)
    time.sleep(RETRY_BACKOFF + 0.2)  # the retry backoff of the config has passed
    _deliver(tmp_path, config)
    got = _received(smtp_server)
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    refused = {(FLAKY, item.title) for item in ARTICLES} if failed else set()
    lost = EXPECTED - refused - set(got)
    assert duplicates == 0, got
    assert lost == set(), lost
    assert set(got) == EXPECTED - refused
    statuses = _statuses(tmp_path)
    assert statuses == Counter({"sent": 9 - failed, **({"failed": failed} if failed else {})})
    if failed:
        errors = [r[0] for r in query(tmp_path / "news.db",
                                      "SELECT last_error FROM deliveries WHERE status = 'failed'")]
        assert all("550" in (e or "") for e in errors), errors
        # `newswatch status` shows them: the refused recipient, each of its three alerts, the reply.
        status = run_newswatch(["status", "--config", str(config), "--format", "json"], tmp_path)
        assert status.returncode == 0, status.stderr
        shown = json.loads(status.stdout)["failed"]
        assert sorted(f["recipient"] for f in shown) == [FLAKY] * 3
        assert all("550" in (f["error"] or "") for f in shown), shown

    # A third run sends nothing more: delivered alerts are never sent again.
    _deliver(tmp_path, config)
    assert sum(_received(smtp_server).values()) == 9 - failed
