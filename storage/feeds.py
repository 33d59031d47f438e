"""Queries for feeds of the stored coverage: the material revisions of articles, newest first.

New articles come from `Store.list_articles`; what a feed adds is the revisions, read from
`article_versions` (version 2 and later, material ones: those an "Updated" alert is sent for).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, select

from crawler.core.times import utc_iso
from storage import schema as s
from storage.database import Database
from storage.records import StoredArticle, StoredRevision, StoredVersion

ArticleFromRow = Callable[[Row[Any]], StoredArticle]


class FeedStore:
    """Read-only queries for Atom feeds; `Store.feeds` gives one."""

    def __init__(self, db: Database, article_from_row: ArticleFromRow) -> None:
        self._db = db
        self._article = article_from_row

    def revisions(self, source: str | None = None, topic: str | None = None,
                  since: datetime | date | None = None, limit: int | None = None) -> list[StoredRevision]:
        """Material revisions fetched at or after `since` (UTC), newest first, each with its article."""
        a, v = s.articles, s.article_versions
        conditions: list[ColumnElement[bool]] = [v.c.version_no > 1, v.c.material.is_(True)]
        if source:
            conditions.append(a.c.source == source)
        if topic:
            conditions.append(a.c.id.in_(select(s.article_topics.c.article_pk)
                                         .where(s.article_topics.c.topic == topic)))
        if since is not None:
            moment = since if isinstance(since, datetime) else datetime(since.year, since.month, since.day)
            conditions.append(v.c.fetched_at >= utc_iso(moment))
        query = (select(v).join(a, a.c.id == v.c.article_pk).where(and_(*conditions))
                 .order_by(v.c.fetched_at.desc(), v.c.id.desc()))
        if limit:
            query = query.limit(limit)
        with self._db._read() as conn:
            versions = conn.execute(query).all()
            pks = sorted({row.article_pk for row in versions})
            articles = {row.id: self._article(row)
                        for row in conn.execute(select(a).where(a.c.id.in_(pks))).all()} if pks else {}
        return [StoredRevision(articles[row.article_pk], _version(row)) for row in versions]


def _version(row: Row[Any]) -> StoredVersion:
    return StoredVersion(version_no=row.version_no, title=row.title, lead=row.lead, body=row.body,
                         body_hash=row.body_hash, modified_at=row.modified_at, fetched_at=row.fetched_at,
                         material=bool(row.material), diff=json.loads(row.diff) if row.diff else None)
