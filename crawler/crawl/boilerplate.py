"""BoilerplatePipeline: a configured outlet's articles without the lines its host prints under most articles.

The learner (crawler/extract/boilerplate.py) judges each article on the host's other pages, then remembers
the article's lines as extracted (before cleaning, so a line once learned stays learned). Only outlets
configured without code go through it: the built-in sources have their own cleaners, and an outlet can turn it
off (`learn_boilerplate = false` in its [sources.NAME] table).

With a database, what was learned is saved in batches (every FLUSH_ITEMS pages and when the spider closes)
and each host's memory is read back the first time a crawl meets the host, so the monitor's crawls build on
each other. A crash loses at most the pages not saved yet: they are learned again when next seen.

Runs before relevance (ITEM_PIPELINES 250), so topics are matched on the text that is stored.
Stats: newswatch/boilerplate/articles_cleaned, newswatch/boilerplate/lines_removed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler

from crawler.core.errors import StorageError
from crawler.core.items import Article
from crawler.crawl.extensions import crawl_config, crawl_store, storage_failed
from crawler.extract.boilerplate import WINDOW, HostBoilerplate
from crawler.extract.urls import host_of
from storage import ObservedPage, Store

logger = logging.getLogger(__name__)


class BoilerplatePipeline:
    FLUSH_ITEMS = 50

    def __init__(self, crawler: Crawler, store: Store | None, sources: frozenset[str]) -> None:
        self.crawler = crawler
        self.store = store
        self.sources = sources  # the configured outlets that learn
        self.learner = HostBoilerplate()
        self.pending: list[ObservedPage] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoilerplatePipeline:
        config = crawl_config(crawler)
        sources = frozenset(name for name, source in config.sources.items()
                            if not source.builtin and source.learn_boilerplate)
        return cls(crawler, crawl_store(crawler), sources)

    def close_spider(self) -> None:
        self.flush()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or item.source not in self.sources or not item.body:
            return item
        host = host_of(item.url)
        if not host:
            return item
        if not self.learner.knows(host):
            self._load(host)
        lines = item.paragraphs
        stripped = self.learner.strip(host, lines)
        keys = self.learner.observe(host, item.article_id or item.url, lines)
        self.pending.append(ObservedPage(host, item.article_id or item.url, keys, datetime.now(UTC)))
        if len(self.pending) >= self.FLUSH_ITEMS:
            self.flush()
        if stripped.removed:
            item.body = "\n\n".join(stripped.lines)
            if item.lead and item.lead.strip() in {line.strip() for line in stripped.removed}:
                item.lead = None
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value("newswatch/boilerplate/articles_cleaned")
                stats.inc_value("newswatch/boilerplate/lines_removed", len(stripped.removed))
            logger.debug("%s: %d line(s) of %s boilerplate removed: %r", item.url, len(stripped.removed),
                         host, stripped.removed[:3])
        return item

    def _load(self, host: str) -> None:
        if self.store is None:
            return
        try:
            self.learner.load(host, self.store.boilerplate.recent(host, WINDOW))
        except StorageError as exc:
            storage_failed(self.crawler, exc)

    def flush(self) -> None:
        pages, self.pending = self.pending, []
        if not pages or self.store is None:
            return
        try:
            self.store.boilerplate.remember(pages, keep=WINDOW)
        except StorageError as exc:
            storage_failed(self.crawler, exc)
