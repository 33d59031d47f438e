"""Change detection between an article and its latest stored version. Pure: no storage, no clock.

Two levels:
- fingerprint(title, body) tells distinct versions apart. It ignores what a re-fetch changes without anyone
  editing the story: whitespace, letter case, punctuation and typographic variants, accents, and whole lines
  that are only a timestamp or a counter ("Diperbarui 07 Jan 2022, 10:00 WIB", "2 hours ago",
  "Dibaca 1.234 kali"). Numbers in prose are kept: "18 tewas" -> "26 tewas" is a new version.
- classify(previous, article) says whether a distinct version is material: the title changed, or a paragraph
  was added, removed or edited. Paragraphs that only moved, and related-link lines ("Baca juga: ...",
  "Read more: ..."), make a new version but not a material one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from typing import Any, Protocol

from crawler.core.items import Article
from storage.records import Change

# Bump when the normalisation changes, so that old and new fingerprints never compare equal by accident.
_FINGERPRINT_VERSION = "newswatch-fp-1"
# Paragraphs at least this similar are one edited paragraph, not a removal plus an addition.
_SAME_PARAGRAPH_RATIO = 0.6

_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_DIGITS = re.compile(r"\d")

# Words that may stand beside numbers in a line that is only a timestamp or a counter (Indonesian, English).
_TIMESTAMP_WORDS = frozenset(" ".join((
    "diperbarui diterbitkan dipublikasikan terbit update updated diupdate last published posted modified",
    "pada on at pukul oleh sejak",
    "jan januari january feb februari february mar maret march apr april mei may jun juni june jul juli july",
    "agu agt agus agustus aug august sep sept september okt oktober oct october nov november nop nopember",
    "des desember dec december",
    "senin selasa rabu kamis jumat sabtu minggu ahad",
    "monday tuesday wednesday thursday friday saturday sunday",
    "mon tue tues wed thu thur thurs fri sat sun",
    "wib wita wit gmt bst utc cet cest est edt pst pdt am pm",
    "detik menit jam hari pekan bulan tahun lalu yang baru saja",
    "second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks month months year",
    "years ago just now a an",
    "dibaca kali views view reads komentar comments comment shares share dibagikan likes like suka",
)).split())
_RELATIVE_WORDS = frozenset({"ago", "lalu", "now", "saja"})
_RELATED_LINK = re.compile(
    r"^\s*(?:(?:baca|simak|lihat|tonton) juga|(?:artikel|berita) terkait|read more|more on this story"
    r"|also read|see also)\b|^\s*related(?: stories| articles| links| topics)?\s*(?::|$)",
    re.IGNORECASE,
)


class PreviousLike(Protocol):
    """What classify() needs of the stored version (storage.records.PreviousVersion has it)."""

    @property
    def title(self) -> str | None: ...

    @property
    def body(self) -> str: ...


def normalise(text: str) -> str:
    """The comparable form of a line: accents, case, punctuation and spacing dropped."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def is_counter_line(line: str) -> bool:
    """Whether a line is only a timestamp or a counter ("Updated 2 hours ago", "Dibaca 1.234 kali")."""
    words = normalise(line).split()
    if not words or len(words) > 16:
        return False
    has_number = False
    for word in words:
        if _DIGITS.search(word):
            if not word.isdigit():
                return False  # "liputan6", "covid19": a name with digits, not a number
            has_number = True
        elif word not in _TIMESTAMP_WORDS:
            return False
    return has_number or bool(_RELATIVE_WORDS.intersection(words))


def is_related_link(line: str) -> bool:
    return bool(_RELATED_LINK.match(line))


def _lines(body: str | None) -> list[str]:
    """The body's paragraphs (one blank line apart) and lines within them, without counter lines."""
    return [line.strip() for line in (body or "").splitlines() if line.strip() and not is_counter_line(line)]


def fingerprint(title: str | None, body: str | None) -> str:
    """A hash that changes only when the title or body changes in words or numbers (see the module doc)."""
    parts = [_FINGERPRINT_VERSION, normalise(title or "")]
    parts.extend(key for key in (normalise(line) for line in _lines(body)) if key)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def classify(previous: PreviousLike | None, article: Article) -> Change:
    """"new" without a previous version, "unchanged" when the fingerprints agree, else "updated".

    An update carries diff = {"added": [...], "removed": [...], "changed": [{"before", "after"}],
    "moved": [...], "title": {"before", "after"} | None} with the paragraphs as the page has them, and
    material=True when the title changed or any paragraph was added, removed or changed.
    """
    if previous is None:
        return Change(kind="new")
    if fingerprint(previous.title, previous.body) == fingerprint(article.title, article.body):
        return Change(kind="unchanged")
    diff = diff_versions(previous.title, previous.body, article.title, article.body)
    material = bool(diff["title"] or diff["added"] or diff["removed"] or diff["changed"])
    return Change(kind="updated", material=material, diff=diff)


def diff_versions(title_before: str | None, body_before: str | None, title_after: str | None,
                  body_after: str | None) -> dict[str, Any]:
    """Paragraph-level differences, ignoring counter lines, related-link lines and mere reordering."""
    title: dict[str, str | None] | None = None
    if normalise(title_before or "") != normalise(title_after or ""):
        title = {"before": title_before, "after": title_after}

    before = [p for p in _lines(body_before) if normalise(p) and not is_related_link(p)]
    after = [p for p in _lines(body_after) if normalise(p) and not is_related_link(p)]
    common = Counter(map(normalise, before)) & Counter(map(normalise, after))
    removed = _not_in(before, common)
    added = _not_in(after, common)
    changed = _pair_edits(removed, added)
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "moved": _moved(before, after, common),
        "title": title,
    }


def _split_shared(paragraphs: list[str], common: Counter[str]) -> tuple[list[str], list[str]]:
    """(the paragraphs both versions share, the rest), in order; each shared copy is consumed once."""
    left = Counter(common)
    shared: list[str] = []
    rest: list[str] = []
    for paragraph in paragraphs:
        key = normalise(paragraph)
        if left[key] > 0:
            left[key] -= 1
            shared.append(paragraph)
        else:
            rest.append(paragraph)
    return shared, rest


def _not_in(paragraphs: list[str], common: Counter[str]) -> list[str]:
    """The paragraphs beyond those both versions share."""
    return _split_shared(paragraphs, common)[1]


def _pair_edits(removed: list[str], added: list[str]) -> list[dict[str, str]]:
    """Move the most similar removed/added pairs out of both lists into edits, most similar first."""
    scored = []
    for i, old in enumerate(removed):
        for j, new in enumerate(added):
            matcher = SequenceMatcher(None, normalise(old), normalise(new), autojunk=False)
            if matcher.real_quick_ratio() >= _SAME_PARAGRAPH_RATIO and matcher.quick_ratio() >= \
                    _SAME_PARAGRAPH_RATIO:
                ratio = matcher.ratio()
                if ratio >= _SAME_PARAGRAPH_RATIO:
                    scored.append((ratio, i, j))
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for _ratio, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((i, j))
    pairs.sort()
    edits = [{"before": removed[i], "after": added[j]} for i, j in pairs]
    removed[:] = [p for i, p in enumerate(removed) if i not in used_old]
    added[:] = [p for j, p in enumerate(added) if j not in used_new]
    return edits


def _moved(before: list[str], after: list[str], common: Counter[str]) -> list[str]:
    """Shared paragraphs whose order changed: those outside the longest common ordering."""
    shared_before = _only(before, common)
    shared_after = _only(after, common)
    keys_before = [normalise(p) for p in shared_before]
    keys_after = [normalise(p) for p in shared_after]
    matcher = SequenceMatcher(None, keys_before, keys_after, autojunk=False)
    in_place: set[int] = set()
    for block in matcher.get_matching_blocks():
        in_place.update(range(block.b, block.b + block.size))
    return [p for j, p in enumerate(shared_after) if j not in in_place]


def _only(paragraphs: list[str], common: Counter[str]) -> list[str]:
    """The paragraphs both versions share, in this version's order."""
    return _split_shared(paragraphs, common)[0]
