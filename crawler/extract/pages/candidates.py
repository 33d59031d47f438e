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

Order and cost (each candidate's output and CPU time cached per page, the policies replayed on the cache;
speed relative to trafilatura's default mode on the same pages):
0. density, the preferred candidate: a few milliseconds. Then two witnesses, each never chosen itself, in
   turn: when one agrees with density's text to CLOSE_ENOUGH (0.9), density's text is kept and no other
   extractor runs. First the page's own markup naming its article (JSON-LD articleBody, one
   itemprop=articleBody element, one <article>): such markup holds captions and teasers, or nothing, too
   often to be chosen (older pages rarely mark their article; on current news sites most do). Then
   blocks.py, a boilerpipe-style classification of the page's text blocks (about 2 ms, 0.894 alone): a
   method that shares nothing with density's container scoring, so their agreement is evidence. The two
   settle 362 of the 480 pages (markup 65, blocks 297 more).
1. Otherwise trafilatura, then readability-lxml, then trafilatura's precision mode join one at a time. After
   each, the candidates so far vote, the witnesses voting too (mean agreement with the others): a winner
   that another candidate or a witness confirms (agrees with it to SETTLED, 0.9) stands. trafilatura runs on
   118 pages, readability on 44, the precision mode on 17.
2. A fragment does not win over the article: two extractors that both stop after the first paragraph agree
   with each other perfectly and can outvote the whole article (on one development page, trafilatura's fast
   mode and readability, 102 words against 785). When the winner's text lies nearly whole in the first
   candidate's, which is three times as long and confirmed by another to SETTLED, the first candidate stands.
Since 2026-12-07 trafilatura runs in its `fast` mode (generic.py, FAST) and readability reads a copy of the
page's tree: the same 0.9399 replayed, and with rule 2, 0.9410 (it changes that one page), measured 1.55x
trafilatura's default (bench/devset.py). Since 2026-12-08, with the same choices on every page and cheaper
calls to each extractor (generic.py, density.py; docs/BENCHMARKS.md lists them): 2.00x with every extractor
in the benchmark's process, 1.84-1.99x with each in its own (trafilatura's memo no longer shared), then
1.98-2.25x (best of three rounds: 2.03-2.22x) once readability's text length and div rewriting were cheaper.
The figures below were replayed before those changes.
Replayed: 0.9399 overall at 1.57x trafilatura's CPU time (the replay leaves out cleaning, title handling and
the cost of switching between libraries; bench/devset.py, extractors taking turns page by page, measures
1.22-1.29x), against 0.9349 at 0.82x replayed (0.72x measured) for the previous order (density, the markup
witness at 0.95, trafilatura at 0.95, readability, precision at 0.8).
What else was measured, in the same replay (overall F1, speed):
- blocks as a witness only, at 0.95, the previous order after it: 0.9371, 1.06x (landed first); at 0.9,
  0.9356;
- blocks as a candidate that can win, in this order: 0.9390, and one page below 0.5 where trafilatura is
  above 0.9 (wcxb falls to 0.947); as a voter with every candidate computed on the pages the witnesses
  leave: 0.9401 at 0.68x;
- the witnesses' votes weighted 0.5x or 1.5x: 0.9397, 0.9395; only candidates, not witnesses, allowed to
  confirm a winner: 0.9370; density kept whenever it and trafilatura agree to 0.9 (no vote of two): 0.9376;
- the order of the later candidates: the precision mode before readability, 0.9380; readability before
  trafilatura, 0.9372; no precision mode, 0.9354 and a bad page on wcxb;
- blocks keeping its largest run rather than the first large one: 0.9376 (1.52x) instead of 0.9399;
- SETTLED 0.85 / 0.95 instead of 0.9: 0.9365 / 0.9382 (1.68x / 1.38x); the peak at 0.9 rests on a few pages
  (about five pages change between 0.88 and 0.92), so read the third decimal as noise;
- CLOSE_ENOUGH 0.85, 0.8, 0.7 (fewer pages reach trafilatura: 89, 71, 53): 0.9370, 0.9369, 0.9358 at 1.75x,
  1.90x, 2.02x replayed, which is about 1.5-1.7x measured. The speed target (2x measured) needs trafilatura
  on fewer than about 50 of the 480 pages, which every gate measured pays with F1 below 0.936: density,
  blocks, markup, parsing and cleaning alone cost about 10-12 ms a page against trafilatura's 30-35 ms.
Before blocks (the figures of the previous edition): 0.935 at 0.77x, against 0.925 at 0.56x for trafilatura
preferred with its precision mode on every page. Preferring trafilatura's text where the two agree scores
0.934. trafilatura's `fast` mode as the second opinion and its full mode only as the fourth: 0.933 at 0.82x.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Maker = tuple[str, Callable[[], list[str]]]

SHINGLE = 4
# A witness agreeing this much with the first candidate settles the page: nothing else is computed.
CLOSE_ENOUGH = 0.9
# After each vote, no further candidate is computed when another candidate or a witness agrees with the winner
# this much.
SETTLED = 0.9
# A later candidate nearly all of whose text (FRAGMENT_SHARE of its shingles) lies in the first one, which is
# FRAGMENT_SIZE times as long, is a fragment of it: see `_fragment_of`.
FRAGMENT_SHARE = 0.9
FRAGMENT_SIZE = 3
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    """The text's word `size`-grams (case folded), each as its hash: only ever compared with each other.

    Hashes, not the tuples: a set of ints is built about a third faster (the tuples die at once instead of
    living in the set, and the garbage collector is not woken by them) and intersected twice as fast, and two
    different 4-grams of one page sharing a 64-bit hash is a chance not worth counting."""
    return _grams(_WORD.findall(text.casefold()), size)


def line_shingles(lines: list[str], words_by_line: dict[str, list[str]]) -> set[int]:
    """shingles("\n".join(lines)), the words of each line read once per page: the candidates of one page
    share most of their lines (density's and the blocks witness's agree on two pages in three), and reading
    the words was half the time of shingling them. The same set, since no word runs across a line break and
    case folding maps each character on its own."""
    words: list[str] = []
    for line in lines:
        known = words_by_line.get(line)
        if known is None:
            known = words_by_line[line] = _WORD.findall(line.casefold())
        words += known
    return _grams(words, SHINGLE)


def _grams(words: list[str], size: int) -> set[int]:
    if len(words) < size:
        return {hash(tuple(words))} if words else set()
    # zip over shifted lists builds the tuples in C: ~18% less time than slicing in a comprehension (the
    # tokenising is the rest), and this runs for every candidate of every page. The shorter lists end it.
    return set(map(hash, zip(*(words[i:] for i in range(size)), strict=False)))


def agreement(a: set[int], b: set[int]) -> float:
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
    shingles: set[int] = field(default_factory=set, repr=False)

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
    calls its article) until one agrees with the first to CLOSE_ENOUGH; when none does, the second, third and
    fourth candidates join one at a time, and after each the candidates so far vote (the witnesses vote too)
    until the winner is confirmed: another candidate or a witness agrees with it to SETTLED.
    """
    words_by_line: dict[str, list[str]] = {}
    a = _make(*first, words_by_line)
    seen = [a]
    for witness in witnesses:
        if not a.lines:
            break
        w = _make(*witness, words_by_line)
        seen.append(w)
        if w.lines:
            w.score = agreement(a.shingles, w.shingles)
            if w.score >= CLOSE_ENOUGH:
                a.score = w.score
                return Choice(a, seen, f"{a.name} and the witness {w.name} agree ({w.score:.2f} >= "
                                       f"{CLOSE_ENOUGH})")
    voters = [w for w in seen[1:] if w.lines]
    made = [a]
    choice = Choice(None, seen, "no extractor found a body")
    for later in (second, third, fourth):
        if later is None:
            break
        made.append(_make(*later, words_by_line))
        choice = _vote(made, voters, seen)
        winner = choice.winner
        if winner is None:
            continue
        support, by = max(((agreement(winner.shingles, c.shingles), c.name) for c in [*made, *voters]
                           if c is not winner and c.lines), default=(0.0, ""))
        if support >= SETTLED and not _fragment_of(winner, a):
            return Choice(winner, choice.candidates, f"{choice.reason}; {by} confirms it ({support:.2f} >= "
                                                     f"{SETTLED})")
    winner = choice.winner
    if winner is not None and _fragment_of(winner, a):
        support, by = max(((agreement(a.shingles, c.shingles), c.name) for c in [*made, *voters]
                           if c is not a and c.lines), default=(0.0, ""))
        if support >= SETTLED:
            reason = (f"{winner.name} won the vote ({winner.score:.2f}) but its text is a fragment of "
                      f"{a.name}'s, which {by} confirms ({support:.2f} >= {SETTLED})")
            return Choice(a, choice.candidates, reason)
    return choice


def _fragment_of(part: Candidate, whole: Candidate) -> bool:
    """Whether `part` is a piece of `whole`: nearly all its shingles are in `whole`, which is FRAGMENT_SIZE
    times as long. Two extractors that both stop after a page's first paragraph agree with each other
    perfectly, and outvote the whole article; the article's own confirmation must count then."""
    if part is whole or not part.shingles or len(whole.shingles) < FRAGMENT_SIZE * len(part.shingles):
        return False
    return len(part.shingles & whole.shingles) >= FRAGMENT_SHARE * len(part.shingles)


def _vote(made: list[Candidate], voters: list[Candidate], seen: list[Candidate]) -> Choice:
    """The vote among `made`, in which `voters` (witnesses, never chosen) vote too; `seen` (the first
    candidate and the witnesses computed) for the explanation."""
    shown = seen + [c for c in made if all(c is not s for s in seen)]
    present = [c for c in made if c.lines]
    if not present:
        return Choice(None, shown, "no extractor found a body")
    if len(present) == 1 and not voters:
        return Choice(present[0], shown, "the only candidate with a body")
    for c in present:
        others = [o for o in [*present, *voters] if o is not c]
        c.score = sum(agreement(c.shingles, o.shingles) for o in others) / len(others)
    winner = max(present, key=lambda c: c.score)  # max keeps the first of equals: the preferred candidate
    runner_up = max((c.score for c in present if c is not winner), default=0.0)
    by = f" and the witness{'es' if len(voters) > 1 else ''} {', '.join(v.name for v in voters)}" \
        if voters else ""
    return Choice(winner, shown, f"highest agreement with the other candidates{by} ({winner.score:.2f} "
                                f"against {runner_up:.2f})")


def _make(name: str, compute: Callable[[], list[str]], words_by_line: dict[str, list[str]]) -> Candidate:
    lines = compute()
    return Candidate(name, lines, shingles=line_shingles(lines, words_by_line))
