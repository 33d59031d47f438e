"""The page-object base: one subclass per site and page type, built from (url, html), one method per field.

Parsers are pure: no network, no clock, no database. `to_article()` assembles the fields into an Article and
raises NoArticleError when the page has no body. Subclasses override the field methods they know better;
the defaults read the page's metadata (meta tags, JSON-LD), which most news sites publish.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from bs4 import BeautifulSoup
from dateutil import parser as dateparser
from lxml import html as lxml_html

from crawler.errors import NoArticleError
from crawler.items import Article, Image
from crawler.urls import article_id_for, canonical_url, host_of, site_of


def iso_datetime(value: str | None) -> str | None:
    """ISO 8601 with the offset the source states ('2022-01-07T14:30:00+07:00'); None if unparseable.

    A value without an offset stays naive: we never invent a time zone the page did not state.
    """
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dateparser.parse(value)
        except (ValueError, OverflowError):
            return None
    if parsed is None:
        return None
    return parsed.isoformat()


class ArticlePage:
    """Base page object. `source` names the site; subclasses set it and override field methods."""

    source: ClassVar[str] = "generic"
    language_default: ClassVar[str | None] = None

    def __init__(self, url: str, html: str) -> None:
        self.url_given = url
        self.html = html

    # -- parsed documents, built lazily so a parser that only needs lxml never pays for BeautifulSoup --
    @cached_property
    def tree(self) -> Any:
        """The whole page as an lxml tree: fast selectors for locating things."""
        return lxml_html.fromstring(self.html or "<html></html>")

    @cached_property
    def soup(self) -> BeautifulSoup:
        """The whole page as BeautifulSoup. Prefer `tree` plus a fragment: this is slow on 300 KB pages."""
        return BeautifulSoup(self.html, "lxml")

    # -- metadata helpers --
    def meta(self, *names: str) -> str | None:
        """First non-empty content of <meta name|property|itemprop=NAME> among `names`, in order."""
        for name in names:
            for attr in ("property", "name", "itemprop"):
                values = self.tree.xpath(f'//meta[@{attr}="{name}"]/@content')
                for value in values:
                    if value and value.strip():
                        return str(value).strip()
        return None

    def metas(self, name: str) -> list[str]:
        values = self.tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
        return [str(v).strip() for v in values if v and v.strip()]

    @cached_property
    def json_ld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, @graph members flattened; malformed blocks are skipped."""
        found: list[dict[str, Any]] = []
        for raw in self.tree.xpath('//script[@type="application/ld+json"]/text()'):
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            stack = data if isinstance(data, list) else [data]
            while stack:
                item = stack.pop(0)
                if isinstance(item, dict):
                    found.append(item)
                    graph = item.get("@graph")
                    if isinstance(graph, list):
                        stack.extend(graph)
                elif isinstance(item, list):
                    stack.extend(item)
        return found

    def json_ld_article(self) -> dict[str, Any] | None:
        for item in self.json_ld:
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith(("Article", "BlogPosting", "Report")) for k in kinds):
                return item
        return None

    def canonical_link(self) -> str | None:
        links = self.tree.xpath('//link[@rel="canonical"]/@href')
        return str(links[0]).strip() if links else None

    # -- fields (override per site) --
    def url(self) -> str:
        """The canonical URL: the page's own canonical link if it is on the same site, else the given URL."""
        link = self.canonical_link()
        if link and link.startswith(("http://", "https://")):
            site = site_of(link)
            same_site = site is not None and site == site_of(self.url_given)
            if same_site or host_of(link) == host_of(self.url_given):
                return canonical_url(link)
        return canonical_url(self.url_given)

    def article_id(self) -> str | None:
        return article_id_for(self.url()) or article_id_for(self.url_given)

    def title(self) -> str | None:
        h1 = self.tree.xpath("//h1")
        if h1:
            text = " ".join(h1[0].text_content().split())
            if text:
                return text
        return self.meta("og:title", "twitter:title")

    def lead(self) -> str | None:
        return self.meta("og:description", "description", "twitter:description")

    def published_at(self) -> str | None:
        return iso_datetime(self.meta("article:published_time", "datePublished", "pubdate"))

    def modified_at(self) -> str | None:
        return iso_datetime(self.meta("article:modified_time", "dateModified", "og:updated_time"))

    def authors(self) -> list[str]:
        return []

    def section(self) -> str | None:
        return self.meta("article:section")

    def tags(self) -> list[str]:
        return self.metas("article:tag")

    def language(self) -> str | None:
        return self.language_default

    def paragraphs(self) -> list[str]:
        raise NotImplementedError

    def images(self) -> list[Image]:
        return []

    def kind(self) -> str:
        return "article"

    def source_name(self) -> str:
        return self.source

    def to_article(self) -> Article:
        paragraphs = [p for p in self.paragraphs() if p.strip()]
        if not paragraphs:
            raise NoArticleError(f"no article body found in the page for {self.url_given}")
        return Article(
            source=self.source_name(),
            article_id=self.article_id(),
            url=self.url(),
            title=self.title(),
            lead=self.lead(),
            published_at=self.published_at(),
            modified_at=self.modified_at(),
            authors=_dedupe(self.authors()),
            section=self.section(),
            tags=_dedupe(self.tags()),
            language=self.language(),
            body="\n\n".join(paragraphs),
            images=self.images(),
            kind=self.kind(),
        )


_SPACES = re.compile(r"\s+")


def _dedupe(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        clean = _SPACES.sub(" ", value).strip()
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    return list(seen.values())
