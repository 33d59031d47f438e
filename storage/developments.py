"""Developments in the database: memberships written in an article's save transaction, and the queries that
read them back (`newswatch developments`, alerts, the dashboard).

Which development an article joins is not decided here: the save passes a `Linker` (crawler/story/
developments.py) that computes an article's features and picks among the candidates this module reads. Only
plain values cross that boundary, so storage stays free of the application's rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Connection, Text, and_, bindparam, case, func, select, update

from crawler.core.items import Article
from crawler.core.times import utc_iso
from storage import schema as s
from storage.database import Database
from storage.records import Development, DevelopmentMember, LinkCandidate, LinkDecision

CANDIDATE_LIMIT = 100  # on each side of the new article's time: the nearest ones


@lru_cache(maxsize=50_000)
def _features(raw: str) -> dict[str, Any]:
    """Stored features parsed once per process (they are read for every new article near them in time);
    keyed by the JSON text itself, so a refreshed row is parsed again. Callers must not change the dict."""
    parsed: dict[str, Any] = json.loads(raw or "{}")
    return parsed


class Linker(Protocol):
    """Decides developments for the store: features of an article, then which candidate it joins."""

    window_hours: float

    def features(self, article: Article, published_utc: str | None) -> dict[str, Any]: ...

    def decide(self, features: Mapping[str, Any], candidates: Sequence[LinkCandidate]) -> LinkDecision: ...


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _shift(moment: str, hours: float) -> str:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return utc_iso(parsed + timedelta(hours=hours))


@lru_cache(maxsize=2)
def _candidate_queries(with_topics: bool) -> tuple[Any, Any]:
    """The two candidate SELECTs (before and after the article's time), built once per process: building
    them per stored article cost more than running them. Parameters: pk, since, dated, until (and topics, a
    list, when `with_topics`)."""
    a, m = s.articles, s.development_articles
    when = func.coalesce(a.c.published_utc, a.c.first_seen_at)
    conditions = [a.c.id != bindparam("pk")]
    if with_topics:
        topic = s.article_topics.c.topic
        conditions.append(a.c.id.in_(select(s.article_topics.c.article_pk)
                                     .where(topic.in_(bindparam("topics", expanding=True)))))
    columns = select(a.c.id, a.c.source, a.c.article_id, a.c.published_utc, m.c.development_id,
                     m.c.features).join(m, m.c.article_pk == a.c.id)
    dated = bindparam("dated", type_=Text)
    before = columns.where(and_(*conditions, when >= bindparam("since", type_=Text), when <= dated)) \
        .order_by(when.desc(), a.c.id.desc()).limit(CANDIDATE_LIMIT)
    after = columns.where(and_(*conditions, when > dated, when <= bindparam("until", type_=Text))) \
        .order_by(when, a.c.id).limit(CANDIDATE_LIMIT)
    return before, after


def candidates(conn: Connection, article_pk: int, dated: str, topics: Sequence[str],
               window_hours: float) -> list[LinkCandidate]:
    """Stored articles with a development, published within window_hours of `dated` and sharing a topic:
    the CANDIDATE_LIMIT nearest before it and as many after it (a busy story stays fast to link)."""
    before, after = _candidate_queries(bool(topics))
    params: dict[str, Any] = {"pk": article_pk, "dated": dated, "since": _shift(dated, -window_hours),
                              "until": _shift(dated, window_hours)}
    if topics:
        params["topics"] = list(topics)
    rows = [*conn.execute(before, params).all(), *conn.execute(after, params).all()]
    return [LinkCandidate(r.id, r.development_id, r.source, r.article_id, r.published_utc,
                          _features(r.features or "{}")) for r in rows]


@lru_cache(maxsize=1)
def _link_statements() -> tuple[Any, Any, Any]:
    """A new development, a development's report times widened to an article's, a membership: built once
    per process (per stored article, building them cost a tenth of its linking)."""
    d = s.developments
    first, last = d.c.first_reported_at, d.c.last_reported_at
    dated = bindparam("b_dated", type_=Text)
    widen = update(d).where(d.c.id == bindparam("b_development_id")).values(
        first_reported_at=case((first.is_(None), dated), (first > dated, dated), else_=first),
        last_reported_at=case((last.is_(None), dated), (last < dated, dated), else_=last),
        updated_at=bindparam("b_now", type_=Text))
    return d.insert(), widen, s.development_articles.insert()


def link_article(conn: Connection, linker: Linker, article: Article, article_pk: int, dated: str,
                 topics: Sequence[str], now: str) -> tuple[int, LinkDecision]:
    """Put a newly stored article into a development (joining one or starting one); returns its id."""
    features = linker.features(article, dated)
    decision = linker.decide(features, candidates(conn, article_pk, dated, topics, linker.window_hours))
    insert_development, widen, insert_member = _link_statements()
    if decision.development_id is None:
        development_id = int(conn.execute(insert_development, {
            "title": article.title, "first_reported_at": dated, "last_reported_at": dated, "created_at": now,
            "updated_at": now}).inserted_primary_key[0])  # type: ignore[index]
    else:
        development_id = decision.development_id
        conn.execute(widen, {"b_development_id": development_id, "b_dated": dated, "b_now": now})
    conn.execute(insert_member, {
        "article_pk": article_pk, "development_id": development_id, "linked_pk": decision.linked_pk,
        "score": decision.score, "signals": _dumps(decision.signals), "features": _dumps(features),
        "joined_at": now})
    return development_id, decision


def refresh_features(conn: Connection, linker: Linker, article: Article, article_pk: int, dated: str) -> None:
    """A new version keeps its development; what later articles are compared with is the new text."""
    m = s.development_articles
    conn.execute(update(m).where(m.c.article_pk == article_pk)
                 .values(features=_dumps(linker.features(article, dated))))


@lru_cache(maxsize=1)
def _coverage_queries() -> tuple[Any, Any]:
    """coverage()'s two SELECTs, built once per process. Parameters: development_id, pk."""
    a, m = s.articles, s.development_articles
    others = (select(a.c.id, a.c.source, a.c.article_id, a.c.title, a.c.url, a.c.language,
                     func.coalesce(a.c.published_utc, a.c.first_seen_at).label("dated"))
              .join(m, m.c.article_pk == a.c.id)
              .where(m.c.development_id == bindparam("development_id"), a.c.id != bindparam("pk"))
              .order_by("dated", a.c.id).limit(20))
    linked = select(m.c.linked_pk).where(m.c.article_pk == bindparam("pk"))
    return others, linked


def coverage(conn: Connection, development_id: int, article_pk: int) -> dict[str, Any]:
    """What an alert says about an article's development: the other articles in it, earliest first, and
    whether this article started it (a subscriber of one alert per development hears of that one)."""
    others, linked_query = _coverage_queries()
    rows = conn.execute(others, {"development_id": development_id, "pk": article_pk}).all()
    linked = conn.scalar(linked_query, {"pk": article_pk})
    return {"id": development_id, "started": linked is None, "others": [
        {"source": r.source, "article_id": r.article_id, "title": r.title, "url": r.url,
         "language": r.language, "published_utc": r.dated} for r in rows]}


def _bound(moment: datetime | date | str | None) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0), UTC)
    return utc_iso(moment)


class DevelopmentStore:
    """Read-only queries over developments; `Store.developments` gives one."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list_all(self, topic: str | None = None, since: datetime | date | str | None = None,
             min_articles: int = 1, limit: int | None = None) -> list[Development]:
        """Developments, latest report first, with their articles (earliest first). `topic`: developments
        with an article of that topic; `since`: developments reported on or after it (UTC)."""
        d, m = s.developments, s.development_articles
        query = select(d.c.id).order_by(d.c.last_reported_at.desc(), d.c.id.desc())
        if topic:
            t = s.article_topics
            of_topic = select(m.c.development_id).join(t, t.c.article_pk == m.c.article_pk)
            query = query.where(d.c.id.in_(of_topic.where(t.c.topic == topic)))
        if (low := _bound(since)) is not None:
            query = query.where(d.c.last_reported_at >= low)
        if min_articles > 1:
            query = query.where(d.c.id.in_(select(m.c.development_id).group_by(m.c.development_id)
                                           .having(func.count() >= min_articles)))
        if limit:
            query = query.limit(limit)
        with self._db._read() as conn:
            ids = list(conn.scalars(query))
            return self._load(conn, ids)

    def get(self, development_id: int) -> Development | None:
        with self._db._read() as conn:
            found = self._load(conn, [development_id])
        return found[0] if found else None

    def of_article(self, source: str, article_id: str) -> Development | None:
        """The development a stored article belongs to, or None (not stored, or stored before linking)."""
        a, m = s.articles, s.development_articles
        with self._db._read() as conn:
            development_id = conn.scalar(select(m.c.development_id).join(a, a.c.id == m.c.article_pk)
                                         .where(a.c.source == source, a.c.article_id == article_id))
            found = self._load(conn, [development_id]) if development_id is not None else []
        return found[0] if found else None

    def active(self, since: str, until: str | None = None,
               topic: str | None = None) -> list[tuple[int, str, dict[str, str], str | None]]:
        """(id, topic, {entity key: label}, last reported) of the developments reported between `since` and
        `until` (UTC ISO), once per topic of their articles: the places and actors named in their
        members' headlines, for the bar an active development lowers (crawler/story/relevance.py)."""
        d, m, t = s.developments, s.development_articles, s.article_topics
        query = (select(m.c.development_id, t.c.topic, m.c.features, d.c.last_reported_at)
                 .join(d, d.c.id == m.c.development_id).join(t, t.c.article_pk == m.c.article_pk)
                 .where(d.c.last_reported_at >= since))
        if until is not None:
            query = query.where(d.c.first_reported_at <= until)
        if topic:
            query = query.where(t.c.topic == topic)
        found: dict[tuple[int, str], tuple[dict[str, str], str | None]] = {}
        with self._db._read() as conn:
            for row in conn.execute(query):
                features = json.loads(row.features or "{}")
                names, _ = found.setdefault((row.development_id, row.topic), ({}, row.last_reported_at))
                for key, entry in (features.get("entities") or {}).items():
                    if entry.get("where") == "head":
                        names.setdefault(key, str(entry.get("label", key)))
        return [(i, topic_name, names, last) for (i, topic_name), (names, last) in found.items()]

    def _load(self, conn: Connection, ids: Sequence[int]) -> list[Development]:
        if not ids:
            return []
        a, d, m, t = s.articles, s.developments, s.development_articles, s.article_topics
        heads = {r.id: r for r in conn.execute(select(d).where(d.c.id.in_(list(ids))))}
        rows = conn.execute(
            select(a.c.id, a.c.source, a.c.article_id, a.c.url, a.c.title, a.c.language, a.c.published_utc,
                   a.c.first_seen_at, m.c.development_id, m.c.linked_pk, m.c.score, m.c.signals,
                   m.c.joined_at)
            .join(m, m.c.article_pk == a.c.id).where(m.c.development_id.in_(list(ids)))
            .order_by(func.coalesce(a.c.published_utc, a.c.first_seen_at), a.c.id)).all()
        pks = [r.id for r in rows]
        topics: dict[int, list[str]] = {}
        for pair in conn.execute(select(t.c.article_pk, t.c.topic).where(t.c.article_pk.in_(pks))
                                 .order_by(t.c.topic)):
            topics.setdefault(pair.article_pk, []).append(pair.topic)
        names = {r.id: f"{r.source}:{r.article_id}" for r in rows}
        linked_missing = {r.linked_pk for r in rows if r.linked_pk is not None and r.linked_pk not in names}
        if linked_missing:
            linked = select(a.c.id, a.c.source, a.c.article_id).where(a.c.id.in_(linked_missing))
            for other in conn.execute(linked):
                names[other.id] = f"{other.source}:{other.article_id}"
        members: dict[int, list[DevelopmentMember]] = {}
        for r in rows:
            members.setdefault(r.development_id, []).append(DevelopmentMember(
                source=r.source, article_id=r.article_id, url=r.url, title=r.title, language=r.language,
                published_utc=r.published_utc, first_seen_at=r.first_seen_at, topics=topics.get(r.id, []),
                linked_to=names.get(r.linked_pk) if r.linked_pk is not None else None, score=float(r.score),
                signals=json.loads(r.signals or "[]"), joined_at=r.joined_at))
        out = []
        for development_id in ids:
            head = heads.get(development_id)
            if head is None or development_id not in members:
                continue
            out.append(Development(head.id, head.title, head.first_reported_at, head.last_reported_at,
                                   members[development_id]))
        return out
