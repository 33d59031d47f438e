"""Server-level SMTP refusals (issue 13, D3): a refusal of the session is the server's state, not the
message's, so the outbox keeps every alert pending with backoff until the server recovers.

48 alerts (16 articles x 3 recipients) wait in the outbox of a real SQLite file; a real aiosmtpd server on
127.0.0.1 refuses the session (a 554 greeting, a 500 to EHLO/HELO, a 100,000-character EHLO line that
smtplib turns into its own "500 Line too long", a 554 to STARTTLS); delivery runs, the server recovers,
delivery runs again: 48 received, none twice, none failed. Only a recipient's or a message's refusal is
permanent (docs/ALERTS.md), which tests/reliability/test_mail_e2e.py covers.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest

from crawler.notify.compose import compose_test
from crawler.notify.delivery import deliver
from crawler.notify.smtp import SendError, SmtpSettings, send
from tests.notify.delivery.conftest import world  # noqa: F401
from tests.notify.delivery.world import PASSWORD_ENV, T0, TOPIC, World, article
from tests.notify.mail.conftest import ServerFactory, smtp_server, smtp_server_factory, tls_files  # noqa: F401
from tests.notify.mail.smtpserver import TEST_PASSWORD, LoopbackSmtpServer, TlsFiles
from tests.reliability.faults_helpers import run_newswatch

RECIPIENTS = ["desk-a@example.org", "desk-b@example.org", "desk-c@example.org"]
ITEMS = [article(n) for n in range(1, 17)]  # 16 articles x 3 recipients = 48 alerts
EXPECTED = {(to, item.title) for to in RECIPIENTS for item in ITEMS}

GREETING_554 = "554 5.7.1 Service unavailable"


def _fill_outbox(place: World, **smtp: object) -> None:
    place.configure(subscriptions=[{"to": RECIPIENTS, "topics": [TOPIC], "mode": "immediate"}],
                    alerts={"retry_backoff_seconds": 1.0, "retry_backoff_max_seconds": 60.0,
                            "give_up_after_hours": 48.0}, smtp=smtp or None)
    place.settled()
    place.run("liputan6", ITEMS, T0)


def _received(server: LoopbackSmtpServer) -> Counter[tuple[str, str]]:
    got: Counter[tuple[str, str]] = Counter()
    for message in server.received():
        subject = str(message.message["Subject"])
        title = next((item.title for item in ITEMS if subject.endswith(f": {item.title}")), subject)
        for to in message.rcpt_tos:
            got[(to, title)] += 1
    return got


def _statuses(place: World) -> Counter[str]:
    return Counter(place.store.deliveries.status_counts())


def _deliver_cli(place: World) -> str:
    done = run_newswatch(["alerts", "deliver", "--config", str(place.config_path)], place.root,
                         env={PASSWORD_ENV: TEST_PASSWORD}, timeout=90)
    assert done.returncode == 0, done.stderr  # SMTP trouble is reported, never a crash
    return done.stdout + done.stderr


def _assert_all_received_once(place: World) -> None:
    got = _received(place.server)
    assert sum(n - 1 for n in got.values() if n > 1) == 0, got  # no duplicates
    assert set(got) == EXPECTED, EXPECTED - set(got)  # nothing lost
    counts = {k: v for k, v in _statuses(place).items() if v}
    assert counts == {"sent": 48}, counts


def test_a_554_greeting_keeps_all_48_alerts_pending_until_the_server_recovers(world: World) -> None:  # noqa: F811
    _fill_outbox(world)
    world.close()
    world.server.greeting = GREETING_554

    output = _deliver_cli(world)
    assert world.server.received() == []
    counts = _statuses(world)
    assert (counts["pending"], counts["failed"]) == (48, 0), counts
    assert "554" in output and "retrying" in output
    world.close()

    world.server.greeting = None
    time.sleep(1.2)  # the config's retry backoff (1 s) has passed
    _deliver_cli(world)
    _assert_all_received_once(world)
    assert deliver(world.store, world.config).sent == 0  # a third run sends nothing more
    assert sum(_received(world.server).values()) == 48


# fault -> (server switch, its reply, what the stored error says)
FAULTS = {
    "ehlo-500": ("ehlo_reply", "500 5.5.1 Command unrecognized", "500 5.5.1 Command unrecognized"),
    "ehlo-line-too-long": ("ehlo_reply", "250 " + "x" * 100_000, "500 Line too long"),
    "greeting-554": ("greeting", GREETING_554, GREETING_554),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_session_refusal_is_retried_with_backoff_not_failed(world: World, fault: str) -> None:  # noqa: F811
    _fill_outbox(world)
    switch, reply, said = FAULTS[fault]
    setattr(world.server, switch, reply)
    first = deliver(world.store, world.config, now=T0 + timedelta(minutes=30))
    assert (first.sent, first.failed, first.retrying) == (0, 0, 48), first.errors[:1]
    assert len(first.errors) == 48 and said in first.errors[0]
    assert {d.last_error for d in world.store.deliveries.pending()} == {first.errors[0]}
    # Still refused a backoff later: still pending, attempts counted, due again after a doubled backoff.
    second = deliver(world.store, world.config, now=T0 + timedelta(minutes=30, seconds=2))
    assert (second.failed, second.retrying) == (0, 48)
    assert {d.attempts for d in world.store.deliveries.pending()} == {2}
    setattr(world.server, switch, None)
    third = deliver(world.store, world.config, now=T0 + timedelta(minutes=30, seconds=5))
    assert (third.sent, third.failed) == (48, 0)
    _assert_all_received_once(world)


def test_a_554_to_starttls_is_retried_not_failed(world: World, smtp_server_factory: ServerFactory,  # noqa: F811
                                                 tls_files: TlsFiles) -> None:  # noqa: F811
    server = smtp_server_factory(tls="starttls", tls_files=tls_files)
    world.server = server
    _fill_outbox(world, host=server.host, port=server.port, security="starttls")
    settings = SmtpSettings(host=server.host, port=server.port, security="starttls",
                            ca_file=str(tls_files.cert), timeout=5.0)
    server.starttls_reply = "554 5.7.3 TLS not available due to local problem"
    with pytest.raises(SendError) as refused:
        send(settings, compose_test("desk-a@example.org", "alerts@newswatch.test", now=T0),
             ["desk-a@example.org"])
    assert refused.value.retryable and refused.value.needs_attention and refused.value.code == 554
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=30), smtp_settings=settings)
    assert (report.failed, report.retrying) == (0, 48)
    server.starttls_reply = None
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=31), smtp_settings=settings)
    assert (report.sent, report.failed) == (48, 0)
    _assert_all_received_once(world)
    assert all(m.tls for m in server.received())


def test_give_up_still_ends_a_refusal_that_never_lifts(world: World) -> None:  # noqa: F811
    _fill_outbox(world)
    world.configure(subscriptions=[{"to": RECIPIENTS, "topics": [TOPIC], "mode": "immediate"}],
                    alerts={"retry_backoff_seconds": 1.0, "give_up_after_hours": 1.0})
    world.server.greeting = GREETING_554
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=30)).retrying == 48
    late = deliver(world.store, world.config, now=T0 + timedelta(hours=2))
    assert late.gave_up == 48 and late.sent == 0
    errors = {d.last_error for d in world.store.deliveries.with_status("failed")}
    [error] = errors
    assert error and error.startswith("gave up after 1 hours") and "554" in error


def test_an_ehlo_line_the_server_finds_too_long_is_a_session_refusal(
        smtp_server: LoopbackSmtpServer) -> None:  # noqa: F811
    # The other way round: our EHLO of 100,000 characters, which aiosmtpd answers "500 Command line too long".
    settings = SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none", timeout=5.0,
                            local_hostname="h" * 100_000)
    with pytest.raises(SendError) as refused:
        send(settings, compose_test("desk-a@example.org", "alerts@newswatch.test", now=T0),
             ["desk-a@example.org"])
    assert refused.value.retryable and refused.value.code == 500, refused.value
    assert "line too long" in str(refused.value) and smtp_server.received() == []
