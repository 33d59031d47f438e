"""The database layer: engine set-up, migrations and the Store facade. All SQL of newswatch lives here."""

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
    "PreviousVersion",
    "SaveResult",
    "SearchHit",
    "SeenMark",
    "Store",
    "StoredArticle",
    "StoredVersion",
    "default_db_url",
]
