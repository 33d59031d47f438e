"""Plain records discovery hands around: a link found on a listing, and an article found to be gone."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from crawler.core.items import Article


class ListingLink(NamedTuple):
    """One link a feed, sitemap or listing page offers: (url, title, lead, date).

    `url` is absolute and free of tracking parameters and fragments, but otherwise as the listing gave it
    (identity is decided later from the article id). `date` is timezone-aware when the listing states an
    offset, naive otherwise, None when the listing gives no date.
    """

    url: str
    title: str | None = None
    lead: str | None = None
    date: datetime | None = None


@dataclass
class GoneArticle:
    """An article the site no longer serves (Liputan6 redirects deleted ones to its homepage; 404/410).

    Yielded by the spiders instead of an Article so storage can mark the id deleted; never stored as text.
    """

    source: str
    article_id: str
    url: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CrawledArticle(Article):
    """An Article as a crawl yields it: with the date the listing gave it, and (once the relevance pipeline
    has run) the topics it matched. Exported as the article's fields plus these three."""

    listing_date: str | None = None  # ISO 8601 as the feed/sitemap/listing stated it; None when none did
    matches: list[dict[str, Any]] = field(default_factory=list)  # {"topic", "score", "terms"} per topic
    score: float = 0.0  # the best topic score

    @classmethod
    def of(cls, article: Article, listing_date: str | None = None) -> CrawledArticle:
        values = {f.name: getattr(article, f.name) for f in fields(Article)}
        return cls(**values, listing_date=listing_date)

    def article(self) -> Article:
        """The plain Article (what storage keeps)."""
        return Article(**{f.name: getattr(self, f.name) for f in fields(Article)})


@dataclass
class FailedArticle:
    """An article page no article could be read from (markup changed, empty page). Counted and remembered
    as "failed" by the pipelines, never exported."""

    source: str
    article_id: str
    url: str
    error: str
    listing_date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
