"""The replay site: which page each host and path serves at a step of the demo timeline.

`DemoSite(step)` answers `get(host_key, path)` with a `Page` (status, body, type, last modification), for
the hosts the default config crawls, each under a key the server uses as its path prefix:

    liputan6    www.liputan6.com   homepage, /indeks/YYYY/MM/DD?page=N, /tag/<slug>?page=N, articles
    liputan6-m  m.liputan6.com     the same, articles in the mobile layout
    liputan6feed feed.liputan6.com /rss/<channel> (and www.liputan6.com/<channel>/feed/rss): global, news
    bbc         www.bbc.com        articles, /sitemaps/... (news and archive sitemap indexes)
    bbcfeeds    feeds.bbci.co.uk   /news/rss.xml, /news/world/rss.xml, .../asia/rss.xml, .../europe/rss.xml
    caspian     www.caspian-courier.example   the third outlet (no code, only config): /feeds/region.atom,
                /region/page/N/, /region/YYYY/MM/DD/<slug>-<id>/

Step 0 is the backlog; later steps publish, update and remove articles as content/*.toml says.
`set_step(k)` switches what is served; it is safe to call while a server thread reads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

from crawler.demo import bbc_pages, liputan6_pages, outlet_pages
from crawler.demo.catalog import DemoArticle, last_step, load_articles

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# What an empty listing reports as its last change: before the story, so it never looks newer than it is.
EPOCH = datetime(2021, 12, 31, tzinfo=UTC)
HOST_KEYS = ("liputan6", "liputan6-m", "liputan6feed", "bbc", "bbcfeeds", "caspian")

_L6_ARTICLE = re.compile(r"^/(?:[a-z0-9-]+/)?read/(?P<id>\d+)(?:/.*)?$")
_L6_INDEX = re.compile(r"^/indeks/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/?$")
_L6_TAG = re.compile(r"^/tag/(?P<slug>[a-z0-9-]+)/?$")
_L6_FEED = re.compile(r"^/(?P<channel>[a-z0-9-]+)/feed/rss/?$")
_L6_FEED_HOST = re.compile(r"^/rss/(?P<channel>[a-z0-9-]+)/?$")
_BBC_ARTICLE = re.compile(r"^/news/(?:articles/)?(?P<id>[a-z0-9-]+)/?$")
_CASPIAN_LISTING = re.compile(r"^/region/page/(?P<page>\d+)/$")
_BBC_ARCHIVE = re.compile(r"^/sitemaps/https-sitemap-com-archive-(?P<y>\d{4})-(?P<m>\d{2})\.xml$")


@dataclass(frozen=True)
class Page:
    """One response: `last_modified` feeds the Last-Modified header (None: the server omits it)."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _html(text: str, modified: datetime | None) -> Page:
    return Page(200, text.encode("utf-8"), HTML, modified)


def _newest(articles: Sequence[DemoArticle]) -> datetime:
    return max((a.last_modified for a in articles), default=EPOCH)


class DemoSite:
    """The replay site's state: the current step, and the pages that step serves."""

    def __init__(self, step: int = 0, page_size: int = 4) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.page_size = page_size
        self._lock = threading.Lock()
        self._step = 0
        self.set_step(step)

    # -- the timeline --
    @property
    def step(self) -> int:
        return self._step

    @property
    def last_step(self) -> int:
        return last_step()

    def set_step(self, step: int) -> None:
        if step < 0:
            raise ValueError("step must not be negative")
        with self._lock:
            self._step = step

    def articles(self, site: str, *, relevant: bool | None = None, step: int | None = None,
                 include_removed: bool = False) -> list[DemoArticle]:
        """The articles `site` serves at `step` (default: the current one) as they read then, newest first."""
        at = self._step if step is None else step
        found = [a.at(at) for a in load_articles(site)
                 if (a.visible(at) or (include_removed and a.step <= at and a.removed(at)))
                 and (relevant is None or a.relevant == relevant)]
        return sorted(found, key=lambda a: a.published, reverse=True)

    def article(self, site: str, article_id: str) -> DemoArticle | None:
        """The article with this id at the current step, visible or not (None: no such article)."""
        for candidate in load_articles(site):
            if candidate.id == article_id:
                return candidate.at(self._step)
        return None

    # -- serving --
    def get(self, host_key: str, path: str) -> Page:
        """The page for a request path (with its query) on the host known as `host_key`."""
        step = self._step
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query))
        bare = parts.path or "/"
        if host_key in ("liputan6", "liputan6-m"):
            return self._liputan6(bare, query, step, mobile=host_key == "liputan6-m", raw=path)
        if host_key == "liputan6feed":
            if bare == "/robots.txt":
                return Page(200, liputan6_pages.ROBOTS.encode(), TEXT, EPOCH)
            match = _L6_FEED_HOST.match(bare)
            return self._liputan6_feed(match.group("channel"), step) if match else self._l6_not_found()
        if host_key == "bbc":
            return self._bbc(bare, step)
        if host_key == "bbcfeeds":
            return self._bbc_feeds(bare, step)
        if host_key == "caspian":
            return self._caspian(bare, step)
        return Page(404, b"unknown host", TEXT)

    def _page_number(self, query: dict[str, str]) -> int | None:
        value = query.get("page", "1")
        return int(value) if value.isdigit() and int(value) >= 1 else None

    def _liputan6(self, path: str, query: dict[str, str], step: int, mobile: bool, raw: str) -> Page:
        if path == "/robots.txt":
            return Page(200, liputan6_pages.ROBOTS.encode(), TEXT, EPOCH)
        visible = self.articles("liputan6", step=step)
        if path == "/":
            removed = self.articles("liputan6", step=step, include_removed=True)
            popular = [a for a in removed if a.removed(step)] + visible[3:6]
            return _html(liputan6_pages.homepage(visible[:10], popular), _newest(visible))
        match = _L6_ARTICLE.match(path)
        if match:
            return self._liputan6_article(match.group("id"), step, mobile, visible)
        match = _L6_INDEX.match(path)
        if match:
            try:
                day = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            except ValueError:
                return self._l6_not_found()
            items = [a for a in visible if a.published.astimezone(liputan6_pages.WIB).date() == day]
            heading = f"Indeks Berita {day:%d}/{day:%m}/{day:%Y}"
            return self._listing("IndexPage", heading, raw, items, query)
        match = _L6_FEED.match(path)
        if match:
            return self._liputan6_feed(match.group("channel"), step)
        match = _L6_TAG.match(path)
        if match:
            slug = match.group("slug")
            items = [a for a in visible if slug in {liputan6_pages.tag_slug(t) for t in a.tags}]
            if not items:
                return self._l6_not_found()
            heading = f"Berita {slug.replace('-', ' ').title()} Terkini"
            return self._listing("TagPage", heading, raw, items, query)
        return self._l6_not_found()

    def _liputan6_article(self, article_id: str, step: int, mobile: bool,
                          visible: list[DemoArticle]) -> Page:
        found = self.article("liputan6", article_id)
        if found is None or found.step > step:
            return self._l6_not_found()
        if found.removed(step):
            # What Liputan6 does with a deleted article: a redirect to the homepage.
            return Page(302, b"", HTML, None, {"Location": "/"})
        related = [a for a in visible if a.id != found.id and a.relevant == found.relevant]
        return _html(liputan6_pages.article_page(found, related, mobile), found.last_modified)

    def _liputan6_feed(self, channel: str, step: int) -> Page:
        if channel not in liputan6_pages.FEED_CHANNELS:
            return self._l6_not_found()
        items = [a for a in self.articles("liputan6", step=step) if a.channel == channel][:20]
        built = _newest(items)
        return Page(200, liputan6_pages.rss(channel, items, built).encode(), RSS, built)

    def _listing(self, kind: str, heading: str, url: str, items: list[DemoArticle],
                 query: dict[str, str]) -> Page:
        page = self._page_number(query)
        if page is None:
            return self._l6_not_found()
        pages = max(1, -(-len(items) // self.page_size))
        shown = items[(page - 1) * self.page_size:page * self.page_size]
        real_url = f"https://www.liputan6.com{url}"
        return _html(liputan6_pages.listing_page(kind, heading, real_url, shown, page, pages), _newest(items))

    def _l6_not_found(self) -> Page:
        return Page(404, liputan6_pages.not_found().encode(), HTML)

    def _bbc(self, path: str, step: int) -> Page:
        if path == "/robots.txt":
            return Page(200, bbc_pages.ROBOTS.encode(), TEXT, EPOCH)
        visible = self.articles("bbc", step=step)
        newest = _newest(visible)
        match = _BBC_ARTICLE.match(path)
        if match:
            found = self.article("bbc", match.group("id"))
            if found is None or not found.visible(step) or found.path != path.rstrip("/"):
                return Page(404, bbc_pages.not_found().encode(), HTML)
            related = [a for a in visible if a.id != found.id and a.relevant == found.relevant]
            return _html(bbc_pages.article_page(found, related), found.last_modified)
        sitemap = "https://www.bbc.com/sitemaps/"
        if path == "/sitemaps/https-index-com-news.xml":
            body = bbc_pages.sitemap_index([(sitemap + "https-sitemap-com-news-1.xml", newest)])
            return Page(200, body.encode(), XML, newest)
        if path == "/sitemaps/https-sitemap-com-news-1.xml":
            return Page(200, bbc_pages.urlset(visible, news=True).encode(), XML, newest)
        if path == "/sitemaps/https-index-com-archive.xml":
            months = sorted({(a.published.year, a.published.month) for a in visible} | {(2021, 12)})
            children = []
            for year, month in months:
                items = [a for a in visible if (a.published.year, a.published.month) == (year, month)]
                lastmod = _newest(items) if items else datetime(year, month, 28, tzinfo=UTC)
                children.append((f"{sitemap}https-sitemap-com-archive-{year}-{month:02d}.xml", lastmod))
            return Page(200, bbc_pages.sitemap_index(children).encode(), XML, newest)
        match = _BBC_ARCHIVE.match(path)
        if match:
            year, month = int(match.group("y")), int(match.group("m"))
            items = [a for a in visible if (a.published.year, a.published.month) == (year, month)]
            return Page(200, bbc_pages.urlset(items, news=False).encode(), XML, _newest(items))
        return Page(404, bbc_pages.not_found().encode(), HTML)

    def _caspian(self, path: str, step: int) -> Page:
        if path == "/robots.txt":
            return Page(200, outlet_pages.ROBOTS.encode(), TEXT, EPOCH)
        visible = self.articles("caspian", step=step)
        if path == outlet_pages.FEED_PATH:
            items = sorted(visible, key=lambda a: a.last_modified, reverse=True)
            return Page(200, outlet_pages.atom(items, _newest(items)).encode(), ATOM, _newest(items))
        match = _CASPIAN_LISTING.match(path)
        if match:
            page = int(match.group("page"))
            pages = max(1, -(-len(visible) // outlet_pages.PAGE_SIZE))
            if not 1 <= page <= pages:
                return Page(404, outlet_pages.not_found().encode(), HTML)
            shown = visible[(page - 1) * outlet_pages.PAGE_SIZE:page * outlet_pages.PAGE_SIZE]
            return _html(outlet_pages.listing_page(shown, page, pages), _newest(visible))
        for article in load_articles("caspian"):
            if article.path == path and article.visible(step):
                found = article.at(step)
                related = [a for a in visible if a.id != found.id and a.relevant == found.relevant]
                return _html(outlet_pages.article_page(found, related), found.last_modified)
        return Page(404, outlet_pages.not_found().encode(), HTML)

    def _bbc_feeds(self, path: str, step: int) -> Page:
        if path == "/robots.txt":
            return Page(200, bbc_pages.FEEDS_ROBOTS.encode(), TEXT, EPOCH)
        for feed, feed_path in bbc_pages.FEED_PATHS.items():
            if path == feed_path:
                items = sorted((a for a in self.articles("bbc", step=step) if feed in a.feeds),
                               key=lambda a: a.last_modified, reverse=True)
                built = _newest(items)
                return Page(200, bbc_pages.rss(feed, items, built).encode(), RSS, built)
        return Page(404, b"<error>not found</error>", XML)


def feed_url(feed: str) -> str:
    """The real address of one of the BBC feeds the demo serves ("news", "world", "asia", "europe")."""
    return "https://feeds.bbci.co.uk" + bbc_pages.FEED_PATHS[feed]


__all__ = ["HOST_KEYS", "DemoSite", "Page", "feed_url", "last_step"]
