"""Liputan6's current desktop article page as public parsers read it: div.read-page--content holding the
div.article-content-body__item-page sections and a #related-news block, metadata as JSON-LD in
script#rich-card, no inline window.kly data.

`data/liputan6_read_page_content.html` is a synthetic page written for these tests in that shape (none is
recorded); its text is invented. Expected values are read off the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from crawler.extract.cleaning import strip_noise_html
from crawler.extract.pages import liputan6, parse_article

PAGE = Path(__file__).parent / "data" / "liputan6_read_page_content.html"
URL = "https://www.liputan6.com/global/read/4851777/contoh-bandara-almaty-kembali-dibuka"


@pytest.fixture(scope="module")
def html() -> str:
    return PAGE.read_text("utf-8")


def test_the_layout_is_read_as_an_article_page(html: str) -> None:
    page = liputan6.page_for(URL + "?utm_source=twitter", html)
    assert isinstance(page, liputan6.Liputan6ReadPage)
    assert page.sections() == 2


def test_body_without_related_news_or_furniture(html: str) -> None:
    article = parse_article(URL, html)
    assert article.paragraphs == [
        "Liputan6.com, Almaty - Bandara internasional Almaty kembali melayani penerbangan domestik pada "
        "Kamis siang, sepekan setelah ditutup akibat kerusuhan.",
        "Maskapai nasional menjadwalkan enam penerbangan ke Nur-Sultan dan Shymkent pada hari pertama.",
        "Penerbangan Internasional Menyusul",
        "Pengelola bandara menyatakan penerbangan internasional akan dibuka setelah pemeriksaan keamanan "
        "selesai.",
        "Penumpang diminta datang tiga jam sebelum jadwal keberangkatan.",
    ]
    for noise in ("Berita Terkait", "Jam Malam di Almaty Dicabut", "BACA JUGA", "Advertisement"):
        assert noise not in article.body


def test_metadata_from_the_rich_card_json_ld(html: str) -> None:
    article = parse_article(URL, html)
    assert (article.source, article.article_id, article.url) == ("liputan6", "4851777", URL)
    assert article.title == "Contoh: Bandara Almaty Kembali Dibuka untuk Penerbangan Domestik"
    # No meta tag, <time> or inline data carries the dates: only the JSON-LD of script#rich-card.
    assert article.published_at == "2022-01-13T14:20:00+07:00"
    assert article.modified_at == "2022-01-13T16:05:00+07:00"
    assert article.authors == ["Sari Contoh"]
    assert article.section == "global"
    assert article.tags == ["Kazakhstan", "Almaty"]
    assert [image.url.rsplit("/", 1)[-1] for image in article.images] == ["bandara-almaty.jpg"]


def test_rich_card_json_ld_is_read_whatever_its_type_says(html: str) -> None:
    untyped = html.replace('<script id="rich-card" type="application/ld+json">', '<script id="rich-card">')
    assert untyped != html
    assert parse_article(URL, untyped).published_at == "2022-01-13T14:20:00+07:00"


def test_the_cleaner_strips_the_related_news_block(html: str) -> None:
    start = html.index('<div class="read-page--content">')
    end = html.index('<div class="tags--snippet">')
    fragment = BeautifulSoup(html[start:end], "lxml")
    strip_noise_html(fragment, "liputan6")
    text = fragment.get_text(" ")
    assert "Penumpang diminta datang tiga jam sebelum jadwal keberangkatan." in text
    assert "Berita Terkait" not in text and "Dicabut" not in text
