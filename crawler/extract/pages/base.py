"""The page-object base: one subclass per site and page type, built from (url, html), one method per field.

Parsers are pure: no network, no clock, no database. `to_article()` assembles the fields into an Article and
raises NoArticleError when the page has no body. Subclasses override the field methods they know better;
the defaults read the page's metadata (meta tags, JSON-LD), which most news sites publish.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

import cssselect
from bs4 import BeautifulSoup
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html

from crawler.core.errors import NoArticleError
from crawler.core.items import Article, Image
from crawler.extract.pages.titles import final_title
from crawler.extract.urls import article_id_for, canonical_url, host_of, names_this_page, site_of

# XHTML pages open with an XML declaration; lxml refuses one naming an encoding in an already decoded str.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def _html_class_lookup() -> etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (HtmlElement; FormElement for <form>, and so on), chosen in C.

    lxml.html picks the class of every element object it hands out with a Python callback
    (`HtmlElementClassLookup.lookup`): about a microsecond each, a third of the cost of walking a 750-element
    page. A namespace lookup with the same table gives every element the same class without the callback.
    """
    lookup = etree.ElementNamespaceClassLookup(etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity))
    by_tag = lookup.get_namespace(None)  # the HTML parser puts no element in a namespace
    for tag, element_class in lxml_html.HtmlElementClassLookup._default_element_classes.items():
        by_tag[tag] = element_class
    return lookup


def html_parser() -> etree.HTMLParser:
    """An HTML parser like `lxml.html.HTMLParser()` (same options, same element classes), but faster."""
    parser = etree.HTMLParser()
    parser.set_element_class_lookup(_html_class_lookup())
    return parser


# One per process, as lxml.html does with its own default parser.
HTML_PARSER = html_parser()


def html_tree(html: str) -> Any:
    """The lxml tree of a page's text. A document without elements (blank, only a comment or a processing
    instruction) is an empty <html>, not lxml's ParserError; a leading XML declaration is dropped."""
    text = _XML_DECLARATION.sub("", html, count=1) if html.lstrip()[:5] == "<?xml" else html
    try:
        return lxml_html.fromstring(text or "<html></html>", parser=HTML_PARSER)
    except (etree.ParserError, ValueError):  # "Document is empty", or a declaration lxml still refuses
        return lxml_html.fromstring("<html></html>", parser=HTML_PARSER)


# A tag the page stops inside ("...</", "<p cla"): what a dropped connection leaves at the end. As a regex,
# `<[/!?A-Za-z][^<>]*\Z` searched in the last 2 KB; only the last "<" can start it.
_TAG_START = frozenset("/!?" + string.ascii_letters)


def without_cut_off_tag(html: str) -> str:
    """The page without a tag it was cut off inside: HTML parsers keep such a fragment as text ("</" at the
    end of the last paragraph of a truncated page).

    By the page's last "<", not the regex above: the regex tried every "<" of the last 2 KB and read on to the
    end from each (0.09 ms of every page of the generic path)."""
    cut = html.rfind("<", max(0, len(html) - 2048))
    if cut != -1 and html[cut + 1:cut + 2] in _TAG_START and ">" not in html[cut + 2:]:
        return html[:cut]
    return html


def drop_keeping_tail(el: Any) -> None:
    """Remove an lxml element and what it holds, keeping its tail text (the words after it belong to the
    parent): lxml's drop_tree(), but a no-op on the root instead of an assertion error."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def load_json(raw: str) -> Any:
    """json.loads that treats nesting too deep for the interpreter like any other malformed JSON.

    Raises ValueError. A page is third-party input: `[[[[...` 100,000 deep in a script must cost the page its
    embedded data, not the crawl a RecursionError.
    """
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def class_tokens(value: str) -> list[str]:
    """The tokens of a class attribute as `contains(concat(' ', normalize-space(@class), ' '), ' x ')` sees
    them: split on XML white space only (a no-break space is part of a token there), empty ones dropped."""
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return [token for token in value.split(" ") if token]


class ClassIndex:
    """A page's elements by class token and by id, from one pass over the whole document.

    Locating elements by class with XPath (`//*[contains(concat(' ', normalize-space(@class), ' '), ' x ')]`)
    scans every element of a 300 KB page, ~0.5 ms a search; a parser making twenty such searches spends more
    time there than in the rest of its work. The index answers the same question with a dict lookup, in
    document order like XPath, for the whole document (as `//` does, even when the tree is a fragment).
    The page's tree must not change after the index is built: parsers work on copies of their containers.
    """

    def __init__(self, tree: Any) -> None:
        self.root = tree.getroottree().getroot()
        by_class: dict[str, list[Any]] = {}
        tokens_of: dict[str, list[str]] = {}  # pages repeat a few class values hundreds of times
        for el in self.root.iter(etree.Element):
            value = el.get("class")
            if not value:
                continue
            tokens = tokens_of.get(value)
            if tokens is None:
                tokens = tokens_of[value] = list(dict.fromkeys(class_tokens(value)))  # `class="a a"`: once
            for token in tokens:
                found = by_class.get(token)
                if found is None:
                    by_class[token] = [el]
                else:
                    found.append(el)
        self.by_class = by_class

    @cached_property
    def by_id(self) -> dict[str, list[Any]]:
        """Elements by id, in document order (built on first use: few parsers need it)."""
        found: dict[str, list[Any]] = {}
        for el in self.root.iter(etree.Element):
            ident = el.get("id")
            if ident is not None:
                found.setdefault(ident, []).append(el)
        return found

    def find(self, name: str, tag: str | None = None) -> list[Any]:
        """Elements with class token `name` (and tag `tag`): `//TAG[contains(concat(...), ' NAME ')]`."""
        found = self.by_class.get(name, [])
        return [el for el in found if el.tag == tag] if tag is not None else list(found)

    def with_id(self, ident: str, tag: str | None = None) -> list[Any]:
        """Elements whose id is `ident` (and tag `tag`), in document order: `//TAG[@id="IDENT"]`."""
        found = self.by_id.get(ident, [])
        return [el for el in found if el.tag == tag] if tag is not None else list(found)

    @staticmethod
    def under(elements: list[Any], ancestors: list[Any]) -> list[Any]:
        """Those of `elements` inside one of `ancestors` (not one of them itself): `//A//B` from `//B`."""
        if not ancestors or not elements:
            return []
        outer = set(ancestors)
        return [el for el in elements if any(a in outer for a in el.iterancestors())]

    @staticmethod
    def not_under(elements: list[Any], ancestors: list[Any]) -> list[Any]:
        """Those of `elements` inside none of `ancestors`: `B[not(ancestor::A)]`."""
        if not ancestors or not elements:
            return list(elements)
        outer = set(ancestors)
        return [el for el in elements if not any(a in outer for a in el.iterancestors())]

    def descendants(self, ancestors: list[Any], tag: str) -> list[Any]:
        """`tag` elements inside any of `ancestors`, each once, in document order: `//A//TAG`."""
        if not ancestors:
            return []
        if len(ancestors) == 1:
            return list(ancestors[0].iterdescendants(tag))
        # Several containers may nest or interleave: filter the document's `tag` elements instead.
        return self.under(list(self.root.iter(tag)), ancestors)


@dataclass(frozen=True)
class _Compound:
    """One compound selector (`tag.class#id[attr op "value"]`): every part must hold."""

    tag: str | None
    classes: tuple[str, ...]
    attrs: tuple[tuple[str, str, str], ...]  # (name, operator: "exists", "=", "*=" or "^=", value)

    def matches(self, el: Any, tokens: list[str]) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if any(name not in tokens for name in self.classes):
            return False
        for name, operator, value in self.attrs:
            actual = el.get(name)
            if actual is None:
                return False
            if operator == "=":
                ok = actual == value
            elif operator == "*=":
                ok = bool(value) and value in actual
            elif operator == "^=":
                ok = bool(value) and actual.startswith(value)
            else:  # "exists"
                ok = True
            if not ok:
                return False
        return True


class SimpleSelectors:
    """A list of compound CSS selectors matched in Python over an lxml subtree: what the XPath cssselect
    makes of them (`descendant-or-self::*[...] | ...`) finds, in document order, root included.

    A container's furniture selector is some thirty such selectors: libxml2 walks the container once per
    selector and builds `concat(' ', normalize-space(@class), ' ')` per element and class test, 0.18 ms on a
    bench page's 60-element container; one walk testing each element's tag, class tokens and the few
    attributes named takes 0.03 ms. The semantics are cssselect's GenericTranslator's: element names and
    attribute values compared exactly, class tokens split on XML white space (`class_tokens`), `*=` and
    `^=` with an empty value match nothing. Anything else (combinators, pseudo-classes, `~=`) raises
    ValueError: use XPath for it. tests/extract/pages/test_class_index.py compares both on recorded pages.
    """

    def __init__(self, css: str) -> None:
        self.by_tag: dict[str, list[_Compound]] = {}  # compounds with a tag and nothing else
        self.by_class: dict[str, list[_Compound]] = {}  # compounds with a class, under their first class
        self.by_attr: dict[str, list[_Compound]] = {}  # the others, under their first attribute's name
        for selector in cssselect.parse(css):
            compound = _compound(selector)
            if compound.classes:
                self.by_class.setdefault(compound.classes[0], []).append(compound)
            elif compound.attrs:
                self.by_attr.setdefault(compound.attrs[0][0], []).append(compound)
            elif compound.tag is not None:
                self.by_tag.setdefault(compound.tag, []).append(compound)
            else:
                raise ValueError(f"a selector matching every element: {css!r}")

    def _matches(self, el: Any) -> bool:
        if el.tag in self.by_tag:
            return True
        value = el.get("class")
        tokens = class_tokens(value) if value else []
        if self.by_class:
            for token in tokens:
                for compound in self.by_class.get(token, ()):
                    if compound.matches(el, tokens):
                        return True
        for name, compounds in self.by_attr.items():
            if el.get(name) is not None:
                for compound in compounds:
                    if compound.matches(el, tokens):
                        return True
        return False

    def __call__(self, root: Any) -> list[Any]:
        """The matching elements of `root`'s subtree, `root` included, in document order."""
        matches = self._matches
        return [el for el in root.iter(etree.Element) if matches(el)]


def _compound(selector: Any) -> _Compound:
    """A parsed cssselect selector as a _Compound; ValueError for what _Compound cannot test."""
    if selector.pseudo_element is not None:
        raise ValueError(f"unsupported selector: {selector!r}")
    classes: list[str] = []
    attrs: list[tuple[str, str, str]] = []
    tree = selector.parsed_tree
    while not isinstance(tree, cssselect.parser.Element):
        if isinstance(tree, cssselect.parser.Class):
            classes.append(tree.class_name)
        elif isinstance(tree, cssselect.parser.Hash):
            attrs.append(("id", "=", tree.id))
        elif (isinstance(tree, cssselect.parser.Attrib) and tree.namespace is None
              and tree.operator in ("exists", "=", "*=", "^=")):
            value = tree.value.value if tree.value is not None else None
            attrs.append((tree.attrib, tree.operator, value or ""))
        else:
            raise ValueError(f"unsupported selector: {selector!r}")
        tree = tree.selector
    if tree.namespace is not None:
        raise ValueError(f"unsupported selector: {selector!r}")
    tag = None if tree.element in (None, "*") else tree.element
    # The parser lists a compound's parts last first: keep the written order (the first class indexes it).
    return _Compound(tag, tuple(reversed(classes)), tuple(reversed(attrs)))


def iso_datetime(value: str | None) -> str | None:
    """ISO 8601 with the offset the source states ('2022-01-07T14:30:00+07:00'); None if unparseable.

    A value without an offset stays naive: we never invent a time zone the page did not state.
    """
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dateparser.parse(value)
        except (ValueError, OverflowError):
            return None
    if parsed is None:
        return None
    return parsed.isoformat()


class ArticlePage:
    """Base page object. `source` names the site; subclasses set it and override field methods."""

    source: ClassVar[str] = "generic"
    language_default: ClassVar[str | None] = None

    def __init__(self, url: str, html: str) -> None:
        self.url_given = url
        self.html = without_cut_off_tag(html)

    # -- parsed documents, built lazily so a parser that only needs lxml never pays for BeautifulSoup --
    @cached_property
    def tree(self) -> Any:
        """The whole page as an lxml tree: fast selectors for locating things."""
        return html_tree(self.html)

    @cached_property
    def soup(self) -> BeautifulSoup:
        """The whole page as BeautifulSoup. Prefer `tree` plus a fragment: this is slow on 300 KB pages."""
        return BeautifulSoup(self.html, "lxml")

    @cached_property
    def index(self) -> ClassIndex:
        """The page's elements by class token and id: use it instead of `//*[contains(@class...)]` scans."""
        return ClassIndex(self.tree)

    # -- metadata helpers --
    @cached_property
    def _meta_tags(self) -> list[tuple[str | None, str | None, str | None, str]]:
        """(property, name, itemprop, content) of every <meta> with a content attribute, in document order:
        read once, as field methods ask for metadata many times a page."""
        root = self.tree.getroottree().getroot()
        return [(el.get("property"), el.get("name"), el.get("itemprop"), content)
                for el in root.iter("meta") if (content := el.get("content")) is not None]

    @cached_property
    def _meta_contents(self) -> dict[tuple[int, str], list[str]]:
        """Contents by (0 property | 1 name | 2 itemprop, value), in document order."""
        found: dict[tuple[int, str], list[str]] = {}
        for tag in self._meta_tags:
            for which in (0, 1, 2):
                value = tag[which]
                if value is not None:
                    found.setdefault((which, value), []).append(tag[3])
        return found

    def meta(self, *names: str) -> str | None:
        """First non-empty content of <meta name|property|itemprop=NAME> among `names`, in order."""
        contents = self._meta_contents
        for name in names:
            for which in (0, 1, 2):  # property, then name, then itemprop
                for value in contents.get((which, name), ()):
                    if value and value.strip():
                        return str(value).strip()
        return None

    def metas(self, name: str) -> list[str]:
        """Every non-empty content of <meta property|name=NAME>, in document order."""
        values = [tag[3] for tag in self._meta_tags if tag[0] == name or tag[1] == name]
        return [str(v).strip() for v in values if v and v.strip()]

    @cached_property
    def json_ld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object on the page, @graph members flattened; malformed blocks are skipped."""
        found: list[dict[str, Any]] = []
        # Liputan6's current desktop page holds its JSON-LD in script#rich-card, whatever its type says.
        scripts = [el for el in self.tree.getroottree().getroot().iter("script")
                   if (el.get("type") or "").split(";")[0].strip().lower() == "application/ld+json"
                   or el.get("id") == "rich-card"]
        for raw in (text for el in scripts for text in el.xpath("text()")):
            try:
                data = load_json(raw)
            except ValueError:
                continue
            stack = data if isinstance(data, list) else [data]
            while stack:
                item = stack.pop(0)
                if isinstance(item, dict):
                    found.append(item)
                    graph = item.get("@graph")
                    if isinstance(graph, list):
                        stack.extend(graph)
                elif isinstance(item, list):
                    stack.extend(item)
        return found

    def json_ld_article(self) -> dict[str, Any] | None:
        for item in self.json_ld:
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith(("Article", "BlogPosting", "Report")) for k in kinds):
                return item
        return None

    @cached_property
    def _canonical_href(self) -> str | None:
        # `//link[@rel="canonical"]/@href`, first match: iter() by tag, not an XPath scan of every element.
        for el in self.tree.getroottree().getroot().iter("link"):
            if el.get("rel") == "canonical" and (href := el.get("href")) is not None:
                return str(href).strip()
        return None

    def canonical_link(self) -> str | None:
        return self._canonical_href

    # -- fields (override per site) --
    def url(self) -> str:
        """The canonical URL: the page's own canonical link if it is on the same site, else the given URL."""
        return self._base_url

    @cached_property
    def _base_url(self) -> str:
        # Cached: every field that needs the article's address asks again (article id, section, the item).
        link = self.canonical_link()
        if link and link.startswith(("http://", "https://")):
            site = site_of(link)
            same_site = site is not None and site == site_of(self.url_given)
            ours = same_site or host_of(link) == host_of(self.url_given)
            if ours and names_this_page(link, self.url_given):  # never another article's address
                return canonical_url(link)
        return canonical_url(self.url_given)

    def article_id(self) -> str | None:
        return article_id_for(self.url()) or article_id_for(self.url_given)

    def title(self) -> str | None:
        # The first <h1> in document order, as //h1 gives it, without XPath's walk of the whole tree.
        h1 = next(self.tree.getroottree().getroot().iter("h1"), None)
        if h1 is not None:
            text = " ".join(h1.text_content().split())
            if text:
                return text
        return self.meta("og:title", "twitter:title")

    def lead(self) -> str | None:
        return self.meta("og:description", "description", "twitter:description")

    def published_at(self) -> str | None:
        return iso_datetime(self.meta("article:published_time", "datePublished", "pubdate"))

    def modified_at(self) -> str | None:
        return iso_datetime(self.meta("article:modified_time", "dateModified", "og:updated_time"))

    def authors(self) -> list[str]:
        return []

    def section(self) -> str | None:
        return self.meta("article:section")

    def tags(self) -> list[str]:
        return self.metas("article:tag")

    def language(self) -> str | None:
        return self.language_default

    def paragraphs(self) -> list[str]:
        raise NotImplementedError

    def images(self) -> list[Image]:
        return []

    def kind(self) -> str:
        return "article"

    def source_name(self) -> str:
        return self.source

    def explain(self) -> str:
        """How this page's body was found, for `newswatch extract --explain`."""
        return f"{self.source} page parser ({type(self).__name__}): the site's own layout rules"

    def to_article(self) -> Article:
        paragraphs = [p for p in self.paragraphs() if p.strip()]
        if not paragraphs:
            raise NoArticleError(f"no article body found in the page for {self.url_given}")
        lead = self.lead()
        site_names = tuple(filter(None, [self.meta("og:site_name")]))
        return Article(
            source=self.source_name(),
            article_id=self.article_id(),
            url=self.url(),
            title=final_title(self.title(), lead, site_names),  # never the site's name, never a megabyte
            lead=lead,
            published_at=self.published_at(),
            modified_at=self.modified_at(),
            authors=_dedupe(self.authors()),
            section=self.section(),
            tags=_dedupe(self.tags()),
            language=self.language(),
            body="\n\n".join(paragraphs),
            images=self.images(),
            kind=self.kind(),
        )


_SPACES = re.compile(r"\s+")


def _dedupe(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        clean = _SPACES.sub(" ", value).strip()
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    return list(seen.values())
