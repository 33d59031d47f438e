"""XML sitemaps (sitemaps.org, Google News extension): index files and URL sets, plain or gzipped.

Parsed with defusedxml, DTDs forbidden: a sitemap is third-party input, and entity expansion or external
entities must never cost memory or a network request. Gzip is decompressed with a size cap, for the same
reason.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from crawler.discovery.dates import parse_date
from crawler.discovery.records import ListingLink
from crawler.pages.text import normalize_space
from crawler.urls import strip_tracking

# The sitemaps.org limit is 50 MB uncompressed; anything bigger is not a sitemap we want.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


class SitemapError(ValueError):
    """The body is not a sitemap we can read (malformed, forbidden XML features, too big)."""


@dataclass
class Sitemap:
    """`kind` "index": `links` are child sitemaps (date = lastmod); "urlset": `links` are pages.

    For pages, date is the Google News publication date when given, else lastmod; title is the news title.
    """

    kind: Literal["index", "urlset"]
    links: list[ListingLink] = field(default_factory=list)


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


def parse_sitemap(url: str, body: bytes) -> Sitemap:
    """A sitemap index or URL set from its bytes (gzip detected by magic number). Raises SitemapError."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip_capped(body)
    if len(body) > MAX_SITEMAP_BYTES:
        raise SitemapError(f"sitemap larger than {MAX_SITEMAP_BYTES} bytes")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise SitemapError(f"not a readable sitemap at {url}: {exc}") from exc
    kind = _local(root.tag)
    if kind == "sitemapindex":
        links = [_link(url, node) for node in root if _local(node.tag) == "sitemap"]
        return Sitemap("index", [link for link in links if link is not None])
    if kind == "urlset":
        links = [_link(url, node, news=True) for node in root if _local(node.tag) == "url"]
        return Sitemap("urlset", [link for link in links if link is not None])
    raise SitemapError(f"not a sitemap at {url}: root element <{kind}>")


def _link(base: str, node: Element, news: bool = False) -> ListingLink | None:
    loc = None
    for child in node:
        if _local(child.tag) == "loc" and child.text and child.text.strip():
            loc = child.text.strip()
            break
    if loc is None:
        return None
    lastmod = None
    for child in node:
        if _local(child.tag) == "lastmod" and child.text:
            lastmod = parse_date(child.text)
    title = _child_text(node, "title") if news else None
    published = parse_date(_child_text(node, "publication_date")) if news else None
    return ListingLink(strip_tracking(urljoin(base, loc)), title, None, published or lastmod)
