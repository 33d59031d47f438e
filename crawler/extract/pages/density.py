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

from crawler.extract.text import normalize_space, spent

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


def word_trie(words: list[str]) -> str:
    """A regex matching exactly where `word1|word2|...` matches, its words factored into a trie.

    Why: Python's regex engine tries each alternative in turn at each position; with the shared prefixes
    factored out (`com(?:bx|ment|munity)`) it follows one branch, and the class/id searches of a page take
    half the time (measured on the development set's 32,000 distinct class-and-id values). Only the words
    are read: `words` must be plain text, the alternatives of the patterns below."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        # A word ending here makes what follows optional: a search for the shorter word matches anyway.
        return "(?:" + "|".join(branches) + (")?" if "" in node else ")")

    return pattern(trie)


# The class/id patterns without re.I, for ASCII text lowered first: four times faster (case-insensitive
# literals lose the regex engine's quick first-character test) and the same answer, since for ASCII text
# re.I folds case exactly as str.lower() does (the special folds, Kelvin sign or long s, are not ASCII);
# and as word tries (see `word_trie`): half the time again.
_LOWERED = {pattern: re.compile(word_trie(pattern.pattern.split("|")))
            for pattern in (_UNLIKELY, _MAYBE, _POSITIVE, _NEGATIVE)}


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


def _finds(pattern: re.Pattern[str], value: str) -> bool:
    """Whether `pattern` (one of the case-insensitive class/id patterns) is found in `value`."""
    if value.isascii():
        return _LOWERED[pattern].search(value.lower()) is not None
    return pattern.search(value) is not None


def _unlikely_words(words: str) -> bool:
    """Whether an element's "class id" words name furniture; cached per page by `_blocks`."""
    return len(words) > 1 and _finds(_UNLIKELY, words) and not _finds(_MAYBE, words)


def _value_weight(value: str) -> int:
    """The weight one class or id value gives its element; cached per page by `extract`."""
    return (-25 if _finds(_NEGATIVE, value) else 0) + (25 if _finds(_POSITIVE, value) else 0)


def _block_holders(root: Any) -> set[Any]:
    """The elements under `root` (and root's ancestors) that hold a paragraph-level or container element.

    One pass over those elements, each climbing until it meets an ancestor already marked: O(n), where
    asking each element in turn for such a descendant (iterdescendants) was O(n * depth)."""
    holders: set[Any] = set()
    for el in root.iter(*_BLOCKISH):
        parent = el.getparent()
        while parent is not None and parent not in holders:
            holders.add(parent)
            parent = parent.getparent()
    return holders


def _text_content(el: Any) -> str:
    """el.text_content(), without its XPath evaluation for an element that has no children (most links and
    paragraphs): its text is then all its text."""
    return str(el.text_content()) if len(el) else el.text or ""


def _text(el: Any) -> str:
    """The element's text, with a line break for each <br> (text_content() drops them)."""
    if not len(el) or next(el.iter("br"), None) is None:
        return _text_content(el)
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
    add = spent  # a recursive closure is a reference cycle (see `spent`)
    return "".join(parts)


def _link_chars(el: Any) -> int:
    if el.tag == "a":
        return len(_text_content(el))
    if not len(el):  # no descendants, so no links
        return 0
    return sum(len(_text_content(a)) for a in el.iter("a"))


def _blocks(root: Any) -> tuple[list[Block], dict[Any, tuple[int, int]]]:
    """The page's text blocks in document order (see the module docstring), and for each element read
    through (root and the containers below it) the range of `blocks` its subtree's blocks fill."""
    blocks: list[Block] = []
    spans: dict[Any, tuple[int, int]] = {}
    half_page: list[float] = []

    def smaller_than_half_page(el: Any) -> bool:
        # The page's readable text, to tell a wrapper from a sidebar (scripts can hold 100 times the
        # article). Measured on first use: it costs a tenth of the extraction, and some pages never ask.
        if not half_page:
            scripts = sum(len(script.text or "") for script in root.iter(*_SCRIPTS))
            page_chars = len(root.text_content()) - scripts
            half_page.append(page_chars / 2)
        return len(el.text_content()) < half_page[0]

    holders = _block_holders(root)
    # Pages repeat a few class values hundreds of times: one regex search per distinct (class, id).
    unlikely_names: dict[tuple[str | None, str | None], bool] = {}

    def unlikely(el: Any, tag: str) -> bool:
        if tag in _FURNITURE:
            return smaller_than_half_page(el)
        names = (el.get("class"), el.get("id"))
        hit = unlikely_names.get(names)
        if hit is None:
            hit = unlikely_names[names] = _unlikely_words(f"{names[0] or ''} {names[1] or ''}")
        # A wrapper holding most of the page is no sidebar, whatever its class says ("no-sidebars" on
        # <body>'s first div, an unclosed <header> around everything): skipping it would skip the article.
        return hit and tag not in ("body", "article", "main") and smaller_than_half_page(el)

    def flush(owner: Any, run: list[str], links: int) -> None:
        text = "".join(run)
        if text.strip():
            blocks.append(Block(owner, text, links))

    def walk(el: Any) -> None:
        first = len(blocks)
        run: list[str] = [el.text or ""]
        links = 0
        for child in el:
            tag = child.tag
            # Comments and processing instructions (tag not a str) are skipped too, for their tails.
            if not isinstance(tag, str) or tag in _SKIP or (tag not in _INLINE and unlikely(child, tag)):
                run.append(child.tail or "")
                continue
            if tag == "br":
                run.append("\n")
            elif tag in _INLINE and child not in holders:
                text = _text(child)
                run.append(text)
                links += len(text) if tag == "a" else _link_chars(child)
            else:
                flush(el, run, links)
                run, links = [], 0
                if tag in _LEAF and child not in holders:
                    text = _text(child)
                    if text.strip():
                        blocks.append(Block(child, text, _link_chars(child)))
                else:
                    walk(child)
                run.append("\n")
            run.append(child.tail or "")
        flush(el, run, links)
        spans[el] = (first, len(blocks))

    walk(root)
    walk = spent  # a recursive closure is a reference cycle holding the page's tree (see `spent`)
    return blocks, spans


def _totals(body: Any, blocks: list[Block], prose: list[bool], spans: dict[Any, tuple[int, int]]
            ) -> tuple[dict[Any, int], dict[Any, int]]:
    """Characters of prose text, and of it inside links, under each element that has any (the element's
    own blocks and its descendants').

    A walked element's blocks are one range of the list (`_blocks`), so prefix sums give its totals, where
    adding every block to each of its ancestors cost blocks * depth dictionary updates."""
    text_at, links_at = [0], [0]
    text_sum = link_sum = 0
    for block, is_prose in zip(blocks, prose, strict=True):
        if is_prose:
            text_sum += len(block.text.strip())
            link_sum += block.links
        text_at.append(text_sum)
        links_at.append(link_sum)
    text_len: dict[Any, int] = {}
    link_len: dict[Any, int] = {}
    for el, (first, end) in spans.items():
        if text_at[end] > text_at[first]:  # each prose block has text, so no change means no prose
            text_len[el] = text_at[end] - text_at[first]
            link_len[el] = links_at[end] - links_at[first]
    # Paragraphs read whole (never walked into) own exactly one block.
    for block, is_prose in zip(blocks, prose, strict=True):
        if is_prose and block.owner not in spans:
            text_len[block.owner] = len(block.text.strip())
            link_len[block.owner] = block.links
    if body in text_len:
        for el in body.iterancestors():
            text_len[el], link_len[el] = text_len[body], link_len[body]
    return text_len, link_len


def extract(tree: Any) -> Result:
    """The main text of the page whose tree (lxml.html, whole document) is `tree`. Never changes the tree."""
    root = tree.getroottree().getroot()
    body = root.find("body")
    if body is None:
        body = root
    blocks, spans = _blocks(body)
    prose = [block.prose for block in blocks]
    # Totals per element, for link density (only text we read: skipped furniture does not count).
    text_len, link_len = _totals(body, blocks, prose, spans)
    blocks = [block for block, is_prose in zip(blocks, prose, strict=True) if is_prose]
    scores: dict[Any, float] = {}
    value_weights: dict[str, int] = {}  # one pair of regex searches per distinct class or id value

    def class_weight(el: Any) -> int:
        weight = 0
        for value in (el.get("class"), el.get("id")):
            if value:
                if value not in value_weights:
                    value_weights[value] = _value_weight(value)
                weight += value_weights[value]
        return weight

    for block in blocks:
        length = len(block.text.strip())
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
                scores[el] = _TAG_WEIGHT.get(el.tag, 0) + class_weight(el)
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
    # Whether a block under an element counts (see below), memoized per element: blocks share ancestors.
    verdicts: dict[Any, bool] = {}

    def counts_under(node: Any) -> bool:
        """Whether a block under `node` counts: `node` or an ancestor was chosen, and no element between
        is a link-dense list."""
        path, verdict = [], False
        while node is not None:
            known = verdicts.get(node)
            if known is not None:
                verdict = known
                break
            path.append(node)
            if node in inside:
                verdict = True
                break
            if text_len.get(node, 0) > 0 and density(node) > 0.5:
                break
            node = node.getparent()
        for seen in path:
            verdicts[seen] = verdict
        return verdict

    lines: list[str] = []
    for block in blocks:
        # The block counts if it or an ancestor was chosen; a link-dense list between them drops it.
        if block.owner not in inside and not counts_under(block.owner.getparent()):
            continue
        length = len(block.text.strip())
        if length and block.links / length > 0.5:
            continue
        lines.extend(line for line in (normalize_space(part) for part in block.text.split("\n")) if line)
    return Result(lines, top if lines else None)
