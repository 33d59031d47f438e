"""When each source is due, computed from the database so that a restarted daemon resumes its schedule.

The schedule's memory is the `crawl_runs` table, not an APScheduler job store: a source's next crawl is its
last *finished* run's start plus the interval (or, for a cron line, the first fire time after that start).
A source that never finished a run, or whose last run was killed before finishing, is due at once; a source
that was due while the daemon was down is crawled once on restart (missed runs coalesce), never once per
missed slot. Pure functions of (config, runs, now), except `last_finished_runs`, which reads the store.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from crawler.config import Schedule
from storage import CrawlRun, Store

# How many recent runs of a source are looked through for its last finished one: a source whose last
# runs were all killed before finishing is treated as never run, i.e. due now.
RUNS_LOOKED_AT = 50


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def last_finished_runs(store: Store, sources: Iterable[str],
                       ignore: Collection[str] = ()) -> dict[str, CrawlRun]:
    """Each source's newest crawl run that finished (a timeout included) with an outcome not in `ignore`;
    a source without one is absent."""
    found: dict[str, CrawlRun] = {}
    for source in sources:
        run = next((r for r in store.recent_runs(source, limit=RUNS_LOOKED_AT)
                    if r.finished_at and r.outcome not in ignore), None)
        if run is not None:
            found[source] = run
    return found


def next_due(schedule: Schedule, last_started: datetime | None, now: datetime) -> datetime:
    """When a source is next due (UTC, jitter aside): `now` when it never ran or its slot has passed.

    Interval schedules count from the start of the last finished run, as APScheduler's interval trigger
    counts from the previous fire time; cron schedules take the first fire time after that start.
    """
    now = _utc(now)
    if last_started is None:
        return now
    started = _utc(last_started)
    if schedule.cron:
        fire = schedule.trigger().get_next_fire_time(None, started + timedelta(seconds=1))
        due = _utc(fire) if fire is not None else now
    else:
        due = started + timedelta(minutes=schedule.interval_minutes or 0)
    return max(due, now)


def due_times(schedules: Mapping[str, Schedule], runs: Mapping[str, CrawlRun],
              now: datetime) -> dict[str, datetime]:
    """next_due for every source in `schedules`, from its last finished run in `runs`."""
    return {source: next_due(schedule, _started(runs.get(source)), now)
            for source, schedule in schedules.items()}


def is_due(due: datetime, now: datetime) -> bool:
    return _utc(due) <= _utc(now)


def _started(run: CrawlRun | None) -> datetime | None:
    if run is None:
        return None
    return datetime.fromisoformat(run.started_at.replace("Z", "+00:00"))
