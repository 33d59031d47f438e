"""Atom 1.0 feeds (RFC 4287) of the stored coverage: new articles and, optionally, their material revisions.

    xml = build_feed(articles, revisions, title="newswatch: kazakhstan", feed_id=feed_id(...), now=now)

Pure: stored records in, the feed's bytes out (UTF-8, with an XML declaration); the CLI (`newswatch feed`)
and the dashboard read the records from the Store and serve the bytes.

Entry ids are tag URIs (RFC 4151) built from the article's identity and version only, so an entry keeps its
id across rebuilds: `tag:newswatch.invalid,2022-01-07:liputan6/4851234/v1` is the article's entry (dated by
the day it was first seen), `.../v3` its third version's revision entry. An article entry's `updated` is the
article's own modification time (else its publication, else when it was first seen), so a reader sees the
entry change when the story is edited; a revision's is that version's. Each entry carries the article's
language as xml:lang, its authors and its topics as categories; a revision's content is the alert's "What
changed" (HTML). Page text is treated as hostile here as in the mails: characters XML cannot carry are
dropped, and only http(s) addresses become links.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from lxml import etree

from crawler.notify.events import ArticleDiff
from crawler.notify.sanitize import line_text, safe_url
from crawler.notify.templates import diff_html
from storage import StoredArticle, StoredRevision

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TAG_AUTHORITY = "newswatch.invalid"
FEED_TAG_DATE = "2026"  # the feeds' own ids: any fixed date will do, it only has to stay the same
GENERATOR = "newswatch"
TITLE_LIMIT = 300
_A = f"{{{ATOM_NS}}}"
# XML 1.0 cannot carry most control characters (nor lone surrogates): lxml refuses them, readers choke.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Entry:
    """One feed entry before it is written: a new article or one revision of it."""

    article: StoredArticle
    revision: StoredRevision | None
    updated: datetime

    @property
    def version_no(self) -> int:
        return self.revision.version.version_no if self.revision else 1


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry: characters it cannot are dropped."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def rfc3339(value: str | datetime | None) -> datetime | None:
    """An aware datetime from an ISO 8601 time (a naive one taken as UTC); None when absent or unparsable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def entry_id(article: StoredArticle, version_no: int, *, authority: str = TAG_AUTHORITY) -> str:
    """The tag URI of an article's entry (version 1) or of one of its revisions: stable across rebuilds."""
    day = (rfc3339(article.first_seen_at) or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC)
    return (f"tag:{authority},{day:%Y-%m-%d}:{quote(article.source, safe='')}/"
            f"{quote(article.article_id, safe='')}/v{version_no}")


def feed_id(*, topic: str | None, source: str | None, updates: bool, authority: str = TAG_AUTHORITY) -> str:
    """The tag URI of a feed: one per (topic, source, with or without updates)."""
    parts = [quote(topic or "*", safe="*"), quote(source or "*", safe="*")]
    return f"tag:{authority},{FEED_TAG_DATE}:feed/{'/'.join(parts)}" + ("/updates" if updates else "")


def article_updated(article: StoredArticle) -> datetime:
    """When the article last changed as far as the page says: modified, else published, else first seen."""
    for value in (article.modified_at, article.published_at, article.first_seen_at):
        moment = rfc3339(value)
        if moment is not None:
            return moment
    return datetime(2000, 1, 1, tzinfo=UTC)


def revision_updated(revision: StoredRevision) -> datetime:
    version = revision.version
    return rfc3339(version.modified_at) or rfc3339(version.fetched_at) or article_updated(revision.article)


def entries(articles: Sequence[StoredArticle], revisions: Sequence[StoredRevision] = ()) -> list[Entry]:
    """The feed's entries, most recently updated first (ties: newest id first, so the order is stable)."""
    found = [Entry(a, None, article_updated(a)) for a in articles]
    found += [Entry(r.article, r, revision_updated(r)) for r in revisions]
    return sorted(found, key=lambda e: (e.updated.timestamp(), e.article.source, e.article.article_id,
                                        e.version_no), reverse=True)


def build_feed(articles: Sequence[StoredArticle], revisions: Sequence[StoredRevision] = (), *, title: str,
               feed_id: str, now: datetime, self_url: str | None = None,
               authority: str = TAG_AUTHORITY) -> bytes:
    """The Atom document for these articles and revisions (UTF-8 bytes with an XML declaration).

    The feed's `updated` is its newest entry's (`now` for an empty feed), so rebuilding an unchanged feed
    gives the same bytes.
    """
    listed = entries(articles, revisions)
    feed = etree.Element(f"{_A}feed", nsmap={None: ATOM_NS})
    _text(feed, "title", line_text(title, limit=TITLE_LIMIT))
    _text(feed, "id", feed_id)
    _text(feed, "updated", _stamp(listed[0].updated if listed else rfc3339(now) or now))
    # Entries without a byline still have an author this way (RFC 4287 4.1.1: the feed's).
    author = etree.SubElement(feed, f"{_A}author")
    _text(author, "name", GENERATOR)
    _text(feed, "generator", GENERATOR)
    if self_url and safe_url(self_url):
        etree.SubElement(feed, f"{_A}link", rel="self", href=self_url, type="application/atom+xml")
    for item in listed:
        feed.append(_entry(item, authority))
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _entry(item: Entry, authority: str) -> etree._Element:
    article, revision = item.article, item.revision
    entry = etree.Element(f"{_A}entry")
    language = (article.language or "").strip()
    if _LANGUAGE.match(language):
        entry.set(XML_LANG, language)
    if revision is None:
        title = line_text(article.title or "(untitled)", limit=TITLE_LIMIT)
    else:
        title = "Updated: " + line_text(revision.version.title or article.title or "(untitled)",
                                        limit=TITLE_LIMIT)
    _text(entry, "title", title)
    _text(entry, "id", entry_id(article, item.version_no, authority=authority))
    _text(entry, "updated", _stamp(item.updated))
    published = rfc3339(article.published_at)
    if revision is None and published is not None:
        _text(entry, "published", _stamp(published))
    for name in article.authors:
        if line_text(name):
            author = etree.SubElement(entry, f"{_A}author")
            _text(author, "name", line_text(name))
    for topic in article.topics:
        etree.SubElement(entry, f"{_A}category", term=xml_text(topic))
    link = safe_url(article.url)
    if link:
        etree.SubElement(entry, f"{_A}link", rel="alternate", type="text/html", href=link)
    if revision is None:
        if article.lead:
            _text(entry, "summary", article.lead, type="text")
        _text(entry, "content", article.body or article.lead or title, type="text")
    else:
        number = item.version_no
        _text(entry, "summary", f"Version {number}: what changed since version {number - 1}", type="text")
        _text(entry, "content", diff_html(_diff(revision)), type="html")
    return entry


def _diff(revision: StoredRevision) -> ArticleDiff:
    """The change change-detection stored with this version (the one its alert showed)."""
    stored = dict(revision.version.diff or {})
    title = stored.get("title")
    if isinstance(title, dict):  # a title that appeared or vanished is stored as null on that side
        stored["title"] = {"before": title.get("before") or "", "after": title.get("after") or ""}
    return ArticleDiff.from_payload(stored)


def _text(parent: etree._Element, name: str, value: object, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{_A}{name}", **attributes)
    element.text = xml_text(value)
    return element
