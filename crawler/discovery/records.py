"""Plain records discovery hands around: a link found on a listing, and an article found to be gone."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NamedTuple


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
