"""The configuration tree: one typed pydantic model per section, validated strictly.

Each section is a frozen pydantic dataclass (so it is hashable, positional construction keeps working and
`dataclasses.asdict` sees it). The values themselves live in `defaults.toml` with their documentation; a key
the defaults file sets has no Python default here, so there is one place to read and change a default.
Loading, layering and the one-line error messages are in `crawler/config/loader.py`.

Scalars are strict (the TOML `1` is not `true`, `"5"` is not a number); lists become tuples. A check that
spans sections (a topic naming an unknown source) raises KeyedProblem with the full dotted key, because
pydantic would only know the root's location.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from crawler.config import outlets
from crawler.config.channels import problem as channel_problem
from crawler.core.errors import ConfigError

KNOWN_SOURCES = outlets.BUILTIN_SOURCES  # sources with code; any other [sources.NAME] is an outlet
# Part of Config.topics_fingerprint: bump it when relevance.py changes how topics are evaluated, so stored
# verdicts are re-evaluated just as after an edit of a topic.
TOPIC_RULES_VERSION = 2  # 2: an active development lowers the bar (story/relevance.py)
DEFAULTS_LABEL = "defaults.toml"

_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Every section: unknown keys rejected, frozen (hashable), validated on construction.
SECTION = ConfigDict(extra="forbid")


class KeyedProblem(Exception):
    """A problem found above the section it concerns; `key` is the full dotted key as a tuple.

    Not a ValueError on purpose: pydantic lets it through unchanged, so the loader can name the right key.
    """

    def __init__(self, key: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def invalid(problem: str) -> PydanticCustomError:
    """A validation error whose text is `problem` as it stands (no "Value error, " prefix)."""
    return PydanticCustomError("newswatch", problem)


def _non_empty(value: str) -> str:
    if not value.strip():
        raise invalid("must not be empty")
    return value


def _checked_url(url: str) -> str:
    """An absolute http(s) URL whose host and port parse (port 99999 does not)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise invalid(f"not a valid URL (bad port): {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"not an http(s) URL: {url!r}")
    if port == 0:
        raise invalid(f"not a valid URL (port 0): {url!r}")
    return url


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise invalid(f"not an email address: {value!r}")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(f"unknown time zone {value!r}") from None
    return value


def _cron(value: str | None) -> str | None:
    if not value:
        return None
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise invalid(f"invalid cron expression {value!r}: {exc}") from None
    return value


def base_dir(info: ValidationInfo) -> Path:
    """What relative paths are relative to: the user file's directory (the loader passes it), else here."""
    given = (info.context or {}).get("base_dir")
    return Path(given) if given is not None else Path.cwd()


def _empty_is_none(value: Any) -> Any:
    """The defaults file writes "no value" as "" (TOML has no null): read it as None."""
    return None if value == "" else value


Str = Annotated[str, Strict()]
Text = Annotated[str, Strict(), AfterValidator(_non_empty)]
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]
Url = Annotated[str, Strict(), AfterValidator(_checked_url)]
Email = Annotated[str, Strict(), AfterValidator(_email)]
TimeZone = Annotated[str, Strict(), AfterValidator(_timezone)]


def _one_problem(problem: str) -> WrapValidator:
    """Replace pydantic's per-member messages of a union by one line."""
    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise invalid(problem) from None

    return WrapValidator(validate)


# "auto" or a number of processes (crawl.parse_workers).
Workers = Annotated[Literal["auto"] | Annotated[Int, Field(ge=0, le=64)],
                    _one_problem('"auto" or a number of processes from 0 to 64')]
Cron = Annotated[Str | None, BeforeValidator(_empty_is_none), AfterValidator(_cron)]
OptionalStr = Annotated[Str | None, BeforeValidator(_empty_is_none)]
Day = Annotated[date | None, Strict(), BeforeValidator(lambda v: v.date() if isinstance(v, datetime) else v)]
Terms = tuple[Text, ...]
# Set by the loader from the table's key, never written in the file (hidden from the JSON Schema).
Injected = SkipJsonSchema[str]


# ---------------------------------------------------------------------------------------------------------
# Sections


@dataclass(frozen=True, config=SECTION)
class StorageConfig:
    url: Str

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(url)
        except ArgumentError:
            raise invalid(f"not a database URL: {url!r}") from None
        return url


# crawl key -> the Scrapy setting it stands for (crawler/crawl/settings.py defines each of them).
SCRAPY_SETTING_OF = {
    "user_agent": "USER_AGENT",
    "download_delay": "DOWNLOAD_DELAY",
    "concurrent_requests_per_domain": "CONCURRENT_REQUESTS_PER_DOMAIN",
    "autothrottle": "AUTOTHROTTLE_ENABLED",
    "timeout": "DOWNLOAD_TIMEOUT",
    "max_response_size": "DOWNLOAD_MAXSIZE",
    "retry_times": "RETRY_TIMES",
    "obey_robots": "ROBOTSTXT_OBEY",
}


@dataclass(frozen=True, config=SECTION)
class CrawlConfig:
    user_agent: Str
    download_delay: Annotated[Number, Field(ge=0)]
    concurrent_requests_per_domain: Annotated[Int, Field(ge=1, le=2)]
    autothrottle: Bool
    timeout: Annotated[Number, Field(ge=1)]
    max_response_size: Annotated[Int, Field(ge=1024)]
    retry_times: Annotated[Int, Field(ge=0, le=10)]
    recheck_window_hours: Annotated[Number, Field(ge=0)]
    obey_robots: Bool
    parse_workers: Workers

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, value: str) -> str:
        if not value.strip() or not ("@" in value or "http" in value):
            raise invalid("must name the tool and a contact (an email address or URL)")
        return value

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings these values stand for."""
        return {setting: getattr(self, key) for key, setting in SCRAPY_SETTING_OF.items()}


def _language(value: str | None) -> str | None:
    if value and not _LANGUAGE.match(value):
        raise invalid("a language is a lower-case ISO 639 code ('id', 'en')")
    return value


def _host_name(value: str) -> str:
    if not _HOST.match(value) or value.startswith("*."):
        raise invalid(f"not a host name: {value!r}")
    return value.lower()


@dataclass(frozen=True, config=SECTION)
class Schedule:
    """When a source is crawled: every interval_minutes, or on a crontab line (exactly one is set)."""

    interval_minutes: Annotated[Int | None, Field(ge=1)] = None
    cron: Cron = None
    jitter_seconds: Annotated[Int, Field(ge=0)] = 0
    timezone: TimeZone = "UTC"

    @model_validator(mode="before")
    @classmethod
    def _one_of(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = dict(data)
            if _empty_is_none(data.get("cron")):
                data["interval_minutes"] = None  # a cron line replaces the interval
            elif data.get("interval_minutes") is None:
                raise KeyedProblem(("schedule",), "set interval_minutes or cron")
        return data

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


@dataclass(frozen=True, config=SECTION)
class ScheduleOverride:
    """A source's own schedule keys; each one left out is taken from [schedule]."""

    interval_minutes: Annotated[Int | None, Field(ge=1)] = None
    cron: Cron = None
    jitter_seconds: Annotated[Int | None, Field(ge=0)] = None


def _template(fields: tuple[str, ...]) -> Any:
    def check(template: str | None) -> str | None:
        if not template:
            return None
        sample = {f: "1" for f in fields}
        try:
            filled = template.format(**sample)
        except (KeyError, IndexError, ValueError) as exc:
            raise invalid(f"bad template (allowed fields: {', '.join('{' + f + '}' for f in fields)}): "
                          f"{exc}") from None
        missing = [f for f in fields if "{" + f + "}" not in template]
        if missing:
            raise invalid(f"template lacks {{{missing[0]}}}")
        _checked_url(filled)
        return template

    return AfterValidator(check)


@dataclass(frozen=True, config=SECTION)
class SourceConfig:
    name: Injected
    enabled: Bool
    allowed_hosts: tuple[Annotated[Str, AfterValidator(_host_name)], ...]
    feeds: tuple[Url, ...]
    sitemaps: tuple[Url, ...]
    index_url: Annotated[OptionalStr, _template(("yyyy", "mm", "dd", "page"))]  # {yyyy} {mm} {dd} {page}
    tag_url: Annotated[OptionalStr, _template(("slug", "page"))]  # template with {slug} {page}
    tags: tuple[Text, ...]
    topic_pages: tuple[Url, ...]
    max_pages: Annotated[Int, Field(ge=1, le=1000)]
    backfill_since: Day = None
    backfill_until: Day = None
    schedule: ScheduleOverride = ScheduleOverride()
    # Outlets by configuration (crawler/config/outlets.py); the built-in sources leave them at their defaults.
    listings: tuple[Text, ...] = ()  # listing URL templates, {page} optional
    article_url: OptionalStr = None  # regex searched in an URL's path and query: which links are articles
    article_id: Literal["group", "url"] = "group"  # "group": the pattern's `id` group; "url": canonical URL
    language: Annotated[OptionalStr, AfterValidator(_language)] = None  # ISO 639-1 hint for the extractor
    learn_boilerplate: Bool = True  # outlets: drop lines the host repeats under most of its articles

    @model_validator(mode="after")
    def _outlet(self) -> SourceConfig:
        """The outlet keys checked together (crawler/config/outlets.py), the error naming the dotted key."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        try:
            outlets.check_outlet(self.name, values)
        except outlets.OutletProblem as exc:
            key: tuple[str | int, ...] = ("sources", self.name, *([exc.key] if exc.key else []))
            raise KeyedProblem(key, exc.problem) from None
        return self

    @property
    def builtin(self) -> bool:
        return self.name in KNOWN_SOURCES

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if tags and not info.data.get("tag_url"):
            raise invalid("tags need a tag_url")
        return tags

    @field_validator("backfill_until")
    @classmethod
    def _until(cls, until: date | None, info: ValidationInfo) -> date | None:
        since = info.data.get("backfill_since")
        if since and until and until < since:
            raise invalid("is before backfill_since")
        return until

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


def _term(value: str) -> str:
    if "*" in value.rstrip("*") or value.strip() in ("*", ""):
        raise invalid(f"{value!r}: '*' is only allowed at the end of a term")
    return value


Term = Annotated[Str, AfterValidator(_term)]


def _group(value: Any) -> Any:
    """An `all` entry: a term, or a list of terms of which one is enough."""
    group = [value] if isinstance(value, str) else value
    if not isinstance(group, list | tuple) or not group or \
            not all(isinstance(g, str) and g.strip() for g in group):
        raise invalid("must be a non-empty term or a non-empty list of terms")
    return tuple(group)


@dataclass(frozen=True, config=SECTION)
class LanguageKeywords:
    """One language's terms of a topic. `all` holds groups: each group needs one of its terms."""

    language: Injected
    any: tuple[Term, ...] = ()
    all: tuple[Annotated[tuple[Term, ...], BeforeValidator(_group)], ...] = ()
    none: tuple[Term, ...] = ()

    @model_validator(mode="after")
    def _some_terms(self) -> LanguageKeywords:
        if not self.any and not self.all:
            raise invalid("needs terms in `any` or `all`")
        return self


@dataclass(frozen=True, config=SECTION)
class TopicConfig:
    """A topic. Hashable on purpose: relevance.py caches compiled patterns per topic."""

    name: Injected
    enabled: Bool = True
    description: Str = ""
    keywords: tuple[LanguageKeywords, ...] = ()
    since: Day = None
    until: Day = None
    sources: tuple[Text, ...] = ()  # empty: every source
    min_score: Annotated[Number, Field(ge=0)] = 0.0

    @field_validator("until")
    @classmethod
    def _until(cls, until: date | None, info: ValidationInfo) -> date | None:
        since = info.data.get("since")
        if since and until and until < since:
            raise invalid("is before since")
        return until

    def keywords_for(self, language: str) -> LanguageKeywords | None:
        return next((k for k in self.keywords if k.language == language), None)

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term that can make an article match (any and all, every language; not none), once each."""
        found = [t for k in self.keywords for t in (*k.any, *(g for group in k.all for g in group))]
        return tuple(dict.fromkeys(found))


def _env_name(value: str | None) -> str | None:
    if value and not _ENV_NAME.match(value):
        raise invalid(f"not an environment variable name: {value!r}")
    return value


@dataclass(frozen=True, config=SECTION)
class SmtpConfig:
    host: Text
    port: Annotated[Int, Field(ge=1, le=65535)]
    security: Literal["starttls", "ssl", "none"]
    username: OptionalStr
    password_env: Annotated[OptionalStr, AfterValidator(_env_name)]
    # Relative to the config file's directory (the loader resolves it).
    password_file: Annotated[Path | None, BeforeValidator(_empty_is_none)]
    timeout: Annotated[Number, Field(ge=1)]
    from_address: Email

    @field_validator("password_file")
    @classmethod
    def _relative(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else base_dir(info) / value.expanduser()


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise invalid(f"expected HH:MM (24-hour), got {value!r}")
    return value


def _addresses(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


def _channel(url: str) -> str:
    trouble = channel_problem(url)
    if trouble:
        raise invalid(trouble)
    return url


def _once_each(urls: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(urls)) != len(urls):
        raise invalid("lists a channel twice")
    return urls


# Apprise URLs (chat, webhooks), secrets as ${ENV} / ${file:PATH} placeholders: crawler/config/channels.py
Channels = Annotated[tuple[Annotated[Str, AfterValidator(_channel)], ...], AfterValidator(_once_each)]


@dataclass(frozen=True, config=SECTION)
class Subscription:
    """One recipient list. `to` or `channels` must name somewhere to deliver (Config checks, with the key)."""

    to: Annotated[tuple[Email, ...], BeforeValidator(_addresses)] = ()
    topics: tuple[Text, ...] = ()  # empty: every topic
    sources: tuple[Text, ...] = ()  # empty: every source
    mode: Literal["immediate", "digest"] = "immediate"
    digest: Literal["hourly", "daily"] = "daily"
    digest_at: Annotated[Str, AfterValidator(_hhmm)] = "08:00"
    timezone: TimeZone = "UTC"
    channels: Channels = ()
    per: Literal["article", "development"] = "article"  # "development": one alert per development


@dataclass(frozen=True, config=SECTION)
class HealthConfig:
    consecutive_failures: Annotated[Int, Field(ge=1)]
    min_articles: Annotated[Int, Field(ge=0)]
    max_parse_failure_ratio: Annotated[Number, Field(ge=0, le=1)]
    feed_stale_hours: Annotated[Number, Field(ge=0)]


@dataclass(frozen=True, config=SECTION)
class AlertsConfig:
    baseline: Literal["digest", "silent", "all"]
    give_up_after_hours: Annotated[Number, Field(ge=0)]
    retry_backoff_seconds: Annotated[Number, Field(ge=0)]
    retry_backoff_max_seconds: Annotated[Number, Field(ge=0)]
    admin_address: Annotated[OptionalStr, AfterValidator(lambda v: _email(v) if v else None)]
    health: HealthConfig
    # Jinja2 templates replacing the packaged mail templates of the same file name; None: packaged only.
    templates_dir: Annotated[Path | None, BeforeValidator(_empty_is_none)] = None
    # Channel URLs (as in a subscription's channels) that get the crawl-health notices too.
    admin_channels: Channels = ()

    @field_validator("templates_dir")
    @classmethod
    def _templates(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """Relative to the config file's directory; it must be an existing directory."""
        if value is None:
            return None
        path = base_dir(info) / value.expanduser()
        if not path.is_dir():
            raise invalid(f"not a directory: {str(path)!r}")
        return path

    @field_validator("retry_backoff_max_seconds")
    @classmethod
    def _cap(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("retry_backoff_seconds")
        if base is not None and value < base:
            raise invalid("must not be below retry_backoff_seconds")
        return value

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1 for the first retry): doubling, capped."""
        delay = self.retry_backoff_seconds * (2 ** max(0, attempt - 1))
        return float(min(delay, self.retry_backoff_max_seconds))


@dataclass(frozen=True, config=SECTION)
class WatchConfig:
    crawl_timeout_seconds: Annotated[Int, Field(ge=1)]


@dataclass(frozen=True, config=SECTION)
class DistributedConfig:
    """`[distributed]`: the Redis frontier of `newswatch crawl --distributed` and `newswatch worker`."""

    redis_url: Str = "redis://127.0.0.1:6379/0"
    key_prefix: Annotated[Str, Field(min_length=1)] = "newswatch"  # every key starts with it
    seen_ttl_hours: Annotated[Number, Field(gt=0)] = 12.0  # an article seen is not queued again for this long
    lease_seconds: Annotated[Number, Field(gt=0)] = 30.0  # a silent worker's requests go back after this


# ---------------------------------------------------------------------------------------------------------
# The root


@dataclass(frozen=True, config=SECTION)
class Config:
    storage: StorageConfig
    crawl: CrawlConfig
    sources: dict[str, SourceConfig]
    topics: dict[str, TopicConfig]
    schedule: Schedule
    smtp: SmtpConfig
    alerts: AlertsConfig
    watch: WatchConfig
    routes: dict[str, Url] = dataclasses.field(default_factory=dict)  # host or "*.domain" -> base URL
    subscriptions: tuple[Subscription, ...] = ()
    distributed: DistributedConfig = DistributedConfig()
    # Not keys of the file: the user file read (None for defaults only) and where each value came from
    # (dotted key -> layer label), both set by the loader.
    path: SkipJsonSchema[Path | None] = dataclasses.field(default=None, compare=False)
    origins: SkipJsonSchema[dict[str, str]] = dataclasses.field(default_factory=dict, compare=False,
                                                                repr=False)

    @model_validator(mode="before")
    @classmethod
    def _inject_names(cls, data: Any) -> Any:
        """Give sources, topics and keyword sets their name from their table's key, and refuse the key
        names nobody may write (`path`, `origins`, a `name` inside a source)."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for reserved in ("path", "origins"):
            if reserved in data:
                raise KeyedProblem((reserved,), "unknown key")
        for section, field in (("sources", "name"), ("topics", "name")):
            tables = data.get(section)
            if not isinstance(tables, Mapping):
                continue
            named = {}
            for key, table in tables.items():
                if section == "sources" and key not in KNOWN_SOURCES:
                    table = _outlet_table(key, table)
                if section == "topics" and not _NAME.match(key):
                    raise KeyedProblem((section, key),
                                       "a topic name is lower-case letters, digits, '-' and '_'")
                if isinstance(table, Mapping):
                    if field in table:
                        raise KeyedProblem((section, key, field), "unknown key")
                    table = {field: key, **table}
                    if section == "topics":
                        table = _topic_keywords(key, table)
                named[key] = table
            data[section] = named
        subscriptions = data.get("subscriptions")
        for index, sub in enumerate(subscriptions if isinstance(subscriptions, list) else []):
            if isinstance(sub, Mapping) and not sub.get("to") and not sub.get("channels"):
                raise KeyedProblem(("subscriptions", index, "to"), "missing" if "to" not in sub
                                   else "needs at least one address (or channel)")
        smtp = data.get("smtp")
        if isinstance(smtp, Mapping) and "password" in smtp:
            raise KeyedProblem(("smtp", "password"), "passwords are not kept in the config: name an "
                               "environment variable in password_env or a secret file in password_file")
        routes = data.get("routes")
        if isinstance(routes, Mapping):
            data["routes"] = _routes(routes)
        return data

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Config:
        context = info.context or {}
        object.__setattr__(self, "path", context.get("path"))
        object.__setattr__(self, "origins", dict(context.get("origins") or {}))
        try:
            outlets.check_hosts_unshared({n: src.allowed_hosts for n, src in self.sources.items()
                                          if not src.builtin})
        except outlets.OutletProblem as exc:
            name, key = exc.key.split(".", 1)
            raise KeyedProblem(("sources", name, key), exc.problem) from None
        for name, topic in self.topics.items():
            for source in topic.sources:
                if source not in self.sources:
                    raise KeyedProblem(("topics", name, "sources"),
                                       f"unknown source {source!r} (known: {', '.join(self.sources)})")
        for index, sub in enumerate(self.subscriptions):
            for topic_name in sub.topics:
                if topic_name not in self.topics:
                    raise KeyedProblem(("subscriptions", index, "topics"), f"unknown topic {topic_name!r} "
                                       f"(known: {', '.join(self.topics) or 'none'})")
            for source in sub.sources:
                if source not in self.sources:
                    raise KeyedProblem(("subscriptions", index, "sources"),
                                       f"unknown source {source!r} (known: {', '.join(self.sources)})")
        return self

    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources.values() if s.enabled]

    def enabled_topics(self) -> list[TopicConfig]:
        return [t for t in self.topics.values() if t.enabled]

    def origin(self, dotted: str) -> str:
        """Which layer set the value at `dotted` (or the nearest table above it): a file, $VARIABLE, ..."""
        key = dotted
        while key:
            if key in self.origins:
                return self.origins[key]
            key = key.rpartition(".")[0] if "." in key else ""
        return DEFAULTS_LABEL

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
        topics = {t.name: {k: v for k, v in dataclasses.asdict(t).items() if k != "description"}
                  for t in self.enabled_topics()}
        payload = json.dumps({"rules": TOPIC_RULES_VERSION, "topics": topics}, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def smtp_password(self) -> str | None:
        """The SMTP password, read now from the environment variable or else the secret file; None if neither.

        None too without a username: a password is only ever used to log in. Never stored on the config, so
        it cannot leak through repr(), logs, `config show` or a pickled object.
        """
        smtp = self.smtp
        if not smtp.username:
            return None
        if smtp.password_env:
            value = os.environ.get(smtp.password_env)
            if value:
                return value
        if smtp.password_file is not None:
            label = self.origin("smtp.password_file")
            try:
                text = smtp.password_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"{label}: smtp.password_file: cannot read {smtp.password_file}: "
                                  f"{exc.strerror or exc}") from exc
            return text.rstrip("\r\n") or None
        return None


def _outlet_table(name: str, table: Any) -> Any:
    """A source without code: its name checked, the keys it leaves out filled from outlets.OUTLET_DEFAULTS
    (the built-in sources have theirs in defaults.toml); its hosts have no default."""
    try:
        outlets.check_name(name)
    except outlets.OutletProblem as exc:
        raise KeyedProblem(("sources", name), exc.problem) from None
    if not isinstance(table, Mapping):
        return table
    if "allowed_hosts" not in table:
        raise KeyedProblem(("sources", name, "allowed_hosts"),
                           f"missing: {name} is not a built-in source ({', '.join(KNOWN_SOURCES)}), so it "
                           "needs its hosts, article_url and a way in")
    return {**dict(outlets.OUTLET_DEFAULTS), **table}


def _topic_keywords(topic: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """[topics.T.keywords.LANG] tables -> a tuple of keyword sets, each named by its language."""
    table = dict(table)
    keywords = table.get("keywords")
    if keywords is None:
        raise KeyedProblem(("topics", topic, "keywords"), "missing")
    if not isinstance(keywords, Mapping):
        return table  # the type error is pydantic's to report
    sets = []
    for language, terms in keywords.items():
        key = ("topics", topic, "keywords", language)
        if not _LANGUAGE.match(language):
            raise KeyedProblem(key, "a language is a lower-case ISO 639 code ('id', 'en')")
        if not isinstance(terms, Mapping):
            raise KeyedProblem(key, "expected a table")
        if "language" in terms:
            raise KeyedProblem((*key, "language"), "unknown key")
        sets.append({"language": language, **terms})
    if not sets:
        raise KeyedProblem(("topics", topic, "keywords"), "at least one language is needed")
    table["keywords"] = sets
    return table


def _routes(routes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for host, base in routes.items():
        if not _HOST.match(host):
            raise KeyedProblem(("routes", host), "not a host name or *.wildcard")
        if isinstance(base, str):
            parts = urlsplit(base)
            if parts.query or parts.fragment:
                raise KeyedProblem(("routes", host), "a base URL takes no query or fragment")
            try:
                _checked_url(base)
            except PydanticCustomError as exc:
                raise KeyedProblem(("routes", host), exc.message()) from None
            base = base.rstrip("/")
        out[host.lower()] = base
    return out
