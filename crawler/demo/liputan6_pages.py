"""Liputan6-style pages of the demo site, in the markup shapes of the recorded pages.

- Articles: the mobile layout (`article-header`, `article-content-body__item` sections with "n dari N
  halaman" breaks, "Infografis" and video closing sections) and the current desktop layout
  (`read-page--header--*`, `article-content-body__item-page`), each with its real noise: "Baca Juga" boxes,
  ad slots and "Advertisement" labels, share bars, the tag list.
- Listings: the date index and tag pages (`articles--rows--item`, `simple-pagination`), the homepage
  (`articles--iridescent-list`).
Every page carries the inline `window.kmklabs` data the real templates have (page type, article, gtm).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from crawler.demo.catalog import DemoArticle

WIB = timezone(timedelta(hours=7), "WIB")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
_CDN = "https://cdn1-production-images-kly.akamaized.net/demo"


def _wib(moment: datetime) -> datetime:
    return moment.astimezone(WIB)


def visible_date(moment: datetime) -> str:
    """'07 Jan 2022, 09:30 WIB', as the pages print it."""
    local = _wib(moment)
    return f"{local.day:02d} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} WIB"


def tag_slug(tag: str) -> str:
    return "-".join(tag.lower().split())


def _script(assignments: dict[str, object]) -> str:
    """The inline analytics data: `window.kmklabs.<key> = <json>;` per key, as the real templates write it."""
    lines = ["window.kmklabs = {};"]
    for key, value in assignments.items():
        lines.append(f"window.kmklabs.{key} = {json.dumps(value, ensure_ascii=False)};")
    return '<script type="text/javascript"> ' + "  ".join(lines) + " </script>"


def _head(title: str, description: str, url: str, og_type: str, extra: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="id"><head><title>{escape(title)}</title><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f'<meta name="description" content="{escape(description)}">'
        f'<meta content="Liputan6.com" name="author"><meta content="id" name="language">'
        f'<meta property="og:site_name" content="liputan6.com">'
        f'<meta property="og:url" content="{escape(url)}">'
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="og:description" content="{escape(description)}">'
        f'<meta property="og:type" content="{og_type}"><link rel="canonical" href="{escape(url)}">{extra}'
        f'<script>window.adblockExists=true;</script></head>'
    )


def _sections(article: DemoArticle) -> list[tuple[str | None, list[str]]]:
    """The body cut at its subheadings: [(subheading or None, paragraphs)]."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for paragraph in article.body:
        if paragraph.startswith("## "):
            sections.append((paragraph[3:], []))
        else:
            sections[-1][1].append(paragraph)
    return [s for s in sections if s[0] is not None or s[1]]


def _dateline(paragraph: str) -> str:
    return f"<p><b>Liputan6.com, Jakarta</b> - {escape(paragraph)}</p>"


def _baca_juga(related: Sequence[DemoArticle], host: str) -> str:
    items = "".join(f'<li><a href="https://{host}{escape(r.path)}" target="_blank" title="{escape(r.title)}">'
                    f"{escape(r.title)}</a></li>" for r in related[:3])
    return ('<div class="baca-juga" data-category="Internasional"><p class="baca-juga__header">Baca Juga</p>'
            f'<ul class="baca-juga__list">{items}</ul></div>')


def _article_meta(article: DemoArticle) -> str:
    published = _wib(article.published).isoformat()
    modified = _wib(article.last_modified).isoformat()
    ld = {"@context": "http://schema.org", "@type": "NewsArticle", "headline": article.title,
          "datePublished": published, "dateModified": modified, "description": article.lead,
          "author": {"@type": "Person", "name": article.authors[0] if article.authors else "Liputan6.com"},
          "publisher": {"@type": "Organization", "name": "Liputan6.com"}}
    return (f'<meta property="article:published_time" content="{published}">'
            f'<meta property="article:modified_time" content="{modified}">'
            f'<meta property="article:section" content="{escape(article.channel.title())}">'
            f'<meta name="keywords" content="{escape(", ".join(article.tags))}">'
            f'<meta property="og:image" content="{_CDN}/{article.id}/original/lead.jpg">'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>')


def _inline(article: DemoArticle) -> str:
    published = _wib(article.published)
    return _script({
        "pageType": "ReadPage",
        "channel": {"id": 274, "name": article.channel.title(), "full_slug": article.channel},
        "article": {"id": int(article.id), "title": article.title, "type": "TextTypeArticle",
                    "shortDescription": article.lead, "keywords": ",".join(article.tags),
                    "isMultipage": len(_sections(article)) > 1,
                    "publishDate": f"{published:%Y-%m-%d %H:%M:%S}"},
        "gtm": {"articleId": int(article.id), "articleTitle": article.slug, "category": "article",
                "editors": article.editor or "",
                "authors": {"type": "author", "names": ", ".join(article.authors)},
                "tag": "|".join(article.tags), "type": "TextTypeArticle",
                "publicationDate": f"{published:%Y-%m-%d}", "publicationTime": f"{published:%H:%M:%S}"},
    })


def _photo(article: DemoArticle, cls: str) -> str:
    caption = f"Ilustrasi: {article.title}. (Liputan6.com/Demo)"
    return (f'<div class="{cls} article-photo-gallery--item_normal" id="gallery-image-{article.id}" '
            f'data-image="{_CDN}/{article.id}/original/lead.jpg" data-description="{escape(caption)}">'
            f'<div class="article-photo-gallery--item__content"><picture><img class="js-lazyload" '
            f'src="https://cdn-production-assets-kly.akamaized.net/assets/images/blank.png" '
            f'data-src="{_CDN}/{article.id}/original/lead.jpg" alt="{escape(article.title)}"></picture>'
            f'<div class="article-photo-gallery--item__button-zoom">Perbesar</div></div>'
            f'<div class="article-photo-gallery--item__description"><span>{escape(caption)}</span></div>'
            "</div>")


def mobile_article(article: DemoArticle, related: Sequence[DemoArticle]) -> str:
    """The mobile read page (m.liputan6.com, and www for articles whose layout is "mobile")."""
    sections = _sections(article)
    promos = [("Infografis Kronologi Krisis Kazakhstan", "infographic"),
              ("Saksikan Video Pilihan Berikut Ini:", "video")] if article.promo else []
    total = len(sections) + len(promos)
    parts: list[str] = []
    for number, (heading, paragraphs) in enumerate(sections, start=1):
        html = [f'<h2 class="article-content-body__item-title">{escape(heading)}</h2>'] if heading else []
        html.append('<div class="article-raw-content">')
        for index, paragraph in enumerate(paragraphs):
            html.append(_dateline(paragraph) if number == 1 and index == 0 else f"<p>{escape(paragraph)}</p>")
            if number == 1 and index == 1:
                html.append('<div id="div-gpt-ad-liputan6-dfp-exposer-oop"><script>googletag.cmd.push('
                            'function() { googletag.display("div-gpt-ad-liputan6-dfp-exposer-oop"); });'
                            "</script></div>")
                html.append(_baca_juga(related, "m.liputan6.com"))
                html.append('<div class="seamless-ads" data-component="mobile:seamless-ads">'
                            '<a class="seamless-ads__link" href="javascript:void(0)">Advertisement</a></div>')
        html.append("</div>")
        parts.append(_section_end("".join(html), number, total))
    for offset, (heading, kind) in enumerate(promos, start=len(sections) + 1):
        media = _photo(article, "article-photo-gallery--item") if kind == "infographic" else (
            f'<div id="video-{article.id}" class="article-video-gallery--item"><iframe class="vidio-embed" '
            f'data-src="https://www.vidio.com/embed/{article.id}-demo"></iframe></div>')
        heading_html = f'<h2 class="article-content-body__item-title">{escape(heading)}</h2>'
        parts.append(_section_end(heading_html + media, offset, total))
    authors = "".join(f'<span><a class="article-header__author-link" href="https://m.liputan6.com/me/'
                      f'{tag_slug(name).replace("-", "")}">{escape(name)}</a></span>'
                      for name in article.authors)
    tags = "".join(f'<li class="tags--topics--item"><a class="tags--topics--item__link" '
                   f'href="https://m.liputan6.com/tag/{tag_slug(tag)}">{escape(tag)}</a></li>'
                   for tag in article.tags)
    canonical = article.url
    return (
        _head(f"{article.title} - {article.channel.title()} Liputan6.com", article.lead, canonical, "article",
              _article_meta(article) + _inline(article))
        + '<body><div class="article">'
        '<div class="article-readpage" data-component-name="mobile:article-readpage">'
        '<div class="read-page-upper" data-component-name="mobile:read-page-upper">'
        '<div class="article-readpage--section"><ul class="breadcrumb"><li class="breadcrumb--item">'
        '<a class="breadcrumb--item__link" href="https://m.liputan6.com"><span>Home</span></a></li>'
        f'<li class="breadcrumb--item"><a class="breadcrumb--item__link" href="https://m.liputan6.com/'
        f'{article.channel}"><span>{escape(article.channel.title())}</span></a></li></ul></div>'
        '<div class="article-readpage--section"><div class="article-header">'
        f'<h1 class="article-header__title">{escape(article.title)}</h1>'
        f'<span class="article-header__authors">Oleh{authors}</span>'
        f'<span class="article-header__datetime">pada {visible_date(article.published)}</span>'
        '<div class="article-header__modified-time"><span class="article-header__modified-time__text">'
        f'Diperbarui</span> {visible_date(article.last_modified)}</div></div></div>'
        + _photo(article, "article-photo-gallery--item")
        + '<div id="div-gpt-ad-liputan6-hl"><script>googletag.display("div-gpt-ad-liputan6-hl");</script>'
        "</div>"
        '<div class="article-readpage--section"><div class="share-buttons" id="top-share-buttons">'
        '<span class="share-buttons--item"><a class="share-buttons--item__link" href="https://www.facebook.com/'
        'sharer/sharer.php">Bagikan</a></span></div></div>'
        '<div class="article-readpage--section"><div class="article-content-body multisection">'
        + "".join(parts)
        + '<div class="article-content-body__load-more yeah">Lanjutkan Membaca ↓</div></div></div>'
        '<div class="article-readpage--section">'
        '<div class="tags--topics" data-component="mobile:tags:topics">'
        '<h2 class="tags--topics--new-experience__title">Tag Terkait</h2>'
        f'<ul class="tags--topics__list">{tags}'
        '</ul></div></div></div></div></div></body></html>'
    )


def _section_end(inner: str, number: int, total: int) -> str:
    ad = (f'<span class="article-content-body__item-overlay"></span><div id="gpt-ad-liputan6-sc-{number}" '
          f'class="article-ad"></div>')
    counter = "" if number == total else (
        '<div class="article-content-body__break">'
        f'<div class="article-content-body__item-index">{number + 1} dari {total} halaman</div>'
        '<hr class="article-content-body__line-break"></div>')
    return f'<div class="article-content-body__item">{inner}{ad}{counter}</div>'


def desktop_article(article: DemoArticle, related: Sequence[DemoArticle]) -> str:
    """The current desktop read page (www.liputan6.com): one `__item-page` per section of the text."""
    pages: list[str] = []
    for number, (heading, paragraphs) in enumerate(_sections(article), start=1):
        html = [f'<h2 class="article-content-body__item-title">{escape(heading)}</h2>'] if heading else []
        html.append('<div class="article-content-body__item-content">')
        for index, paragraph in enumerate(paragraphs):
            html.append(_dateline(paragraph) if number == 1 and index == 0 else f"<p>{escape(paragraph)}</p>")
            if number == 1 and index == 1:
                links = "".join(f'<div class="baca-juga-collections__detail"> BACA JUGA: <a href="https://'
                                f'www.liputan6.com{escape(r.path)}">{escape(r.title)}</a></div>'
                                for r in related[:2])
                html.append(f'<div class="baca-juga-collections">{links}</div>')
            if number == 1 and index == 2:
                # The label printed above an ad slot, outside any ad markup the selectors know.
                html.append('<div><p>ADVERTISEMENT</p><div id="div-gpt-ad-liputan6-sc-1" data-info="ad">'
                            '</div></div>')
        html.append("</div>")
        inner = "".join(html)
        pages.append(f'<div class="article-content-body__item-page" data-page="{number}">{inner}</div>')
    authors = "".join(f'<a class="read-page--header--author__link" href="https://www.liputan6.com/me/'
                      f'{tag_slug(n).replace("-", "")}">'
                      f'<span class="read-page--header--author__name">{escape(n)}</span></a>'
                      for n in article.authors)
    tags = "".join(f'<li class="tags--snippet__item"><a class="tags--snippet__link" href="https://www.liputan6.com/'
                   f'tag/{tag_slug(t)}"><span class="tags--snippet__name">{escape(t)}</span></a></li>'
                   for t in article.tags)
    published = _wib(article.published)
    return (
        _head(f"{article.title} - {article.channel.title()} Liputan6.com", article.lead, article.url,
              "article", _article_meta(article) + _inline(article))
        + '<body><div id="main" class="container-main"><article class="main" id="article-'
        f'{article.id}"><header class="read-page--header">'
        f'<h1 class="read-page--header--title entry-title">{escape(article.title)}</h1>'
        f'<div class="read-page--header--author">{authors}'
        f'<time class="read-page--header--author__datetime updated" datetime="{published:%Y-%m-%d %H:%M:%S}">'
        f"{visible_date(article.published)}</time></div></header>"
        '<div class="read-page--social-share"><a href="https://www.facebook.com/sharer/sharer.php">Bagikan</a>'
        '</div><div class="read-page--top-media"><figure class="read-page--photo-gallery--item">'
        f'<img src="{_CDN}/{article.id}/original/lead.jpg" alt="{escape(article.title)}">'
        f"<figcaption>Ilustrasi: {escape(article.title)}. (Liputan6.com/Demo)</figcaption></figure></div>"
        '<div class="article-content-body article-content-body_with-aside">' + "".join(pages) + "</div>"
        f'<div class="tags--snippet"><ul class="tags--snippet__list">{tags}</ul></div>'
        '<div class="advertisement-placeholder"><span class="advertisement-text">Advertisement</span></div>'
        "</article></div></body></html>"
    )


def article_page(article: DemoArticle, related: Sequence[DemoArticle], mobile_host: bool) -> str:
    """The article in its layout: the mobile one on m.liputan6.com, its own layout on www."""
    if mobile_host or article.layout == "mobile":
        return mobile_article(article, related)
    return desktop_article(article, related)


def _row(article: DemoArticle, host: str) -> str:
    url = f"https://{host}{article.path}"
    local = _wib(article.published)
    return (
        f'<article class="articles--rows--item" id="article_{article.id}" data-slug="{escape(article.slug)}">'
        f'<figure class="articles--rows--item__figure-thumbnail"><a href="{escape(url)}" '
        f'title="{escape(article.title)}"><img class="articles--rows--item__figure-image" '
        f'src="{_CDN}/{article.id}/small/thumb.jpg" alt="{escape(article.title)}"></a></figure>'
        '<aside class="articles--rows--item__details"><header class="articles--rows--item__header">'
        f'<a href="https://{host}/{article.channel}" class="articles--rows--item__category">'
        f'{escape(article.channel.title())}</a><span class="articles--rows--item__datetime">'
        f'<time class="articles--rows--item__time" datetime="{local.isoformat()}">{local:%d} '
        f'{_MONTHS[local.month - 1]} {local:%Y %H:%M}</time></span><h4 class="articles--rows--item__title">'
        f'<a href="{escape(url)}" class="articles--rows--item__title-link" title="{escape(article.title)}">'
        f'{escape(article.title)}</a></h4></header>'
        f'<div class="articles--rows--item__summary">{escape(article.lead)}</div></aside></article>'
    )


def _pagination(base: str, page: int, pages: int) -> str:
    def link(number: int) -> str:
        if number == page:
            return ('<li class="simple-pagination__page-number">'
                    '<span class="simple-pagination__page-number-link '
                    f'simple-pagination__page-number-link_active">{number}</span></li>')
        return (f'<li class="simple-pagination__page-number"><a class="simple-pagination__page-number-link" '
                f'href="{escape(base)}?page={number}">{number}</a></li>')

    nxt = (f'<a class="simple-pagination__next-link" href="{escape(base)}?page={page + 1}">NEXT</a>'
           if page < pages else '<span class="simple-pagination__next-link_disabled">NEXT</span>')
    numbers = "".join(link(n) for n in range(1, pages + 1))
    return (f'<div class="simple-pagination"><div class="simple-pagination__container">'
            f'<ul class="simple-pagination__page-numbers js-pagination">{numbers}</ul>{nxt}</div></div>')


def listing_page(kind: str, heading: str, url: str, items: Sequence[DemoArticle], page: int,
                 pages: int) -> str:
    """A date index (`kind` "IndexPage") or tag page ("TagPage"): one page of rows, newest first.

    A page past the last one is served like the real site does: the frame with an empty list.
    """
    base = url.split("?", 1)[0]
    rows = "".join(_row(article, "www.liputan6.com") for article in items)
    return (
        _head(f"{heading} - Liputan6.com", f"{heading}: berita terkini di Liputan6.com", url, "website",
              _script({"pageType": kind}))
        + '<body><div id="main" class="container-main"><nav class="navbar"><a href="https://www.liputan6.com/">'
        'Liputan6.com</a> <a href="https://www.liputan6.com/news">News</a> <a href="https://www.liputan6.com/'
        'global">Global</a> <a href="https://www.liputan6.com/bola">Bola</a></nav>'
        f'<h1 class="indeks-header-title">{escape(heading)}</h1>'
        '<section id="indeks-articles" class="box"><div class="articles--list articles--list_rows">'
        + rows + "</div></section>" + (_pagination(base, page, pages) if pages > 1 else "")
        + "</div></body></html>"
    )


def _tile(article: DemoArticle) -> str:
    local = _wib(article.published)
    return (
        f'<article class="articles--iridescent-list--item articles--iridescent-list--text-item" '
        f'id="article_{article.id}"><figure class="articles--iridescent-list--text-item__figure-thumbnail">'
        f'<a href="{escape(article.url)}" title="{escape(article.title)}"><img src="{_CDN}/{article.id}/'
        f'small/thumb.jpg" alt=""></a></figure><aside class="articles--iridescent-list--text-item__details">'
        f'<header class="articles--iridescent-list--text-item__header"><h4 class="articles--iridescent-list--'
        f'text-item__title"><a href="{escape(article.url)}"><span>{escape(article.title)}</span></a></h4>'
        f'<span class="articles--iridescent-list--text-item__datetime"><time class="timeago" '
        f'datetime="{local.isoformat()}">{local:%d} {_MONTHS[local.month - 1]} {local:%Y %H:%M}</time></span>'
        f'</header><div class="articles--iridescent-list--text-item__summary">{escape(article.lead)}</div>'
        "</aside></article>"
    )


def homepage(latest: Sequence[DemoArticle], popular: Sequence[DemoArticle]) -> str:
    """The homepage: the latest articles, and a "Terpopuler" box that may still link deleted ones."""
    tiles = "".join(_tile(article) for article in latest)
    box = "".join(f'<li class="article-snippet--numbered"><a href="{escape(a.url)}?medium=Populer&amp;'
                  f'campaign=Populer_click_{n}">{escape(a.title)}</a></li>' for n, a in enumerate(popular, 1))
    return (
        _head("Liputan6.com: Berita Hari Ini, Kabar Terbaru Terkini Indonesia", "Berita terkini hari ini.",
              "https://www.liputan6.com/", "website",
              '<meta property="article:published_time" content="[publishdate]">'
              + _script({"pageType": "HomePage"}))
        + '<body><div id="main" class="container-main"><div class="articles--iridescent-list" '
        'data-component-name="desktop:articles:iridescent-list">'
        '<div id="div-gpt-ad-liputan6-crm-headline-oop" data-info="ad"></div>' + tiles
        + '</div><aside class="popular"><h3>Terpopuler</h3><ol>' + box
        + "</ol></aside></div></body></html>"
    )


def not_found() -> str:
    return (_head("Halaman Tidak Ditemukan - Liputan6.com", "Halaman tidak ditemukan.",
                  "https://www.liputan6.com/404", "website", _script({"pageType": "ErrorPage"}))
            + "<body><h1>Halaman tidak ditemukan</h1></body></html>")


# The channels whose feeds the default config polls, at feed.liputan6.com/rss/<channel> and
# www.liputan6.com/<channel>/feed/rss.
FEED_CHANNELS = ("global", "news")


def rss(channel: str, items: Sequence[DemoArticle], built: datetime) -> str:
    """An RSS 2.0 feed of one channel, newest first, dates in WIB (+0700)."""
    entries = []
    for article in items:
        entries.append(
            f"<item><title>{xml_escape(article.title)}</title>"
            f"<link>{xml_escape(article.url)}</link>"
            f'<guid isPermaLink="true">{xml_escape(article.url)}</guid>'
            f"<description>{xml_escape(article.lead)}</description>"
            f"<category>{xml_escape(article.channel.title())}</category>"
            f"<pubDate>{format_datetime(_wib(article.published))}</pubDate></item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Liputan6.com - {channel.title()}</title><link>https://www.liputan6.com/{channel}</link>"
        f"<description>Berita {channel.title()} terkini</description><language>id</language>"
        f"<lastBuildDate>{format_datetime(_wib(built))}</lastBuildDate>"
        + "".join(entries) + "</channel></rss>\n"
    )


ROBOTS = """User-agent: *
Disallow: /search
Disallow: /me/
Disallow: /amp/

Sitemap: https://www.liputan6.com/sitemap.xml
"""
