"""Outlets by configuration: the keys a `[sources.NAME]` table needs when no code stands behind NAME.

liputan6 and bbc have built-in URL rules and page parsers (`BUILTIN_SOURCES`). Any other name is an outlet
described by data alone: its hosts, its ways in, an article URL pattern that says which links are articles,
how the article id is drawn (the pattern's `id` group, or the canonical URL) and a language hint. The generic
spider and the generic extractor do the rest.

The checks here are plain functions of plain values raising `OutletProblem(key, problem)`, so whichever
loader reads the TOML (today model.py's strict table reader) turns them into its one-line error naming the
dotted key (`sources.riverside.article_url: ...`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

BUILTIN_SOURCES = ("liputan6", "bbc")
# How an outlet's article id is drawn: the article URL pattern's `id` group, or the canonical URL.
ARTICLE_ID_FROM = ("group", "url")
ID_GROUP = "id"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Values a source without built-in code gets for the keys its table leaves out (the built-in sources have
# theirs in defaults.toml). Its hosts and article_url have no default: they must be given.
OUTLET_DEFAULTS: Mapping[str, Any] = {
    "enabled": True,
    "feeds": [],
    "sitemaps": [],
    "listings": [],
    "index_url": "",
    "tag_url": "",
    "tags": [],
    "topic_pages": [],
    "max_pages": 5,
    "article_id": "group",
    "language": "",
}
# Hosts whose URLs the built-in rules own (crawler/extract/urls.py): an outlet listing one would never see
# its links as its own.
_BUILTIN_HOSTS = re.compile(r"(^|\.)(liputan6\.com|bbc\.com|bbc\.co\.uk|bbci\.co\.uk)$")
# The keys that are ways in: an outlet needs at least one.
WAYS_IN = ("feeds", "sitemaps", "listings", "topic_pages", "tags", "index_url")


class OutletProblem(ValueError):
    """A bad outlet setting: `key` is the key inside the source's table ("" for the table itself)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise OutletProblem("", "a source name is lower-case letters, digits, '-' and '_'")


def compile_article_url(pattern: str, article_id: str) -> re.Pattern[str]:
    """The compiled article URL pattern (searched in the URL's path and query, e.g. "/news/2022/01/x?p=1").

    With article_id = "group" it must have a named group `id`: that group's text is the article id.
    """
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise OutletProblem("article_url", f"not a valid regular expression: {exc}") from None
    if article_id == "group" and ID_GROUP not in compiled.groupindex:
        raise OutletProblem("article_url", "the pattern has no (?P<id>...) group: add one, or set "
                                           'article_id = "url" to identify articles by their canonical URL')
    return compiled


def check_listing_template(index: int, template: str) -> None:
    """A listing URL, optionally with {page} (the page number from 1) and no other field."""
    try:
        filled = template.format(page=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise OutletProblem("listings", f"item {index + 1}: bad template (the only field is {{page}}): "
                                        f"{exc}") from None
    parts = urlsplit(filled)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutletProblem("listings", f"item {index + 1}: not an http(s) URL: {template!r}")


def check_outlet(name: str, values: Mapping[str, Any]) -> re.Pattern[str] | None:
    """Check the outlet keys of source `name`; the compiled article pattern (None for a built-in source).

    `values` holds the source's keys as read: allowed_hosts, article_url, article_id, language, listings
    and the ways in (feeds, sitemaps, listings, topic_pages, tags, index_url), plus the URL lists whose hosts
    must be allowed.
    """
    check_name(name)
    article_url = values.get("article_url") or None
    article_id = values.get("article_id") or "group"
    if article_id not in ARTICLE_ID_FROM:
        raise OutletProblem("article_id", f"must be one of {', '.join(map(repr, ARTICLE_ID_FROM))}, "
                                          f"got {article_id!r}")
    for index, template in enumerate(values.get("listings") or ()):
        check_listing_template(index, template)
    hosts = tuple(values.get("allowed_hosts") or ())
    if name in BUILTIN_SOURCES:
        if article_url:
            raise OutletProblem("article_url", f"{name} has built-in URL rules; article_url is for sources "
                                               "without code")
        if article_id != "group":
            raise OutletProblem("article_id", f"{name} has built-in URL rules; article_id is for sources "
                                              "without code")
        _check_hosts_allowed(values, hosts)
        return None
    if not hosts:
        raise OutletProblem("allowed_hosts", "a source without built-in code needs at least one host")
    for host in hosts:
        if _BUILTIN_HOSTS.search(host):
            raise OutletProblem("allowed_hosts",
                                f"{host} belongs to a built-in source ({', '.join(BUILTIN_SOURCES)})")
    if not article_url:
        raise OutletProblem("article_url", "missing: a source without built-in code needs the regular "
                                           "expression its article URLs match")
    compiled = compile_article_url(article_url, article_id)
    if not any(values.get(key) for key in WAYS_IN):
        raise OutletProblem("", f"no way in: set one of {', '.join(WAYS_IN)}")
    _check_hosts_allowed(values, hosts)
    return compiled


def _check_hosts_allowed(values: Mapping[str, Any], hosts: tuple[str, ...]) -> None:
    """Feeds, sitemaps and listings on a host the source may not fetch (an exact name of allowed_hosts, as
    the offsite middleware reads them) would be dropped at every crawl."""
    for key in ("feeds", "sitemaps", "listings", "topic_pages"):
        for url in values.get(key) or ():
            host = (urlsplit(url.replace("{page}", "1")).hostname or "").lower()
            if host and host not in hosts:
                raise OutletProblem(key, f"host {host} is not in allowed_hosts")


def check_hosts_unshared(hosts_by_outlet: Mapping[str, tuple[str, ...]]) -> None:
    """Each host belongs to one outlet: a link's host says which outlet it is from. Raises OutletProblem
    with the key "NAME.allowed_hosts" of the second outlet naming a host."""
    owner: dict[str, str] = {}
    for name, hosts in hosts_by_outlet.items():
        for host in hosts:
            if owner.setdefault(host, name) != name:
                raise OutletProblem(f"{name}.allowed_hosts", f"{host} is already a host of {owner[host]}")
