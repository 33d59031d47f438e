"""Reading the BBC's embedded article data: the block tree of its Optimo/CPS content model.

Since about 2021 BBC News pages embed the whole article as JSON: `__NEXT_DATA__` (2024 on, Next.js) or
`window.__INITIAL_DATA__` (2021-2024). Both carry the same block format: a list of typed blocks ("headline",
"byline", "text", "subheadline", "image", "advertisement", "links", ...), each with a `model` holding nested
blocks down to "paragraph" blocks whose `model.text` is the paragraph, links and markup already joined.
Reading that is both faster and more faithful than reading the rendered HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.core.items import Image
from crawler.extract.text import normalize_space

# Blocks that carry body text; everything else (image, video, advertisement, links, byline, embeds) does not.
_TEXT_BLOCKS = frozenset({"text"})
_HEADING_BLOCKS = frozenset({"subheadline", "crosshead"})
_LIST_BLOCKS = frozenset({"unorderedList", "orderedList"})
# ichef serves every CPS image at a set of widths; 1024 is the largest one every image has.
_ICHEF = "https://ichef.bbci.co.uk/news/1024/{origin}/{locator}"
_INITIAL_DATA = re.compile(r"window\.__INITIAL_DATA__\s*=\s*(\"(?:[^\"\\]|\\.)*\")\s*;?\s*</script>", re.S)


@dataclass
class EmbeddedArticle:
    """What the embedded data says about the article: its blocks and the metadata we use."""

    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    section: str | None = None
    page_type: str | None = None  # "article", "video", "media-asset"... as the page states it
    contributors: list[str] = field(default_factory=list)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _model(block: Any) -> dict[str, Any]:
    model = block.get("model") if isinstance(block, dict) else None
    return model if isinstance(model, dict) else {}


def _children(block: Any) -> list[dict[str, Any]]:
    blocks = _model(block).get("blocks")
    if isinstance(blocks, list):
        return [b for b in blocks if isinstance(b, dict)]
    return []


def _paragraph_blocks(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every "paragraph" block under `block`, in order (text > paragraph, altText > text > paragraph...)."""
    for child in _children(block):
        if child.get("type") == "paragraph":
            yield child
        else:
            yield from _paragraph_blocks(child)


def block_text(block: dict[str, Any]) -> str:
    """The plain text of a block: its paragraphs joined by a space (for headlines, names, captions)."""
    parts = [normalize_space(str(_model(p).get("text") or "")) for p in _paragraph_blocks(block)]
    return " ".join(p for p in parts if p)


def _is_link_only(paragraph: dict[str, Any]) -> bool:
    """True when a paragraph is nothing but one or more links: a teaser for another story."""
    inner = _children(paragraph)
    texty = [b for b in inner if normalize_space(str(_model(b).get("text") or ""))]
    return bool(texty) and all(b.get("type") == "urlLink" for b in texty)


def _list_paragraphs(block: dict[str, Any]) -> list[str]:
    items = [c for c in _children(block) if c.get("type") == "listItem"]
    paragraphs = [p for item in items for p in _paragraph_blocks(item)]
    # A list whose every item is a link is a "read more" box of other stories, not part of the text.
    if paragraphs and all(_is_link_only(p) for p in paragraphs):
        return []
    return [t for t in (normalize_space(str(_model(p).get("text") or "")) for p in paragraphs) if t]


def _text_paragraphs(block: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for child in _children(block):
        kind = child.get("type")
        if kind == "paragraph":
            text = normalize_space(str(_model(child).get("text") or ""))
            if text:
                out.append(text)
        elif kind in _LIST_BLOCKS:
            out.extend(_list_paragraphs(child))
    return out


def body_paragraphs(blocks: list[dict[str, Any]]) -> list[str]:
    """The body paragraphs of an article's blocks, subheadings as their own paragraphs, in order.

    Images (and their captions and credits), media, adverts, link boxes, byline and headline are left out.
    """
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in _TEXT_BLOCKS:
            out.extend(_text_paragraphs(block))
        elif kind in _HEADING_BLOCKS:
            text = block_text(block)
            if text:
                out.append(text)
    return out


def headline(blocks: list[dict[str, Any]]) -> str | None:
    for block in blocks:
        if block.get("type") == "headline":
            return block_text(block) or None
    return None


def byline_names(blocks: list[dict[str, Any]]) -> list[str]:
    """Contributor names from the "byline" block (its roles and timestamps are not names)."""
    names: list[str] = []
    for block in blocks:
        if block.get("type") != "byline":
            continue
        for contributor in _children(block):
            if contributor.get("type") != "contributor":
                continue
            for part in _children(contributor):
                if part.get("type") == "name":
                    name = block_text(part)
                    if name:
                        names.append(name)
    return names


def _image_of(block: dict[str, Any]) -> Image | None:
    url = None
    caption = None
    for child in _children(block):
        kind = child.get("type")
        if kind == "rawImage":
            model = _model(child)
            locator, origin = model.get("locator"), model.get("originCode")
            if locator and origin:
                url = _ICHEF.format(origin=origin, locator=locator)
        elif kind == "caption":
            caption = block_text(child) or None
    return Image(url=url, caption=caption) if url else None


def images(blocks: list[dict[str, Any]]) -> list[Image]:
    """The article's own images (not promos of other stories), with their captions where they have one."""
    found: list[Image] = []
    for block in blocks:
        if block.get("type") == "image":
            image = _image_of(block)
            if image is not None and all(image.url != seen.url for seen in found):
                found.append(image)
    return found


def epoch_ms_iso(value: Any) -> str | None:
    """A millisecond epoch timestamp (as the embedded data gives them) as ISO 8601 in UTC."""
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return None
    if millis <= 0:
        return None
    stamp = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return stamp.isoformat(timespec="seconds")


def _titles(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    dicts = [t for t in items if isinstance(t, dict)]
    titles = [normalize_space(str(t.get("title") or t.get("name") or "")) for t in dicts]
    return [t for t in titles if t]


def from_next_data(raw: str) -> EmbeddedArticle | None:
    """The article in a `__NEXT_DATA__` script (2024 on), None when it holds no article."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # malformed, or nested deeper than the interpreter allows
        return None
    props = data.get("props", {}).get("pageProps", {}) if isinstance(data, dict) else {}
    if not isinstance(props, dict):
        return None
    pages = props.get("page")
    if not isinstance(pages, dict) or not pages:
        return None
    key = props.get("pageKey")
    page = pages.get(key) if isinstance(key, str) and key in pages else next(iter(pages.values()))
    if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
        return None
    blocks = [b for b in page["contents"] if isinstance(b, dict)]
    metadata = _dict(props.get("metadata"))
    sections = _titles(page.get("section"))
    section = sections[0] if sections else None
    if section is None and isinstance(metadata.get("section"), dict):
        section = normalize_space(str(metadata["section"].get("name") or "")) or None
    names = byline_names(blocks)
    if not names and metadata.get("contributor"):
        names = [normalize_space(str(metadata["contributor"]))]
    page_type = props.get("type") if isinstance(props.get("type"), str) else None
    return EmbeddedArticle(blocks=blocks, metadata=metadata, topics=_titles(page.get("topics")),
                           section=section, page_type=page_type, contributors=names)


def from_initial_data(html: str) -> EmbeddedArticle | None:
    """The article in a `window.__INITIAL_DATA__` assignment (2021-2024), None when there is none.

    The value is a JSON string holding JSON; the article sits under a key starting with "article?".
    """
    match = _INITIAL_DATA.search(html)
    if not match:
        return None
    try:
        data = json.loads(json.loads(match.group(1)))
    except (ValueError, RecursionError):  # malformed, or nested deeper than the interpreter allows
        return None
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return None
    for key, entry in entries.items():
        if not key.startswith("article?") or not isinstance(entry, dict):
            continue
        article = entry.get("data")
        if not isinstance(article, dict):
            continue
        content = article.get("content")
        blocks = [b for b in _children(content)] if isinstance(content, dict) else []
        metadata = _dict(article.get("metadata"))
        section = None
        if isinstance(metadata.get("section"), dict):
            section = normalize_space(str(metadata["section"].get("name") or "")) or None
        topics_data = article.get("topics")
        topics: list[str] = []
        if isinstance(topics_data, dict):
            topics = _titles(topics_data.get("topics") or topics_data.get("tags"))
        elif isinstance(topics_data, list):
            topics = _titles(topics_data)
        names = byline_names(blocks)
        contributor = article.get("contributor")
        if not names and isinstance(contributor, dict):
            name = contributor.get("title") or contributor.get("name")
            if isinstance(name, str) and name.strip():
                names = [normalize_space(name)]
        page_type = metadata.get("type") if isinstance(metadata.get("type"), str) else None
        return EmbeddedArticle(blocks=blocks, metadata=metadata, topics=topics, section=section,
                               page_type=page_type, contributors=names)
    return None
