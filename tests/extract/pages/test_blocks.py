"""The boilerpipe-style block classification candidate (crawler/extract/pages/blocks.py): pages written for
the test, and real pages of the development set read in place from ../shared (never copied)."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from crawler.extract.decoding import decode_html
from crawler.extract.pages import blocks
from crawler.extract.pages.base import html_tree
from crawler.extract.pages.candidates import agreement, shingles
from tests.conftest import shared_path
from tests.extract.pages.samples import STORY, TRENDING

MENU = "".join(f"<li><a href='/s/{i}'>Section {i}</a></li>" for i in range(12))


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title><script>var x = 1;</script></head>" \
           f"<body>{body}</body></html>"


def test_the_article_not_the_menu_or_the_link_lists() -> None:
    page = _page(f"<nav><ul>{MENU}</ul></nav><div><h1>Protests spread</h1>"
                 + "".join(f"<p>{p} <a href='/x'>More</a></p>" for p in STORY)
                 + f"</div><div><h2>Trending</h2><ul>{TRENDING}</ul></div>"
                 + "<p>Copyright Example News.</p>")
    lines = blocks.extract(html_tree(page)).lines
    # The headline and the list's heading are short blocks next to content: kept, as in the paper.
    assert lines == ["Protests spread", *(f"{p} More" for p in STORY), "Trending"]


def test_inline_markup_does_not_split_a_block_and_br_splits_lines() -> None:
    page = _page(f"<div>{STORY[0]} <b>bold</b> <span>{STORY[1]}</span><br>{STORY[2]}</div>")
    found = blocks.text_blocks(html_tree(page).find("body"))
    assert len(found) == 1 and found[0].link_density == 0.0
    assert blocks.extract(html_tree(page)).lines == [f"{STORY[0]} bold {STORY[1]}", STORY[2]]


def test_the_largest_run_of_content_wins_over_a_distant_one() -> None:
    # A comment far below the article, past a long run of link blocks: not part of the article.
    far = "".join(f"<div><a href='/r/{i}'>Related story number {i}</a></div>" for i in range(10))
    page = _page("".join(f"<p>{p}</p>" for p in STORY) + far
                 + "<p>What a fascinating account of the events, thank you for writing this piece today.</p>")
    assert blocks.extract(html_tree(page)).lines == STORY


def test_the_first_large_run_wins_over_a_longer_comment_thread_after_it() -> None:
    # Comments (plain text, no links) below the article, past a run of link blocks, and longer than it.
    far = "".join(f"<div><a href='/r/{i}'>Related story number {i}</a></div>" for i in range(10))
    comments = "".join(f"<p>Comment {i}: I have been following this story for weeks and I still cannot "
                       f"believe how quickly things changed in the country.</p>" for i in range(5))
    page = _page("".join(f"<p>{p}</p>" for p in STORY) + far + comments)
    assert blocks.extract(html_tree(page)).lines == STORY


def test_chinese_text_counts_characters_as_words() -> None:
    assert blocks._words("中国新闻网北京电") == 4.0
    assert blocks._words("abc def 中文") == 3.0


def test_no_text_no_lines_and_the_tree_is_not_changed() -> None:
    tree = html_tree(_page(f"<nav><ul>{MENU}</ul></nav>"))
    before = len(list(tree.iter()))
    assert blocks.extract(tree).lines == []
    assert len(list(tree.iter())) == before


DEVSET_PAGES = ["l3s-89fc8a0d-3841", "cpe-blogs_wsj_com_brussels_08", "dragnet-R653",
                "daniel-el-www_kavalanet_gr-439c1c31f8"]


@pytest.fixture(scope="module")
def devset_truth() -> dict[str, dict]:
    text = shared_path("devsets/generic/truth.jsonl").read_text(encoding="utf-8")
    rows = (json.loads(line) for line in text.split("\n") if line.strip())
    return {row["id"]: row for row in rows if row["id"] in DEVSET_PAGES}


@pytest.mark.parametrize("page_id", DEVSET_PAGES)
def test_real_pages_of_the_development_set(page_id: str, devset_truth: dict[str, dict]) -> None:
    # Pages of four datasets on which the method works as designed: the body, nothing around it.
    raw = gzip.decompress(shared_path(f"devsets/generic/pages/{page_id}.html.gz").read_bytes())
    lines = blocks.extract(html_tree(decode_html(raw))).lines
    assert agreement(shingles("\n".join(lines)), shingles(devset_truth[page_id]["body"])) > 0.95


def test_words_are_the_runs_of_word_characters() -> None:
    # ASCII text is counted by translate and split, other text by the regex: the same runs as \w+.
    for text in ("don't stop_me now, 42 x-y", "  ", "", "a", "Größe und Maß: 3½ ×2", "l'été — “quoted”",
                 "tab\tand\x1fcontrol\x00chars"):
        assert blocks._words(text) == len(re.findall(r"\w+", text)), text
