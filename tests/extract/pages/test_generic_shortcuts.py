"""The generic extractor's shortcuts around its libraries give the libraries' own answers.

generic.py hands trafilatura a tree it pruned in Python instead of a `prune_xpath`, and runs readability-lxml
with a cleaner, a text length and a <div> rewriting that skip work on markup it never reads. Each must give
exactly what the slower way gives: compared here on every recorded page and on pages written for the edge
cases.
"""

from __future__ import annotations

import copy

import pytest
import trafilatura
from lxml import etree
from readability import Document
from readability.readability import Unparseable, clean

from crawler.extract.pages import generic
from crawler.extract.pages.base import html_tree
from crawler.extract.pages.generic import GenericArticlePage
from tests.conftest import fixture_html

RECORDED = [
    "liputan6/m_news_read_4541831__foto-kondisi-kapal-selam-kri-nanggala-402.html",
    "liputan6/m_home_2022-02__new-liputan6.html",
    "liputan6/anpandu_2016/liputan6-singlepage.html",
    "liputan6/m_global_read_4464894__m.liputan6-detail.html",
    "liputan6/m_tekno_read_4804339__read-page.html",
    "liputan6/www_home_2022-04__index.html",
    "bbc/trafilatura_bbc.com.52241221.html",
    "bbc/article-date-extractor_bbc_world-middle-east-39298218.html",
    "bbc/other/goose3_test_bbc_chinese.html",
    "bbc/keepcosmos-readability_bbc_business-36108166.html",
    "bbc/readability_bbc-1_source.html",
    "bbc/fundus/BBC_2024_08_01.html",
    "bbc/fundus/BBC_2026_04_25.html",
    "indonesian_other/htmldate_money.kompas.com-Menhub.html",
    "indonesian_other/fundus_MediaIndonesia_2026_01_20.html",
    "indonesian_other/htmldate_health.detik.com-Stroke.html",
]

# The furniture as XPath, as generic.py's comment specifies it and as it was once given to trafilatura.
FURNITURE_XPATH = (
    "//footer",
    "//*[contains(@class, 'footer') or contains(@class, 'copyright')]",
    "//*[not(self::html or self::body)][@role='dialog' or @aria-modal='true' or contains(@class, 'modal')"
    " or contains(@class, 'Modal')]",
    "//*[contains(@class, 'embed') and contains(@class, 'video')]",
)
STORY = " ".join(f"Sentence {n} of the story, with enough words to be read as prose." for n in range(12))
WRITTEN = f"""<html><head><title>t</title><base href="https://example.com/"><style>.modal {{}}</style></head>
<body class="page Modal-open"><div class="promo">Above the title <a href="#">teaser</a></div>tail one
<h1>The headline</h1><p class="lead">{STORY}</p><!-- a comment --><p>{STORY} tail</p>
<p hidden>Hidden paragraph, long enough to be read as part of the story.</p><p style="color: red">Red
paragraph of the story, kept.</p><div style="display:none"><p>Invisible paragraph of the story here.</p></div>
<div role="dialog">Sign in</div>after dialog<div aria-modal="true"><p>Account</p></div>
<div class="video-embed-wrap">Video</div><div class="embed"><p>Embedded quote, kept.</p></div>
<section class="site-footer-links"><p>Footer links</p></section><p class="Copyright">Case differs: kept</p>
<footer><p class="copyright">(c) 2026</p></footer>after footer</body></html>"""

# Pages where readability's pruning by class or id decides the article: the story sits in an element whose
# class reads as furniture but which it must keep (inside <pre>, holding an <article>, with a class that also
# reads as content), and a shorter decoy story elsewhere wins if the story is wrongly pruned.
DECOY = "<div><p>" + " ".join(f"Decoy sentence {n}, about something else." for n in range(8)) + "</p></div>"
KEPT_BY_READABILITY = {
    "maybe-content": f"<div class='extra-column'><p>{STORY}</p><p>{STORY}</p></div>",
    "in-pre": f"<pre><span class='comment-text'>{STORY}\n{STORY}</span></pre>",
    "holds-article": f"<div class='footer-nav'><article><p>{STORY}</p><p>{STORY}</p></article></div>",
}


def _page(relative: str) -> GenericArticlePage:
    if relative in KEPT_BY_READABILITY:
        html = f"<html><body>{DECOY}{KEPT_BY_READABILITY[relative]}</body></html>"
        return GenericArticlePage("https://example.com/news/2026/story", html)
    html = WRITTEN if relative == "written" else fixture_html(relative)
    return GenericArticlePage("https://example.com/news/2026/story", html)


@pytest.mark.parametrize("relative", ["written", *RECORDED])
def test_furniture_walk_selects_what_the_xpath_selects(relative: str) -> None:
    tree = _page(relative).tree
    by_xpath = {el for expression in FURNITURE_XPATH for el in tree.xpath(expression)}
    by_walk = {el for el in tree.iter() if isinstance(el.tag, str) and generic._is_furniture(el)}
    assert by_walk == by_xpath
    if relative == "written":
        assert {el.tag for el in by_walk} == {"div", "section", "footer", "p"}
        assert tree.find("body") not in by_walk  # a modal class on <body> is not furniture


@pytest.mark.parametrize("relative", ["written", *RECORDED])
def test_walk_to_the_first_h1_selects_what_the_xpath_selects(relative: str) -> None:
    tree = _page(relative).tree
    assert generic._before_first_h1(tree) == tree.xpath(generic._BEFORE_FIRST_H1)
    if relative == "written":
        assert [el.get("class") for el in generic._before_first_h1(tree)] == ["promo", None]  # and its <a>
    nested = html_tree("<html><head><title>t</title></head><body><div><p>before</p><section><h1>T</h1>"
                       "</section></div><h1>second</h1></body></html>")
    assert [el.tag for el in generic._before_first_h1(nested)] == ["p"]


@pytest.mark.parametrize("relative", ["written", *RECORDED])
def test_trafilatura_reads_the_pruned_copy_as_it_read_prune_xpath(relative: str) -> None:
    tree = _page(relative).tree
    before = html_tree(WRITTEN if relative == "written" else fixture_html(relative))
    prune = [*FURNITURE_XPATH, generic._BEFORE_FIRST_H1]
    options = {"include_comments": False, "include_tables": False, "include_links": False,
               "include_images": False, "deduplicate": False, "fast": True}
    assert trafilatura.extract(generic._without_furniture(tree), **options) == \
        trafilatura.extract(tree, prune_xpath=prune, **options)
    assert html_tree_text(tree) == html_tree_text(before)  # the page's own tree is left alone
    if relative == "written":
        text = trafilatura.extract(generic._without_furniture(tree), **options) or ""
        assert "Sentence 3 of the story" in text and "after footer" in text  # tails stay
        assert not any(noise in text for noise in ("Sign in", "Footer links", "(c) 2026", "Above the title"))


def html_tree_text(tree: object) -> str:
    return " ".join(tree.text_content().split())  # type: ignore[attr-defined]


def _stock_readability_lines(tree: object) -> list[str]:
    try:
        return generic._summary_lines(Document(copy.deepcopy(tree)).summary(html_partial=True))
    except (Unparseable, ValueError, TypeError):
        return []


@pytest.mark.parametrize("relative", ["written", *KEPT_BY_READABILITY, *RECORDED])
def test_readability_candidate_is_stock_readability(relative: str) -> None:
    page = _page(relative)
    lines = page._readability_lines()
    assert lines == _stock_readability_lines(page.tree)
    if relative in KEPT_BY_READABILITY:
        assert "Sentence 11 of the story" in " ".join(lines)
    if relative == "written":
        text = " ".join(lines)
        assert "Red paragraph" in text and "Hidden paragraph" not in text and "Invisible" not in text
    if relative == "written":
        assert any("Sentence 3 of the story" in line for line in lines)


@pytest.mark.parametrize("text", ["", "  plain text  ", "two  spaces", "tab\there", "line\nbreak",
                                  " \n a \n\n b \t c ", "nbsp\u00a0\u00a0pair", "\u2003em space", "x" * 3,
                                  "\r\n", "ends with space ", " " * 300 + "long run"])
def test_readability_length_is_the_length_of_readabilitys_clean_text(text: str) -> None:
    element = html_tree(f"<html><body><div>{text}</div></body></html>").find(".//div")
    assert generic._readability_length(element) == len(clean(element.text_content() or ""))


def test_readability_length_equals_clean_on_random_white_space() -> None:
    import random

    rng = random.Random(7)
    alphabet = [" ", " ", "\t", "\n", "\n", "\r", "\u00a0", "\x0b", "\u2028", "a", "b", ","]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20000)]
    # Long texts of indentation and blank lines, some with a run of 255 or more white-space characters.
    pieces = [" ", "\n", "\t", "\n    ", "word", "x y"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(100, 400))) for _ in range(300)]
    # Runs of 255 and more that only clean()'s first pass shortens: no break, no space or tab to collapse.
    texts += ["a" + "\u00a0" * 300 + "b", "a" + "\u00a0\n" * 200 + "b", "a" + "\r\u2028" * 150 + "b c",
              "\u00a0" * 254 + "x" + "\u3000" * 255]
    # Runs about the 255-character edge, between words, at an end, with and without a break or a tab.
    for size in (253, 254, 255, 256):
        for run in ("\u00a0" * size, "\t" * size, " \u00a0" * (size // 2) + " " * (size % 2), "\r" * size):
            texts += [f"a{run}b", f"{run}a b", f"a b{run}", f"a{run}b\t\tc{run[:-1]}\nd", run]
    for text in texts:
        assert generic._readability_clean_length(text) == len(clean(text)), repr(text)


# <div>s readability rewrites, each where a shortcut could go wrong: block tags found by prefix ("<param",
# "<picture"), in a comment, escaped in an attribute or text (not found in the XML it searches, found in the
# HTML it searches for inline children), text before, between and after children, line breaks.
DIVS = """<html><body>
<div>Only text, <b>bold</b> and <a href="#">a link</a>.</div>
<div><span>inline <em>only</em></span> tail text<br>after a break<br></div>
<div><object><param name="x" value="y"></object>holds a param</div><div><picture></picture>a picture</div>
<div><span><progress></progress></span>progress inside a span</div><div><PRE>upper-case pre</PRE></div>
<div><span title="<p>not a tag">escaped in the XML, not in the HTML</span> then text</div>
<div>&lt;p&gt; escaped text <span>&lt;div&gt;</span></div>
<div><!-- <p> in a comment --> text by a comment</div><div><?pi <table> ?> text by an instruction</div>
<div>lead text<div>inner <i>italic</i> text<br><br>more</div>trailing <u>under</u><p>para</p> end</div>
<div><span>one</span><span>two<div>block in an inline</div></span><code>code</code><br><sub>x</sub>tail</div>
<div><ul><li>list</li></ul>after list<img src="x.png">after image<table><tr><td>cell</td></tr></table></div>
<div><p>a block</p><span title="<p>in the HTML">inline with a tag in an attribute</span><b>bold</b></div>
</body></html>"""


@pytest.mark.parametrize("relative", ["divs", "written", *RECORDED])
def test_divs_rewritten_as_readability_rewrites_them(relative: str) -> None:
    html = DIVS if relative == "divs" else WRITTEN if relative == "written" else fixture_html(relative)
    tree = html_tree(html)
    ours, stock = generic._readability_document()(tree), Document(tree)
    for document in (ours, stock):
        document.html = copy.deepcopy(tree)
    stock.transform_misused_divs_into_paragraphs()
    ours.transform_misused_divs_into_paragraphs()
    assert etree.tostring(ours.html) == etree.tostring(stock.html)
    if relative == "divs":
        rewritten = etree.tostring(ours.html, encoding="unicode")
        assert "<p>Only text, <b>bold</b>" in rewritten  # no block inside: the <div> is a paragraph
        for kept in ("<div><object>", "<div><picture/>", "<div><span><progress/>", "<div><!-- <p>"):
            assert kept in rewritten  # a block tag by prefix, deep inside, or in a comment: still a <div>
        assert '<p><span title="&lt;p&gt;not a tag">' in rewritten  # escaped in the XML searched
        assert "<p>inner <i>italic</i> text<br/><br/>more</p><p>trailing </p>" in rewritten
        assert "<p><sub>x</sub>tail</p></div>" in rewritten  # the <br> before it went


def test_furniture_on_the_root_element_is_left_in_place() -> None:
    # `<html class="site-footer">`: the XPath selects the root, which trafilatura cannot delete either.
    tree = html_tree(f"<html class='site-footer'><body><h1>T</h1><p>{STORY}</p><footer>f</footer>after</body>"
                     "</html>")
    pruned = generic._without_furniture(tree)
    assert pruned.tag == "html" and pruned.find(".//footer") is None
    assert pruned.find("body").text_content().endswith("after")  # the footer's tail stays
    options = {"include_comments": False, "include_tables": False, "fast": True, "deduplicate": False}
    assert trafilatura.extract(pruned, **options) == \
        trafilatura.extract(tree, prune_xpath=[*FURNITURE_XPATH, generic._BEFORE_FIRST_H1], **options)
