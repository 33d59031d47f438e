"""`newswatch alerts test|preview|deliver` and `newswatch status`, invoked as commands, checked against the
server and the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from click.testing import CliRunner, Result

from crawler.cli import cli
from tests.notify.delivery.world import READER, T0, World, article


def invoke(world: World, *args: str) -> Result:
    """Run a command (`alerts VERB` or `status`) with --config pointing at the world's file."""
    words = 2 if args[0] == "alerts" else 1
    return CliRunner().invoke(cli, [*args[:words], "--config", str(world.config_path), *args[words:]])


def test_alerts_test_reaches_the_server(world: World) -> None:
    result = invoke(world, "alerts", "test", "--to", "ops@example.org")
    assert result.exit_code == 0, result.output
    got = world.server.only_message()
    assert got.rcpt_tos == ["ops@example.org"]
    assert str(got.message["Subject"]) == "[newswatch] test message"
    assert got.authenticated_as == "newswatch-test"
    assert "ops@example.org" in result.output


def test_alerts_test_with_the_server_down_is_one_line_and_exit_2(world: World) -> None:
    world.server.refuse_connections()
    result = invoke(world, "alerts", "test", "--to", "ops@example.org")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("newswatch: error: ") and "connection refused" in result.output


def test_alerts_preview_writes_parsable_eml_files_and_sends_nothing(world: World, tmp_path: Path) -> None:
    world.configure(subscriptions=[{"to": [READER]},
                                   {"to": ["digest@example.org"], "mode": "digest", "digest_at": "18:00"}])
    world.settled(datetime.now(UTC) - timedelta(days=2))
    world.run("liputan6", [article(1), article(2)], datetime.now(UTC) - timedelta(days=1))
    out = tmp_path / "preview"
    result = invoke(world, "alerts", "preview", "--out", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.eml"))
    assert len(files) == 3  # two immediate alerts, one digest
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted((str(m["To"]), str(m["Subject"])) for m in parsed) == [
        ("digest@example.org", "[newswatch] 2 new articles on kazakhstan-unrest"),
        (READER, "[newswatch] Liputan6: Kerusuhan di Almaty, laporan 1"),
        (READER, "[newswatch] Liputan6: Kerusuhan di Almaty, laporan 2"),
    ]
    assert world.server.received() == []
    assert len(world.store.pending_events()) == 2  # nothing was dispatched either
    assert world.store.deliveries.status_counts()["pending"] == 0


def test_alerts_deliver_sends_what_is_due(world: World) -> None:
    world.settled(datetime.now(UTC) - timedelta(days=2))
    world.run("liputan6", [article(1)], datetime.now(UTC) - timedelta(hours=1))
    result = invoke(world, "alerts", "deliver")
    assert result.exit_code == 0, result.output
    assert "sent 1 (1 message(s))" in result.output
    assert len(world.server.received()) == 1


def test_status_shows_runs_next_run_outbox_and_subscriptions(world: World) -> None:
    world.configure(subscriptions=[{"to": [READER, "gone@example.org"]}, {"to": ["desk@example.org"]}])
    world.server.reject_recipients.add("gone@example.org")
    world.settled()
    started = T0
    run_id = world.run("liputan6", [article(1), article(2)], started,
                       stats={"finish_reason": "finished", "newswatch/articles/new": 2,
                              "newswatch/discovery/tag_links": 14})
    from crawler.notify.delivery import deliver

    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    result = invoke(world, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    liputan6 = next(s for s in data["sources"] if s["source"] == "liputan6")
    assert liputan6["last_run"]["id"] == run_id
    assert (liputan6["last_run"]["new"], liputan6["last_run"]["found"]) == (2, 14)
    assert liputan6["last_run"]["outcome"] == "finished"
    # Runs every 15 minutes by default: the next is due now, since the last one was long ago.
    assert liputan6["next_run"] >= data["now"]
    bbc = next(s for s in data["sources"] if s["source"] == "bbc")
    assert bbc["last_run"] is None
    assert data["outbox"]["deliveries"] == {"pending": 0, "sent": 4, "failed": 2, "skipped": 0}
    assert {f["recipient"] for f in data["failed"]} == {"gone@example.org"}
    assert data["subscriptions"] == {"count": 2, "recipients": 3, "channels": 0}

    text = invoke(world, "status")
    assert text.exit_code == 0
    assert f"liputan6: last run #{run_id}" in text.output
    assert "2 new" in text.output and "bbc: never run" in text.output
    assert "4 sent, 2 failed" in text.output
    assert "gone@example.org" in text.output and "550" in text.output
    assert "Subscriptions: 2 (3 recipient(s))" in text.output


def test_status_next_run_follows_the_interval_after_a_recent_run(world: World) -> None:
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    world.run("liputan6", [], started)
    data = json.loads(invoke(world, "status", "--format", "json").output)
    liputan6 = next(s for s in data["sources"] if s["source"] == "liputan6")
    assert datetime.fromisoformat(liputan6["next_run"]) == started + timedelta(minutes=15)


def test_status_on_a_missing_database_is_one_line(world: World, tmp_path: Path) -> None:
    result = invoke(world, "status", "--db", f"sqlite:///{tmp_path / 'missing.db'}")
    assert result.exit_code == 2
    assert "no database" in result.output
