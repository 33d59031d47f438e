"""The shared spider: entry points from config, discovery callbacks, and the hand-off to the page parsers.

A spider decides what to follow and nothing else. Items out: `CrawledArticle` (a `crawler.core.items.Article`
with its listing date) for an article page, `GoneArticle` for one the site has deleted; an article page
without a readable article leaves `nw_parse_error` in response.meta. Listing metadata travels in
request.meta (`nw_listing_date`, `nw_listing_title`, `nw_listing_lead`) for the incremental middleware.

Spider arguments (all optional): since, until (YYYY-MM-DD, whole days, both included), exhaustive=1 (walk
the date index day by day), max_pages, and entry-point overrides feeds, tags, topics, sitemaps, index_url
(comma-separated URLs; tags may be bare Liputan6 slugs).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timezone
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.core.errors import InputError, NoArticleError
from crawler.crawl.configured import crawl_settings, read_config
from crawler.crawl.discovery import dates
from crawler.crawl.discovery.feeds import MAX_FEED_ITEMS, MAX_URL_LENGTH, count_entries, parse_feed
from crawler.crawl.discovery.filters import Prefilter, load_prefilter
from crawler.crawl.discovery.listings import clean_link, page_number, with_page
from crawler.crawl.discovery.offsite import host_allowed
from crawler.crawl.discovery.records import CrawledArticle, GoneArticle, ListingLink
from crawler.crawl.discovery.sitemaps import MAX_SITEMAP_BYTES, MAX_SITEMAP_URLS, SitemapError, parse_sitemap
from crawler.crawl.parsepool import PAGE_TIMEOUT, START_AFTER, ParsePool, error_name, worker_count
from crawler.extract.decoding import UnreadablePage
from crawler.extract.urls import article_id_for, canonical_url, site_of
from spiders.sources import Listing, SourceSettings, source_settings, split_list

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
GONE_STATUSES = (404, 410)
# A path that is a site's front page or a channel front: where Liputan6 sends a deleted article.
_FRONT_PAGE = re.compile(r"^/?([a-z0-9-]+/?)?$", re.I)
_MAX_ARTICLE_REDIRECTS = 5
# Article requests all sitemaps of one crawl may queue (each sitemap is cut at NEWSWATCH_MAX_SITEMAP_URLS).
MAX_SITEMAP_REQUESTS = 20_000
# Listing kinds broad enough that the title/lead pre-filter pays off (tag pages are topical already).
DEFAULT_PREFILTER_ON = ("index", "feed", "sitemap", "topic", "listing")


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"} if value is not None else False


_CALLBACKS = ("parse_feed", "feed_failed", "parse_listing_page", "parse_sitemap", "parse_article")


class NewsSpider(scrapy.Spider):
    """Base for the site spiders; subclasses set `name`, `source`, `zone` and implement `entry_requests`."""

    source: ClassVar[str] = ""
    # The zone a listing's naive dates and the since/until days are read in.
    zone: ClassVar[timezone] = UTC

    def __init__(self, name: str | None = None, since: str | None = None, until: str | None = None,
                 exhaustive: str | None = None, max_pages: str | None = None, **kwargs: Any):
        super().__init__(name, **kwargs)
        self.since: date | None = dates.parse_day(since)
        self.until: date | None = dates.parse_day(until)
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        self.exhaustive = _truthy(exhaustive)
        self.max_pages_arg = int(max_pages) if max_pages else None
        self.arguments = {k: v for k, v in kwargs.items() if k in {
            "feeds", "tags", "tag_url", "topics", "listings", "sitemaps", "index_url", "allowed_hosts",
            "terms"}}
        self.seen_ids: set[str] = set()
        self.series_ids: dict[str, set[str]] = {}
        self.sitemap_requests_made = 0
        # Until configure() runs (from_crawler does it): argument-only settings, nothing allowed.
        self.config: SourceSettings = source_settings(self.source, None, self.arguments)
        self.allowed_hosts: list[str] = list(self.config.allowed_hosts)
        self.prefilter: Prefilter = load_prefilter(None, self.config.terms)
        self.prefilter_on: frozenset[str] = frozenset(DEFAULT_PREFILTER_ON)
        self.max_pages = self.max_pages_arg or 1
        self.parse_workers = 0
        self.parse_pool = ParsePool(0)  # in-process until from_crawler reads crawl.parse_workers
        # Every request names one of these bound methods. Scrapy checks each response's callback for a
        # generator returning a value (inspect.getsource + ast.parse: ~5.5 ms for parse_article) and caches
        # the verdict in a weak-keyed cache; a fresh bound method per request dies at once and the check
        # reran for every page. Bound once here, the same object serves every request and the cache hits.
        for callback in _CALLBACKS:
            setattr(self, callback, getattr(self, callback))

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The config's [crawl] values (user agent, delay, concurrency, timeout, size cap, retries, robots)
        that the config file or the environment set, over settings.py and under `-s`.

        At spider priority, not project: `scrapy crawl` updates the crawler's settings with the project
        settings again after this (equal priority replaces), which silently restored settings.py's values.
        """
        super().update_settings(settings)
        settings.setdict(crawl_settings(read_config(settings)), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        spider.parse_pool = ParsePool(spider.parse_workers, crawler,
                                      crawler.settings.getint("NEWSWATCH_PARSE_POOL_AFTER", START_AFTER),
                                      crawler.settings.getfloat("NEWSWATCH_PARSE_TIMEOUT", PAGE_TIMEOUT))
        crawler.signals.connect(spider.parse_pool.close, signal=signals.spider_closed)
        return spider

    def configure(self, settings: Any) -> None:
        """Read the config and settings once the crawler exists (spider arguments still win).

        Page cap: the max_pages argument, else (backfilling, `since` given) the source's configured
        max_pages or NEWSWATCH_MAX_PAGES; without `since` a crawl is a monitoring pass and reads
        NEWSWATCH_MONITOR_PAGES pages (1: the newest page of each listing is enough).
        """
        config = read_config(settings)
        self.config = source_settings(self.source, config, self.arguments)
        self.parse_workers = worker_count(config.crawl.parse_workers)
        self.allowed_hosts = list(self.config.allowed_hosts)
        self.prefilter = load_prefilter(settings, self.config.terms)
        kinds = settings.get("NEWSWATCH_PREFILTER_ON", DEFAULT_PREFILTER_ON)
        self.prefilter_on = frozenset(split_list(kinds))
        if self.since:
            default_pages = self.config.max_pages or settings.getint("NEWSWATCH_MAX_PAGES", 50)
        else:
            default_pages = settings.getint("NEWSWATCH_MONITOR_PAGES", 1)
        self.max_pages = self.max_pages_arg or default_pages

    # -- entry points --
    async def start(self) -> AsyncIterator[Any]:
        for request in self.entry_requests():
            yield request

    def entry_requests(self) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    def feed_requests(self) -> Iterator[scrapy.Request]:
        for url in self.config.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.feed_failed,
                                 meta={"nw_kind": "feed", "nw_feed": url})

    def listing_requests(self, listings: Iterable[Listing], kind: str,
                         extra: dict[str, Any] | None = None) -> Iterator[scrapy.Request]:
        for listing in listings:
            page = page_number(listing.url) if listing.template is None else 1
            meta = {"nw_kind": kind, "nw_series": listing.url, "nw_page": page,
                    "nw_template": listing.template, **(extra or {})}
            yield scrapy.Request(listing.url, callback=self.parse_listing_page, meta=meta)

    def sitemap_requests(self) -> Iterator[scrapy.Request]:
        for url in self.config.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, meta={"nw_kind": "sitemap"})

    def index_days(self) -> list[date]:
        """The days the date index is walked for: since..until, newest first (today when neither is set)."""
        until = self.until or datetime.now(self.zone).date()
        since = self.since or until
        return dates.days(since, until)

    def index_requests(self) -> Iterator[scrapy.Request]:
        if not self.config.index_url:
            self.logger.warning("exhaustive crawl asked for, but no index_url is configured for %s",
                                self.source)
            return
        for day in self.index_days():
            listing = self.config.index_listing(day)
            if listing is not None:
                yield from self.listing_requests([listing], "index", {"nw_day": day.isoformat()})

    # -- discovery callbacks --
    def parse_feed(self, response: Response) -> Iterator[Any]:
        cap = self.crawler.settings.getint("NEWSWATCH_MAX_FEED_ITEMS", MAX_FEED_ITEMS)
        links = parse_feed(response.url, response.body, max_items=cap)
        self.crawler.stats.inc_value("newswatch/discovery/feed_links", len(links))
        listed = count_entries(response.body)
        if listed > cap:  # counted, and reported by the health check (check_capped), as sitemaps are
            self.crawler.stats.inc_value("newswatch/discovery/feed_capped")
            self.crawler.stats.inc_value("newswatch/discovery/feed_entries_dropped", listed - cap)
            logger.warning("feed %s lists %d entries: only the first %d read (NEWSWATCH_MAX_FEED_ITEMS)",
                           response.url, listed, cap)
        self._feed_seen(response.meta.get("nw_feed") or response.url, links)
        yield from self.follow_links(links, response, "feed")

    # Per-feed health (crawler/monitor/health.py check_feeds): each configured feed's newest item, or why it
    # is dead (an error status after the retries, no response, a document with no entries).
    FEED_NEWEST, FEED_DEAD, FEED_NOT_MODIFIED = ("newswatch/feed/newest/", "newswatch/feed/dead/",
                                                 "newswatch/feed/not_modified/")

    def _feed_seen(self, feed: str, links: list[ListingLink]) -> None:
        stats = self.crawler.stats
        dated = [link.date for link in links if isinstance(link.date, datetime)]
        if not links:
            stats.set_value(self.FEED_DEAD + feed, "no entries (not a feed, or an empty one)")
        elif dated:
            newest = max(d if d.tzinfo else d.replace(tzinfo=self.zone) for d in dated)
            stats.set_value(self.FEED_NEWEST + feed, newest.astimezone(UTC).isoformat(timespec="seconds"))

    def feed_failed(self, failure: Failure) -> None:
        """A feed request that ended without a response to parse: not modified (alive), or dead."""
        request = getattr(failure, "request", None)
        feed = (request.meta.get("nw_feed") if request is not None else None) or (
            request.url if request is not None else "?")
        error = failure.value
        stats = self.crawler.stats
        if isinstance(error, HttpError):
            reason = f"HTTP {error.response.status}"
        elif isinstance(error, IgnoreRequest) and request is not None and request.meta.get("nw_not_modified"):
            stats.set_value(self.FEED_NOT_MODIFIED + feed, 1)
            return
        else:
            reason = str(error).strip() or type(error).__name__
            reason = f"{type(error).__name__}: {reason}" if reason != type(error).__name__ else reason
        stats.set_value(self.FEED_DEAD + feed, reason[:200])
        logger.warning("feed %s failed: %s", feed, reason[:200])

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        settings, stats = self.crawler.settings, self.crawler.stats
        try:
            # A gzipped sitemap inflates to no more than a response may weigh (DOWNLOAD_MAXSIZE, 0: no cap).
            cap = settings.getint("DOWNLOAD_MAXSIZE") or MAX_SITEMAP_BYTES
            entries = settings.getint("NEWSWATCH_MAX_SITEMAP_URLS", MAX_SITEMAP_URLS)
            sitemap = parse_sitemap(response.url, response.body, max_bytes=min(cap, MAX_SITEMAP_BYTES),
                                    max_entries=entries)
        except SitemapError as exc:
            stats.inc_value("newswatch/discovery/bad_sitemap")
            logger.warning("%s", exc)
            return
        if sitemap.capped:
            # Counted for the health check (crawler/monitor/health.py: check_capped), which reports it.
            stats.inc_value("newswatch/discovery/sitemap_capped")
            stats.inc_value("newswatch/discovery/sitemap_entries_dropped", sitemap.listed - sitemap.read)
            logger.warning("sitemap %s lists %d entries: only the first %d read (NEWSWATCH_MAX_SITEMAP_URLS)",
                           response.url, sitemap.listed, sitemap.read)
        if sitemap.kind == "index":
            for child in sitemap.links:
                # A child sitemap last modified before `since` lists nothing newer.
                if dates.before(child.date, self.since, self.zone):
                    self.crawler.stats.inc_value("newswatch/discovery/sitemaps_skipped_old")
                    continue
                if not self.may_fetch(child.url):
                    self.crawler.stats.inc_value("newswatch/skipped/sitemap_not_allowed")
                    logger.info("not following sitemap %.200s from %s: not an allowed host", child.url,
                                response.url)
                    continue
                yield scrapy.Request(child.url, callback=self.parse_sitemap, meta={"nw_kind": "sitemap"})
            return
        stats.inc_value("newswatch/discovery/sitemap_links", len(sitemap.links))
        budget = settings.getint("NEWSWATCH_MAX_SITEMAP_REQUESTS", MAX_SITEMAP_REQUESTS)
        for number, link in enumerate(sitemap.links):
            if self.sitemap_requests_made >= budget:
                # Every sitemap of the crawl together queues no more than this: the rest waits for a crawl
                # with room (the incremental filter skips what the earlier ones stored).
                left = len(sitemap.links) - number
                stats.inc_value("newswatch/discovery/sitemap_crawl_capped")
                stats.inc_value("newswatch/discovery/sitemap_links_dropped", left)
                logger.warning("sitemap %s: the crawl's %d sitemap requests are used up, %d more links not "
                               "followed (NEWSWATCH_MAX_SITEMAP_REQUESTS)", response.url, budget, left)
                return
            for request in self.follow_links([link], response, "sitemap"):
                self.sitemap_requests_made += 1
                yield request

    async def parse_listing_page(self, response: Response) -> AsyncIterator[Any]:
        """A tag, topic or date-index page: follow its articles, then the next page unless the list has
        reached dates before `since`, stopped adding new articles, or hit the page cap."""
        kind = response.meta.get("nw_kind", "listing")
        # Parsed in a worker process when the crawl has a parse pool, as article pages are.
        links = await self.parse_pool.listing(response.url, response.text)
        ours = [link for link in links if site_of(link.url) == self.source and article_id_for(link.url)]
        self.crawler.stats.inc_value(f"newswatch/discovery/{kind}_pages")
        self.crawler.stats.inc_value(f"newswatch/discovery/{kind}_links", len(ours))
        for request in self.follow_links(ours, response, kind):
            yield request
        series = response.meta.get("nw_series", response.url)
        known = self.series_ids.setdefault(series, set())
        ids = {article_id_for(link.url) or "" for link in ours}
        fresh = ids - known
        known |= ids
        page = response.meta.get("nw_page", 1)
        stop = self._stop_reason(ours, fresh, page, response.meta.get("nw_day"))
        if stop:
            self.crawler.stats.inc_value(f"newswatch/discovery/stop/{stop}")
            logger.debug("not paging past %s: %s", response.url, stop)
            return
        template = response.meta.get("nw_template")
        next_url = template.format(page=page + 1) if template else with_page(response.url, page + 1)
        assert response.request is not None
        yield response.request.replace(url=next_url, meta={**response.meta, "nw_page": page + 1})

    def _stop_reason(self, links: list[ListingLink], fresh: set[str], page: int,
                     day: str | None = None) -> str | None:
        if not links:
            return "empty_page"
        if not fresh:
            return "no_new_links"
        if page >= self.max_pages:
            return "max_pages"
        if day is not None:
            # A date-index page lists one day, newest first; once it only shows earlier days, the day is done.
            first = date.fromisoformat(day)
            if all(dates.before(link.date, first, self.zone) for link in links):
                return "before_day"
            return None
        # Tag and topic pages run newest first: a page reaching back before `since` is the last one needed.
        if any(dates.before(link.date, self.since, self.zone) for link in links):
            return "before_since"
        return None

    def may_fetch(self, url: str) -> bool:
        """Whether `url` is an http(s) address of an allowed host, of a sane length. Checked before a request
        exists, so Scrapy is never handed a file:, data: or ftp: URL (AllowedHostsMiddleware is the second
        line, for redirects)."""
        parts = urlsplit(url)
        return (parts.scheme.lower() in ("http", "https") and len(url) <= MAX_URL_LENGTH
                and host_allowed(parts.hostname or "", self.allowed_hosts))

    def follow_links(self, links: Iterable[ListingLink], response: Response, kind: str) -> Iterator[Any]:
        """Article requests for the links worth fetching: ours, articles, in the window, not seen yet, and
        (on broad listings) passing the title/lead pre-filter."""
        stats = self.crawler.stats
        now = datetime.now(UTC)
        for link in links:
            if len(link.url) > MAX_URL_LENGTH:
                stats.inc_value("newswatch/skipped/long_url")
                continue
            url = clean_link(urljoin(response.url, link.url))
            if not url.lower().startswith(("http://", "https://")):
                stats.inc_value("newswatch/skipped/not_http")
                continue
            # A listing date far in the future is no date (dates.trusted): never "newer" at every crawl.
            link = link._replace(date=dates.trusted(link.date, now))
            if site_of(url) != self.source:
                stats.inc_value("newswatch/skipped/other_site")
                continue
            article_id = article_id_for(url)
            if article_id is None:
                stats.inc_value("newswatch/skipped/not_article")
                continue
            if not dates.in_window(link.date, self.since, self.until, self.zone):
                stats.inc_value("newswatch/skipped/out_of_window")
                continue
            if article_id in self.seen_ids:
                stats.inc_value("newswatch/skipped/duplicate")
                continue
            if kind in self.prefilter_on and not self.prefilter(link.title, link.lead):
                stats.inc_value("newswatch/skipped/prefilter")
                continue
            self.seen_ids.add(article_id)
            yield self.article_request(url, article_id, link, response.url)

    def article_request(self, url: str, article_id: str, link: ListingLink, via: str) -> scrapy.Request:
        return scrapy.Request(
            canonical_url(url),
            callback=self.parse_article,
            # Deduplication is ours, on the article id; the URL dupefilter would also swallow the homepage
            # a deleted article redirects to once the homepage has been fetched.
            dont_filter=True,
            priority=1,
            meta={
                "nw_kind": "article",
                "nw_source": self.source,
                "nw_article_id": article_id,
                "nw_listing_date": link.date.isoformat() if isinstance(link.date, datetime) else None,
                "nw_listing_title": link.title,
                "nw_listing_lead": link.lead,
                "nw_via": via,
                # Redirects are decided here: another address of the article is followed, a redirect to the
                # front page means the article was deleted.
                "dont_redirect": True,
                "handle_httpstatus_list": [*REDIRECT_STATUSES, *GONE_STATUSES],
            },
        )

    # -- articles --
    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        article_id: str = meta.get("nw_article_id") or article_id_for(response.url) or ""
        stats = self.crawler.stats
        if response.status in REDIRECT_STATUSES:
            for record in self._article_redirect(response, article_id):
                yield record
            return
        if response.status in GONE_STATUSES:
            stats.inc_value("newswatch/article/gone")
            yield GoneArticle(self.source, article_id, canonical_url(response.url), f"HTTP {response.status}")
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        charset = None
        if "charset=" in content_type:
            charset = content_type.split("charset=", 1)[1].split(";")[0].strip() or None
        listing_date = meta.get("nw_listing_date")
        try:
            # Decoded and parsed in a worker process when the crawl has a parse pool (crawl/parsepool.py).
            article = await self.parse_pool.parse(response.url, response.body, charset)
        except (NoArticleError, InputError) as exc:
            stats.inc_value("newswatch/article/no_article")
            if isinstance(exc, UnreadablePage):  # empty, binary or undecodable: the response, not the page
                stats.inc_value(f"newswatch/bad_response/{exc.kind}")
                logger.warning("bad response for %s: %s", response.url, exc)
            else:
                logger.info("no article in %s: %s", response.url, exc)
            # For crawler.crawl.pipelines.ParseFailureMiddleware, which turns it into a FailedArticle item.
            response.meta["nw_parse_error"] = str(exc)
            return
        except Exception as exc:  # a parser bug on one odd page must not cost a traceback per page
            name = error_name(exc)
            stats.inc_value("newswatch/article/no_article")
            stats.inc_value(f"newswatch/article/parser_error/{name}")
            logger.error("parser failed on %s: %s: %.300s", response.url, name, exc)
            logger.debug("parser failure on %s", response.url, exc_info=True)
            response.meta["nw_parse_error"] = f"{name}: {exc}"[:500]
            return
        if not article.article_id:
            article.article_id = article_id
        stats.inc_value("newswatch/article/parsed")
        # The listing date travels with the article: storage keeps it, and the next crawl compares the
        # listing's date with it to tell whether the source says the article changed.
        yield CrawledArticle.of(article, listing_date)

    def _article_redirect(self, response: Response, article_id: str) -> Iterator[Any]:
        stats = self.crawler.stats
        location = (response.headers.get(b"Location") or b"").decode("latin-1").strip()
        target = urljoin(response.url, location) if location else ""
        hops = response.meta.get("nw_redirects", 0) + 1
        target_id = article_id_for(target) if target else None
        if target_id and site_of(target) == self.source and hops <= _MAX_ARTICLE_REDIRECTS:
            # Another address of an article (m. to www., an old slug): follow it as the same listing link.
            if target_id != article_id:
                if target_id in self.seen_ids:
                    stats.inc_value("newswatch/skipped/duplicate")
                    return
                self.seen_ids.add(target_id)
            assert response.request is not None
            yield response.request.replace(url=target, meta={**response.meta, "nw_redirects": hops,
                                                             "nw_article_id": target_id})
            return
        parts = urlsplit(target)
        front_page = not parts.query and _FRONT_PAGE.match(parts.path or "/")
        if target and site_of(target) == self.source and front_page:
            stats.inc_value("newswatch/article/gone")
            yield GoneArticle(self.source, article_id, canonical_url(response.url),
                              f"redirected to the front page {canonical_url(target)}")
            return
        stats.inc_value("newswatch/article/redirect_not_followed")
        logger.info("article %s redirects to %r: not an article, not followed", response.url, target)
