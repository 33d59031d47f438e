"""A second cheap main-text candidate: boilerpipe-style classification of the page's text blocks.

Why: density.py scores containers (readability's method); this one never looks at containers, classes or ids.
It reads the page as a flat sequence of text blocks and classifies each by shallow text features, after
Kohlschütter, Fankhauser and Nejdl, "Boilerplate detection using shallow text features" (WSDM 2010): the
number of words of a block and of its neighbours, and the share of its text inside links. Content is then the
first large run of content blocks (short gaps allowed). The two methods fail on different pages, so when they
agree the page is settled without running trafilatura (candidates.py).

How: a block is the text between two block-level boundaries (inline markup such as links and emphasis does
not split it); scripts, styles and form controls are not read. Each block is content or boilerplate by the
paper's decision tree over (link density, words) of the previous, current and next block, the
"NumWordsRulesClassifier" of boilerpipe, reimplemented here (no code of boilerpipe's is used). Words of
Chinese or Japanese text are counted as one per two characters.

What it is worth, measured on the development set (bench/devset.py, 408 full-body pages; development
figures): alone 0.894 body F1 (density.py 0.920, trafilatura 0.891), about 1.1 ms a page. It misses more than
density (captions or ads between paragraphs end a run; pages whose comments come first) but fails on other
pages, which is what a witness needs: agreeing with density to 0.9 it settles 297 pages without trafilatura,
and as a voter it takes the generic path from 0.9371 to 0.9399 (candidates.py has the alternatives). One
caution: the paper's decision tree was fitted on L3S-GN1, which is also one of the development set's
datasets (90 pages), so the gain on l3s-gn1 (0.936 without blocks, 0.952 with it) is the least independent
part of these figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from crawler.extract.text import normalize_space, spent

_SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "video", "audio",
    "button", "select", "textarea", "input", "head", "option",
})
_INLINE = frozenset({"a", "b", "i", "em", "strong", "span", "font", "u", "small", "big", "sub", "sup", "abbr",
                     "cite", "q", "code", "mark", "time", "s", "strike", "del", "ins", "tt", "var", "kbd",
                     "label", "nobr", "wbr", "bdi", "bdo", "dfn", "samp", "acronym", "img"})
_WORD = re.compile(r"\w+")
# Counting words is a third of the cost of this module; two faster ways to the same counts (same as
# len(_WORD.findall(text)) on every block of the development set):
# - ASCII text in C: word characters (those \w matches: letters, digits, "_") become "a", all others spaces,
#   and bytes.split() counts the runs (about half the time of findall);
# - other text: with an empty group findall returns one shared empty string per word, not a new string.
_ASCII_WORDS = bytes(ord("a") if chr(i).isalnum() or chr(i) == "_" else ord(" ") for i in range(256))
_WORD_RUNS = re.compile(r"\w+()")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Content blocks at most this many blocks apart belong to one run.
MAX_GAP = 3
# The article is the first run of content with at least this share of the largest run's words.
FIRST_RUN_SHARE = 0.5


@dataclass
class Block:
    text: str  # with "\n" where a <br> splits lines
    link_density: float
    content: bool = False

    # Counted when first asked for: the decision tree never asks for the words of a link list between two
    # other link lists (two blocks in five on the development set), and counting is a third of the cost.
    @cached_property
    def words(self) -> float:
        return _words(self.text)


def _words(text: str) -> float:
    if text.isascii():
        return float(len(text.encode("ascii").translate(_ASCII_WORDS).split()))
    if _CJK.search(text) is None:
        return float(len(_WORD_RUNS.findall(text)))
    cjk = len(_CJK.findall(text))
    # A CJK clause is one \w+ run: count its characters instead, about two to a word.
    return len(_WORD.findall(_CJK.sub(" ", text))) + cjk / 2


def text_blocks(root: Any) -> list[Block]:
    """The text blocks under `root` in document order."""
    blocks: list[Block] = []
    parts: list[str] = []
    link_chars = 0  # of the text in `parts`, so 0 whenever `parts` is empty

    def flush() -> None:
        nonlocal link_chars
        text = "".join(parts)
        parts.clear()
        chars = len(text.strip())
        if chars:
            blocks.append(Block(text, min(1.0, link_chars / chars)))
        link_chars = 0

    # A flush with nothing gathered is skipped (the two around each block-level element mostly meet empty
    # parts), and so is white space before a block's first text (the indentation between block elements),
    # which would only make more such flushes: leading white space changes none of a block's link density,
    # words or lines (all strip it). An element without children (most links, spans and paragraphs) is read in
    # place, not walked. Together with reading each .text and .tail once: the walk in a sixth less time.
    def walk(el: Any, in_link: bool) -> None:
        nonlocal link_chars
        text = el.text  # each .text or .tail read decodes the string anew: read once
        if text and (parts or not text.isspace()):
            parts.append(text)
            if in_link:
                link_chars += len(text.strip())
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and tag not in _SKIP:
                if tag == "br":
                    parts.append("\n")
                elif tag in _INLINE:
                    child_in_link = in_link or tag == "a"
                    if len(child):
                        walk(child, child_in_link)
                    else:
                        text = child.text
                        if text:
                            parts.append(text)
                            if child_in_link:
                                link_chars += len(text.strip())
                else:
                    if parts:
                        flush()
                    if len(child):
                        walk(child, False)
                    else:
                        text = child.text
                        if text:
                            parts.append(text)
                    if parts:
                        flush()
            tail = child.tail
            if tail and (parts or not tail.isspace()):
                parts.append(tail)
                if in_link:
                    link_chars += len(tail.strip())

    walk(root, False)
    walk = spent  # a recursive closure is a reference cycle holding the page's tree (see `spent`)
    if parts:
        flush()
    return blocks


def classify(blocks: list[Block]) -> None:
    """Kohlschütter et al.'s decision tree over words and link density of each block and its neighbours."""
    empty = Block("", 0.0)
    for i, block in enumerate(blocks):
        prev = blocks[i - 1] if i else empty
        nxt = blocks[i + 1] if i + 1 < len(blocks) else empty
        if block.link_density > 0.333:
            block.content = False
        elif prev.link_density <= 0.555:
            if block.words <= 16:
                block.content = nxt.words > 15 or prev.words > 4
            else:
                block.content = True
        else:
            block.content = block.words > 40 or nxt.words > 17


@dataclass
class Result:
    lines: list[str]
    blocks: int  # content blocks kept


def extract(tree: Any) -> Result:
    """The main text of the page whose tree (lxml.html, whole document) is `tree`. Never changes the tree."""
    root = tree.getroottree().getroot()
    body = root.find("body")
    blocks = text_blocks(body if body is not None else root)
    classify(blocks)
    # Runs of content blocks, gaps of up to MAX_GAP boilerplate blocks allowed. The first run with at least
    # half the words of the largest is the article: comment threads and legal footers come after it and can
    # be longer (0.894 alone against 0.879 for the largest run).
    runs: list[tuple[float, int, int]] = []
    start, last, words = -1, -1, 0.0
    for i, block in enumerate(blocks):
        if not block.content:
            continue
        if start < 0 or i - last > MAX_GAP + 1:
            if start >= 0:
                runs.append((words, start, last))
            start, words = i, 0.0
        words += block.words
        last = i
    if start >= 0:
        runs.append((words, start, last))
    if not runs:
        return Result([], 0)
    largest = max(run[0] for run in runs)
    _, first, end = next(run for run in runs if run[0] >= FIRST_RUN_SHARE * largest)
    kept = [b for b in blocks[first:end + 1] if b.content]
    lines = [line for b in kept for line in (normalize_space(part) for part in b.text.split("\n")) if line]
    return Result(lines, len(kept))
