"""The last word on an article's title, whatever field method found it: usable, and of a sane length.

A page whose headline is empty often still carries the site's suffix in its <title> or og:title
("      - Global Liputan6.com"): normalised, that would become the title "- Global Liputan6.com", and every
alert and listing would show the site's name as the story. A title with nothing but separators and a site's
name is no title; the lead's first sentence stands in for it, else the article has none (None), which every
consumer already shows as "(no title)". A title of a megabyte (a broken template, an attack) is cut at parse
time, so that no listing, mail subject or database row carries it whole.
"""

from __future__ import annotations

import re

from crawler.extract.text import normalize_space

MAX_TITLE_CHARS = 1_000
CUT_MARKER = "…"
# Where a headline stand-in taken from the lead may end: the first sentence, else this many characters.
MAX_STAND_IN_CHARS = 200

# Site names that pages append to their titles ("- Global Liputan6.com", "| BBC News"), and the
# separators before them.
_SITE_NAMES = re.compile(
    r"(?:[\w&]+\s+){0,3}liputan6(?:\.com)?|bbc(?:\s+(?:news|indonesia|world\s+service))?(?:\.com|\.co\.uk)?",
    re.IGNORECASE)
_SEPARATORS = "-|–—:·•»«/\\_.,;~*#"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def _is_site_name(text: str, site_names: tuple[str, ...]) -> bool:
    bare = text.strip(_SEPARATORS + " ")
    if not bare:
        return True
    if _SITE_NAMES.fullmatch(bare):
        return True
    return any(bare.casefold() == name.strip().casefold() for name in site_names if name.strip())


def has_words(title: str | None, site_names: tuple[str, ...] = ()) -> bool:
    """Whether `title` says anything beyond separators, white space and a site's name."""
    if not title:
        return False
    text = normalize_space(title)
    if not any(ch.isalnum() for ch in text):
        return False
    return not _is_site_name(text, site_names)


def first_sentence(text: str | None) -> str | None:
    """The first sentence of a lead (cut at MAX_STAND_IN_CHARS when it runs on), or None."""
    if not text:
        return None
    clean = normalize_space(text)
    if not clean:
        return None
    sentence = _SENTENCE_END.split(clean, maxsplit=1)[0]
    return cut(sentence, MAX_STAND_IN_CHARS)


def cut(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary with CUT_MARKER (limit in all)."""
    if len(text) <= limit:
        return text
    room = limit - len(CUT_MARKER)
    head = text[:room]
    space = head.rfind(" ", int(room * 0.8))
    return (head[:space] if space > 0 else head).rstrip(" " + _SEPARATORS) + CUT_MARKER


def final_title(title: str | None, lead: str | None, site_names: tuple[str, ...] = ()) -> str | None:
    """The title an article is stored with: `title` (cut when too long) if it has words, else the lead's
    first sentence if that has words, else None. Never the site's name."""
    if title is not None and len(title) > 4 * MAX_TITLE_CHARS:
        title = title[:4 * MAX_TITLE_CHARS]  # normalising a megabyte first would cost for nothing
    if has_words(title, site_names):
        assert title is not None
        return cut(title)
    stand_in = first_sentence(lead)
    return stand_in if has_words(stand_in, site_names) else None
