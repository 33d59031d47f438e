"""Choosing the body of a page on an unknown site among several extractors' candidates, by agreement.

Why: no single extractor wins everywhere. On the development set (bench/devset.py, 408 full-body pages)
our density scoring (density.py) scores 0.920 body F1 alone, trafilatura with our pruning and cleaning 0.910,
its precision mode 0.910, readability-lxml 0.908, but a per-page oracle over the four reaches 0.955: each
fails on different pages, usually by returning the wrong block (a list of headlines, a comment thread, a
neighbouring teaser, one section of a long article). When one of several independent methods goes wrong, the
others tend to agree with each other and not with it. So the candidate that agrees most with the others (mean
word 4-gram shingle F1) is kept. Merging lines across candidates was tried and lost (0.919 against 0.925 for
choosing, with the earlier three): the candidates' boundaries differ, and half-supported lines are often real
text. Choosing by the best agreement with any single other candidate instead of the mean changed nothing.

Order and cost (each candidate's output and time cached per page, the policies replayed on the cache; speed
relative to trafilatura's default mode on the same pages):
0. density, the preferred candidate: a few milliseconds. Then two witnesses, each never chosen itself, in
   turn: when one agrees with density's text to CLOSE_ENOUGH (0.95), density's text is kept and no other
   extractor runs. First the page's own markup naming its article (JSON-LD articleBody, one
   itemprop=articleBody element, one <article>): such markup holds captions and teasers, or nothing, too
   often to be chosen; on the set it settles 46 of 480 pages (older pages rarely mark their article; on
   current news sites most do). Then blocks.py, a boilerpipe-style classification of the page's text blocks
   (about 3 ms, 0.879 alone): a method that shares nothing with density's container scoring, so their
   agreement is evidence; it settles 227 more pages (0.9371 overall against 0.9349 without it, and the
   slow path runs on 207 pages instead of 434: 0.85x trafilatura's speed in a loaded run, 0.90x in CPU time
   interleaved, against 0.75-0.80x). It is a witness, not a voter or a candidate: as a fifth voter or as a
   candidate it lost (0.9344 and 0.9324 with the same gate).
1. trafilatura next. When the two agree to CLOSE_ENOUGH, density's text is kept (about half of the pages).
2. Otherwise readability-lxml joins and the three vote. A vote that a second candidate confirms (it agrees
   with the winner to SETTLED, 0.8) stands.
3. Otherwise trafilatura's precision mode joins as a fourth opinion and the four vote.
Replayed: 0.935 overall at about 0.77x trafilatura's speed, against 0.925 at 0.56x for the earlier order
(trafilatura preferred, its precision mode on every page, then readability). Preferring trafilatura's text
where the two agree scores 0.934. Faster orders lose F1: trafilatura's `fast` mode (0.7x its default cost)
as the second opinion and its full mode only as the fourth, 0.933 at 0.82x; a lower CLOSE_ENOUGH (0.9),
0.934 at 0.85x. (Figures of the final density scoring; the cache's times were taken under load.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


def choose(first: Maker, second: Maker, third: Maker, fourth: Maker | None = None,
           witnesses: Sequence[Maker] = ()) -> Choice:
    """The candidate the others agree with most. `first` is the preferred one: it wins ties and shortcuts.

    Each candidate is (name, a function computing its lines), so later ones are computed only when needed:
    the witnesses in turn (cheap texts that are never chosen themselves, such as what the page's own markup
    calls its article) until one agrees with the first to CLOSE_ENOUGH; the second when none does; the
    third when the first two disagree; the fourth when the vote of three is not confirmed by a second
    candidate agreeing with its winner to SETTLED.
    """
    a = _make(*first)
    seen = [a]
    for witness in witnesses:
        if not a.lines:
            break
        w = _make(*witness)
        seen.append(w)
        if w.lines:
            w.score = agreement(a.shingles, w.shingles)
            if w.score >= CLOSE_ENOUGH:
                a.score = w.score
                return Choice(a, seen, f"{a.name} and the witness {w.name} agree ({w.score:.2f} >= "
                                       f"{CLOSE_ENOUGH})")
    b = _make(*second)
    made = [a, b]
    if a.lines and b.lines:
        close = agreement(a.shingles, b.shingles)
        if close >= CLOSE_ENOUGH:
            a.score = b.score = close
            return Choice(a, [*seen, b], f"{a.name} and {b.name} agree ({close:.2f} >= {CLOSE_ENOUGH})")
    made.append(_make(*third))
    choice = _vote(made, seen)
    if fourth is None or choice.winner is None or len(made) < 3:
        return choice
    winner = choice.winner
    support = max((agreement(winner.shingles, c.shingles) for c in made if c is not winner and c.lines),
                  default=0.0)
    if support >= SETTLED:
        return Choice(winner, choice.candidates, f"{choice.reason}; a second candidate confirms it "
                                                 f"({support:.2f} >= {SETTLED})")
    made.append(_make(*fourth))
    return _vote(made, seen)


def _vote(made: list[Candidate], seen: list[Candidate]) -> Choice:
    """The vote among `made`; `seen` (the first candidate and the witnesses computed) for the explanation."""
    shown = seen + [c for c in made if all(c is not s for s in seen)]
    present = [c for c in made if c.lines]
    if not present:
        return Choice(None, shown, "no extractor found a body")
    if len(present) == 1:
        return Choice(present[0], shown, "the only candidate with a body")
    for c in present:
        others = [o for o in present if o is not c]
        c.score = sum(agreement(c.shingles, o.shingles) for o in others) / len(others)
    winner = max(present, key=lambda c: c.score)  # max keeps the first of equals: the preferred candidate
    runner_up = max((c.score for c in present if c is not winner), default=0.0)
    return Choice(winner, shown, f"highest agreement with the others ({winner.score:.2f} against "
                                f"{runner_up:.2f})")


def _make(name: str, compute: Callable[[], list[str]]) -> Candidate:
    lines = compute()
    return Candidate(name, lines, shingles=shingles("\n".join(lines)))
