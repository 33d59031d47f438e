"""BBC News pages of the 2015-2020 "story-body" layout, field by field.

Expected values come from reading the recorded pages and the ground truth published with them (readability's
expected HTML and metadata, trafilatura's evaluation snippets), which the tests read directly.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from lxml import html as lxml_html

from crawler.core.items import Article
from crawler.extract.pages import bbc
from crawler.extract.text import normalize_space
from tests.conftest import fixture_html, shared_path

READABILITY = "bbc/readability_bbc-1_source.html"
READABILITY_URL = "http://www.bbc.com/news/world-us-canada-33646704"
KEEPCOSMOS = "bbc/keepcosmos-readability_bbc_business-36108166.html"
KEEPCOSMOS_URL = "http://www.bbc.com/news/business-36108166"
DATE_EXTRACTOR = "bbc/article-date-extractor_bbc_world-middle-east-39298218.html"
DATE_EXTRACTOR_URL = "http://www.bbc.com/news/world-middle-east-39298218"
TRAFILATURA = "bbc/trafilatura_bbc.com.52241221.html"
TRAFILATURA_URL = "https://www.bbc.com/news/world-us-canada-52241221"


@cache
def article(relative: str, url: str) -> Article:
    page = bbc.page_for(url, fixture_html(relative))
    assert page is not None, f"{relative} is a BBC News article"
    return page.to_article()


def _json(relative: str) -> dict:
    return json.loads(shared_path(f"fixtures/{relative}").read_text(encoding="utf-8"))


def _is_subsequence(wanted: list[str], have: list[str]) -> tuple[bool, str | None]:
    """Whether `wanted` appears in `have` in order; the first missing item otherwise."""
    position = 0
    for item in wanted:
        try:
            position = have.index(item, position) + 1
        except ValueError:
            return False, item
    return True, None


# -- 2015: readability's bbc-1, with expected article HTML and metadata --

@pytest.fixture(scope="module")
def obama() -> Article:
    return article(READABILITY, READABILITY_URL)


@pytest.fixture(scope="module")
def obama_meta() -> dict:
    return _json("bbc/readability_bbc-1_expected-metadata.json")


def test_readability_identity(obama: Article) -> None:
    assert obama.source == "bbc"
    assert obama.article_id == "world-us-canada-33646704"
    assert obama.url == "https://www.bbc.com/news/world-us-canada-33646704"
    assert obama.kind == "article"


def test_readability_title(obama: Article, obama_meta: dict) -> None:
    assert obama.title == obama_meta["title"]


def test_readability_published_at(obama: Article, obama_meta: dict) -> None:
    assert obama.published_at == obama_meta["publishedTime"]


def test_readability_lead(obama: Article, obama_meta: dict) -> None:
    assert obama.lead == obama_meta["excerpt"]


def test_readability_language(obama: Article, obama_meta: dict) -> None:
    assert obama.language == obama_meta["lang"]


def test_readability_authors_never_the_publisher(obama: Article, obama_meta: dict) -> None:
    # readability's byline is "BBC News", the publisher; the page names no person as the story's author.
    assert obama_meta["byline"] not in obama.authors
    assert obama.authors == []


def test_readability_section(obama: Article) -> None:
    assert obama.section == "US & Canada"


def test_readability_body_holds_every_expected_paragraph_in_order(obama: Article) -> None:
    expected_html = shared_path("fixtures/bbc/readability_bbc-1_expected.html").read_text(encoding="utf-8")
    body = lxml_html.fromstring(expected_html).xpath('//div[@property="articleBody"]')[0]
    wanted: list[str] = []
    for el in body:
        if el.tag in {"p", "h2"}:
            wanted.append(normalize_space(el.text_content()))
        elif el.tag == "ul":
            wanted.extend(normalize_space(li.text_content()) for li in el.xpath("./li"))
        # figures (with their captions) are not text
    assert len(wanted) >= 30  # the expected article was read (40 blocks of text)
    ok, missing = _is_subsequence(wanted, obama.paragraphs)
    assert ok, f"expected paragraph missing or out of order: {missing!r}"


def test_readability_captions_and_media_labels_left_out(obama: Article) -> None:
    assert "Media caption" not in obama.body
    assert "The president said he would continue fighting for greater gun control laws" not in obama.body
    assert "Mr Obama told the BBC that gun control was his biggest frustration" not in obama.body
    assert "Advertisement" not in obama.paragraphs


def test_readability_subheadings_are_paragraphs(obama: Article) -> None:
    assert "Kenya trip" in obama.paragraphs


def test_readability_link_only_box_of_other_stories_left_out(obama: Article) -> None:
    # The one-item list linking to "BBC Africa Live" is a promo box; readability drops it too.
    assert "BBC Africa Live updates from Kenya" not in obama.body


def test_readability_images(obama: Article) -> None:
    captions = [img.caption for img in obama.images]
    assert "The president said he would continue fighting for greater gun control laws" in captions
    assert "Kenya is getting ready to welcome the US president" in captions
    # The 2-pixel "line" separator images are not pictures of the story.
    assert not any("line976" in img.url for img in obama.images)
    assert all(img.url.startswith("http") for img in obama.images)


# -- 2016: keepcosmos/readability business-36108166, no ground truth: expectations from reading the page --

@pytest.fixture(scope="module")
def microsoft() -> Article:
    return article(KEEPCOSMOS, KEEPCOSMOS_URL)


def test_2016_identity(microsoft: Article) -> None:
    assert microsoft.article_id == "business-36108166"
    assert microsoft.url == "https://www.bbc.com/news/business-36108166"


def test_2016_title(microsoft: Article) -> None:
    assert microsoft.title == "Microsoft Windows hurt by PC sales slump"


def test_2016_published_at(microsoft: Article) -> None:
    assert microsoft.published_at == "2016-04-22T04:40:15+01:00"


def test_2016_section(microsoft: Article) -> None:
    assert microsoft.section == "Business"


def test_2016_authors(microsoft: Article) -> None:
    assert microsoft.authors == []


def test_2016_body_shape(microsoft: Article) -> None:
    paragraphs = microsoft.paragraphs
    # 13 paragraphs and 2 crossheads in the story body (the intro counted), ads and figures aside.
    assert len(paragraphs) == 15
    assert paragraphs[0].startswith("Microsoft's quarterly profit has missed analysts' estimates")
    assert paragraphs[-1].startswith("Earlier this week US chipmaker Intel said it was cutting 12,000 jobs")
    assert paragraphs.index("'Gaining momentum'") < paragraphs.index("Cloud shift")


def test_2016_image_credits_and_captions_left_out(microsoft: Article) -> None:
    assert "Image copyright" not in microsoft.body
    assert "Getty Images" not in microsoft.body
    assert "Microsoft chief executive Satya Nadella has been focusing on cloud" not in microsoft.body


def test_2016_images(microsoft: Article) -> None:
    assert len(microsoft.images) == 2
    assert microsoft.images[1].caption is not None
    assert microsoft.images[1].caption.startswith("Microsoft chief executive Satya Nadella")


# -- 2017: article-date-extractor, date only --

def test_2017_published_at() -> None:
    egypt = article(DATE_EXTRACTOR, DATE_EXTRACTOR_URL)
    assert egypt.published_at is not None
    assert egypt.published_at.startswith("2017-03-16")
    assert egypt.published_at == "2017-03-16T21:07:02+00:00"  # as the page's JSON-LD states it


def test_2017_saved_copy_image_paths_are_not_image_urls() -> None:
    egypt = article(DATE_EXTRACTOR, DATE_EXTRACTOR_URL)
    assert egypt.images
    assert all(img.url.startswith("http") and "bbc_files" not in img.url for img in egypt.images)


# -- 2020: trafilatura's evaluation page, with snippets that must and must not appear --

@pytest.fixture(scope="module")
def burials() -> Article:
    return article(TRAFILATURA, TRAFILATURA_URL)


@pytest.fixture(scope="module")
def burials_eval() -> dict:
    return _json("bbc/trafilatura_bbc.com.52241221.evaldata.json")[TRAFILATURA_URL]


def test_2020_title_is_the_visible_headline(burials: Article, burials_eval: dict) -> None:
    assert burials.title == burials_eval["title"]  # not the JSON-LD's SEO headline


def test_2020_published_at(burials: Article, burials_eval: dict) -> None:
    assert burials.published_at == "2020-04-10T17:58:15+01:00"
    assert burials.published_at.startswith(burials_eval["date"])


def test_2020_modified_at(burials: Article) -> None:
    assert burials.modified_at == "2020-04-10T17:58:15+01:00"


def test_2020_lead(burials: Article, burials_eval: dict) -> None:
    assert burials.lead == burials_eval["description"]


def test_2020_tags(burials: Article, burials_eval: dict) -> None:
    assert set(burials_eval["tags"]) <= set(burials.tags)
    assert len(burials.tags) == len(set(burials.tags))


def test_2020_section(burials: Article) -> None:
    assert burials.section == "US & Canada"


@pytest.mark.parametrize("index", range(3))
def test_2020_body_has(burials: Article, burials_eval: dict, index: int) -> None:
    assert burials_eval["with"][index] in burials.body


@pytest.mark.parametrize("index", range(3))
def test_2020_body_has_not(burials: Article, burials_eval: dict, index: int) -> None:
    assert burials_eval["without"][index] not in burials.body


def test_2020_correspondent_byline_is_an_author(burials: Article) -> None:
    # The analysis section opens with "By Nada Tawfik, BBC News, New York".
    assert burials.authors == ["Nada Tawfik"]


def test_2020_media_and_infographic_left_out(burials: Article) -> None:
    assert "Media playback is unsupported on your device" not in burials.body
    assert "Drone footage shows mass burials in New York" not in burials.body
    assert "Source: CDC" not in burials.body  # text of an infographic (a picture)
    assert "One virus, two Americas" not in burials.body  # box of links to other stories


def test_2020_body_ends_with_the_story(burials: Article) -> None:
    assert burials.paragraphs[0].startswith("Images have emerged of coffins being buried in a mass grave")
    assert burials.paragraphs[-1].startswith("He said it had cast a spotlight on inequity")
    assert "A city upended" in burials.paragraphs


def test_2020_images(burials: Article) -> None:
    captions = [img.caption for img in burials.images]
    assert "About 40 bodies were buried on Thursday" in captions
    # The "more about coronavirus" banners are page furniture, not the story's pictures.
    assert not any("banner" in img.url for img in burials.images)
