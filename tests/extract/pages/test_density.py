"""Our own density-scoring candidate (crawler/extract/pages/density.py) on pages written for the test."""

from __future__ import annotations

from crawler.extract.pages import density
from crawler.extract.pages.base import html_tree
from tests.extract.pages.samples import STORY, TRENDING

MENU = "".join(f"<li><a href='/s/{i}'>Section number {i} of the site</a></li>" for i in range(12))


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title><script>var x = '{'y' * 5000}';</script></head>" \
           f"<body>{body}</body></html>"


def test_paragraphs_of_the_article_not_the_menu_or_the_trending_list() -> None:
    page = _page(f"<nav><ul>{MENU}</ul></nav><div id='content'><h1>Protests spread</h1>"
                 + "".join(f"<p>{p}</p>" for p in STORY)
                 + f"<div class='related'><h2>Trending</h2><ul>{TRENDING}</ul></div></div>"
                 + "<footer><p>Copyright Example News, all rights reserved, since 1999.</p></footer>")
    result = density.extract(html_tree(page))
    assert result.lines == ["Protests spread", *STORY]
    assert result.container is not None and result.container.get("id") == "content"


def test_bare_text_runs_split_by_line_breaks_are_paragraphs() -> None:
    # Old pages: the article is text in a table cell, paragraphs separated by <br><br>.
    cell = "<br><br>".join(STORY)
    page = _page(f"<table><tr><td class='menu'><ul>{MENU}</ul></td><td>{cell}</td></tr></table>")
    assert density.extract(html_tree(page)).lines == STORY


def test_a_wrapper_named_like_furniture_is_kept_when_it_holds_the_page() -> None:
    # An unclosed <aside> (or a body wrapper classed "no-sidebars") swallows the article: still read.
    article = "".join(f"<p>{p}</p>" for p in STORY)
    for wrapper in (f"<aside class='banner'><div>{article}</div>",
                    f"<div class='no-sidebars'>{article}</div>"):
        assert density.extract(html_tree(_page(wrapper))).lines == STORY


def test_captions_and_sections_of_one_article() -> None:
    # Each section in its own wrapper (site builders): their common ancestor is the article.
    sections = "".join(f"<div class='block'><div class='inner'><p>{p}</p><p>{p}</p></div></div>"
                       for p in STORY)
    page = _page(f"<div id='main'><figure><img src='a.jpg'><figcaption>A caption, not the story"
                 f"</figcaption></figure>{sections}</div>"
                 f"<div class='comments'><p>{'Nice article, thanks. ' * 5}</p></div>")
    lines = density.extract(html_tree(page)).lines
    assert lines == [p for p in STORY for _ in (0, 1)]


def test_a_page_without_text_blocks_has_no_container() -> None:
    result = density.extract(html_tree(_page(f"<nav><ul>{MENU}</ul></nav>")))
    assert result.lines == [] and result.container is None


def test_the_tree_is_not_changed() -> None:
    tree = html_tree(_page("".join(f"<p>{p}</p>" for p in STORY)))
    before = len(list(tree.iter()))
    density.extract(tree)
    assert len(list(tree.iter())) == before


def test_class_words_are_matched_as_the_case_insensitive_patterns_match_them() -> None:
    # ASCII values are lowered and searched without re.I (faster); the others by the patterns themselves.
    patterns = (density._UNLIKELY, density._MAYBE, density._POSITIVE, density._NEGATIVE)
    for value in ("Sidebar-Left", "POST-BODY", "mainContent", "x", "", "SİDEBAR", "ſhare", "\u212aomment",
                  "Hauptinhalt-Größe", "entry_TEXT comments"):
        for pattern in patterns:
            assert density._finds(pattern, value) == (pattern.search(value) is not None), (pattern, value)


def test_density_and_blocks_leave_no_reference_cycle_behind() -> None:
    # A cycle would hold the page's whole tree until the garbage collector runs (see crawler/extract/text.py
    # `spent`): pages must be freed when the extraction is done.
    import gc

    from crawler.extract.pages import blocks

    story = "".join(f"<div class='post'><p>Line one of {n}<br>line two, <a href='#'>a link</a>.</p></div>"
                    for n in range(20))
    html = f"<html><body><nav><a href='/'>Home</a></nav><article>{story}</article></body></html>"
    gc.collect()
    gc.disable()
    try:
        tree = html_tree(html)
        assert density.extract(tree).lines and blocks.extract(tree).lines
        del tree
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_word_tries_match_where_their_alternations_match() -> None:
    import re

    assert re.fullmatch(density.word_trie(["ab", "a", "abc", "b-c"]), "abc")
    for pattern in (density._UNLIKELY, density._MAYBE, density._POSITIVE, density._NEGATIVE):
        alternation = re.compile(pattern.pattern)
        trie = density._LOWERED[pattern]
        words = pattern.pattern.split("|")
        texts = [*words, *(w[:-1] for w in words), *(f"x-{w}-y" for w in words), *(w[1:] for w in words),
                 "", "nav-primary", "story-body__inner", "comment-count sidebar", "ad-breaker", "h-entr",
                 " ".join(words)[::-1]]
        for text in texts:
            assert (trie.search(text) is None) == (alternation.search(text) is None), (pattern.pattern, text)
