"""Where each spider starts and which hosts it may fetch: config first, spider arguments over it.

The config (crawler.config.load_config: packaged defaults.toml, the user's file from the NEWSWATCH_CONFIG
setting or environment variable or ./newswatch.toml) names every source's feeds, sitemaps, index and tag
templates, topic pages and allowed hosts. Spider arguments replace single entries for one run
(`-a feeds=URL1,URL2 -a tags=kazakhstan -a index_url=...`). Page templates keep `{page}` so the spider can
walk listing pages the way the config spells them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crawler.config import Config

logger = logging.getLogger(__name__)

# Used only when neither config nor arguments give a tag template but `-a tags=slug` is passed.
_FALLBACK_TAG_URL = {"liputan6": "https://www.liputan6.com/tag/{slug}?page={page}"}


@dataclass(frozen=True)
class Listing:
    """A paged listing: its first page, and a template with {page} for the others (None: ?page=N)."""

    url: str
    template: str | None = None

    def page(self, number: int) -> str | None:
        return self.template.format(page=number) if self.template else None


@dataclass(frozen=True)
class SourceSettings:
    """One source's ways in, resolved. `index_url` is a template with {yyyy} {mm} {dd} {page}."""

    name: str
    feeds: tuple[str, ...] = ()
    tag_listings: tuple[Listing, ...] = ()
    topic_listings: tuple[Listing, ...] = ()
    listings: tuple[Listing, ...] = ()  # the config's listing URL templates ({page} optional)
    sitemaps: tuple[str, ...] = ()
    index_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    max_pages: int | None = None
    routes: Mapping[str, str] = field(default_factory=dict)

    def index_listing(self, day: date) -> Listing | None:
        if not self.index_url:
            return None
        fields = {"yyyy": f"{day.year:04d}", "mm": f"{day.month:02d}", "dd": f"{day.day:02d}"}
        if "{page}" in self.index_url:
            template = self.index_url.replace("{page}", "{{page}}").format(**fields)
            return Listing(template.format(page=1), template)
        return Listing(self.index_url.format(**fields))


def split_list(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A spider argument or setting as a tuple: "a,b" or ["a", "b"]; empty strings dropped."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item and item.strip())


def _tag_listing(slug_or_url: str, template: str | None) -> Listing:
    if slug_or_url.startswith(("http://", "https://")):
        return Listing(slug_or_url)
    if not template:
        raise ValueError(f"tag {slug_or_url!r} given, but no tag_url template is configured")
    page_template = template.replace("{page}", "{{page}}").format(slug=slug_or_url.strip("/"))
    return Listing(page_template.format(page=1), page_template if "{page}" in page_template else None)


def _template_listing(template: str) -> Listing:
    if "{page}" in template:
        return Listing(template.format(page=1), template)
    return Listing(template)


def source_settings(name: str, config: Config | None = None,
                    arguments: Mapping[str, Any] | None = None) -> SourceSettings:
    """The effective entry points of source `name`: its config section, then spider arguments."""
    arguments = {k: v for k, v in (arguments or {}).items() if v is not None}
    source = config.sources.get(name) if config is not None else None
    tag_url = arguments.get("tag_url") or (source.tag_url if source else None) or _FALLBACK_TAG_URL.get(name)
    tags = split_list(arguments["tags"]) if "tags" in arguments else (source.tags if source else ())
    topics = split_list(arguments["topics"]) if "topics" in arguments else (
        source.topic_pages if source else ())
    terms: tuple[str, ...] = ()
    if config is not None:
        found = [t for topic in config.enabled_topics() if not topic.sources or name in topic.sources
                 for t in topic.terms]
        terms = tuple(dict.fromkeys(found))
    if "terms" in arguments:
        terms = split_list(arguments["terms"])
    max_pages = int(arguments["max_pages"]) if "max_pages" in arguments else (
        source.max_pages if source else None)

    def pick(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        return split_list(arguments[key]) if key in arguments else default

    return SourceSettings(
        name=name,
        feeds=pick("feeds", source.feeds if source else ()),
        tag_listings=tuple(_tag_listing(tag, tag_url) for tag in tags),
        topic_listings=tuple(Listing(url) for url in topics),
        listings=tuple(_template_listing(url) for url in pick("listings", source.listings if source else ())),
        sitemaps=pick("sitemaps", source.sitemaps if source else ()),
        index_url=arguments.get("index_url", source.index_url if source else None) or None,
        allowed_hosts=pick("allowed_hosts", source.allowed_hosts if source else ()),
        terms=terms,
        max_pages=max_pages,
        routes=dict(config.routes) if config is not None else {},
    )
