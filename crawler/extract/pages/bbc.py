"""BBC News article pages, 2015 to 2026.

Three layouts are read, best source first:
- 2024 on (Next.js): the article's blocks in `__NEXT_DATA__`; the rendered `data-component` blocks as
  fallback.
- 2021-2024: the same blocks in `window.__INITIAL_DATA__`; the same rendered blocks as fallback.
- 2015-2020 (CPS "story-body"): the HTML of `div[property=articleBody]`, metadata from JSON-LD and meta tags.
The article is located with lxml; BeautifulSoup only ever sees the article fragment.

Only BBC *News* articles are handled here: `page_for` returns None for Sport, World Service languages, video
and live pages, which the generic extractor takes.
"""

from __future__ import annotations

import copy
import re
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawler.core.items import Image
from crawler.extract.cleaning import clean_lines, strip_noise_html
from crawler.extract.pages import bbc_blocks
from crawler.extract.pages.base import ArticlePage, drop_keeping_tail, iso_datetime
from crawler.extract.pages.bbc_blocks import EmbeddedArticle
from crawler.extract.text import fragment, iter_paragraphs, normalize_space
from crawler.extract.urls import bbc_article_id, canonical_url, names_this_page, site_of

SITE = "bbc"

# The 2015-2020 article container and, inside it, what is never body text: media (with their "Media caption"
# and "Image copyright" labels), ad slots, related-story boxes, interactive embeds.
_OLD_BODY = (
    '//div[@property="articleBody"] | //div[contains(concat(" ", @class, " "), " story-body__inner ")]'
)
_OLD_DROP = (
    ".//figure | .//figcaption | .//*[contains(@class, 'media-placeholder')]"
    " | .//*[contains(@class, 'bbccom_slot')] | .//*[contains(@class, 'bbccom_advert')]"
    " | .//*[contains(@class, 'bbc-news-vj-embed-wrapper')] | .//*[contains(@class, 'story-more')]"
    " | .//*[contains(@class, 'media-with-caption')] | .//*[contains(@class, 'social-embed')]"
    " | .//*[contains(concat(' ', @class, ' '), ' idt2 ')]"  # an infographic: a picture made of text
    " | .//script | .//style | .//noscript | .//link | .//iframe"
)
# The rendered block layout (2021 on): body blocks, in order, inside <article>.
_NEW_BLOCKS = (
    '//article//*[@data-component="text-block" or @data-component="subheadline-block"'
    ' or @data-component="crosshead-block"]'
)
# "By Nada Tawfik, BBC News, New York": a byline set as the first line of a section. Names are 2-4 words.
_BY_LINE = re.compile(r"^By ((?:[A-Z][\w'’.-]+ ){1,3}[A-Z][\w'’.-]+)(?:,| and | in |$)")
# Names of the publisher, never of a person: "BBC News", "BBC Sport", "BBC Monitoring"...
_PUBLISHER_NAME = re.compile(r"^(BBC\b.*|.*\bBBC (News|Sport)\b.*|Reuters|PA Media|AFP)$", re.IGNORECASE)
_SEPARATOR_RATIO = 5  # an image five times wider than tall is a rule line or a banner, not a picture


def _is_publisher(name: str) -> bool:
    return bool(_PUBLISHER_NAME.match(name.strip()))


def _link_only(el: Any) -> bool:
    """True when every bit of an element's text sits inside links: a teaser for other stories."""
    text = normalize_space(el.text_content())
    linked = normalize_space(" ".join(a.text_content() for a in el.iter("a")))
    return bool(text) and bool(linked) and text.replace(" ", "") == linked.replace(" ", "")


def _has_link(el: Any) -> bool:
    return any(True for _ in el.iter("a"))


class BbcArticlePage(ArticlePage):
    """A BBC News article; fields come from the embedded data when the page has it, else from the HTML."""

    source = SITE
    language_default = "en"

    # -- where the article is --
    @cached_property
    def embedded(self) -> EmbeddedArticle | None:
        raw = self.tree.xpath('//script[@id="__NEXT_DATA__"]/text()')
        if raw:
            found = bbc_blocks.from_next_data(str(raw[0]))
            if found is not None and found.blocks:
                return found
        if "__INITIAL_DATA__" in self.html:
            found = bbc_blocks.from_initial_data(self.html)
            if found is not None and found.blocks:
                return found
        return None

    @cached_property
    def old_body(self) -> Any | None:
        nodes = self.tree.xpath(_OLD_BODY)
        return nodes[0] if nodes else None

    @cached_property
    def ld_article(self) -> dict[str, Any]:
        return self.json_ld_article() or {}

    @cached_property
    def _canonical_link(self) -> str | None:
        return super().canonical_link()

    def canonical_link(self) -> str | None:
        return self._canonical_link

    # -- fields --
    @cached_property
    def _url(self) -> str:
        link = self.canonical_link()
        if link and site_of(link) == SITE and bbc_article_id(link) and names_this_page(link, self.url_given):
            return canonical_url(link)
        return canonical_url(self.url_given)

    def url(self) -> str:
        return self._url

    def article_id(self) -> str | None:
        return bbc_article_id(self.url()) or bbc_article_id(self.url_given)

    def title(self) -> str | None:
        # The visible headline: the old layout has a second, site-wide h1 in its header; ask for the story's.
        for path in ('//h1[contains(@class, "story-body__h1")]', '//article//h1', '//h1[@id="main-heading"]'):
            nodes = self.tree.xpath(path)
            if nodes:
                text = normalize_space(nodes[0].text_content())
                if text:
                    return text
        if self.embedded is not None:
            headline = bbc_blocks.headline(self.embedded.blocks)
            if headline:
                return headline
        return super().title()

    def lead(self) -> str | None:
        if self.embedded is not None and self.embedded.metadata.get("description"):
            return normalize_space(str(self.embedded.metadata["description"]))
        value = self.ld_article.get("description")
        if isinstance(value, str) and value.strip():
            return normalize_space(value)
        return self.meta("og:description", "description")

    def published_at(self) -> str | None:
        stated = iso_datetime(_str(self.ld_article.get("datePublished")))
        if stated:
            return stated
        if self.embedded is not None:
            stamp = bbc_blocks.epoch_ms_iso(self.embedded.metadata.get("firstPublished"))
            if stamp:
                return stamp
        seconds = self.tree.xpath('//div[contains(@class, "story-body")]//*[@data-seconds]/@data-seconds')
        if seconds:
            return bbc_blocks.epoch_ms_iso(int(str(seconds[0])) * 1000)
        return super().published_at()

    def modified_at(self) -> str | None:
        stated = iso_datetime(_str(self.ld_article.get("dateModified")))
        if stated:
            return stated
        if self.embedded is not None:
            stamp = bbc_blocks.epoch_ms_iso(self.embedded.metadata.get("lastPublished"))
            if stamp:
                return stamp
        return super().modified_at()

    def authors(self) -> list[str]:
        names: list[str] = []
        if self.embedded is not None:
            names.extend(self.embedded.contributors)
        author = self.ld_article.get("author")
        for item in author if isinstance(author, list) else [author]:
            if isinstance(item, dict) and item.get("@type") == "Person" and isinstance(item.get("name"), str):
                names.append(item["name"])
        bylines = '//*[contains(@class, "byline__name")] | //*[@data-testid="byline-name"]'
        for node in self.tree.xpath(bylines):
            names.append(normalize_space(node.text_content()).removeprefix("By "))
        if not self.embedded:
            # Older pages set a correspondent's section off with "By Name, BBC News, Place".
            for paragraph in self.paragraphs():
                match = _BY_LINE.match(paragraph)
                if match:
                    names.append(match.group(1))
        return [n for n in (normalize_space(n) for n in names) if n and not _is_publisher(n)]

    def section(self) -> str | None:
        if self.embedded is not None and self.embedded.section:
            return self.embedded.section
        stated = self.meta("article:section", "og:article:section")
        if stated:
            return stated
        nodes = self.tree.xpath('//a[contains(@class, "mini-info-list__section")]')
        return (normalize_space(nodes[0].text_content()) or None) if nodes else None

    def tags(self) -> list[str]:
        if self.embedded is not None and self.embedded.topics:
            return list(self.embedded.topics)
        links = self.tree.xpath(
            '//*[@data-component="tag-list-block" or @data-component="tags"]//a'
            ' | //li[contains(@class, "tags-list__tags")]//a'
        )
        return [t for t in (normalize_space(a.text_content()) for a in links) if t]

    def kind(self) -> str:
        page_type = (self.embedded.page_type or "") if self.embedded is not None else ""
        if "video" in page_type or "media" in page_type:
            return "video"
        article_id = self.article_id() or ""
        if article_id.startswith("in-pictures") or "photo" in page_type or "gallery" in page_type:
            return "photo"
        return "article"

    # -- body --
    @cached_property
    def _paragraphs(self) -> list[str]:
        if self.embedded is not None:
            lines = bbc_blocks.body_paragraphs(self.embedded.blocks)
            if lines:
                return clean_lines(lines, SITE)
        if self.old_body is not None:
            return self._html_paragraphs(self._old_fragment(self.old_body))
        blocks = self.tree.xpath(_NEW_BLOCKS)
        if blocks:
            return self._html_paragraphs(self._new_fragment(blocks))
        return []

    def paragraphs(self) -> list[str]:
        return list(self._paragraphs)

    def _old_fragment(self, body: Any) -> str:
        """The 2015-2020 body as HTML without media and promo boxes (a copy: `images` reads the original)."""
        body = copy.deepcopy(body)
        for el in body.xpath(_OLD_DROP):
            drop_keeping_tail(el)
        for ul in body.xpath(".//ul | .//ol"):
            items = ul.xpath("./li")
            # A list whose every item carries a link is a box of other stories; a list of points in the
            # story may link one of them but not all ("The UK must stay in the EU to have influence...").
            if items and all(_has_link(li) for li in items):
                drop_keeping_tail(ul)
        return str(etree.tostring(body, encoding="unicode", method="html"))

    def _new_fragment(self, blocks: list[Any]) -> str:
        parts: list[str] = []
        for block in blocks:
            block = copy.deepcopy(block)
            for ul in block.xpath(".//ul | .//ol"):
                if all(_link_only(li) for li in ul.xpath("./li")):
                    drop_keeping_tail(ul)
            parts.append(str(etree.tostring(block, encoding="unicode", method="html")))
        return "<div>" + "".join(parts) + "</div>"

    def _html_paragraphs(self, html: str) -> list[str]:
        soup = fragment(html)
        root = soup.body or soup
        strip_noise_html(root, SITE)
        return clean_lines(iter_paragraphs(root), SITE)

    # -- images --
    def images(self) -> list[Image]:
        if self.embedded is not None:
            found = bbc_blocks.images(self.embedded.blocks)
            if found:
                return found
        if self.old_body is not None:
            return self._old_images(self.old_body)
        return self._block_images()

    def _block_images(self) -> list[Image]:
        """Images of the rendered block layout: the real <img> (not the grey placeholder) and its caption."""
        found: list[Image] = []
        for block in self.tree.xpath('//article//*[@data-component="image-block"]'):
            sources = [str(s) for s in block.xpath(".//img/@src") if "ichef.bbci.co.uk" in str(s)]
            if not sources:
                continue
            captions = block.xpath(".//figcaption")
            if not captions:
                captions = block.xpath('following-sibling::*[1][@data-component="caption-block"]//figcaption')
            caption = normalize_space(captions[0].text_content()) if captions else ""
            if all(sources[0] != seen.url for seen in found):
                found.append(Image(url=sources[0], caption=caption or None))
        return found

    def _old_images(self, body: Any) -> list[Image]:
        found: list[Image] = []
        pictures = body.xpath(
            './/figure[contains(@class, "media-landscape") or contains(@class, "media-portrait")'
            ' or contains(@class, "media-square")]'
        )
        for figure in pictures:
            found_url, width, height = _figure_image(figure)
            if not found_url or (width and height and width > _SEPARATOR_RATIO * height):
                continue
            url = found_url
            if url.startswith("//"):
                url = urljoin(self.url(), url)
            if not url.startswith(("http://", "https://")):
                continue  # a saved copy's "./page_files/..." path: not an address of the image
            captions = figure.xpath('.//*[contains(@class, "media-caption__text")]')
            caption = normalize_space(captions[0].text_content()) if captions else None
            if all(url != seen.url for seen in found):
                found.append(Image(url=url, caption=caption or None))
        return found


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _figure_image(figure: Any) -> tuple[str | None, int | None, int | None]:
    """(url, width, height) of a 2015-2020 figure: an <img>, or a lazy-load placeholder div with data-src."""
    for img in figure.xpath(".//img"):
        for attr in ("datasrc", "data-src", "src"):
            value = img.get(attr)
            if value and not value.startswith("data:"):
                return value, _int(img.get("width")), _int(img.get("height"))
    for div in figure.xpath('.//*[@data-src]'):
        return div.get("data-src"), _int(div.get("data-width")), _int(div.get("data-height"))
    return None, None, None


def page_for(url: str, html: str) -> ArticlePage | None:
    """A page object for a BBC News article; None for any other BBC page (Sport, World Service, video, live).

    Only /news/<slug>-<number> and /news/articles/<id> are News articles. The page's own canonical link has
    the last word when it is a BBC address: a News URL now serving a Sport page is refused.
    """
    page = BbcArticlePage(url, html)
    link = page.canonical_link()
    if link and site_of(link) == SITE:
        # The page's own word wins: a News address that now serves Sport or a language service is not ours.
        return page if bbc_article_id(link) is not None else None
    return page if bbc_article_id(url) is not None else None


__all__ = ["BbcArticlePage", "page_for"]
