"""The Store: the one object the rest of newswatch uses to read and write the database.

Every write is one transaction (BEGIN IMMEDIATE on SQLite, see storage/engine.py) and an idempotent upsert on
a natural key, so a crash or a re-run never duplicates a row. Driver errors leave as
StorageError with one line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)

from crawler.core.errors import StorageError
from crawler.core.items import Article
from crawler.core.times import utc_iso, utc_text
from storage import developments as development_rows
from storage import schema as s
from storage.boilerplate import BoilerplateStore
from storage.database import Database
from storage.deliveries import DeliveryStore, NoticeStore
from storage.developments import DevelopmentStore, Linker
from storage.engine import make_engine, translate_errors
from storage.feeds import FeedStore
from storage.health import HealthStore
from storage.metrics import MetricsQueries
from storage.migrations import migrate
from storage.records import (
    Change,
    CrawlRun,
    Event,
    FetchState,
    Known,
    PreviousVersion,
    SaveResult,
    SearchHit,
    SeenMark,
    StoredArticle,
    StoredVersion,
)
from storage.search import search_articles

Classify = Callable[[PreviousVersion | None, Article], Change]
VersionHash = Callable[[str | None, str], str]  # (title, body) -> the hash that tells versions apart
SEEN_STATUSES = ("irrelevant", "deleted", "failed")
_VERSION_INSERT = s.article_versions.insert()  # built once: the values come as parameters


@lru_cache(maxsize=2)
def _previous_query(with_development: bool) -> Any:
    """The stored row of an article (locked for the transaction), and with a linker whether it already has a
    development, in the same statement; built once per process (per article, building a statement costs
    more than running it). Parameters: b_source, b_article_id."""
    a = s.articles
    columns = [a.c.id, a.c.version_no, a.c.title, a.c.lead, a.c.body, a.c.body_hash, a.c.matches]
    if not with_development:
        stmt = select(*columns).with_for_update()
    else:
        m = s.development_articles
        stmt = (select(*columns, m.c.development_id)
                .select_from(a.outerjoin(m, m.c.article_pk == a.c.id)).with_for_update(of=a))
    return stmt.where(a.c.source == bindparam("b_source"), a.c.article_id == bindparam("b_article_id"))


# Built once too (per article, building a statement costs more than running it): the earlier verdict on a
# page that is stored now. Parameters: b_source, b_article_id.
_SEEN_DELETE = delete(s.seen).where(s.seen.c.source == bindparam("b_source"),
                                    s.seen.c.article_id == bindparam("b_article_id"))


to_utc_text = utc_text  # an ISO 8601 timestamp with any offset as UTC text (the pipelines' name for it)


# A page's date further ahead of the fetch than this is no date (a template default, "2099", an attack).
FUTURE_DATE_TOLERANCE = timedelta(days=1)


def trusted_utc(value: str | None, fetched_at: datetime) -> str | None:
    """`value` as UTC text (to_utc_text), None when unparsable or more than FUTURE_DATE_TOLERANCE after both
    `fetched_at` and the clock: an article dated 2099 must not top every listing sorted by date forever.
    (The clock too, so that a fetch time given for an earlier moment, a replay, judges nothing by it.)"""
    text = to_utc_text(value)
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    reference = max(fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC), datetime.now(UTC))
    return text if moment <= reference + FUTURE_DATE_TOLERANCE else None


def content_hash(text_value: str) -> str:
    return hashlib.sha256(text_value.encode("utf-8")).hexdigest()


def topics_of(matches: Sequence[Mapping[str, Any]]) -> list[str]:
    """Topic names from relevance matches ({"topic": name, "terms": [...], ...})."""
    names = {str(m.get("topic") or m.get("name") or "") for m in matches}
    return sorted(n for n in names if n)


def terms_of(matches: Sequence[Mapping[str, Any]]) -> list[str]:
    terms: list[str] = []
    for m in matches:
        found = m.get("terms") or m.get("matched") or ([m["term"]] if m.get("term") else [])
        for term in found if isinstance(found, list | tuple) else [found]:
            if str(term) not in terms:
                terms.append(str(term))
    return terms


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _loads(value: str | None) -> Any:
    return json.loads(value) if value else None


def _bound(moment: datetime | date | str | None) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0), UTC)
    return utc_iso(moment)


def article_record(row: Row[Any]) -> StoredArticle:
    """A row of the articles table as a StoredArticle (no versions)."""
    matches = _loads(row.matches) or []
    return StoredArticle(
        source=row.source, article_id=row.article_id, url=row.url, title=row.title, lead=row.lead,
        body=row.body, body_hash=row.body_hash, version_no=row.version_no, published_at=row.published_at,
        published_utc=row.published_utc, modified_at=row.modified_at, authors=_loads(row.authors) or [],
        section=row.section, tags=_loads(row.tags) or [], language=row.language, kind=row.kind,
        images=_loads(row.images) or [], matches=matches, topics=topics_of(matches), score=row.score,
        listing_date=row.listing_date, first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at,
        last_changed_at=row.last_changed_at, deleted_at=row.deleted_at,
    )


def articles_query(source: str | None = None, topic: str | None = None, since: Any = None, until: Any = None,
                   limit: int | None = None) -> Any:
    """The SELECT behind list_articles (newest publication first), shared with the dashboard's feeds."""
    a = s.articles
    dated = func.coalesce(a.c.published_utc, a.c.first_seen_at)
    conditions: list[ColumnElement[bool]] = []
    if source:
        conditions.append(a.c.source == source)
    if topic:
        conditions.append(a.c.id.in_(select(s.article_topics.c.article_pk)
                                     .where(s.article_topics.c.topic == topic)))
    if (low := _bound(since)) is not None:
        conditions.append(dated >= low)
    if (high := _bound(until)) is not None:
        conditions.append(dated < high)
    query = select(a).where(and_(True, *conditions)).order_by(dated.desc(), a.c.id.desc())
    return query.limit(limit) if limit else query


def load_article(conn: Connection, source: str, article_id: str) -> StoredArticle | None:
    """One stored article with all its versions (oldest first), or None, read on `conn`."""
    a, v = s.articles, s.article_versions
    row = conn.execute(select(a).where(a.c.source == source, a.c.article_id == article_id)).first()
    if row is None:
        return None
    versions = conn.execute(select(v).where(v.c.article_pk == row.id).order_by(v.c.version_no)).all()
    stored = article_record(row)
    return StoredArticle(**{**stored.__dict__, "versions": [
        StoredVersion(version_no=x.version_no, title=x.title, lead=x.lead, body=x.body,
                      body_hash=x.body_hash, modified_at=x.modified_at, fetched_at=x.fetched_at,
                      material=bool(x.material), diff=_loads(x.diff))
        for x in versions]})


class Store(Database):
    """Facade over the database. Open with Store.open(url); close() (or use as a context manager)."""

    def __init__(self, engine: Engine, url: str) -> None:
        super().__init__(engine, url)
        # Statements built once per store (save_article runs per article; building is the costly part).
        self._upserts: dict[tuple[tuple[str, ...], bool], Any] = {}
        self._event_insert: Any = None
        self._lock_stmt: Any = None

    # -- lifecycle -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, create: bool = True, busy_timeout: float = 30.0,
             sqlite_pragmas: Mapping[str, Any] | None = None) -> Store:
        """Connect (WAL, busy timeout, foreign keys on SQLite) and apply pending migrations.

        create=False refuses to create a missing SQLite file (for read-only commands). sqlite_pragmas are
        set on every new connection (e.g. {"max_page_count": 100}).
        """
        engine = make_engine(url, busy_timeout=busy_timeout, sqlite_pragmas=sqlite_pragmas, create=create)
        try:
            with translate_errors(url):
                migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url)


    # -- articles --------------------------------------------------------------------------------------

    def save_article(self, article: Article, *, matches: Sequence[Mapping[str, Any]], score: float,
                     fetched_at: datetime, listing_date: str | None, classify: Classify,
                     version_hash: VersionHash | None = None, linker: Linker | None = None) -> SaveResult:
        """Store one relevant article in one transaction and return what happened to it.

        Reads the latest version, asks classify(previous, article) what kind of change this is, upserts the
        article row, adds a version when classify says "updated", and writes an outbox event for a new
        article or a material update. If anything raises (classify included) nothing is written.
        The status is "new" (first time), "updated" (a new version) or "unchanged", as classify decides: the
        store holds no notion of what counts as a change. version_hash(title, body) gives the stored
        body_hash (default: sha256 of the body); pass the classifier's own fingerprint to keep them in step.
        With a linker (crawler/story/developments.py), a new article (or one stored before linking existed)
        joins or starts a development in the same transaction, and its event names the development's other
        coverage; a new version refreshes the features later articles are compared with.
        """
        if not article.article_id:
            raise ValueError(f"article without an id cannot be stored: {article.url}")
        now = utc_iso(fetched_at)
        # A date far in the future is kept as the page states it (published_at) but sorts and filters as the
        # time it was first fetched (published_utc), or as whatever the row held before.
        published_utc = trusted_utc(article.published_at, fetched_at)
        future = published_utc is None and to_utc_text(article.published_at) is not None
        body_hash = version_hash(article.title, article.body) if version_hash else content_hash(article.body)
        topics = topics_of(matches)
        with self._write() as conn:
            # The statements of this transaction are kept to what each case needs (it runs once per stored
            # article): a new article costs the SELECT, the upsert (RETURNING its id), its topics, the
            # seen-row delete, its version and its event; an unchanged one the SELECT, the upsert and the
            # seen-row delete.
            if self.dialect == "postgresql":
                # SQLite's BEGIN IMMEDIATE serialises writers; PostgreSQL's FOR UPDATE below locks only a
                # row that exists, so two writers of a new article would both see none and both write
                # version 1. This lock, per article for the transaction, makes the second wait and then
                # read the first one's row.
                conn.execute(self._article_lock(), {"source": article.source,
                                                    "article_id": article.article_id})
            row = conn.execute(_previous_query(linker is not None),
                               {"b_source": article.source, "b_article_id": article.article_id}).first()
            previous = (PreviousVersion(row.version_no, row.title, row.body, row.body_hash)
                        if row is not None else None)
            change = classify(previous, article)
            if previous is None:
                status, version_no = "new", 1
            elif change.kind == "updated":
                status, version_no = "updated", previous.version_no + 1
            else:
                status, version_no = "unchanged", previous.version_no

            values = {
                "source": article.source, "article_id": article.article_id, "url": article.url,
                "title": article.title, "lead": article.lead, "body": article.body, "body_hash": body_hash,
                "version_no": version_no, "published_at": article.published_at,
                "published_utc": now if future else published_utc, "modified_at": article.modified_at,
                "authors": _dumps(article.authors), "section": article.section, "tags": _dumps(article.tags),
                "language": article.language, "kind": article.kind,
                "images": _dumps([{"url": i.url, "caption": i.caption} for i in article.images]),
                "matches": _dumps(list(matches)), "score": float(score), "listing_date": listing_date,
                "first_seen_at": now, "last_seen_at": now, "last_changed_at": now, "deleted_at": None,
            }
            keep = {"id", "source", "article_id", "first_seen_at"}
            if future:
                keep.add("published_utc")  # the first fetch time (or the sane date of before) stays
            if status == "unchanged":
                keep |= {"title", "body", "body_hash", "version_no", "last_changed_at"}
                if row is not None and row.lead == article.lead:
                    # Naming lead in the UPDATE would fire the full-text trigger (UPDATE OF title, lead, body)
                    # and re-index the whole body for nothing.
                    keep.add("lead")
            if listing_date is None:
                keep.add("listing_date")  # a fetch without a listing does not forget the last one seen
            article_pk = self._upsert_returning_id(conn, values, [c for c in values if c not in keep],
                                                   row.id if row is not None else None)

            if row is None or topics != topics_of(_loads(row.matches) or []):
                if row is not None:
                    conn.execute(delete(s.article_topics).where(s.article_topics.c.article_pk == article_pk))
                if topics:
                    conn.execute(s.article_topics.insert(),
                                 [{"article_pk": article_pk, "topic": t} for t in topics])
            # Stored now: an earlier "irrelevant"/"failed" verdict no longer applies.
            conn.execute(_SEEN_DELETE, {"b_source": article.source, "b_article_id": article.article_id})

            if status != "unchanged":
                conn.execute(_VERSION_INSERT, {
                    "article_pk": article_pk, "version_no": version_no, "title": article.title,
                    "lead": article.lead, "body": article.body, "body_hash": body_hash,
                    "modified_at": article.modified_at, "fetched_at": now,
                    "material": status == "new" or change.material,
                    "diff": _dumps(change.diff) if status == "updated" else None,
                })
            development: dict[str, Any] | None = None
            if linker is not None:
                dated = str(values["published_utc"] or now)
                if row is None or row.development_id is None:
                    development_id, decision = development_rows.link_article(
                        conn, linker, article, article_pk, dated, topics, now)
                    development = {**development_rows.coverage(conn, development_id, article_pk),
                                   "score": decision.score, "signals": decision.signals}
                elif status == "updated":
                    development_rows.refresh_features(conn, linker, article, article_pk, dated)
                    development = development_rows.coverage(conn, row.development_id, article_pk)
            event_id = None
            if status == "new" or (status == "updated" and change.material):
                event_id = self._add_event(conn, article, status, version_no, now, matches, topics, change,
                                           development)
        return SaveResult(status=status, version_no=version_no, event_id=event_id)

    def _article_lock(self) -> Any:
        if self._lock_stmt is None:
            self._lock_stmt = select(func.pg_advisory_xact_lock(
                func.hashtext(bindparam("source")), func.hashtext(bindparam("article_id"))))
        return self._lock_stmt

    def _upsert_returning_id(self, conn: Connection, values: dict[str, Any], update_columns: Sequence[str],
                             known_id: int | None) -> int:
        """Upsert the article row on (source, article_id) and return its id without another SELECT: the id
        read before (the row existed), else the one the INSERT returns."""
        stmt = self._article_upsert(tuple(update_columns), returning=known_id is None)
        if known_id is not None:
            conn.execute(stmt, values)
            return known_id
        returned = conn.execute(stmt, values).scalar()
        assert returned is not None  # DO UPDATE returns the row it updated too
        return int(returned)

    def _article_upsert(self, update_columns: tuple[str, ...], returning: bool) -> Any:
        """The article upsert for this set of updated columns, built once per store: building it (and its
        cache key) for every article cost more than running it. The values come as parameters."""
        cache = self._upserts
        stmt: Any = cache.get((update_columns, returning))
        if stmt is None:
            a = s.articles
            stmt = self._insert(a)  # the dialect's Insert, which has the ON CONFLICT clauses
            stmt = stmt.on_conflict_do_update(index_elements=["source", "article_id"],
                                              set_={c: stmt.excluded[c] for c in update_columns})
            if returning:
                stmt = stmt.returning(a.c.id)
            cache[(update_columns, returning)] = stmt
        return stmt

    def _add_event(self, conn: Connection, article: Article, kind: str, version_no: int, now: str,
                   matches: Sequence[Mapping[str, Any]], topics: list[str], change: Change,
                   development: dict[str, Any] | None = None) -> int:
        payload: dict[str, Any] = {
            "source": article.source, "article_id": article.article_id, "url": article.url,
            "title": article.title, "lead": article.lead, "published_at": article.published_at,
            "version_no": version_no, "topics": topics, "terms": terms_of(matches),
            "matches": list(matches), "diff": change.diff if kind == "updated" else {},
        }
        if development is not None:
            payload["development"] = development
        e = s.events
        if self._event_insert is None:
            insert: Any = self._insert(e)
            self._event_insert = (insert
                                  .on_conflict_do_nothing(index_elements=["source", "article_id", "kind",
                                                                          "version_no"])
                                  .returning(e.c.id))
        # RETURNING gives the new row's id; a row already there (a re-run) returns nothing and is looked up.
        event_id = conn.execute(self._event_insert, {
            "source": article.source, "article_id": article.article_id, "kind": kind,
            "version_no": version_no, "created_at": now, "payload": _dumps(payload)}).scalar()
        if event_id is None:
            event_id = conn.scalar(select(e.c.id).where(
                e.c.source == article.source, e.c.article_id == article.article_id, e.c.kind == kind,
                e.c.version_no == version_no))
        assert event_id is not None  # inserted just above, or already there
        return int(event_id)

    def list_articles(self, source: str | None = None, topic: str | None = None,
                      since: datetime | date | str | None = None, until: datetime | date | str | None = None,
                      limit: int | None = None) -> list[StoredArticle]:
        """Stored articles, newest publication first. since is inclusive, until exclusive (UTC); an article
        without a publication time is dated by when it was first seen."""
        with self._read() as conn:
            rows = conn.execute(self._articles_query(source, topic, since, until, limit)).all()
        return [article_record(r) for r in rows]

    def _articles_query(self, source: str | None, topic: str | None, since: Any, until: Any,
                        limit: int | None) -> Any:
        return articles_query(source, topic, since, until, limit)

    def get_article(self, source: str, article_id: str) -> StoredArticle | None:
        """One stored article with all its versions (oldest first), or None."""
        with self._read() as conn:
            return load_article(conn, source, article_id)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Full-text search over title, lead and body (storage/search.py: search_articles)."""
        return search_articles(self, query, limit)

    def export_rows(self, source: str | None = None, topic: str | None = None,
                    since: datetime | date | str | None = None, until: datetime | date | str | None = None,
                    limit: int | None = None, with_versions: bool = False) -> Iterator[dict[str, Any]]:
        """Plain dicts (JSON-ready: lists stay lists) of the stored articles, filtered like list_articles."""
        for stored in self.list_articles(source, topic, since, until, limit):
            if with_versions:
                stored = self.get_article(stored.source, stored.article_id) or stored
            row = {name: getattr(stored, name) for name in EXPORT_FIELDS}
            if with_versions:
                row["versions"] = [v.__dict__ for v in stored.versions]
            yield row

    # -- pages seen but not stored, and what is known per source --------------------------------------

    def mark_seen(self, source: str, article_id: str, url: str, *, status: str,
                  topics_fingerprint: str | None = None, listing_date: str | None = None,
                  fetched_at: datetime, detail: str | None = None) -> None:
        """Remember a fetched page that is not stored as an article: irrelevant, deleted or failed.

        "deleted" on a stored article also marks the article row (deleted_at); its versions are kept.
        """
        self.mark_seen_many([SeenMark(source, article_id, url, status, fetched_at, topics_fingerprint,
                                      listing_date, detail)])

    def mark_seen_many(self, marks: Sequence[SeenMark]) -> None:
        """mark_seen for many pages in one transaction (all or none); a later mark of the same article wins.

        For writers that batch their verdicts (crawl/pipelines.py RelevancePipeline): one transaction per
        batch instead of one per page.
        """
        for mark in marks:
            if mark.status not in SEEN_STATUSES:
                raise ValueError(f"status must be one of {', '.join(SEEN_STATUSES)}, got {mark.status!r}")
        latest = {(m.source, m.article_id): m for m in marks}  # one row per key: an upsert cannot hit twice
        if not latest:
            return
        rows = [{"source": m.source, "article_id": m.article_id, "url": m.url, "status": m.status,
                 "topics_fingerprint": m.topics_fingerprint, "listing_date": m.listing_date,
                 "detail": m.detail, "first_seen_at": utc_iso(m.fetched_at),
                 "last_fetched_at": utc_iso(m.fetched_at)} for m in latest.values()]
        with self._write() as conn:
            # A fetch without a listing keeps the listing date seen before: two statement shapes.
            for dated in (True, False):
                batch = [r for r in rows if bool(r["listing_date"]) is dated]
                if not batch:
                    continue
                stmt: Any = self._insert(s.seen)
                columns = [c for c in batch[0] if c not in ("source", "article_id", "first_seen_at")
                           and (dated or c != "listing_date")]
                stmt = stmt.on_conflict_do_update(index_elements=["source", "article_id"],
                                                  set_={c: stmt.excluded[c] for c in columns})
                conn.execute(stmt, batch)
            a = s.articles
            for row in rows:
                if row["status"] == "deleted":
                    conn.execute(update(a).where(a.c.source == row["source"],
                                                 a.c.article_id == row["article_id"],
                                                 a.c.deleted_at.is_(None)).values(deleted_at=row["last_fetched_at"]))

    def known(self, source: str) -> dict[str, Known]:
        """article_id -> what is known about it, for deciding whether to fetch it again.

        A stored article is "stored" (or "deleted" once it redirected away); other pages carry their seen
        status. last_fetched_at and listing_date are the latest ones recorded.
        """
        a, sn = s.articles, s.seen
        result: dict[str, Known] = {}
        with self._read() as conn:
            for r in conn.execute(select(sn).where(sn.c.source == source)):
                result[r.article_id] = Known(r.status, None, r.listing_date, r.last_fetched_at,
                                             r.topics_fingerprint)
            for r in conn.execute(select(a.c.article_id, a.c.published_at, a.c.listing_date, a.c.last_seen_at,
                                         a.c.deleted_at).where(a.c.source == source)):
                other = result.get(r.article_id)
                fetched = max(filter(None, (r.last_seen_at, other and other.last_fetched_at)), default=None)
                newer_listing = other.listing_date if other and other.last_fetched_at == fetched else None
                result[r.article_id] = Known("deleted" if r.deleted_at else "stored", r.published_at,
                                             newer_listing or r.listing_date, fetched, None)
        return result

    # -- HTTP validators ------------------------------------------------------------------------------

    def get_fetch_state(self, url: str) -> FetchState | None:
        f = s.fetch_state
        with self._read() as conn:
            r = conn.execute(select(f).where(f.c.url == url)).first()
        if r is None:
            return None
        return FetchState(r.url, r.etag, r.last_modified, r.last_status, r.last_fetched_at)

    def record_fetch(self, url: str, status: int, etag: str | None, last_modified: str | None,
                     fetched_at: datetime) -> None:
        """Remember a response's validators. A 304 keeps the validators already stored."""
        values = {"url": url, "etag": etag, "last_modified": last_modified, "last_status": status,
                  "last_fetched_at": utc_iso(fetched_at)}
        columns = ["last_status", "last_fetched_at"] if status == 304 else list(values)
        with self._write() as conn:
            self._upsert(conn, s.fetch_state, values, ("url",), columns)

    # -- crawl runs -----------------------------------------------------------------------------------

    def start_run(self, spider: str, args: Mapping[str, Any], started_at: datetime | None = None) -> int:
        with self._write() as conn:
            result = conn.execute(s.crawl_runs.insert().values(
                spider=spider, args=_dumps(dict(args)), started_at=utc_iso(started_at or datetime.now(UTC))))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, outcome: str, stats: Mapping[str, Any],
                   finished_at: datetime | None = None) -> None:
        r = s.crawl_runs
        with self._write() as conn:
            newest_event = select(func.max(s.events.c.id)).scalar_subquery()
            done = conn.execute(update(r).where(r.c.id == run_id).values(
                outcome=outcome, stats=_dumps(dict(stats)), last_event_id=newest_event,
                finished_at=utc_iso(finished_at or datetime.now(UTC))))
            if done.rowcount == 0:
                raise StorageError(f"no crawl run with id {run_id}")

    def recent_runs(self, source: str | None = None, limit: int = 20) -> list[CrawlRun]:
        """The latest crawl runs, newest first; source filters on the spider name."""
        r = s.crawl_runs
        query = select(r).order_by(r.c.started_at.desc(), r.c.id.desc()).limit(limit)
        if source:
            query = query.where(r.c.spider == source)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [CrawlRun(x.id, x.spider, _loads(x.args) or {}, x.started_at, x.finished_at, x.outcome,
                         _loads(x.stats)) for x in rows]

    # -- outbox ---------------------------------------------------------------------------------------

    def events(self, after_id: int = 0, limit: int | None = None) -> list[Event]:
        """Outbox events with id > after_id, oldest first."""
        return self._events(s.events.c.id > after_id, limit)

    def pending_events(self, limit: int | None = None) -> list[Event]:
        """Events not yet dispatched to delivery, oldest first."""
        return self._events(s.events.c.dispatched_at.is_(None), limit)

    def _events(self, condition: ColumnElement[bool], limit: int | None) -> list[Event]:
        e = s.events
        query = select(e).where(condition).order_by(e.c.id)
        with self._read() as conn:
            rows = conn.execute(query.limit(limit) if limit else query).all()
        return [Event(x.id, x.source, x.article_id, x.kind, x.version_no, x.created_at, _loads(x.payload),
                      x.dispatched_at) for x in rows]

    def mark_dispatched(self, event_ids: Sequence[int], at: datetime | None = None) -> int:
        """Mark events as handed to delivery; returns how many were still pending."""
        if not event_ids:
            return 0
        e = s.events
        with self._write() as conn:
            done = conn.execute(update(e).where(e.c.id.in_(list(event_ids)), e.c.dispatched_at.is_(None))
                                .values(dispatched_at=utc_iso(at or datetime.now(UTC))))
            return int(done.rowcount)

    @property
    def deliveries(self) -> DeliveryStore:
        """Per-recipient deliveries of outbox events (storage/deliveries.py)."""
        return DeliveryStore(self)

    @property
    def notices(self) -> NoticeStore:
        """Queued admin e-mails about crawl health (storage/deliveries.py)."""
        return NoticeStore(self)

    @property
    def boilerplate(self) -> BoilerplateStore:
        """What the boilerplate learner remembers of configured outlets' pages (storage/boilerplate.py)."""
        return BoilerplateStore(self)

    @property
    def feeds(self) -> FeedStore:
        """Queries for Atom feeds: material revisions (storage/feeds.py)."""
        return FeedStore(self, article_record)

    def link_unlinked(self, linker: Linker, batch: int = 200) -> int:
        """Put every stored article without a development into one, oldest publication first: articles
        stored before developments existed, or without a linker. One transaction per article, so a long
        run never holds the write lock for long; idempotent. Returns how many were linked."""
        a, m, t = s.articles, s.development_articles, s.article_topics
        dated = func.coalesce(a.c.published_utc, a.c.first_seen_at)
        linked = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(select(a).where(~a.c.id.in_(select(m.c.article_pk)))
                                    .order_by(dated, a.c.id).limit(batch)).all()
            if not rows:
                return linked
            for row in rows:
                stored = article_record(row)
                item = Article(source=stored.source, article_id=stored.article_id, url=stored.url,
                               title=stored.title, lead=stored.lead, published_at=stored.published_at,
                               language=stored.language, body=stored.body)
                with self._write() as conn:
                    if conn.scalar(select(m.c.article_pk).where(m.c.article_pk == row.id)) is not None:
                        continue  # linked by a writer meanwhile
                    topics = list(conn.scalars(select(t.c.topic).where(t.c.article_pk == row.id)))
                    when = str(stored.published_utc or stored.first_seen_at)
                    development_rows.link_article(conn, linker, item, row.id, when, topics,
                                                  utc_iso(datetime.now(UTC)))
                linked += 1

    @property
    def developments(self) -> DevelopmentStore:
        """Articles grouped by development, with the signals of each link (storage/developments.py)."""
        return DevelopmentStore(self)

    @property
    def metrics(self) -> MetricsQueries:
        """Aggregates for the daemon's Prometheus metrics (storage/metrics.py)."""
        return MetricsQueries(self)

    @property
    def health(self) -> HealthStore:
        """Crawl-health state per source (storage/health.py)."""
        return HealthStore(self)

    def counts(self) -> dict[str, int]:
        """Row counts per table, for stats and the CLI."""
        tables = (s.articles, s.article_versions, s.seen, s.fetch_state, s.crawl_runs, s.events)
        with self._read() as conn:
            return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables}


EXPORT_FIELDS = (
    "source", "article_id", "url", "title", "lead", "published_at", "modified_at", "authors", "section",
    "tags", "language", "kind", "topics", "score", "version_no", "listing_date", "first_seen_at",
    "last_seen_at", "last_changed_at", "deleted_at", "body",
)

__all__ = ["EXPORT_FIELDS", "Classify", "Store"]
