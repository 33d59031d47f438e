"""A fast main-text candidate of our own: readability's scoring, in one pass over the page's parsed tree.

Why: the generic extractor chooses among several extractors by agreement (candidates.py), and every
extractor it runs costs a parse, copies of the tree and dozens of XPath scans. This one reads the tree the
page already has (no parse, no copy, no XPath) and costs a few milliseconds, so it can serve as an
independent opinion on every page: when it and trafilatura agree, nothing more needs to run.

How (the scoring of Arc90's readability, as readability-lxml implements it, reimplemented over lxml
iteration): text blocks are the page's paragraph-level elements (p, headings, list items, table cells, quotes)
and the runs of bare text in containers (old pages write `<div>text<br><br>text</div>`). Each block of 25
characters or more adds 1 + its commas + its length in hundreds (up to 3) to its parent, half of that to its
grandparent; containers start from a weight by tag and by class/id words (`article`, `content` up; `comment`,
`sidebar`, `related` down). The best container, discounted by its link density, wins, with those of its
siblings that score near it; its blocks, less link lists, are the body. Elements whose class or id names them
furniture (comments, menus, sharing, sidebars, bylines, captions) are skipped whole, as readability does.

Beyond readability, each measured on the development set (bench/devset.py; density alone, body F1):
- furniture by tag or class is skipped only when it holds less than half of the page's text (scripts not
  counted): unclosed <aside> or <header> elements and body wrappers classed "no-sidebars" swallow whole
  articles (0.872 -> 0.903); ASP.NET pages wrap everything in one <form>;
- several near-equal top candidates (sections of one article in site-builder wrappers) give way to their
  common ancestor (+0.004); spreading scores to five ancestor levels as Mozilla's Readability does, or
  climbing to a higher-scoring parent, lost (-0.004, -0.01);
- a <br> splits a block into lines (+0.003); blocks of symbols or script text that escaped a broken <script>
  are no prose and count for nothing (+0.008), which also keeps random bytes from passing for an article.
Alone it scores 0.920 (trafilatura's default mode 0.891) at about 4x trafilatura's speed; the generic
extractor uses it as one opinion among several (candidates.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crawler.extract.text import normalize_space

# Never text of the article (their tails are).
_SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "video", "audio",
    "button", "select", "textarea", "input", "head", "figcaption",
})
_SCRIPTS = ("script", "style", "noscript", "template")
# Page furniture, unless it holds most of the page (an unclosed <aside> swallows everything after it).
# A <form> is a comment box or a search field, or (ASP.NET) the wrapper of the whole page.
_FURNITURE = frozenset({"nav", "footer", "aside", "menu", "dialog", "form"})
# Paragraph-level elements: a block of their own when they hold no other block.
_LEAF = frozenset({"p", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dd", "dt",
                   "figcaption", "address"})
# Inline elements: their text belongs to the run of text they sit in.
_INLINE = frozenset({"a", "b", "i", "em", "strong", "span", "font", "u", "small", "big", "sub", "sup", "abbr",
                     "cite", "q", "code", "mark", "time", "s", "strike", "del", "ins", "tt", "var", "kbd",
                     "label", "nobr", "wbr", "bdi", "bdo", "dfn", "samp", "acronym", "img", "br"})
_BLOCKISH = ("p", "div", "section", "article", "ul", "ol", "dl", "table", "pre", "blockquote", "h1", "h2",
             "h3", "h4", "h5", "h6", "main", "header", "figure", "li")
_UNLIKELY = re.compile(r"combx|comment|community|disqus|extra|foot|header|menu|remark|rss|shoutbox|sidebar|"
                       r"sponsor|ad-break|agegate|pagination|pager|popup|tweet|twitter|share|social|related|"
                       r"newsletter|subscribe|cookie|breadcrumb|promo|outbrain|taboola|caption|author|byline",
                       re.I)
_MAYBE = re.compile(r"and|article|body|column|main|shadow|content|entry|story", re.I)
_POSITIVE = re.compile(r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story",
                       re.I)
_NEGATIVE = re.compile(r"combx|comment|com-|contact|foot|footer|footnote|masthead|media|meta|outbrain|promo|"
                       r"related|scroll|shoutbox|sidebar|sponsor|shopping|tags|tool|widget|share|social|byline|"
                       r"caption|credit|newsletter|subscribe|hidden", re.I)
_TAG_WEIGHT = {"div": 5, "article": 10, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
               "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
               "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}
_COMMAS = re.compile(r"[,，、،]")
MIN_BLOCK_CHARS = 25
# Characters prose is not made of: a block with many of them is data or binary noise (random bytes decoded as
# latin-1 make "text" of symbols), never a paragraph.
_NOT_PROSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f¤¦¨ª¬\xad¯±²³´µ¶¸¹º¼½¾¿×÷^`{}~<>\\\\]")
MAX_NOT_PROSE = 0.1
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass
class Block:
    owner: Any  # the element whose text this is (a paragraph, or the container of a run of bare text)
    text: str  # with "\n" where a <br> or block boundary splits lines
    links: int  # characters of that text inside links

    @property
    def prose(self) -> bool:
        text = self.text
        if len(_NOT_PROSE.findall(text)) > MAX_NOT_PROSE * len(text):
            return False
        # Script text that escaped its element (broken markup around a <script>): braces and semicolons.
        code = text.count("{") + text.count("}") + text.count(";")
        return not (code >= 3 and code > 0.02 * len(text) and "{" in text) and "<!--" not in text


@dataclass
class Result:
    lines: list[str]
    container: Any | None  # the winning element, for --explain and tests


def _attr_words(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _unlikely(el: Any, page_chars: int) -> bool:
    if el.tag in _FURNITURE:
        return len(el.text_content()) < page_chars / 2
    words = _attr_words(el)
    if len(words) <= 1 or _UNLIKELY.search(words) is None or _MAYBE.search(words) is not None:
        return False
    # A wrapper holding most of the page is no sidebar, whatever its class says ("no-sidebars" on <body>'s
    # first div, an unclosed <header> around everything): skipping it would skip the article.
    return el.tag not in ("body", "article", "main") and len(el.text_content()) < page_chars / 2


def _class_weight(el: Any) -> int:
    weight = 0
    for value in (el.get("class"), el.get("id")):
        if value:
            if _NEGATIVE.search(value):
                weight -= 25
            if _POSITIVE.search(value):
                weight += 25
    return weight


def _has_block(el: Any) -> bool:
    return next(el.iterdescendants(*_BLOCKISH), None) is not None


def _text(el: Any) -> str:
    """The element's text, with a line break for each <br> (text_content() drops them)."""
    if next(el.iter("br"), None) is None:
        return str(el.text_content())
    parts: list[str] = []

    def add(node: Any) -> None:
        parts.append(node.text or "")
        for child in node:
            if child.tag == "br":
                parts.append("\n")
            elif isinstance(child.tag, str) and child.tag not in _SKIP:
                add(child)
            parts.append(child.tail or "")

    add(el)
    return "".join(parts)


def _link_chars(el: Any) -> int:
    if el.tag == "a":
        return len(el.text_content())
    return sum(len(a.text_content()) for a in el.iter("a"))


def _blocks(root: Any) -> list[Block]:
    """The page's text blocks in document order (see the module docstring)."""
    blocks: list[Block] = []
    # The page's readable text, to tell a wrapper from a sidebar (scripts can hold 100 times the article).
    page_chars = len(root.text_content()) - sum(len(el.text or "") for el in root.iter(*_SCRIPTS))

    def flush(owner: Any, run: list[str], links: int) -> None:
        text = "".join(run)
        if text.strip():
            blocks.append(Block(owner, text, links))

    def walk(el: Any) -> None:
        run: list[str] = [el.text or ""]
        links = 0
        for child in el:
            tag = child.tag
            skipped = tag in _SKIP or (tag not in _INLINE and _unlikely(child, page_chars))
            if not isinstance(tag, str) or skipped:
                run.append(child.tail or "")
                continue
            if tag == "br":
                run.append("\n")
            elif tag in _INLINE and not _has_block(child):
                text = _text(child)
                run.append(text)
                links += len(text) if tag == "a" else _link_chars(child)
            else:
                flush(el, run, links)
                run, links = [], 0
                if tag in _LEAF and not _has_block(child):
                    text = _text(child)
                    if text.strip():
                        blocks.append(Block(child, text, _link_chars(child)))
                else:
                    walk(child)
                run.append("\n")
            run.append(child.tail or "")
        flush(el, run, links)

    walk(root)
    return blocks


def extract(tree: Any) -> Result:
    """The main text of the page whose tree (lxml.html, whole document) is `tree`. Never changes the tree."""
    root = tree.getroottree().getroot()
    body = root.find("body")
    if body is None:
        body = root
    blocks = _blocks(body)
    scores: dict[Any, float] = {}
    text_len: dict[Any, int] = {}
    link_len: dict[Any, int] = {}
    blocks = [block for block in blocks if block.prose]
    for block in blocks:
        length = len(block.text.strip())
        # Totals per ancestor, for link density (only text we read: skipped furniture does not count).
        node = block.owner
        while node is not None:
            text_len[node] = text_len.get(node, 0) + length
            link_len[node] = link_len.get(node, 0) + block.links
            node = node.getparent()
        cjk = _CJK.search(block.text) is not None
        if length < (MIN_BLOCK_CHARS // 2 if cjk else MIN_BLOCK_CHARS):
            continue
        score = 1 + len(_COMMAS.findall(block.text)) + min(length // (50 if cjk else 100), 3)
        owner = block.owner
        parent = owner if owner.tag not in _LEAF else owner.getparent()
        for level, el in enumerate((parent, parent.getparent() if parent is not None else None)):
            if el is None or not isinstance(el.tag, str):
                break
            if el not in scores:
                scores[el] = _TAG_WEIGHT.get(el.tag, 0) + _class_weight(el)
            scores[el] += score / (1 + level)
    if not scores:
        return Result([], None)

    def density(el: Any) -> float:
        total = text_len.get(el, 0)
        return link_len.get(el, 0) / total if total else 1.0

    def final(el: Any) -> float:
        return scores[el] * (1 - density(el))

    ranked = sorted(scores, key=final, reverse=True)
    top = ranked[0]
    top_score = final(top)
    # Several near-equal candidates (sections of one article): their common ancestor is the article.
    close = [el for el in ranked[1:5] if final(el) >= 0.75 * top_score]
    if len(close) >= 2:
        ancestors_of = [set(el.iterancestors()) for el in close]
        node = top.getparent()
        while node is not None and node.tag != "body":
            if sum(node in anc for anc in ancestors_of) >= 2:
                top = node
                break
            node = node.getparent()
    top_score = final(top) if top in scores else top_score
    chosen = [top]
    parent = top.getparent()
    if parent is not None and top.tag != "body":
        threshold = max(10.0, top_score * 0.2)
        top_class = top.get("class") or ""
        chosen = []
        for sibling in parent:
            if sibling is top:
                chosen.append(sibling)
                continue
            if not isinstance(sibling.tag, str) or sibling.tag in _SKIP:
                continue
            bonus = top_score * 0.2 if top_class and sibling.get("class") == top_class else 0.0
            if sibling in scores and scores[sibling] * (1 - density(sibling)) + bonus >= threshold:
                chosen.append(sibling)
            elif sibling.tag == "p" and sibling in text_len:
                length, ld = text_len[sibling], density(sibling)
                if (length > 80 and ld < 0.25) or (0 < length <= 80 and ld == 0 and
                                                   re.search(r"\.( |$)", sibling.text_content())):
                    chosen.append(sibling)
    inside = set(chosen)
    lines: list[str] = []
    for block in blocks:
        # The block counts if it or an ancestor was chosen; a link-dense list between them drops it.
        node, keep = block.owner, False
        while node is not None:
            if node in inside:
                keep = True
                break
            if node is not block.owner and text_len.get(node, 0) > 0 and density(node) > 0.5:
                break
            node = node.getparent()
        if not keep:
            continue
        length = len(block.text.strip())
        if length and block.links / length > 0.5:
            continue
        lines.extend(line for line in (normalize_space(part) for part in block.text.split("\n")) if line)
    return Result(lines, top if lines else None)
