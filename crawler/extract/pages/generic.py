"""The generic extractor: any other news site, and BBC pages that are not News articles (Sport, World
Service).

The body is chosen among up to four candidates by agreement (crawler/extract/pages/candidates.py, which says
in what order and why): our own density scoring over the page's tree (density.py), trafilatura (a
maintained, well-evaluated extraction library) in its default mode with our pruning, readability-lxml's
scoring, and trafilatura in its precision mode. Two cheap witnesses, never chosen themselves, settle most
pages before trafilatura runs and vote on the others: the page's own markup of its article, and a
boilerpipe-style classification of its text blocks (blocks.py). Then our cleaner with the "generic" rules.
`newswatch extract --explain` says which candidate won and why.

Metadata comes from what the page publishes (JSON-LD, meta tags, a visible byline), with
htmldate as the last resort for the date. Authors are people only: publisher names, which many sites put in
their `author` meta tag, are filtered out.
"""

from __future__ import annotations

import copy
import hashlib
import re
import string
from functools import cache, cached_property
from typing import Any
from urllib.parse import unquote, urlsplit

import trafilatura
from lxml import etree

from crawler.core.items import Image
from crawler.extract.cleaning import clean_lines
from crawler.extract.pages import blocks, density
from crawler.extract.pages import candidates as body_candidates
from crawler.extract.pages.base import ArticlePage, drop_keeping_tail, html_tree, iso_datetime
from crawler.extract.text import normalize_space
from crawler.extract.urls import article_id_for, canonical_url, host_of, site_of, site_rule

# A body must hold at least one sentence-sized paragraph: a page of menu labels is not an article.
MIN_PARAGRAPH_CHARS = 40
# A JSON-LD articleBody shorter than this is a summary, not the article.
MARKUP_MIN_CHARS = 200
# trafilatura's full mode compares its result with its readability and jusText fallbacks. Alone, that is
# worth +0.02 body F1 over `fast` on the development set (0.938 against 0.919 on its first 120 pages). Inside
# the vote it is worth nothing: readability-lxml and the precision mode are candidates of their own, and
# with `fast` the replayed vote scores the same 0.9399 overall, at 10.6 ms a call instead of 15.0
# (bench/devset.py; candidates.py says how the vote was replayed).
FAST = True

# Path segments that name a view or a file, not the article ("/slug/amp", "/slug/index.html").
_GENERIC_SEGMENTS = frozenset({"amp", "index", "print", "full", "view", "read", "article", "articles", "news",
                               "story", "berita", "detail", "default"})
_FILE_EXT = re.compile(r"\.(s?html?|php|aspx?|jsp|cms)$", re.I)
_SEGMENT_OK = re.compile(r"[\w-]*[a-z0-9][\w-]*", re.I)

# Meta tags that hold an author name on some site; publisher names among them are filtered afterwards.
_AUTHOR_METAS = ("author", "dtk:author", "content_author", "article:author", "parsely-author",
                 "sailthru.author", "byl", "dc.creator")
# Elements a byline lives in. The most specific match wins (see `_byline_authors`).
_BYLINE_XPATH = (
    "//body//*[not(self::script or self::style or self::meta or self::link or self::img)]"
    "[contains(translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 'author')"
    " or contains(translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 'byline')"
    " or @itemprop='author' or @rel='author']"
    "[not(ancestor::aside or ancestor::nav or ancestor::footer or ancestor::li)]"
)
_NOT_BYLINE_TAGS = frozenset({"script", "style", "meta", "link", "img"})
_NOT_BYLINE_ANCESTORS = frozenset({"aside", "nav", "footer", "li"})
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # as XPath's translate() does
_ROLE_NOT_AUTHOR = re.compile(r"\b(editor|penyunting|redaktur|fotografer|photographer|foto|photo|image)\b",
                              re.I)
_BYLINE_PREFIX = re.compile(r"^(by|oleh|penulis|reporter|writer|written by|author|kontributor)\b\s*:?\s*",
                            re.I)
_NAME_SPLIT = re.compile(r"\s+(?:-|–|—|\||and|dan|&)\s+|,\s*|;\s*")
# Words that mark an organisation or a role label, not a person.
_NOT_A_PERSON = re.compile(
    r"\b(developer|redaksi|admin|administrator|staff|team|tim|newsroom|editorial|media|news|berita|agency|"
    r"penulis|editor|reporter|contributor|kontributor|published|updated|image|source|getty|reuters|afp)\b",
    re.I,
)
_DATELINE = re.compile(r"^[A-Z][\w.,' ]{1,40}\s[-–—]$")
# Page furniture trafilatura sometimes keeps: the site footer and its copyright line, modal dialogs (account
# prompts on kompas.com), and video-player placeholders inside the text ("[Gambas:Video 20detik]"). As
# XPath (the specification; `_is_furniture` selects the same elements, and trafilatura reads the same text:
# tests/extract/pages/test_generic_shortcuts.py):
#   //footer
#   //*[contains(@class, 'footer') or contains(@class, 'copyright')]
#   //*[not(self::html or self::body)][@role='dialog' or @aria-modal='true' or contains(@class, 'modal')
#        or contains(@class, 'Modal')]
#   //*[contains(@class, 'embed') and contains(@class, 'video')]
# and everything before the first <h1> outside <head> (teasers and "headline" boxes above the title).
# Elements trafilatura deletes unread (its tree cleaning and its baseline's both drop them, text-less or not)
# and scripts other than JSON-LD (which its baseline reads): gone before it starts, its every XPath pass has
# fewer elements to test.
_UNREAD_BY_TRAFILATURA = ("style", "svg", "link", "meta")
_BEFORE_FIRST_H1 = "(//h1)[1]/preceding::*[not(self::head or ancestor::head)]"
_PERSON_NAME = re.compile(r"^[^\W\d_][^\d@/:<>()\[\]{}]{1,58}[^\W\d_.]$|^[^\W\d_]{2}$", re.U)


def page_for(url: str, html: str) -> ArticlePage:
    """The generic page object for any page: `to_article()` raises NoArticleError if it holds no article."""
    return GenericArticlePage(url, html)


@cache
def _language_identifier() -> Any:
    # Loading the model takes most of a second: once per process, and only when a language is needed.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of `text`. `hint` (the page's declared language) wins when the text is too short to
    judge, or when the detector finds it plausible: py3langid readily confuses Indonesian with Malay."""
    hint = (hint or "").split("-")[0].split("_")[0].strip().lower() or None
    sample = text[:5000]
    if len(sample.strip()) < 20:
        return hint
    ranked = _language_identifier().rank(sample)
    best, best_prob = ranked[0]
    if hint:
        hint_prob = next((prob for lang, prob in ranked[:5] if lang == hint), 0.0)
        if hint_prob >= 0.05 or best_prob < 0.5:
            return hint
    return str(best)


@cache
def _readability_document() -> type:
    """readability-lxml's Document, reading a copy of the page's tree instead of parsing the page again.

    Why: the readability candidate cost 16.7 ms a page on the development set; a copy of the parsed tree
    (about 0.3 ms) instead of a parse, and no URL (readability would rewrite every link absolute, for text
    we never read as links), make it 13.5 ms with the same output on all 480 pages. Every pass reads its own
    copy: readability's retry with gentler pruning parses its input again, and must not see the tree its
    first pass pruned.

    More of its costs are work for markup we never read or work done twice, so this Document skips them
    and gives the same text (tests/extract/pages/test_generic_shortcuts.py compares it with the stock
    Document; the same output on all 480 development pages):
    - its cleaner's `javascript` pass (a fifth of the candidate's time) only blanks `javascript:` links and
      drops `on*` attributes; the text is that of the same elements either way;
    - its parse copies the tree twice (clean_html copies its input) and looks for hidden elements in two
      XPath passes and for a <base> in a third: here one copy, one pass, and a look by tag (`_parse`);
    - its link density measures each text after three regex substitutions (`_readability_length`);
    - its pruning of unlikely elements searches two regexes on every element's class and id: here once per
      distinct value;
    - it tells a <div> holding a block from one that holds none by serialising each div's subtree: here
      one walk over the tree (`_readability_block_holders`).
    21.7 ms a call for the stock Document on the parsed tree, 10.1 ms for this one (the 50 development pages
    that reach it, the two alternating in one process; 15.2-15.9 against 11.3 before the last two).
    """
    from readability import Document
    from readability import readability as stock

    cleaner = copy.copy(stock.html_cleaner)
    cleaner.javascript = False
    display_none = stock.REGEXES["displayNoneRe"]
    unlikely, maybe = stock.REGEXES["unlikelyCandidatesRe"], stock.REGEXES["okMaybeItsACandidateRe"]
    block_tag = stock.REGEXES["divToPElementsRe"]

    class TreeDocument(Document):
        def _parse(self, source: Any) -> Any:
            # Document._parse with the cleaner above; with no URL, it only resolves a <base href>. Its own
            # copy, cleaned in place (clean_html would copy it again), and hidden elements found in one
            # XPath pass instead of two; a <base> looked for by tag before resolve_base_href's XPath.
            doc = copy.deepcopy(source)
            for elem in doc.xpath("//*[@hidden or @style]"):
                style = elem.get("style")
                if elem.get("hidden") is not None or (style is not None and display_none.search(style)):
                    elem.drop_tree()
            self.encoding = "utf-8"
            cleaner(doc)
            if next(doc.iter("base", "{http://www.w3.org/1999/xhtml}base"), None) is not None:
                doc.resolve_base_href(handle_failures=self.handle_failures)
            return doc

        def remove_unlikely_candidates(self) -> None:
            # Document's own pruning of elements whose class and id look like furniture, with its two regex
            # searches made once per distinct class-and-id value (a page repeats a few values hundreds of
            # times) and its two XPath tests as walks (pre or code around; main, article or math within).
            verdicts: dict[str, bool] = {}
            for elem in self.html.findall(".//*"):
                names = f"{elem.get('class', '')} {elem.get('id', '')}"
                if names == " ":
                    continue
                verdict = verdicts.get(names)
                if verdict is None:
                    verdict = unlikely.search(names) is not None and maybe.search(names) is None
                    verdicts[names] = verdict
                tag = elem.tag
                if (verdict and tag not in ("html", "body", "pre", "code", "main", "article", "math")
                        and next(elem.iterancestors("pre", "code"), None) is None
                        and next(elem.iterdescendants("main", "article", "math"), None) is None):
                    elem.drop_tree()

        def get_link_density(self, elem: Any) -> float:
            links = sum(_readability_length(a) for a in elem.findall(".//a"))
            return links / max(_readability_length(elem), 1)

        def transform_misused_divs_into_paragraphs(self) -> None:
            # Document's own rewriting of <div>s, in its two steps. First, a <div> holding no block element
            # becomes a <p>. It looks for one by serialising each div's children and searching the markup
            # for a block tag: every div's whole subtree, so the page many times over (a fifth of the
            # candidate's time). Here one walk marks what holds a node that search would find.
            holders = _readability_block_holders(self.html, block_tag)
            for div in self.html.findall(".//div"):
                if div not in holders:
                    div.tag = "p"
            # Then, in each <div> left, its own text, each run of inline children and each tail text become
            # paragraphs, and its <br>s go. An inline child counts as a block by the same search as above,
            # on its HTML serialisation (where attribute values go unescaped), as Document does.
            for div in self.html.findall(".//div"):
                _readability_paragraphs_in(div, block_tag)

    return TreeDocument


# The inline elements readability-lxml gathers into a paragraph of their own in a <div> (its list).
_READABILITY_INLINE = frozenset({"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong",
                                 "sub", "sup", "u"})


def _readability_block_holders(root: Any, block_tag: re.Pattern[str]) -> set[Any]:
    """The elements under `root` in whose children's XML serialisation readability finds a block tag with
    `block_tag` ("<p", "<div", "<table"...; a prefix, so "<param" too): those holding an element whose tag it
    matches, or a comment or processing instruction whose text it finds (their text is serialised as is; an
    element's text, tails and attribute values are escaped, "<" as "&lt;", so the search cannot find them).
    One walk, each hit marking its ancestors until one already marked."""
    holders: set[Any] = set()
    for node in root.iterdescendants():
        tag = node.tag
        if isinstance(tag, str):
            hit = block_tag.match(f"<{tag}") is not None
        else:  # a comment or a processing instruction (an entity's text has no "<")
            hit = node.text is not None and block_tag.search(node.text) is not None
        if hit:
            parent = node.getparent()
            while parent is not None and parent not in holders:
                holders.add(parent)
                parent = parent.getparent()
    return holders


def _readability_paragraphs_in(div: Any, block_tag: re.Pattern[str]) -> None:
    """readability-lxml's second step for one <div> (TreeDocument.transform_misused_divs_into_paragraphs)."""
    paragraph = None
    children = list(div)
    if div.text and div.text.strip():
        paragraph = div.makeelement("p")
        paragraph.text, div.text = div.text, None
        div.insert(0, paragraph)
    for child in children:
        if child.tag == "br" or child.tag not in _READABILITY_INLINE or \
                block_tag.search(etree.tounicode(child, method="html")) is not None:
            paragraph = None  # a line break or a block ends the paragraph being gathered
            continue
        if paragraph is None:
            paragraph = div.makeelement("p")
            child.addprevious(paragraph)
        paragraph.append(child)
    for position in range(len(div) - 1, -1, -1):
        child = div[position]
        if child.tail and child.tail.strip():
            loose = div.makeelement("p")
            loose.text, child.tail = child.tail, None
            div.insert(position + 1, loose)
        if child.tag == "br":
            child.drop_tree()


# What readability's clean() can change besides the ends: a line break, a tab, two white-space characters.
_READABILITY_CLEANS = re.compile(r"\s\s|[\n\t]")
# A run of two or more white-space characters (\s, as clean() and str.split() read white space), whole.
_WHITE_RUN = re.compile(r"\s{2,}")
# clean()'s last pass: a tab or a run of spaces and tabs becomes one space.
_READABILITY_TABS = re.compile(r"\t|[ \t]{2,}")


def _readability_length(el: Any) -> int:
    """len(readability.clean(el.text_content())), readability's text_length, in less time.

    Why: readability measures the text of every candidate container, and of every link in it, for its link
    density; clean() makes three regex passes over each text, the first (runs of 255 white-space characters
    or more) retrying at every white-space character of a run of indentation, and that was most of the
    readability candidate's time (tests/extract/pages/test_generic_shortcuts.py compares the two on real and
    random texts)."""
    # An element without children (most links) has its text as its whole text: no XPath string() needed.
    return _readability_clean_length((el.text_content() if len(el) else el.text) or "")


def _readability_clean_length(text: str) -> int:
    """len(readability.clean(text)), from the text's words and its runs of white space, without building
    the cleaned text.

    clean() turns each run of white space between two words into one character, but for a run shorter than
    255 characters with no line break in it, where only tabs and runs of spaces and tabs become one space
    (two no-break spaces stay two characters), and it strips both ends. Each run below is whole (maximal), as
    clean()'s patterns see it."""
    if _READABILITY_CLEANS.search(text) is None:
        return len(text.strip())
    words = text.split()
    if not words:
        return 0
    length = sum(map(len, words)) + len(words) - 1  # each run between two words as one character
    end = len(text)
    for found in _WHITE_RUN.finditer(text):
        start, stop = found.span()
        if start == 0 or stop == end or stop - start >= 255:
            continue  # stripped, or one character
        run = found.group()
        if "\n" not in run:  # else one character
            length += len(_READABILITY_TABS.sub(" ", run)) - 1
    return length


class GenericArticlePage(ArticlePage):
    """An article on a site we have no dedicated parser for."""

    source = "generic"

    # -- identity --
    def url(self) -> str:
        # A saved file (file:// or no address at all) still says where it came from in its canonical link.
        if not self.url_given.startswith(("http://", "https://")):
            link = self.canonical_link() or self.meta("og:url")
            if link and link.startswith(("http://", "https://")):
                return canonical_url(link)
        return super().url()

    def source_name(self) -> str:
        url = self.url()
        site = site_of(url)
        if site is not None:
            return site
        host = host_of(url)
        return host.removeprefix("www.") or "generic"

    def article_id(self) -> str | None:
        url = self.url()
        known = article_id_for(url) or article_id_for(self.url_given)
        if known:
            return known
        segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
        for segment in reversed(segments):
            segment = _FILE_EXT.sub("", segment)
            if segment.lower() in _GENERIC_SEGMENTS or not _SEGMENT_OK.fullmatch(segment):
                continue
            if segment.isdigit() and len(segment) < 4:  # a page number, not an id
                continue
            return segment
        # No usable path (a home page, a query-only address): a short stable hash of the canonical URL.
        return hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]

    # -- metadata --
    def title(self) -> str | None:
        title = super().title()
        return normalize_space(title) if title else None

    def lead(self) -> str | None:
        lead = self.meta("og:description", "description", "twitter:description")
        return lead or self._ld_str("description")

    def published_at(self) -> str | None:
        for value in (self._ld_str("datePublished"),
                      self.meta("article:published_time", "og:published_time", "datePublished", "pubdate",
                                "publishdate", "dtk:publishdate", "content_PublishedDate", "date")):
            parsed = _plausible_date(value)
            if parsed:
                return parsed
        return self._htmldate()

    def modified_at(self) -> str | None:
        for value in (self._ld_str("dateModified"),
                      self.meta("article:modified_time", "og:updated_time", "dateModified", "lastmod")):
            parsed = _plausible_date(value)
            if parsed:
                return parsed
        return None

    def _htmldate(self) -> str | None:
        from htmldate import find_date

        try:
            found = find_date(self.html, url=self.url(), original_date=True, extensive_search=True)
        except Exception:  # htmldate is heuristic and has raised on odd markup; a date is optional
            return None
        return _plausible_date(found)

    def authors(self) -> list[str]:
        publishers = self._publisher_names()
        for candidates in (self._meta_authors, self._byline_authors, self._json_ld_authors):
            cleaned = (_clean_name(c) for c in candidates())
            names = [n for n in cleaned if n and not _is_publisher(n, publishers)]
            if names:
                return names[:6]
        return []

    def _meta_authors(self) -> list[str]:
        # The page's <meta> contents, read once (base.py), not sixteen XPath scans of the document.
        contents = self._meta_contents
        names: list[str] = []
        for name in _AUTHOR_METAS:
            for which in (1, 0):  # <meta name=...>, then <meta property=...>
                for value in contents.get((which, name), ()):
                    if "://" not in value:
                        names.extend(_split_names(str(value)))
        return names

    def _byline_authors(self) -> list[str]:
        matches = _byline_elements(self.tree)
        # Only the innermost matches: an outer "author box" also holds role labels and avatar initials.
        outer = {id(ancestor) for el in matches for ancestor in el.iterancestors()}
        names: list[str] = []
        for el in matches:
            if id(el) in outer:
                continue
            text = normalize_space(el.text_content())
            parent = el.getparent()
            context = normalize_space(parent.text_content()) if parent is not None else ""
            if not text or len(text) > 120 or _ROLE_NOT_AUTHOR.search(text):
                continue
            if len(context) < 200 and _ROLE_NOT_AUTHOR.search(context):
                continue
            names.extend(_split_names(text))
        return names

    def _json_ld_authors(self) -> list[str]:
        article = self.json_ld_article() or {}
        raw = article.get("author")
        items = raw if isinstance(raw, list) else [raw]
        names: list[str] = []
        for item in items:
            if isinstance(item, str):
                names.extend(_split_names(item))
            elif isinstance(item, dict) and item.get("@type") in (None, "Person"):
                name = item.get("name")
                if isinstance(name, str):
                    names.extend(_split_names(name))
        return names

    def _publisher_names(self) -> set[str]:
        """Names of the publisher, squashed (lower case, letters only), to tell organisations from people."""
        names = {self.meta(key) or "" for key in ("og:site_name", "application-name", "copyright")}
        article = self.json_ld_article() or {}
        publisher = article.get("publisher")
        for item in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.add(item["name"])
        raw = article.get("author")
        for item in raw if isinstance(raw, list) else [raw]:
            if isinstance(item, dict) and item.get("@type") == "Organization":
                name = item.get("name")
                if isinstance(name, str):
                    names.add(name)
        # The host's labels ("detik" of health.detik.com) catch "detikHealth", "Kompas Cyber Media".
        for host in (host_of(self.url()), host_of(self.url_given)):
            names.update(label for label in host.split(".") if len(label) >= 3
                         and label not in {"www", "com", "net", "org", "co", "news"})
        return {_squash(n) for n in names if _squash(n)}

    def section(self) -> str | None:
        section = self.meta("article:section") or self._ld_str("articleSection")
        return normalize_space(section) if section else None

    def tags(self) -> list[str]:
        tags = self.metas("article:tag")
        if not tags:
            keywords = self.meta("news_keywords", "keywords") or ""
            tags = [k.strip() for k in keywords.split(",") if k.strip()]
        return tags

    def language(self) -> str | None:
        declared = self.tree.get("lang") or self.tree.get("{http://www.w3.org/XML/1998/namespace}lang")
        # A configured outlet's language (its `language` key) is the user's word: it comes before the page's.
        rule = site_rule(self.url()) or site_rule(self.url_given)
        configured = rule.language if rule is not None else None
        hint = configured or declared or self.meta("og:locale", "language", "content-language")
        return detect_language(" ".join(self._paragraphs), hint)

    def images(self) -> list[Image]:
        image = self.meta("og:image", "twitter:image")
        return [Image(url=image)] if image and image.startswith(("http://", "https://")) else []

    def _ld_str(self, key: str) -> str | None:
        article = self.json_ld_article() or {}
        value = article.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        return value.strip() if isinstance(value, str) and value.strip() else None

    # -- body --
    def paragraphs(self) -> list[str]:
        return self._paragraphs

    @cached_property
    def _paragraphs(self) -> list[str]:
        winner = self.choice.winner
        lines = winner.lines if winner else []
        title = self.title()
        if lines and title and lines[0].casefold() == title.casefold():
            lines = lines[1:]  # the headline is the title field, not the body's first paragraph
        kept = clean_lines(lines, "generic")
        if not any(len(line) >= MIN_PARAGRAPH_CHARS for line in kept):
            return []
        return kept

    @cached_property
    def choice(self) -> body_candidates.Choice:
        """Which extractor's body this page gets, and why (see candidates.py)."""
        return body_candidates.choose(("density", self._density_lines),
                                      ("trafilatura", self._trafilatura_body),
                                      ("readability", self._readability_lines),
                                      ("trafilatura-precision", self._trafilatura_precision_lines),
                                      witnesses=(("markup", self._markup_lines),
                                                 ("blocks", self._block_lines)))

    def explain(self) -> str:
        return f"generic extractor: {self.choice.explain()}"

    def _trafilatura_body(self) -> list[str]:
        lines = self._trafilatura_lines()
        if len(lines) <= 1:
            # trafilatura falls back to one run-on line on short structured pages (a BBC Sport fixture list):
            # the article's own <p> elements keep the paragraphs and leave out the page furniture.
            own = self._article_paragraph_lines()
            if own:
                lines = own
        return lines

    def _trafilatura_lines(self, precision: bool = False) -> list[str]:
        def run(tree: Any) -> str | None:
            return trafilatura.extract(tree, url=self._url_for_trafilatura(), include_comments=False,
                                       include_tables=precision, include_links=False, include_images=False,
                                       deduplicate=False, fast=FAST, favor_precision=precision)

        # The precision candidate is a second opinion meant to fail differently: it runs without our pruning
        # and keeps tables (results, figures). Tables in the main candidate cost 0.006 F1 on the development
        # set (navigation and data tables in news pages); in the second opinion they gain 0.001.
        # trafilatura copies a tree it is given, so ours serves every run and the page is parsed once.
        text = run(self.tree) if precision else run(_without_furniture(self.tree)) or run(self.tree)
        return _join_datelines([normalize_space(line) for line in (text or "").splitlines() if line.strip()])

    def _trafilatura_precision_lines(self) -> list[str]:
        return self._trafilatura_lines(precision=True)

    def _markup_lines(self) -> list[str]:
        """What the page's own markup calls its article: JSON-LD `articleBody`, else the paragraphs of its one
        `itemprop="articleBody"` element, else of its one <article>. Never chosen itself (it holds captions,
        teasers, or nothing on many pages), only a witness that our density scoring found the article."""
        body = (self.json_ld_article() or {}).get("articleBody")
        if isinstance(body, str) and len(body) >= MARKUP_MIN_CHARS:
            return [line for line in (normalize_space(part) for part in body.split("\n")) if line]
        root = self.tree.getroottree().getroot()
        # The walk over every element costs 0.35 ms a page, and nine pages in ten have no such element: the
        # attribute's value is in the page's text as written (one spelled with character references,
        # "article&#66;ody", is not looked for: no page writes it so).
        containers = [el for el in root.iter() if el.get("itemprop") == "articleBody"] \
            if "articleBody" in self.html else []
        if len(containers) != 1:
            containers = list(root.iter("article"))
        if len(containers) != 1:
            return []
        blocks = containers[0].iter("p", "h2", "h3", "h4", "li", "blockquote", "pre")
        return [text for text in (normalize_space(el.text_content()) for el in blocks
                                  if not any(a.tag in ("p", "li", "blockquote") for a in el.iterancestors()))
                if text]

    def _density_lines(self) -> list[str]:
        """Our own readability-style scoring over the page's tree (density.py): a few milliseconds."""
        return _join_datelines(density.extract(self.tree).lines)

    def _block_lines(self) -> list[str]:
        """Boilerpipe-style classification of the page's text blocks (blocks.py): a few milliseconds."""
        return _join_datelines(blocks.extract(self.tree).lines)

    def _readability_lines(self) -> list[str]:
        """readability-lxml's choice of the main block, one line per paragraph-level element."""
        from readability.readability import Unparseable

        try:
            summary = _readability_document()(self.tree).summary(html_partial=True)
        except (Unparseable, ValueError, TypeError):  # a page readability cannot score is no candidate
            return []
        return _summary_lines(summary)

    def _url_for_trafilatura(self) -> str | None:
        url = self.url()
        return url if url.startswith(("http://", "https://")) else None

    def _article_paragraph_lines(self) -> list[str]:
        tree = self.tree
        containers = tree.xpath("//article") or tree.xpath("//main") or tree.xpath('//*[@role="main"]')
        if not containers:
            return []
        paragraphs = containers[0].xpath(".//p[not(ancestor::a or ancestor::nav or ancestor::aside or "
                                         "ancestor::footer or ancestor::figure or ancestor::header)]")
        return [text for text in (normalize_space(p.text_content()) for p in paragraphs) if text]


def _is_furniture(el: Any) -> bool:
    """Whether the element is page furniture trafilatura must not see (the XPath in the comment above
    `_UNREAD_BY_TRAFILATURA`)."""
    tag = el.tag
    if tag == "footer":
        return True
    names = el.get("class")
    if names is not None and ("footer" in names or "copyright" in names or ("embed" in names and
                                                                              "video" in names)):
        return True
    return tag not in ("html", "body") and (
        el.get("role") == "dialog" or el.get("aria-modal") == "true"
        or (names is not None and ("modal" in names or "Modal" in names)))


def _without_furniture(tree: Any) -> Any:
    """A copy of the page's tree for trafilatura: without its furniture, without what comes before its
    first <h1>, and without the elements trafilatura deletes unread (`_UNREAD_BY_TRAFILATURA`, scripts other
    than JSON-LD).

    Why in Python: as trafilatura's `prune_xpath`, the same selection cost 1.8 ms a call on the development
    set (XPath's contains() on every element's attributes), against 0.6 ms for this walk and 0.3 ms for the
    copy. Elements go as trafilatura deletes them, their tail text kept (drop_keeping_tail)."""
    copied = copy.deepcopy(tree)
    etree.strip_elements(copied, *_UNREAD_BY_TRAFILATURA, with_tail=False)
    for el in [el for el in copied.iter("script") if el.get("type") != "application/ld+json"]:
        drop_keeping_tail(el)
    for el in [el for el in copied.iter(etree.Element) if _is_furniture(el)]:
        drop_keeping_tail(el)
    for el in _before_first_h1(copied):
        drop_keeping_tail(el)
    return copied


def _before_first_h1(root: Any) -> list[Any]:
    """The elements `_BEFORE_FIRST_H1` selects, in document order, by a walk that stops at the first <h1>
    (half the time of the XPath's preceding axis)."""
    h1 = next(root.iter("h1"), None)
    if h1 is None:
        return []
    passed = set(h1.iterancestors())  # not before it: around it
    for head in root.iter("head"):
        passed.update(head.iter())
    before = []
    for el in root.iter(etree.Element):
        if el is h1:
            break
        if el not in passed:
            before.append(el)
    return before


def _summary_lines(summary: str) -> list[str]:
    """The lines of readability's summary (HTML): one per paragraph-level element not inside another."""
    blocks = html_tree(summary).iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")
    lines = [normalize_space(block.text_content()) for block in blocks
             if next(block.iterancestors("p", "li", "blockquote"), None) is None]
    return [line for line in lines if line]


def _byline_elements(tree: Any) -> list[Any]:
    """The elements `_BYLINE_XPATH` selects, in document order, by one walk over the body in Python: the
    XPath lower-cases every element's class with translate() and cost ~5 ms a page, this ~1 ms."""
    found: list[Any] = []
    seen: set[Any] = set()
    for body in tree.getroottree().getroot().iter("body"):
        for el in body.iterdescendants():
            tag = el.tag
            if not isinstance(tag, str) or tag in _NOT_BYLINE_TAGS or el in seen:
                continue
            value = el.get("class")
            low = value.translate(_ASCII_LOWER) if value else ""
            if not ("author" in low or "byline" in low or el.get("itemprop") == "author"
                    or el.get("rel") == "author"):
                continue
            if any(a.tag in _NOT_BYLINE_ANCESTORS for a in el.iterancestors()):
                continue
            seen.add(el)
            found.append(el)
    return found


def _join_datelines(lines: list[str]) -> list[str]:
    """Put a dateline that stands on its own line ("Jakarta -") back in front of the paragraph it opens."""
    joined: list[str] = []
    for line in lines:
        if joined and _DATELINE.match(joined[-1]):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _plausible_date(value: str | None) -> str | None:
    parsed = iso_datetime(value)
    if parsed is None or not 1990 <= int(parsed[:4]) <= 2100:
        return None
    return parsed


def _squash(text: str) -> str:
    return re.sub(r"[\W\d_]+", "", text.casefold())


def _split_names(text: str) -> list[str]:
    text = _BYLINE_PREFIX.sub("", normalize_space(text))
    return [part for part in _NAME_SPLIT.split(text) if part and part.strip()]


def _clean_name(text: str) -> str | None:
    name = _BYLINE_PREFIX.sub("", normalize_space(text)).strip(" -–—|:;,.")
    if not name or not _PERSON_NAME.match(name) or _NOT_A_PERSON.search(name):
        return None
    if len(name.split()) > 5:
        return None
    return name


def _is_publisher(name: str, publishers: set[str]) -> bool:
    squashed = _squash(name)
    return any(p and (p in squashed or squashed in p) for p in publishers)
