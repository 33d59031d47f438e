"""The Caspian Courier: the demo's third outlet, an English-language regional paper with no code in newswatch.

It exists to show (and test) an outlet added by configuration alone: `CONFIG` is the `[sources.caspian]`
table the demo writes, and the generic spider and extractor do the rest. Its markup is unlike the other two
sites on purpose: schema.org microdata (`itemprop="articleBody"`) instead of JSON-LD or inline data, an Atom
feed instead of RSS, a listing paged by path (`/region/page/2/`), dates only in `<time>` elements and meta
tags. The paper, its writers and its text are invented for newswatch.

    /feeds/region.atom                      Atom 1.0, newest first
    /region/page/<n>/                       the region's listing, PAGE_SIZE teasers a page
    /region/YYYY/MM/DD/<slug>-<id>/         an article
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from crawler.demo.catalog import CASPIAN_HOST, DemoArticle

NAME = "caspian"
HOST = CASPIAN_HOST
SITE_NAME = "The Caspian Courier"
FEED_PATH = "/feeds/region.atom"
PAGE_SIZE = 4

# The [sources.caspian] table of a config: everything newswatch needs to follow the paper.
CONFIG = f"""[sources.{NAME}]
allowed_hosts = ["{HOST}"]
feeds = ["https://{HOST}{FEED_PATH}"]
listings = ["https://{HOST}/region/page/{{page}}/"]
article_url = '^/region/\\d{{4}}/\\d{{2}}/\\d{{2}}/[a-z0-9-]+-(?P<id>\\d{{5,}})/$'
language = "en"
"""


def article_path(article: DemoArticle) -> str:
    return article.path


def article_url(article: DemoArticle) -> str:
    return article.url


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(UTC).day} {moment.astimezone(UTC):%B %Y}"


def _frame(title: str, head: str, main: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width">'
        f'<meta property="og:site_name" content="{SITE_NAME}">{head}</head>'
        f'<body class="cc-site"><div id="cc-masthead"><a class="cc-logo" href="/">{SITE_NAME}</a>'
        '<ul class="cc-nav"><li><a href="/region/page/1/">Region</a></li><li><a href="/business/">Business'
        '</a></li><li><a href="/culture/">Culture</a></li></ul></div>'
        f'<div id="cc-main">{main}</div>'
        f'<footer id="cc-colophon"><p>{SITE_NAME} is an invented paper of the newswatch demo.</p>'
        '<p>Letters to the editor: letters@caspian-courier.example</p></footer></body></html>\n'
    )


def article_page(article: DemoArticle, related: Sequence[DemoArticle]) -> str:
    url = article_url(article)
    modified = article.modified or article.published
    head = (f'<meta name="description" content="{escape(article.lead)}">'
            f'<link rel="canonical" href="{escape(url)}">'
            f'<meta property="article:published_time" content="{_iso(article.published)}">'
            f'<meta property="article:modified_time" content="{_iso(modified)}">'
            f'<meta property="article:section" content="{escape(article.section or "Region")}">')
    body = []
    for paragraph in article.body:
        if paragraph.startswith("## "):
            body.append(f'<h3 class="cc-crosshead">{escape(paragraph[3:])}</h3>')
        else:
            body.append(f"<p>{escape(paragraph)}</p>")
    more = "".join(f'<li><a href="{article_path(r)}">{escape(r.title)}</a></li>' for r in related[:3])
    authors = " and ".join(f'<span itemprop="author">{escape(a)}</span>' for a in article.authors)
    updated = (f' <span class="cc-updated">Updated <time itemprop="dateModified" datetime="{_iso(modified)}">'
               f"{_day(modified)}</time></span>" if article.modified else "")
    main = (
        '<div class="cc-story" itemscope itemtype="https://schema.org/NewsArticle">'
        f'<p class="cc-kicker">{escape(article.section or "Region")}</p>'
        f'<h1 itemprop="headline">{escape(article.title)}</h1>'
        f'<p class="cc-standfirst" itemprop="description">{escape(article.lead)}</p>'
        f'<div class="cc-byline">By {authors} &middot; <time itemprop="datePublished" '
        f'datetime="{_iso(article.published)}">{_day(article.published)}</time>{updated}</div>'
        f'<div class="cc-copy" itemprop="articleBody">{"".join(body)}</div>'
        f'<aside class="cc-more"><h4>More from the region</h4><ul>{more}</ul></aside>'
        "</div>"
    )
    return _frame(f"{article.title} | {SITE_NAME}", head, main)


def listing_page(items: Sequence[DemoArticle], page: int, pages: int) -> str:
    teasers = "".join(
        f'<div class="cc-teaser"><h2><a href="{article_path(a)}">{escape(a.title)}</a></h2>'
        f'<p class="cc-teaser-summary">{escape(a.lead)}</p>'
        f'<time datetime="{_iso(a.published)}">{_day(a.published)}</time></div>'
        for a in items)
    links = []
    if page > 1:
        links.append(f'<a class="cc-newer" href="/region/page/{page - 1}/">Newer</a>')
    if page < pages:
        links.append(f'<a class="cc-older" href="/region/page/{page + 1}/">Older</a>')
    main = (f'<h1 class="cc-section-title">Region</h1><div class="cc-river">{teasers}</div>'
            f'<div class="cc-pager">{" ".join(links)}</div>')
    return _frame(f"Region - page {page} | {SITE_NAME}", "", main)


def atom(items: Sequence[DemoArticle], updated: datetime) -> str:
    """An Atom 1.0 feed of the newest articles (`updated` is each article's last change)."""
    entries = "".join(
        f"<entry><title>{xml_escape(a.title)}</title>"
        f'<link rel="alternate" href="{xml_escape(article_url(a))}"/>'
        f"<id>tag:caspian-courier.example,2022:{a.id}</id><published>{_iso(a.published)}</published>"
        f"<updated>{_iso(a.last_modified)}</updated><summary>{xml_escape(a.lead)}</summary>"
        + "".join(f"<author><name>{xml_escape(name)}</name></author>" for name in a.authors)
        + "</entry>"
        for a in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        f"<title>{SITE_NAME}: Region</title><id>tag:caspian-courier.example,2022:region</id>"
        f'<link rel="self" href="https://{HOST}{FEED_PATH}"/><updated>{_iso(updated)}</updated>'
        f"{entries}</feed>\n"
    )


def not_found() -> str:
    return _frame(f"Page not found | {SITE_NAME}", "", "<h1>We could not find that page</h1>")


ROBOTS = """User-agent: *
Disallow: /search/
"""
