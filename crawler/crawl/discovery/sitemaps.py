"""XML sitemaps (sitemaps.org, Google News extension): index files and URL sets, plain or gzipped.

Parsed with defusedxml, DTDs forbidden: a sitemap is third-party input, and entity expansion or external
entities must never cost memory or a network request. Gzip is decompressed with a size cap, for the same
reason. A sitemap is also cut after `max_entries` entries before parsing, as feeds are: 90,000 URLs under
the size cap would otherwise become 90,000 queued requests (357 MB resident); the cut is reported
(Sitemap.listed) so that the crawl counts it and the health check says so.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from crawler.crawl.discovery.dates import parse_date, trusted
from crawler.crawl.discovery.records import ListingLink
from crawler.extract.text import normalize_space
from crawler.extract.urls import strip_tracking

# The sitemaps.org limit is 50 MB uncompressed; anything bigger is not a sitemap we want.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_URL_LENGTH = 2048  # as for feeds: longer is junk, not an address
# Entries read from one sitemap (the protocol allows 50,000; a Google News sitemap holds at most 1,000).
MAX_SITEMAP_URLS = 5_000

_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:url|sitemap)[\s/>]")
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


class SitemapError(ValueError):
    """The body is not a sitemap we can read (malformed, forbidden XML features, too big)."""


@dataclass
class Sitemap:
    """`kind` "index": `links` are child sitemaps (date = lastmod); "urlset": `links` are pages.

    For pages, date is the Google News publication date when given, else lastmod; title is the news title.
    """

    kind: Literal["index", "urlset"]
    links: list[ListingLink] = field(default_factory=list)
    listed: int = 0  # entries the document holds; more than were read when it was cut at max_entries
    read: int = 0  # entries read (at most max_entries)

    @property
    def capped(self) -> bool:
        return self.listed > self.read


def first_entries(body: bytes, limit: int) -> tuple[bytes, int, int]:
    """(the sitemap cut before its (limit+1)-th <url>/<sitemap>, closed again so it stays well-formed;
    how many entries it lists; how many were kept)."""
    starts = _ENTRY_START.finditer(body)
    for count, match in enumerate(starts, start=1):
        if count > limit:
            listed = count + sum(1 for _ in starts)
            root = _ROOT.search(body)
            closing = b"</" + (root.group(1) if root else b"urlset") + b">"
            return body[:match.start()] + closing, listed, limit
    kept = len(_ENTRY_START.findall(body))
    return body, kept, kept


def gunzip_capped(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress gzip data, refusing output over `limit` bytes (a gzip bomb stops here, not in memory)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SitemapError(f"bad gzip data: {exc}") from exc
    if len(data) > limit:
        raise SitemapError(f"sitemap larger than {limit} bytes after decompression")
    return data


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(node: Element, name: str) -> str | None:
    """Text of the first descendant whose local name is `name` (namespaces vary between publishers)."""
    for child in node.iter():
        if child is not node and _local(child.tag) == name and child.text and child.text.strip():
            return normalize_space(child.text)
    return None


def parse_sitemap(url: str, body: bytes, max_bytes: int = MAX_SITEMAP_BYTES,
                  now: datetime | None = None, max_entries: int = MAX_SITEMAP_URLS) -> Sitemap:
    """A sitemap index or URL set from its bytes (gzip detected by magic number). Raises SitemapError.

    `max_bytes` caps the XML, decompressed or not (the crawl passes its largest accepted response); only the
    first `max_entries` entries are read (`listed`/`read` say whether it was cut). Only http(s) locations are
    kept, each once; a date more than a day after `now` is dropped (dates.trusted).
    """
    if body[:2] == b"\x1f\x8b":
        body = gunzip_capped(body, max_bytes)
    if len(body) > max_bytes:
        raise SitemapError(f"sitemap larger than {max_bytes} bytes")
    body, listed, read = first_entries(body, max_entries)
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise SitemapError(f"not a readable sitemap at {url}: {exc}") from exc
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return Sitemap("index", _unique(_link(url, node, now=now) for node in root
                                        if _local(node.tag) == "sitemap"), listed, read)
    if kind == "urlset":
        return Sitemap("urlset", _unique(_link(url, node, news=True, now=now) for node in root
                                         if _local(node.tag) == "url"), listed, read)
    raise SitemapError(f"not a sitemap at {url}: root element <{kind}>")


def _unique(links: Iterable[ListingLink | None]) -> list[ListingLink]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link is not None and link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


def _link(base: str, node: Element, news: bool = False, now: datetime | None = None) -> ListingLink | None:
    loc = None
    for child in node:
        if _local(child.tag) == "loc" and child.text and child.text.strip():
            loc = child.text.strip()
            break
    if loc is None:
        return None
    absolute = urljoin(base, loc)
    # file:, ftp:, data: or javascript: locations are nothing the crawl may ever request.
    if not absolute.lower().startswith(("http://", "https://")) or len(absolute) > MAX_URL_LENGTH:
        return None
    lastmod = None
    for child in node:
        if _local(child.tag) == "lastmod" and child.text:
            lastmod = parse_date(child.text)
    title = _child_text(node, "title") if news else None
    published = parse_date(_child_text(node, "publication_date")) if news else None
    return ListingLink(strip_tracking(absolute), title, None, trusted(published or lastmod, now))
