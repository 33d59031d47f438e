"""RSS and Atom feeds: response bytes in, listing links out.

feedparser only ever sees bytes Scrapy has already downloaded: given a str that looks like a URL it would
fetch it itself, bypassing robots.txt, routing, throttling and the allowed-host filter.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from crawler.discovery.dates import parse_date
from crawler.discovery.records import ListingLink
from crawler.pages.text import normalize_space
from crawler.urls import strip_tracking


def looks_like_feed(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _entry_date(entry: Any) -> datetime | None:
    # feedparser normalises to UTC struct_time; the raw string keeps the stated offset, so prefer it.
    for key in ("published", "updated", "created"):
        parsed = parse_date(entry.get(key))
        if parsed is not None:
            return parsed
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


def parse_feed(url: str, body: bytes) -> list[ListingLink]:
    """Every entry of an RSS/Atom feed as (url, title, lead, date), in feed order.

    Links are made absolute against the feed URL and lose tracking parameters and the fragment (BBC links
    carry ?at_medium=RSS&at_campaign=..., guids end in #0). Entries without a link are left out.
    """
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    links: list[ListingLink] = []
    for entry in parsed.entries:
        link = _entry_url(entry, url)
        if link is None:
            continue
        links.append(ListingLink(link, _text(entry.get("title")), _text(entry.get("summary")),
                                 _entry_date(entry)))
    return links
