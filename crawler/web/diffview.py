"""Two versions of an article side by side: paragraphs aligned, and the words that changed marked.

Alignment is difflib's over paragraphs, then over words inside a paragraph that was edited, so a revised
figure ("164" to "225") stands out in a long paragraph. The result is markup-free data (text runs tagged
equal/removed/added); the template escapes and marks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["equal", "changed", "removed", "added"]
_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Run:
    text: str
    mark: Literal["same", "del", "ins"]


@dataclass(frozen=True)
class Row:
    """One line of the side-by-side view: the old paragraph's runs (left) and the new one's (right)."""

    kind: Kind
    left: tuple[Run, ...]
    right: tuple[Run, ...]


def paragraphs(title: str | None, lead: str | None, body: str) -> list[str]:
    """What a version shows, in order: the title, the lead, then the body's paragraphs."""
    parts = [f"# {title}" if title else "", lead or ""]
    parts += [p.strip() for p in body.split("\n\n")]
    return [p for p in parts if p]


def side_by_side(old: list[str], new: list[str]) -> list[Row]:
    rows: list[Row] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row("equal", (Run(p, "same"),), (Run(p, "same"),)) for p in old[i1:i2]]
        elif tag == "delete":
            rows += [Row("removed", (Run(p, "del"),), ()) for p in old[i1:i2]]
        elif tag == "insert":
            rows += [Row("added", (), (Run(p, "ins"),)) for p in new[j1:j2]]
        else:
            rows += _pair(old[i1:i2], new[j1:j2])
    return rows


def _pair(old: list[str], new: list[str]) -> list[Row]:
    """Replaced paragraphs: each old one with the most similar new one still free, in order."""
    rows: list[Row] = []
    j = 0
    for paragraph in old:
        best, best_ratio = None, 0.4
        for k in range(j, len(new)):
            ratio = SequenceMatcher(a=paragraph, b=new[k], autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = k, ratio
        if best is None:
            rows.append(Row("removed", (Run(paragraph, "del"),), ()))
            continue
        rows += [Row("added", (), (Run(p, "ins"),)) for p in new[j:best]]
        left, right = words(paragraph, new[best])
        rows.append(Row("changed", left, right))
        j = best + 1
    rows += [Row("added", (), (Run(p, "ins"),)) for p in new[j:]]
    return rows


def words(old: str, new: str) -> tuple[tuple[Run, ...], tuple[Run, ...]]:
    """The two paragraphs as runs, with the words only one of them has marked."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    left: list[Run] = []
    right: list[Run] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(Run("".join(a[i1:i2]), "same"))
            right.append(Run("".join(b[j1:j2]), "same"))
            continue
        if i2 > i1:
            left.append(Run("".join(a[i1:i2]), "del"))
        if j2 > j1:
            right.append(Run("".join(b[j1:j2]), "ins"))
    return _merge(left), _merge(right)


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for run in runs:
        if out and out[-1].mark == run.mark:
            out[-1] = Run(out[-1].text + run.text, run.mark)
        else:
            out.append(run)
    return tuple(out)
