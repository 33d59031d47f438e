"""A canonical link naming another article never gives a page that article's identity (issue 13, D2; the
crawl test is tests/reliability/test_canonical_identity.py)."""

from __future__ import annotations

from dataclasses import replace

from crawler.extract.pages import parse_article
from crawler.extract.urls import names_this_page
from tests.reliability.faults_helpers import article_html, articles

L6 = "https://www.liputan6.com/global/read/"


def test_names_this_page() -> None:
    assert names_this_page(f"{L6}4828015/slug", "https://m.liputan6.com/global/read/4828015/other-slug")
    assert not names_this_page(f"{L6}4828015/slug", f"{L6}9000007/x")
    assert not names_this_page("https://www.liputan6.com/", f"{L6}9000007/x")
    assert names_this_page(f"{L6}4828015/slug", "file:///tmp/saved.html")  # no id fetched: the link's word
    assert not names_this_page("https://www.bbc.com/news/world-asia-59894488",
                               "https://www.bbc.co.uk/news/world-asia-59900000")


def test_a_liputan6_page_keeps_the_id_of_its_own_address() -> None:
    item = replace(articles(1)[0], article_id="9000007", slug="x", canonical=f"{L6}4828015/protes")
    article = parse_article(item.url, article_html(item).decode())
    assert (article.article_id, article.url) == ("9000007", item.url)


def test_a_canonical_naming_the_same_article_is_still_used() -> None:
    item = replace(articles(1)[0], article_id="4828015", slug="x",
                   canonical=f"{L6}4828015/protes?utm_source=a")
    article = parse_article("https://m.liputan6.com/global/read/4828015/x", article_html(item).decode())
    assert (article.article_id, article.url) == ("4828015", f"{L6}4828015/protes")
