"""The cleaner's behaviour: the text path, the HTML path on a fragment written here, and both on recorded
pages (read from ../shared; expected strings come from reading those pages)."""

from __future__ import annotations

import json
import time

import pytest
from bs4 import BeautifulSoup, Tag

from crawler.extract.cleaning import clean_lines, is_noise_line, strip_noise_html
from crawler.extract.cleaning.rules import load_file, rules_for
from crawler.extract.text import iter_paragraphs
from tests.conftest import fixture_html, shared_path


def container(html: str, selector: str) -> Tag:
    node = BeautifulSoup(html, "lxml").select_one(selector)
    assert node is not None, f"{selector} not found"
    return node


def cleaned_paragraphs(node: Tag, site: str) -> list[str]:
    """What a page parser gets: the HTML path, then the text path over its paragraphs."""
    strip_noise_html(node, site)
    return clean_lines(iter_paragraphs(node), site)


# ---------------------------------------------------------------- text path

def test_clean_lines_keeps_content_in_order_and_strips_space() -> None:
    lines = ["  Pasukan tiba di Almaty.  ", "", "Baca Juga", "\tAdvertisement", "Ribuan Orang Ditahan",
             "Akhir."]
    assert clean_lines(lines, "liputan6") == ["Pasukan tiba di Almaty.", "Ribuan Orang Ditahan", "Akhir."]


def test_closing_section_drops_everything_after_it() -> None:
    lines = ["Klaim itu keliru.", "Tentang Cek Fakta Liputan6.com",
             "Liputan6.com adalah media terverifikasi.", "Kami mengundang pembaca."]
    assert clean_lines(lines, "liputan6") == ["Klaim itu keliru."]


def test_infografis_section_ends_the_article_but_a_sentence_does_not() -> None:
    sentence = "Infografis yang dibagikan kementerian menunjukkan lonjakan kasus."
    assert clean_lines(["A.", sentence, "B."], "liputan6") == ["A.", sentence, "B."]
    assert clean_lines(["A.", "Infografis COVID-19:", "Perbesar", "B."], "liputan6") == ["A."]


def test_noise_word_inside_a_sentence_is_content() -> None:
    for line in ("The word Advertisement appeared on every page of the leaflet.",
                 "Para pengunjuk rasa membawa spanduk bertuliskan Baca Juga di depan balai kota."):
        assert not is_noise_line(line, "generic")


def test_rules_follow_the_language_of_the_site() -> None:
    # Indonesian labels are content on an English site and the other way round; generic knows both.
    assert is_noise_line("Baca Juga", "liputan6") and not is_noise_line("Baca Juga", "bbc")
    assert is_noise_line("Related Topics", "bbc") and not is_noise_line("Related Topics", "liputan6")
    assert is_noise_line("Share this with Facebook", "generic")
    assert is_noise_line("Baca juga: Judul", "generic")
    assert not is_noise_line("Share this with Facebook", "liputan6")


def test_unknown_site_behaves_like_generic() -> None:
    lines = ["Baca juga: Harga Gas Naik", "Share this with Email", "Troops arrived.", "Perbesar"]
    assert clean_lines(lines, "kompas") == clean_lines(lines, "generic") == ["Troops arrived."]
    assert rules_for("kompas") is rules_for("generic")


def test_rules_are_loaded_once() -> None:
    assert rules_for("liputan6") is rules_for("liputan6")
    before = load_file.cache_info()
    for _ in range(50):
        is_noise_line("Baca Juga", "liputan6")
        clean_lines(["x"], "bbc")
    assert load_file.cache_info().misses == before.misses


# ---------------------------------------------------------------- HTML path, fragment written here

SYNTHETIC = """
<div class="article-content-body">
  <div class="article-content-body__item">
    <div class="article-raw-content">
      <p><b>Liputan6.com, Almaty -</b> Pasukan penjaga perdamaian tiba di Almaty pada Jumat pagi.</p>
      <div id="div-gpt-ad-liputan6-dfp-exposer-oop"><script>googletag.display("x")</script></div>
      <div class="baca-juga"><p class="baca-juga__header">Baca Juga</p>
        <ul class="baca-juga__list"><li><a href="/a">Harga Gas Naik Dua Kali Lipat</a></li>
        <li><a href="/b">Tokayev Pecat Kabinet</a></li></ul></div>
      <p>Bandara kota itu sempat dikuasai demonstran selama dua hari.</p>
      <p>BACA JUGA: <a href="/c">Warga Antre Membeli Roti</a></p>
      <div class="advert-label">Advertisement</div>
      <p>Pemerintah mencabut batas harga gas cair untuk enam bulan.</p>
    </div>
    <div class="article-content-body__break">
      <div class="article-content-body__item-index">2 dari 3 halaman</div></div>
  </div>
  <div class="article-content-body__item">
    <h2 class="article-content-body__item-title">Ribuan Orang Ditahan</h2>
    <div class="photo"><img src="p.jpg" alt=""><div class="zoom">Perbesar</div></div>
    <div class="article-raw-content"><p>Kementerian menyebut 2.298 orang ditahan.</p>
    <p>Saksikan Video Pilihan Berikut Ini:</p></div>
  </div>
  <div class="article-content-body__item">
    <h2 class="article-content-body__item-title">Infografis Harga Gas Dunia</h2>
    <p>Sumber: data kementerian.</p>
  </div>
  <div class="article-content-body__load-more">Lanjutkan Membaca</div>
</div>
"""


def test_strip_noise_html_leaves_exactly_the_content() -> None:
    node = container(SYNTHETIC, ".article-content-body")
    strip_noise_html(node, "liputan6")
    assert list(iter_paragraphs(node)) == [
        "Liputan6.com, Almaty - Pasukan penjaga perdamaian tiba di Almaty pada Jumat pagi.",
        "Bandara kota itu sempat dikuasai demonstran selama dua hari.",
        "Pemerintah mencabut batas harga gas cair untuk enam bulan.",
        "Ribuan Orang Ditahan",
        "Kementerian menyebut 2.298 orang ditahan.",
    ]
    # The zoom label went, the picture beside it stayed (parsers may read images from this node).
    assert node.find("img") is not None


def test_strip_noise_html_never_judges_long_blocks_by_their_text() -> None:
    prose = "Baca juga: " + "kalimat panjang tentang protes di Almaty " * 20
    node = container(f"<div id='r'><p>{prose}</p></div>", "#r")
    strip_noise_html(node, "liputan6")
    assert len(list(iter_paragraphs(node))) == 1


# ---------------------------------------------------------------- recorded pages

def test_liputan6_mobile_multi_section_page() -> None:
    node = container(fixture_html("liputan6/m_global_read_4464894__m.liputan6-detail.html"),
                     ".article-content-body")
    strip_noise_html(node, "liputan6")
    html_path = list(iter_paragraphs(node))
    for noise in ("Baca Juga", "FOTO: Hong Kong Akhirnya Lockdown untuk Pertama Kali", "Perbesar",
                  "2 dari 5 halaman", "5 dari 5 halaman", "Infografis COVID-19:",
                  "Saksikan Video Pilihan Berikut Ini:", "Lanjutkan Membaca ↓"):
        assert noise not in html_path
    assert not any(line.startswith("Infografis") for line in html_path)
    # Section subheadings are content.
    assert "Kabar WNA" in html_path
    assert "Doni Monardo Positif COVID-19, Imbau Masyarakat Hindari Makan Bersama" in html_path
    assert html_path[0].startswith("Liputan6.com, Jakarta - Kasus COVID-19 di seluruh dunia")
    assert "2. India: 10,6 juta kasus" in html_path
    # The last content paragraph of the page is kept: the infographic section starts after it.
    assert html_path[-1].startswith("Dalam sebelas bulan terakhir sejak mulai menangani pandemi")
    # The text path finds nothing more to remove.
    assert clean_lines(html_path, "liputan6") == html_path


def test_liputan6_page_with_baca_juga_collections_and_scroll_prompts() -> None:
    node = container(fixture_html("liputan6/m_tekno_read_4804339__read-page.html"), ".article-content-body")
    lines = cleaned_paragraphs(node, "liputan6")
    assert not any(line.upper().startswith("BACA JUGA") for line in lines)
    assert "Jadwal Timnas Indonesia Vs Singapura di Semifinal Piala AFF 2020" not in lines
    assert "Scroll down untuk melanjutkan membaca" not in lines
    assert "Timnas Indonesia Melaju ke Semifinal AFF 2020" in lines
    assert not any("Infografis" in line for line in lines)
    assert lines[-1] == "(Dio/Ysl)"


def test_liputan6_2016_desktop_layout() -> None:
    html = fixture_html("liputan6/anpandu_2016/liputan6-singlepage2.html")
    node = container(html, ".read-page__content-body")
    lines = cleaned_paragraphs(node, "liputan6")
    assert "Baca Juga" not in lines
    assert "Setelah London Love Story, Akan Ada Apa Lagi?" not in lines
    assert len(lines) == 8
    assert lines[1] == "Ini, adalah film dengan raihan penonton tertinggi tahun ini."


def test_detik_page_with_the_shared_indonesian_rules() -> None:
    html = fixture_html("indonesian_other/htmldate_health.detik.com-Stroke.html")
    node = container(html, ".detail__body-text")
    lines = cleaned_paragraphs(node, "generic")
    joined = "\n".join(lines)
    for noise in ("Baca juga", "ADVERTISEMENT", "SCROLL TO CONTINUE", "Simak Video", "kardiovaskular"):
        assert noise not in joined
    assert any(line.startswith("Kini, Donna bekerja untuk mendukung National Health") for line in lines)
    assert len(lines) == 11


def test_kompas_page_with_the_shared_indonesian_rules() -> None:
    html = fixture_html("indonesian_other/htmldate_money.kompas.com-Menhub.html")
    node = container(html, ".read__content")
    lines = cleaned_paragraphs(node, "generic")
    assert not any("Baca juga" in line for line in lines)
    assert len(lines) == 10
    # Text-only path: the same page's paragraphs, no HTML rules, still lose the three related links.
    raw = list(iter_paragraphs(container(html, ".read__content")))
    assert sum(line.startswith("Baca juga:") for line in raw) == 3
    assert clean_lines(raw, "generic") == lines


def test_bbc_2020_layout_against_the_recorded_ground_truth() -> None:
    truth = json.loads(shared_path("fixtures/bbc/trafilatura_bbc.com.52241221.evaldata.json").read_text())
    expected = next(iter(truth.values()))
    node = container(fixture_html("bbc/trafilatura_bbc.com.52241221.html"), ".story-body")
    joined = "\n".join(cleaned_paragraphs(node, "bbc"))
    for snippet in expected["with"]:
        assert snippet in joined
    for snippet in expected["without"]:
        assert snippet not in joined
    for noise in ("Share this with", "Related Topics", "Image caption", "Image copyright", "Media caption",
                  "These are external links", "Copy this link", "Media playback is unsupported"):
        assert noise not in joined
    assert "A city upended" in joined  # a crosshead


def test_bbc_2015_layout_keeps_bullet_points_drops_related_and_ads() -> None:
    node = container(fixture_html("bbc/readability_bbc-1_source.html"), ".story-body")
    lines = cleaned_paragraphs(node, "bbc")
    assert "Advertisement" not in lines
    assert "More on this story" not in lines and "941 comments" not in lines
    assert not any(line.startswith("Media caption") for line in lines)
    assert "He is confident the Iran nuclear deal will be passed by Congress" in lines
    assert "Kenya trip" in lines  # a crosshead


@pytest.mark.parametrize("page", ["BBC_2024_08_01.html", "BBC_2026_04_25.html"])
def test_bbc_new_layouts_match_the_recorded_body(page: str) -> None:
    key = {"BBC_2024_08_01.html": "V1", "BBC_2026_04_25.html": "V2"}[page]
    body = json.loads(shared_path("fixtures/bbc/fundus/BBC.json").read_text())[key]["body"]
    paragraphs = [p for section in body["sections"] for p in section["paragraphs"]]
    headlines = [h for section in body["sections"] for h in section["headline"]]
    node = container(fixture_html(f"bbc/fundus/{page}"), "article")
    lines = cleaned_paragraphs(node, "bbc")
    # Every body paragraph and subheading of the ground truth survives, in order.
    wanted = [line for line in lines if line in set(paragraphs) | set(headlines)]
    assert len(wanted) == len(paragraphs) + len(headlines)
    for noise in ("Getty Images", "1 day ago", "Budget: Key points at a glance", "Share", "Advertisement"):
        assert noise not in lines


@pytest.mark.parametrize(("page", "site", "selector"), [
    ("liputan6/anpandu_2016/liputan6-singlepage.html", "liputan6", ".read-page__content-body"),
    ("liputan6/m_global_read_4464894__m.liputan6-detail.html", "liputan6", ".article-content-body"),
    ("bbc/trafilatura_bbc.com.52241221.html", "bbc", ".story-body"),
])
def test_cleaning_the_whole_page_leaves_the_article_as_cleaning_its_container_does(
        page: str, site: str, selector: str) -> None:
    # "Infografis" is also a menu entry above the article: a menu link must not end the article.
    html = fixture_html(page)
    alone = container(html, selector)
    strip_noise_html(alone, site)
    soup = BeautifulSoup(html, "lxml")
    assert soup.body is not None
    strip_noise_html(soup.body, site)
    inside = soup.select_one(selector)
    assert inside is not None
    assert list(iter_paragraphs(inside)) == list(iter_paragraphs(alone))


# ---------------------------------------------------------------- cost

def _nested_page(sections: int) -> str:
    section = ("<div class='s'>" * 20 + "<h2>Judul Bagian</h2>" + "<p>Isi paragraf yang panjang.</p>" * 10
               + "<div>Advertisement</div><p>Baca juga: <a href='/x'>Judul</a></p>" + "</div>" * 20)
    return "<div id='r'>" + section * sections + "</div>"


def test_html_path_cost_grows_linearly() -> None:
    def cost(sections: int) -> float:
        node = container(_nested_page(sections), "#r")
        start = time.perf_counter()
        strip_noise_html(node, "liputan6")
        elapsed = time.perf_counter() - start
        assert len(list(iter_paragraphs(node))) == sections * 11
        return elapsed

    cost(10)  # warm the rule cache
    small, large = min(cost(30) for _ in range(3)), min(cost(240) for _ in range(3))
    # 8x the page: linear work is ~8x; a whole-tree scan per element (quadratic) would be ~64x.
    assert large < small * 20
