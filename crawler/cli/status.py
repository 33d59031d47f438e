"""`newswatch status`: per source the last run and the next, crawl health, the outbox, subscriptions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from crawler.cli.alerts import common_options, opened
from crawler.cli.configuring import load
from crawler.config import Config
from crawler.monitor.health import ARTICLES_STORED, articles_found
from crawler.monitor.metrics import channel_of
from storage import CrawlRun, HealthState, Store
from storage.leadership import monitor_leader
from storage.store import utc_iso

FAILED_SHOWN = 20


def next_run(config: Config, source: str, last: CrawlRun | None, now: datetime) -> datetime:
    """When the schedule runs the source next (jitter aside): the cron's next time, or the last run's start
    plus the interval; now when that is past or the source never ran."""
    schedule = config.schedule_for(source)
    if schedule.cron:
        fire = schedule.trigger().get_next_fire_time(None, now)
        return fire.astimezone(UTC) if fire else now
    if last is None:
        return now
    started = datetime.fromisoformat(last.started_at)
    return max(now, started + timedelta(minutes=schedule.interval_minutes or 0))


def gather(store: Store, config: Config, now: datetime) -> dict[str, Any]:
    """Everything `status` shows, as plain data."""
    names = [s.name for s in config.enabled_sources()]
    names += sorted({r.spider for r in store.recent_runs(limit=200)} - set(names))
    health = store.health.states()
    sources = []
    for name in names:
        runs = store.recent_runs(name, limit=1)
        last = runs[0] if runs else None
        sources.append({"source": name, "last_run": _run_summary(last) if last else None,
                        "next_run": utc_iso(next_run(config, name, last, now)) if name in config.sources
                        else None,
                        "health": _health(health.get(name))})
    failed = store.deliveries.with_status("failed", limit=FAILED_SHOWN)
    # Skipped with a reason: the config stopped wanting them (a silent baseline's rows carry none).
    unwanted = store.deliveries.skipped_with_reason(limit=FAILED_SHOWN)

    return {
        "now": utc_iso(now),
        "sources": sources,
        "outbox": {"events_waiting": len(store.pending_events()),
                   "deliveries": store.deliveries.status_counts(),
                   "next_due": store.deliveries.next_due(),
                   "health_notices": store.notices.status_counts()},
        "failed": [{"recipient": d.recipient, "event": f"{d.event.source}:{d.event.article_id}",
                    "kind": d.event.kind, "mode": d.mode, "attempts": d.attempts, "at": d.due_at,
                    "error": d.last_error} for d in failed],
        "skipped": [{"recipient": d.recipient, "event": f"{d.event.source}:{d.event.article_id}",
                     "kind": d.event.kind, "mode": d.mode, "at": d.due_at, "reason": d.last_error}
                    for d in unwanted],
        "failed_notices": [{"recipient": n.recipient, "source": n.source, "kind": n.kind,
                            "error": n.last_error} for n in store.notices.all("failed")],
        "by_channel": _by_channel(store),
        "monitor": {"leader": monitor_leader(store.url)},
        "subscriptions": {"count": len(config.subscriptions),
                          "recipients": len({a.lower() for s in config.subscriptions for a in s.to}),
                          "channels": len({c for s in config.subscriptions for c in s.channels})},
    }


def _by_channel(store: Store) -> dict[str, dict[str, int]]:
    """Delivery counts per channel ("email", or a channel URL's scheme such as "json", "tgram")."""
    out: dict[str, dict[str, int]] = {}
    for recipient, state, n in store.metrics.delivery_counts():
        counts = out.setdefault(channel_of(recipient), {})
        counts[state] = counts.get(state, 0) + n
    return dict(sorted(out.items()))


def _run_summary(run: CrawlRun) -> dict[str, Any]:
    stats = run.stats or {}
    counts = {key.rsplit("/", 1)[1]: int(stats.get(key) or 0) for key in ARTICLES_STORED}
    outcome = run.outcome or ("running or died" if not run.finished_at else None)
    return {"id": run.id, "started_at": run.started_at, "finished_at": run.finished_at, "outcome": outcome,
            "found": articles_found(stats), **counts}


def _health(state: HealthState | None) -> dict[str, Any]:
    if state is None:
        return {"consecutive_failures": 0, "failing_since": None, "reasons": []}
    return {"consecutive_failures": state.consecutive_failures, "failing_since": state.failing_since,
            "reasons": state.reasons}


def render(data: dict[str, Any]) -> list[str]:
    lines = ["Sources:"]
    for s in data["sources"]:
        run = s["last_run"]
        if run is None:
            last = "never run"
        else:
            when = run["finished_at"] or run["started_at"]
            last = (f"last run #{run['id']} {when} ({run['outcome']}): {run['new']} new, {run['updated']} "
                    f"updated, {run['unchanged']} unchanged, {run['found']} found")
        h = s["health"]
        health = "ok"
        if h["consecutive_failures"]:
            health = (f"FAILING {h['consecutive_failures']} run(s) since {h['failing_since']}: "
                      f"{'; '.join(h['reasons'])}")
        next_text = s["next_run"] or "not scheduled"
        lines.append(f"  {s['source']}: {last}; next run {next_text}; health {health}")
    o = data["outbox"]
    d, n = o["deliveries"], o["health_notices"]
    next_due = f"; next due {o['next_due']}" if o["next_due"] else ""
    lines.append(f"Outbox: {o['events_waiting']} event(s) not yet fanned out; deliveries {d['pending']} "
                 f"pending, {d['sent']} sent, {d['failed']} failed, {d['skipped']} skipped"
                 f"{next_due}")
    if len(data["by_channel"]) > 1 or any(name != "email" for name in data["by_channel"]):
        lines.append("Deliveries by channel: " + "; ".join(
            f"{name} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            for name, counts in data["by_channel"].items()))
    lines.append(f"Health notices: {n['pending']} pending, {n['sent']} sent, {n['failed']} failed")
    if data["failed"]:
        lines.append("Failed deliveries (latest first):")
        for f in data["failed"]:
            lines.append(f"  {f['recipient']}  {f['event']} ({f['kind']}, {f['mode']})  {f['at']}  "
                         f"after {f['attempts']} attempt(s): {f['error']}")
    if data["skipped"]:
        lines.append("Skipped deliveries, no longer wanted by the config (latest first):")
        for k in data["skipped"]:
            lines.append(f"  {k['recipient']}  {k['event']} ({k['kind']}, {k['mode']})  {k['at']}: "
                         f"{k['reason']}")
    for f in data["failed_notices"]:
        lines.append(f"  health notice to {f['recipient']} ({f['source']} {f['kind']}) failed: {f['error']}")
    leader = data["monitor"]["leader"]
    lines.append(f"Monitor: led by {leader}" if leader else "Monitor: no newswatch watch daemon is running")
    subs = data["subscriptions"]
    channels = f", {subs['channels']} channel(s)" if subs["channels"] else ""
    lines.append(f"Subscriptions: {subs['count']} ({subs['recipients']} recipient(s){channels})")
    return lines


@click.command("status")
@common_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(config_path: str | None, db_url: str | None, fmt: str) -> None:
    """Show each source's last and next run, crawl health, the alert outbox and subscriptions."""
    config = load(config_path)
    with opened(config, db_url) as store:
        data = gather(store, config, datetime.now(UTC))
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in render(data):
        click.echo(line)


COMMANDS = [status]
