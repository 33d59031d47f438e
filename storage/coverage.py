"""Read-only queries for the dashboard and the report: a topic's coverage over time, an article's versions.

Each public method reads in ONE transaction, so a page is drawn from one consistent snapshot even while
`newswatch watch` writes (SQLite in WAL mode gives every read transaction its own snapshot; PostgreSQL's
read-committed is made repeatable for the block). Bodies are never read for lists: a topic page over 10,000
articles reads counts and titles only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, inspect, select, text

from crawler.core.errors import StorageError
from crawler.core.times import utc_text
from storage import schema as s
from storage.database import Database
from storage.engine import make_engine, translate_errors
from storage.feeds import FeedStore
from storage.records import StoredArticle, StoredRevision
from storage.store import article_record, articles_query, load_article


@dataclass(frozen=True)
class SourceDay:
    """How many of a topic's articles a source published on one UTC day."""

    day: str  # YYYY-MM-DD
    source: str
    articles: int


@dataclass(frozen=True)
class ArticleLine:
    """An article as a list shows it: no body."""

    source: str
    article_id: str
    url: str
    title: str | None
    language: str | None
    dated: str  # UTC ISO: publication time, else when first seen
    version_no: int
    deleted: bool


@dataclass(frozen=True)
class Revision:
    """A material revision (version 2 and later) of one of the topic's articles."""

    source: str
    article_id: str
    title: str | None
    version_no: int
    at: str  # UTC ISO: the page's modification time, else when the revision was fetched
    summary: str  # one line: what changed ("" beyond the newest `revisions_shown`, which pages list)


@dataclass(frozen=True)
class TopicCoverage:
    topic: str
    total: int
    days: list[SourceDay]
    first_reports: dict[str, ArticleLine]  # source -> its earliest article on the topic
    revisions: list[Revision]
    recent: list[ArticleLine]  # newest first, at most `recent` of them
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TopicCount:
    topic: str
    articles: int
    last: str | None


def change_summary(diff: dict[str, Any] | None, title_before: str | None = None) -> str:
    """One line saying what a version changed, from the diff change detection stored with it."""
    if not diff:
        return "first version" if title_before is None else "changed"
    parts = []
    title = diff.get("title")
    if title:
        parts.append("title changed")
    for key, label in (("changed", "edited"), ("added", "added"), ("removed", "removed")):
        count = len(diff.get(key) or [])
        if count:
            parts.append(f"{count} paragraph{'s' if count != 1 else ''} {label}")
    return ", ".join(parts) or "changed"


class CoverageReader(Database):
    """The dashboard's view of a database; it never writes and never migrates."""

    @classmethod
    def open(cls, url: str) -> CoverageReader:
        """Connect without creating or migrating anything; raises StorageError (one line) when the database
        is missing or holds no newswatch tables."""
        engine = make_engine(url, create=False)
        reader = cls(engine, url)
        with translate_errors(url), engine.connect() as conn:
            if not inspect(conn).has_table("articles"):
                engine.dispose()
                raise StorageError(f"{url}: no newswatch articles table: crawl into it first "
                                   "(newswatch crawl --db URL)")
        return reader

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        with self._read() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            yield conn

    def topics(self) -> list[TopicCount]:
        """Every topic with stored articles: how many, and the newest article's date."""
        a, t = s.articles, s.article_topics
        dated = func.coalesce(a.c.published_utc, a.c.first_seen_at)
        with self._snapshot() as conn:
            rows = conn.execute(select(t.c.topic, func.count(), func.max(dated))
                                .join(a, a.c.id == t.c.article_pk).group_by(t.c.topic)
                                .order_by(t.c.topic)).all()
        return [TopicCount(r[0], int(r[1]), r[2]) for r in rows]

    def coverage(self, topic: str, *, recent: int = 50, revisions_shown: int = 200) -> TopicCoverage | None:
        """The topic's coverage: articles per source per day, first reports, revisions, the newest articles.
        None when no stored article matched the topic.

        Topic membership is an EXISTS per article, so SQLite scans the covering index ix_articles_timeline
        (dates, source, id) instead of fetching every article row with its body; rows are read only for the
        few articles a page lists (bench/serve.py measures it).
        """
        a, t, v = s.articles, s.article_topics, s.article_versions
        in_topic = select(t.c.article_pk).where(t.c.article_pk == a.c.id, t.c.topic == topic).exists()
        dated = func.coalesce(a.c.published_utc, a.c.first_seen_at)
        day = func.substr(dated, 1, 10)
        line_columns = (a.c.source, a.c.article_id, a.c.url, a.c.title, a.c.language, dated.label("dated"),
                        a.c.version_no, a.c.deleted_at)
        with self._snapshot() as conn:
            total = int(conn.scalar(select(func.count()).select_from(a).where(in_topic)) or 0)
            if not total:
                return None
            days = [SourceDay(r[0], r[1], int(r[2])) for r in conn.execute(
                select(day, a.c.source, func.count()).where(in_topic).group_by(day, a.c.source)
                .order_by(day, a.c.source)).all()]
            first_reports: dict[str, ArticleLine] = {}
            for source, earliest in conn.execute(select(a.c.source, func.min(dated)).where(in_topic)
                                                 .group_by(a.c.source)).all():
                row = conn.execute(select(*line_columns).where(in_topic, a.c.source == source,
                                                               dated == earliest)
                                   .order_by(a.c.id).limit(1)).first()
                if row is not None:
                    first_reports[source] = _line(row)
            version_in_topic = select(t.c.article_pk).where(t.c.article_pk == v.c.article_pk,
                                                            t.c.topic == topic).exists()
            marks = conn.execute(
                select(v.c.id, v.c.article_pk, v.c.version_no, v.c.modified_at, v.c.fetched_at)
                .where(v.c.material.is_(True), v.c.version_no > 1, version_in_topic)).all()
            at = {m.id: utc_text(m.modified_at) or utc_text(m.fetched_at) or m.fetched_at for m in marks}
            shown = sorted(marks, key=lambda m: at[m.id], reverse=True)[:revisions_shown]
            details = {r.id: r for r in conn.execute(
                select(v.c.id, v.c.title, v.c.diff, a.c.source, a.c.article_id)
                .join(a, a.c.id == v.c.article_pk).where(v.c.id.in_([m.id for m in shown]))).all()}
            owners = {r.id: (r.source, r.article_id) for r in conn.execute(
                select(a.c.id, a.c.source, a.c.article_id).where(a.c.id.in_({m.article_pk for m in marks})))}
            newest_ids = [r[0] for r in conn.execute(select(a.c.id).where(in_topic)
                                                     .order_by(dated.desc(), a.c.id.desc()).limit(recent))]
            rows = {r.id: r for r in conn.execute(select(a.c.id, *line_columns)
                                                  .where(a.c.id.in_(newest_ids))).all()}
        revisions = []
        for mark in marks:
            detail = details.get(mark.id)
            source, article_id = owners[mark.article_pk]
            revisions.append(Revision(
                source, article_id, detail.title if detail else None, mark.version_no, at[mark.id],
                change_summary(json.loads(detail.diff) if detail and detail.diff else None, "")
                if detail else ""))
        revisions.sort(key=lambda x: (x.at, x.source, x.article_id, x.version_no))
        sources = sorted({d.source for d in days})
        return TopicCoverage(topic=topic, total=total, days=days, first_reports=first_reports,
                             revisions=revisions, recent=[_line(rows[i]) for i in newest_ids if i in rows],
                             sources=sources)

    def article(self, source: str, article_id: str) -> StoredArticle | None:
        """One article with all its versions, oldest first (Store.get_article's shape), or None."""
        with self._snapshot() as conn:
            return load_article(conn, source, article_id)


    def feed_items(self, topic: str, *, updates: bool, limit: int = 100
                   ) -> tuple[list[StoredArticle], list[StoredRevision]]:
        """A topic's newest articles and, with `updates`, its newest material revisions: an Atom feed's rows
        (the same queries as `newswatch feed`, read in one snapshot)."""
        with self._snapshot() as conn:
            articles = [article_record(row) for row in conn.execute(articles_query(topic=topic, limit=limit))]
        revisions = FeedStore(self, article_record).revisions(topic=topic, limit=limit) if updates else []
        return articles, revisions


def _line(row: Any) -> ArticleLine:
    return ArticleLine(source=row.source, article_id=row.article_id, url=row.url, title=row.title,
                       language=row.language, dated=row.dated, version_no=row.version_no,
                       deleted=row.deleted_at is not None)
