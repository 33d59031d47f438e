"""Which BBC pages the News parser takes, and the identity it gives them whatever address they came from."""

from __future__ import annotations

import json

import pytest

from crawler.core.errors import NoArticleError
from crawler.extract.pages import bbc, bbc_blocks
from tests.conftest import fixture_html, shared_path

SPORT = "bbc/fundus/BBC_2024_07_25.html"
SPORT_URL = "https://www.bbc.co.uk/sport/cricket/articles/c4n1l6wx98go"
CHINESE = "bbc/other/goose3_test_bbc_chinese.html"
CHINESE_URL = "http://www.bbc.co.uk/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml"
BURIALS = "bbc/trafilatura_bbc.com.52241221.html"
NATO = "bbc/fundus/BBC_2026_04_25.html"


def test_sport_page_is_left_to_the_generic_extractor() -> None:
    assert bbc.page_for(SPORT_URL, fixture_html(SPORT)) is None


def test_sport_page_is_refused_even_under_a_news_address() -> None:
    # Its canonical link says Sport: the page's own word beats the address it was fetched from.
    assert bbc.page_for("https://www.bbc.com/news/world-12345678", fixture_html(SPORT)) is None


def test_world_service_language_page_is_left_to_the_generic_extractor() -> None:
    assert bbc.page_for(CHINESE_URL, fixture_html(CHINESE)) is None


@pytest.mark.parametrize(
    "address",
    [
        "https://www.bbc.co.uk/news/world-us-canada-52241221",
        "http://www.bbc.com/news/world-us-canada-52241221?at_medium=RSS&at_campaign=KARANGA#0",
        "https://bbc.co.uk/news/world-us-canada-52241221?utm_source=twitter",
    ],
)
def test_same_identity_from_any_address(address: str) -> None:
    page = bbc.page_for(address, fixture_html(BURIALS))
    assert page is not None
    assert page.article_id() == "world-us-canada-52241221"
    assert page.url() == "https://www.bbc.com/news/world-us-canada-52241221"


def test_newest_id_from_a_couk_address() -> None:
    page = bbc.page_for("https://www.bbc.co.uk/news/articles/clymn8zyrp9o?at_medium=RSS", fixture_html(NATO))
    assert page is not None
    assert page.article_id() == "clymn8zyrp9o"


def test_initial_data_reader_on_a_recorded_page() -> None:
    """The 2021-2024 embedded data, read from the Sport page (the only recorded page that carries it)."""
    expected = json.loads(shared_path("fixtures/bbc/fundus/BBC.json.at_30b6cf33").read_text())["V1"]
    found = bbc_blocks.from_initial_data(fixture_html(SPORT))
    assert found is not None
    assert found.topics == expected["topics"]
    assert bbc_blocks.headline(found.blocks) == "Zimbabwe in Ireland 2024"  # the page's h1
    paragraphs = bbc_blocks.body_paragraphs(found.blocks)
    assert paragraphs[-1].startswith("NB Fixtures and start times are subject to change.")
    first = bbc_blocks.epoch_ms_iso(found.metadata.get("firstPublished"))
    assert first == "2024-05-12T12:52:40+00:00"  # fundus: 2024-05-12 12:52:40.566000+00:00


def _story(paragraphs: str) -> str:
    body = f'<div class="story-body"><div property="articleBody">{paragraphs}</div></div>'
    return f"<html><body>{body}</body></html>"


def test_page_without_body_raises_no_article() -> None:
    page = bbc.page_for("https://www.bbc.com/news/world-asia-59890023", "<html><body></body></html>")
    assert page is not None
    with pytest.raises(NoArticleError):
        page.to_article()


def test_inline_links_join_their_sentence() -> None:
    markup = '<p>Protests spread <a href="/x">across <b>the</b> country</a> on Wednesday.</p>'
    page = bbc.page_for("https://www.bbc.com/news/world-asia-59890023", _story(markup))
    assert page is not None
    assert page.to_article().paragraphs == ["Protests spread across the country on Wednesday."]


def test_photo_story_kind() -> None:
    page = bbc.page_for("https://www.bbc.com/news/in-pictures-59894412", _story("<p>One picture.</p>"))
    assert page is not None
    assert page.to_article().kind == "photo"


@pytest.mark.parametrize(
    "address",
    [
        "https://www.bbc.com/sport/football/59890023",
        "https://www.bbc.com/news/av/world-asia-59890023",
        "https://www.bbc.com/news/live/world-asia-59890023",
        "https://www.bbc.com/russian/news-59890023",
        "https://www.bbc.com/news/world",
    ],
)
def test_addresses_that_are_not_news_articles(address: str) -> None:
    assert bbc.page_for(address, _story("<p>Text.</p>")) is None
