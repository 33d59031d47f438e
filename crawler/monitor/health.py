"""Watching the crawler itself: health checks over a finished run's stats, and admin mail on a streak.

The checks (spidermon-style) are pure functions of a run's stats dict, the stats of earlier runs and the
`[alerts.health]` settings; each returns None when healthy or one line saying what is wrong. `after_run` is
what the watch daemon calls after each crawl: it evaluates the run, keeps the source's streak of failing
runs in `source_health`, and queues one admin e-mail when the streak reaches
`alerts.health.consecutive_failures` runs, and one more when the source recovers; never one per run.

Stats read (the crawl pipeline emits the newswatch/ ones; missing keys skip the check that needs them):

- the run's recorded outcome (crawl_runs.outcome: "unreachable", a forced "timeout"...), else `finish_reason`
  (Scrapy): anything but "finished" fails.
- `newswatch/discovery/<kind>_links` (spiders/base.py): links found on feeds, sitemaps, index, tag and topic
  pages. With `newswatch/articles/new|updated|unchanged|irrelevant` (articles the pipeline stored or judged
  off-topic) and Scrapy's `item_scraped_count`, the largest of the three is the number of articles found.
  Fewer than `min_articles` fails when earlier runs (before the current failure streak) usually found that
  many.
- `newswatch/article/parsed` (spiders/base.py) and `newswatch/parse_failed` (crawl/pipelines.py; or the
  spider's `newswatch/article/no_article`): article pages parsed and pages no article could be read from.
  A share of unparsable pages above `max_parse_failure_ratio` (out of at least MIN_PAGES_FOR_RATIO pages)
  fails: the site's markup probably changed.
- `downloader/response_status_count/403` and `/429` over `downloader/response_count` (Scrapy): at least
  BAN_MIN_SHARE of the responses refused means the site is blocking or rate-limiting us.
- `newswatch/listing/newest_date`: the newest publication date (ISO 8601) any feed or listing showed this
  run. Older than `feed_stale_hours` at the end of the run fails: the feed stopped updating.
- `newswatch/feed/dead/<feed URL>` and `newswatch/feed/newest/<feed URL>` (spiders/base.py): each configured
  feed on its own. A feed that answered an error status after the retries, gave no response, or held no
  entries fails; so does one whose newest entry is older than `feed_stale_hours`. A feed that answered 304
  (`newswatch/feed/not_modified/<feed URL>`) is judged by what the latest earlier run that read it found.
- `log_count/ERROR` (Scrapy): ERROR_LIMIT or more errors logged fails.
- `newswatch/discovery/sitemap_capped` and `sitemap_crawl_capped` (spiders/base.py): a sitemap cut at
  NEWSWATCH_MAX_SITEMAP_URLS entries, or the crawl's sitemap requests used up
  (NEWSWATCH_MAX_SITEMAP_REQUESTS), fails: links were left out, and an admin should know (raise the cap, or
  the site is flooding us). The same for `feed_capped`, a feed cut at NEWSWATCH_MAX_FEED_ITEMS.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.config import Config, HealthConfig
from crawler.notify.delivery import send_notices
from crawler.notify.smtp import SmtpSettings
from storage import HealthState, Store
from storage.store import utc_iso

log = logging.getLogger(__name__)

Stats = Mapping[str, Any]

FINISH_REASON = "finish_reason"
ITEMS_SCRAPED = "item_scraped_count"
ARTICLES_STORED = ("newswatch/articles/new", "newswatch/articles/updated", "newswatch/articles/unchanged")
ARTICLES_IRRELEVANT = "newswatch/articles/irrelevant"
LINKS_PREFIX, LINKS_SUFFIX = "newswatch/discovery/", "_links"
PAGES_PARSED = "newswatch/article/parsed"
# The spider counts a page without an article, and the pipeline counts the FailedArticle item it yields:
# the same pages twice, so the larger of the two is taken, never the sum.
PAGES_UNPARSED = ("newswatch/parse_failed", "newswatch/article/no_article")
RESPONSES = "downloader/response_count"
BAN_STATUSES = (403, 429)
STATUS_PREFIX = "downloader/response_status_count/"
NEWEST_LISTED = "newswatch/listing/newest_date"
FEED_DEAD = "newswatch/feed/dead/"
FEED_NEWEST = "newswatch/feed/newest/"
FEED_NOT_MODIFIED = "newswatch/feed/not_modified/"
ERRORS = "log_count/ERROR"

OK_FINISH_REASONS = ("finished",)
MIN_PAGES_FOR_RATIO = 3  # one odd page out of two is noise, not a markup change
BAN_MIN_SHARE = 0.1
ERROR_LIMIT = 5
HISTORY_RUNS = 10  # earlier runs that say what a source "usually" finds


@dataclass(frozen=True)
class Failure:
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


def _number(stats: Stats, key: str) -> int:
    value = stats.get(key)
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def articles_found(stats: Stats) -> int:
    """How many articles a run found: listing links, stored articles or scraped items, whichever is most."""
    links = sum(_number(stats, k) for k in stats if k.startswith(LINKS_PREFIX) and k.endswith(LINKS_SUFFIX))
    stored = sum(_number(stats, k) for k in (*ARTICLES_STORED, ARTICLES_IRRELEVANT))
    return max(links, stored, _number(stats, ITEMS_SCRAPED))


def check_finish(stats: Stats, outcome: str | None) -> str | None:
    reason = outcome or stats.get(FINISH_REASON)  # the recorded outcome knows of timeouts and interrupts
    if reason is None:
        return "the run did not finish (killed or still running)"
    if str(reason) not in OK_FINISH_REASONS:
        return f"the run ended with {reason!r}"
    return None


def check_articles(stats: Stats, previous: Sequence[Stats], min_articles: int) -> str | None:
    if min_articles <= 0 or not previous:
        return None
    found = articles_found(stats)
    usual = statistics.median(articles_found(p) for p in previous)
    if found < min_articles <= usual:
        return f"found {found} article(s) where runs usually find {usual:g}"
    return None


def check_parse_failures(stats: Stats, max_ratio: float) -> str | None:
    failed = max(_number(stats, k) for k in PAGES_UNPARSED)
    parsed = _number(stats, PAGES_PARSED)
    total = failed + parsed
    if total < MIN_PAGES_FOR_RATIO or failed / total <= max_ratio:
        return None
    return f"{failed} of {total} article pages could not be parsed (the site's markup may have changed)"


def check_bans(stats: Stats) -> str | None:
    refused = {code: _number(stats, f"{STATUS_PREFIX}{code}") for code in BAN_STATUSES}
    total_refused = sum(refused.values())
    if not total_refused:
        return None
    responses = _number(stats, RESPONSES)
    if responses and total_refused / responses < BAN_MIN_SHARE:
        return None
    shown = ", ".join(f"{n} x HTTP {code}" for code, n in refused.items() if n)
    return f"the site refused us: {shown} of {responses or total_refused} responses"


def check_feed_fresh(stats: Stats, finished_at: datetime | None, stale_hours: float) -> str | None:
    newest = _moment(stats.get(NEWEST_LISTED))
    if stale_hours <= 0 or newest is None or finished_at is None:
        return None
    age = (finished_at - newest).total_seconds() / 3600
    if age <= stale_hours:
        return None
    return (f"the newest listed item is {age:.0f} hours old (published {utc_iso(newest)}): "
            "the feed stopped updating")


def check_feeds(stats: Stats, previous: Sequence[Stats], finished_at: datetime | None,
                stale_hours: float) -> str | None:
    """Every configured feed on its own: dead ones, and (with `stale_hours`) stale ones.

    A feed that answered 304 is as the latest earlier run that read it found it: its newest entry then,
    or dead when it held no entries then (an unchanged page that is no feed is still no feed).
    """
    dead = {k[len(FEED_DEAD):]: v for k, v in stats.items() if k.startswith(FEED_DEAD)}
    newest: dict[str, Any] = {k[len(FEED_NEWEST):]: v for k, v in stats.items() if k.startswith(FEED_NEWEST)}
    for key in stats:
        feed = key[len(FEED_NOT_MODIFIED):] if key.startswith(FEED_NOT_MODIFIED) else None
        if feed is None or feed in newest or feed in dead:
            continue
        for earlier in previous:
            if FEED_NEWEST + feed in earlier:
                newest[feed] = earlier[FEED_NEWEST + feed]
                break
            if FEED_DEAD + feed in earlier:
                dead[feed] = f"{earlier[FEED_DEAD + feed]}, unchanged since"
                break
    problems = [f"{feed} is dead ({reason})" for feed, reason in sorted(dead.items())]
    if stale_hours > 0 and finished_at is not None:
        for feed, value in sorted(newest.items()):
            moment = _moment(value)
            if moment is None:
                continue
            age = (finished_at - moment).total_seconds() / 3600
            if age > stale_hours:
                problems.append(f"{feed} is stale (newest entry {age:.0f} hours old, "
                                f"published {utc_iso(moment)})")
    return "feed " + "; feed ".join(problems) if problems else None


def check_errors(stats: Stats) -> str | None:
    errors = _number(stats, ERRORS)
    return f"{errors} errors logged" if errors >= ERROR_LIMIT else None


SITEMAP_CAPPED = "newswatch/discovery/sitemap_capped"
SITEMAP_ENTRIES_DROPPED = "newswatch/discovery/sitemap_entries_dropped"
SITEMAP_CRAWL_CAPPED = "newswatch/discovery/sitemap_crawl_capped"
SITEMAP_LINKS_DROPPED = "newswatch/discovery/sitemap_links_dropped"
FEED_CAPPED = "newswatch/discovery/feed_capped"
FEED_ENTRIES_DROPPED = "newswatch/discovery/feed_entries_dropped"


def check_capped(stats: Stats) -> str | None:
    parts = []
    if _number(stats, SITEMAP_CAPPED):
        parts.append(f"{_number(stats, SITEMAP_CAPPED)} sitemap(s) cut at NEWSWATCH_MAX_SITEMAP_URLS entries "
                     f"({_number(stats, SITEMAP_ENTRIES_DROPPED)} entries not read)")
    if _number(stats, SITEMAP_CRAWL_CAPPED):
        parts.append(f"the crawl's sitemap requests used up (NEWSWATCH_MAX_SITEMAP_REQUESTS; "
                     f"{_number(stats, SITEMAP_LINKS_DROPPED)} links not followed)")
    if _number(stats, FEED_CAPPED):
        parts.append(f"{_number(stats, FEED_CAPPED)} feed(s) cut at NEWSWATCH_MAX_FEED_ITEMS entries "
                     f"({_number(stats, FEED_ENTRIES_DROPPED)} entries not read)")
    return "; ".join(parts) or None


def evaluate(stats: Stats, previous: Sequence[Stats], health: HealthConfig, *, outcome: str | None = None,
             finished_at: datetime | None = None) -> list[Failure]:
    """Every failing check of one finished run; [] when the run is healthy.

    `previous`: stats of earlier runs of the same source (newest first), for "usually finds".
    """
    checks: list[tuple[str, Callable[[], str | None]]] = [
        ("finish", lambda: check_finish(stats, outcome)),
        ("articles", lambda: check_articles(stats, previous, health.min_articles)),
        ("parse_failures", lambda: check_parse_failures(stats, health.max_parse_failure_ratio)),
        ("bans", lambda: check_bans(stats)),
        ("feed_stale", lambda: check_feed_fresh(stats, finished_at, health.feed_stale_hours)),
        ("feeds", lambda: check_feeds(stats, previous, finished_at, health.feed_stale_hours)),
        ("errors", lambda: check_errors(stats)),
        ("capped", lambda: check_capped(stats)),
    ]
    return [Failure(name, message) for name, check in checks if (message := check()) is not None]


@dataclass(frozen=True)
class HealthOutcome:
    """What after_run concluded about one run."""

    failures: list[Failure]
    state: HealthState
    notice: str | None  # "failing" | "recovered" when an admin mail was queued (or only logged) now
    recorded: bool  # False when the run had been evaluated before (nothing changed)


def after_run(store: Store, config: Config, source: str, run_id: int, *, now: datetime | None = None,
              smtp_settings: SmtpSettings | None = None, send: bool = True) -> HealthOutcome:
    """Evaluate a finished run, update the source's failure streak, and tell the admin once per streak.

    The notice is queued with the state in one transaction and then sent right away when `send` is true
    (a failed send stays queued; `crawler.notify.delivery.deliver` retries it). Without `alerts.admin_address`
    the notice is only logged. Calling it again for the same run changes nothing.
    """
    now = now or datetime.now(UTC)
    run = store.health.run(run_id)
    if run is None:
        raise ValueError(f"no crawl run with id {run_id}")
    prior = store.health.state(source)
    streak = prior is not None and prior.consecutive_failures > 0
    before_id = prior.streak_start_run_id if streak and prior and prior.streak_start_run_id else run_id
    history = [r.stats or {} for r in store.health.finished_runs(source, before_id=before_id,
                                                                 limit=HISTORY_RUNS)]
    failures = evaluate(run.stats or {}, history, config.alerts.health, outcome=run.outcome,
                        finished_at=_moment(run.finished_at))
    state, notice = _next_state(prior if streak else None, prior, source, run_id, failures,
                                config.alerts.health.consecutive_failures, run.started_at, now)
    queued: list[dict[str, Any]] | None = None
    if notice is not None:
        # A recovery mail reports the streak that ended, a failing one the streak as it is now.
        told = state if notice == "failing" else prior
        assert told is not None
        log.warning("crawl health: %s %s after %d run(s): %s", source, notice, told.consecutive_failures,
                    "; ".join(told.reasons))
        payload = {"runs": told.consecutive_failures, "reasons": told.reasons, "since": told.failing_since,
                   "run_id": run_id}
        # One notice per destination: the admin address and every admin channel, each sent and retried alone.
        recipients = [config.alerts.admin_address] if config.alerts.admin_address else []
        recipients += list(config.alerts.admin_channels)
        queued = [{"kind": notice, "recipient": r, "payload": payload} for r in recipients] or None
    recorded = store.health.record(state, queued, now)
    if not recorded:
        return HealthOutcome(failures, store.health.state(source) or state, None, False)
    if queued is not None and send:
        send_notices(store, config, now=now, smtp_settings=smtp_settings)
    return HealthOutcome(failures, state, notice, True)


def _next_state(streak: HealthState | None, prior: HealthState | None, source: str, run_id: int,
                failures: list[Failure], threshold: int, started_at: str | None,
                now: datetime) -> tuple[HealthState, str | None]:
    """The source's state after this run, and the notice it calls for ("failing", "recovered" or None)."""
    at = utc_iso(now)
    if not failures:
        healthy = HealthState(source, run_id, 0, None, None, False, [], at)
        return healthy, ("recovered" if prior is not None and prior.alerted else None)
    count = streak.consecutive_failures + 1 if streak else 1
    told = bool(streak and streak.alerted)
    state = HealthState(source, run_id, count, streak.streak_start_run_id if streak else run_id,
                        streak.failing_since if streak else (started_at or at), told or count >= threshold,
                        [str(f) for f in failures], at)
    return state, ("failing" if count >= threshold and not told else None)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
