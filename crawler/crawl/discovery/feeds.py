"""RSS and Atom feeds: response bytes in, listing links out.

feedparser only ever sees bytes Scrapy has already downloaded: given a str that looks like a URL it would
fetch it itself, bypassing robots.txt, routing, throttling and the allowed-host filter.

A feed is third-party XML, and feedparser hands a document's DOCTYPE to expat, which expands the entities
declared there (feedparser's own filter only catches declarations that begin a line). So every DOCTYPE is cut
out before feedparser sees the bytes: no entity expansion ("billion laughs"), no external entities (XXE). A
feed is also cut after `max_items` entries before parsing, since feedparser spends about a millisecond per
entry, and the reactor waits meanwhile.
"""

from __future__ import annotations

import codecs
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from crawler.crawl.discovery.dates import parse_date, trusted
from crawler.crawl.discovery.records import ListingLink
from crawler.extract.text import normalize_space
from crawler.extract.urls import article_id_for, site_of, strip_tracking

# The newest entries are first in every feed we know; a feed of thousands is an archive dump or an attack.
MAX_FEED_ITEMS = 500
# Longer than any address a browser keeps (2,083 characters in old Internet Explorer): junk, not a link.
MAX_URL_LENGTH = 2048

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
              (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*>")


def looks_like_feed(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _entry_date(entry: Any) -> datetime | None:
    """The entry's latest date: an Atom entry's <updated> after its <published> says the article changed,
    which is what the incremental crawl asks a listing (RSS pubDate is one date either way)."""
    # feedparser normalises to UTC struct_time; the raw string keeps the stated offset, so prefer it.
    stated = [parsed for key in ("published", "updated", "created")
              if (parsed := parse_date(entry.get(key))) is not None]
    if stated:
        return max(stated)
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return datetime(*value[:6], tzinfo=UTC)
    return None


def _entry_url(entry: Any, feed_url: str) -> str | None:
    link = entry.get("link")
    if not link:
        # Some feeds carry the address only as a permalink guid.
        guid = entry.get("id") or ""
        link = guid if guid.startswith(("http://", "https://")) else None
    if not link:
        return None
    absolute = urljoin(feed_url, link.strip())
    # feedparser copies a non-URL guid ("urn:...") into `link`; that is no address to follow.
    return strip_tracking(absolute) if absolute.startswith(("http://", "https://")) else None


def _text(value: Any) -> str | None:
    if not value:
        return None
    # Descriptions may hold markup; the lead we want is the text.
    from lxml import html as lxml_html

    try:
        text = lxml_html.fromstring(f"<div>{value}</div>").text_content()
    except Exception:  # lxml raises several types on junk; the raw value is still better than nothing
        text = str(value)
    clean = normalize_space(text)
    return clean or None


def _end_of_declaration(body: bytes, start: int) -> int:
    """Index just past the `>` ending the DOCTYPE at `start`: quotes and the [...] subset are skipped."""
    depth, quote, i = 0, 0, start + 9
    while i < len(body):
        char = body[i]
        if quote:
            if char == quote:
                quote = 0
        elif char in b"\"'":
            quote = char
        elif char == ord("["):
            depth += 1
        elif char == ord("]"):
            depth -= 1
        elif char == ord(">") and depth <= 0:
            return i + 1
        i += 1
    return len(body)


def without_doctype(body: bytes) -> bytes:
    """The feed's bytes as UTF-8 (or the ASCII-compatible encoding they declare) with no DOCTYPE left.

    Without a DOCTYPE no entity can be declared, so expat expands nothing and reads no file. UTF-16/32 feeds
    are re-encoded first, so the DOCTYPE cannot hide from a byte search. A scanner fooled by odd quoting
    cuts too little or too much of the declaration, and the remains make the XML invalid: feedparser then
    falls back to its lenient parser, which expands no declared entities either.
    """
    for bom, codec in _WIDE_BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(codec, errors="replace").encode("utf-8")
            body = _XML_DECLARATION.sub(b"", text, count=1)  # it named the old encoding
            break
    while (match := _DOCTYPE.search(body)) is not None:
        body = body[:match.start()] + body[_end_of_declaration(body, match.start()):]
    return body


def count_entries(body: bytes) -> int:
    """How many <item>/<entry> elements the feed holds (before any cut): to report a capped feed."""
    return sum(1 for _ in _ENTRY_START.finditer(body))


def first_entries(body: bytes, limit: int) -> bytes:
    """The feed cut before its (limit+1)-th <item>/<entry>, closed again so it stays well-formed."""
    starts = _ENTRY_START.finditer(body)
    for count, match in enumerate(starts, start=1):
        if count > limit:
            root = _ROOT.search(body)
            name = root.group(1) if root else b"rss"
            closing = b"</channel></rss>" if name.lower() == b"rss" else b"</" + name + b">"
            return body[:match.start()] + closing
    return body


def parse_feed(url: str, body: bytes, max_items: int = MAX_FEED_ITEMS,
               now: datetime | None = None) -> list[ListingLink]:
    """The entries of an RSS/Atom feed as (url, title, lead, date), in feed order, at most `max_items`.

    Links are made absolute against the feed URL and lose tracking parameters and the fragment (BBC links
    carry ?at_medium=RSS&at_campaign=..., guids end in #0). Entries without an http(s) link, or with an
    absurdly long one, are left out; an article listed twice is kept once (the first). A date more than a day
    after `now` is dropped (see crawler.crawl.discovery.dates.trusted).
    """
    clean = first_entries(without_doctype(body), max_items)
    parsed = feedparser.parse(clean, response_headers={"content-location": url})
    links: list[ListingLink] = []
    seen: set[object] = set()
    for entry in parsed.entries[:max_items]:
        link = _entry_url(entry, url)
        if link is None or len(link) > MAX_URL_LENGTH:
            continue
        article_id = article_id_for(link)
        key: object = (site_of(link), article_id) if article_id else link
        if key in seen:
            continue
        seen.add(key)
        links.append(ListingLink(link, _text(entry.get("title")), _text(entry.get("summary")),
                                 trusted(_entry_date(entry), now)))
    return links
