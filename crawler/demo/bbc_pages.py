"""BBC-style pages of the demo site, in the shapes of the recorded BBC pages.

- Articles at /news/<section>-<number>: the 2022 layout, rendered `data-component` blocks inside <article>
  with JSON-LD metadata; image blocks carry their "Image source"/"Image caption" labels, and the page ends
  with a "Related Topics" tag list and a links block.
- Articles at /news/articles/<id>: the current Next.js layout, the article as typed blocks in
  `__NEXT_DATA__` (headline, byline, text, subheadline, image, advertisement, links) plus the same blocks
  rendered.
- RSS feeds as feeds.bbci.co.uk serves them (tracking parameters on links, guids ending in "#0"), a sitemap
  index per family with child sitemaps carrying lastmod, and robots.txt.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from crawler.demo.catalog import DemoArticle

FEED_TITLES = {
    "news": ("BBC News", "https://www.bbc.co.uk/news"),
    "world": ("BBC News - World", "https://www.bbc.co.uk/news/world"),
    "asia": ("BBC News - Asia", "https://www.bbc.co.uk/news/world/asia"),
    "europe": ("BBC News - Europe", "https://www.bbc.co.uk/news/world/europe"),
}
FEED_PATHS = {
    "news": "/news/rss.xml",
    "world": "/news/world/rss.xml",
    "asia": "/news/world/asia/rss.xml",
    "europe": "/news/world/europe/rss.xml",
}
_ICHEF = "https://ichef.bbci.co.uk/news/1024/cpsprodpb"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# -- the block model (the same in __NEXT_DATA__ and in the older __INITIAL_DATA__) --
def _paragraph(text: str, link: str | None = None) -> dict[str, Any]:
    inner = ({"type": "urlLink", "model": {"text": text, "locator": link, "blocks": [
        {"type": "fragment", "model": {"text": text, "attributes": []}}]}} if link else
             {"type": "fragment", "model": {"text": text, "attributes": []}})
    return {"type": "paragraph", "model": {"text": text, "blocks": [inner]}}


def _text_block(*paragraphs: dict[str, Any]) -> dict[str, Any]:
    return {"type": "text", "model": {"blocks": list(paragraphs)}}


def _wrapped(kind: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "model": {"blocks": [_text_block(_paragraph(text))], **extra}}


def _image_block(article: DemoArticle, caption: str) -> dict[str, Any]:
    return {"type": "image", "model": {"blocks": [
        {"type": "caption", "model": {"blocks": [_text_block(_paragraph(caption))]}},
        {"type": "altText", "model": {"blocks": [_text_block(_paragraph(caption))]}},
        {"type": "rawImage", "model": {"width": 976, "height": 549, "locator": f"demo/{article.id}.jpg",
                                       "originCode": "cpsprodpb", "copyrightHolder": "Getty Images"}},
    ]}}


def _caption(article: DemoArticle) -> str:
    return f"Illustration for: {article.title}"


def _related_box(related: Sequence[DemoArticle]) -> dict[str, Any]:
    """A list of links to other stories inside the text (the parser drops link-only lists)."""
    items = [{"type": "listItem", "model": {"blocks": [_paragraph(r.title, r.url)]}} for r in related[:2]]
    return {"type": "text", "model": {"blocks": [{"type": "unorderedList", "model": {"blocks": items}}]}}


def blocks(article: DemoArticle, related: Sequence[DemoArticle]) -> list[dict[str, Any]]:
    """The article as typed blocks, with the furniture a real one has between its paragraphs."""
    contents: list[dict[str, Any]] = [
        _wrapped("headline", article.title),
        {"type": "timestamp", "model": {"timestamp": _millis(article.last_modified)}},
        {"type": "byline", "model": {"blocks": [{"type": "contributor", "model": {"blocks": [
            _wrapped("name", name), _wrapped("role", "BBC News")]}} for name in article.authors]}},
        _image_block(article, _caption(article)),
    ]
    for index, paragraph in enumerate(article.body):
        if paragraph.startswith("## "):
            contents.append(_wrapped("subheadline", paragraph[3:], level=2))
        else:
            contents.append(_text_block(_paragraph(paragraph)))
        if index == 2:
            contents.append({"type": "advertisement", "model": {"adType": "horizontal"},
                             "incrementedType": "mid_1"})
            if related:
                contents.append(_related_box(related))
    if related:
        contents.append({"type": "links", "model": {"blocks": [
            {"type": "link", "model": {"blocks": [_text_block(_paragraph(r.title, r.url))]}}
            for r in related[:3]]}})
    return contents


def _ld(article: DemoArticle) -> str:
    data = {"@context": "https://schema.org", "@type": "ReportageNewsArticle", "url": article.url,
            "headline": article.title, "description": article.lead, "datePublished": _iso(article.published),
            "dateModified": _iso(article.last_modified),
            "author": [{"@type": "Person", "name": name} for name in article.authors],
            "publisher": {"@type": "NewsMediaOrganization", "name": "BBC News"}}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _head(article: DemoArticle, extra: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f'<title>{escape(article.title)} - BBC News</title>'
        f'<meta name="description" content="{escape(article.lead)}">'
        f'<meta property="og:title" content="{escape(article.title)}">'
        f'<meta property="og:description" content="{escape(article.lead)}"><meta property="og:type" '
        f'content="article"><meta property="og:site_name" content="BBC News">'
        f'<meta property="article:section" content="{escape(article.section or "World")}">'
        f'<link rel="canonical" href="{escape(article.url)}">{_ld(article)}{extra}</head>'
    )


def _rendered(article: DemoArticle, related: Sequence[DemoArticle]) -> str:
    """The article's blocks as the page renders them: `data-component` divs inside <article>."""
    parts = [f'<div data-component="headline-block"><h1 id="main-heading">{escape(article.title)}</h1></div>',
             '<div data-component="byline-block"><div data-testid="byline">'
             f'<time datetime="{_iso(article.last_modified)}">{article.last_modified:%-d %B %Y}</time>'
             + "".join(f'<div data-testid="byline-name">By {escape(n)}</div>' for n in article.authors)
             + '<div data-testid="byline-role">BBC News</div></div></div>',
             '<figure data-component="image-block"><span>Image source, Getty Images</span>'
             f'<img src="{_ICHEF}/demo/{article.id}.jpg" alt="{escape(_caption(article))}">'
             f'<figcaption><span class="visually-hidden">Image caption, </span>{escape(_caption(article))}'
             "</figcaption></figure>"]
    for index, paragraph in enumerate(article.body):
        if paragraph.startswith("## "):
            parts.append(f'<div data-component="subheadline-block"><h2>{escape(paragraph[3:])}</h2></div>')
        else:
            parts.append(f'<div data-component="text-block"><p>{escape(paragraph)}</p></div>')
        if index == 2:
            parts.append('<div data-component="ad-slot"><div class="dotcom-ad">Advertisement</div></div>')
            if related:
                links = "".join(f'<li><a href="{escape(r.url)}">{escape(r.title)}</a></li>'
                                for r in related[:2])
                parts.append(f'<div data-component="text-block"><ul>{links}</ul></div>')
    if related:
        links = "".join(f'<li><a href="{escape(r.url)}">{escape(r.title)}</a></li>' for r in related[:3])
        parts.append(f'<div data-component="links-block"><h2>More on this story</h2><ul>{links}</ul></div>')
    tags = "".join(f'<li><a href="https://www.bbc.com/news/topics/demo-{i}">{escape(t)}</a></li>'
                   for i, t in enumerate(article.tags))
    parts.append(f'<div data-component="tag-list-block"><h2>Related Topics</h2><ul>{tags}</ul></div>')
    return "<article>" + "".join(parts) + "</article>"


def _page_frame(head: str, article_html: str, tail: str = "") -> str:
    return (head + '<body><header role="banner"><nav><a href="https://www.bbc.com/news">News</a> '
            '<a href="https://www.bbc.com/sport">Sport</a></nav></header><main id="main-content">'
            '<div id="dotcom-top" class="dotcom-ad"></div>' + article_html
            + '</main><footer><p>Copyright 2022 BBC. The BBC is not responsible for the content of external '
            "sites.</p></footer>" + tail + "</body></html>")


def article_page(article: DemoArticle, related: Sequence[DemoArticle]) -> str:
    """The article in the layout its address implies (see the module docstring)."""
    if "/news/articles/" not in article.path:
        return _page_frame(_head(article), _rendered(article, related))
    key = f'@"news","articles","{article.id}",'
    props = {
        "pageProps": {
            "metadata": {"contributor": ", ".join(article.authors), "description": article.lead,
                         "firstPublished": _millis(article.published),
                         "lastPublished": _millis(article.last_modified),
                         "section": {"name": article.section or "World", "uri": "/news/world"},
                         "seoHeadline": article.title, "type": "article"},
            "pageKey": key,
            "page": {key: {"id": article.id, "contents": blocks(article, related),
                           "topics": [{"title": t, "url": f"/news/topics/demo-{i}"}
                                      for i, t in enumerate(article.tags)],
                           "section": [{"title": article.section or "World", "url": "/news/world"}]}},
            "type": "article",
        },
        "__N_SSP": True,
    }
    data = {"props": props, "page": "/[[...slug]]", "query": {"slug": ["news", "articles", article.id]},
            "buildId": "newswatch-demo", "isFallback": False, "gssp": True}
    script = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
    return _page_frame(_head(article), _rendered(article, related), script)


def not_found() -> str:
    return ('<!DOCTYPE html><html lang="en-GB"><head><title>BBC - 404: Not Found</title></head><body>'
            "<h1>Page not found</h1></body></html>")


# -- feeds and sitemaps --
def rss(feed: str, items: Sequence[DemoArticle], built: datetime) -> str:
    """An RSS 2.0 feed, newest first, the way feeds.bbci.co.uk writes one."""
    title, link = FEED_TITLES[feed]
    entries = []
    for article in items:
        tracked = f"{article.url}?at_medium=RSS&at_campaign=rss"
        entries.append(
            f"<item><title><![CDATA[{article.title}]]></title>"
            f"<description><![CDATA[{article.lead}]]></description>"
            f"<link>{xml_escape(tracked)}</link>"
            f'<guid isPermaLink="true">{xml_escape(article.url)}#0</guid>'
            f"<pubDate>{format_datetime(article.last_modified.astimezone(UTC), usegmt=True)}</pubDate>"
            "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        f'version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title><![CDATA[{title}]]></title>'
        f"<description><![CDATA[{title} - News Front Page]]></description><link>{link}</link>"
        "<generator>RSS for Node</generator>"
        f"<lastBuildDate>{format_datetime(built.astimezone(UTC), usegmt=True)}</lastBuildDate>"
        "<copyright><![CDATA[Copyright: (C) British Broadcasting Corporation, see "
        "https://www.bbc.co.uk/usingthebbc/terms-of-use/#15metadataandrssfeeds for terms and conditions of "
        "reuse.]]></copyright><language><![CDATA[en-gb]]></language><ttl>15</ttl>"
        + "".join(entries) + "</channel></rss>\n"
    )


def sitemap_index(children: Sequence[tuple[str, datetime]]) -> str:
    entries = "".join(f"<sitemap><loc>{xml_escape(url)}</loc><lastmod>{_iso(when)}</lastmod></sitemap>"
                      for url, when in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n')


def urlset(items: Sequence[DemoArticle], news: bool) -> str:
    """A URL set; `news` adds the Google News extension (publication date and title) as the news map has."""
    entries = []
    for article in items:
        extra = ""
        if news:
            extra = ("<news:news><news:publication><news:name>BBC News</news:name><news:language>en"
                     f"</news:language></news:publication><news:publication_date>{_iso(article.published)}"
                     f"</news:publication_date><news:title>{xml_escape(article.title)}</news:title></news:news>")
        entries.append(f"<url><loc>{xml_escape(article.url)}</loc><lastmod>{_iso(article.last_modified)}"
                       f"</lastmod>{extra}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(entries) + "</urlset>\n")


ROBOTS = """User-agent: *
Disallow: /cbbc/search/
Disallow: /cbeebies/search
Disallow: /search/
Disallow: /news/0
Disallow: /ws/includes

Sitemap: https://www.bbc.com/sitemaps/https-index-com-news.xml
Sitemap: https://www.bbc.com/sitemaps/https-index-com-archive.xml
"""

FEEDS_ROBOTS = """User-agent: *
Allow: /
"""
