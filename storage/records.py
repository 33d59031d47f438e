"""Plain records passed between the storage layer and the application. No SQLAlchemy types here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PreviousVersion:
    """The latest stored version of an article, as change detection needs it."""

    version_no: int
    title: str | None
    body: str
    body_hash: str


@dataclass(frozen=True)
class Change:
    """What an incoming article is relative to its latest stored version.

    kind: "new" (never stored), "updated" (a distinct version) or "unchanged".
    material: for "updated", whether the change is worth telling people about (not whitespace, counters...).
    diff: for "updated": {"added": [...], "removed": [...], "changed": [{"before", "after"}], "title": ...}.
    """

    kind: str
    material: bool = False
    diff: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SaveResult:
    status: str  # "new" | "updated" | "unchanged"
    version_no: int
    event_id: int | None = None


@dataclass(frozen=True)
class Known:
    """What the store knows about an article id, for incremental crawling."""

    status: str  # "stored" | "irrelevant" | "deleted" | "failed"
    published_at: str | None
    listing_date: str | None
    last_fetched_at: str | None
    topics_fingerprint: str | None


@dataclass(frozen=True)
class SeenMark:
    """A fetched page not stored as an article (Store.mark_seen_many): irrelevant, deleted or failed."""

    source: str
    article_id: str
    url: str
    status: str
    fetched_at: datetime
    topics_fingerprint: str | None = None
    listing_date: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class FetchState:
    url: str
    etag: str | None
    last_modified: str | None
    last_status: int | None
    last_fetched_at: str | None


@dataclass(frozen=True)
class StoredVersion:
    """One distinct (title, body) an article has had; version 1 is the first one stored."""

    version_no: int
    title: str | None
    lead: str | None
    body: str
    body_hash: str
    modified_at: str | None
    fetched_at: str
    material: bool
    diff: dict[str, Any] | None


@dataclass(frozen=True)
class StoredArticle:
    """The latest state of a stored article; `versions` is filled by Store.get_article only."""

    source: str
    article_id: str
    url: str
    title: str | None
    lead: str | None
    body: str
    body_hash: str
    version_no: int
    published_at: str | None
    published_utc: str | None
    modified_at: str | None
    authors: list[str]
    section: str | None
    tags: list[str]
    language: str | None
    kind: str
    images: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    topics: list[str]
    score: float
    listing_date: str | None
    first_seen_at: str
    last_seen_at: str
    last_changed_at: str
    deleted_at: str | None
    versions: list[StoredVersion] = field(default_factory=list)


@dataclass(frozen=True)
class SearchHit:
    source: str
    article_id: str
    url: str
    title: str | None
    published_at: str | None
    snippet: str


@dataclass(frozen=True)
class CrawlRun:
    id: int
    spider: str
    args: dict[str, Any]
    started_at: str
    finished_at: str | None
    outcome: str | None  # None while running, or when the process died before finishing
    stats: dict[str, Any] | None


@dataclass(frozen=True)
class Event:
    """An outbox row: a new article or a material update, with what an alert needs in `payload`."""

    id: int
    source: str
    article_id: str
    kind: str  # "new" | "updated"
    version_no: int
    created_at: str
    payload: dict[str, Any]
    dispatched_at: str | None


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to create: one event for one recipient, as the fan-out decided it."""

    event_id: int
    recipient: str
    mode: str  # "immediate" | "digest" | "baseline"
    group_key: str  # "" for immediate; rows of one recipient with the same key go out as one digest
    label: str  # what a digest is about, for its subject
    timezone: str
    status: str  # "pending", or "skipped" for a silent baseline
    scheduled_at: str  # UTC ISO: when it is first due


@dataclass(frozen=True)
class Delivery:
    """A stored delivery row, with its event (for composing the mail)."""

    id: int
    event: Event
    recipient: str
    mode: str
    group_key: str
    label: str
    timezone: str
    status: str  # "pending" | "sent" | "failed" | "skipped"
    created_at: str
    scheduled_at: str
    due_at: str
    attempts: int
    last_error: str | None
    sent_at: str | None
    message_id: str | None


@dataclass(frozen=True)
class HealthState:
    """A source's crawl health: its current streak of failing runs and whether the admin was told."""

    source: str
    last_run_id: int
    consecutive_failures: int
    streak_start_run_id: int | None
    failing_since: str | None
    alerted: bool
    reasons: list[str]
    updated_at: str


@dataclass(frozen=True)
class Notice:
    """A queued admin e-mail about a source's crawl health ("failing" or "recovered")."""

    id: int
    source: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    status: str  # "pending" | "sent" | "failed"
    created_at: str
    scheduled_at: str
    due_at: str
    attempts: int
    last_error: str | None
    sent_at: str | None
    message_id: str | None


@dataclass(frozen=True)
class StoredRevision:
    """A material revision (version 2 or later) of a stored article, with the article's latest state."""

    article: StoredArticle
    version: StoredVersion


@dataclass(frozen=True)
class LinkCandidate:
    """A stored article a new one could join the development of (storage/developments.py)."""

    article_pk: int
    development_id: int
    source: str
    article_id: str
    published_utc: str | None
    features: dict[str, Any]


@dataclass(frozen=True)
class LinkDecision:
    """What the linker decided for a new article: the development to join (None: start one), the article
    it was linked to, the score and the signals ({"kind", "label", "weight"}) it rests on."""

    development_id: int | None
    linked_pk: int | None
    score: float
    signals: list[dict[str, Any]]


@dataclass(frozen=True)
class DevelopmentMember:
    """An article of a development and how it joined: linked_to is "source:id" of the article it matched
    (None for the article that started the development)."""

    source: str
    article_id: str
    url: str
    title: str | None
    language: str | None
    published_utc: str | None
    first_seen_at: str
    topics: list[str]
    linked_to: str | None
    score: float
    signals: list[dict[str, Any]]
    joined_at: str
    reason: str | None = None


@dataclass(frozen=True)
class Development:
    """Articles reporting one development, earliest first; `signals` are the links' own, each once."""

    id: int
    title: str | None
    first_reported_at: str | None
    last_reported_at: str | None
    members: list[DevelopmentMember]

    @property
    def languages(self) -> list[str]:
        return sorted({m.language for m in self.members if m.language})

    @property
    def sources(self) -> list[str]:
        return sorted({m.source for m in self.members})
