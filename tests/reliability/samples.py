"""Made-up pages for the bad-input tests, in the real sites' markup shapes, with the suite's own sentences.

Every text here was written for these tests. Recorded third-party pages are read from ../shared through
tests.conftest, never copied here.
"""

from __future__ import annotations

import json
import zlib
from html import escape

L6 = "https://www.liputan6.com"
BBC = "https://www.bbc.com"

# Sentences with the characters that tell encodings apart: accented letters, the euro sign and curly quotes
# (0x80 and 0x93/0x94 in windows-1252, undefined in ISO-8859-1 proper).
WESTERN_SENTENCE = "The café owner said the naïve “emergency fee” of 5 € was dropped."
WESTERN_START = "The café owner said the naïve “emergency fee”"
INDONESIAN_SENTENCE = ("Ini adalah paragraf uji yang ditulis sendiri untuk menguji perayap terhadap "
                       "masukan rusak.")


def liputan6_url(article_id: str, slug: str = "uji") -> str:
    return f"{L6}/global/read/{article_id}/{slug}"


def liputan6_page(article_id: str, title: str, paragraphs: list[str], *, charset: str | None = "utf-8",
                  head_extra: str = "", body_before: str = "", declaration: str = "") -> str:
    """A Liputan6 desktop-layout article page (the `article-content-body` family) as text."""
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    url = liputan6_url(article_id)
    return (
        f'{declaration}<!DOCTYPE html><html lang="id"><head>{meta}<title>{escape(title)}</title>'
        f'<link rel="canonical" href="{url}">'
        f'<meta property="article:published_time" content="2022-01-07T10:00:00+07:00">{head_extra}</head>'
        f'<body>{body_before}<article class="main"><header class="read-page--header">'
        f'<h1 class="read-page--header--title entry-title">{escape(title)}</h1></header>'
        f'<div class="article-content-body"><div class="article-content-body__item-page">'
        f'<div class="article-content-body__item-content">{body}</div></div></div></article></body></html>'
    )


def bbc_url(article_id: str = "world-asia-59897658") -> str:
    return f"{BBC}/news/{article_id}"


def bbc_page(title: str, paragraphs: list[str], *, charset: str | None = "utf-8",
             head_extra: str = "") -> str:
    """A BBC News rendered-block article page as text."""
    meta = f'<meta charset="{charset}">' if charset else ""
    blocks = "".join(f'<div data-component="text-block"><p>{escape(p)}</p></div>' for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head>{meta}<title>{escape(title)} - BBC News</title>'
        f'<link rel="canonical" href="{bbc_url()}">{head_extra}</head><body><main><article>'
        f'<div data-component="headline-block"><h1>{escape(title)}</h1></div>{blocks}</article></main>'
        f'</body></html>'
    )


def rss(items: list[dict[str, str]], *, doctype: str = "", channel_title: str = "Uji") -> bytes:
    """An RSS 2.0 feed; each item a dict of element name -> raw (already escaped) XML text."""
    rows = "".join("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>"
                   for item in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel>'
            f"<title>{channel_title}</title><link>{L6}/</link>{rows}</channel></rss>").encode()


def sitemap(urls: list[str], *, doctype: str = "", index: bool = False) -> bytes:
    kind, entry = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    rows = "".join(f"<{entry}><loc>{escape(u)}</loc></{entry}>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
            f'<{kind} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</{kind}>').encode()


def billion_laughs(root: str, levels: int = 10, width: int = 10) -> str:
    """The classic entity-expansion DOCTYPE: `&lol{levels-1};` expands to width**levels copies of a word.

    Written on one line on purpose: feedparser's own DOCTYPE filter only sees declarations that start a line.
    """
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{n} "' + f"&lol{n - 1};" * width + '">' for n in range(1, levels)]
    return f"<!DOCTYPE {root} [" + "".join(entities) + "]>"


def xxe(root: str, target: str) -> str:
    """A DOCTYPE declaring `&xxe;` as the content of `target` (a file:// URL) and `%pe;` as a parameter
    entity loaded from it."""
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{target}"><!ENTITY % pe SYSTEM "{target}"> %pe;]>'


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A small gzip member that inflates to `inflated_bytes` of one repeated byte (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    chunk = b"<" * (1024 * 1024)
    parts = []
    remaining = inflated_bytes
    while remaining > 0:
        piece = chunk[: min(len(chunk), remaining)]
        parts.append(compressor.compress(piece))
        remaining -= len(piece)
    parts.append(compressor.flush())
    return b"".join(parts)


def next_data_script(payload: object) -> str:
    return f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(payload)}</script>'
