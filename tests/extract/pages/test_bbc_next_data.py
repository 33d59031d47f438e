"""BBC News pages of the 2024-2026 layout (`__NEXT_DATA__`), field by field, against fundus's ground truth.

fundus/BBC.json holds, for each recorded page, the title, authors, date, topics and the body as sections
(subheading + paragraphs); the tests read it directly. Where it disagrees with the issue (fundus lists the
publisher "BBC News" as an author) the issue wins and the test says so.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache

import pytest

from crawler.core.items import Article
from crawler.extract.pages import bbc
from tests.conftest import fixture_html, shared_path

PAGES = {
    "V1": ("bbc/fundus/BBC_2024_08_01.html", "https://www.bbc.com/news/explainers-63159607"),
    "V2": ("bbc/fundus/BBC_2026_04_25.html", "https://www.bbc.com/news/articles/clymn8zyrp9o"),
}


@cache
def truth() -> dict:
    return json.loads(shared_path("fixtures/bbc/fundus/BBC.json").read_text(encoding="utf-8"))


@cache
def html_of(key: str, without_embedded_data: bool = False) -> str:
    html = fixture_html(PAGES[key][0])
    if without_embedded_data:
        # The same real page with its JSON unreadable: what the HTML fallback has to work with.
        assert 'id="__NEXT_DATA__"' in html
        html = html.replace('id="__NEXT_DATA__"', 'id="next-data-hidden"')
    return html


@cache
def article(key: str, without_embedded_data: bool = False) -> Article:
    page = bbc.page_for(PAGES[key][1], html_of(key, without_embedded_data))
    assert page is not None
    return page.to_article()


def expected_paragraphs(key: str) -> list[str]:
    body = truth()[key]["body"]
    out = list(body["summary"])
    for section in body["sections"]:
        out.extend(section["headline"])
        out.extend(section["paragraphs"])
    return out


@pytest.mark.parametrize("key", PAGES)
def test_title(key: str) -> None:
    assert article(key).title == truth()[key]["title"]


@pytest.mark.parametrize("key", PAGES)
def test_published_at(key: str) -> None:
    published = article(key).published_at
    assert published is not None
    assert datetime.fromisoformat(published) == datetime.fromisoformat(truth()[key]["publishing_date"])
    assert published.endswith("+00:00")  # the page states UTC ("Z")


@pytest.mark.parametrize("key", PAGES)
def test_tags_are_the_topics(key: str) -> None:
    assert article(key).tags == truth()[key]["topics"]


@pytest.mark.parametrize("key", PAGES)
def test_body_is_the_sections_in_order(key: str) -> None:
    assert article(key).paragraphs == expected_paragraphs(key)


@pytest.mark.parametrize("key", PAGES)
def test_html_fallback_reads_the_same_body(key: str) -> None:
    assert article(key, without_embedded_data=True).paragraphs == expected_paragraphs(key)


@pytest.mark.parametrize("key", PAGES)
def test_html_fallback_reads_the_same_tags(key: str) -> None:
    assert article(key, without_embedded_data=True).tags == truth()[key]["topics"]


def test_authors_v1_no_person_named() -> None:
    # fundus gives ["BBC News"]: the publisher, which the issue rules out. The page has no byline.
    assert truth()["V1"]["authors"] == ["BBC News"]
    assert article("V1").authors == []


def test_authors_v2() -> None:
    assert article("V2").authors == truth()["V2"]["authors"] == ["Duncan Walker"]
    assert article("V2", without_embedded_data=True).authors == ["Duncan Walker"]


@pytest.mark.parametrize(("key", "article_id"), [("V1", "explainers-63159607"), ("V2", "clymn8zyrp9o")])
def test_identity(key: str, article_id: str) -> None:
    got = article(key)
    assert got.source == "bbc"
    assert got.article_id == article_id
    assert got.url == PAGES[key][1]
    assert got.language == "en"
    assert got.kind == "article"


def test_section() -> None:
    assert article("V1").section == "Explainers"
    assert article("V2").section == "Europe"


def test_modified_at() -> None:
    # JSON-LD dateModified: "2024-07-30T15:00:54.000Z" and "2026-04-24T11:16:53.545Z".
    assert article("V1").modified_at == "2024-07-30T15:00:54+00:00"
    modified = article("V2").modified_at
    assert modified is not None and modified.startswith("2026-04-24T11:16:53")


def test_lead() -> None:
    assert article("V1").lead == "Why was the Office for Budget Responsibility created and what does it do?"
    lead = article("V2").lead
    assert lead is not None and lead.startswith("The US is considering options for punishing Nato allies")


def test_related_story_boxes_left_out() -> None:
    # In-body boxes of links to other stories: a link list (V1) and a links block (V2).
    assert "How the government raises and spends" not in article("V1").body
    assert "No 10 says Falklands sovereignty rests with UK" not in article("V2").body


def test_captions_and_credits_left_out() -> None:
    v1, v2 = article("V1"), article("V2")
    assert "were criticised for not working with the OBR" not in v1.body
    assert "Nato was founded in Washington DC in 1949" not in v2.paragraphs
    assert "Getty Images" not in v2.body


def test_images_are_the_articles_own() -> None:
    v2 = article("V2")
    # Five pictures in the story (the grey placeholders are not pictures).
    assert len(v2.images) == 5
    assert all("ichef.bbci.co.uk" in img.url for img in v2.images)
    assert "e1498860-2240-11f1-9b13-8f9ee895ecd6" in v2.images[0].url  # the lead image
    assert v2.images[1].caption == "Nato was founded in Washington DC in 1949"


def test_images_html_fallback() -> None:
    v1 = article("V1", without_embedded_data=True)
    assert len(v1.images) == 2
    caption = v1.images[1].caption
    assert caption is not None
    assert caption.startswith("Former PM Liz Truss and her then chancellor Kwasi Kwarteng were criticised")


def test_whole_page_never_goes_through_beautifulsoup() -> None:
    for without in (False, True):
        page = bbc.page_for(PAGES["V2"][1], html_of("V2", without))
        assert page is not None
        page.to_article()
        assert "soup" not in page.__dict__  # only the article fragment may be parsed with bs4
