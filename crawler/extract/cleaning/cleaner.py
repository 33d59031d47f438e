"""Applying the cleaning rules: to paragraphs of text, and to an article's HTML before its text is taken.

The same rule set serves both paths. At the HTML level the CSS selectors remove ad slots, related-link blocks
and share widgets, then the line rules judge the text of short leaf blocks (a "Baca Juga" label, an
"Advertisement" div, a page counter). The text level catches what survives: pages where the noise is plain
text, or text copied from a page (the `clean` command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bs4 import NavigableString, Tag
from bs4.element import Comment

from crawler.extract.cleaning.rules import RuleSet, normalise_line, rules_for, word_count
from crawler.extract.text import BLOCK_TAGS, SKIP_TAGS, normalize_space

# Longer than any label or related-link teaser the line rules target. A block with more text is judged by
# the selectors only: its text is prose, or holds prose around the noise.
MAX_BLOCK_CHARS = 400

CONTENT, NOISE, SECTION_END = 0, 1, 2
_MEDIA_TAGS = ["img", "picture", "video", "audio", "iframe", "source"]
_NOT_SECTION_OPENERS = frozenset(
    ["li", "ul", "ol", "nav", "menu", "a", "header", "footer", "aside", "dt", "dd", "td", "th"]
)


def classify(text: str, rules: RuleSet) -> int:
    """CONTENT, NOISE, or SECTION_END (noise that also ends the article) for one paragraph of text."""
    line = normalise_line(text)
    if not line:
        return NOISE
    if line in rules.exact_section:
        return SECTION_END
    if line in rules.exact:
        return NOISE
    words = word_count(line)
    for group in rules.section_groups:
        if group.matches(text, line, words):
            return SECTION_END
    for group in rules.groups:
        if group.matches(text, line, words):
            return NOISE
    return CONTENT


def is_noise_line(text: str, site: str) -> bool:
    """True when one paragraph of text is not article content (an ad label, a related link, a promo...).

    A line opening a closing section ("Tentang Cek Fakta Liputan6.com") is noise too; `clean_lines` also
    drops the lines after it. Empty lines are noise.
    """
    return classify(text, rules_for(site)) != CONTENT


def clean_lines(lines: Iterable[str], site: str) -> list[str]:
    """The content lines of an article (one paragraph a line), in order, stripped of surrounding space.

    Noise lines and empty lines are dropped; a closing-section marker drops itself and every line after it.
    """
    rules = rules_for(site)
    kept: list[str] = []
    for raw in lines:
        line = raw.strip()
        verdict = classify(line, rules)
        if verdict == SECTION_END:
            break
        if verdict == CONTENT:
            kept.append(line)
    return kept


def _drop_from_here_to_end(el: Tag, root: Tag) -> None:
    """Remove `el` and everything after it in document order, up to the end of `root`."""
    node: Tag = el
    while node is not root and node.parent is not None:
        parent = node.parent
        for sibling in list(node.next_siblings):
            if isinstance(sibling, Tag):
                sibling.decompose()  # marks its descendants too, so the caller's loop skips them
            else:
                sibling.extract()
        node = parent
    el.decompose()


def _leaf_blocks(root: Tag) -> list[tuple[Tag, int]]:
    """Block elements under `root` with no block inside them, with their text length, in document order.

    One bottom-up pass over the tree: no element's text is computed more than once, so this stays linear
    however deeply the page nests its containers.
    """
    elements: list[Tag] = root.find_all(True)
    length: dict[int, int] = {}
    has_block: dict[int, bool] = {}
    leaves: list[tuple[Tag, int]] = []
    for el in reversed(elements):
        name = (el.name or "").lower()
        if name in SKIP_TAGS:
            length[id(el)] = 0
            has_block[id(el)] = False
            continue
        total = 0
        inner_block = False
        for child in el.children:
            if isinstance(child, Tag):
                total += length.get(id(child), 0)
                inner_block = inner_block or has_block.get(id(child), False)
            elif isinstance(child, NavigableString):
                total += len(child)
        length[id(el)] = total
        is_block = name in BLOCK_TAGS and name != "br"
        has_block[id(el)] = inner_block or is_block
        if is_block and not inner_block:
            leaves.append((el, total))
    leaves.reverse()
    return leaves


def is_link_list(el: Tag) -> bool:
    """True when every bit of visible text in `el` sits inside an <a>: a list of links, not prose."""
    found_link = False
    for text in el.find_all(string=True):
        if isinstance(text, Comment) or not text.strip():
            continue
        parent = text.parent
        while parent is not None and parent is not el and parent.name != "a":
            parent = parent.parent
        if parent is None or parent is el:
            return False
        found_link = True
    return found_link


def _can_open_section(el: Tag, root: Tag) -> bool:
    """Whether a block can open a closing section: a heading or paragraph of the text, not a menu entry.

    "Infografis" is also a channel name in the site menu; if the cleaner is handed more than the article
    container, a menu link must only remove itself, not everything after it.
    """
    if el.name in _NOT_SECTION_OPENERS:
        return False
    for parent in el.parents:
        if parent is root:
            return True
        if parent.name in _NOT_SECTION_OPENERS:
            return False
    return True


def _decomposed_check(node: Tag) -> Callable[[Tag], bool]:
    """`Tag.decomposed` for the elements under `node`, without its cost.

    bs4 answers `el.decomposed` with `getattr(el, "_decomposed", False)`; on a live element that attribute is
    missing, so Tag.__getattr__ runs `el.find("_decomposed")`, a search of the element's whole subtree, for
    every element the cleaner looks at. `decompose()` sets the attribute in the instance dict, which is
    where we look. Only a page with a tag named `_decomposed` (which that search would find) gets bs4's own
    answer; cleaning removes elements and never adds any, so checking `node` once up front is enough.
    """
    if node.find("_decomposed") is not None:
        return lambda el: bool(el.decomposed)
    return lambda el: "_decomposed" in el.__dict__


def strip_noise_html(node: Tag, site: str) -> None:
    """Remove noise elements from `node` (an article container) in place.

    First every element matching the site's CSS selectors; then every short leaf block whose text a line
    rule calls noise. A block opening a closing section is removed with everything after it.
    """
    rules = rules_for(site)
    decomposed = _decomposed_check(node)
    for el in rules.matcher.select(node):
        if not decomposed(el):
            el.decompose()
    for el in rules.link_only_matcher.select(node):
        if not decomposed(el) and is_link_list(el):
            el.decompose()
    for el, length in _leaf_blocks(node):
        if decomposed(el) or length > MAX_BLOCK_CHARS:
            continue
        text = normalize_space(el.get_text(" "))
        if not text:
            continue
        verdict = classify(text, rules)
        if verdict == SECTION_END and _can_open_section(el, node):
            _drop_from_here_to_end(el, node)
        elif verdict == NOISE:
            if el.find(_MEDIA_TAGS) is not None:
                # A label beside a picture ("Perbesar", a credit): drop the words, keep the picture for
                # whoever reads images from this node after us.
                for string in el.find_all(string=True):
                    string.extract()
            else:
                el.decompose()
