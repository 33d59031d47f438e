"""What the boilerplate learner remembers of each configured outlet's host: the line keys of its last pages.

Reads and writes `boilerplate_pages` (one row per host and page); `Store.boilerplate` gives one. Only short
hashes of lines are kept, never text: the articles themselves are stored elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, select

from crawler.core.times import utc_iso
from storage import schema as s
from storage.database import Database


@dataclass(frozen=True)
class ObservedPage:
    host: str
    page_key: str
    line_keys: list[str]
    observed_at: datetime


class BoilerplateStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def recent(self, host: str, limit: int) -> list[tuple[str, list[str]]]:
        """The host's `limit` newest pages, oldest first: (page key, line keys)."""
        t = s.boilerplate_pages
        query = (select(t.c.page_key, t.c.line_keys).where(t.c.host == host)
                 .order_by(t.c.observed_at.desc(), t.c.page_key.desc()).limit(limit))
        with self._db._read() as conn:
            rows = conn.execute(query).all()
        return [(row.page_key, list(json.loads(row.line_keys))) for row in reversed(rows)]

    def remember(self, pages: Sequence[ObservedPage], keep: int) -> None:
        """Save pages (a page seen again replaces its row) and keep only each host's `keep` newest."""
        if not pages:
            return
        t = s.boilerplate_pages
        with self._db._write() as conn:
            for page in pages:
                self._db._upsert(conn, t, {"host": page.host, "page_key": page.page_key,
                                           "line_keys": json.dumps(page.line_keys),
                                           "observed_at": utc_iso(page.observed_at)}, ("host", "page_key"))
            for host in sorted({page.host for page in pages}):
                newest = (select(t.c.observed_at).where(t.c.host == host)
                          .order_by(t.c.observed_at.desc()).offset(keep - 1).limit(1)).scalar_subquery()
                conn.execute(delete(t).where(and_(t.c.host == host, t.c.observed_at < newest)))
