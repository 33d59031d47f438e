"""Choosing the body of a page on an unknown site among several extractors' candidates, by agreement.

Why: no single extractor wins everywhere. On the development set (bench/devset.py, 408 full-body pages)
trafilatura (with our pruning and cleaning) scores 0.910 body F1, readability-lxml 0.903, trafilatura's
precision mode 0.896, but a per-page oracle over the three reaches 0.949: each fails on different pages,
usually by returning the wrong block (a list of headlines, a comment thread, a neighbouring teaser). When one
of three independent methods goes wrong, the two others tend to agree with each other and not with it. So
the candidate that agrees most with the others (mean word 4-gram shingle F1) is kept: 0.925 on the set
(against 0.910 for the first candidate alone), above every single extractor on four of its six source
datasets and within 0.001 of the best on the other two. Merging lines across candidates
was tried and lost (0.919): the candidates' boundaries differ, and half-supported lines are often real text.

Cost: when trafilatura and its precision mode already agree closely (on two pages in three of the set), a
third opinion cannot change the outcome enough to matter (-0.001 F1 measured), so readability is not run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

SHINGLE = 4
# Above this agreement between the first two candidates, the third is not computed (see the docstring).
CLOSE_ENOUGH = 0.95
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def agreement(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Shingle F1 of two texts (symmetric): 1.0 for the same text, 0.0 for nothing in common or one empty."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


@dataclass
class Candidate:
    name: str
    lines: list[str]
    score: float = 0.0  # mean agreement with the other candidates
    shingles: set[tuple[str, ...]] = field(default_factory=set, repr=False)

    @property
    def words(self) -> int:
        return sum(len(_WORD.findall(line)) for line in self.lines)


@dataclass
class Choice:
    winner: Candidate | None
    candidates: list[Candidate]
    reason: str

    def explain(self) -> str:
        parts = [f"{c.name} ({c.words} words, agreement {c.score:.2f})" for c in self.candidates]
        won = self.winner.name if self.winner else "none"
        return f"candidates: {', '.join(parts) or 'none'}; chose {won}: {self.reason}"


def choose(first: tuple[str, Callable[[], list[str]]], second: tuple[str, Callable[[], list[str]]],
           third: tuple[str, Callable[[], list[str]]]) -> Choice:
    """The candidate the others agree with most. `first` is the preferred one: it wins ties and shortcuts.

    Each candidate is (name, a function computing its lines), so the third is computed only when needed.
    """
    made = [_make(*first), _make(*second)]
    a, b = made
    if a.lines and b.lines:
        close = agreement(a.shingles, b.shingles)
        if close >= CLOSE_ENOUGH:
            a.score = b.score = close
            return Choice(a, made, f"{a.name} and {b.name} agree ({close:.2f} >= {CLOSE_ENOUGH})")
    made.append(_make(*third))
    present = [c for c in made if c.lines]
    if not present:
        return Choice(None, made, "no extractor found a body")
    if len(present) == 1:
        return Choice(present[0], made, "the only candidate with a body")
    for c in present:
        others = [o for o in present if o is not c]
        c.score = sum(agreement(c.shingles, o.shingles) for o in others) / len(others)
    winner = max(present, key=lambda c: c.score)  # max keeps the first of equals: the preferred candidate
    runner_up = max((c.score for c in present if c is not winner), default=0.0)
    return Choice(winner, made, f"highest agreement with the others ({winner.score:.2f} against "
                                f"{runner_up:.2f})")


def _make(name: str, compute: Callable[[], list[str]]) -> Candidate:
    lines = compute()
    return Candidate(name, lines, shingles=shingles("\n".join(lines)))
