"""Synthetic pages for crawl tests, in the real sites' markup shapes, with the test suite's own text.

Templates live in tests/crawl/data; recorded third-party pages are read from ../shared, never from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path

from tests.servers import Reply

DATA = Path(__file__).resolve().parent / "data"
_L6_PATH = re.compile(r"^/[a-z0-9-]+/read/(?P<id>\d+)(/[^?]*)?")
_BBC_PATH = re.compile(r"^/news/(articles/(?P<id>[a-z0-9]+)|(?P<old>[a-z0-9-]+-\d{6,}))$")


def _fill(template: str, url: str, article_id: str, title: str, date: str) -> bytes:
    text = (DATA / template).read_text(encoding="utf-8")
    for key, value in {"@URL@": url, "@ID@": article_id, "@TITLE@": escape(title), "@DATE@": date}.items():
        text = text.replace(key, value)
    return text.encode("utf-8")


def liputan6_article(url: str, article_id: str, title: str | None = None,
                     date: str = "2022-01-07T10:00:00+07:00") -> bytes:
    return _fill("liputan6_article.html", url, article_id, title or f"Berita uji {article_id}", date)


def bbc_article(url: str, article_id: str, title: str | None = None,
                date: str = "2022-01-07T10:00:00Z") -> bytes:
    return _fill("bbc_article.html", url, article_id, title or f"Test story {article_id}", date)


def liputan6_article_handler(prefix: str, host: str = "www.liputan6.com") -> Callable[[str], Reply | None]:
    """A server handler answering every /<channel>/read/<id>/<slug> under `prefix` with a made-up article."""

    def handler(path: str) -> Reply | None:
        match = _L6_PATH.match(path[len(prefix):])
        if not match:
            return None
        real = f"https://{host}{path[len(prefix):].split('?')[0]}"
        return Reply(200, liputan6_article(real, match.group("id")),
                     {"Content-Type": "text/html; charset=utf-8"})

    return handler


def bbc_article_handler(prefix: str) -> Callable[[str], Reply | None]:
    """A server handler answering every BBC News article path under `prefix` with a synthetic article."""

    def handler(path: str) -> Reply | None:
        bare = path[len(prefix):].split("?")[0]
        match = _BBC_PATH.match(bare)
        if not match:
            return None
        article_id = match.group("id") or match.group("old")
        return Reply(200, bbc_article(f"https://www.bbc.com{bare}", article_id),
                     {"Content-Type": "text/html; charset=utf-8"})

    return handler


def liputan6_listing(items: Iterable[tuple[str, str, str, str]], extra: str = "") -> bytes:
    """A Liputan6 index/tag page: items of (url, title, lead, ISO datetime), in the iridescent-list markup,
    plus `extra` HTML (menus, widgets) around the list."""
    rows = []
    for url, title, lead, when in items:
        rows.append(
            f'<article class="articles--iridescent-list--item articles--iridescent-list--text-item">'
            f'<figure class="articles--iridescent-list--text-item__figure-thumbnail">'
            f'<a href="{escape(url)}" title="{escape(title)}"><img src="/x.jpg" alt=""></a></figure>'
            f'<aside class="articles--iridescent-list--text-item__details">'
            f'<header class="articles--iridescent-list--text-item__header">'
            f'<h4 class="articles--iridescent-list--text-item__title"><a href="{escape(url)}">'
            f'<span>{escape(title)}</span></a></h4>'
            f'<span class="articles--iridescent-list--text-item__datetime">'
            f'<time class="timeago" datetime="{when}">{when}</time></span></header>'
            f'<div class="articles--iridescent-list--text-item__summary">{escape(lead)}</div>'
            f'</aside></article>'
        )
    body = "\n".join(rows)
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Indeks</title></head><body>'
            f'<nav>{extra}</nav><div class="articles--iridescent-list">{body}</div></body></html>').encode()
