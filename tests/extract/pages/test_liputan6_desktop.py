"""The current Liputan6 desktop layout (not recorded) and the fallback on meta tags and inline page data.

`data/liputan6_desktop_sample.html` is a synthetic page written for these tests in the markup shape public
scrapers select on the live desktop site; its text is invented. The fallback pages are built here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.core.errors import NoArticleError
from crawler.extract.pages import liputan6
from crawler.extract.pages.liputan6_inline import inline_data, split_names

SAMPLE = Path(__file__).parent / "data" / "liputan6_desktop_sample.html"
SAMPLE_URL = "https://www.liputan6.com/global/read/4850001/contoh-warga-almaty-kembali-ke-jalan?utm_source=fb#top"
CANONICAL = "https://www.liputan6.com/global/read/4850001/contoh-warga-almaty-kembali-ke-jalan"
ARTICLE_URL = "https://www.liputan6.com/global/read/4850002/x"


@pytest.fixture(scope="module")
def sample_page() -> liputan6.Liputan6Page:
    page = liputan6.page_for(SAMPLE_URL, SAMPLE.read_text("utf-8"))
    assert isinstance(page, liputan6.Liputan6ReadPage)
    return page


def test_desktop_fields(sample_page: liputan6.Liputan6Page) -> None:
    article = sample_page.to_article()
    assert article.article_id == "4850001"
    assert article.url == CANONICAL
    # the visible h1, not the SEO og:title
    assert article.title == "Contoh: Warga Almaty Kembali ke Jalan Setelah Jam Malam Dilonggarkan"
    assert article.published_at == "2022-01-10T08:15:00+07:00"
    assert article.modified_at == "2022-01-10T09:02:30+07:00"
    assert article.authors == ["Bima Penulis", "Nadia Contoh"]
    assert article.section == "global"
    assert article.tags == ["Kazakhstan", "Almaty"]
    assert article.kind == "article"


def test_desktop_body(sample_page: liputan6.Liputan6Page) -> None:
    article = sample_page.to_article()
    assert article.paragraphs == [
        "Liputan6.com, Almaty - Toko-toko di pusat kota Almaty kembali buka pada Senin pagi setelah "
        "pemerintah Kazakhstan melonggarkan jam malam.",
        "Antrean panjang terlihat di depan supermarket dan pom bensin sejak matahari terbit.",
        "Seorang pedagang roti mengatakan pembelinya datang lebih awal dari biasanya.",
        "Bandara Dibuka Bertahap",
        "Otoritas bandara menyatakan penerbangan domestik akan dilanjutkan secara bertahap mulai pekan ini.",
        "Penerbangan internasional belum dijadwalkan kembali.",
    ]
    assert sample_page.sections() == 3


def test_desktop_images_are_the_articles_own(sample_page: liputan6.Liputan6Page) -> None:
    images = sample_page.to_article().images
    assert [img.url.rsplit("/", 1)[-1] for img in images] == ["almaty-pasar.jpg", "bandara.jpg"]
    assert images[1].caption == "Keterangan contoh: terminal bandara yang masih sepi. (Foto contoh)"


def _unknown_layout(*, json_ld: str = "", body: str = "", meta_date: bool = False) -> str:
    """An article page whose body markup no selector knows, with meta tags and `window.kly` data."""
    published = ('<meta property="article:published_time" content="2022-01-11T06:00:00+07:00">'
                 if meta_date else "")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta property="og:type" content="article">
<meta property="og:description" content="Ringkasan: warga Nur-Sultan menunggu kabar soal harga gas.">
<link rel="canonical" href="https://www.liputan6.com/global/read/4850002/contoh-harga-gas">
{published}{json_ld}
<script>
window.kly = window.kly || {{}};
window.kly.pageType = 'ReadPage';
window.kly.channel = {{"id":274,"name":"Global","full_slug":"global\\/internasional"}};
window.kly.article = {{"id":4850002,"title":"Contoh Judul dari Data Halaman","type":"TextTypeArticle",
  "keywords":"Kazakhstan,Harga Gas","publishDate":"2022-01-11 06:00:00"}};
window.kly.gtm = {{"editors":"Nadia Contoh","authors":{{"type":"author","names":"Bima Penulis"}},
  "reporters":"Bima Penulis, Liputan6.com"}};
if (window.kly.pageType === 'ReadPage') {{ window.kly.pageType = 'Changed'; }}
</script></head>
<body><main class="layout-2030"><h1 class="brand">Liputan6</h1>
<div class="story-v9">{body}</div></main></body></html>"""


def test_fallback_on_meta_and_inline_data() -> None:
    page = liputan6.page_for("https://m.liputan6.com/global/read/4850002/contoh-harga-gas", _unknown_layout())
    assert page is not None and type(page) is liputan6.Liputan6Page
    article = page.to_article()
    assert article.article_id == "4850002"
    assert article.url == "https://www.liputan6.com/global/read/4850002/contoh-harga-gas"
    assert article.title == "Contoh Judul dari Data Halaman"  # the inline data, not the site's logo <h1>
    assert article.published_at == "2022-01-11T06:00:00+07:00"  # inline publishDate, stated in WIB
    assert article.authors == ["Bima Penulis", "Nadia Contoh"]
    assert article.section == "global"
    assert article.tags == ["Kazakhstan", "Harga Gas"]
    # The body markup is unknown and the page holds no article text elsewhere: the body is the description,
    # so the article is still stored and its summary still watched for changes.
    assert article.body == "Ringkasan: warga Nur-Sultan menunggu kabar soal harga gas."


def test_fallback_prefers_json_ld_article_body() -> None:
    json_ld = ('<script type="application/ld+json">{"@type":"NewsArticle","articleBody":'
               '"Paragraf pertama dari data terstruktur.\\nParagraf kedua dari data terstruktur."}</script>')
    page = liputan6.page_for(ARTICLE_URL, _unknown_layout(json_ld=json_ld))
    assert page is not None
    assert page.to_article().paragraphs == ["Paragraf pertama dari data terstruktur.",
                                            "Paragraf kedua dari data terstruktur."]


def test_fallback_reads_an_article_body_itemprop() -> None:
    body = ('<div itemprop="articleBody"><p>Kalimat pertama isi berita.</p><p>Baca Juga</p>'
            '<p>Kalimat kedua isi <a href="/tag/x">berita</a> ini.</p></div>')
    page = liputan6.page_for(ARTICLE_URL, _unknown_layout(body=body))
    assert page is not None
    assert page.to_article().paragraphs == ["Kalimat pertama isi berita.", "Kalimat kedua isi berita ini."]


def test_meta_date_wins_over_inline_data() -> None:
    page = liputan6.page_for(ARTICLE_URL, _unknown_layout(meta_date=True))
    assert page is not None and page.published_at() == "2022-01-11T06:00:00+07:00"


def test_non_article_liputan6_page_is_declined() -> None:
    html = _unknown_layout().replace("'ReadPage'", "'TagPage'", 1)
    page = liputan6.page_for("https://www.liputan6.com/tag/kazakhstan", html)
    assert isinstance(page, liputan6.Liputan6NonArticlePage)
    with pytest.raises(NoArticleError):
        liputan6.Liputan6Page("https://www.liputan6.com/tag/kazakhstan", html).to_article()


def test_inline_data_reads_both_names_and_skips_comparisons() -> None:
    html = """<script>window.kmklabs = {}; window.kmklabs.pageType = 'ReadPage';
    window.kmklabs.multiplePageCount = 3;
    window.kmklabs.article = {"id": 1, "title": "A \\"quoted\\" title"};
    if (window.kmklabs.pageType == 'SearchPage') {}
    window.kly = {"channel": {"full_slug": "news"}};</script>"""
    data = inline_data(html)
    assert data["pageType"] == "ReadPage"
    assert data["multiplePageCount"] == 3
    assert data["article"]["title"] == 'A "quoted" title'
    assert data["channel"] == {"full_slug": "news"}
    assert inline_data("<p>no data</p>") == {}


def test_split_names() -> None:
    assert split_names({"type": "author", "names": "A B, C D"}) == ["A B", "C D"]
    assert split_names("x|y") == ["x", "y"]
    assert split_names(None) == []


@pytest.mark.parametrize(("raw", "expected"), [
    ("2016-02-16 09:10:56", "2016-02-16T09:10:56+07:00"),  # naive: the page's WIB
    ("2016-02-16T02:10:56Z", "2016-02-16T09:10:56+07:00"),  # UTC: shown in WIB, same instant
    ("2021-01-23T13:30:00+07:00", "2021-01-23T13:30:00+07:00"),
    ("2022-01-07T10:00:00+05:00", "2022-01-07T10:00:00+05:00"),  # another stated offset is kept
    ("[publishdate]", None),  # the literal placeholder on the live homepage
    ("", None),
])
def test_to_wib_iso(raw: str, expected: str | None) -> None:
    assert liputan6.to_wib_iso(raw) == expected


def test_visible_date() -> None:
    assert liputan6.visible_date_wib("pada 23 Jan 2021, 13:30 WIB") == "2021-01-23T13:30:00+07:00"
    assert liputan6.visible_date_wib("Diterbitkan 07 Januari 2022, 14:30 WIB") == "2022-01-07T14:30:00+07:00"
    assert liputan6.visible_date_wib("kemarin") is None
