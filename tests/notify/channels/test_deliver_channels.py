"""Alerts to channels (Apprise json://, form://, mmost://) beside e-mail, on the same outbox, against a real
webhook receiver and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.notify.delivery import deliver
from tests.notify.delivery.world import READER, T0, TOPIC, World, article
from tests.servers.webhook import WebhookReceiver


def test_one_event_goes_to_the_mail_and_to_every_channel(world: World, hooks: WebhookReceiver) -> None:
    json_url, form_url = f"{hooks.base('json')}/desk", f"{hooks.base('form')}/form"
    world.configure(subscriptions=[{"to": [READER], "topics": [TOPIC], "channels": [json_url, form_url]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    assert len(world.server.received()) == 1
    posted = hooks.received("/desk")[0].json
    assert posted["title"] == "New: Kerusuhan di Almaty, laporan 1"
    message = posted["message"]
    assert "Liputan6 · 2022-01-02 03:00 UTC+00:00" in message
    assert "Matched: Kazakhstan, Almaty" in message
    assert message.endswith("https://www.liputan6.com/global/read/4850001/kazakhstan-1")
    form = hooks.received("/form")[0].form
    assert form["title"] == posted["title"] and form["message"] == message
    sent = world.store.deliveries.with_status("sent")
    assert sorted(d.recipient for d in sent) == sorted([READER, json_url, form_url])


def test_a_failing_and_a_hanging_receiver_are_retried_then_given_up_while_the_others_deliver(
        world: World, hooks: WebhookReceiver) -> None:
    hooks.fail["/broken"] = 500
    hooks.stall["/slow"] = 5.0
    broken, slow = f"{hooks.base()}/broken", f"{hooks.base()}/slow?rto=0.5&cto=0.5"
    good = f"{hooks.base('form')}/good"
    # The failing ones first: nothing after them may be held back.
    world.configure(subscriptions=[{"to": [READER], "topics": [TOPIC], "channels": [broken, slow, good]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    first = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (first.sent, first.retrying, first.failed) == (2, 2, 0)
    assert len(world.server.received()) == 1 and len(hooks.received("/good")) == 1
    rows = {d.recipient: d for d in world.store.deliveries.pending()}
    assert set(rows) == {broken, slow}
    assert rows[broken].attempts == 1 and "error=500" in (rows[broken].last_error or "")
    assert rows[slow].last_error is not None and rows[slow].last_error.startswith(slow)
    # Backoff: not due again for retry_backoff_seconds (60 s), then tried again, doubling.
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10, seconds=30))
    assert len(hooks.received("/broken")) == 1
    again = deliver(world.store, world.config, now=T0 + timedelta(minutes=11, seconds=1))
    assert again.retrying == 2 and len(hooks.received("/broken")) == 2 and len(hooks.received("/slow")) == 2
    assert {d.attempts for d in world.store.deliveries.pending()} == {2}
    # Past give_up_after_hours (48): failed, with the last error; the others were delivered exactly once.
    late = deliver(world.store, world.config, now=T0 + timedelta(hours=49))
    assert late.gave_up == 2
    failed = {d.recipient: d for d in world.store.deliveries.with_status("failed")}
    assert set(failed) == {broken, slow}
    assert failed[broken].last_error is not None
    assert failed[broken].last_error.startswith("gave up after 48 hours: ")
    assert len(world.server.received()) == 1 and len(hooks.received("/good")) == 1
    assert len(hooks.received("/broken")) == 2


def test_an_update_shows_the_changed_lines(world: World, hooks: WebhookReceiver) -> None:
    world.configure(subscriptions=[{"to": [], "channels": [f"{hooks.base()}/desk"]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    revised = article(1, body="Laporan nomor 1 tentang Kazakhstan.\n\nWarga Almaty turun ke jalan.\n\n"
                              "Pemerintah mengumumkan keadaan darurat.")
    world.run("liputan6", [revised], T0 + timedelta(hours=1))
    report = deliver(world.store, world.config, now=T0 + timedelta(hours=2))
    assert report.sent == 1
    update = hooks.received("/desk")[-1].json
    assert update["title"] == "Updated: Kerusuhan di Almaty, laporan 1"
    assert "+ Pemerintah mengumumkan keadaan darurat." in update["message"].splitlines()


def test_digests_are_per_channel(world: World, hooks: WebhookReceiver) -> None:
    a, b = f"{hooks.base()}/a", f"{hooks.base()}/b"
    world.configure(subscriptions=[{"channels": [a], "mode": "digest", "digest": "daily",
                                    "digest_at": "08:00", "timezone": "UTC"},
                                   {"channels": [b], "mode": "immediate"}])
    world.settled()
    world.run("liputan6", [article(1), article(2), article(3)], T0)
    early = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert early.sent == 3 and len(hooks.received("/b")) == 3 and hooks.received("/a") == []
    digest = deliver(world.store, world.config, now=T0 + timedelta(hours=5, minutes=1))  # 08:01 UTC
    assert digest.sent == 3 and digest.messages == 1
    posted = hooks.received("/a")[0].json
    assert posted["title"] == "3 new article(s) on kazakhstan-unrest"
    items = [line for line in posted["message"].splitlines() if line.startswith("• ")]
    assert len(items) == 3 and items[0].startswith("• Kerusuhan di Almaty, laporan")


def test_the_baseline_backlog_digest_goes_to_a_channel_too(world: World, hooks: WebhookReceiver) -> None:
    world.configure(subscriptions=[{"channels": [f"{hooks.base()}/desk"]}])
    world.run("liputan6", [article(1), article(2)], T0)  # the first run: its articles are the backlog
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.messages) == (2, 1)
    assert hooks.received("/desk")[0].json["title"] == "2 new article(s) on kazakhstan-unrest (backlog)"


def test_preview_writes_channel_messages_beside_the_mails_without_sending(world: World,
                                                                          hooks: WebhookReceiver) -> None:
    from crawler.notify.delivery import preview

    world.configure(subscriptions=[{"to": [READER], "channels": [f"{hooks.base()}/desk"]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    written = preview(world.store, world.config, world.root / "preview", now=T0 + timedelta(minutes=10))
    assert sorted(p.name.split("-", 1)[1] for p in written) == ["immediate-json.chat.txt",
                                                                f"immediate-{READER}.eml"]
    chat = next(p for p in written if p.suffix == ".txt").read_text(encoding="utf-8")
    assert chat.startswith(f"To: {hooks.base()}/desk\nFormat: text\n"
                           "Title: New: Kerusuhan di Almaty, laporan 1\n")
    assert hooks.received() == [] and world.server.received() == []


def test_a_slow_channel_does_not_shorten_the_lease_of_the_items_after_it(world: World,
                                                                         hooks: WebhookReceiver) -> None:
    hooks.stall["/slow"] = 5.0
    slow, good = f"{hooks.base()}/slow?rto=1&cto=1", f"{hooks.base()}/good"
    world.configure(subscriptions=[{"channels": [slow, good]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    now = T0 + timedelta(minutes=10)
    deliver(world.store, world.config, now=now)
    sent = world.store.deliveries.with_status("sent")
    assert [d.recipient for d in sent] == [good]
    # Claimed after the slow one had taken its second: its lease (kept in due_at) starts that much later.
    lease = timedelta(seconds=max(world.config.smtp.timeout * 4, 30.0) + 60)
    assert datetime.fromisoformat(sent[0].due_at) >= now + lease + timedelta(seconds=1)


def test_the_daemon_metrics_count_deliveries_by_channel(world: World, hooks: WebhookReceiver) -> None:
    from crawler.monitor.metrics import WatchMetrics

    hooks.fail["/down"] = 500
    world.configure(subscriptions=[{"to": [READER], "channels": [f"{hooks.base()}/ok",
                                                                  f"{hooks.base('form')}/down"]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    metrics = WatchMetrics(world.config, world.store, ["liputan6"], timeout=60.0)
    metrics.refresh()

    def sample(channel: str, status: str) -> float | None:
        return metrics.registry.get_sample_value("newswatch_deliveries",
                                                 {"channel": channel, "status": status})

    assert (sample("email", "sent"), sample("json", "sent"), sample("form", "pending")) == (1, 1, 1)
    assert sample("form", "sent") == 0


def test_templates_dir_restyles_chat_messages_and_values_stay_neutralised(world: World,
                                                                          hooks: WebhookReceiver) -> None:
    styles = world.root / "styles"
    styles.mkdir()
    (styles / "chat_immediate.txt").write_text(
        "[desk] {{ ev.display_title|line(80) }}\n{{ source }}: {{ ev.url|chat_link('open') }}\n",
        encoding="utf-8")
    world.configure(subscriptions=[{"channels": [f"{hooks.base()}/desk"]}],
                    alerts={"templates_dir": str(styles)})
    world.settled()
    world.run("liputan6", [article(1, title="Almaty @everyone [x](https://evil.example)")], T0)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    posted = hooks.received("/desk")[0].json
    assert posted["title"] == "[desk] Almaty @\u200beveryone [x]\u200b(https://evil.example)"
    assert posted["message"] == "Liputan6: https://www.liputan6.com/global/read/4850001/kazakhstan-1"


def test_channels_still_deliver_while_the_mail_server_is_down(world: World, hooks: WebhookReceiver) -> None:
    world.configure(subscriptions=[{"to": [READER, "desk@example.org"],
                                    "channels": [f"{hooks.base()}/desk"]}])
    world.settled()
    world.run("liputan6", [article(1), article(2)], T0)
    world.server.refuse_connections()
    down = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (down.sent, down.retrying) == (2, 4)  # both alerts reached the channel; the four mails wait
    assert len(hooks.received("/desk")) == 2
    world.server.accept_connections()
    back = deliver(world.store, world.config, now=T0 + timedelta(minutes=12))
    assert back.sent == 4 and len(world.server.received()) == 4 and len(hooks.received("/desk")) == 2
