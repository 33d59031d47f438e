"""Item pipelines: one job each, dependencies via from_crawler (ITEM_PIPELINES: crawler/crawl/settings.py).

ParseFailureMiddleware (a spider middleware) turns an unreadable article page into a FailedArticle item.
Order: ParseFailurePipeline (100) -> GonePipeline (200) -> BoilerplatePipeline (250, in
crawler/crawl/boilerplate.py) -> RelevancePipeline (300) -> StoragePipeline (400).

Only ParseFailurePipeline runs without a database; the others raise NotConfigured unless NEWSWATCH_DB is
set (the newswatch CLI and runner always set it). So `scrapy crawl liputan6 -O out.jsonl` exports every parsed
article, and `scrapy crawl liputan6 -s NEWSWATCH_DB=data/newswatch.db` (or $NEWSWATCH_DB) stores the
relevant ones and exports only those.

Stats: newswatch/parse_failed, newswatch/articles/{new,updated,unchanged,irrelevant,deleted}.

A write that fails (StorageError: a read-only or full database) drops the item and ends the crawl
(crawler.crawl.extensions.storage_failed): the command then reports the database problem on one line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Response

from crawler.config import Config, TopicConfig
from crawler.core.errors import ConfigError, StorageError
from crawler.core.items import Article
from crawler.crawl.discovery.records import CrawledArticle, FailedArticle, GoneArticle
from crawler.crawl.extensions import TOPIC_SETTING, crawl_config, crawl_store, storage_failed
from crawler.extract.urls import canonical_url
from crawler.story.changes import classify, fingerprint
from crawler.story.developments import DevelopmentLinker, name_weights
from crawler.story.relevance import DEVELOPMENT_ACTIVE_HOURS, ActiveDevelopment, ActiveDevelopments, evaluate
from storage import Change, Classify, PreviousVersion, SeenMark, Store
from storage.store import to_utc_text

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _stats_inc(crawler: Crawler, key: str) -> None:
    if crawler.stats is not None:
        crawler.stats.inc_value(key)


def _write_failed(crawler: Crawler, exc: StorageError, what: str) -> NoReturn:
    """The database refused a write: end the crawl (once) and drop the item without a traceback."""
    storage_failed(crawler, exc)
    raise DropItem(f"not stored ({exc}): {what}", log_level="DEBUG") from exc


def _required_store(crawler: Crawler) -> Store:
    store = crawl_store(crawler)
    if store is None:
        raise NotConfigured  # no database (NEWSWATCH_DB): nothing is stored
    return store


class ParseFailureMiddleware:
    """Spider middleware: an article page the spider could not read an article from (it leaves
    `nw_parse_error` in the response meta) becomes a FailedArticle item for ParseFailurePipeline."""

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        yield from result
        yield from self._failure(response)

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in result:
            yield item
        for failure in self._failure(response):
            yield failure

    def _failure(self, response: Response) -> Iterator[FailedArticle]:
        error = response.meta.get("nw_parse_error")
        article_id = response.meta.get("nw_article_id")
        source = response.meta.get("nw_source")
        if error and article_id and source:
            yield FailedArticle(source, article_id, canonical_url(response.url), error,
                                response.meta.get("nw_listing_date"))


class ParseFailurePipeline:
    """FailedArticle (an article page without a readable article): counted, remembered as "failed" when a
    database is configured, and always dropped, so exports hold articles only."""

    def __init__(self, crawler: Crawler, store: Store | None) -> None:
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParseFailurePipeline:
        return cls(crawler, crawl_store(crawler))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FailedArticle):
            return item
        _stats_inc(self.crawler, "newswatch/parse_failed")
        if self.store is not None:
            try:
                self.store.mark_seen(item.source, item.article_id, item.url, status="failed",
                                     listing_date=item.listing_date, fetched_at=_now(),
                                     detail=item.error[:500])
            except StorageError as exc:
                _write_failed(self.crawler, exc, item.url)
        raise DropItem(f"no article in {item.url}: {item.error}", log_level="INFO")


class GonePipeline:
    """GoneArticle: the article id is marked deleted (its stored versions are kept)."""

    def __init__(self, crawler: Crawler, store: Store) -> None:
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GonePipeline:
        return cls(crawler, _required_store(crawler))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, GoneArticle):
            try:
                self.store.mark_seen(item.source, item.article_id, item.url, status="deleted",
                                     fetched_at=_now(), detail=item.reason)
            except StorageError as exc:
                _write_failed(self.crawler, exc, item.url)
            _stats_inc(self.crawler, "newswatch/articles/deleted")
        return item


def topics_for(config: Config, topic: str | None) -> dict[str, TopicConfig]:
    """The topics a crawl evaluates: every configured one, or only `topic` (ConfigError if unknown)."""
    if topic is None:
        return dict(config.topics)
    if topic not in config.topics:
        known = ", ".join(sorted(config.topics)) or "none"
        raise ConfigError(f"unknown topic {topic!r} (known: {known})")
    return {topic: config.topics[topic]}


def verdict_fingerprint(config: Config, topic: str | None) -> str:
    """What an "irrelevant" verdict was reached under. A verdict under one topic only is not a verdict
    under all of them, so it gets its own fingerprint and a later full crawl evaluates the article again."""
    base = config.topics_fingerprint()
    return base if topic is None else f"{base}:only:{topic}"


class RelevancePipeline:
    """Articles matching no topic are remembered as irrelevant (with the topics' fingerprint) and dropped;
    matching ones go on as CrawledArticle with their matches and score.

    The "irrelevant" marks are written in batches (every FLUSH_ITEMS marks, or FLUSH_SECONDS after the first
    one waiting, and when the spider closes): one transaction per page was the largest cost of a crawl. A
    crash loses at most the marks not written yet, and that only means those pages are fetched and judged
    again by a later crawl; nothing that matched a topic waits here.
    """

    FLUSH_ITEMS = 100
    FLUSH_SECONDS = 1.0

    def __init__(self, crawler: Crawler, store: Store, topics: dict[str, TopicConfig], verdict: str) -> None:
        self.crawler = crawler
        self.store = store
        self.topics = topics
        self.verdict = verdict
        self.pending: list[SeenMark] = []
        self._first_pending = 0.0  # time.monotonic() when the oldest waiting mark came
        self._timer: Any = None
        self._active: dict[str, tuple[float, list[ActiveDevelopment]]] = {}  # day -> (read at, developments)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        store = _required_store(crawler)
        config = crawl_config(crawler)
        topic = crawler.settings.get(TOPIC_SETTING) or None
        return cls(crawler, store, topics_for(config, topic), verdict_fingerprint(config, topic))

    def open_spider(self) -> None:
        from twisted.internet.task import LoopingCall

        # Marks also reach the database when the pages stop coming for a while (a slow site, a long wait).
        self._timer = LoopingCall(self._flush_if_due)
        self._timer.start(self.FLUSH_SECONDS, now=False)

    def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self._timer = None
        self.flush()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if not item.article_id:
            _stats_inc(self.crawler, "newswatch/articles/no_id")
            raise DropItem(f"article without an id: {item.url}", log_level="INFO")
        crawled = item if isinstance(item, CrawledArticle) else CrawledArticle.of(item)
        day = (to_utc_text(crawled.published_at) or _now().isoformat())[:10]
        active = ActiveDevelopments(lambda: self._active_around(day), name_weights)
        matches = evaluate(crawled, self.topics, active)
        if not matches:
            self._remember_irrelevant(crawled)
            _stats_inc(self.crawler, "newswatch/articles/irrelevant")
            raise DropItem(f"matches no topic: {crawled.url}", log_level="DEBUG")
        adapter = ItemAdapter(crawled)
        adapter["matches"] = [{"topic": m.topic, "score": m.score, "terms": list(m.terms),
                               **({"reason": m.reason} if m.reason else {})} for m in matches]
        for match in matches:
            if match.reason:
                _stats_inc(self.crawler, "newswatch/articles/relevant_by_development")
        adapter["score"] = max(m.score for m in matches)
        return crawled

    ACTIVE_CACHE_SECONDS = 60.0

    def _active_around(self, day: str) -> list[ActiveDevelopment]:
        """Developments reported within DEVELOPMENT_ACTIVE_HOURS of the day an article was published, read
        once a minute per day (a crawl stores new ones as it goes)."""
        cached = self._active.get(day)
        if cached is not None and time.monotonic() - cached[0] < self.ACTIVE_CACHE_SECONDS:
            return cached[1]
        start = datetime.fromisoformat(f"{day}T00:00:00+00:00")
        since = (start - timedelta(hours=DEVELOPMENT_ACTIVE_HOURS)).isoformat()
        until = (start + timedelta(days=1, hours=DEVELOPMENT_ACTIVE_HOURS)).isoformat()
        try:
            rows = self.store.developments.active(since, until)
        except StorageError as exc:
            storage_failed(self.crawler, exc)
            rows = []
        found = [ActiveDevelopment(i, topic, names, last) for i, topic, names, last in rows
                 if topic in self.topics]
        self._active[day] = (time.monotonic(), found)
        return found

    def _remember_irrelevant(self, crawled: CrawledArticle) -> None:
        if not self.pending:
            self._first_pending = time.monotonic()
        self.pending.append(SeenMark(crawled.source, crawled.article_id or "", crawled.url, "irrelevant",
                                     _now(), topics_fingerprint=self.verdict,
                                     listing_date=crawled.listing_date))
        if len(self.pending) >= self.FLUSH_ITEMS:
            self.flush()
        else:
            self._flush_if_due()

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self._first_pending >= self.FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the waiting "irrelevant" marks in one transaction. A StorageError ends the crawl."""
        marks, self.pending = self.pending, []
        if not marks:
            return
        try:
            self.store.mark_seen_many(marks)
        except StorageError as exc:
            storage_failed(self.crawler, exc)


def classify_against(version: str) -> Classify:
    """crawler.story.changes.classify, given the incoming article's fingerprint `version`.

    The stored body_hash of a version is its fingerprint (StoragePipeline passes fingerprint as the
    version hash), so a previous version with the same body_hash is "unchanged" without fingerprinting
    both texts again, the usual case of a re-check. Any other case is classify's own decision. A hash from
    another fingerprint version (or a plain content hash) never matches, and goes to classify too.
    """
    def run(previous: PreviousVersion | None, article: Article) -> Change:
        if previous is not None and previous.body_hash == version:
            return Change(kind="unchanged")
        return classify(previous, article)

    return run


class StoragePipeline:
    """Relevant articles into the database: a new article, a new version, or unchanged (counted each).
    A new article joins or starts a development in the same transaction (crawler/story/developments.py)."""

    def __init__(self, crawler: Crawler, store: Store) -> None:
        self.crawler = crawler
        self.store = store
        self.linker = DevelopmentLinker()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler, _required_store(crawler))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        crawled = item if isinstance(item, CrawledArticle) else CrawledArticle.of(item)
        article = crawled.article()
        version = fingerprint(article.title, article.body)  # once: it is the slow part of a save
        try:
            result = self.store.save_article(
                article, matches=list(crawled.matches), score=float(crawled.score), fetched_at=_now(),
                listing_date=crawled.listing_date, classify=classify_against(version),
                version_hash=lambda _title, _body: version, linker=self.linker)
        except StorageError as exc:
            _write_failed(self.crawler, exc, crawled.url)
        _stats_inc(self.crawler, f"newswatch/articles/{result.status}")
        logger.debug("%s %s: %s (version %d)", crawled.source, crawled.article_id, result.status,
                     result.version_no)
        return crawled
