"""Alerts already in the outbox when their topic is switched off or their subscription removed (issue 13,
weak spot): they used to be mailed all the same. Now a delivery row is sent only while the config still wants
it: some enabled topic of its event, and a subscription of its recipient that matches the event; otherwise it
is recorded as skipped, with the reason, and `newswatch status` shows it.

Real SQLite file, the real delivery job, a real SMTP server on 127.0.0.1, `newswatch status` as a subprocess.
"""

from __future__ import annotations

from datetime import timedelta

from crawler.notify.delivery import deliver
from tests.notify.delivery.conftest import world  # noqa: F401
from tests.notify.delivery.world import READER, T0, TOPIC, World, article
from tests.notify.mail.conftest import smtp_server, smtp_server_factory  # noqa: F401
from tests.reliability.faults_helpers import run_newswatch

TOPIC_OFF = f"[topics.{TOPIC}]\nenabled = false\n"
DESK = "desk@example.org"


def _status(place: World) -> str:
    done = run_newswatch(["status", "--config", str(place.config_path)], place.root)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_topic_switched_off_sends_nothing_more_from_the_outbox(world: World) -> None:  # noqa: F811
    world.settled()
    world.run("liputan6", [article(1), article(2)], T0)
    # Two alerts wait: the mail server was down at the first attempt.
    world.server.refuse_connections()
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=10)).retrying == 2
    world.server.accept_connections()
    # Then the topic is switched off; a third article was stored before that and is not fanned out yet.
    world.run("liputan6", [article(3)], T0 + timedelta(minutes=20))
    world.configure(extra=TOPIC_OFF)
    report = deliver(world.store, world.config, now=T0 + timedelta(hours=1))
    assert (report.sent, report.failed, report.retrying) == (0, 0, 0)
    assert report.unwanted == 3
    assert world.server.received() == []
    skipped = world.store.deliveries.with_status("skipped")
    assert len(skipped) == 3
    assert {d.last_error for d in skipped} == {f"topic switched off or removed: {TOPIC}"}
    world.close()
    text = _status(world)
    assert "0 pending, 0 sent, 0 failed, 3 skipped" in text, text
    assert f"{READER}  liputan6:4850001" in text and f"topic switched off or removed: {TOPIC}" in text


def test_a_removed_subscription_gets_nothing_more_the_others_still_do(world: World) -> None:  # noqa: F811
    subscriptions = [{"to": [READER], "topics": [TOPIC]},
                     {"to": [DESK], "topics": [TOPIC], "mode": "digest", "digest": "daily",
                      "digest_at": "08:00", "timezone": "Asia/Almaty"}]
    world.configure(subscriptions=subscriptions)
    world.settled()
    world.run("liputan6", [article(1), article(2)], T0)
    first = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (first.sent, first.deferred) == (2, 2)  # the reader's alerts; the desk's digest is due tomorrow
    world.configure(subscriptions=subscriptions[:1])  # the desk unsubscribes
    report = deliver(world.store, world.config, now=T0 + timedelta(hours=23))  # the digest's time
    assert (report.sent, report.unwanted) == (0, 2)
    assert [m.rcpt_tos for m in world.server.received()] == [[READER], [READER]]
    reasons = {d.recipient: d.last_error for d in world.store.deliveries.with_status("skipped")}
    assert reasons == {DESK: f"no subscription of {DESK} wants it any more"}
    # New articles still reach the remaining reader.
    world.run("liputan6", [article(3)], T0 + timedelta(hours=24))
    assert deliver(world.store, world.config, now=T0 + timedelta(hours=24, minutes=10)).sent == 1
    world.close()
    text = _status(world)
    assert "0 pending, 3 sent, 0 failed, 2 skipped" in text, text
    assert f"{DESK}  liputan6:4850001" in text
