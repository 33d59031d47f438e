"""Cleaning rules as data: TOML files under crawler/extract/cleaning/rules/, compiled once per process.

Files: `shared_id.toml` (Indonesian pages), `shared_en.toml` (English pages), `liputan6.toml`, `bbc.toml`.
A site's rule set is its own file plus the shared file of its language; "generic" (and any unknown site)
gets both shared files. Every rule carries `removes`/`keeps` examples, checked by the tests, so a rule cannot
be added without showing what it removes and what similar content it must leave alone.

`[[line]]` rules say what one paragraph of noise looks like:
- `name` (unique per file), `kind`: "exact" | "prefix" | "regex". Lines are compared after `normalise_line`
  (spaces collapsed, case folded, list bullets and trailing punctuation or arrows trimmed). Exact phrases
  must equal the line; a prefix must start it and end at a word boundary; a regex is matched at the start
  of the normalised line (add `$` to match it whole).
- `patterns`: the phrases or regular expressions.
- `max_words` (optional): fire only on lines of at most that many words. Noise is short; prose that
  happens to start with the same words is not.
- `shape = "title"` (optional): fire only on title-like lines (no closing full stop, most words
  capitalised), as related-link teasers are; a sentence opening with the same words is kept.
- `section_end = true` (optional): the line opens a closing block; it and everything after it go.

`[[html]]` rules name noise elements:
- `name`, `selectors` (CSS; see selectors.py), `link_only = true` (optional: remove a matching element
  only when all its text sits inside links, as in a list of related stories).
- `removes`/`keeps`: HTML fragments; the rule must find something to remove in each `removes` fragment and
  nothing in a `keeps` fragment.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from crawler.extract.cleaning.selectors import Matcher

SITES = ("liputan6", "bbc", "generic")
RULE_FILES = ("shared_id", "shared_en", "liputan6", "bbc")
_FILES_FOR_SITE: dict[str, tuple[str, ...]] = {
    "liputan6": ("shared_id", "liputan6"),
    "bbc": ("shared_en", "bbc"),
    "generic": ("shared_id", "shared_en"),
    # An unknown site whose language is known (`newswatch clean` without --site detects it).
    "generic-id": ("shared_id",),
    "generic-en": ("shared_en",),
}
_LINE_KINDS = ("exact", "prefix", "regex")
_SHAPES = (None, "title")
_LINE_KEYS = {"name", "kind", "patterns", "max_words", "shape", "section_end", "removes", "keeps"}
_HTML_KEYS = {"name", "selectors", "link_only", "removes", "keeps"}
# Decoration around labels: "BACA JUGA:", "* Untuk mengetahui ...", "Lanjutkan Membaca ↓", "» Baca juga".
_TRAILING = " \t:;.,|-–—>»›→↓↑…!*"
_LEADING = " \t-–—|>»›→•*·▶►"
_TITLE_WORD = re.compile(r"\w", re.UNICODE)


def files_for(site: str) -> tuple[str, ...]:
    """The rule files that make up a site's rule set (unknown sites count as generic)."""
    return _FILES_FOR_SITE.get(site, _FILES_FOR_SITE["generic"])


def normalise_line(text: str) -> str:
    """The form line rules compare against: spaces collapsed, case folded, decoration trimmed at both ends."""
    return " ".join(text.split()).casefold().lstrip(_LEADING).rstrip(_TRAILING)


def is_title_like(text: str) -> bool:
    """A heading or teaser rather than a sentence: no closing full stop, most words start with a capital.

    Words starting with a digit count as capitalised ("6 Cara Efektif ..."); short function words
    ("dan", "di", "of") are what keeps the threshold below 1.
    """
    text = text.strip().rstrip(":")
    if not text or text.endswith((".", ",", ";")):
        return False
    words = [w for w in text.split() if _TITLE_WORD.match(w.lstrip("\"'“‘(["))]
    if not words:
        return False
    capitalised = sum(1 for w in words if not w.lstrip("\"'“‘([")[0].islower())
    return capitalised / len(words) >= 0.6


def word_count(normalised: str) -> int:
    return normalised.count(" ") + 1 if normalised else 0


def _pattern_source(kind: str, pattern: str) -> str:
    if kind == "exact":
        return re.escape(normalise_line(pattern)) + r"\Z"
    if kind == "prefix":
        # A prefix ends at a word boundary: "baca juga" matches "baca juga: x", not "baca jugalah".
        return re.escape(normalise_line(pattern)) + r"(?!\w)"
    return pattern


@dataclass(frozen=True)
class LineRule:
    file: str
    name: str
    kind: str
    patterns: tuple[str, ...]
    max_words: int | None
    shape: str | None
    section_end: bool
    removes: tuple[str, ...]
    keeps: tuple[str, ...]
    regex: re.Pattern[str]

    @property
    def guard(self) -> tuple[int | None, str | None]:
        return self.max_words, self.shape

    def passes_guard(self, text: str, normalised: str) -> bool:
        if self.max_words is not None and word_count(normalised) > self.max_words:
            return False
        return self.shape != "title" or is_title_like(text)

    def matches(self, text: str) -> bool:
        """Whether this rule alone calls `text` noise (used by the tests; the cleaner uses `RuleSet`)."""
        normalised = normalise_line(text)
        return bool(normalised) and self.passes_guard(text, normalised) and bool(self.regex.match(normalised))


@dataclass(frozen=True)
class HtmlRule:
    file: str
    name: str
    selectors: tuple[str, ...]
    link_only: bool
    removes: tuple[str, ...]
    keeps: tuple[str, ...]

    @property
    def selector(self) -> str:
        return ", ".join(self.selectors)


@dataclass(frozen=True)
class GuardedGroup:
    """Line rules sharing one guard, their patterns compiled into one alternation: one search per group."""

    max_words: int | None
    shape: str | None
    regex: re.Pattern[str]

    def matches(self, text: str, normalised: str, words: int) -> bool:
        if self.max_words is not None and words > self.max_words:
            return False
        if self.shape == "title" and not is_title_like(text):
            return False
        return bool(self.regex.match(normalised))


@dataclass(frozen=True)
class RuleSet:
    """The compiled rules of one site."""

    line_rules: tuple[LineRule, ...]
    html_rules: tuple[HtmlRule, ...]
    exact: frozenset[str]  # unguarded exact phrases: a set lookup, no regex
    exact_section: frozenset[str]
    groups: tuple[GuardedGroup, ...]
    section_groups: tuple[GuardedGroup, ...]
    matcher: Matcher  # all plain HTML rules' selectors: one tree walk for all of them
    link_only_matcher: Matcher


def _str_tuple(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")


def parse_rules(file: str, text: str) -> tuple[tuple[LineRule, ...], tuple[HtmlRule, ...]]:
    """Parse and validate one rule file's TOML text. Raises ValueError naming the file and rule at fault."""
    data = tomllib.loads(text)
    lines: list[LineRule] = []
    htmls: list[HtmlRule] = []
    seen: set[str] = set()
    for raw in data.get("line", []):
        where = f"rules/{file}.toml [[line]] {raw.get('name', '?')!r}"
        _check_keys(raw, _LINE_KEYS, where)
        name = raw.get("name")
        if not isinstance(name, str) or not name or name in seen:
            raise ValueError(f"{where}: needs a unique `name`")
        seen.add(name)
        kind = raw.get("kind")
        if kind not in _LINE_KINDS:
            raise ValueError(f"{where}: `kind` must be one of {_LINE_KINDS}")
        patterns = _str_tuple(raw, "patterns", where)
        if not patterns:
            raise ValueError(f"{where}: `patterns` is empty")
        max_words = raw.get("max_words")
        if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
            raise ValueError(f"{where}: `max_words` must be a positive integer")
        shape = raw.get("shape")
        if shape not in _SHAPES:
            raise ValueError(f"{where}: `shape` must be \"title\" when given")
        try:
            regex = re.compile("|".join(f"(?:{_pattern_source(kind, p)})" for p in patterns), re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{where}: bad regular expression: {exc}") from exc
        lines.append(LineRule(file, name, kind, patterns, max_words, shape, bool(raw.get("section_end")),
                              _str_tuple(raw, "removes", where), _str_tuple(raw, "keeps", where), regex))
    for raw in data.get("html", []):
        where = f"rules/{file}.toml [[html]] {raw.get('name', '?')!r}"
        _check_keys(raw, _HTML_KEYS, where)
        name = raw.get("name")
        if not isinstance(name, str) or not name or name in seen:
            raise ValueError(f"{where}: needs a unique `name`")
        seen.add(name)
        selectors = _str_tuple(raw, "selectors", where)
        if not selectors:
            raise ValueError(f"{where}: `selectors` is empty")
        htmls.append(HtmlRule(file, name, selectors, bool(raw.get("link_only")),
                              _str_tuple(raw, "removes", where), _str_tuple(raw, "keeps", where)))
    return tuple(lines), tuple(htmls)


@cache
def load_file(file: str) -> tuple[tuple[LineRule, ...], tuple[HtmlRule, ...]]:
    """The rules of one packaged rule file, read and parsed once per process."""
    if file not in RULE_FILES:
        raise ValueError(f"unknown rule file {file!r}")
    text = resources.files("crawler.extract.cleaning").joinpath("rules", f"{file}.toml").read_text("utf-8")
    return parse_rules(file, text)


def _groups(rules: list[LineRule]) -> tuple[GuardedGroup, ...]:
    by_guard: dict[tuple[int | None, str | None], list[str]] = {}
    for rule in rules:
        by_guard.setdefault(rule.guard, []).append(rule.regex.pattern)
    return tuple(GuardedGroup(limit, shape, re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE))
                 for (limit, shape), sources in by_guard.items())


@cache
def rules_for(site: str) -> RuleSet:
    """The compiled rule set of a site ("liputan6", "bbc", "generic"; anything else counts as generic)."""
    if site not in _FILES_FOR_SITE:
        return rules_for("generic")  # one cached compile for every unknown name
    files = files_for(site)
    line_rules: list[LineRule] = []
    html_rules: list[HtmlRule] = []
    for file in files:
        lines, htmls = load_file(file)
        line_rules.extend(lines)
        html_rules.extend(htmls)
    exact: set[str] = set()
    exact_section: set[str] = set()
    guarded: list[LineRule] = []
    guarded_section: list[LineRule] = []
    for rule in line_rules:
        if rule.kind == "exact" and rule.max_words is None and rule.shape is None:
            (exact_section if rule.section_end else exact).update(normalise_line(p) for p in rule.patterns)
        else:
            (guarded_section if rule.section_end else guarded).append(rule)
    plain = [s for r in html_rules if not r.link_only for s in r.selectors]
    link_only = [s for r in html_rules if r.link_only for s in r.selectors]
    return RuleSet(tuple(line_rules), tuple(html_rules), frozenset(exact), frozenset(exact_section),
                   _groups(guarded), _groups(guarded_section), Matcher(plain), Matcher(link_only))
