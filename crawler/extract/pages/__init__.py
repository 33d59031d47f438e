"""Page parsers, one module per site: `page_for(url, html)` picks the right page object for a URL.

Each site module exposes `page_for(url, html) -> ArticlePage | None` (None: not a page it knows, e.g. a BBC
Sport page); the generic extractor takes everything else.

May import `crawler.core`, and of `crawler.extract` its `urls`, `text` and `cleaning/`.
"""

from __future__ import annotations

from crawler.core.items import Article
from crawler.extract.pages.base import ArticlePage
from crawler.extract.urls import site_of


def page_for(url: str, html: str) -> ArticlePage:
    site = site_of(url)
    if site == "liputan6":
        from crawler.extract.pages import liputan6

        page = liputan6.page_for(url, html)
        if page is not None:
            return page
    elif site == "bbc":
        from crawler.extract.pages import bbc

        page = bbc.page_for(url, html)
        if page is not None:
            return page
    from crawler.extract.pages import generic

    return generic.page_for(url, html)


def parse_article(url: str, html: str) -> Article:
    """The clean article of a page. Raises NoArticleError when the page has no article body."""
    return page_for(url, html).to_article()
