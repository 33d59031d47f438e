"""The fast paths of the page parsers select exactly what the XPath searches they replace did.

`ClassIndex` (extract/pages/base.py) stands in for `//TAG[contains(concat(" ", normalize-space(@class), " "),
" NAME ")]` searches; the Liputan6 parser's lead-image and tag lookups combine it for `//A//B` searches; the
base page reads <meta> and canonical links from one pass; the inline-data reader finds assignments with
one regex scan; `SimpleSelectors` match the container selectors in Python instead of cssselect's XPath; the
cleaner checks `decomposed` without bs4's subtree search. Each is compared here with the original XPath or
library call, on every recorded page and on generated bench pages.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup
from cssselect import GenericTranslator
from lxml import html as lxml_html

from bench.sitegen import BenchSite, joined
from crawler.extract.cleaning.cleaner import _decomposed_check
from crawler.extract.decoding import decode_html
from crawler.extract.pages import liputan6
from crawler.extract.pages.base import ArticlePage, ClassIndex, SimpleSelectors, class_tokens, html_tree
from crawler.extract.pages.liputan6_inline import _KEY_ASSIGNMENT, _OBJECT_ASSIGNMENT, _matches, _starts
from crawler.extract.urls import host_of
from tests.conftest import shared_path


def _cls(name: str) -> str:
    """The XPath class test the parser used before the index (and cssselect still uses)."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def _recorded() -> list[tuple[str, str]]:
    folder = shared_path("fixtures")
    return [(str(path.relative_to(folder)), decode_html(path.read_bytes()))
            for path in sorted(folder.rglob("*.htm*"))]


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, str]]:
    """(name, html) of every recorded page, and of a mobile and a desktop generated bench page."""
    site = BenchSite.build(10, page_bytes=60_000)
    generated = []
    for layout in ("mobile", "desktop"):
        article = next(a for a in site.articles if a.layout == layout)
        body = site.page(article.path)
        assert body is not None
        generated.append((f"generated {layout}", joined(body).decode("utf-8")))
    return _recorded() + generated


SELECTORS: list[tuple[str | None, str]] = [
    *liputan6.TITLE_SELECTORS, *liputan6.BYLINE_SELECTORS, *liputan6.TAG_SELECTORS,
    *liputan6.PUBLISHED_TIME_SELECTORS, liputan6.SHORT_DESCRIPTION, liputan6.READ_CONTAINER,
    liputan6.DESKTOP_2016_CONTAINER, liputan6.MOBILE_GALLERY, liputan6.DESKTOP_GALLERY,
]


def test_the_index_finds_what_the_class_xpath_finds(pages: list[tuple[str, str]]) -> None:
    checked = 0
    for name, html in pages:
        tree = html_tree(html)
        index = ClassIndex(tree)
        # The parser's selectors, and a sample of every class the page uses (with and without a tag).
        tokens = sorted(index.by_class)
        queries: list[tuple[str | None, str]] = [*SELECTORS, *((None, t) for t in tokens[::7])]
        queries += [(index.by_class[t][0].tag, t) for t in tokens[3::11]]
        for tag, token in queries:
            expected = tree.xpath(f"//{tag or '*'}[{_cls(token)}]")
            assert index.find(token, tag) == expected, f"{name}: {tag or '*'}.{token}"
            checked += bool(expected)
    assert checked > 200  # the comparison covered real matches, not only empty lists


def test_class_tokens_split_as_xpath_does() -> None:
    html = ("<p><b class='a\tb'>1</b><i class='c\u00a0d  e'>2</i><u class=' f\nf \r'>3</u>"
            "<s class=''>4</s><em class='g\u2003'>5</em></p>")
    tree = html_tree(html)
    index = ClassIndex(tree)
    for token in ("a", "b", "c", "d", "c\u00a0d", "e", "f", "g", "g\u2003"):
        assert index.find(token) == tree.xpath(f"//*[{_cls(token)}]"), token
    assert index.find("f") and len(index.find("f")) == 1  # `f f`: listed once
    assert sorted(class_tokens(" x\ty\n x\u00a0z ")) == ["x", "x\u00a0z", "y"]


def test_the_index_covers_the_whole_document_like_xpath() -> None:
    # Not a full document: lxml returns the body's only child, but `//` still searches from the top.
    tree = html_tree('<body class="m"><p class="m">x</p></body>')
    assert tree.tag == "p"
    assert ClassIndex(tree).find("m") == tree.xpath(f"//*[{_cls('m')}]")
    assert [el.tag for el in ClassIndex(tree).find("m")] == ["body", "p"]


def test_ids_as_xpath_finds_them(pages: list[tuple[str, str]]) -> None:
    for name, html in pages:
        tree = html_tree(html)
        index = ClassIndex(tree)
        for ident in sorted(index.by_id)[::5]:
            assert index.with_id(ident) == tree.xpath(f'//*[@id="{ident}"]'), f"{name}: #{ident}"


def _old_lead_media(tree: Any) -> list[list[Any]]:
    return [
        tree.xpath(f"//*[{_cls('read-page-upper')}]//*[{_cls('article-photo-gallery--item')}]"
                   f"[not(ancestor::*[{_cls('article-content-body')}])]"),
        tree.xpath(f"//*[{_cls('read-page--top-media')}]//figure"),
        tree.xpath(f"//figure[{_cls('read-page--photo-gallery--item')}]"),
    ]


def test_combined_lookups_match_their_xpath(pages: list[tuple[str, str]]) -> None:
    found_media = 0
    for name, html in pages:
        page = liputan6.Liputan6Page("https://www.liputan6.com/news/read/1/x", html)
        tree = page.tree
        assert list(page.lead_media()) == _old_lead_media(tree), name
        assert page.index.descendants(page.index.find("read-page__tags"), "a") == tree.xpath(
            f"//*[{_cls('read-page__tags')}]//a"), name
        gallery = bool(tree.xpath(f"//*[{_cls('hentry')} and contains(@data-cache-key, 'PhotoGallery')]"))
        on_photo_host = any(host_of(url).startswith("photo.") for url in (page.url(), page.url_given))
        assert liputan6._is_2016_gallery(page) == (gallery or on_photo_host), name
        found_media += sum(map(len, page.lead_media()))
    assert found_media  # (no recorded page has a `read-page__tags` box: see the nested-container test)
    hentry = '<div class="hentry x" data-cache-key="a:PhotoGallery:1"></div>'
    for html, expected in ((hentry, True), (hentry.replace("Photo", "Text"), False),
                           (hentry.replace("hentry x", "hentry-x"), False)):
        page = liputan6.Liputan6Page("https://www.liputan6.com/news/read/1/x", html)
        assert liputan6._is_2016_gallery(page) is expected


def test_descendants_of_nested_containers_in_document_order() -> None:
    html = ('<div class="box" id="outer"><a id="1"></a><div class="box"><a id="2"></a></div><a id="3"></a>'
            '</div><a id="4"></a><p class="box"><a id="5"></a></p>')
    tree = html_tree(html)
    index = ClassIndex(tree)
    found = index.descendants(index.find("box"), "a")
    assert found == tree.xpath(f"//*[{_cls('box')}]//a")
    assert [el.get("id") for el in found] == ["1", "2", "3", "5"]
    inner = index.find("box")[1]
    assert ClassIndex.under(found, [inner]) == tree.xpath(f"//div[@id='outer']/div[{_cls('box')}]//a")
    assert [el.get("id") for el in ClassIndex.not_under(found, [inner])] == ["1", "3", "5"]


def _old_meta(tree: Any, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            for value in tree.xpath(f'//meta[@{attr}="{name}"]/@content'):
                if value and value.strip():
                    return str(value).strip()
    return None


def test_metadata_reads_as_the_xpath_did(pages: list[tuple[str, str]]) -> None:
    for name, html in pages:
        page = ArticlePage("https://example.com/a", html)
        tree = page.tree
        names = {str(v) for v in tree.xpath("//meta/@property | //meta/@name | //meta/@itemprop")
                 if '"' not in v}
        for meta_name in sorted(names):
            assert page.meta(meta_name) == _old_meta(tree, meta_name), f"{name}: {meta_name}"
            expected = [str(v).strip() for v in tree.xpath(
                f'//meta[@property="{meta_name}" or @name="{meta_name}"]/@content') if v and v.strip()]
            assert page.metas(meta_name) == expected, f"{name}: {meta_name}"
        assert page.meta("og:title", "description") == _old_meta(tree, "og:title", "description"), name
        links = tree.xpath('//link[@rel="canonical"]/@href')
        assert page.canonical_link() == (str(links[0]).strip() if links else None), name
        assert page.json_ld == _old_json_ld(tree), name


def _old_json_ld(tree: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for raw in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
            elif isinstance(item, list):
                stack.extend(item)
    return found


def test_elements_get_lxml_html_classes(pages: list[tuple[str, str]]) -> None:
    html = "<form><input><select><option>a</select><textarea>t</textarea><label>l</label></form><!-- c -->"
    for name, text in [*pages, ("forms", html)]:
        ours = [type(el) for el in html_tree(text).getroottree().iter()]
        theirs = [type(el) for el in lxml_html.fromstring(text).getroottree().iter()]
        assert ours == theirs, name
    assert {cls.__name__ for cls in ours} >= {"FormElement", "InputElement", "SelectElement",
                                               "TextareaElement", "LabelElement", "HtmlComment"}


def test_inline_assignments_found_as_finditer_finds_them(pages: list[tuple[str, str]]) -> None:
    tricky = ("window.kly.window.kly.a = 1; window.kmklabs = {\"b\": 2}; window.kmklabs.c === 3; "
              "window.kly.d=window.kly.e = 'x'; window.k; window.klyx = 1")
    total = 0
    for name, html in [*pages, ("tricky", tricky)]:
        starts = _starts(html)
        for pattern in (_OBJECT_ASSIGNMENT, _KEY_ASSIGNMENT):
            expected = [(m.span(), m.groups()) for m in pattern.finditer(html)]
            assert [(m.span(), m.groups()) for m in _matches(pattern, html, starts)] == expected, name
            total += len(expected)
    assert total > 20


@pytest.mark.parametrize("decoy", [False, True])
def test_decomposed_check_agrees_with_bs4(decoy: bool) -> None:
    soup = BeautifulSoup("<div><p>a<b>b</b></p><p>c</p><p>d</p></div>", "lxml")
    node = soup.find("div")
    assert node is not None
    tags = node.find_all(True)
    if decoy:  # a tag bs4's own check mistakes for the marker (no HTML parser makes one; built by hand)
        tags[2].append(soup.new_tag("_decomposed"))
    check = _decomposed_check(node)
    tags[0].decompose()
    for tag in tags:
        assert check(tag) == bool(tag.decomposed), (decoy, tag.name)
    assert check(tags[0]) and check(tags[1]) and not check(tags[3])
    assert check(tags[2]) is decoy



# The Liputan6 container selectors, and selectors exercising every part SimpleSelectors supports.
CSS_LISTS = [
    liputan6.FURNITURE_SELECTOR, liputan6.MEDIA_SELECTOR + ", .article-video-gallery--item",
    liputan6.IMAGE_BLOCK_SELECTOR, liputan6.SECTION_SELECTOR, liputan6.SECTION_TITLE_SELECTOR,
    "div.a.b, [id], [data-x=''], p#x, a[href^='http'], span[title*=''], *[class^='read'], img[src*='.jpg']",
    "li.menu__item, a[rel=nofollow], [id*='ad'], h2, figure.x[data-y]",
]


def test_simple_selectors_select_what_their_xpath_selects(pages: list[tuple[str, str]]) -> None:
    translator = GenericTranslator()
    compiled = [(SimpleSelectors(css), translator.css_to_xpath(css, prefix="descendant-or-self::"))
                for css in CSS_LISTS]
    found = 0
    for name, html in pages:
        tree = html_tree(html)
        for root in [tree, *tree.iter("div", "article", "section", "main", "body")][:300]:
            for select, xpath in compiled:
                expected = root.xpath(xpath)
                assert select(root) == expected, f"{name}: {xpath[:80]}"
                found += len(expected)
    assert found > 1000
    tricky = html_tree('<div class="x\ty" id="ad-1" data-x=""><p id="x" class="a\u00a0b">1</p>'
                       '<div class="b a"><a href="https://e">2</a><span title="t">3</span></div></div>')
    for select, xpath in compiled:
        assert select(tricky) == tricky.xpath(xpath)


@pytest.mark.parametrize("css", ["div p", "a:hover", "p > b", "[x~='y']", "*", "a, *:first-child",
                                 "p::before"])
def test_simple_selectors_refuse_what_they_cannot_test(css: str) -> None:
    with pytest.raises(ValueError):
        SimpleSelectors(css)
