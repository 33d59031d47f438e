"""`newswatch alerts test --to URL` for every kind of destination, the start-up check of channel secrets
(`watch`, `alerts deliver`), `status` per destination, and secrets that never reach the database, the logs
or the output; all against the loopback webhook receiver and SMTP server."""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.cli import cli
from crawler.notify.delivery import deliver
from tests.databases import query
from tests.notify.delivery.world import READER, T0, World, article
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers.webhook import WebhookReceiver

HOOK_SECRET = "hook-Secret-7f3a9c-loopback"  # distinctive, so a leak is easy to find


def invoke(world: World, *args: str) -> Result:
    words = 2 if args[0] == "alerts" else 1
    return CliRunner().invoke(cli, [*args[:words], "--config", str(world.config_path), *args[words:]])


def test_alerts_test_reaches_every_kind_of_destination(world: World, hooks: WebhookReceiver,
                                                       smtp_server: LoopbackSmtpServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NW_TEST_MM_TOKEN", "mmtoken")
    destinations = [f"{hooks.base('json')}/json", f"{hooks.base('form')}/form",
                    f"{hooks.base('xml')}/xml", f"{hooks.base('mmost')}/${{NW_TEST_MM_TOKEN}}",
                    f"mailto://{smtp_server.host}:{smtp_server.port}?from=alerts@newswatch.test&to={READER}",
                    "ops@example.org"]
    for to in destinations:
        result = invoke(world, "alerts", "test", "--to", to)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("sent a test message to ")
    assert hooks.received("/json")[0].json["title"] == "newswatch test message"
    assert hooks.received("/form")[0].form["title"] == "newswatch test message"
    assert b"newswatch test message" in hooks.received("/xml")[0].body
    assert "**newswatch test message**" in hooks.received("/hooks/mmtoken")[0].json["text"]
    mails = {m.rcpt_tos[0]: m for m in smtp_server.received()}
    assert str(mails[READER].message["Subject"]) == "newswatch test message"  # Apprise's mail
    assert str(mails["ops@example.org"].message["Subject"]) == "[newswatch] test message"  # ours


def test_alerts_test_failures_are_one_line_and_exit_2(world: World, hooks: WebhookReceiver) -> None:
    hooks.fail["/down"] = 500
    cases = {f"{hooks.base()}/down": "test message not delivered: json://127.0.0.1:",
             "nosuchservice://x": "unknown channel scheme 'nosuchservice'",
             "json://127.0.0.1/${NW_TEST_UNSET_SECRET}":
                 "environment variable NW_TEST_UNSET_SECRET is not set"}
    for to, expected in cases.items():
        result = invoke(world, "alerts", "test", "--to", to)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and result.output.startswith("newswatch: error: ")
        assert expected in result.output
    assert "error=500" in invoke(world, "alerts", "test", "--to", f"{hooks.base()}/down").output


def test_a_missing_secret_stops_watch_and_deliver_at_start_naming_the_subscription(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NW_TEST_HOOK_SECRET", raising=False)
    world.configure(subscriptions=[{"to": [READER]},
                                   {"channels": ["json://user:${NW_TEST_HOOK_SECRET}@127.0.0.1:9/hook"]}])
    for args in (("watch", "--once"), ("alerts", "deliver")):
        result = invoke(world, *args)
        assert result.exit_code == 2, result.output
        assert result.output == (f"newswatch: error: {world.config_path}: subscriptions[1].channels: secret "
                                 "missing: environment variable NW_TEST_HOOK_SECRET is not set\n")


def test_secrets_reach_the_receiver_but_never_the_database_logs_or_status(
        world: World, hooks: WebhookReceiver, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("NW_TEST_HOOK_SECRET", HOOK_SECRET)
    good = f"json://desk:${{NW_TEST_HOOK_SECRET}}@127.0.0.1:{hooks.port}/good"
    bad = f"json://desk:${{NW_TEST_HOOK_SECRET}}@127.0.0.1:{hooks.port}/bad"
    hooks.fail["/bad"] = 500
    world.configure(subscriptions=[{"channels": [good, bad]}])
    world.settled()
    world.run("liputan6", [article(1)], T0)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert (report.sent, report.retrying) == (1, 1)
    auth = hooks.received("/good")[0].headers["Authorization"]
    assert auth == "Basic " + base64.b64encode(f"desk:{HOOK_SECRET}".encode()).decode()
    status = invoke(world, "status")
    assert f"  {bad}" not in status.output  # still pending, not failed
    assert "Deliveries by channel: json pending 1, sent 1" in status.output
    late = deliver(world.store, world.config, now=T0 + timedelta(hours=49))
    assert late.gave_up == 1
    status = invoke(world, "status")
    assert bad in status.output and "error=500" in status.output
    data = json.loads(invoke(world, "status", "--format", "json").output)
    assert data["by_channel"] == {"json": {"failed": 1, "sent": 1}}
    assert [f["recipient"] for f in data["failed"]] == [bad]
    world.close()
    stored = " ".join(str(value) for row in query(world.db_url, "SELECT * FROM deliveries") for value in row)
    assert bad in stored  # the URL as written, placeholder and all
    texts = [("stored rows", stored.encode()), ("logs", caplog.text.encode()),
             ("status", status.output.encode()), ("report", " ".join(report.errors).encode())]
    if world.db_url.startswith("sqlite:///"):  # the file itself, its WAL and shared-memory files
        database = Path(world.db_url.removeprefix("sqlite:///"))
        texts += [(path.name, path.read_bytes()) for path in database.parent.glob(database.name + "*")]
    forms = [HOOK_SECRET, base64.b64encode(f"desk:{HOOK_SECRET}".encode()).decode()]
    for where, text in texts:
        for form in forms:
            assert form.encode() not in text, f"the channel secret leaked into the {where}"
