"""Choosing the body of a page on an unknown site among several extractors' candidates, by agreement.

Why: no single extractor wins everywhere. On the development set (bench/devset.py, 408 full-body pages)
trafilatura (with our pruning and cleaning) scores 0.910 body F1, readability-lxml 0.908, trafilatura's
precision mode 0.910, our own density scoring (density.py) 0.906, but a per-page oracle over the four reaches
0.955: each fails on different pages, usually by returning the wrong block (a list of headlines, a comment
thread, a neighbouring teaser, one section of a long article). When one of several independent methods goes
wrong, the others tend to agree with each other and not with it. So the candidate that agrees most with the
others (mean word 4-gram shingle F1) is kept. Merging lines across candidates was tried and lost (0.919
against 0.925 for choosing): the candidates' boundaries differ, and half-supported lines are often real text.

Order and cost (measured per page on the set, candidate outputs cached, policies replayed; speed relative to
trafilatura's default mode on the same pages):
1. trafilatura and density first. density costs a few milliseconds, so this pair costs about what
   trafilatura does alone. When they agree to CLOSE_ENOUGH (0.95), trafilatura's text is kept and nothing
   else runs (about half of the pages).
2. Otherwise readability-lxml joins and the three vote. A vote that a second candidate confirms (it agrees
   with the winner to SETTLED, 0.8) stands.
3. Otherwise trafilatura's precision mode joins as a fourth opinion and the four vote.
Replayed on the set: 0.932 overall at 0.75x trafilatura's speed, against 0.925 at 0.56x for the earlier order
(trafilatura, its precision mode, then readability; the precision mode ran on every page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

Maker = tuple[str, Callable[[], list[str]]]

SHINGLE = 4
# Above this agreement between the first two candidates, the third is not computed (see the docstring).
CLOSE_ENOUGH = 0.95
# After a vote of three, the fourth is not computed when another candidate agrees with the winner this much.
SETTLED = 0.8
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


def choose(first: Maker, second: Maker, third: Maker, fourth: Maker | None = None) -> Choice:
    """The candidate the others agree with most. `first` is the preferred one: it wins ties and shortcuts.

    Each candidate is (name, a function computing its lines), so later ones are computed only when needed:
    the third when the first two disagree, the fourth when the vote of three is not confirmed by a second
    candidate agreeing with its winner to SETTLED.
    """
    made = [_make(*first), _make(*second)]
    a, b = made
    if a.lines and b.lines:
        close = agreement(a.shingles, b.shingles)
        if close >= CLOSE_ENOUGH:
            a.score = b.score = close
            return Choice(a, made, f"{a.name} and {b.name} agree ({close:.2f} >= {CLOSE_ENOUGH})")
    made.append(_make(*third))
    choice = _vote(made)
    if fourth is None or choice.winner is None or len(made) < 3:
        return choice
    winner = choice.winner
    support = max((agreement(winner.shingles, c.shingles) for c in made if c is not winner and c.lines),
                  default=0.0)
    if support >= SETTLED:
        return Choice(winner, made, f"{choice.reason}; a second candidate confirms it ({support:.2f} >= "
                                    f"{SETTLED})")
    made.append(_make(*fourth))
    return _vote(made)


def _vote(made: list[Candidate]) -> Choice:
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
