"""Listing pages (Liputan6 date index and tag pages, BBC topic pages, homepages): HTML in, links out.

Article links are recognised by URL pattern (crawler.extract.urls), not markup: it survives a redesign.
Titles, leads and dates are best effort: each link's "item" is the largest element around it that links to
no other article, and the title, lead and <time> are read from inside that item.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.crawl.discovery.dates import parse_date
from crawler.crawl.discovery.records import ListingLink
from crawler.extract.pages.base import html_tree
from crawler.extract.text import normalize_space
from crawler.extract.urls import article_id_for, site_of, sites_generation, strip_tracking

# Liputan6 homepage click trackers (?medium=Headline&campaign=Headline_click_1); urls.TRACKING_PARAMS
# does not know them, and an article URL's query never selects a different article.
_LISTING_TRACKERS = frozenset({"medium", "campaign"})
_LEAD_HINT = re.compile(r"summary|description|excerpt|lead|intro|abstract|snippet__text|promo", re.I)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# How far up from a link we look for its item; listing items are shallow, page chrome is deep.
_MAX_CLIMB = 8
# A page whose list proper carries dates has at least this many dated links; fewer are widget noise.
_MIN_DATED = 3
# Longer than any address a browser keeps: junk (or an attempt to choke a server), never followed.
MAX_URL_LENGTH = 2048


def clean_link(url: str) -> str:
    """Absolute article URL without tracking parameters, click trackers or fragment."""
    stripped = strip_tracking(url)
    parts = urlsplit(stripped)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in _LISTING_TRACKERS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _key(url: str) -> tuple[str, str] | None:
    article_id = article_id_for(url)
    site = site_of(url)
    return (site, article_id) if site and article_id else None


def _resolve(url: str, href: str) -> tuple[tuple[str, str], str] | None:
    """(article key, clean absolute URL) of a link on the page at `url`; None for anything else."""
    absolute = urljoin(url, href.strip())
    if not absolute.lower().startswith(("http://", "https://")):
        return None  # javascript:, data:, file:, ftp: in any spelling: nothing to fetch
    key = _key(absolute)
    return (key, clean_link(absolute)) if key is not None else None


# Listing pages repeat their menus, footers and widgets: the next page of a tag listing shares nine in ten of
# its hrefs with the one before, and resolving each again was half the time of parsing a listing. An href
# naming its own host resolves the same on any page of the same scheme (urljoin keeps nothing else of the
# page's address), so its resolution is kept across pages, keyed by (page scheme, href), for as long as the
# configured outlets stay the same (they decide what is an article).
_OWN_HOST = re.compile(r"https?://[a-z0-9]", re.IGNORECASE)
_SHARED_MAX = 20_000  # entries before the cache starts over: a long-running process reads many listings
_shared: dict[tuple[str, str], tuple[tuple[str, str], str] | None] = {}
_shared_generation = [-1]


def _resolve_shared(url: str, scheme: str, href: str) -> tuple[tuple[str, str], str] | None:
    """`_resolve(url, href)`, from the cache shared by listing pages when the href names its own host."""
    stripped = href.strip()
    if not _OWN_HOST.match(stripped):
        return _resolve(url, href)
    generation = sites_generation()
    if _shared_generation[0] != generation or len(_shared) >= _SHARED_MAX:
        _shared.clear()
        _shared_generation[0] = generation
    key = (scheme, stripped)
    if key in _shared:
        return _shared[key]
    found = _shared[key] = _resolve(url, href)
    return found


def _text(node: Any) -> str:
    return normalize_space(node.text_content()) if node is not None else ""


def _item_for(anchor: Any, key: tuple[str, str], keys_below: dict[Any, set[tuple[str, str]]]) -> Any:
    """The largest ancestor (within _MAX_CLIMB levels) whose article links all point at `key`."""
    item = anchor
    node = anchor.getparent()
    for _ in range(_MAX_CLIMB):
        if node is None or node.tag in ("body", "html"):
            break
        if keys_below.get(node, set()) - {key}:
            break
        item = node
        node = node.getparent()
    return item


def _title(item: Any, anchors: list[Any]) -> str | None:
    for anchor in anchors:
        for heading in anchor.iterancestors(*_HEADINGS):
            if _text(heading):
                return _text(heading)
    for heading in item.iter(*_HEADINGS):
        if _text(heading):
            return _text(heading)
    for anchor in anchors:
        title = normalize_space(anchor.get("title") or "")
        if title:
            return title
    texts = sorted((_text(a) for a in anchors), key=len, reverse=True)
    return texts[0] if texts and texts[0] else None


def _lead(item: Any, title: str | None) -> str | None:
    for node in item.iter():
        if not isinstance(node.tag, str) or node.tag in ("a", *_HEADINGS):
            continue
        hint = " ".join(filter(None, (node.get("class"), node.get("data-testid"), node.get("itemprop"))))
        if hint and _LEAD_HINT.search(hint):
            text = _text(node)
            if text and text != title:
                return text
    return None


def _date(item: Any) -> Any:
    for node in item.iter("time"):
        parsed = parse_date(node.get("datetime") or node.get("data-datetime") or _text(node))
        if parsed is not None:
            return parsed
    return None


def parse_listing(url: str, html: str | bytes) -> list[ListingLink]:
    """Every distinct article linked from a listing page, first-appearance order, as (url, title, lead, date).

    Distinct means one entry per (site, article id): the same story linked from its picture, its headline and
    a "popular" widget, via m. or www., is one link. Links to other sites and non-article pages are left out.
    """
    if not html or not html.strip():
        return []
    if isinstance(html, bytes):
        from crawler.core.errors import InputError
        from crawler.extract.decoding import decode_html

        try:
            html = decode_html(html)
        except InputError:  # binary or undecodable: a listing with no links
            return []
    tree = html_tree(html)
    by_key: dict[tuple[str, str], list[Any]] = {}
    urls: dict[tuple[str, str], str] = {}
    keys_below: dict[Any, set[tuple[str, str]]] = {}
    # Menus and widgets repeat the same addresses: each distinct href is resolved and classified once.
    resolved: dict[str, tuple[tuple[str, str], str] | None] = {}
    scheme = urlsplit(url).scheme
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        if not href or len(href) > MAX_URL_LENGTH or href.startswith(("#", "javascript:", "mailto:")):
            continue
        if href not in resolved:
            resolved[href] = _resolve_shared(url, scheme, href)
        found = resolved[href]
        if found is None:
            continue
        key, link = found
        by_key.setdefault(key, []).append(anchor)
        urls.setdefault(key, link)
        for ancestor in anchor.iterancestors():
            keys_below.setdefault(ancestor, set()).add(key)
    links = []
    for key, anchors in by_key.items():
        items = [_item_for(a, key, keys_below) for a in anchors]
        # The item with a <time> in it is the list entry; others are thumbnails or widget mentions.
        dated = [(item, _date(item)) for item in items]
        item, when = next(((i, d) for i, d in dated if d is not None), (items[0], None))
        title = _title(item, [a for a in anchors if item is a or item in a.iterancestors()] or anchors)
        links.append(ListingLink(urls[key], title, _lead(item, title), when))
    return links


def main_list(links: list[ListingLink]) -> list[ListingLink]:
    """The dated links when the page dates its list (an index or tag page), else all of them.

    On a Liputan6 index or tag page the list proper carries a <time> per item, while menus and "popular"
    widgets link older stories undated; keeping only dated links keeps those out of a date-bounded crawl.
    When a redesign drops the times, every link passes, so discovery degrades to more fetches, never fewer.
    """
    dated = [link for link in links if link.date is not None]
    return dated if len(dated) >= _MIN_DATED else links


def with_page(url: str, page: int, param: str = "page") -> str:
    """`url` with its page parameter set (page 1 drops it: the site's own first-page address)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    if page > 1:
        query.append((param, str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def page_number(url: str, param: str = "page") -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get(param, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1
