"""The generic extractor on recorded pages of other sites, checked against their published ground truth.

Expected values come from the ground-truth files beside the pages (fundus, htmldate, goose3) or from reading
the page; the body is compared by word overlap, since the ground truths split paragraphs their own way.
"""

from __future__ import annotations

import json
import re

import pytest

from crawler.core.errors import NoArticleError
from crawler.core.items import Article
from crawler.extract.pages import generic
from crawler.extract.pages.generic import GenericArticlePage, detect_language
from tests.conftest import fixture_html, shared_path

MEDIA_INDONESIA_HTML = "indonesian_other/fundus_MediaIndonesia_2026_01_20.html"
DETIK = ("indonesian_other/htmldate_health.detik.com-Stroke.html",
         "https://health.detik.com/true-story/d-7016153/curhat-wanita-kena-stroke-di-umur-26-ketahuan-saat-"
         "terkapar-di-kamar-mandi")
KOMPAS = ("indonesian_other/htmldate_money.kompas.com-Menhub.html",
          "https://money.kompas.com/read/2023/11/02/213419026/menhub-bocorkan-penyebab-harga-tiket-pesawat-"
          "masih-mahal")
BBC_SPORT_URL = "https://www.bbc.co.uk/sport/cricket/articles/c4n1l6wx98go"


def _json(relative: str) -> dict:
    return json.loads(shared_path(f"fixtures/{relative}").read_text(encoding="utf-8"))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _recall(expected: str, got: str) -> float:
    """Share of the expected words (as a multiset) found in the extracted text."""
    have: dict[str, int] = {}
    for w in _words(got):
        have[w] = have.get(w, 0) + 1
    hits = 0
    expected_words = _words(expected)
    for w in expected_words:
        if have.get(w, 0) > 0:
            have[w] -= 1
            hits += 1
    return hits / max(len(expected_words), 1)


def _extract(relative: str, url: str) -> Article:
    article = generic.page_for(url, fixture_html(relative)).to_article()
    assert isinstance(article, Article)
    return article


@pytest.fixture(scope="module")
def media_indonesia() -> tuple[Article, dict]:
    truth = _json("indonesian_other/fundus_MediaIndonesia.json")["V1"]
    url = _json("indonesian_other/fundus_id_meta.info.json")["MediaIndonesia_2026_01_20.html.gz"]["url"]
    return _extract(MEDIA_INDONESIA_HTML, url), truth


def test_page_for_returns_generic_page() -> None:
    page = generic.page_for("https://example.org/news/a", "<html><body><p>x</p></body></html>")
    assert isinstance(page, GenericArticlePage)


def test_media_indonesia_title_authors_date(media_indonesia: tuple[Article, dict]) -> None:
    article, truth = media_indonesia
    assert article.title == truth["title"]
    # The byline under the headline, not the editor that the page's JSON-LD calls "author".
    assert article.authors == truth["authors"]
    assert article.published_at == "2026-01-20T18:33:13+07:00"
    assert article.source == "mediaindonesia.com"
    assert article.language == "id"
    assert article.article_id == ("dari-petani-hingga-pendidik-bangsa-begini-pesan-kuat-di-wisuda-igi-"
                                  "school-of-economics-jakarta-2025")


def test_media_indonesia_body_overlaps_ground_truth(media_indonesia: tuple[Article, dict]) -> None:
    article, truth = media_indonesia
    expected = "\n".join(p for s in truth["body"]["sections"] for p in s["paragraphs"])
    assert _recall(expected, article.body) >= 0.95
    # precision: nearly every extracted word belongs to the article
    assert _recall(article.body, expected) >= 0.9
    assert article.paragraphs[0].startswith("INTERNATIONAL Golden Institute")
    # the e-paper teaser boxed above the headline is not part of the article
    assert "Taksiran kerugian" not in article.body


@pytest.mark.parametrize(("relative", "url"), [DETIK, KOMPAS])
def test_indonesian_pages_dates_and_no_baca_juga(relative: str, url: str) -> None:
    dates = _json("indonesian_other/htmldate_eval_default_subset.json")
    article = _extract(relative, url)
    assert article.published_at is not None
    assert article.published_at[:10] == dates[url]["date"]
    assert "baca juga" not in article.body.casefold()
    assert article.language == "id"
    assert len(article.paragraphs) >= 8


def test_detik_fields() -> None:
    article = _extract(*DETIK)
    assert article.title == "Curhat Wanita Kena Stroke di Umur 26, Ketahuan saat Terkapar di Kamar Mandi"
    assert article.authors == ["Vidya Pinandhita"]  # not the "detikHealth" publisher after the dash
    assert article.source == "health.detik.com"
    # the "Jakarta -" dateline may or may not be kept, but never as a paragraph of its own
    assert re.match(r"(Jakarta - )?Seorang wanita muda terkena stroke di usia 26 tahun",
                    article.paragraphs[0])


def test_kompas_fields() -> None:
    article = _extract(*KOMPAS)
    assert article.title == "Menhub Bocorkan Penyebab Harga Tiket Pesawat Masih Mahal"
    # The page's meta author is the publisher ("Kompas Cyber Media"); the writer is named elsewhere.
    assert article.authors == ["Isna Rifka Sri Rahayu"]
    assert article.article_id == "menhub-bocorkan-penyebab-harga-tiket-pesawat-masih-mahal"
    assert any("Budi Karya Sumadi" in p for p in article.paragraphs)


def test_bbc_sport_page() -> None:
    truth = _json("bbc/fundus/BBC.json.at_30b6cf33")["V1"]
    article = _extract("bbc/fundus/BBC_2024_07_25.html", BBC_SPORT_URL)
    assert article.source == "bbc"
    assert article.article_id == "c4n1l6wx98go"
    assert article.url == "https://www.bbc.com/sport/cricket/articles/c4n1l6wx98go"
    assert article.title is not None and article.title in truth["title"]
    assert article.published_at is not None and article.published_at.startswith(truth["publishing_date"][:10])
    assert article.authors == []  # "BBC Sport" is the publisher, not a person
    assert article.language == "en"
    expected = " ".join(p for s in truth["body"]["sections"] for p in s["paragraphs"])
    assert _recall(expected, article.body) >= 0.8
    for furniture in ("Related Topics", "More on this story", "Image source"):
        assert furniture not in article.body


def test_bbc_chinese_page() -> None:
    truth = _json("bbc/other/goose3_test_bbc_chinese.json")
    article = _extract("bbc/other/goose3_test_bbc_chinese.html", truth["url"])
    assert article.source == "bbc"
    assert article.language == truth["expected"]["meta_lang"]
    assert article.title == "港特首梁振英就住宅违建事件道歉"
    assert article.lead == truth["expected"]["meta_description"]
    assert article.article_id == "121210_hongkong_politics"
    assert article.published_at is not None and article.published_at.startswith("2012-12-10")
    # CJK has no spaces: compare characters, first paragraph exactly.
    expected_paragraphs = [p for p in truth["expected"]["cleaned_text"].split("\n") if p.strip()]
    assert article.paragraphs[0] == expected_paragraphs[0]
    expected_chars = set("".join(expected_paragraphs))
    assert len(expected_chars & set(article.body)) / len(expected_chars) >= 0.95


NAV_ONLY = """<!doctype html><html lang="en"><head><title>Example News</title></head><body>
<header><a href="/">Example News</a></header>
<nav><ul><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/about">About</a></li></ul></nav>
<footer><p>Copyright 2024 Example News Ltd</p></footer></body></html>"""


def test_page_without_article_raises_no_article_error() -> None:
    with pytest.raises(NoArticleError):
        generic.page_for("https://news.example.org/", NAV_ONLY).to_article()


SMALL_ARTICLE = """<!doctype html><html lang="en"><head><title>Wind farm opens | Example</title>
<meta property="og:site_name" content="Example Times">
<meta name="author" content="Example Times">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2022-01-07T09:15:00+06:00",
 "author": [{"@type": "Person", "name": "Aigerim Sadykova"},
            {"@type": "Organization", "name": "Example Times"}]}
</script></head><body><nav><a href="/">Home</a></nav><article><h1>Wind farm opens on the steppe</h1>
<p>A new wind farm opened near the city on Friday, the regional government said in a statement.</p>
<p>Officials said the turbines would supply power to about forty thousand homes by the end of the year.</p>
</article></body></html>"""


def test_small_article_metadata_and_ids() -> None:
    article = generic.page_for("https://www.example.org/energy/wind-farm-opens/?utm_source=x#top",
                               SMALL_ARTICLE).to_article()
    assert article.source == "example.org"
    assert article.article_id == "wind-farm-opens"
    assert article.url == "https://www.example.org/energy/wind-farm-opens/"
    assert article.title == "Wind farm opens on the steppe"
    assert article.authors == ["Aigerim Sadykova"]  # the Organization and the meta publisher are dropped
    assert article.published_at == "2022-01-07T09:15:00+06:00"
    assert article.language == "en"
    assert article.paragraphs[1].startswith("Officials said the turbines")


def test_article_id_falls_back_to_a_stable_hash() -> None:
    first = generic.page_for("https://example.org/?p=42", SMALL_ARTICLE).article_id()
    again = generic.page_for("https://example.org/?p=42&utm_medium=rss", SMALL_ARTICLE).article_id()
    other = generic.page_for("https://example.org/?p=43", SMALL_ARTICLE).article_id()
    assert first == again
    assert first != other
    assert first is not None and re.fullmatch(r"[0-9a-f]{12}", first)


def test_file_address_uses_the_pages_canonical_link() -> None:
    html = SMALL_ARTICLE.replace("<head>", '<head><link rel="canonical" href="https://example.org/a/wind-farm">')
    page = generic.page_for("file:///tmp/saved.html", html)
    assert page.url() == "https://example.org/a/wind-farm"
    assert page.source_name() == "example.org"


def test_language_hint_settles_indonesian_against_malay() -> None:
    text = "Pemerintah Kazakhstan mengumumkan keadaan darurat setelah protes meluas di sejumlah kota besar."
    assert detect_language(text, "id-ID") == "id"
    assert detect_language(text, None) in {"id", "ms"}
    # a wrong declaration does not win over clear evidence
    english = "The government declared a state of emergency after protests spread."
    assert detect_language(english, "id") == "en"
    assert detect_language("", "en-GB") == "en"


def test_markup_witness_reads_the_one_element_the_page_calls_its_article_body() -> None:
    sentence = "Paragraph {} of the story, long enough to be read as a sentence."
    story = "".join(f"<p>{sentence.format(n)}</p>" for n in range(3))
    teaser = "<article><p>A teaser of another story.</p></article>"
    one = GenericArticlePage("https://example.com/a",
                             f"<html><body>{teaser}<div itemprop='articleBody'>{story}</div></body></html>")
    assert one._markup_lines() == [sentence.format(n) for n in range(3)]
    # Two elements claim it: the page's one <article> is read instead.
    two = GenericArticlePage("https://example.com/a", f"<html><body>{teaser}<div itemprop='articleBody'>"
                                                      f"{story}</div><div itemprop='articleBody'></div>"
                                                      "</body></html>")
    assert two._markup_lines() == ["A teaser of another story."]
    neither = GenericArticlePage("https://example.com/a", f"<html><body><div>{story}</div></body></html>")
    assert neither._markup_lines() == []
