"""The cheap pre-filter: decide from a listing's title and lead whether an article is worth fetching.

Walking Liputan6's date index lists hundreds of articles a day; a keyword test on the title and lead skips
the obvious misses before any article page is fetched. The real relevance decision comes later, on the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from scrapy.utils.misc import load_object

Prefilter = Callable[[str | None, str | None], bool]

PREFILTER_SETTING = "NEWSWATCH_PREFILTER"


def accept_all(title: str | None, lead: str | None) -> bool:
    """The default without topic terms: every listed article is fetched."""
    return True


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _term_regex(term: str) -> str:
    """A folded term as a regex: a trailing * is dropped (matching is by word start anyway), and spaces and
    hyphens match each other ("Nur Sultan" finds "Nur-Sultan"), as in the relevance rules."""
    parts = re.split(r"[\s-]+", term.rstrip("*").strip())
    return r"[\s-]+".join(re.escape(part) for part in parts if part)


class KeywordPrefilter:
    """Accepts a listing whose title or lead contains one of the terms, matched at word starts, ignoring
    case and accents ('kazakh' matches 'Kazakhstan'). A listing with neither title nor lead is accepted:
    there is nothing to judge it by."""

    def __init__(self, terms: Iterable[str]):
        words = sorted({_fold(t.strip()) for t in terms if t and t.strip()}, key=len, reverse=True)
        self.terms = words
        alternatives = "|".join(_term_regex(w) for w in words)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})") if words else None

    def __call__(self, title: str | None, lead: str | None) -> bool:
        if self.pattern is None or not (title or lead):
            return True
        return bool(self.pattern.search(_fold(f"{title or ''}\n{lead or ''}")))


def load_prefilter(settings: Any, terms: Iterable[str] = ()) -> Prefilter:
    """The pre-filter to use: NEWSWATCH_PREFILTER (a callable or its dotted path) when set, else a keyword
    filter over `terms`, else accept_all. A dotted path may name a callable (title, lead) -> bool or a class
    / factory taking the terms list and returning one (`crawler.crawl.discovery.filters.KeywordPrefilter`).
    """
    configured = settings.get(PREFILTER_SETTING) if settings is not None else None
    terms = list(terms)
    if configured:
        obj = load_object(configured) if isinstance(configured, str) else configured
        if isinstance(obj, type):
            return obj(terms)
        return obj
    return KeywordPrefilter(terms) if terms else accept_all
