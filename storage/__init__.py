"""The database: engine set-up, migrations and the repositories. All of newswatch's SQL lives here.

Holds `engine` (URLs, SQLite pragmas, errors), `schema` and `migrations` (Alembic, revisions in
`schema_revisions/`), `database` (transactions and
upserts shared by the repositories), `store` (articles, versions, fetch state, crawl runs, the outbox),
`deliveries` and `health` (per-recipient deliveries, admin notices, crawl-health state), `search` (full-text
queries), `feeds` and `metrics` (revisions for Atom feeds, aggregates for Prometheus), `boilerplate` (what the
boilerplate learner remembers of outlets' pages) and `records` (the
plain values the repositories return). May import `crawler.core` only: the application above it passes plain
values in and gets plain records back.
"""

from storage.boilerplate import ObservedPage
from storage.engine import default_db_url
from storage.records import (
    Change,
    CrawlRun,
    Delivery,
    Event,
    FetchState,
    HealthState,
    Known,
    NewDelivery,
    Notice,
    PreviousVersion,
    SaveResult,
    SearchHit,
    SeenMark,
    StoredArticle,
    StoredRevision,
    StoredVersion,
)
from storage.store import EXPORT_FIELDS, Classify, Store

__all__ = [
    "EXPORT_FIELDS",
    "Change",
    "Classify",
    "CrawlRun",
    "Delivery",
    "Event",
    "FetchState",
    "HealthState",
    "Known",
    "NewDelivery",
    "Notice",
    "ObservedPage",
    "PreviousVersion",
    "SaveResult",
    "SearchHit",
    "SeenMark",
    "Store",
    "StoredArticle",
    "StoredRevision",
    "StoredVersion",
    "default_db_url",
]
