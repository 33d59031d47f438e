"""URL identity: which site a URL belongs to, its canonical form and the article id it carries.

Identity is (source, article_id), never the raw URL: the same Liputan6 article is reachable from www., m. and
(in 2016) channel subdomains, and a BBC story from bbc.com and bbc.co.uk, with tracking parameters on top.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click; dropping them never changes the page.
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|at_[a-z_]+|fbclid|gclid|dclid|msclkid|ocid|xtor|ns_(mchannel|source|campaign|linkname|fee)"
    r"|mc_(cid|eid)|_ga|igshid|cmpid|src|ref_src|amp)$",
    re.IGNORECASE,
)

LIPUTAN6_HOST = re.compile(r"(^|\.)liputan6\.com$", re.IGNORECASE)
BBC_HOST = re.compile(r"(^|\.)bbc\.(com|co\.uk)$", re.IGNORECASE)
BBC_FEED_HOST = re.compile(r"^feeds\.bbci\.co\.uk$", re.IGNORECASE)

# /<channel>/read/<id>/<slug> on www./m.; /read/<id>/<slug> on the 2016 channel subdomains.
_L6_READ = re.compile(r"^/(?:(?P<channel>[a-z0-9-]+)/)?read/(?P<id>\d{5,})(?:/(?P<rest>[^?#]*))?$", re.I)
# photo.liputan6.com/<channel>/<slug>-<id> (2016 galleries)
_L6_PHOTO = re.compile(r"^/(?P<channel>[a-z0-9-]+)/(?P<slug>[a-z0-9-]+)-(?P<id>\d{6,})/?$", re.I)
# Path segments after the slug that are views of an article, not the article: comments, photo viewer, video
# player. Right after the id only the comment page counts (a slug may start with "video-" or "foto-").
_L6_COMMENT_PAGES = frozenset({"comment", "comments", "komentar"})
_L6_VIEWS = _L6_COMMENT_PAGES | {"photo", "foto", "video"}

_BBC_NEWS_NUMERIC = re.compile(r"^/news/(?P<id>[a-z0-9-]*[a-z][a-z0-9-]*-\d{6,})/?$", re.I)
_BBC_NEWS_ARTICLES = re.compile(r"^/news/articles/(?P<id>[a-z0-9]{8,})/?$", re.I)
# The AMP edition of a story (/news/<id>.amp) is the same article.
_BBC_AMP_SUFFIX = re.compile(r"\.amp$", re.I)
_BBC_NOT_ARTICLE = re.compile(r"^/(iplayer|sounds|programmes|videos?|av|live)/|/(av|live|in_pictures)/", re.I)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


# ---------------------------------------------------------------------------------------------------------
# Outlets configured without code ([sources.NAME] with article_url; crawler/config/outlets.py)


@dataclass(frozen=True)
class SiteRule:
    """What the config says about an outlet's URLs: its hosts (exact names), which paths are articles, and
    whether the article id is the pattern's `id` group or drawn from the canonical URL."""

    name: str
    hosts: frozenset[str]
    article_path: re.Pattern[str]  # searched in the path and query ("/world/2022/01/x?p=2")
    id_from_url: bool = False
    language: str | None = None

    def article_id(self, url: str) -> str | None:
        parts = urlsplit(strip_tracking(url))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        match = self.article_path.search(target)
        if match is None:
            return None
        if self.id_from_url:
            # The path and query only: the same article over http or https, www. or m. is one article.
            return "u" + hashlib.sha1(target.encode("utf-8")).hexdigest()[:15]
        return match.group("id") or None


# Set by the crawl side from the config (crawler/crawl/configured.py) before URLs are classified: this
# package may not read the config itself. A process runs with one config, so a process-wide set is enough.
_OUTLETS: dict[str, SiteRule] = {}
_GENERATION = [0]  # bumped by configure_sites: what was classified under other outlets no longer holds


def configure_sites(rules: Iterable[SiteRule]) -> None:
    """Replace the configured outlets (the built-in sites always stay)."""
    _OUTLETS.clear()
    _OUTLETS.update((rule.name, rule) for rule in rules)
    _GENERATION[0] += 1


def sites_generation() -> int:
    """A number that changes whenever the configured outlets do: a key for caches of URL classification."""
    return _GENERATION[0]


def configured_sites() -> tuple[SiteRule, ...]:
    return tuple(_OUTLETS.values())


def site_rule(url: str) -> SiteRule | None:
    """The configured outlet whose hosts hold `url`'s host, if any (built-in sites never have one)."""
    host = host_of(url)
    if not host or LIPUTAN6_HOST.search(host) or BBC_HOST.search(host) or BBC_FEED_HOST.match(host):
        return None
    return next((rule for rule in _OUTLETS.values() if host in rule.hosts), None)


def site_of(url: str) -> str | None:
    """'liputan6' or 'bbc' for the two built-in sites, a configured outlet's name, None for anything else."""
    host = host_of(url)
    if LIPUTAN6_HOST.search(host):
        return "liputan6"
    if BBC_HOST.search(host) or BBC_FEED_HOST.match(host):
        return "bbc"
    rule = site_rule(url)
    return rule.name if rule is not None else None


def strip_tracking(url: str) -> str:
    """Drop tracking parameters and the fragment (BBC feed guids end in '#0'); keep everything else."""
    parts = urlsplit(url.strip())
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in pairs if not TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def liputan6_article_id(url: str) -> str | None:
    """The numeric id of a Liputan6 article URL, None for anything that is not an article page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not LIPUTAN6_HOST.search(host):
        return None
    query = dict(parse_qsl(parts.query))
    if "photo" in query:  # ?photo=N is the gallery viewer of an article, not the article itself
        return None
    match = _L6_READ.match(parts.path)
    if match:
        first, *later = (match.group("rest") or "").lower().split("/")
        if first in _L6_COMMENT_PAGES or any(segment in _L6_VIEWS for segment in later):
            return None
        return match.group("id")
    if host.startswith("photo."):
        match = _L6_PHOTO.match(parts.path)
        if match:
            return match.group("id")
    return None


def bbc_article_id(url: str) -> str | None:
    """The last path segment of a BBC News article URL, the same for bbc.com and bbc.co.uk."""
    parts = urlsplit(url)
    if not BBC_HOST.search((parts.hostname or "").lower()):
        return None
    path = _BBC_AMP_SUFFIX.sub("", parts.path)
    if _BBC_NOT_ARTICLE.search(path):
        return None
    match = _BBC_NEWS_ARTICLES.match(path) or _BBC_NEWS_NUMERIC.match(path)
    return match.group("id") if match else None


def article_id_for(url: str) -> str | None:
    site = site_of(url)
    if site == "liputan6":
        return liputan6_article_id(url)
    if site == "bbc":
        return bbc_article_id(url)
    rule = site_rule(url) if site else None
    return rule.article_id(url) if rule is not None else None


def names_this_page(canonical: str, fetched: str) -> bool:
    """Whether a page's canonical link may stand for the page fetched from `fetched`.

    When the fetched address carries an article id, the canonical link must carry the same one: a page that
    names another article of the source as its canonical (a copy, a mistake, a hostile page) must not take
    that article's identity, or two pages would overwrite each other's versions for ever. A fetched address
    without an id (a saved file, a short link) takes the canonical link's word.
    """
    fetched_id = article_id_for(fetched)
    return fetched_id is None or article_id_for(canonical) == fetched_id


def is_article_url(url: str) -> bool:
    return article_id_for(url) is not None


def canonical_url(url: str) -> str:
    """The one address we store for a page: https, the main host, no tracking parameters, no fragment.

    Liputan6's m. and 2016 channel subdomains fold onto www.liputan6.com/<channel>/read/<id>/<slug>;
    bbc.co.uk folds onto www.bbc.com. Other URLs (configured outlets too) only lose tracking parameters and
    the fragment, and have their host lower-cased.
    """
    clean = strip_tracking(url)
    parts = urlsplit(clean)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    site = site_of(clean)
    if site == "liputan6":
        match = _L6_READ.match(path)
        sub = host.split(".")[0] if host.count(".") >= 2 else "www"
        if match and not match.group("channel") and sub not in {"www", "m"}:
            # tekno.liputan6.com/read/ID/slug -> www.liputan6.com/tekno/read/ID/slug
            path = f"/{sub}{path}"
            host = "www.liputan6.com"
        elif sub in {"m", "www"}:
            host = "www.liputan6.com"
        return urlunsplit(("https", host, path, parts.query, ""))
    if site == "bbc" and BBC_HOST.search(host):
        return urlunsplit(("https", "www.bbc.com", _BBC_AMP_SUFFIX.sub("", path), parts.query, ""))
    if site is not None:
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))
    return clean


def same_site(url: str, other: str) -> bool:
    site = site_of(url)
    return site is not None and site == site_of(other)
