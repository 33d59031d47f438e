"""Developments: which stored articles report the same development, across outlets and languages.

A development is one event or announcement and its later revisions (the CSTO troops landing; the detention
count, first 5,800 then nearly 10,000). Two reports of it rarely share words when one is in Indonesian and the
other in English, so linking looks only at signals that survive translation:

- named entities from the bilingual lexicon (lexicon.toml), spellings folded together ("Nur-Sultan",
  "Nursultan"; "Kassym-Jomart Tokayev", "Tokaev"), and any other capitalised name as itself ("Hamdok");
- numbers read in both notations ("2.298" and "2,298" are 2,298; "hampir 10.000" and "nearly 10,000" are
  10,000), with what they count when a counted concept is next to them ("2,298 detained");
- what happened, as lexicon concepts with terms in both languages ("ditahan"/"detained", "tiba"/"arrive"),
  worth most when both headlines carry them;
- explicit dates ("4 Januari 2022", "4 January"), explicit citations ("dikutip dari BBC", "according to
  Reuters", "bbc.com") of the other article's outlet, and how far apart the two were published.

Each signal has a weight; a new article joins the development of the candidate it scores highest with, when
that score reaches LINK_THRESHOLD, and starts a development of its own otherwise. The signals and weights
of the link are stored with it (storage/developments.py) and shown by `newswatch developments`, the alerts
and the dashboard, so every link can be checked by a reader. The weights were set by reading the demo
site's coverage; bench/linking.py measures them on a labelled set.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from crawler.core.items import Article
from crawler.core.times import utc_text
from crawler.story.relevance import fold
from storage.records import Development, LinkCandidate, LinkDecision

FEATURES_VERSION = 1
LINK_THRESHOLD = 4.5
WINDOW_HOURS = 168.0  # candidates published this close to the new article (either side)
# Beyond this, only articles sharing a large figure that counts the same thing (a revised death toll
# reported days later) can be linked; closer ones by any signals.
NEAR_HOURS = 96.0

# Where a term or name was found: the headline (title or lead) says what the article is about.
HEAD, BODY = "head", "body"

ENTITY_FACTORS = {(HEAD, HEAD): 1.0, (HEAD, BODY): 0.7, (BODY, HEAD): 0.7, (BODY, BODY): 0.4}
CONCEPT_FACTORS = {(HEAD, HEAD): 1.0, (HEAD, BODY): 0.5, (BODY, HEAD): 0.5, (BODY, BODY): 0.2}
ENTITY_CAP = 4.0  # names alone never make a link: every article of the story names the same people
LARGE_NUMBER, LARGE_NUMBER_WEIGHT, SMALL_NUMBER_WEIGHT = 100, 2.0, 0.6
SAME_COUNT_BONUS = 1.0  # the number counts the same thing on both sides ("2,500 soldiers" / "2.500 tentara")
NUMBERS_CAP = 5.0
CONFLICT_WEIGHT = -1.0  # both count the same thing, with different figures and none in common
DATE_WEIGHT, DATES_CAP = 0.5, 1.0
# What happened in one headline (a concept weighing EVENT_WEIGHT or more) that the other article never
# mentions: the troops landing is not the request for them. Not counted when the two share a figure for the
# same thing (a headline can carry two events; the shared count says which one they have in common).
EVENT_WEIGHT, MISSING_EVENT_FACTOR = 1.5, 0.5
CITATION_WEIGHT = 3.0
# (hours apart at most, weight): the first row that fits applies.
TIME_WEIGHTS = ((6.0, 1.5), (12.0, 1.0), (24.0, 0.5), (48.0, 0.0), (NEAR_HOURS, -1.0))

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "januari": 1, "februari": 2, "maret": 3, "mei": 5, "juni": 6, "juli": 7, "agustus": 8, "oktober": 10,
    "desember": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH_NAMES})(?:,?\s+(\d{{4}}))?(?!\w)")
_DATE_MONTH_DAY = re.compile(rf"(?<!\w)({_MONTH_NAMES})\s+(\d{{1,2}})(?:st|nd|rd|th)?"
                             r"(?:,\s+(\d{4}))?(?!\w)")
_DATE_NUMERIC = re.compile(r"\((\d{1,2})/(\d{1,2})/(\d{4})\)")  # Liputan6's dateline "(7/1/2022)"
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+)(?![\w%]|[.,]\d)")
_APPROX = re.compile(r"(?:nearly|almost|about|around|some|more than|over|at least|hampir|sekitar|lebih dari|"
                     r"kira-kira|nyaris|sedikitnya|setidaknya)\s*$")
# A word starting in lower case: `(?<![\w-])[a-z][\w-]*`, with the look-behind after the first letter (it
# checks the character before that letter all the same), so the engine can skip to the letters.
_LOWER_WORD = re.compile(r"[a-z](?<![\w-][a-z])[\w-]*")
_CAPITALISED = re.compile(r"[A-Z][\w'\u2019-]*[\w](?:\s+[A-Z][\w'\u2019-]*[\w])*")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\"\u201c\u201d]\s*|\n)$")
_CITE_BEFORE = (r"(?:dikutip dari|mengutip|dilansir(?: dari)?|melansir|seperti dilaporkan|dilaporkan|"
                r"menurut laporan|menurut|according to|reported by|quoted by|cited by|told|reports? from|"
                r"kantor berita|news agency)\s+(?:the\s+)?")
_CITE_AFTER = r"(?:\s+news)?\s+(?:reported|reports|said|says|melaporkan|memberitakan)"
# Capitalised words that are not names: sentence starters, titles, days and months, in both languages.
_STOP_TEXT = """
The A An In On At Of And But Or For With From To By As It Its This That These Those He She They We
His Her Their Our Mr Mrs Ms Dr Sir President Presiden Prime Minister Perdana Menteri Wakil Kepala
Ketua Komandan Sekretaris Jenderal General Police Polisi Officials Pemerintah Government Kementerian
Ministry Kantor Monday Tuesday Wednesday Thursday Friday Saturday Sunday Senin Selasa Rabu Kamis
Jumat Sabtu Minggu January February March April May June July August September October November
December Januari Februari Maret Mei Juni Juli Agustus Oktober Desember News Berita Baca Juga Update
Live Video Foto Related Topics Menurut Dalam Di Ke Dari Pada Yang Ini Itu Para Sejumlah Namun
Sementara Selain Sebagian Beberapa Ia Mereka Kami Kita Saat Setelah Sebelum Hingga Sejak Bukan Tidak
Ada Akibatnya Sore Pagi Malam Hari Later Earlier Within Some Many Most Several Crowds Residents
Analysts Speaking Flags State Human Internet Shops Local Protests Protesters Demonstrators Hundreds
Thousands Dozens Tens Also Only Now Here There Who What Why How When Where Which After Before During
Since Until While Meanwhile However Instead
"""
_STOP_NAMES = frozenset(fold(w) for w in _STOP_TEXT.split())


@dataclass(frozen=True)
class _Entity:
    key: str
    label: str
    weight: float
    pattern: re.Pattern[str] | None  # over folded text
    acronyms: re.Pattern[str] | None  # short all-capital names ("US", "AS", "KNB"), case-sensitive
    # Those names: a text holding none of them is not searched. The pattern opens with a look-behind, so the
    # regex engine tries it at every position of the text: half the time of finding an article's names.
    acronym_names: tuple[str, ...] = ()

    def acronyms_in(self, text: str) -> bool:
        if self.acronyms is None:
            return False
        if self.acronym_names and not any(name in text for name in self.acronym_names):
            return False
        return bool(self.acronyms.search(text))


def _is_acronym(name: str) -> bool:
    return name.isupper() and len(name) <= 4 and name.isalpha()


@dataclass(frozen=True)
class _Concept:
    key: str
    label: str
    weight: float
    counts: bool
    patterns: Mapping[str, re.Pattern[str]]  # language -> one alternation of its terms (short windows)
    terms: Mapping[str, TermSet]  # language -> its terms, for whole texts


@dataclass(frozen=True)
class _Outlet:
    key: str
    label: str
    source: str | None
    pattern: re.Pattern[str]  # a citation of it
    cues: tuple[str, ...] = ()  # lower-cased names: the pattern runs only on a text containing one

    def cited_in(self, text: str, lowered: str) -> bool:
        return any(cue in lowered for cue in self.cues) and bool(self.pattern.search(text))


_WORD = re.compile(r"\w+")
_SUFFIX_WORDS = {"en": ("", "s", "es"), "id": ("", "nya", "lah", "pun")}


class Tokens:
    """A folded text as words, for matching many lexicon terms fast: an n-gram lookup per term instead of a
    regular expression scan of the whole text per concept (which cost most of the linking time)."""

    def __init__(self, folded: str) -> None:
        words = self.words = _WORD.findall(folded)
        # The 1- to 4-grams: zip over shifted word lists joins them in C (a loop of slices and set.add per
        # gram took over a quarter of the time of an article's linking features). The shorter lists end it.
        self.grams: set[str] = set(words)
        for n in range(2, 5):
            self.grams.update(map(" ".join, zip(*(words[i:] for i in range(n)), strict=False)))
        self.sorted_words = sorted(set(words))

    def has_prefix(self, head: str, prefix: str) -> bool:
        """Whether `head` (words before, may be "") followed by a word starting with `prefix` occurs."""
        if not head:
            at = bisect_left(self.sorted_words, prefix)
            return at < len(self.sorted_words) and self.sorted_words[at].startswith(prefix)
        return any(g.startswith(f"{head} {prefix}") for g in self.grams if g.startswith(head))


@dataclass(frozen=True)
class TermSet:
    """One language's terms of a concept: exact n-grams (with the language's word endings), and prefixes
    (a term ending in *) as (words before, prefix of the last word)."""

    exact: frozenset[str]
    prefixes: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, terms: Iterable[str], language: str) -> TermSet:
        exact: set[str] = set()
        prefixes: list[tuple[str, str]] = []
        for term in terms:
            folded = fold(term.strip())
            words = _WORD.findall(folded.rstrip("*"))
            if not words or len(words) > 4:
                continue
            if folded.endswith("*"):
                prefixes.append((" ".join(words[:-1]), words[-1]))
                continue
            for ending in _SUFFIX_WORDS.get(language, ("",)):
                exact.add(" ".join([*words[:-1], words[-1] + ending]))
        return cls(frozenset(exact), tuple(prefixes))

    def found_in(self, tokens: Tokens) -> bool:
        if not self.exact.isdisjoint(tokens.grams):
            return True
        return any(tokens.has_prefix(head, prefix) for head, prefix in self.prefixes)


@dataclass(frozen=True)
class Lexicon:
    """lexicon.toml compiled: entity, concept and outlet patterns over folded text."""

    entities: tuple[_Entity, ...]
    concepts: tuple[_Concept, ...]
    outlets: tuple[_Outlet, ...]
    default_entity_weight: float
    name_words: frozenset[str]  # every word of every entity name, folded: not repeated as a plain name
    names: dict[str, _Entity] = field(default_factory=dict, compare=False)  # folded name words -> entity
    by_key: dict[str, _Entity] = field(default_factory=dict, compare=False)
    concept_by_key: dict[str, _Concept] = field(default_factory=dict, compare=False)
    # First word of a name -> the word counts of the names it starts: most words of a text start none, and
    # skipping them saves four joins and lookups a word (the linking's hottest loop).
    name_heads: dict[str, frozenset[int]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_key.update({e.key: e for e in self.entities})
        self.concept_by_key.update({c.key: c for c in self.concepts})
        heads: dict[str, set[int]] = {}
        for name in self.names:
            words = name.split(" ")
            heads.setdefault(words[0], set()).add(len(words))
        self.name_heads.update({head: frozenset(counts) for head, counts in heads.items()})

    def entity(self, key: str) -> _Entity | None:
        return self.by_key.get(key)

    def concept(self, key: str) -> _Concept | None:
        return self.concept_by_key.get(key)

    def outlet_label(self, key: str) -> str:
        return next((o.label for o in self.outlets if o.key == key), key)

    def outlet_of_source(self, source: str) -> str | None:
        return next((o.key for o in self.outlets if o.source == source), None)


def _alternation(terms: Iterable[str], suffix: str) -> str:
    parts = []
    for term in sorted({fold(t.strip()) for t in terms if t.strip()}, key=len, reverse=True):
        prefix = term.endswith("*")
        words = [re.escape(w) for w in re.split(r"[\s-]+", term.rstrip("*").strip(" -")) if w]
        if not words:
            continue
        parts.append(r"[\s-]*".join(words) + (r"\w*" if prefix else suffix))
    return "(?:" + "|".join(parts) + ")"


def _names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    names = [n for n in names if not _is_acronym(n)]
    if not names:
        return None
    return re.compile(r"(?<![\w-])" + _alternation(names, r"(?:'s|nya)?") + r"(?![\w-])")


def _acronyms_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    found = sorted({n for n in names if _is_acronym(n)}, key=len, reverse=True)
    if not found:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in found) + r")(?![\w-])")


def _outlet_names(names: Iterable[str]) -> str:
    """An alternation over original text: acronyms as written, other names in any case."""
    parts = []
    for name in sorted(set(names), key=len, reverse=True):
        if _is_acronym(name):
            parts.append(re.escape(name))
        else:
            parts.append("(?i:" + r"[\s-]*".join(re.escape(w) for w in re.split(r"[\s-]+", name) if w) + ")")
    return "(?:" + "|".join(parts) + ")"


@cache
def load_lexicon() -> Lexicon:
    """The packaged lexicon (crawler/story/lexicon.toml), compiled once."""
    raw = tomllib.loads(resources.files("crawler.story").joinpath("lexicon.toml").read_text("utf-8"))
    return build_lexicon(raw)


def build_lexicon(raw: Mapping[str, Any]) -> Lexicon:
    entities = tuple(
        _Entity(key, str(spec.get("label", key)), float(spec.get("weight", 1.0)),
                _names_pattern(spec["names"]), _acronyms_pattern(spec["names"]),
                tuple(sorted({n for n in spec["names"] if _is_acronym(n)})))
        for key, spec in raw.get("entities", {}).items())
    suffixes = {"en": r"(?:e?s)?", "id": r"(?:nya|lah|pun)?"}
    concepts = tuple(
        _Concept(key, str(spec.get("label", key)), float(spec.get("weight", 1.0)), bool(spec.get("counts")),
                 {lang: re.compile(r"(?<!\w)" + _alternation(spec[lang], suffixes[lang]) + r"(?!\w)")
                  for lang in ("en", "id") if spec.get(lang)},
                 {lang: TermSet.build(spec[lang], lang) for lang in ("en", "id") if spec.get(lang)})
        for key, spec in raw.get("concepts", {}).items())
    name_index: dict[str, _Entity] = {}
    for entity in entities:
        for name in raw["entities"][entity.key]["names"]:
            if not _is_acronym(name):
                name_index.setdefault(" ".join(_WORD.findall(fold(name))), entity)
    outlets = []
    for key, spec in raw.get("outlets", {}).items():
        names = _outlet_names(spec["names"])
        domains = [n.lower() for n in spec["names"] if "." in n]
        cite = (rf"(?<!\w)(?i:{_CITE_BEFORE}){names}(?!\w)|(?<!\w){names}(?i:{_CITE_AFTER})(?!\w)")
        if domains:
            cite += "|(?i:" + "|".join(re.escape(d) for d in domains) + ")"
        outlets.append(_Outlet(key, str(spec.get("label", key)), spec.get("source"), re.compile(cite),
                               tuple(n.lower() for n in spec["names"])))
    words = frozenset(fold(w) for e in raw.get("entities", {}).values() for n in e["names"]
                      for w in re.split(r"[\s-]+", n) if w)
    default = float(raw.get("defaults", {}).get("entity_weight", 1.0))
    return Lexicon(entities, concepts, tuple(outlets), default, words, names=name_index)


# -- features of one article ---------------------------------------------------------------------------

def article_features(article: Article, published_utc: str | None = None,
                     lexicon: Lexicon | None = None) -> dict[str, Any]:
    """What linking compares of an article, as a JSON-ready dict (stored with the article's membership)."""
    lex = lexicon or load_lexicon()
    head = "\n".join(part for part in (article.title or "", article.lead or "") if part)
    paragraphs = article.paragraphs
    if paragraphs and article.lead and paragraphs[0].strip() == article.lead.strip():
        paragraphs = paragraphs[1:]
    body = "\n".join(paragraphs)
    language = (article.language or "").split("-")[0].lower()
    published = published_utc or utc_text(article.published_at)
    year = int(published[:4]) if published and published[:4].isdigit() else None
    entities: dict[str, dict[str, Any]] = {}
    concepts: dict[str, str] = {}
    numbers: dict[str, dict[str, Any]] = {}
    dates: list[str] = []
    for where, text in ((HEAD, head), (BODY, body)):
        folded = fold(text)
        tokens = Tokens(folded)
        for key, label in _entities_in(lex, text, tokens):
            entities.setdefault(key, {"label": label, "where": where})
        for concept in lex.concepts:
            for lang, terms in concept.terms.items():
                if language in ("en", "id") and lang != language:
                    continue
                if terms.found_in(tokens):
                    concepts.setdefault(concept.key, where)
                    break
        without_dates, found_dates = _dates_in(folded, year)
        dates.extend(d for d in found_dates if d not in dates)
        for value, label, concept_key in _numbers_in(lex, without_dates, language):
            entry = numbers.setdefault(str(value), {"label": label, "concepts": [], "where": where})
            if concept_key and concept_key not in entry["concepts"]:
                entry["concepts"].append(concept_key)
                if len(entry["concepts"]) == 1:
                    entry["label"] = label
    whole = f"{head}\n{body}"
    lowered = whole.lower()
    cites = sorted({o.key for o in lex.outlets if o.cited_in(whole, lowered)})
    return {"v": FEATURES_VERSION, "source": article.source, "language": language or None,
            "published": published, "entities": entities, "concepts": concepts, "numbers": numbers,
            "dates": dates, "cites": cites}


def name_weights(article: Article, lexicon: Lexicon | None = None) -> dict[str, float]:
    """The names an article carries (title, lead, body) with what each is worth for linking: relevance asks
    this of an article that needs the bar an active development lowers."""
    lex = lexicon or load_lexicon()
    text = "\n".join(part for part in (article.title or "", article.lead or "", article.body) if part)
    out: dict[str, float] = {}
    for key, _label in _entities_in(lex, text, Tokens(fold(text))):
        entity = lex.entity(key)
        out[key] = entity.weight if entity else lex.default_entity_weight
    return out


def _entities_in(lex: Lexicon, text: str, tokens: Tokens) -> list[tuple[str, str]]:
    """(key, label) of the names in a text: lexicon entities (the longest name at each word: "Nursultan
    Nazarbayev" is the man, not the city), then other capitalised names, each word on its own
    ("name:hamdok")."""
    found: list[tuple[str, str]] = []
    words = tokens.words
    heads = lex.name_heads
    i = 0
    while i < len(words):
        counts = heads.get(words[i])
        if counts is not None:
            for n in (4, 3, 2, 1):
                entity = (lex.names.get(" ".join(words[i:i + n]))
                          if n in counts and i + n <= len(words) else None)
                if entity is not None:
                    found.append((entity.key, entity.label))
                    i += n
                    break
            else:
                i += 1
        else:
            i += 1
    found.extend((e.key, e.label) for e in lex.entities if e.acronyms_in(text))
    lower_words = set(_LOWER_WORD.findall(text))
    mid_sentence: set[str] = set()
    candidates: list[tuple[str, bool]] = []
    for match in _CAPITALISED.finditer(text):
        starts_sentence = bool(_SENTENCE_END.search(text[max(0, match.start() - 3):match.start()]))
        for index, word in enumerate(match.group(0).split()):
            candidates.append((word, starts_sentence and index == 0))
            if not (starts_sentence and index == 0):
                mid_sentence.add(word)
    for word, sentence_start in candidates:
        key = fold(word).replace("\u2019", "'").split("'")[0]
        parts = [p for p in key.split("-") if p]
        if (not parts or len(key) < 3 or key in _STOP_NAMES or key in lex.name_words
                or any(p in lex.name_words for p in parts) or key in lower_words
                or (sentence_start and word not in mid_sentence and not word.isupper())):
            continue
        found.append((f"name:{''.join(parts)}", word))
    return found


def _dates_in(folded: str, year: int | None) -> tuple[str, list[str]]:
    """The text with explicit dates blanked (their numbers are not counts), and the dates as YYYY-MM-DD."""
    dates: list[str] = []

    def record(day: str, month: int, explicit_year: str | None) -> None:
        which = int(explicit_year) if explicit_year else year
        if which and 1 <= int(day) <= 31 and 1 <= month <= 12:
            value = f"{which:04d}-{month:02d}-{int(day):02d}"
            if value not in dates:
                dates.append(value)

    def day_month(m: re.Match[str]) -> str:
        record(m.group(1), _MONTHS[m.group(2)], m.group(3))
        return " " * len(m.group(0))

    def month_day(m: re.Match[str]) -> str:
        record(m.group(2), _MONTHS[m.group(1)], m.group(3))
        return " " * len(m.group(0))

    def numeric(m: re.Match[str]) -> str:
        record(m.group(1), int(m.group(2)), m.group(3))
        return " " * len(m.group(0))

    text = _DATE_DAY_MONTH.sub(day_month, folded)
    text = _DATE_MONTH_DAY.sub(month_day, text)
    return _DATE_NUMERIC.sub(numeric, text), dates


def _numbers_in(lex: Lexicon, folded: str, language: str) -> list[tuple[int, str, str | None]]:
    """(value, label, counted concept) for each number: thousands separated by "." or "," alike; years,
    times and decimals are not counts and are skipped."""
    out = []
    counting = [c for c in lex.concepts if c.counts]
    for match in _NUMBER.finditer(folded):
        raw = match.group(1)
        value = int(raw.replace(".", "").replace(",", ""))
        if ("." not in raw and "," not in raw) and 1900 <= value <= 2100 and len(raw) == 4:
            continue  # a year
        if value < 10:
            continue
        approx = bool(_APPROX.search(folded[max(0, match.start() - 14):match.start()]))
        after = folded[match.end():match.end() + 40]
        before = folded[max(0, match.start() - 30):match.start()]
        best: tuple[int, str] | None = None
        for concept in counting:
            for lang, pattern in concept.patterns.items():
                if language in ("en", "id") and lang != language:
                    continue
                for window, offset in ((after, 0), (before, 1)):
                    hit = pattern.search(window)
                    if hit:
                        distance = hit.start() if offset == 0 else len(window) - hit.end()
                        if best is None or distance < best[0]:
                            best = (distance, concept.key)
        concept_key = best[1] if best else None
        label = ("~" if approx else "") + f"{value:,}"
        if concept_key:
            found = lex.concept(concept_key)
            label += f" {found.label if found else concept_key}"
        out.append((value, label, concept_key))
    return out


# -- comparing two articles ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    kind: str  # entity | number | concept | conflict | missing | date | citation | time
    label: str
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "weight": round(self.weight, 2)}


def compare(new: Mapping[str, Any], old: Mapping[str, Any], lexicon: Lexicon | None = None,
            ) -> tuple[float, list[Signal]]:
    """The linking score of two articles' features and the signals it is made of (largest first)."""
    lex = lexicon or load_lexicon()
    signals: list[Signal] = []
    entity_total = 0.0
    entity_signals = []
    for key in new["entities"].keys() & old["entities"].keys():
        entity = lex.entity(key)
        weight = entity.weight if entity else lex.default_entity_weight
        weight *= ENTITY_FACTORS[(new["entities"][key]["where"], old["entities"][key]["where"])]
        if weight > 0:
            label = entity.label if entity else new["entities"][key]["label"]
            entity_signals.append(Signal("entity", label, weight))
            entity_total += weight
    if entity_total > ENTITY_CAP:
        scale = ENTITY_CAP / entity_total
        entity_signals = [Signal(s.kind, s.label, s.weight * scale) for s in entity_signals]
    signals.extend(entity_signals)

    number_signals = []
    shared_counts: set[str] = set()
    for value in new["numbers"].keys() & old["numbers"].keys():
        mine, theirs = new["numbers"][value], old["numbers"][value]
        same = set(mine["concepts"]) & set(theirs["concepts"])
        if int(value) >= LARGE_NUMBER:
            shared_counts |= same
        weight = LARGE_NUMBER_WEIGHT if int(value) >= LARGE_NUMBER else SMALL_NUMBER_WEIGHT
        if same:
            weight += SAME_COUNT_BONUS
        label = mine["label"] if mine["concepts"] else f"{int(value):,}"
        number_signals.append(Signal("number", label, weight))
    total = sum(s.weight for s in number_signals)
    if total > NUMBERS_CAP:
        number_signals = [Signal(s.kind, s.label, s.weight * NUMBERS_CAP / total) for s in number_signals]
    signals.extend(number_signals)

    counted_new = _large_counts(new)
    counted_old = _large_counts(old)
    for concept_key in sorted((counted_new.keys() & counted_old.keys()) - shared_counts):
        concept = lex.concept(concept_key)
        label = (f"{concept.label if concept else concept_key}: "
                 f"{counted_new[concept_key]} vs {counted_old[concept_key]}")
        signals.append(Signal("conflict", label, CONFLICT_WEIGHT))

    for key in new["concepts"].keys() & old["concepts"].keys():
        concept = lex.concept(key)
        if concept is None:
            continue
        weight = concept.weight * CONCEPT_FACTORS[(new["concepts"][key], old["concepts"][key])]
        if weight > 0:
            signals.append(Signal("concept", concept.label, weight))

    for one, other in ((new, old), (old, new)) if not shared_counts else ():
        for key, where in one["concepts"].items():
            concept = lex.concept(key)
            if where == HEAD and key not in other["concepts"] and concept and concept.weight >= EVENT_WEIGHT:
                signals.append(Signal("missing", concept.label, -MISSING_EVENT_FACTOR * concept.weight))

    shared_dates = [d for d in new["dates"] if d in old["dates"]]
    date_weight = min(DATES_CAP, DATE_WEIGHT * len(shared_dates))
    if shared_dates:
        signals.append(Signal("date", ", ".join(shared_dates[:2]), date_weight))

    citation = _citation(lex, new, old)
    if citation:
        signals.append(Signal("citation", f"cites {citation}", CITATION_WEIGHT))

    hours = hours_apart(new.get("published"), old.get("published"))
    if hours is not None:
        time_weight = next((w for limit, w in TIME_WEIGHTS if hours <= limit), None)
        if shared_counts and hours <= WINDOW_HOURS:
            time_weight = max(time_weight or 0.0, 0.0)  # the same figure for the same thing, days later
        if time_weight is None:
            return float("-inf"), [Signal("time", f"{hours:.0f} h apart", 0.0)]
        signals.append(Signal("time", f"{_hours_label(hours)} apart", time_weight))
    signals.sort(key=lambda s: -s.weight)
    return sum(s.weight for s in signals), signals


def _large_counts(features: Mapping[str, Any]) -> dict[str, str]:
    """concept -> an exact figure counting it (>= LARGE_NUMBER), for spotting two articles that disagree
    ("about 2,500" and "2,030" do not: an estimate is not a claim)."""
    out: dict[str, str] = {}
    for value, entry in features["numbers"].items():
        if int(value) >= LARGE_NUMBER and not str(entry.get("label", "")).startswith("~"):
            for concept in entry["concepts"]:
                out.setdefault(concept, f"{int(value):,}")
    return out


def _citation(lex: Lexicon, new: Mapping[str, Any], old: Mapping[str, Any]) -> str | None:
    """The outlet one article cites when it is the other one's (the later cites the earlier)."""
    for later, earlier in ((new, old), (old, new)):
        outlet = lex.outlet_of_source(str(earlier.get("source") or ""))
        if outlet and outlet in later.get("cites", []) and later.get("source") != earlier.get("source"):
            first, second = earlier.get("published"), later.get("published")
            if not first or not second or second >= first:
                return lex.outlet_label(outlet)
    return None


def hours_apart(first: str | None, second: str | None) -> float | None:
    if not first or not second:
        return None
    try:
        a = datetime.fromisoformat(first.replace("Z", "+00:00"))
        b = datetime.fromisoformat(second.replace("Z", "+00:00"))
    except ValueError:
        return None
    return abs((a - b).total_seconds()) / 3600.0


def _hours_label(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{round(hours)} h"
    return f"{hours / 24:.0f} days"


def explain(signals: Sequence[Mapping[str, Any]]) -> str:
    """One line a reader can check: "CSTO, Tokayev, 2,500 troops, cites BBC, 5 h apart"."""
    order = {"citation": 0, "number": 1, "entity": 2, "concept": 3, "date": 4, "conflict": 5, "missing": 6,
             "time": 7}
    shown = [s for s in signals if s["kind"] in ("time", "conflict", "missing") or s["weight"] >= 0.5]
    shown.sort(key=lambda s: (order.get(s["kind"], 9), -float(s["weight"])))
    parts = []
    for s in shown:
        if s["kind"] == "conflict":
            parts.append(f"differs on {s['label']}")
        elif s["kind"] == "missing":
            parts.append(f"only one reports {s['label']}")
        elif s["kind"] == "date":
            parts.append(f"same date {s['label']}")
        else:
            parts.append(str(s["label"]))
    return ", ".join(parts)


def development_dict(development: Development) -> dict[str, Any]:
    """A development as plain JSON (the CLI's --format json, the dashboard's ?format=json): its articles as
    `source:id`, first report, languages, and each link's signals with the line that explains them."""
    return {
        "id": development.id, "title": development.title,
        "first_reported_at": development.first_reported_at, "last_reported_at": development.last_reported_at,
        "languages": development.languages, "sources": development.sources,
        "articles": [{
            "ref": f"{m.source}:{m.article_id}", "source": m.source, "article_id": m.article_id,
            "title": m.title, "url": m.url, "language": m.language, "published_utc": m.published_utc,
            "topics": m.topics, "linked_to": m.linked_to, "score": m.score, "signals": m.signals,
            "explanation": explain(m.signals) if m.linked_to else None,
        } for m in development.members],
    }


# -- the decision -------------------------------------------------------------------------------------------

class DevelopmentLinker:
    """What the store calls in an article's transaction (storage.developments.Linker): the article's
    features, then which candidate, if any, it joins."""

    window_hours = WINDOW_HOURS

    def __init__(self, threshold: float = LINK_THRESHOLD, lexicon: Lexicon | None = None) -> None:
        self.threshold = threshold
        self.lexicon = lexicon or load_lexicon()

    def features(self, article: Article, published_utc: str | None) -> dict[str, Any]:
        return article_features(article, published_utc, self.lexicon)

    def decide(self, features: Mapping[str, Any], candidates: Sequence[LinkCandidate]) -> LinkDecision:
        best: tuple[float, LinkCandidate, list[Signal]] | None = None
        for candidate in candidates:
            if not candidate.features or candidate.features.get("v") != FEATURES_VERSION:
                continue
            score, signals = compare(features, candidate.features, self.lexicon)
            if best is None or score > best[0]:
                best = (score, candidate, signals)
        if best is None or best[0] < self.threshold:
            return LinkDecision(None, None, 0.0, [])
        score, candidate, signals = best
        return LinkDecision(candidate.development_id, candidate.article_pk, round(score, 2),
                            [s.as_dict() for s in signals])
