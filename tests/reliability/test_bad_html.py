"""Bad article pages at the parser level: every one ends in a sane Article or NoArticleError/InputError,
never another exception, and within a time bound.

The crawl-level counterpart (one bad page among good ones in a real crawl) is test_bad_input_crawl.py.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup

from crawler.core.errors import InputError, NoArticleError
from crawler.core.items import Article
from crawler.extract.decoding import UnreadablePage, decode_html
from crawler.extract.pages import parse_article
from crawler.extract.text import iter_paragraphs
from tests.conftest import fixture_html
from tests.reliability.samples import (
    INDONESIAN_SENTENCE,
    WESTERN_SENTENCE,
    WESTERN_START,
    bbc_page,
    bbc_url,
    liputan6_page,
    liputan6_url,
    next_data_script,
)

# The generic extractor takes every URL of a site without a dedicated parser; all three must hold.
URLS = {"liputan6": liputan6_url("4851001"), "bbc": bbc_url(), "generic": "https://example.org/news/a-story"}
TIME_LIMIT = 10.0  # seconds for one page of up to 5 MB on a shared 2-core machine; real pages take < 0.5 s


def outcome(url: str, html: str) -> Article | None:
    """parse_article's result, None for NoArticleError; any other exception fails the test. Timed."""
    started = time.monotonic()
    try:
        article: Article | None = parse_article(url, html)
    except NoArticleError:
        article = None
    elapsed = time.monotonic() - started
    assert elapsed < TIME_LIMIT, f"{url}: {elapsed:.1f}s"
    return article


def good_liputan6(**kwargs: str) -> str:
    paragraphs = [INDONESIAN_SENTENCE, INDONESIAN_SENTENCE + " Dua."]
    return liputan6_page("4851001", "Judul uji masukan rusak", paragraphs, **kwargs)


# -- truncated, empty, binary --

def test_truncated_mid_tag_recorded_page_keeps_what_arrived() -> None:
    html = fixture_html("liputan6/m_global_read_4464894__m.liputan6-detail.html")
    # Cut inside the first paragraph's closing tag region: the page stops mid-tag, like a dropped connection.
    first = html.index("Kasus COVID-19 di seluruh dunia")
    cut = html.index("</p>", first) + 2  # "...</" : the tag is left open
    article = outcome("https://m.liputan6.com/global/read/4464894/update", html[:cut])
    assert article is not None
    assert article.title == "Update 23 Januari 2021: 98 Juta Kasus COVID-19 di Dunia, Akan Tembus 100 Juta?"
    assert article.paragraphs[0].startswith("Liputan6.com, Jakarta - Kasus COVID-19 di seluruh dunia")


# Three paragraphs of our own per site, distinct so that what was kept can be told apart.
TRUNCATED_TEXT = {
    "liputan6": ("Judul uji masukan rusak", [
        INDONESIAN_SENTENCE,
        "Paragraf kedua uji ini juga ditulis sendiri, tentang harga gas di Almaty yang naik.",
        "Paragraf ketiga dan terakhir menutup laporan uji tentang masukan yang terpotong."]),
    "bbc": ("A test story", [
        WESTERN_SENTENCE,
        "A second sentence written for this test, about the price of gas in Almaty rising.",
        "A third and last sentence closes this made-up report about a truncated page."]),
}
TRUNCATED_TEXT["generic"] = TRUNCATED_TEXT["bbc"]


def _truncatable(site: str) -> tuple[str, str, list[str]]:
    title, paragraphs = TRUNCATED_TEXT[site]
    page = liputan6_page("4851001", title, paragraphs) if site == "liputan6" else bbc_page(title, paragraphs)
    return page, title, paragraphs


def _after_paragraph(html: str, paragraph: str) -> int:
    """Where the page stops inside the paragraph's closing tag ("...</"): a connection dropped mid-tag."""
    return html.index("</p>", html.index(paragraph)) + 2


@pytest.mark.parametrize("site", sorted(URLS))
@pytest.mark.parametrize("arrived", [1, 2, 3])
def test_truncated_mid_tag_keeps_the_paragraphs_that_arrived(site: str, arrived: int) -> None:
    html, title, paragraphs = _truncatable(site)
    article = outcome(URLS[site], html[: _after_paragraph(html, paragraphs[arrived - 1])])
    assert article is not None, "a page cut after its body began is kept"
    assert article.title == title
    assert len(article.paragraphs) == arrived
    assert article.paragraphs[: arrived - 1] == paragraphs[: arrived - 1]
    assert article.paragraphs[-1].startswith(paragraphs[arrived - 1])


@pytest.mark.parametrize("site", sorted(URLS))
def test_truncated_mid_tag_leaves_no_markup_in_the_text(site: str) -> None:
    html, _title, paragraphs = _truncatable(site)
    article = outcome(URLS[site], html[: _after_paragraph(html, paragraphs[1])])
    assert article is not None and article.paragraphs == paragraphs[:2]


@pytest.mark.parametrize("site", sorted(URLS))
def test_truncated_mid_text_keeps_the_words_that_arrived(site: str) -> None:
    html, title, paragraphs = _truncatable(site)
    half = paragraphs[2][: len(paragraphs[2]) // 2]
    article = outcome(URLS[site], html[: html.index(paragraphs[2]) + len(half)])
    assert article is not None and article.title == title
    assert article.paragraphs == [*paragraphs[:2], half.strip()]


@pytest.mark.parametrize("site", sorted(URLS))
def test_truncated_before_the_body_is_no_article(site: str) -> None:
    html, _title, _paragraphs = _truncatable(site)
    assert outcome(URLS[site], html[: html.index("<h1") + 3]) is None  # stops inside the headline's tag


@pytest.mark.parametrize("html", ["", "   \n\t ", "<!-- nothing here -->", "<?php echo 1; ?>",
                                  "<html></html>", "<!DOCTYPE html>"])
@pytest.mark.parametrize("site", sorted(URLS))
def test_empty_documents_hold_no_article(site: str, html: str) -> None:
    assert outcome(URLS[site], html) is None


@pytest.mark.parametrize("data", [b"", b"  \r\n ", b"\x00" * 64])
def test_empty_bodies_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadablePage) as raised:
        decode_html(data)
    assert raised.value.kind in {"empty", "binary"}
    assert isinstance(raised.value, InputError)  # callers catching InputError still catch it


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40,  # an image served as text/html
    b"\x1f\x8b\x08\x00" + os.urandom(4000),  # a gzip file served without Content-Encoding
    random.Random(5).randbytes(200_000),  # noise
])
def test_binary_served_as_html_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadablePage) as raised:
        decode_html(data, "utf-8")
    assert raised.value.kind == "binary"


def test_binary_decoded_anyway_is_no_article() -> None:
    noise = random.Random(6).randbytes(300_000).decode("latin-1")
    for url in URLS.values():
        assert outcome(url, noise) is None


# -- wrong or missing charset --

@pytest.mark.parametrize(("declared", "header"), [
    ("utf-8", None),  # declared UTF-8, served windows-1252
    (None, "utf-8"),  # the HTTP header lies
    ("iso-8859-1", None),  # latin-1 label: read as windows-1252, as browsers do
    (None, "latin-1"),
    (None, None),  # no declaration at all
    ("utf-16", None),  # an impossible declaration for an ASCII-compatible page
])
def test_windows_1252_page_under_any_label(declared: str | None, header: str | None) -> None:
    data = bbc_page("A café story", [WESTERN_SENTENCE, WESTERN_SENTENCE], charset=declared).encode("cp1252")
    article = outcome(URLS["bbc"], decode_html(data, header))
    assert article is not None
    assert article.paragraphs[0] == WESTERN_SENTENCE
    assert article.title == "A café story"


@pytest.mark.parametrize(("declared", "header"), [("iso-8859-1", None), ("windows-1252", None),
                                                  (None, "iso-8859-1")])
def test_utf8_page_declared_latin1_is_read_as_utf8(declared: str | None, header: str | None) -> None:
    # Valid UTF-8 with multi-byte sequences is never windows-1252 text by accident; believing the label
    # would store "cafÃ©" in every article of a mislabelled site.
    data = bbc_page("A café story", [WESTERN_SENTENCE], charset=declared).encode("utf-8")
    text = decode_html(data, header)
    assert WESTERN_START in text and "Ã" not in text


def test_utf8_declared_but_cyrillic_legacy_bytes() -> None:
    sentence = "Протестующие собрались на главной площади города в среду утром."  # our own sentence
    data = bbc_page("Test", [sentence, sentence], charset="utf-8").encode("cp1251")
    assert sentence in decode_html(data, "utf-8")


# -- size and depth --

def _nested(tag: str, depth: int, inner: str) -> str:
    return f"<html><body>{f'<{tag}>' * depth}{inner}</body></html>"


@pytest.mark.parametrize("tag", ["div", "span", "b", "table"])
@pytest.mark.parametrize("site", sorted(URLS))
def test_five_megabytes_of_nested_tags(site: str, tag: str) -> None:
    depth = 5 * 1024 * 1024 // (len(tag) + 2)
    # Parsed within the time bound; one untitled paragraph at the bottom of 5 MB of tags is no article.
    assert outcome(URLS[site], _nested(tag, depth, f"<p>{INDONESIAN_SENTENCE}</p>")) is None


@pytest.mark.parametrize("site", sorted(URLS))
def test_article_followed_by_five_megabytes_of_nesting(site: str) -> None:
    html = good_liputan6() if site == "liputan6" else bbc_page("A test story", [WESTERN_SENTENCE] * 3)
    html = html.replace("</body>", "<div>" * 1_000_000 + "</body>")
    article = outcome(URLS[site], html)
    assert article is not None and article.body.strip()


def test_nested_container_inside_the_article() -> None:
    deep = "<div>" * 3000 + f"<p>{INDONESIAN_SENTENCE}</p>" + "</div>" * 3000
    html = good_liputan6().replace("</div></div></div></article>", deep + "</div></div></div></article>")
    article = outcome(URLS["liputan6"], html)
    assert article is not None and INDONESIAN_SENTENCE in article.body


def test_paragraph_walker_survives_any_depth() -> None:
    # BeautifulSoup builds trees of any depth; the walker must not recurse once per level.
    depth = 20_000
    soup = BeautifulSoup("<div>" + "<span>" * depth + "kata <b>tebal</b> akhir" + "</span>" * depth
                         + "<p>Paragraf kedua.</p></div>", "lxml")
    assert list(iter_paragraphs(soup)) == ["kata tebal akhir", "Paragraf kedua."]


# -- markup that parsers choke on --

@pytest.mark.parametrize("site", sorted(URLS))
def test_xml_declaration_before_html(site: str) -> None:
    # XHTML pages start with <?xml ... encoding="..."?>; lxml refuses that in a str.
    declaration = '<?xml version="1.0" encoding="utf-8"?>'
    if site == "liputan6":
        html = good_liputan6(declaration=declaration)
    else:
        html = declaration + bbc_page("A test story", [WESTERN_SENTENCE] * 3)
    article = outcome(URLS[site], html)
    assert article is not None and article.body.strip()


DEEP_JSON = "[" * 100_000 + "]" * 100_000
HOSTILE_HEADS: dict[str, Callable[[], str]] = {
    "json-ld nested 100k deep": lambda: f'<script type="application/ld+json">{DEEP_JSON}</script>',
    "json-ld objects 100k deep": lambda: ('<script type="application/ld+json">' + '{"a":' * 100_000 + "1"
                                          + "}" * 100_000 + "</script>"),
    "liputan6 inline data 100k deep": lambda: f"<script>window.kly.article = {DEEP_JSON};</script>",
    "next data 100k deep": lambda: next_data_script({"props": {"pageProps": {}}}).replace(
        '{"props"', '{"x": ' + DEEP_JSON + ', "props"'),
    "bbc initial data 100k deep": lambda: ('<script>window.__INITIAL_DATA__="' + "[" * 100_000 + "]" * 100_000
                                           + '";</script>'),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADS))
@pytest.mark.parametrize("site", sorted(URLS))
def test_deeply_nested_embedded_json(site: str, name: str) -> None:
    head = HOSTILE_HEADS[name]()
    if site == "liputan6":
        html = good_liputan6(head_extra=head)
    else:
        html = bbc_page("A test story", [WESTERN_SENTENCE] * 3, head_extra=head)
    article = outcome(URLS[site], html)
    assert article is not None and article.body.strip()


@pytest.mark.parametrize("site", sorted(URLS))
def test_page_with_no_article(site: str) -> None:
    html = ("<html><head><title>Indeks</title></head><body><nav><a href='/'>Beranda</a> "
            "<a href='/news'>News</a></nav><footer>Hak cipta</footer></body></html>")
    assert outcome(URLS[site], html) is None


def test_recorded_homepage_is_no_article() -> None:
    html = fixture_html("liputan6/www_home_2022-04__index.html")
    assert outcome("https://www.liputan6.com/", html) is None


@pytest.mark.parametrize("tail", ["</", "<p cla", "<!-- half a comm", "<?xml ver", "<br", "<", "< 3 and",
                                  "a <b> c", "<p>done</p>", "x > y", "<a href='x>y'", "<p cla\n\nss", "é<é",
                                  "<1x"])
def test_cut_off_tag_is_what_the_regex_finds(tail: str) -> None:
    import re

    from crawler.extract.pages.base import without_cut_off_tag

    regex = re.compile(r"<[/!?A-Za-z][^<>]*\Z")
    for page in (f"<html><body><p>text</p>{tail}", tail, "x" * 3000 + tail, "<" + "y" * 2100 + tail):
        match = regex.search(page, max(0, len(page) - 2048))
        assert without_cut_off_tag(page) == (page[:match.start()] if match else page), page[-40:]
