"""The delivery job against a real SMTP server on 127.0.0.1 and a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.notify.delivery import deliver, fan_out
from tests.notify.delivery.world import READER, T0, TOPIC, World, article
from tests.notify.mail.htmlcheck import parts


def subjects(world: World) -> list[str]:
    return [str(m.message["Subject"]) for m in world.server.received()]


def test_each_new_event_is_one_immediate_email_to_each_recipient_once(world: World) -> None:
    world.settled()
    world.run("liputan6", [article(1), article(2)], T0)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.messages, report.failed, report.retrying) == (2, 2, 0, 0)
    got = world.server.received()
    assert [m.rcpt_tos for m in got] == [[READER], [READER]]
    assert subjects(world) == ["[newswatch] Liputan6: Kerusuhan di Almaty, laporan 1",
                               "[newswatch] Liputan6: Kerusuhan di Almaty, laporan 2"]
    assert all(m.authenticated_as == "newswatch-test" for m in got)
    text, _html = parts(got[0].message)
    assert "https://www.liputan6.com/global/read/4850001/kazakhstan-1" in text
    # A second run of the job finds nothing new to send.
    again = deliver(world.store, world.config, now=T0 + timedelta(minutes=20))
    assert (again.sent, again.fanned_out) == (0, 0)
    assert len(world.server.received()) == 2
    assert world.store.pending_events() == []
    assert [d.status for d in world.store.deliveries.with_status("sent")] == ["sent", "sent"]


def test_two_matching_subscriptions_still_mean_one_email_per_recipient(world: World) -> None:
    world.configure(subscriptions=[{"to": [READER, "desk@example.org"], "topics": [TOPIC]},
                                   {"to": ["Reader@example.org"], "sources": ["liputan6"]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert report.sent == 2
    assert sorted(r for m in world.server.received() for r in m.rcpt_tos) == ["desk@example.org", READER]


def test_subscriptions_filter_by_source_and_topic(world: World) -> None:
    world.configure(subscriptions=[{"to": ["bbc-desk@example.org"], "sources": ["bbc"]},
                                   {"to": [READER], "topics": [TOPIC], "sources": ["liputan6"]}])
    world.settled()
    world.run("bbc", [], T0 - timedelta(hours=1))
    world.run("liputan6", [article(1)], T0)
    world.run("bbc", [article(2, source="bbc", title="Kazakhstan unrest: troops arrive")], T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    sent = {str(m.message["Subject"]): m.rcpt_tos for m in world.server.received()}
    assert sent == {"[newswatch] Liputan6: Kerusuhan di Almaty, laporan 1": [READER],
                    "[newswatch] BBC News: Kazakhstan unrest: troops arrive": ["bbc-desk@example.org"]}


def test_an_update_is_threaded_under_the_first_alert(world: World) -> None:
    world.settled()
    world.run("liputan6", [article(1)], T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    changed = article(1, body="Laporan nomor 1 tentang Kazakhstan.\n\nWarga Almaty turun ke jalan.\n\n"
                              "Pemerintah mengumumkan keadaan darurat di Almaty.")
    world.run("liputan6", [changed], T0 + timedelta(hours=1))
    report = deliver(world.store, world.config, now=T0 + timedelta(hours=1, minutes=10))
    assert report.sent == 1
    first, update = (m.message for m in world.server.received())
    assert str(update["Subject"]) == "[newswatch] Updated: Liputan6: Kerusuhan di Almaty, laporan 1"
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["References"] == first["Message-ID"]
    text, _html = parts(update)
    assert "Pemerintah mengumumkan keadaan darurat di Almaty." in text


def test_a_daily_digest_waits_for_its_time_then_lists_every_item_in_one_email(world: World) -> None:
    # 08:00 in Almaty is 02:00 UTC; the events arrive at about 03:00 UTC, so the digest goes out next day.
    world.configure(subscriptions=[{"to": [READER], "topics": [TOPIC], "mode": "digest", "digest": "daily",
                                    "digest_at": "08:00", "timezone": "Asia/Almaty"}])
    world.settled()
    world.run("liputan6", [article(1), article(2), article(3)], T0)
    early = deliver(world.store, world.config, now=T0 + timedelta(minutes=30))
    assert (early.sent, early.deferred, early.fanned_out) == (0, 3, 3)
    still_early = deliver(world.store, world.config, now=T0 + timedelta(hours=22, minutes=59))
    assert still_early.sent == 0 and world.server.received() == []
    due = deliver(world.store, world.config, now=T0 + timedelta(hours=23))  # 08:00 the next day in Almaty
    assert (due.sent, due.messages) == (3, 1)
    message = world.server.only_message().message
    assert str(message["Subject"]) == f"[newswatch] 3 new articles on {TOPIC}"
    text, _html = parts(message)
    for n in (1, 2, 3):
        assert f"Kerusuhan di Almaty, laporan {n}" in text
    assert deliver(world.store, world.config, now=T0 + timedelta(days=3)).sent == 0


def test_an_hourly_digest_goes_out_at_its_minute(world: World) -> None:
    world.configure(subscriptions=[{"to": [READER], "mode": "digest", "digest": "hourly",
                                    "digest_at": "00:30", "timezone": "Asia/Jakarta"}])
    world.settled()
    world.run("liputan6", [article(1), article(2)], T0)  # saved at 03:01 and 03:02 UTC
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=29)).sent == 0
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=30)).messages == 1


def test_the_first_crawl_of_a_source_sends_one_baseline_digest_not_one_email_per_old_article(
        world: World) -> None:
    backlog = [article(n) for n in range(1, 6)]
    run_id = world.store.start_run("liputan6", {}, started_at=T0)
    for n, item in enumerate(backlog, start=1):
        world.save(item, T0 + timedelta(minutes=n))
    # The first crawl is still running: nothing is announced yet.
    waiting = deliver(world.store, world.config, now=T0 + timedelta(minutes=6))
    assert (waiting.waiting_events, waiting.sent) == (5, 0)
    world.store.finish_run(run_id, "finished", {"finish_reason": "finished"},
                           finished_at=T0 + timedelta(minutes=7))
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=8))
    assert (report.sent, report.messages) == (5, 1)
    message = world.server.only_message().message
    assert str(message["Subject"]) == f"[newswatch] 5 new articles on {TOPIC} (backlog)"
    text, _html = parts(message)
    assert all(f"Kerusuhan di Almaty, laporan {n}" in text for n in range(1, 6))
    # Later news of the same source is an ordinary immediate alert.
    world.run("liputan6", [article(9)], T0 + timedelta(hours=1))
    deliver(world.store, world.config, now=T0 + timedelta(hours=1, minutes=10))
    assert subjects(world)[1] == "[newswatch] Liputan6: Kerusuhan di Almaty, laporan 9"


@pytest.mark.parametrize("outcome", ["interrupted", "timeout", "unreachable", "storage_error"])
def test_only_a_successful_first_run_ends_the_baseline(world: World, outcome: str) -> None:
    """A first run cut short saw part of the backlog: the rest, stored by the next (finished) run, is backlog
    too, so all of it goes out as one baseline digest after that run, not as one alert per old article."""
    world.run("liputan6", [article(1), article(2)], T0, outcome=outcome)
    waiting = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (waiting.waiting_events, waiting.sent) == (2, 0)
    world.run("liputan6", [article(3), article(4), article(5)], T0 + timedelta(minutes=20))
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=30))
    assert (report.sent, report.messages) == (5, 1)
    assert subjects(world) == [f"[newswatch] 5 new articles on {TOPIC} (backlog)"]


def test_the_baseline_ends_with_the_first_runs_last_event_not_its_clock(world: World) -> None:
    """Timestamps have one-second resolution: an article stored by the next run within the second the first
    run finished is news, not backlog. The baseline is what the first run wrote, by event id."""
    run_id = world.store.start_run("liputan6", {}, started_at=T0)
    world.save(article(1), T0 + timedelta(seconds=10))
    world.save(article(2), T0 + timedelta(seconds=20))
    done = {"finish_reason": "finished"}
    world.store.finish_run(run_id, "finished", done, finished_at=T0 + timedelta(seconds=30))
    second = world.store.start_run("liputan6", {}, started_at=T0 + timedelta(seconds=30))
    world.save(article(3), T0 + timedelta(seconds=30))  # the same second as the first run's end
    world.store.finish_run(second, "finished", done, finished_at=T0 + timedelta(minutes=1))
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.messages) == (3, 2)
    assert subjects(world) == [f"[newswatch] 2 new articles on {TOPIC} (backlog)",
                               "[newswatch] Liputan6: Kerusuhan di Almaty, laporan 3"]


def test_a_silent_baseline_records_the_backlog_without_mail(world: World) -> None:
    world.configure(alerts={"baseline": "silent"})
    world.run("liputan6", [article(1), article(2)], T0)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.skipped) == (0, 2)
    assert world.server.received() == []
    assert world.store.deliveries.status_counts()["skipped"] == 2


def test_baseline_all_sends_every_old_article(world: World) -> None:
    world.configure(alerts={"baseline": "all"})
    world.run("liputan6", [article(1), article(2)], T0)
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=10)).messages == 2


def test_smtp_down_for_two_attempts_then_up_delivers_each_alert_exactly_once(world: World) -> None:
    world.settled()
    world.run("liputan6", [article(1), article(2), article(3)], T0)
    world.server.refuse_connections()
    first = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (first.sent, first.retrying) == (0, 3)
    assert "connection refused" in first.errors[0]
    # Before the backoff (60 s) has passed nothing is tried; after it, a second failed attempt.
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=10, seconds=30)).retrying == 0
    second = deliver(world.store, world.config, now=T0 + timedelta(minutes=11))
    assert second.retrying == 3
    assert {d.attempts for d in world.store.deliveries.pending()} == {2}
    # The second retry waits twice as long (120 s).
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=12)).retrying == 0
    world.server.accept_connections()
    third = deliver(world.store, world.config, now=T0 + timedelta(minutes=13, seconds=1))
    assert (third.sent, third.retrying, third.failed) == (3, 0, 0)
    assert deliver(world.store, world.config, now=T0 + timedelta(hours=5)).sent == 0
    ids = [str(m.message["Message-ID"]) for m in world.server.received()]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_a_temporarily_deferred_recipient_is_retried(world: World) -> None:
    world.settled()
    world.run("liputan6", [article(1)], T0)
    world.server.defer_recipients.add(READER)
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=10)).retrying == 1
    world.server.defer_recipients.clear()
    assert deliver(world.store, world.config, now=T0 + timedelta(minutes=12)).sent == 1
    assert len(world.server.received()) == 1


def test_one_rejected_recipient_fails_alone(world: World) -> None:
    others = ["a@example.org", "c@example.org"]
    world.configure(subscriptions=[{"to": ["a@example.org", "gone@example.org", "c@example.org"]}])
    world.server.reject_recipients.add("gone@example.org")
    world.settled()
    world.run("liputan6", [article(1)], T0)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.failed, report.retrying) == (2, 1, 0)
    assert sorted(r for m in world.server.received() for r in m.rcpt_tos) == others
    [failed] = world.store.deliveries.with_status("failed")
    assert failed.recipient == "gone@example.org"
    assert failed.last_error is not None and "550" in failed.last_error
    # Failed for good: not retried.
    assert deliver(world.store, world.config, now=T0 + timedelta(hours=3)).sent == 0
    assert len(world.server.received()) == 2


def test_an_alert_undeliverable_past_the_give_up_age_is_failed(world: World) -> None:
    world.configure(alerts={"give_up_after_hours": 2.0})
    world.settled()
    world.run("liputan6", [article(1)], T0)
    world.server.refuse_connections()
    for minutes in (10, 40, 100):
        deliver(world.store, world.config, now=T0 + timedelta(minutes=minutes))
    assert world.store.deliveries.status_counts()["pending"] == 1
    report = deliver(world.store, world.config, now=T0 + timedelta(hours=2, minutes=11))
    assert report.gave_up == 1
    [failed] = world.store.deliveries.with_status("failed")
    assert failed.last_error is not None and failed.last_error.startswith("gave up after 2 hours")
    assert "connection refused" in failed.last_error
    world.server.accept_connections()
    assert deliver(world.store, world.config, now=T0 + timedelta(hours=3)).sent == 0
    assert world.server.received() == []


def test_a_leased_row_is_left_to_the_job_holding_it_until_the_lease_ends(world: World) -> None:
    world.settled()
    world.run("liputan6", [article(1)], T0)
    now = T0 + timedelta(minutes=10)
    fan_out(world.store, world.config, now)
    [row] = world.store.deliveries.pending()
    lease = now + timedelta(minutes=5)
    assert world.store.deliveries.claim([row.id], now, lease)
    assert not world.store.deliveries.claim([row.id], now, lease)  # one holder at a time
    # Another job sees the row leased and leaves it alone.
    assert deliver(world.store, world.config, now=now + timedelta(minutes=1)).sent == 0
    assert world.server.received() == []
    # When the lease runs out (the job holding it died) the row is sent.
    assert deliver(world.store, world.config, now=lease).sent == 1
    assert len(world.server.received()) == 1
