"""Liputan6.com page parsers: one class per page type, chosen by `page_for` from the page's markup.

- `Liputan6ReadPage`: the `article-content-body` family, shared by the mobile layout (recorded 2020-2022) and
  the current desktop layout (`read-page--header--*`, `article-content-body__item-page/-content`). A
  multi-page article ("1 dari 3 halaman") keeps every section in its own container, all in the same HTML.
- `Liputan6Desktop2016Page`: the 2016 desktop layout on channel subdomains (`read-page__content-body`), where
  paragraphs are often runs of text separated by `<br><br>` inside one `<p>`.
- `Liputan6PhotoPage`: photo stories and galleries (mobile `article-gallery-slider`, 2016
  `read-page--photo-gallery`): the captions are the text, kind "photo".
- `Liputan6Page` (the base): metadata from meta tags, JSON-LD and the inline `window.kmklabs`/`window.kly`
  data; used alone when a Liputan6 article page has body markup none of the classes know (a redesign), its
  body then falls back to `[itemprop=articleBody]`, JSON-LD `articleBody`, or the article's description.

Containers are located through the page's class index (one pass over the lxml tree, then dict lookups: see
`ClassIndex` in crawler/extract/pages/base.py); BeautifulSoup only ever sees the container's fragment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from copy import deepcopy
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from cssselect import GenericTranslator
from lxml import etree
from lxml import html as lxml_html

from crawler.core.errors import NoArticleError
from crawler.core.items import Article, Image
from crawler.extract.cleaning import clean_lines, is_noise_line, strip_noise_html
from crawler.extract.pages.base import HTML_PARSER, ArticlePage, ClassIndex, SimpleSelectors, iso_datetime
from crawler.extract.pages.liputan6_inline import as_dict, inline_data, split_names
from crawler.extract.text import fragment, iter_paragraphs, normalize_space
from crawler.extract.urls import canonical_url, host_of

SITE = "liputan6"
WIB = timezone(timedelta(hours=7), "WIB")


# -- selectors, as data: which markup holds what, per layout (first match wins) --
# A selector is (tag, class token): the elements of that tag (None: any) whose class attribute has the token,
# as `//TAG[contains(concat(" ", normalize-space(@class), " "), " TOKEN ")]` would find them. They are looked
# up in the page's class index, not by XPath: each XPath search scans the whole 300 KB page.
Selector = tuple[str | None, str]
TITLE_SELECTORS: tuple[Selector, ...] = (
    ("h1", "article-header__title"),  # mobile
    ("h1", "read-page--header--title"),  # current desktop
    ("h1", "read-page--header__title"),  # 2016 desktop
    ("h1", "read-page--photo-tag--header__title"),  # current desktop photo pages
)
BYLINE_SELECTORS: tuple[Selector, ...] = (
    (None, "article-header__author-link"),
    (None, "read-page--header--author__name"),
    (None, "read-page--header__author-link"),
    (None, "read-page--credits__name"),  # 2016 credits box: Author and Editor, each marked as such
)
TAG_SELECTORS: tuple[Selector, ...] = (
    ("a", "tags--topics--item__link"),  # mobile ("More Tag" is an item__more link, not matched)
    (None, "tags--snippet__name"),  # current desktop
    ("a", "tags--snippet__link"),
    ("a", "read-page--tags__link"),  # 2016 desktop
)
TAG_LINKS_BOX = "read-page__tags"  # last resort: every link inside this box
PUBLISHED_TIME_SELECTORS: tuple[Selector, ...] = (
    ("time", "read-page--header--author__datetime"),
    ("time", "read-page--header__datetime"),
    ("time", "read-page--photo-tag--header__datetime"),
)
SHORT_DESCRIPTION: Selector = (None, "article-short-desc")
READ_CONTAINER: Selector = (None, "article-content-body")
# The current desktop page as public parsers read it: the sections (`article-content-body__item-page`) sit in
# `read-page--content`, with no `article-content-body` around them, and a #related-news block at the end.
READ_CONTENT: Selector = ("div", "read-page--content")
READ_CONTENT_SECTION: Selector = ("div", "article-content-body__item-page")
DESKTOP_2016_CONTAINER: Selector = (None, "read-page__content-body")
MOBILE_GALLERY: Selector = (None, "article-gallery-slider__item")
DESKTOP_GALLERY: Selector = ("figure", "read-page--photo-gallery--item")
# Where the article's lead image sits, outside the text container (see `Liputan6Page.lead_media`).
MOBILE_LEAD_MEDIA = ("read-page-upper", "article-photo-gallery--item")  # (box, item), not in the text
DESKTOP_LEAD_MEDIA = "read-page--top-media"  # its figures

# Sections of a multi-page article, and their subheadings.
SECTION_SELECTOR = ".article-content-body__item, .article-content-body__item-page"
SECTION_TITLE_SELECTOR = ".article-content-body__item-title"
# Image blocks inside the text: collected as images, then removed (captions are not the text of an article).
IMAGE_BLOCK_SELECTOR = ".article-photo-gallery--item, .read-page--photo-gallery--item, figure"
# Liputan6 page furniture inside the text container that the shared cleaning rules do not know by name.
FURNITURE_SELECTOR = ", ".join((
    # ad slots (Google, Revive, MGID, Dable) and the "Advertisement" placeholders
    "[id*='gpt-ad']", "[id*='revive-ad']", "[id*='ScriptRoot']", "[id^='dablewidget']", "[data-info='ad']",
    ".article-ad", ".advertisement-placeholder", ".advertisement-text", ".seamless-ads", "ins",
    # related-link widgets
    ".baca-juga", ".baca-juga-collections", ".related-articles", ".relateds", "#related-news",
    # the page counter between sections ("2 dari 5 halaman", "Scroll down"), overlays and "Lanjutkan Membaca"
    ".article-content-body__break", ".article-content-body__item-break", ".article-content-body__item-index",
    ".article-content-body__item-overlay", ".article-content-body__load-more",
    ".article-content-body__loading-animation",
    # share and tag bars that some templates render inside the body
    ".share-buttons", ".read-page--social-share", ".tags--snippet", ".tags--topics",
    "script", "style", "noscript", "template",
))
# Images, video players and social embeds: not the article's own words.
MEDIA_SELECTOR = ", ".join((
    ".article-photo-gallery--item", ".read-page--photo-gallery--item", "figure", "picture", "img",
    ".article-video-gallery--item", ".vidio-embed", ".boost-video", "iframe",
    "blockquote.twitter-tweet", "blockquote.instagram-media", "blockquote.tiktok-embed", ".twitter-tweet",
    ".fb-post", ".fb-video",
))
_CSS = GenericTranslator()


def _compiled(selector: str) -> etree.XPath:
    """CSS (kept as data above, readable) compiled once to an lxml XPath relative to a container."""
    return etree.XPath(_CSS.css_to_xpath(selector, prefix="descendant-or-self::"))


SECTIONS = _compiled(SECTION_SELECTOR)
SECTION_TITLES = _compiled(SECTION_TITLE_SELECTOR)
IMAGE_BLOCKS = _compiled(IMAGE_BLOCK_SELECTOR)
# The two long lists run on every container in Python (one walk, no XPath per selector: SimpleSelectors).
FURNITURE = SimpleSelectors(FURNITURE_SELECTOR)
MEDIA = SimpleSelectors(MEDIA_SELECTOR + ", .article-video-gallery--item")
IMAGES = _compiled("img")
# Headings that open a promo section, not a part of the story: an infographic, a video teaser.
PROMO_HEADING = re.compile(
    r"^\W*(infografis|saksikan (juga )?video|simak (juga )?video|tonton (juga )?video|lihat (juga )?video"
    r"|video (pilihan|terkini|terpopuler|populer)|video:)", re.IGNORECASE)
# Structural lines of Liputan6 pages, should one survive outside its container (text-level safety net).
STRUCTURAL_LINE = re.compile(
    r"^(\d+ dari \d+ halaman|scroll down|lanjutkan membaca\W*|perbesar|klik gambar untuk perbesar|more tag"
    r"|halaman selanjutnya\W*|selanjutnya\W*)$", re.IGNORECASE)
# Names that are the publisher or a desk, never a person.
NOT_A_PERSON = re.compile(r"liputan6|^kly\b|^tim\b|redaksi|^admin\b|^(author|editor|reporter)$",
                          re.IGNORECASE)
_ROLE_PREFIX = re.compile(r"^\s*(oleh|by|penulis|editor|reporter)\s*:?\s+", re.IGNORECASE)
_DOUBLE_BR = re.compile(r"(?:<br\s*/?>\s*(?:&nbsp;|\u00a0)?\s*){2,}", re.IGNORECASE)
_NAIVE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")
_CHANNEL_NAME_VAR = re.compile(r"""var\s+channel_name\s*=\s*["']([^"']+)["']""")
_MONTHS = {
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "mar": 3, "maret": 3, "apr": 4, "april": 4, "mei": 5,
    "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8, "agustus": 8, "sep": 9, "september": 9,
    "okt": 10, "oktober": 10, "nov": 11, "november": 11, "des": 12, "desember": 12,
}
_VISIBLE_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4}),?\s+(?:at\s+|pukul\s+)?(\d{1,2})[:.](\d{2})")
_BLANK_IMAGE = re.compile(r"blank\.(png|gif)|^data:", re.IGNORECASE)
_NON_ARTICLE_PAGE_TYPES = re.compile(r"^(?!(Read|LiveReport|Photo|Video)).*Page$")


def to_wib_iso(value: str | None) -> str | None:
    """ISO 8601 in WIB: a naive 'YYYY-MM-DD HH:MM[:SS]' is the page's WIB; a UTC value is converted to WIB.

    A value stated with another offset keeps it: we never change what the page states beyond UTC -> WIB.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if _NAIVE_DATETIME.match(text):
        try:
            return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=WIB).isoformat()
        except ValueError:
            return None
    iso = iso_datetime(text)
    if iso is None:
        return None
    parsed = datetime.fromisoformat(iso)
    if parsed.utcoffset() == timedelta(0):
        return parsed.astimezone(WIB).isoformat()
    return iso


def visible_date_wib(text: str | None) -> str | None:
    """'pada 23 Jan 2021, 13:30 WIB' / '07 Januari 2022, 14:30 WIB' -> ISO 8601 at +07:00."""
    if not text:
        return None
    match = _VISIBLE_DATE.search(text)
    if not match:
        return None
    day, month_name, year, hour, minute = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    try:
        return datetime(int(year), month, int(day), int(hour), int(minute), tzinfo=WIB).isoformat()
    except ValueError:
        return None


def _text(el: Any) -> str:
    return normalize_space(el.text_content()) if el is not None else ""


def _first_text(elements: Iterator[list[Any]]) -> str | None:
    """The first non-empty text of the elements, taken list after list (the selectors' order)."""
    for found in elements:
        for el in found:
            text = _text(el)
            if text:
                return text
    return None


def _person_names(names: list[str]) -> list[str]:
    people = []
    for raw in names:
        name = normalize_space(_ROLE_PREFIX.sub("", raw))
        if name and not NOT_A_PERSON.search(name) and any(ch.isalpha() for ch in name):
            people.append(name)
    return people


def _image_url(el: Any) -> str | None:
    """The real address of an image block (lazy-loaded images keep it in data-* attributes)."""
    for attr in ("data-image-ori", "data-image", "data-original", "data-src", "data-high-dpi", "src"):
        value = el.get(attr)
        if value and not _BLANK_IMAGE.search(value):
            return str(value).strip()
    return None


class Liputan6Page(ArticlePage):
    """Base of the Liputan6 page objects: metadata and the fallback body (meta tags + inline data)."""

    source: ClassVar[str] = SITE
    language_default: ClassVar[str | None] = "id"
    default_kind: ClassVar[str] = "article"

    # -- locating markup --
    def find(self, selector: Selector) -> list[Any]:
        """The page's elements matching a (tag, class token) selector, in document order."""
        tag, name = selector
        return self.index.find(name, tag)

    def find_each(self, selectors: tuple[Selector, ...]) -> Iterator[list[Any]]:
        """Each selector's matches in turn, looked up only when the caller gets that far."""
        for selector in selectors:
            yield self.find(selector)

    # -- inline data --
    @cached_property
    def inline(self) -> dict[str, Any]:
        return inline_data(self.html)

    @property
    def inline_article(self) -> dict[str, Any]:
        return as_dict(self.inline.get("article"))

    @property
    def gtm(self) -> dict[str, Any]:
        return as_dict(self.inline.get("gtm"))

    def is_article_page(self) -> bool:
        """Whether the page is an article at all (the homepage and index or tag pages are not)."""
        page_type = self.inline.get("pageType")
        if isinstance(page_type, str) and _NON_ARTICLE_PAGE_TYPES.match(page_type):
            return False
        og_type = self.meta("og:type")
        if og_type and og_type.lower() not in {"article", "video", "video.other"}:
            return False
        return self.article_id() is not None

    # -- fields --
    def article_id(self) -> str | None:
        found = super().article_id()
        if found:
            return found
        inline_id = self.inline_article.get("id") or self.gtm.get("articleId")
        return str(inline_id) if isinstance(inline_id, (int, str)) and str(inline_id).isdigit() else None

    def title(self) -> str | None:
        found = _first_text(self.find_each(TITLE_SELECTORS))
        if found:
            return found
        inline_title = self.inline_article.get("title")
        if isinstance(inline_title, str) and inline_title.strip():
            return normalize_space(inline_title)
        meta_title = self.meta("og:title", "twitter:title")
        return normalize_space(meta_title) if meta_title else None

    def lead(self) -> str | None:
        found = self.meta("og:description", "description", "twitter:description")
        if not found:
            short = self.inline_article.get("shortDescription")
            found = short if isinstance(short, str) else None
        if not found:
            found = _first_text(self.find_each((SHORT_DESCRIPTION,)))
        return normalize_space(found) if found else None

    def published_at(self) -> str | None:
        found = to_wib_iso(self.meta("article:published_time", "datePublished"))
        if found:
            return found
        for found_times in self.find_each(PUBLISHED_TIME_SELECTORS):
            for el in found_times:
                found = to_wib_iso(el.get("datetime")) or visible_date_wib(_text(el))
                if found:
                    return found
        publish_date = self.inline_article.get("publishDate")
        found = to_wib_iso(publish_date) if isinstance(publish_date, str) else None
        if found:
            return found
        ld = self.json_ld_article() or {}
        return to_wib_iso(ld.get("datePublished")) if isinstance(ld.get("datePublished"), str) else None

    def modified_at(self) -> str | None:
        found = to_wib_iso(self.meta("article:modified_time", "og:updated_time", "dateModified"))
        if found:
            return found
        ld = self.json_ld_article() or {}
        return to_wib_iso(ld.get("dateModified")) if isinstance(ld.get("dateModified"), str) else None

    def authors(self) -> list[str]:
        """Bylines first, then people the page's data marks as author, reporter or editor; no publisher."""
        names: list[str] = []
        for bylines in self.find_each(BYLINE_SELECTORS):
            names.extend(_text(el) for el in bylines)
        ld = self.json_ld_article() or {}
        for key in ("author", "creator"):
            people = ld.get(key)
            for person in people if isinstance(people, list) else [people]:
                if isinstance(person, dict) and person.get("@type", "Person") == "Person":
                    names.extend(split_names(person.get("name")))
        keywords = ld.get("keywords")
        for keyword in keywords if isinstance(keywords, list) else []:
            if isinstance(keyword, str) and keyword.lower().startswith("editor:"):
                names.append(keyword.split(":", 1)[1])
        gtm = self.gtm
        for key in ("authors", "reporters", "editors"):
            names.extend(split_names(gtm.get(key)))
        return _person_names(names)

    def section(self) -> str | None:
        """The channel slug ("news", "global", "tekno", "hot", "showbiz", "photo")."""
        channel = as_dict(self.inline.get("channel")).get("full_slug")
        if isinstance(channel, str) and channel.strip("/"):
            return channel.strip("/").split("/")[0].lower()
        url = self.url()
        path = urlsplit(url).path
        match = re.match(r"^/([a-z0-9-]+)/read/\d+", path, re.IGNORECASE)
        if match:
            return match.group(1).lower()
        sub = host_of(url).split(".")[0]
        if host_of(url).count(".") >= 2 and sub not in {"www", "m"}:
            return sub
        var = _CHANNEL_NAME_VAR.search(self.html)
        if var:
            return var.group(1).strip().lower()
        meta_section = self.meta("article:section2", "article:section")
        return meta_section.lower() if meta_section else None

    def _tag_elements(self) -> Iterator[list[Any]]:
        yield from self.find_each(TAG_SELECTORS)
        yield self.index.descendants(self.index.find(TAG_LINKS_BOX), "a")

    def tags(self) -> list[str]:
        for elements in self._tag_elements():
            found = [_text(el).lstrip("#").strip() for el in elements]
            found = [tag for tag in found if tag]
            if found:
                return found
        keywords = self.inline_article.get("keywords")
        if isinstance(keywords, str) and keywords.strip():
            return [k.strip() for k in keywords.split(",") if k.strip()]
        gtm_tags = self.gtm.get("tag")
        if isinstance(gtm_tags, str) and gtm_tags.strip():
            return [k.strip() for k in gtm_tags.split("|") if k.strip()]
        raw = self.meta("news_keywords", "keywords")
        return [k.strip() for k in raw.split(",") if k.strip()] if raw else []

    def kind(self) -> str:
        kind = str(self.inline_article.get("type") or self.gtm.get("type") or "").lower()
        if "photo" in kind:
            return "photo"
        if "video" in kind:
            return "video"
        return self.default_kind

    # -- body --
    def sections(self) -> int:
        """How many sections ("halaman") the text has; layouts without page counters have one."""
        return 1

    def lead_media(self) -> Iterator[list[Any]]:
        """Candidate lead image blocks, layout after layout: the mobile gallery item in the upper part of the
        page but not in the text, the current desktop's top-media figures, the 2016 desktop gallery."""
        index = self.index
        box, item = MOBILE_LEAD_MEDIA
        yield ClassIndex.not_under(ClassIndex.under(index.find(item), index.find(box)),
                                   self.find(READ_CONTAINER))
        yield index.descendants(index.find(DESKTOP_LEAD_MEDIA), "figure")
        yield self.find(DESKTOP_GALLERY)

    def lead_images(self) -> list[Image]:
        """The article's lead image(s), which sit outside the text container."""
        images: list[Image] = []
        for elements in self.lead_media():
            for el in elements:
                image = self._image_of(el)
                if image:
                    images.append(image)
            if images:
                break
        return images

    @staticmethod
    def _image_of(el: Any) -> Image | None:
        url = _image_url(el)
        if url is None:
            for img in el.xpath(".//img"):
                url = _image_url(img)
                if url:
                    break
        if url is None:
            return None
        caption = el.get("data-description") or el.get("data-short-desc")
        if not caption:
            captions = el.xpath(".//figcaption | .//*[contains(@class, '__description')]"
                                " | .//*[contains(@class, '__caption')]")
            caption = _text(captions[0]) if captions else (el.get("alt") or "")
        return Image(url=url, caption=normalize_space(caption) or None)

    def images(self) -> list[Image]:
        images = self.lead_images()
        if not images:
            og_image = self.meta("og:image")
            if og_image:
                images.append(Image(url=og_image))
        return images

    def paragraphs(self) -> list[str]:
        """Body for unknown markup: `[itemprop=articleBody]`, JSON-LD `articleBody`, else the description."""
        for el in self.tree.xpath('//*[@itemprop="articleBody"]'):
            found = clean_paragraphs(deepcopy(el))
            if found:
                return found
        ld_body = (self.json_ld_article() or {}).get("articleBody")
        if isinstance(ld_body, str) and ld_body.strip():
            return finish_lines(re.split(r"\n\s*\n|\r?\n", ld_body))
        lead = self.lead()
        return [lead] if lead else []

    def to_article(self) -> Article:
        if not self.is_article_page():
            raise NoArticleError(f"not a Liputan6 article page (a homepage, index or tag page?): "
                                 f"{self.url_given}")
        return super().to_article()


def _soup_of(el: Any) -> BeautifulSoup:
    """BeautifulSoup of one lxml element only (the container fragment, never the whole page)."""
    return fragment(lxml_html.tostring(el, encoding="unicode"))


def _drop(root: Any, select: Callable[[Any], list[Any]]) -> None:
    """Remove every match under `root` (never `root` itself), keeping the text that follows each one."""
    for el in select(root):
        if el is not root and el.getparent() is not None:
            el.drop_tree()


def finish_lines(lines: list[str]) -> list[str]:
    """The shared cleaner's line rules, then Liputan6's structural lines."""
    kept = clean_lines([normalize_space(line) for line in lines], SITE)
    return [line for line in kept if not STRUCTURAL_LINE.match(line)]


def clean_paragraphs(root: Any, site: str = SITE, furniture_dropped: bool = False) -> list[str]:
    """Paragraphs of an lxml container copy: Liputan6 furniture and media removed (fast, in lxml), then the
    shared cleaner on the BeautifulSoup fragment, the text walker, and the line rules.

    `furniture_dropped`: the caller already ran `_drop(root, FURNITURE)`. Running it again would find
    nothing (each selector tests only an element's own tag and attributes, which removing others does not
    change), so it is skipped.
    """
    if not furniture_dropped:
        _drop(root, FURNITURE)
    _drop(root, MEDIA)
    soup = _soup_of(root)
    strip_noise_html(soup, site)
    return finish_lines(list(iter_paragraphs(soup)))


def drop_promo_sections(root: Any) -> None:
    """A section under an infographic or video-teaser heading loses its heading and its media."""
    for section in SECTIONS(root):
        for heading in SECTION_TITLES(section):
            text = _text(heading)
            if text and (PROMO_HEADING.match(text) or is_noise_line(text, SITE)):
                heading.drop_tree()
                _drop(section, MEDIA)


def images_in(root: Any) -> list[Image]:
    """The images of a container: gallery items and figures (with their captions), then bare <img>s."""
    images: list[Image] = []
    for block in IMAGE_BLOCKS(root):
        image = Liputan6Page._image_of(block)
        if image:
            images.append(image)
        block.drop_tree()  # so its <img> is not counted again below
    for img in IMAGES(root):
        image = Liputan6Page._image_of(img)
        if image:
            images.append(image)
    return images


def read_page_content(page: Liputan6Page) -> list[Any]:
    """The `read-page--content` boxes that hold the current desktop's sections (the 2016 desktop layout has a
    `read-page--content` too, around a different body)."""
    sections = page.find(READ_CONTENT_SECTION)
    return [box for box in page.find(READ_CONTENT) if ClassIndex.under(sections, [box])]


class Liputan6ReadPage(Liputan6Page):
    """Mobile and current desktop article pages: `article-content-body`, one container per section."""

    @cached_property
    def container(self) -> Any | None:
        found = self.find(READ_CONTAINER) or read_page_content(self)
        return found[0] if found else None

    @cached_property
    def _extracted(self) -> tuple[list[str], list[Image]]:
        if self.container is None:
            return super().paragraphs(), []
        root = deepcopy(self.container)  # the page's tree stays intact for the other fields
        drop_promo_sections(root)
        _drop(root, FURNITURE)  # before images: the loading animation and ad slots hold <img>s too
        images = images_in(root)
        return clean_paragraphs(root, furniture_dropped=True), images

    def sections(self) -> int:
        """How many sections ("halaman") the article's text has, by its own markup (1 for a single page)."""
        if self.container is None:
            return 0
        return max(1, len([el for el in SECTIONS(self.container) if el is not self.container]))

    def paragraphs(self) -> list[str]:
        return self._extracted[0]

    def images(self) -> list[Image]:
        return _unique(self.lead_images() + self._extracted[1]) or super().images()


class Liputan6Desktop2016Page(Liputan6Page):
    """The 2016 desktop layout (channel subdomains): `read-page__content-body`, `<br><br>` paragraphs."""

    @cached_property
    def container(self) -> Any | None:
        found = self.find(DESKTOP_2016_CONTAINER)
        return found[0] if found else None

    @cached_property
    def _extracted(self) -> tuple[list[str], list[Image]]:
        if self.container is None:
            return super().paragraphs(), []
        markup = lxml_html.tostring(self.container, encoding="unicode")
        # Two line breaks end a paragraph in this layout; an <hr> is a block, so the text walker splits there.
        root = lxml_html.fragment_fromstring(_DOUBLE_BR.sub("<hr>", markup), parser=HTML_PARSER)
        _drop(root, FURNITURE)
        images = images_in(root)
        return clean_paragraphs(root, furniture_dropped=True), images

    def paragraphs(self) -> list[str]:
        return self._extracted[0]

    def images(self) -> list[Image]:
        return _unique(self.lead_images() + self._extracted[1]) or super().images()


class Liputan6PhotoPage(Liputan6Page):
    """Photo stories and galleries: each photo's caption is a paragraph of the text."""

    default_kind: ClassVar[str] = "photo"

    @cached_property
    def gallery(self) -> list[Image]:
        items = self.find(MOBILE_GALLERY) or self.find(DESKTOP_GALLERY)
        return _unique([image for image in (self._image_of(el) for el in items) if image])

    def kind(self) -> str:
        return "photo"

    def paragraphs(self) -> list[str]:
        captions = [image.caption for image in self.gallery if image.caption]
        return finish_lines(captions) if captions else super().paragraphs()

    def images(self) -> list[Image]:
        return self.gallery or super().images()


def _unique(images: list[Image]) -> list[Image]:
    seen: set[str] = set()
    kept = []
    for image in images:
        if image.url not in seen:
            seen.add(image.url)
            kept.append(image)
    return kept


class Liputan6NonArticlePage(Liputan6Page):
    """A Liputan6 page that is not an article (homepage, channel, index, tag page): it yields no article.

    `page_for` returns this instead of None for such pages, so the generic extractor does not turn a homepage
    full of teasers into a bogus article: `to_article()` raises NoArticleError.
    """

    def is_article_page(self) -> bool:
        return False

    def paragraphs(self) -> list[str]:
        return []


def is_liputan6_template(page: Liputan6Page) -> bool:
    """Whether the page carries Liputan6's template: its inline data, or its site name in the metadata."""
    if page.inline:
        return True
    names = " ".join(filter(None, (page.meta("og:site_name"), page.meta("author"))))
    return "liputan6" in names.lower()


def page_for(url: str, html: str) -> ArticlePage | None:
    """The page object for a liputan6.com page.

    The class follows the markup, not the URL: a photo gallery (slider, or figures without text), the
    `article-content-body` family (mobile, current desktop), the 2016 desktop body, else the metadata-only
    base class for an article page whose body markup is unknown. A Liputan6 page that is not an article
    (homepage, index, tag page) gets `Liputan6NonArticlePage`, whose `to_article()` raises NoArticleError.
    None only for a page that is neither an article nor a Liputan6 template page (e.g. an error page): the
    generic extractor takes it.
    """
    base = Liputan6Page(url, html)
    if not base.is_article_page():
        return Liputan6NonArticlePage(url, html) if is_liputan6_template(base) else None
    page: Liputan6Page
    has_text_body = bool(base.find(READ_CONTAINER) or read_page_content(base))
    has_mobile_gallery = bool(base.find(MOBILE_GALLERY))
    has_gallery = has_mobile_gallery or bool(base.find(DESKTOP_GALLERY))
    if (base.kind() == "photo" and has_gallery) or (not has_text_body and has_mobile_gallery):
        page = Liputan6PhotoPage(url, html)
    elif has_text_body:
        page = Liputan6ReadPage(url, html)
    elif base.find(DESKTOP_2016_CONTAINER):
        page = Liputan6PhotoPage(url, html) if _is_2016_gallery(base) else Liputan6Desktop2016Page(url, html)
    else:
        page = base
    if page is not base:
        # Share what the choice already computed from the same (url, html): parsing and indexing a 300 KB
        # page twice would halve throughput. None of these depend on the page class.
        for key in _SHARED_BY_PAGE_CLASSES:
            if key in base.__dict__:
                page.__dict__[key] = base.__dict__[key]
    return page


# Cached properties of `Liputan6Page` that no subclass overrides or feeds from an overridden method.
_SHARED_BY_PAGE_CLASSES = ("tree", "index", "inline", "_meta_tags", "_meta_contents", "_canonical_href",
                           "_base_url", "json_ld")


def _is_2016_gallery(page: Liputan6Page) -> bool:
    """2016 galleries live on photo.liputan6.com and render their photos as figures with an empty body."""
    if any(host_of(url).startswith("photo.") for url in (canonical_url(page.url()), page.url_given)):
        return True
    # `//*[hentry class][contains(@data-cache-key, 'PhotoGallery')]`
    return any("PhotoGallery" in (el.get("data-cache-key") or "") for el in page.index.find("hentry"))


__all__ = [
    "Liputan6Desktop2016Page",
    "Liputan6NonArticlePage",
    "Liputan6Page",
    "Liputan6PhotoPage",
    "Liputan6ReadPage",
    "is_liputan6_template",
    "page_for",
    "to_wib_iso",
    "visible_date_wib",
]
