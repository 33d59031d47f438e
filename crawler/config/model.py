"""Configuration: packaged defaults (crawler/config/defaults.toml), the user's TOML file over them.

Everything is validated before anything runs. A problem is reported as one line naming the file the value came
from and its dotted key: ``newswatch.toml: schedule.cron: invalid cron expression ...`` (a ConfigError).
The result is a tree of frozen dataclasses; the SMTP password is never part of it (see Config.smtp_password).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.config import outlets
from crawler.config.channels import problem as channel_problem
from crawler.core.errors import ConfigError

ENV_CONFIG = "NEWSWATCH_CONFIG"
ENV_DB = "NEWSWATCH_DB"
LOCAL_CONFIG = "newswatch.toml"
KNOWN_SOURCES = outlets.BUILTIN_SOURCES  # sources with code; any other [sources.NAME] is an outlet
# Part of Config.topics_fingerprint: bump it when relevance.py changes how topics are evaluated, so stored
# verdicts are re-evaluated just as after an edit of a topic.
TOPIC_RULES_VERSION = 2  # 2: an active development lowers the bar (story/relevance.py)

_DEFAULTS_LABEL = "defaults.toml"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

T = TypeVar("T")
Key = tuple[str | int, ...]


# ---------------------------------------------------------------------------------------------------------
# The configuration tree


@dataclass(frozen=True)
class StorageConfig:
    url: str


@dataclass(frozen=True)
class CrawlConfig:
    user_agent: str
    download_delay: float
    concurrent_requests_per_domain: int
    autothrottle: bool
    timeout: float
    max_response_size: int
    retry_times: int
    recheck_window_hours: float
    obey_robots: bool

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings these values stand for."""
        return {
            "USER_AGENT": self.user_agent,
            "DOWNLOAD_DELAY": self.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrent_requests_per_domain,
            "AUTOTHROTTLE_ENABLED": self.autothrottle,
            "DOWNLOAD_TIMEOUT": self.timeout,
            "DOWNLOAD_MAXSIZE": self.max_response_size,
            "RETRY_TIMES": self.retry_times,
            "ROBOTSTXT_OBEY": self.obey_robots,
        }


@dataclass(frozen=True)
class Schedule:
    """When a source is crawled: every interval_minutes, or on a crontab line (exactly one is set)."""

    interval_minutes: int | None
    cron: str | None
    jitter_seconds: int
    timezone: str

    def trigger(self) -> Any:
        """An APScheduler 3 trigger for this schedule."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        tz = ZoneInfo(self.timezone)
        jitter = self.jitter_seconds or None
        if self.cron:
            trigger = CronTrigger.from_crontab(self.cron, timezone=tz)
            trigger.jitter = jitter
            return trigger
        return IntervalTrigger(minutes=self.interval_minutes or 0, jitter=jitter, timezone=tz)


@dataclass(frozen=True)
class ScheduleOverride:
    interval_minutes: int | None = None
    cron: str | None = None
    jitter_seconds: int | None = None


@dataclass(frozen=True)
class SourceConfig:
    name: str
    enabled: bool
    allowed_hosts: tuple[str, ...]
    feeds: tuple[str, ...]
    sitemaps: tuple[str, ...]
    index_url: str | None  # template with {yyyy} {mm} {dd} {page}
    tag_url: str | None  # template with {slug} {page}
    tags: tuple[str, ...]
    topic_pages: tuple[str, ...]
    max_pages: int
    backfill_since: date | None
    backfill_until: date | None
    schedule: ScheduleOverride
    # Outlets by configuration (crawler/config/outlets.py); the built-in sources leave them at their defaults.
    listings: tuple[str, ...] = ()  # listing URL templates, {page} optional
    article_url: str | None = None  # regex searched in an URL's path and query: which links are articles
    article_id: str = "group"  # "group": the pattern's `id` group; "url": drawn from the canonical URL
    language: str | None = None  # ISO 639-1 hint for the generic extractor

    @property
    def builtin(self) -> bool:
        return self.name in KNOWN_SOURCES

    def index_page(self, day: date, page: int = 1) -> str | None:
        if not self.index_url:
            return None
        return self.index_url.format(yyyy=f"{day.year:04d}", mm=f"{day.month:02d}", dd=f"{day.day:02d}",
                                     page=page)

    def tag_page(self, slug: str, page: int = 1) -> str | None:
        return self.tag_url.format(slug=slug, page=page) if self.tag_url else None

    @property
    def tag_pages(self) -> tuple[str, ...]:
        """The first page of every configured tag."""
        return tuple(url for url in (self.tag_page(slug) for slug in self.tags) if url)


@dataclass(frozen=True)
class LanguageKeywords:
    """One language's terms of a topic. `all` holds groups: each group needs one of its terms."""

    language: str
    any: tuple[str, ...] = ()
    all: tuple[tuple[str, ...], ...] = ()
    none: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicConfig:
    """A topic. Hashable on purpose: relevance.py caches compiled patterns per topic."""

    name: str
    enabled: bool
    description: str
    keywords: tuple[LanguageKeywords, ...]
    since: date | None
    until: date | None
    sources: tuple[str, ...]  # empty: every source
    min_score: float

    def keywords_for(self, language: str) -> LanguageKeywords | None:
        return next((k for k in self.keywords if k.language == language), None)

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term that can make an article match (any and all, every language; not none), once each."""
        found = [t for k in self.keywords for t in (*k.any, *(g for group in k.all for g in group))]
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none"
    username: str | None
    password_env: str | None
    password_file: Path | None
    timeout: float
    from_address: str


@dataclass(frozen=True)
class Subscription:
    to: tuple[str, ...]
    topics: tuple[str, ...]  # empty: every topic
    sources: tuple[str, ...]  # empty: every source
    mode: str  # "immediate" | "digest"
    digest: str  # "hourly" | "daily"
    digest_at: str  # "HH:MM"
    timezone: str
    # Apprise URLs (chat, webhooks), secrets as ${ENV} / ${file:PATH} placeholders: crawler/config/channels.py
    channels: tuple[str, ...] = ()
    per: str = "article"  # "article": an alert per article; "development": one per development


@dataclass(frozen=True)
class HealthConfig:
    consecutive_failures: int
    min_articles: int
    max_parse_failure_ratio: float
    feed_stale_hours: float


@dataclass(frozen=True)
class AlertsConfig:
    baseline: str  # "digest" | "silent" | "all"
    give_up_after_hours: float
    retry_backoff_seconds: float
    retry_backoff_max_seconds: float
    admin_address: str | None
    health: HealthConfig
    # Jinja2 templates replacing the packaged mail templates of the same file name; None: packaged only.
    templates_dir: Path | None = None
    # Channel URLs (as in a subscription's channels) that get the crawl-health notices too.
    admin_channels: tuple[str, ...] = ()

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1 for the first retry): doubling, capped."""
        delay = self.retry_backoff_seconds * (2 ** max(0, attempt - 1))
        return float(min(delay, self.retry_backoff_max_seconds))


@dataclass(frozen=True)
class WatchConfig:
    crawl_timeout_seconds: int


@dataclass(frozen=True)
class Config:
    storage: StorageConfig
    crawl: CrawlConfig
    routes: Mapping[str, str]  # host or "*.domain" -> base URL (crawler/crawl/routing.py applies them)
    sources: Mapping[str, SourceConfig]
    topics: Mapping[str, TopicConfig]
    schedule: Schedule
    smtp: SmtpConfig
    subscriptions: tuple[Subscription, ...]
    alerts: AlertsConfig
    watch: WatchConfig
    path: Path | None = field(default=None, compare=False)  # the user file read, None for defaults only

    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources.values() if s.enabled]

    def enabled_topics(self) -> list[TopicConfig]:
        return [t for t in self.topics.values() if t.enabled]

    def schedule_for(self, source: str) -> Schedule:
        """The source's schedule keys over [schedule]; its own interval or cron replaces both global ones."""
        own = self.sources[source].schedule
        base = self.schedule
        jitter = own.jitter_seconds if own.jitter_seconds is not None else base.jitter_seconds
        if own.cron:
            return Schedule(None, own.cron, jitter, base.timezone)
        if own.interval_minutes:
            return Schedule(own.interval_minutes, None, jitter, base.timezone)
        return Schedule(base.interval_minutes, base.cron, jitter, base.timezone)

    def topics_fingerprint(self) -> str:
        """A stable hash of the enabled topics' definitions: it changes when a topic is added or edited."""
        # The description is only shown in alerts: editing it re-evaluates nothing.
        topics = {t.name: {k: v for k, v in asdict(t).items() if k != "description"}
                  for t in self.enabled_topics()}
        payload = json.dumps({"rules": TOPIC_RULES_VERSION, "topics": topics}, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def smtp_password(self) -> str | None:
        """The SMTP password, read now from the environment variable or else the secret file; None if neither.

        None too without a username: a password is only ever used to log in. Never stored on the config, so
        it cannot leak through repr(), logs or a pickled object.
        """
        smtp = self.smtp
        if not smtp.username:
            return None
        if smtp.password_env:
            value = os.environ.get(smtp.password_env)
            if value:
                return value
        if smtp.password_file is not None:
            label = str(self.path) if self.path else _DEFAULTS_LABEL
            try:
                text = smtp.password_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"{label}: smtp.password_file: cannot read {smtp.password_file}: "
                                  f"{exc.strerror or exc}") from exc
            return text.rstrip("\r\n") or None
        return None


# ---------------------------------------------------------------------------------------------------------
# Loading


def load_config(path: str | Path | None = None, *, overrides: dict[str, Any] | None = None) -> Config:
    """Read, merge and validate the configuration.

    The user file is `path`, else $NEWSWATCH_CONFIG, else ./newswatch.toml when it exists, else none.
    Layers, lowest first: packaged defaults, the user file, $NEWSWATCH_DB (storage.url), `overrides`
    (a nested dict shaped like the TOML). Raises ConfigError naming the file and key of the first problem.
    """
    origins: dict[Key, str] = {}
    merged: dict[str, Any] = {}
    _merge(merged, _read_defaults(), _DEFAULTS_LABEL, (), origins)

    user_path = _user_config_path(path)
    if user_path is not None:
        _merge(merged, _read_toml(user_path), str(user_path), (), origins)
    env_db = os.environ.get(ENV_DB)
    if env_db:
        url = env_db if "://" in env_db else f"sqlite:///{env_db}"
        _merge(merged, {"storage": {"url": url}}, f"${ENV_DB}", (), origins)
    if overrides:
        _merge(merged, overrides, "overrides", (), origins)

    base_dir = user_path.parent if user_path is not None else Path.cwd()
    return _build(_Table(merged, (), origins), base_dir, user_path)


def _read_defaults() -> dict[str, Any]:
    text = resources.files("crawler.config").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _user_config_path(path: str | Path | None) -> Path | None:
    if path is not None:
        chosen = Path(path)
    elif os.environ.get(ENV_CONFIG):
        chosen = Path(os.environ[ENV_CONFIG])
    else:
        local = Path(LOCAL_CONFIG)
        return local if local.is_file() else None
    if not chosen.is_file():
        raise ConfigError(f"{chosen}: no such config file")
    return chosen


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _merge(base: dict[str, Any], over: Mapping[str, Any], label: str, prefix: Key,
           origins: dict[Key, str]) -> None:
    """Deep-merge `over` into `base`: tables merge key by key, anything else replaces; record where from."""
    for key, value in over.items():
        here = (*prefix, key)
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value, label, here, origins)
            continue
        base[key] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
        for old in [k for k in origins if k[: len(here)] == here]:
            del origins[old]
        origins[here] = label


def _dotted(key: Key) -> str:
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE_KEY.match(part) else json.dumps(part)
            out += f".{text}" if out else text
    return out


# ---------------------------------------------------------------------------------------------------------
# Strict reading of one table

_REQUIRED: Any = object()  # a _Table default meaning "the key must be present"


class _Table:
    """Reads a TOML table key by key with type checks; keys never read are reported as unknown by done()."""

    def __init__(self, data: Mapping[str, Any], key: Key, origins: dict[Key, str]) -> None:
        self.data = data
        self.key = key
        self.origins = origins
        self.seen: set[str] = set()

    def error(self, problem: str, sub: str | int | None = None) -> ConfigError:
        key = self.key if sub is None else (*self.key, sub)
        label = _DEFAULTS_LABEL
        for end in range(len(key), -1, -1):
            if key[:end] in self.origins:
                label = self.origins[key[:end]]
                break
        # A problem with a whole table: blame whoever set any key inside it, the user first.
        if sub is None:
            inside = {v for k, v in self.origins.items() if k[: len(key)] == key}
            label = next((lb for lb in inside if lb != _DEFAULTS_LABEL), label)
        return ConfigError(f"{label}: {_dotted(key) or '(top level)'}: {problem}")

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, kind: Callable[[Any], bool], what: str, default: Any) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if default is _REQUIRED:
                raise self.error("missing", name)
            return default
        value = self.data[name]
        if not kind(value):
            raise self.error(f"expected {what}, got {_type_name(value)}", name)
        return value

    def string(self, name: str, default: Any = None, *, choices: tuple[str, ...] = ()) -> Any:
        value = self._get(name, lambda v: isinstance(v, str), "a string",
                          _REQUIRED if default is None else default)
        if choices and value not in choices:
            raise self.error(f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}", name)
        return value

    def optional_string(self, name: str) -> str | None:
        value = self._get(name, lambda v: isinstance(v, str), "a string", None)
        return value or None

    def boolean(self, name: str, default: bool | None = None) -> bool:
        return bool(self._get(name, lambda v: isinstance(v, bool), "true or false",
                              _REQUIRED if default is None else default))

    def integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int:
        value = self._get(name, lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer",
                          _REQUIRED)
        self._check_range(name, value, low, high)
        return int(value)

    def optional_integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
        value = self._get(name, lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer", None)
        if value is not None:
            self._check_range(name, value, low, high)
        return value

    def number(self, name: str, *, low: float | None = None, high: float | None = None) -> float:
        value = self._get(name, lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number",
                          _REQUIRED)
        self._check_range(name, value, low, high)
        return float(value)

    def _check_range(self, name: str, value: float, low: float | None, high: float | None) -> None:
        if low is not None and value < low:
            raise self.error(f"must be at least {low}, got {value}", name)
        if high is not None and value > high:
            raise self.error(f"must be at most {high}, got {value}", name)

    def string_list(self, name: str, *, default: list[str] | None = None) -> tuple[str, ...]:
        value = self._get(name, lambda v: isinstance(v, list), "a list of strings",
                          _REQUIRED if default is None else default)
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"item {index + 1} must be a non-empty string", name)
        return tuple(value)

    def day(self, name: str) -> date | None:
        self.seen.add(name)
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(f"expected a date (YYYY-MM-DD), got {value!r}", name)

    def table(self, name: str, *, required: bool = True) -> _Table:
        self.seen.add(name)
        value = self.data.get(name, None if required else {})
        if not isinstance(value, Mapping):
            raise self.error("missing" if value is None else f"expected a table, got {_type_name(value)}",
                             name)
        return _Table(value, (*self.key, name), self.origins)

    def tables(self) -> list[tuple[str, _Table]]:
        """Every key of this table, each holding a table (for [sources.*], [topics.*])."""
        out = []
        for name in self.data:
            out.append((name, self.table(name)))
        return out

    def done(self) -> None:
        unknown = [k for k in self.data if k not in self.seen]
        if unknown:
            raise self.error("unknown key", unknown[0])


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------------------
# Sections


def _build(root: _Table, base_dir: Path, path: Path | None) -> Config:
    storage = _storage(root.table("storage"))
    crawl = _crawl(root.table("crawl"))
    routes = _routes(root.table("routes", required=False))
    schedule = _schedule(root.table("schedule"))
    sources = _sources(root.table("sources"))
    topics = _topics(root.table("topics"), sources)
    smtp = _smtp(root.table("smtp"), base_dir)
    subscriptions = _subscriptions(root, topics, sources)
    alerts = _alerts(root.table("alerts"), base_dir)
    watch_table = root.table("watch")
    watch = WatchConfig(crawl_timeout_seconds=watch_table.integer("crawl_timeout_seconds", low=1))
    watch_table.done()
    root.done()
    return Config(storage=storage, crawl=crawl, routes=routes, sources=sources, topics=topics,
                  schedule=schedule, smtp=smtp, subscriptions=subscriptions, alerts=alerts, watch=watch,
                  path=path)


def _storage(t: _Table) -> StorageConfig:
    url = t.string("url")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise t.error(f"not a database URL: {url!r}", "url") from None
    t.done()
    return StorageConfig(url=url)


def _crawl(t: _Table) -> CrawlConfig:
    user_agent = t.string("user_agent")
    if not user_agent.strip() or not ("@" in user_agent or "http" in user_agent):
        raise t.error("must name the tool and a contact (an email address or URL)", "user_agent")
    crawl = CrawlConfig(
        user_agent=user_agent,
        download_delay=t.number("download_delay", low=0),
        concurrent_requests_per_domain=t.integer("concurrent_requests_per_domain", low=1, high=2),
        autothrottle=t.boolean("autothrottle"),
        timeout=t.number("timeout", low=1),
        max_response_size=t.integer("max_response_size", low=1024),
        retry_times=t.integer("retry_times", low=0, high=10),
        recheck_window_hours=t.number("recheck_window_hours", low=0),
        obey_robots=t.boolean("obey_robots"),
    )
    t.done()
    return crawl


def _check_url(t: _Table, name: str | int, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise t.error(f"not an http(s) URL: {url!r}", name)


def _routes(t: _Table) -> dict[str, str]:
    routes = {}
    for host in t.data:
        base = t.string(host)
        if not _HOST.match(host):
            raise t.error("not a host name or *.wildcard", host)
        _check_url(t, host, base)
        parts = urlsplit(base)
        if parts.query or parts.fragment:
            raise t.error("a base URL takes no query or fragment", host)
        routes[host.lower()] = base.rstrip("/")
    t.done()
    return routes


def _check_cron(t: _Table, expression: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression)
    except ValueError as exc:
        raise t.error(f"invalid cron expression {expression!r}: {exc}", "cron") from None


def _check_timezone(t: _Table, name: str, value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise t.error(f"unknown time zone {value!r}", name) from None


def _schedule(t: _Table) -> Schedule:
    interval = t.optional_integer("interval_minutes", low=1)
    cron = t.optional_string("cron")
    if cron:
        _check_cron(t, cron)
    elif interval is None:
        raise t.error("set interval_minutes or cron")
    timezone = t.string("timezone")
    _check_timezone(t, "timezone", timezone)
    schedule = Schedule(interval_minutes=None if cron else interval, cron=cron,
                        jitter_seconds=t.integer("jitter_seconds", low=0), timezone=timezone)
    t.done()
    return schedule


def _sources(t: _Table) -> dict[str, SourceConfig]:
    sources = {}
    for name, s in t.tables():
        if name not in KNOWN_SOURCES:
            try:
                outlets.check_name(name)
            except outlets.OutletProblem as exc:
                raise t.error(exc.problem, name) from None
            # An outlet's table has no packaged defaults: fill in those of outlets.py (a dict we own).
            if "allowed_hosts" not in s.data:
                raise s.error(f"missing: {name} is not a built-in source ({', '.join(KNOWN_SOURCES)}), so it "
                              "needs its hosts, article_url and a way in", "allowed_hosts")
            s.data = {**copy.deepcopy(dict(outlets.OUTLET_DEFAULTS)), **s.data}
        sources[name] = _source(name, s)
    try:
        outlets.check_hosts_unshared({n: s.allowed_hosts for n, s in sources.items() if not s.builtin})
    except outlets.OutletProblem as exc:
        name, key = exc.key.split(".", 1)
        raise t.table(name).error(exc.problem, key) from None
    t.done()
    return sources


def _outlet_keys(name: str, t: _Table, values: dict[str, Any]) -> dict[str, Any]:
    """The outlet keys of a source (crawler/config/outlets.py), checked; errors name the dotted key."""
    found = {
        "listings": t.string_list("listings", default=[]),
        "article_url": t.optional_string("article_url"),
        "article_id": t.string("article_id", "group"),
        "language": t.optional_string("language"),
    }
    if found["language"] and not _LANGUAGE.match(found["language"]):
        raise t.error("a language is a lower-case ISO 639 code ('id', 'en')", "language")
    try:
        outlets.check_outlet(name, {**values, **found})
    except outlets.OutletProblem as exc:
        raise t.error(exc.problem, exc.key or None) from None
    return found


def _source(name: str, t: _Table) -> SourceConfig:
    hosts = t.string_list("allowed_hosts")
    for host in hosts:
        if not _HOST.match(host) or host.startswith("*."):
            raise t.error(f"not a host name: {host!r}", "allowed_hosts")
    urls = {key: t.string_list(key) for key in ("feeds", "sitemaps", "topic_pages")}
    for key, values in urls.items():
        for url in values:
            _check_url(t, key, url)
    index_url = t.optional_string("index_url")
    tag_url = t.optional_string("tag_url")
    _check_template(t, "index_url", index_url, ("yyyy", "mm", "dd", "page"))
    _check_template(t, "tag_url", tag_url, ("slug", "page"))
    tags = t.string_list("tags")
    if tags and not tag_url:
        raise t.error("tags need a tag_url", "tags")
    since, until = t.day("backfill_since"), t.day("backfill_until")
    if since and until and until < since:
        raise t.error("is before backfill_since", "backfill_until")
    outlet = _outlet_keys(name, t, {"allowed_hosts": hosts, "index_url": index_url, "tags": tags, **urls})
    source = SourceConfig(
        name=name, enabled=t.boolean("enabled"), allowed_hosts=tuple(h.lower() for h in hosts),
        feeds=urls["feeds"], sitemaps=urls["sitemaps"], index_url=index_url, tag_url=tag_url, tags=tags,
        topic_pages=urls["topic_pages"], max_pages=t.integer("max_pages", low=1, high=1000),
        backfill_since=since, backfill_until=until,
        schedule=_schedule_override(t.table("schedule", required=False)), **outlet,
    )
    t.done()
    return source


def _check_template(t: _Table, name: str, template: str | None, fields: tuple[str, ...]) -> None:
    if not template:
        return
    sample = {f: "1" for f in fields}
    try:
        filled = template.format(**sample)
    except (KeyError, IndexError, ValueError) as exc:
        raise t.error(f"bad template (allowed fields: {', '.join('{' + f + '}' for f in fields)}): {exc}",
                      name) from None
    missing = [f for f in fields if "{" + f + "}" not in template]
    if missing:
        raise t.error(f"template lacks {{{missing[0]}}}", name)
    _check_url(t, name, filled)


def _schedule_override(t: _Table) -> ScheduleOverride:
    cron = t.optional_string("cron")
    if cron:
        _check_cron(t, cron)
    override = ScheduleOverride(interval_minutes=t.optional_integer("interval_minutes", low=1), cron=cron,
                                jitter_seconds=t.optional_integer("jitter_seconds", low=0))
    t.done()
    return override


def _topics(t: _Table, sources: Mapping[str, SourceConfig]) -> dict[str, TopicConfig]:
    topics = {}
    for name, topic in t.tables():
        if not _NAME.match(name):
            raise t.error("a topic name is lower-case letters, digits, '-' and '_'", name)
        topics[name] = _topic(name, topic, sources)
    t.done()
    return topics


def _topic(name: str, t: _Table, sources: Mapping[str, SourceConfig]) -> TopicConfig:
    topic_sources = t.string_list("sources", default=[])
    for source in topic_sources:
        if source not in sources:
            raise t.error(f"unknown source {source!r} (known: {', '.join(sources)})", "sources")
    since, until = t.day("since"), t.day("until")
    if since and until and until < since:
        raise t.error("is before since", "until")
    keywords_table = t.table("keywords")
    languages = []
    for language, k in keywords_table.tables():
        if not _LANGUAGE.match(language):
            raise keywords_table.error("a language is a lower-case ISO 639 code ('id', 'en')", language)
        languages.append(_language_keywords(language, k))
    keywords_table.done()
    if not languages:
        raise keywords_table.error("at least one language is needed")
    topic = TopicConfig(
        name=name, enabled=t.boolean("enabled", True), description=t.string("description", ""),
        keywords=tuple(languages), since=since, until=until, sources=topic_sources,
        min_score=t.number("min_score", low=0),
    )
    t.done()
    return topic


def _language_keywords(language: str, t: _Table) -> LanguageKeywords:
    any_terms = t.string_list("any", default=[])
    none_terms = t.string_list("none", default=[])
    raw_all = t._get("all", lambda v: isinstance(v, list), "a list of terms or lists of terms", [])
    groups: list[tuple[str, ...]] = []
    for index, entry in enumerate(raw_all):
        group = [entry] if isinstance(entry, str) else entry
        valid = isinstance(group, list) and all(isinstance(g, str) and g.strip() for g in group)
        if not group or not valid:
            raise t.error(f"item {index + 1} must be a non-empty term or a non-empty list of terms", "all")
        groups.append(tuple(group))
    for key, terms in (("any", any_terms), ("none", none_terms), ("all", [g for grp in groups for g in grp])):
        for term in terms:
            if "*" in term.rstrip("*") or term.strip() in ("*", ""):
                raise t.error(f"{term!r}: '*' is only allowed at the end of a term", key)
    if not any_terms and not groups:
        raise t.error("needs terms in `any` or `all`")
    t.done()
    return LanguageKeywords(language=language, any=any_terms, all=tuple(groups), none=none_terms)


def _smtp(t: _Table, base_dir: Path) -> SmtpConfig:
    if t.has("password"):
        raise t.error("passwords are not kept in the config: name an environment variable in password_env "
                      "or a secret file in password_file", "password")
    password_env = t.optional_string("password_env")
    if password_env and not _ENV_NAME.match(password_env):
        raise t.error(f"not an environment variable name: {password_env!r}", "password_env")
    password_file = t.optional_string("password_file")
    from_address = t.string("from_address")
    if not _EMAIL.match(from_address):
        raise t.error(f"not an email address: {from_address!r}", "from_address")
    smtp = SmtpConfig(
        host=t.string("host"), port=t.integer("port", low=1, high=65535),
        security=t.string("security", choices=("starttls", "ssl", "none")),
        username=t.optional_string("username"), password_env=password_env,
        password_file=(base_dir / password_file) if password_file else None,
        timeout=t.number("timeout", low=1), from_address=from_address,
    )
    if not smtp.host.strip():
        raise t.error("must not be empty", "host")
    t.done()
    return smtp


def _subscriptions(root: _Table, topics: Mapping[str, TopicConfig],
                   sources: Mapping[str, SourceConfig]) -> tuple[Subscription, ...]:
    raw = root._get("subscriptions", lambda v: isinstance(v, list) and all(isinstance(x, Mapping) for x in v),
                    "an array of tables ([[subscriptions]])", [])
    out = []
    for index, item in enumerate(raw):
        t = _Table(item, ("subscriptions", index), root.origins)
        channels = _channel_list(t, "channels")
        to_value = t._get("to", lambda v: isinstance(v, str | list), "an address or a list of addresses",
                          [] if channels else _REQUIRED)
        to = (to_value,) if isinstance(to_value, str) else t.string_list("to", default=[])
        if not to and not channels:
            raise t.error("needs at least one address (or channel)", "to")
        for address in to:
            if not _EMAIL.match(address):
                raise t.error(f"not an email address: {address!r}", "to")
        sub_topics = t.string_list("topics", default=[])
        for topic in sub_topics:
            if topic not in topics:
                raise t.error(f"unknown topic {topic!r} (known: {', '.join(topics) or 'none'})", "topics")
        sub_sources = t.string_list("sources", default=[])
        for source in sub_sources:
            if source not in sources:
                raise t.error(f"unknown source {source!r} (known: {', '.join(sources)})", "sources")
        digest_at = t.string("digest_at", "08:00")
        if not _HHMM.match(digest_at):
            raise t.error(f"expected HH:MM (24-hour), got {digest_at!r}", "digest_at")
        timezone = t.string("timezone", "UTC")
        _check_timezone(t, "timezone", timezone)
        out.append(Subscription(
            to=to, topics=sub_topics, sources=sub_sources,
            mode=t.string("mode", "immediate", choices=("immediate", "digest")),
            digest=t.string("digest", "daily", choices=("hourly", "daily")),
            digest_at=digest_at, timezone=timezone, channels=channels,
            per=t.string("per", "article", choices=("article", "development")),
        ))
        t.done()
    return tuple(out)


def _channel_list(t: _Table, name: str) -> tuple[str, ...]:
    """A list of channel URLs, each checked without its secrets (crawler/config/channels.py)."""
    urls = t.string_list(name, default=[])
    for url in urls:
        trouble = channel_problem(url)
        if trouble:
            raise t.error(trouble, name)
    if len(set(urls)) != len(urls):
        raise t.error("lists a channel twice", name)
    return urls


def _templates_dir(t: _Table, base_dir: Path) -> Path | None:
    """alerts.templates_dir, relative to the config file's directory; it must be an existing directory."""
    name = t.optional_string("templates_dir")
    if name is None:
        return None
    path = base_dir / Path(name).expanduser()
    if not path.is_dir():
        raise t.error(f"not a directory: {str(path)!r}", "templates_dir")
    return path


def _alerts(t: _Table, base_dir: Path) -> AlertsConfig:
    admin = t.optional_string("admin_address")
    if admin and not _EMAIL.match(admin):
        raise t.error(f"not an email address: {admin!r}", "admin_address")
    h = t.table("health")
    health = HealthConfig(
        consecutive_failures=h.integer("consecutive_failures", low=1),
        min_articles=h.integer("min_articles", low=0),
        max_parse_failure_ratio=h.number("max_parse_failure_ratio", low=0, high=1),
        feed_stale_hours=h.number("feed_stale_hours", low=0),
    )
    h.done()
    alerts = AlertsConfig(
        baseline=t.string("baseline", choices=("digest", "silent", "all")),
        give_up_after_hours=t.number("give_up_after_hours", low=0),
        retry_backoff_seconds=t.number("retry_backoff_seconds", low=0),
        retry_backoff_max_seconds=t.number("retry_backoff_max_seconds", low=0),
        admin_address=admin, health=health, templates_dir=_templates_dir(t, base_dir),
        admin_channels=_channel_list(t, "admin_channels"),
    )
    if alerts.retry_backoff_max_seconds < alerts.retry_backoff_seconds:
        raise t.error("must not be below retry_backoff_seconds", "retry_backoff_max_seconds")
    t.done()
    return alerts
