"""Liputan6 page parsers on recorded pages: one test per field, parametrized over the pages.

Expected values were read from the recorded pages themselves (headline, byline, the credits box or the page's
inline `gtm` data for editors, the "N dari M halaman" counters, the first and last paragraph of the text).
The pages are read from ../shared (see tests/conftest.py), never copied into the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import pytest

from crawler.core.errors import NoArticleError
from crawler.core.items import Article
from crawler.extract.pages import liputan6, parse_article
from tests.conftest import fixture_html


@dataclass(frozen=True)
class Expected:
    fixture: str
    url: str  # the page's real address (from its canonical/og:url), as the crawler would fetch it
    page_class: type[liputan6.Liputan6Page]
    article_id: str
    canonical: str
    title: str
    published_at: str
    authors: list[str]
    section: str
    some_tags: list[str]
    kind: str
    sections: int
    subheadings: list[str]  # section subheadings that must stay, each as its own paragraph, in order
    first: str  # the first paragraph starts with this
    last: str  # the last paragraph starts with this
    images: int
    absent: list[str] = field(default_factory=list)  # page-specific text that must not reach the body


PAGES = {
    "m_global": Expected(
        fixture="liputan6/m_global_read_4464894__m.liputan6-detail.html",
        url="https://m.liputan6.com/global/read/4464894/"
            "update-23-januari-2021-98-juta-kasus-covid-19-di-dunia-akan-tembus-100-juta",
        page_class=liputan6.Liputan6ReadPage,
        article_id="4464894",
        canonical="https://www.liputan6.com/global/read/4464894/"
                  "update-23-januari-2021-98-juta-kasus-covid-19-di-dunia-akan-tembus-100-juta",
        title="Update 23 Januari 2021: 98 Juta Kasus COVID-19 di Dunia, Akan Tembus 100 Juta?",
        published_at="2021-01-23T13:30:00+07:00",
        authors=["Tommy Kurnia", "Hariz Barak"],  # byline; gtm "editors"
        section="global",
        some_tags=["COVID-19", "Hong Kong"],
        kind="article",
        sections=5,
        subheadings=["Kabar WNA", "Doni Monardo Positif COVID-19, Imbau Masyarakat Hindari Makan Bersama"],
        first="Liputan6.com, Jakarta - Kasus COVID-19 di seluruh dunia sudah mencapai 98,1 juta kasus.",
        last="Dalam sebelas bulan terakhir sejak mulai menangani pandemi COVID-19",
        images=3,  # lead photo and two section photos; the infographic section is a promo
        absent=["Infografis COVID-19", "Saksikan Video Pilihan", "MoFA Indonesia",
                "Hong Kong Akhirnya Lockdown"],
    ),
    "m_tekno": Expected(
        fixture="liputan6/m_tekno_read_4804339__read-page.html",
        url="https://m.liputan6.com/tekno/read/4804339/"
            "cetak-gol-di-laga-indonesia-vs-malaysia-irfan-jaya-hingga-elkan-baggott-jadi-perbincangan-warganet",
        page_class=liputan6.Liputan6ReadPage,
        article_id="4804339",
        canonical="https://www.liputan6.com/tekno/read/4804339/"
                  "cetak-gol-di-laga-indonesia-vs-malaysia-irfan-jaya-hingga-elkan-baggott-jadi-perbincangan-warganet",
        title="Cetak Gol di Laga Indonesia vs Malaysia, Irfan Jaya hingga Elkan Baggott Jadi Perbincangan "
              "Warganet",
        published_at="2021-12-20T09:59:55+07:00",
        authors=["Giovani Dio Prasasti", "Yuslianson"],
        section="tekno",
        some_tags=["Timnas Indonesia", "Piala AFF 2020", "Elkan Baggott"],
        kind="article",
        sections=3,
        subheadings=["Timnas Indonesia Melaju ke Semifinal AFF 2020"],
        first="Liputan6.com, Jakarta - Warganet pada Senin, (20/12/2021) pagi",
        last="(Dio/Ysl)",
        images=2,
        absent=["Arhaaaan", "What a performance", "Selamat Susanti", "December 20, 2021",
                "Infografis Shin Tae-yong"],
    ),
    "m_hot": Expected(
        fixture="liputan6/m_hot_read_4611435__lazzy-liputan6.html",
        url="https://m.liputan6.com/hot/read/4611435/5-potret-cassandra-lee-pakai-busana-putri-kerajaan-turki-memesona",
        page_class=liputan6.Liputan6ReadPage,
        article_id="4611435",
        canonical="https://www.liputan6.com/hot/read/4611435/"
                  "5-potret-cassandra-lee-pakai-busana-putri-kerajaan-turki-memesona",
        title="5 Potret Cassandra Lee Pakai Busana Putri Kerajaan Turki, Memesona",
        published_at="2021-07-21T07:00:18+07:00",
        authors=["Novita Ayuningtyas", "Fadila Adelin"],
        section="hot",
        some_tags=["Cassandra Lee", "Turki"],
        kind="article",
        sections=6,
        subheadings=[
            "1. Cassandra Lee terlihat menggunakan busana bak putri kerajaan Turki dalam akun Instagram "
            "pribadinya.",
            "2. Tak hanya itu saja, dalam foto yang diunggah ia juga terlihat berfoto dengan latar kamar "
            "putri kerajaan.",
            "3. Penampilan wanita 20 tahun ini dengan busana putri kerajaan berwarna biru lengkap dengan "
            "mahkotanya menarik perhatian netizen.",
            "4. Tak sedikit pula netizen yang memuji penampilan menawan dari pemain Cinta Mulia ini.",
            "5. Ia pun terlihat begitu anggun dan menawan dalam busana putri kerajaan Turki.",
        ],
        first="Liputan6.com, Jakarta Gemma Galgani Cassandra Sheryl Lee",
        last="5. Ia pun terlihat begitu anggun",
        images=6,
        absent=["Sumber: Instagram/cassandraslee"],  # photo captions of a text article are left out
    ),
    "m_news_photo": Expected(
        fixture="liputan6/m_news_read_4541831__foto-kondisi-kapal-selam-kri-nanggala-402.html",
        url="https://m.liputan6.com/news/read/4541831/"
            "foto-kondisi-kapal-selam-kri-nanggala-402-yang-tenggelam-di-perairan-bali",
        page_class=liputan6.Liputan6PhotoPage,
        article_id="4541831",
        canonical="https://www.liputan6.com/news/read/4541831/"
                  "foto-kondisi-kapal-selam-kri-nanggala-402-yang-tenggelam-di-perairan-bali",
        title="FOTO: Kondisi Kapal Selam KRI Nanggala 402 yang Tenggelam di Perairan Bali",
        published_at="2021-04-26T07:00:00+07:00",
        authors=["Johan Fatzry"],  # the gtm "authors" entry is the publisher ("Liputan6.com"), not a person
        section="news",
        some_tags=["KRI Nanggala 402", "Kapal Selam"],
        kind="photo",
        sections=1,
        subheadings=[],
        first="Foto yang dirilis Minggu 25 April 2021 oleh TNI AL memperlihatkan bagian dari kapal selam KRI "
              "Nanggala yang tenggelam di Laut Bali.",
        last="Foto yang dirilis Minggu 25 April 2021 oleh TNI AL memperlihatkan",
        images=5,
        absent=["Klik gambar untuk perbesar", "HEADLINE HARI INI", "topframe"],
    ),
    "2016_tekno": Expected(
        fixture="liputan6/anpandu_2016/liputan6-singlepage.html",
        url="http://tekno.liputan6.com/read/2436773/tri-indonesia-broadband-dorong-ekosistem-digital-dalam-negeri",
        page_class=liputan6.Liputan6Desktop2016Page,
        article_id="2436773",
        canonical="https://www.liputan6.com/tekno/read/2436773/"
                  "tri-indonesia-broadband-dorong-ekosistem-digital-dalam-negeri",
        title="Tri Indonesia: Broadband Dorong Ekosistem Digital Dalam Negeri",
        published_at="2016-02-16T09:10:56+07:00",
        authors=["Corry Anestia", "Iskandar"],  # byline; credits box "Editor"
        section="tekno",
        some_tags=["Media Visit", "Hutchison 3 Indonesia"],
        kind="article",
        sections=1,
        subheadings=["Layanan 4G"],
        first="Liputan6.com, Jakarta - Indonesia memasuki fase dinamis akan pertumbuhan ekosistem digital.",
        last="(Cas/Isk)",
        images=1,
        absent=["Telkomsel Targetkan Selimuti 40 Kota", "Direktur ICGR Tri Indonesia, Chandra Hawan"],
    ),
    "2016_showbiz": Expected(
        fixture="liputan6/anpandu_2016/liputan6-singlepage2.html",
        url="http://showbiz.liputan6.com/read/2437019/london-love-story-tembus-800-ribu-penonton-ini-rahasianya",
        page_class=liputan6.Liputan6Desktop2016Page,
        article_id="2437019",
        canonical="https://www.liputan6.com/showbiz/read/2437019/"
                  "london-love-story-tembus-800-ribu-penonton-ini-rahasianya",
        title="London Love Story Tembus 800 Ribu Penonton, Ini Rahasianya",
        published_at="2016-02-16T09:20:00+07:00",
        authors=["Ratnaning Asih", "Aditia Saputra"],
        section="showbiz",
        some_tags=["Michelle Ziudith", "Dimas Anggara", "London Love Story"],
        kind="article",
        sections=1,
        subheadings=[],
        first="Liputan6.com, Jakarta London Love Story, film kedua dari Screenplay Production",
        last="London Love Story bercerita tentang kisah cinta dua anak muda",
        images=3,  # the poster and two photos inside the text
        absent=["5 Adegan London Love Story", "Poster London Love Story", "London Love Story (YouTube)"],
    ),
    "2016_photo": Expected(
        fixture="liputan6/anpandu_2016/liputan6-singlepage3.html",
        url="http://photo.liputan6.com/musik/hadiri-grammy-awards-2016-taylor-swift-dan-selena-gomez-peluk-pelukan-2437247",
        page_class=liputan6.Liputan6PhotoPage,
        article_id="2437247",
        canonical="https://photo.liputan6.com/musik/"
                  "hadiri-grammy-awards-2016-taylor-swift-dan-selena-gomez-peluk-pelukan-2437247",
        title="Hadiri Grammy Awards 2016, Taylor Swift dan Selena Gomez Peluk-pelukan",
        published_at="2016-02-16T09:09:27+07:00",
        authors=["Arny Christika Putri"],
        section="photo",
        some_tags=["Grammy Awards 2016", "Taylor Swift", "Selena Gomez"],
        kind="photo",
        sections=1,
        subheadings=[],
        first="Penyanyi Taylor Swift (kanan) memeluk Selena Gomez saat berpose di karpet merah Grammy "
              "Awards ke-58",
        last="Selena Gomez dan Taylor Swift saling memeluk saat berpose",
        images=5,
        absent=["Related News", "Rate artikel ini"],
    ),
}
IDS = list(PAGES)

# Noise that must never reach any Liputan6 body (labels, widgets, counters, embeds, the ad mock-up edits).
NOISE = ["Baca Juga", "BACA JUGA", "Advertisement", "Infografis", "Saksikan Video", "Perbesar",
         "Lanjutkan Membaca", "kly-ads", "pic.twitter.com", "Scroll down", "googletag", "More Tag"]
PAGE_COUNTER = re.compile(r"\d+\s+dari\s+\d+\s+halaman", re.IGNORECASE)


@cache
def _parsed(key: str) -> tuple[liputan6.Liputan6Page, Article]:
    expected = PAGES[key]
    page = liputan6.page_for(expected.url, fixture_html(expected.fixture))
    assert page is not None, f"{key}: page_for did not recognise the article"
    assert isinstance(page, liputan6.Liputan6Page)
    return page, page.to_article()


def _article(key: str) -> Article:
    return _parsed(key)[1]


@pytest.mark.parametrize("key", IDS)
def test_page_class(key: str) -> None:
    assert type(_parsed(key)[0]) is PAGES[key].page_class


@pytest.mark.parametrize("key", IDS)
def test_source_and_language(key: str) -> None:
    article = _article(key)
    assert (article.source, article.language) == ("liputan6", "id")


@pytest.mark.parametrize("key", IDS)
def test_article_id(key: str) -> None:
    assert _article(key).article_id == PAGES[key].article_id


@pytest.mark.parametrize("key", IDS)
def test_url_is_canonical(key: str) -> None:
    assert _article(key).url == PAGES[key].canonical


@pytest.mark.parametrize("key", IDS)
def test_title(key: str) -> None:
    assert _article(key).title == PAGES[key].title


@pytest.mark.parametrize("key", IDS)
def test_published_at(key: str) -> None:
    assert _article(key).published_at == PAGES[key].published_at


@pytest.mark.parametrize("key", IDS)
def test_modified_at_is_wib_and_not_before_2016(key: str) -> None:
    modified = _article(key).modified_at
    assert modified is not None and modified.endswith("+07:00") and modified[:4] >= "2016"


def test_modified_at_values() -> None:
    # mobile: article:modified_time as stated; 2016: JSON-LD dateModified "2016-02-16T04:13:59Z" shown in WIB
    assert _article("m_tekno").modified_at == "2021-12-20T13:04:17+07:00"
    assert _article("2016_tekno").modified_at == "2016-02-16T11:13:59+07:00"


@pytest.mark.parametrize("key", IDS)
def test_authors(key: str) -> None:
    assert _article(key).authors == PAGES[key].authors


@pytest.mark.parametrize("key", IDS)
def test_section(key: str) -> None:
    assert _article(key).section == PAGES[key].section


@pytest.mark.parametrize("key", IDS)
def test_tags(key: str) -> None:
    tags = _article(key).tags
    assert all(tag in tags for tag in PAGES[key].some_tags), tags
    assert "More Tag" not in tags


@pytest.mark.parametrize("key", IDS)
def test_lead(key: str) -> None:
    lead = _article(key).lead
    assert lead and len(lead) > 30 and "  " not in lead


def test_lead_values() -> None:
    assert _article("m_hot").lead == "Penampilan Cassandra Lee bak putri kerajaan Turki ini tuai pujian."
    assert _article("2016_showbiz").lead == ("London Love Story adalah film dengan angka penonton tertinggi "
                                             "tahun ini.")


@pytest.mark.parametrize("key", IDS)
def test_kind(key: str) -> None:
    assert _article(key).kind == PAGES[key].kind


@pytest.mark.parametrize("key", IDS)
def test_sections(key: str) -> None:
    assert _parsed(key)[0].sections() == PAGES[key].sections


@pytest.mark.parametrize("key", IDS)
def test_subheadings_kept_as_paragraphs(key: str) -> None:
    paragraphs = _article(key).paragraphs
    positions = [paragraphs.index(heading) for heading in PAGES[key].subheadings]  # ValueError names it
    assert positions == sorted(positions)


@pytest.mark.parametrize("key", IDS)
def test_first_paragraph(key: str) -> None:
    assert _article(key).paragraphs[0].startswith(PAGES[key].first)


@pytest.mark.parametrize("key", IDS)
def test_last_paragraph(key: str) -> None:
    assert _article(key).paragraphs[-1].startswith(PAGES[key].last)


@pytest.mark.parametrize("key", IDS)
def test_body_has_no_noise(key: str) -> None:
    body = _article(key).body
    found = [noise for noise in NOISE + PAGES[key].absent if noise in body]
    assert found == []
    assert not PAGE_COUNTER.search(body)


@pytest.mark.parametrize("key", IDS)
def test_body_shape(key: str) -> None:
    article = _article(key)
    assert "\n\n\n" not in article.body
    assert all(p == p.strip() and "\n" not in p for p in article.paragraphs)
    assert len(set(article.paragraphs)) >= len(article.paragraphs) - 1  # no section read twice


@pytest.mark.parametrize("key", IDS)
def test_images(key: str) -> None:
    images = _article(key).images
    assert len(images) == PAGES[key].images
    assert all(img.url.startswith("http") and "blank.png" not in img.url for img in images)
    assert not [img.url for img in images if re.search(r"kly-ads|avatar|logo|loadingbox", img.url)]


def test_every_section_of_a_multi_page_article_is_read() -> None:
    body = _article("m_global").body
    # one sentence from each text section of the five ("1 dari 5" ... the last two are promos)
    assert "Kasus di China mencapai 98 ribu kasus." in body
    assert "Di Takhta Suci Vatikan, ada 27 WNI yang positif." in body
    assert "Doni Monardo dinyatakan positif COVID-19, pagi ini, Sabtu, 23 Januari 2021." in body


def test_inline_links_and_markup_joined_into_their_sentence() -> None:
    paragraphs = _article("m_tekno").paragraphs
    assert ("Di Twitter pagi ini, #TimnasDay, #AFFSuzukiCup2020, Malaysia, hingga nama beberapa pemain "
            "Timnas Indonesia seperti Arhan, Elkan Baggott, dan Irfan Jaya, masih menjadi trending topic di "
            "media sosial tersebut.") in paragraphs


def test_double_line_breaks_split_2016_paragraphs() -> None:
    paragraphs = _article("2016_tekno").paragraphs
    assert ("Pria yang akrab disapa Dani ini mengatakan demikian mengingat Indonesia merupakan salah satu "
            "pasar layanan data yang cukup mengalami pertumbuhan signifikan.") in paragraphs


def test_photo_story_captions_are_the_text() -> None:
    article = _article("m_news_photo")
    assert article.paragraphs == [img.caption for img in article.images]


def test_whole_page_never_goes_through_beautifulsoup() -> None:
    # BeautifulSoup on a 300 KB page is what makes extraction slow; only container fragments may use it.
    for key in IDS:
        page, _ = _parsed(key)
        assert "soup" not in page.__dict__, key


# -- pages that are not articles --
HOMEPAGES = [
    ("liputan6/www_home_2022-04__index.html", "https://www.liputan6.com/"),
    ("liputan6/www_home_2021-01__www-liputan6.html", "https://www.liputan6.com/"),
    ("liputan6/m_home_2022-02__new-liputan6.html", "https://m.liputan6.com/"),
    ("liputan6/anpandu_2016/liputan6-mainpage.html", "http://www.liputan6.com/indeks"),
]


@pytest.mark.parametrize(("fixture", "url"), HOMEPAGES)
def test_homepages_and_indexes_yield_no_article(fixture: str, url: str) -> None:
    # Decision: page_for recognises a Liputan6 non-article page (rather than returning None, which would hand
    # it to the generic extractor) and its to_article() raises NoArticleError; so does the registry.
    html = fixture_html(fixture)
    page = liputan6.page_for(url, html)
    assert isinstance(page, liputan6.Liputan6NonArticlePage)
    with pytest.raises(NoArticleError):
        page.to_article()
    with pytest.raises(NoArticleError):
        parse_article(url, html)


@pytest.mark.parametrize(("fixture", "url"), HOMEPAGES)
def test_parsers_refuse_homepages(fixture: str, url: str) -> None:
    # Even forced onto a homepage, a Liputan6 page object raises instead of producing a bogus article (the
    # homepage's og:url names its headline article: it must not lend the homepage an article id).
    html = fixture_html(fixture)
    for cls in (liputan6.Liputan6ReadPage, liputan6.Liputan6Page):
        with pytest.raises(NoArticleError):
            cls(url, html).to_article()


def test_page_for_leaves_unknown_non_liputan6_pages_to_the_generic_extractor() -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    assert liputan6.page_for("https://www.liputan6.com/", html) is None
