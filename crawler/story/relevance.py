"""Which configured topics an article belongs to, with a score and the terms that matched.

A topic holds terms per language (config/defaults.toml): `any` (one must appear), `all` (each group needs
one of its terms), `none` (excludes). Matching is whole-word on text folded to lower case without accents, so
"Kazakhstan's", "ke-Kazakhstan" and "KAZAKHSTAN" all match "Kazakhstan"; a phrase's spaces and hyphens are
interchangeable ("Nur Sultan" matches "Nur-Sultan"). English terms also match their -s/-es plural and
Indonesian terms their -nya/-lah/-kah/-pun forms; a trailing * in a term matches any word ending.

Score: for each distinct matched term, 3 if it is in the title, 2 if in the lead, 1 for its first body
occurrence and 0.5 for each of up to three more. So the article about the story scores well above a
min_score of a few points, while one that names the country once deep in the body stays below it.

An active development lowers the bar (`ActiveDevelopments`): an article that meets a topic's any/all rules
but scores under min_score still matches, at DEVELOPMENT_BAR times min_score, when it names at least
DEVELOPMENT_NAMES of the places, people and organisations in the headlines of a development of that topic
reported within DEVELOPMENT_ACTIVE_HOURS of it. The match records why ("reason").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from crawler.config import LanguageKeywords, TopicConfig
from crawler.core.items import Article

DEVELOPMENT_BAR = 0.5  # of min_score, for an article naming an active development's places and actors
DEVELOPMENT_NAMES = 2  # distinct names it must share with the development's headlines
DEVELOPMENT_ACTIVE_HOURS = 72.0  # a development is active this long after (and before) its latest report

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
BODY_REPEAT_WEIGHT = 0.5
BODY_REPEATS_COUNTED = 3

# Word endings a term may carry, per language: inflections that do not change what the word names.
_SUFFIXES = {
    "en": r"(?:e?s)?",
    "id": r"(?:nya|lah|kah|pun)?",
}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u00ad]")
# Combining marks left by NFKD decomposition (the accents themselves).
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass
class TopicMatch:
    topic: str
    score: float
    terms: list[str] = field(default_factory=list)
    reason: str | None = None  # set when the match rests on an active development (the lowered bar)


@dataclass(frozen=True)
class ActiveDevelopment:
    """A development of a topic, as relevance sees it: the names its headlines carry (entity key -> label,
    crawler/story/developments.py keys) and when it was last reported."""

    id: int
    topic: str
    names: Mapping[str, str]
    last_reported_at: str | None = None


class ActiveDevelopments:
    """The developments active around an article, per topic; `names_of` gives an article's entity keys
    (crawler/story/developments.py), computed only for articles that need the lowered bar."""

    def __init__(self, developments: Iterable[ActiveDevelopment] | Callable[[], Iterable[ActiveDevelopment]],
                 names_of: Callable[[Article], Mapping[str, float]]) -> None:
        self._developments = developments
        self._by_topic: dict[str, list[ActiveDevelopment]] | None = None
        self.names_of = names_of

    @property
    def by_topic(self) -> dict[str, list[ActiveDevelopment]]:
        """Loaded on first use: most articles never need the lowered bar, and then cost no query."""
        if self._by_topic is None:
            found = self._developments() if callable(self._developments) else self._developments
            self._by_topic = {}
            for development in found:
                self._by_topic.setdefault(development.topic, []).append(development)
        return self._by_topic

    def reason(self, topic: str, article: Article, cache: dict[str, Mapping[str, float]]) -> str | None:
        """Why `article` may match `topic` on the lowered bar, or None."""
        candidates = self.by_topic.get(topic)
        if not candidates:
            return None
        if "names" not in cache:
            cache["names"] = self.names_of(article)
        names = cache["names"]  # key -> weight; names that weigh nothing (the country itself) do not count
        best: tuple[int, ActiveDevelopment, list[str]] | None = None
        for development in candidates:
            shared = [label for key, label in development.names.items() if names.get(key, 0.0) > 0]
            if len(shared) >= DEVELOPMENT_NAMES and (best is None or len(shared) > best[0]):
                best = (len(shared), development, shared)
        if best is None:
            return None
        return f"active development {best[1].id}: names {', '.join(sorted(best[2])[:4])}"


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes and dashes made plain: what terms match against."""
    if text.isascii():  # the common case, and ten times faster
        return text.lower()
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_APOSTROPHES)))
    return _DASHES.sub("-", text).casefold()


def _term_pattern(term: str, language: str) -> re.Pattern[str]:
    folded = fold(term.strip())
    prefix = folded.endswith("*")
    words = [re.escape(w) for w in re.split(r"[\s-]+", folded.rstrip("*").strip(" -")) if w]
    ending = r"\w*" if prefix else _SUFFIXES.get(language, "")
    # The left word boundary is checked by a look-behind placed after the first word, not before it: a
    # pattern that starts with a literal lets the regex engine skip ahead to candidate positions, which
    # makes matching about twenty times faster on an article.
    first = rf"{words[0]}(?<!\w{words[0]})"
    return re.compile(first + "".join(rf"[\s-]+{w}" for w in words[1:]) + rf"{ending}(?!\w)")


@dataclass(frozen=True)
class _Fields:
    title: str
    lead: str
    body: str


@dataclass(frozen=True)
class _CompiledLanguage:
    """One language's terms, each pattern compiled once; roles refer to positions in `terms`."""

    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    any: tuple[int, ...]
    all: tuple[tuple[int, ...], ...]
    none: tuple[int, ...]

    @classmethod
    def build(cls, keywords: LanguageKeywords) -> _CompiledLanguage:
        index: dict[str, int] = {}
        terms: list[str] = []

        def ids(items: Iterable[str]) -> tuple[int, ...]:
            out = []
            for term in items:
                key = fold(term.strip())
                if key not in index:
                    index[key] = len(terms)
                    terms.append(term.strip())
                out.append(index[key])
            return tuple(dict.fromkeys(out))

        any_ids = ids(keywords.any)
        all_ids = tuple(ids(group) for group in keywords.all)
        none_ids = ids(keywords.none)
        patterns = tuple(_term_pattern(t, keywords.language) for t in terms)
        return cls(tuple(terms), patterns, any_ids, all_ids, none_ids)

    def evaluate(self, fields: _Fields) -> tuple[float, list[str]] | None:
        """(score, matched terms) when the any/all/none rules hold, else None."""
        found: dict[int, float] = {}

        def weight(i: int) -> float:
            if i not in found:
                pattern = self.patterns[i]
                score = TITLE_WEIGHT if pattern.search(fields.title) else 0.0
                if pattern.search(fields.lead):
                    score += LEAD_WEIGHT
                hits = 0
                for _ in pattern.finditer(fields.body):
                    hits += 1
                    if hits > BODY_REPEATS_COUNTED:
                        break
                if hits:
                    score += BODY_WEIGHT + BODY_REPEAT_WEIGHT * (hits - 1)
                found[i] = score
            return found[i]

        if any(weight(i) > 0 for i in self.none):
            return None
        if any(not any(weight(i) > 0 for i in group) for group in self.all):
            return None
        if self.any and not any(weight(i) > 0 for i in self.any):
            return None
        scoring = dict.fromkeys([*self.any, *(i for group in self.all for i in group)])
        matched = [i for i in scoring if weight(i) > 0]
        return sum(found[i] for i in matched), [self.terms[i] for i in matched]


@dataclass(frozen=True)
class CompiledTopic:
    topic: TopicConfig
    languages: Mapping[str, _CompiledLanguage]

    def evaluate(self, article: Article, fields: _Fields, active: ActiveDevelopments | None = None,
                 cache: dict[str, Mapping[str, float]] | None = None) -> TopicMatch | None:
        topic = self.topic
        if not topic.enabled or (topic.sources and article.source not in topic.sources):
            return None
        if not _in_window(article.published_at, topic.since, topic.until):
            return None
        language = (article.language or "").split("-")[0].split("_")[0].lower()
        if language in self.languages:
            candidates = [self.languages[language]]
        else:  # unknown or unconfigured language: the best of every language's rules
            candidates = list(self.languages.values())
        best: tuple[float, list[str]] | None = None
        for compiled in candidates:
            result = compiled.evaluate(fields)
            if result and (best is None or result[0] > best[0]):
                best = result
        if best is None:
            return None
        if best[0] >= topic.min_score:
            return TopicMatch(topic=topic.name, score=best[0], terms=best[1])
        if active is None or best[0] < topic.min_score * DEVELOPMENT_BAR:
            return None
        reason = active.reason(topic.name, article, cache if cache is not None else {})
        return TopicMatch(topic=topic.name, score=best[0], terms=best[1], reason=reason) if reason else None


@lru_cache(maxsize=256)
def compile_topic(topic: TopicConfig) -> CompiledTopic:
    """The topic with its patterns compiled; cached, so every article of a crawl reuses them."""
    return CompiledTopic(topic, {k.language: _CompiledLanguage.build(k) for k in topic.keywords})


def evaluate(article: Article, topics: Mapping[str, TopicConfig] | Iterable[TopicConfig],
             active: ActiveDevelopments | None = None) -> list[TopicMatch]:
    """The topics `article` matches (enabled ones only), each with its score and matched terms; with
    `active`, also those it meets on the bar an active development lowers (with the reason)."""
    values = topics.values() if isinstance(topics, Mapping) else topics
    fields = _fields(article)
    matches = []
    cache: dict[str, Mapping[str, float]] = {}
    for topic in values:
        match = compile_topic(topic).evaluate(article, fields, active, cache)
        if match is not None:
            matches.append(match)
    return matches


def _fields(article: Article) -> _Fields:
    paragraphs = article.paragraphs
    lead = (article.lead or "").strip()
    if not lead and paragraphs:
        # No separate lead (feeds, some layouts): the first paragraph is the lead.
        lead, paragraphs = paragraphs[0], paragraphs[1:]
    elif paragraphs and paragraphs[0].strip() == lead:
        paragraphs = paragraphs[1:]  # the lead repeated as the body's first paragraph counts once
    return _Fields(fold(article.title or ""), fold(lead), fold("\n\n".join(paragraphs)))


def _in_window(published_at: str | None, since: date | None, until: date | None) -> bool:
    """Whether the article's date, as the page states it (its own offset), is in [since, until].

    An article without a readable date is kept: dropping it could hide the story's newest coverage.
    """
    if since is None and until is None:
        return True
    day = _published_day(published_at)
    if day is None:
        return True
    return (since is None or day >= since) and (until is None or day <= until)


def _published_day(published_at: str | None) -> date | None:
    if not published_at:
        return None
    text = published_at.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
