"""Turning an article container into paragraphs: inline markup joined into its sentence, blocks split.

Shared by the page parsers. It works on a BeautifulSoup fragment (the article container only, never the
whole page), and yields one string per paragraph, subheadings included as their own paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "address", "details",
    "summary", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
    "tbody", "tr", "td", "th", "blockquote", "pre", "figure", "figcaption", "form", "hr", "br",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "button", "input", "select",
    "textarea", "object", "embed", "video", "audio", "picture", "source", "head",
})
HEADING_TAGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2009\u200a\u202f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


# ASCII characters str.split() splits on that are not white space to `_WS`: the information separators.
_SEPARATORS = re.compile("[\x1c-\x1f]")


def normalize_space(text: str) -> str:
    """Collapse runs of white space (non-breaking spaces included) to one space; strip zero-width chars."""
    if text.isascii():  # no zero-width character to strip: one scan fewer on nearly every call
        if _SEPARATORS.search(text) is None:
            # The same result, in a quarter less time (every line of every extractor passes here): on
            # ASCII text without separators, split() splits on exactly `_WS`'s characters.
            return " ".join(text.split())
        return _WS.sub(" ", text).strip()
    return _WS.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def spent(*_: Any, **__: Any) -> None:
    """What a recursive closure's name is rebound to once its walk is done.

    A nested function that calls itself refers to itself through its closure cell: a reference cycle, which
    holds everything the closure reads (the blocks, their elements, and so the page's whole tree) until the
    garbage collector finds it. Rebinding the name breaks the cycle, and the page is freed as soon as it is
    done (the collector took 0.69 ms a page of the generic path, 0.08 ms since)."""


def fragment(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


_END_BLOCK = object()  # a marker on the walker's stack: a block element's children are done


def iter_paragraphs(node: Tag) -> Iterator[str]:
    """Paragraph texts of `node` in document order. Block elements end a paragraph; inline ones don't.

    The walk keeps its own stack instead of recursing: BeautifulSoup builds trees of any depth, and a page
    nesting tags a million deep must not hit the interpreter's recursion limit.
    """
    buffer: list[str] = []
    after_br = False  # a <br> with nothing but white space since: a second one ends the paragraph

    def flush() -> str | None:
        text = normalize_space("".join(buffer))
        buffer.clear()
        return text or None

    stack: list[Any] = [iter(node.children)]
    while stack:
        top = stack[-1]
        if top is _END_BLOCK:
            stack.pop()
            if (text := flush()) is not None:
                yield text
            continue
        child = next(top, _END_BLOCK)
        if child is _END_BLOCK:
            stack.pop()
            continue
        if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            text = str(child)
            buffer.append(text)
            if after_br and text.strip():
                after_br = False
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower() if child.name else ""
        if name in SKIP_TAGS:
            continue
        if name == "br":
            # Two <br> in a row separate paragraphs on older layouts; one is a line break inside one.
            if after_br:
                if (text := flush()) is not None:
                    yield text
                after_br = False
            else:
                buffer.append("\n")
                after_br = True
            continue
        after_br = False
        if name in BLOCK_TAGS:
            if (text := flush()) is not None:
                yield text
            stack.append(_END_BLOCK)
        stack.append(iter(child.children))
    if (text := flush()) is not None:
        yield text
