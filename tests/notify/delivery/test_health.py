"""Crawl-health checks over stats dicts (no crawl), and the admin e-mail once per failure streak."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crawler.config import HealthConfig
from crawler.monitor.health import after_run, articles_found, evaluate
from crawler.notify.delivery import deliver
from tests.notify.delivery.world import T0, World

HEALTH = HealthConfig(consecutive_failures=3, min_articles=1, max_parse_failure_ratio=0.2,
                      feed_stale_hours=24)
ADMIN = "admin@example.org"
FINISHED = T0 + timedelta(hours=1)


def good(**extra: Any) -> dict[str, Any]:
    stats: dict[str, Any] = {"finish_reason": "finished", "newswatch/discovery/tag_links": 20,
                             "newswatch/article/parsed": 8, "newswatch/articles/new": 2,
                             "downloader/response_count": 30, "downloader/response_status_count/200": 30,
                             "newswatch/listing/newest_date": "2022-01-07T09:30:00+06:00"}
    stats.update(extra)
    return stats


def failed_checks(stats: dict[str, Any], previous: list[dict[str, Any]] | None = None,
                  outcome: str | None = None) -> list[str]:
    return [f.check for f in evaluate(stats, [good()] if previous is None else previous, HEALTH,
                                      outcome=outcome, finished_at=FINISHED)]


def test_a_normal_run_passes_every_check() -> None:
    assert failed_checks(good()) == []
    assert articles_found(good()) == 20


def test_no_articles_fails_only_where_runs_usually_find_some() -> None:
    empty = good(**{"newswatch/discovery/tag_links": 0, "newswatch/articles/new": 0,
                    "newswatch/article/parsed": 0})
    assert failed_checks(empty) == ["articles"]
    assert failed_checks(empty, previous=[empty, empty, good()]) == []  # usually nothing: not a failure
    assert failed_checks(empty, previous=[]) == []  # no history to compare with


def test_parse_failures_above_the_threshold_fail() -> None:
    assert failed_checks(good(**{"newswatch/article/no_article": 2})) == []  # 2 of 10
    broken = failed_checks(good(**{"newswatch/article/no_article": 3}))  # 3 of 11
    assert broken == ["parse_failures"]
    assert failed_checks(good(**{"newswatch/article/parsed": 0, "newswatch/article/no_article": 2})) == []
    # The pipeline's count of the same pages is not added to the spider's.
    both = good(**{"newswatch/article/no_article": 2, "newswatch/parse_failed": 2})
    assert failed_checks(both) == []
    assert failed_checks(good(**{"newswatch/parse_failed": 3})) == ["parse_failures"]


def test_http_403_and_429_bans_fail() -> None:
    assert failed_checks(good(**{"downloader/response_status_count/403": 12})) == ["bans"]
    assert failed_checks(good(**{"downloader/response_status_count/429": 5})) == ["bans"]
    assert failed_checks(good(**{"downloader/response_status_count/403": 1})) == []  # 1 of 30: not a ban


def test_a_feed_that_stopped_updating_fails() -> None:
    stale = good(**{"newswatch/listing/newest_date": "2022-01-05T09:00:00+00:00"})
    assert failed_checks(stale) == ["feed_stale"]


def test_a_run_that_did_not_finish_normally_fails() -> None:
    assert failed_checks(good(finish_reason="closespider_timeout")) == ["finish"]
    assert failed_checks(good(), outcome="unreachable") == ["finish"]  # the recorded outcome wins
    assert failed_checks({}, outcome=None) == ["finish", "articles"]
    assert failed_checks(good(**{"log_count/ERROR": 7})) == ["errors"]


def banned(world: World, n: int) -> int:
    stats = good(**{"downloader/response_status_count/403": 30, "newswatch/discovery/tag_links": 0,
                    "newswatch/articles/new": 0, "newswatch/article/parsed": 0})
    return world.run("liputan6", [], T0 + timedelta(hours=n), stats=stats)


def test_n_failing_runs_mail_the_admin_once_and_recovery_once_more(world: World) -> None:
    world.configure(alerts={"admin_address": ADMIN}, health={"consecutive_failures": 3})
    store, config = world.store, world.config
    for n in range(2):
        after_run(store, config, "liputan6", world.run("liputan6", [], T0 + timedelta(hours=n), stats=good()))
    outcomes = [after_run(store, config, "liputan6", banned(world, n)) for n in range(2, 7)]
    assert [o.state.consecutive_failures for o in outcomes] == [1, 2, 3, 4, 5]
    assert [o.notice for o in outcomes] == [None, None, "failing", None, None]
    message = world.server.only_message()
    assert message.rcpt_tos == [ADMIN]
    assert str(message.message["Subject"]) == "[newswatch] health: Liputan6 failing for 3 runs"
    assert "403" in message.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    recovered = after_run(store, config, "liputan6", world.run("liputan6", [], T0 + timedelta(hours=8),
                                                                stats=good()))
    assert recovered.notice == "recovered"
    after_run(store, config, "liputan6", world.run("liputan6", [], T0 + timedelta(hours=9), stats=good()))
    subjects = [str(m.message["Subject"]) for m in world.server.received()]
    assert subjects == ["[newswatch] health: Liputan6 failing for 3 runs",
                        "[newswatch] health: Liputan6 recovered"]


def test_evaluating_a_run_twice_changes_nothing(world: World) -> None:
    world.configure(alerts={"admin_address": ADMIN}, health={"consecutive_failures": 1})
    run_id = banned(world, 1)
    assert after_run(world.store, world.config, "liputan6", run_id).notice == "failing"
    again = after_run(world.store, world.config, "liputan6", run_id)
    assert (again.recorded, again.notice, again.state.consecutive_failures) == (False, None, 1)
    assert len(world.server.received()) == 1


def test_a_streak_that_never_reached_the_threshold_sends_nothing(world: World) -> None:
    world.configure(alerts={"admin_address": ADMIN}, health={"consecutive_failures": 3})
    for n in range(2):
        after_run(world.store, world.config, "liputan6", banned(world, n))
    ok = after_run(world.store, world.config, "liputan6", world.run("liputan6", [], T0 + timedelta(hours=3),
                                                                      stats=good()))
    assert ok.notice is None and world.server.received() == []


def test_a_health_notice_the_server_refused_is_retried_by_the_delivery_job(world: World) -> None:
    world.configure(alerts={"admin_address": ADMIN}, health={"consecutive_failures": 1})
    world.server.refuse_connections()
    run_id = banned(world, 1)
    assert after_run(world.store, world.config, "liputan6", run_id, now=T0).notice == "failing"
    assert world.store.notices.status_counts()["pending"] == 1
    world.server.accept_connections()
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=5))
    assert report.notices_sent == 1
    assert world.server.only_message().rcpt_tos == [ADMIN]
