"""Incremental crawling: ask listings "anything new?" and fetch known articles only when worth it.

A downloader middleware (DOWNLOADER_MIDDLEWARES, off without NEWSWATCH_DB). Per crawl it loads what the
store knows about the source once (`Store.known`), then:

- Listings (feeds, sitemaps, tag/topic/index pages) get conditional requests (If-None-Match /
  If-Modified-Since from the URL's fetch_state) on a monitoring pass (no since/until). A 304 means nothing to
  parse (`newswatch/listing/not_modified`). A backfill asks unconditionally, since the last crawl of a
  listing may have covered another date window; so does any crawl after the topics changed, since the
  articles a listing shows must then be judged again. Validators are written when the crawl finishes, and
  not for an "incomplete" listing: one that led to an article that did not end in a verdict (stored, or
  seen as irrelevant/failed/deleted). That is any article answer other than 2xx, 404/410 (deleted) or a
  redirect the spider resolved (followed, or to the front page: deleted); a redirect that ended offsite,
  in a loop or as a duplicate of another address; a download error. A 304 must never hide an article we
  missed.
- Article requests are decided by `decide()`: an article never seen is fetched; a deleted one never again;
  a stored one (or a failed page) when the listing dates it newer than before, or when it was published
  within `recheck_window_hours`; an irrelevant one when the listing dates it newer, or when the topics
  changed since it was judged. Skipped ones count as `newswatch/articles/skipped_known`.
- On a monitoring pass, once the listings are done, stored articles published within the window that no
  listing offered are fetched again (`newswatch/articles/rechecked`): a 304 listing hides nothing recent.
- `newswatch/listing/newest_date`: the newest date any listing gave an article (UTC ISO), for health checks.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Collection
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.config import Config
from crawler.core.errors import StorageError
from crawler.core.times import parse_moment
from crawler.crawl.discovery.records import ListingLink
from crawler.crawl.extensions import TOPIC_SETTING, crawl_config, crawl_store, storage_error, storage_failed
from crawler.crawl.pipelines import verdict_fingerprint
from storage import Known, Store

logger = logging.getLogger(__name__)

LISTING_KINDS = frozenset({"feed", "sitemap", "tag", "topic", "index", "listing"})
WINDOW_SETTING = "NEWSWATCH_RECHECK_WINDOW_HOURS"
# A listing date this close to the stored publication time is the same date, written differently.
_SAME_DATE_TOLERANCE = timedelta(minutes=1)
_VALIDATOR_STATUSES = (200, 304)
# Article answers that are a verdict in themselves (parsed, or deleted) or that the spider decides on (3xx).
_GONE_STATUSES = frozenset({404, 410})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHAIN_META = "nw_chain"  # one article request and the requests that follow its redirects share this token


def decide(known: Known | None, listing_date: str | None, *, now: datetime, window: timedelta,
           verdicts: Collection[str], zone: tzinfo = UTC) -> tuple[bool, str]:
    """Whether to fetch an article again, and why: (fetch?, reason).

    `listing_date` is what the listing says now; `verdicts` the topics fingerprints an "irrelevant" verdict
    still holds under. Reasons: new, deleted, listing_newer, recent, topics_changed, known.
    """
    if known is None:
        return True, "new"
    if known.status == "deleted":
        return False, "deleted"
    listed = parse_moment(listing_date, zone)
    before = parse_moment(known.listing_date, zone)
    tolerance = timedelta(0)
    if before is None:
        before, tolerance = parse_moment(known.published_at, zone), _SAME_DATE_TOLERANCE
    if listed is not None and before is not None and listed > before + tolerance:
        return True, "listing_newer"
    if known.status == "irrelevant":
        if known.topics_fingerprint not in verdicts:
            return True, "topics_changed"
        return False, "known"
    published = parse_moment(known.published_at, zone) or parse_moment(known.listing_date, zone) or listed
    if published is not None and published >= now - window:
        return True, "recent"
    return False, "known"


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, store: Store, config: Config, window_hours: float) -> None:
        self.crawler = crawler
        self.store = store
        self.config = config
        self.window = timedelta(hours=window_hours)
        topic = crawler.settings.get(TOPIC_SETTING) or None
        self.verdicts = {verdict_fingerprint(config, None), verdict_fingerprint(config, topic)}
        self.source = ""
        self.zone: tzinfo = UTC
        self.known: dict[str, Known] = {}
        self.monitoring = True
        self.conditional = False
        self.rechecked = False
        self.newest: datetime | None = None
        self.pending: dict[str, tuple[int, str | None, str | None]] = {}
        self.incomplete: set[str] = set()
        # Redirect answers not resolved yet: chain token -> the listing that led there. The spider resolves
        # one by asking for the new address (another request of the chain comes through process_request)
        # or by declaring the article deleted (an item from that response); one still here when the spider
        # closes ended offsite, in a loop or as a duplicate, with no verdict.
        self.redirected: dict[int, str] = {}
        self._chains = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        store = crawl_store(crawler)
        if store is None:
            raise NotConfigured  # no database (NEWSWATCH_DB): every page is fetched
        config = crawl_config(crawler)
        window = crawler.settings.get(WINDOW_SETTING)
        hours = float(window) if window not in (None, "") else config.crawl.recheck_window_hours
        middleware = cls(crawler, store, config, hours)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.item_done, signal=signals.item_scraped)
        crawler.signals.connect(middleware.item_done, signal=signals.item_dropped)
        return middleware

    # -- signals --
    def spider_opened(self, spider: Spider) -> None:
        self.source = getattr(spider, "source", "") or spider.name
        self.zone = getattr(spider, "zone", UTC)
        self.known = self.store.known(self.source)
        self.monitoring = getattr(spider, "since", None) is None and getattr(spider, "until", None) is None
        self.conditional = self.monitoring and not self._topics_changed()
        self._stat_set("newswatch/incremental/known", len(self.known))

    def _topics_changed(self) -> bool:
        """Whether the topics differ from those of the last finished crawl of this source."""
        for run in self.store.recent_runs(self.source, limit=10):
            if run.outcome is None:
                continue  # this crawl's own run, or one that died
            return run.args.get("topics_fingerprint") != self.config.topics_fingerprint()
        return True

    def spider_idle(self, spider: Spider) -> None:
        if self.rechecked or not self.monitoring:
            return
        self.rechecked = True
        requests = self._recheck_requests(spider)
        if not requests:
            return
        assert self.crawler.engine is not None
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _recheck_requests(self, spider: Spider) -> list[Request]:
        make = getattr(spider, "article_request", None)
        seen: set[str] = getattr(spider, "seen_ids", set())
        if make is None:
            return []
        since = datetime.now(UTC) - self.window
        requests = []
        for stored in self.store.list_articles(self.source, since=since):
            if stored.deleted_at or stored.article_id in seen:
                continue
            seen.add(stored.article_id)
            request = make(stored.url, stored.article_id, ListingLink(stored.url), "recheck")
            requests.append(request.replace(meta={**request.meta, "nw_recheck": True}))
        self._stat_inc("newswatch/articles/rechecked", len(requests))
        return requests

    def item_done(self, item: Any, response: Response | None = None, **_kw: Any) -> None:
        """An item from an article response (a GoneArticle for a redirect to the front page): a verdict."""
        try:
            chain = response.meta.get(CHAIN_META) if response is not None else None
        except AttributeError:  # a response without its request has no meta
            return
        if chain is not None:
            self.redirected.pop(chain, None)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason != "finished":
            return  # a crawl cut short may not have fetched what its listings offered
        self.incomplete.update(via for via in self.redirected.values() if via)
        if storage_error(self.crawler) is not None:
            return  # the crawl stopped on a database that takes no writes
        now = datetime.now(UTC)
        try:
            for url, (status, etag, last_modified) in self.pending.items():
                if url in self.incomplete:
                    continue
                self.store.record_fetch(url, status, etag, last_modified, now)
        except StorageError as exc:
            # Validators not saved only cost an unconditional fetch of the listing next time.
            storage_failed(self.crawler, exc)

    # -- requests --
    def process_request(self, request: Request) -> None:
        kind = request.meta.get("nw_kind")
        if kind in LISTING_KINDS:
            self._add_validators(request)
        elif kind == "article":
            if CHAIN_META in request.meta:
                # The spider asked for an address a redirect gave (or a retry): the chain goes on.
                self.redirected.pop(request.meta[CHAIN_META], None)
            else:
                request.meta[CHAIN_META] = next(self._chains)
            self._check_article(request)

    def _add_validators(self, request: Request) -> None:
        if not self.conditional:
            return
        state = self.store.get_fetch_state(request.url)
        if state is None or state.last_status not in _VALIDATOR_STATUSES:
            return
        if state.etag:
            request.headers.setdefault(b"If-None-Match", state.etag.encode("latin-1"))
        if state.last_modified:
            request.headers.setdefault(b"If-Modified-Since", state.last_modified.encode("latin-1"))

    def _check_article(self, request: Request) -> None:
        listing_date = request.meta.get("nw_listing_date")
        listed = parse_moment(listing_date, self.zone)
        if listed is not None and (self.newest is None or listed > self.newest):
            self.newest = listed.astimezone(UTC)
            # Set as it is seen, not at the end: the run recorder reads the stats when the spider closes.
            self._stat_set("newswatch/listing/newest_date", self.newest.isoformat(timespec="seconds"))
        if request.meta.get("nw_recheck"):
            return
        article_id = request.meta.get("nw_article_id")
        known = self.known.get(article_id) if article_id else None
        fetch, reason = decide(known, listing_date, now=datetime.now(UTC), window=self.window,
                               verdicts=self.verdicts, zone=self.zone)
        if fetch:
            if reason != "new":
                self._stat_inc(f"newswatch/articles/refetch/{reason}")
            return
        self._stat_inc("newswatch/articles/skipped_known")
        if reason == "deleted":
            self._stat_inc("newswatch/articles/skipped_deleted")
        raise IgnoreRequest(f"known article {article_id} ({reason})")

    # -- responses --
    def process_response(self, request: Request, response: Response) -> Response:
        kind = request.meta.get("nw_kind")
        if kind in LISTING_KINDS:
            url = response.url
            if response.status == 304:
                self._stat_inc("newswatch/listing/not_modified")
                self.pending[url] = (304, None, None)
                request.meta["nw_not_modified"] = True  # for the spider's errback: alive, nothing new
                raise IgnoreRequest(f"not modified: {url}")
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            self.pending[url] = (response.status, etag.decode("latin-1") if etag else None,
                                 modified.decode("latin-1") if modified else None)
        elif kind == "article":
            status = response.status
            if status in _REDIRECT_STATUSES and CHAIN_META in request.meta:
                self.redirected[request.meta[CHAIN_META]] = request.meta.get("nw_via") or ""
            elif not (200 <= status < 300 or status in _GONE_STATUSES):
                # 403, 401, 5xx and 429 after the retries, 304...: no verdict on the article.
                self._mark_incomplete(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if request.meta.get("nw_kind") == "article" and not isinstance(exception, IgnoreRequest):
            self._mark_incomplete(request)

    def _mark_incomplete(self, request: Request) -> None:
        via = request.meta.get("nw_via")
        if via:
            self.incomplete.add(via)

    # -- stats --
    def _stat_inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _stat_set(self, key: str, value: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)
