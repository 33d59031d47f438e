"""Crawl-health notices to admin channels beside the admin address: one notice per destination, each sent
and retried on its own."""

from __future__ import annotations

from datetime import timedelta

from crawler.monitor.health import after_run
from crawler.notify.delivery import deliver
from tests.notify.delivery.test_health import ADMIN, banned, good
from tests.notify.delivery.world import T0, World
from tests.servers.webhook import WebhookReceiver


def test_failing_and_recovered_notices_reach_the_admin_channels_and_a_failing_one_is_retried(
        world: World, hooks: WebhookReceiver) -> None:
    hooks.fail["/ops-down"] = 500
    ops, down = f"{hooks.base()}/ops", f"{hooks.base()}/ops-down"
    world.configure(alerts={"admin_address": ADMIN, "admin_channels": [down, ops]},
                    health={"consecutive_failures": 2})
    for n in range(2):
        outcome = after_run(world.store, world.config, "liputan6", banned(world, n), now=T0)
    assert outcome.notice == "failing"
    assert world.server.only_message().rcpt_tos == [ADMIN]
    posted = hooks.received("/ops")[0].json
    assert posted["title"] == "Crawl health: Liputan6 failing for 2 run(s)"
    assert "403" in posted["message"]
    assert world.store.notices.status_counts() == {"pending": 1, "sent": 2, "failed": 0, "skipped": 0}
    hooks.fail.clear()
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=5))
    assert report.notices_sent == 1 and len(hooks.received("/ops-down")) == 2
    after_run(world.store, world.config, "liputan6",
              world.run("liputan6", [], T0 + timedelta(hours=3), stats=good()), now=T0 + timedelta(hours=4))
    assert hooks.received("/ops")[-1].json["title"] == "Crawl health: Liputan6 recovered"
