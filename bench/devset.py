"""Generic extraction on the development set: our generic path against single extractors, in one run.

    .venv/bin/python bench/devset.py                     # every page, every extractor
    .venv/bin/python bench/devset.py --limit 100         # the first 100 pages (quicker)
    .venv/bin/python bench/devset.py --only ours,trafilatura --per-page /tmp/pages.jsonl
    .venv/bin/python bench/devset.py --rounds 3 --only ours,trafilatura,trafilatura-precision,goose3

Reads `../shared/devsets/generic/` (or $NEWSWATCH_SHARED/devsets/generic): 480 real pages from seven public
extraction datasets, 408 with a full ground-truth body (see its README). These are DEVELOPMENT figures: the
generic path is tuned on these pages, so they say how it compares, not how it will do on pages it never saw.

Extractors, each given the same decoded HTML and the dataset's URL (or none):
- ours: `newswatch extract`'s generic path (crawler/extract/pages/generic.py), body = the paragraphs joined;
- trafilatura: `trafilatura.extract` with its defaults;
- trafilatura-precision: the same with `favor_precision=True`;
- trafilatura-fast: the same with `fast=True` (no fallback comparison);
- readability: readability-lxml's `Document.summary()`, its HTML turned into text one block a line;
- goose3 and newspaper4k (the `bench` extra: `.venv/bin/pip install -c constraints.txt -e '.[bench]'`), each
  given the HTML directly (no fetch, no images, no NLP); left out with a note when not installed.

Scoring is the dev set's own scorer (`score.py`, imported from the dev set, never copied): word 4-gram
shingles, per-page precision and recall averaged per dataset, F1 of the averages. Speed is pages per second
of each extractor over the same pages in this run (parse included), by elapsed time and by CPU time, the
extractors taking turns 16 pages at a time (`--chunk`) so that a shared machine's load falls on all alike
(compare the ratios, not the absolute figures).

Each extractor runs in a process of its own (`--same-process` for the old way), as it would in a crawl: in
one process, libraries share memoized work between extractors (trafilatura's `lru_cache` on its line
processing made its default mode faster on a page its precision and fast modes had just read, and our path,
which calls trafilatura, faster after any of them), and each extractor's garbage collections walked the
others' objects. The timing is taken in the worker around the call alone; one worker runs at a time. Turns
of 16 pages rather than one: a switch of process leaves the next call's processor caches cold, a cost that
falls hardest on the fastest extractor (about 3% of ours at one page a turn); a crawl, too, reads page
after page in one process. With `--rounds N` every run of pages is timed N times and counted at its best, as
bench/extraction.py does: on a shared machine one run's ratio moved by 5-10% from run to run.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import multiprocessing
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
DEVSET = SHARED / "devsets" / "generic"

Extractor = Callable[[str | None, str], str]
# Pages each extractor sees before the timed run (lazy imports happen on the pages that need them).
WARM_UP = 10
# Pages an extractor reads in one turn (see `run` and the module's docstring).
CHUNK = 16


def ours(url: str | None, html: str) -> str:
    from crawler.extract.pages.generic import GenericArticlePage

    page = GenericArticlePage(url or "", html)
    return "\n".join(page.paragraphs())


def trafilatura_with(**options: bool) -> Extractor:
    def run(url: str | None, html: str) -> str:
        import trafilatura

        return trafilatura.extract(html, url=url, **options) or ""
    return run


def readability(url: str | None, html: str) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html, url=url).summary(html_partial=True)
    tree = lxml.html.fromstring(summary)
    blocks = tree.xpath("//p|//h1|//h2|//h3|//h4|//li|//blockquote|//pre|//td")
    lines = [" ".join(block.text_content().split()) for block in blocks]
    lines = lines or [" ".join(tree.text_content().split())]
    return "\n".join(line for line in lines if line)


def goose(url: str | None, html: str) -> str:
    from goose3 import Goose

    with Goose({"enable_image_fetching": False, "http_timeout": 0.001}) as extractor:
        return extractor.extract(url=url, raw_html=html).cleaned_text or ""


def newspaper(url: str | None, html: str) -> str:
    from newspaper import Article

    article = Article(url or "http://localhost/", fetch_images=False)
    article.download(input_html=html)
    article.parse()
    return article.text or ""


OPTIONAL = {"goose3": "goose3", "newspaper4k": "newspaper"}  # extractor name -> module it needs

EXTRACTORS: dict[str, Extractor] = {
    "ours": ours,
    "trafilatura": trafilatura_with(),
    "trafilatura-precision": trafilatura_with(favor_precision=True),
    "trafilatura-fast": trafilatura_with(fast=True),
    "readability": readability,
    "goose3": goose,
    "newspaper4k": newspaper,
}


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("devset_score", DEVSET / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {DEVSET / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(limit: int | None) -> list[tuple[dict, str]]:
    from crawler.extract.decoding import decode_html

    # split("\n"), not splitlines(): bodies hold U+2028 and other characters splitlines() breaks on.
    text = (DEVSET / "truth.jsonl").read_text(encoding="utf-8")
    truth = [json.loads(line) for line in text.split("\n") if line.strip()]
    pages = []
    for row in truth[:limit] if limit else truth:
        raw = gzip.decompress((DEVSET / "pages" / f"{row['id']}.html.gz").read_bytes())
        pages.append((row, decode_html(raw)))
    return pages


Outcome = tuple[str, float, float, bool]  # text, elapsed seconds, CPU seconds, whether it raised


def timed(name: str, row: dict, html: str) -> Outcome:
    """One extractor on one page, timed around the call alone; a crash scores the page empty."""
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        text, failed = EXTRACTORS[name](row.get("url"), html), False
    except Exception:  # a crash on one page scores it empty; the run goes on
        text, failed = "", True
    return text, time.perf_counter() - started, time.process_time() - cpu_started, failed


def warm_up(names: list[str], pages: list[tuple[dict, str]]) -> None:
    """Imports, model loads and first-call caches are not pages/s: each extractor reads the first pages."""
    for row, html in pages[:WARM_UP]:
        for name in names:
            timed(name, row, html)


def worker(name: str, pages: list[tuple[dict, str]], connection: Connection, warm: bool) -> None:
    """An extractor's own process: warm up, then answer each run of page indexes with their timed outcomes."""
    if warm:
        warm_up([name], pages)
    connection.send("ready")
    while (indexes := connection.recv()) is not None:
        connection.send([timed(name, *pages[index]) for index in indexes])


class Workers:
    """One process per extractor, forked with the pages already loaded, each asked for one page at a time.
    A worker that dies (a crash in a library's C code) scores its page empty, as a raise does, and is
    started again."""

    def __init__(self, names: list[str], pages: list[tuple[dict, str]]) -> None:
        self.pages = pages
        self.context = multiprocessing.get_context("fork")
        self.connections: dict[str, Connection] = {}
        self.processes: dict[str, multiprocessing.process.BaseProcess] = {}
        for name in names:
            self._start(name, warm=True)
        for name, connection in list(self.connections.items()):  # warm-ups run side by side, before timing
            try:
                connection.recv()
            except EOFError:
                print(f"bench/devset.py: {name} died warming up: started again, cold", file=sys.stderr)
                self._restart(name)

    def _start(self, name: str, warm: bool) -> None:
        mine, theirs = self.context.Pipe()
        process = self.context.Process(target=worker, args=(name, self.pages, theirs, warm), daemon=True)
        process.start()
        theirs.close()
        self.connections[name], self.processes[name] = mine, process

    def _restart(self, name: str) -> None:
        self.processes[name].join(timeout=5)
        self._start(name, warm=False)
        self.connections[name].recv()

    def __call__(self, name: str, indexes: list[int]) -> list[Outcome]:
        try:
            self.connections[name].send(indexes)
            return self.connections[name].recv()
        except (EOFError, OSError):  # the pages of the run it died in go one at a time, to find the one
            self._restart(name)
            if len(indexes) > 1:
                return [outcome for index in indexes for outcome in self(name, [index])]
            print(f"bench/devset.py: {name} died on {self.pages[indexes[0]][0]['id']}: started again",
                  file=sys.stderr)
            return [("", 0.0, 0.0, True)]

    def close(self) -> None:
        for name, connection in self.connections.items():
            connection.send(None)
            self.processes[name].join(timeout=30)


Speeds = dict[str, float]


def run(names: list[str], pages: list[tuple[dict, str]], chunk: int = CHUNK, same_process: bool = False,
        rounds: int = 1) -> tuple[dict[str, dict[str, str]], Speeds, Speeds, dict[str, int]]:
    """Every extractor on every page, `chunk` pages at a time and in turn (the order rotating from one run of
    pages to the next), so that the load of a shared machine falls on all of them alike; `rounds` times, each
    run of pages timed by its best round (a load spike only ever adds time; a run of 16 pages keeps each
    extractor's own pauses, such as its garbage collections, inside it). Per extractor: predictions by page
    id (from the first round), pages per second by elapsed time and by CPU time, and how many pages raised
    (scored as empty) in the first round."""
    out: dict[str, dict[str, str]] = {name: {} for name in names}
    best: dict[tuple[str, int], tuple[float, float]] = {}  # (extractor, first page of the run) -> times
    failures = dict.fromkeys(names, 0)
    if same_process:
        warm_up(names, pages)
        workers = None
    else:
        workers = Workers(names, pages)
    try:
        for round_ in range(rounds):
            for turn, start in enumerate(range(0, len(pages), chunk)):
                indexes = list(range(start, min(start + chunk, len(pages))))
                for name in names[turn % len(names):] + names[:turn % len(names)]:
                    outcomes = workers(name, indexes) if workers else \
                        [timed(name, *pages[i]) for i in indexes]
                    seconds = sum(outcome[1] for outcome in outcomes)
                    cpu_seconds = sum(outcome[2] for outcome in outcomes)
                    known = best.get((name, start))
                    best[name, start] = (min(known[0], seconds), min(known[1], cpu_seconds)) if known else \
                        (seconds, cpu_seconds)
                    if round_ == 0:
                        for index, (text, _, _, failed) in zip(indexes, outcomes, strict=True):
                            out[name][pages[index][0]["id"]] = text
                            failures[name] += failed
    finally:
        if workers:
            workers.close()
    elapsed = {n: sum(times[0] for (name, _), times in best.items() if name == n) for n in names}
    cpu = {n: sum(times[1] for (name, _), times in best.items() if name == n) for n in names}
    pps = {n: len(pages) / elapsed[n] if elapsed[n] else float("inf") for n in names}
    cpu_pps = {n: len(pages) / cpu[n] if cpu[n] else float("inf") for n in names}
    return out, pps, cpu_pps, failures


def score(scorer: ModuleType, pages: list[tuple[dict, str]], predictions: dict[str, str]
          ) -> tuple[dict[str, tuple[float, float, float]], list[dict]]:
    """Per dataset (and OVERALL) precision, recall, F1 on the full-body pages; per-page rows."""
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    per_page = []
    for truth, _ in pages:
        if not isinstance(truth.get("body"), str):
            continue
        p, r = scorer.shingle_pr(truth["body"], predictions.get(truth["id"], ""))
        rows[truth["source_dataset"]].append((p, r))
        per_page.append({"id": truth["id"], "dataset": truth["source_dataset"], "precision": p, "recall": r,
                         "f1": scorer.f1(p, r)})
    result = {}
    everything = [pr for values in rows.values() for pr in values]
    for dataset, values in [*sorted(rows.items()), ("OVERALL", everything)]:
        p = scorer.mean([v[0] for v in values])
        r = scorer.mean([v[1] for v in values])
        result[dataset] = (p, r, scorer.f1(p, r))
    return result, per_page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N pages of truth.jsonl")
    parser.add_argument("--only", help="comma-separated extractor names (default: all): "
                        + ",".join(EXTRACTORS))
    parser.add_argument("--per-page", type=Path,
                        help="write per-page F1 of every extractor to this JSONL file")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every run of pages this many times and keep each one's best (default 1)")
    parser.add_argument("--chunk", type=int, default=CHUNK,
                        help=f"pages each extractor reads in its turn (default {CHUNK})")
    parser.add_argument("--same-process", action="store_true",
                        help="run every extractor in this process (shared library caches; see above)")
    args = parser.parse_args()
    if not (DEVSET / "truth.jsonl").is_file():
        print(f"bench/devset.py: no development set at {DEVSET} (set NEWSWATCH_SHARED)", file=sys.stderr)
        return 2
    names = args.only.split(",") if args.only else list(EXTRACTORS)
    for name, module in OPTIONAL.items():
        if name in names and importlib.util.find_spec(module) is None:
            print(f"bench/devset.py: {name} not installed (pip install -e '.[bench]'): left out",
                  file=sys.stderr)
            names.remove(name)
    unknown = [n for n in names if n not in EXTRACTORS]
    if unknown:
        print(f"bench/devset.py: unknown extractor(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    scorer = load_scorer()
    pages = load_pages(args.limit)
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    by_page: dict[str, dict[str, float]] = defaultdict(dict)
    predictions, speed, cpu_speed, failures = run(names, pages, args.chunk, args.same_process, args.rounds)
    for name in names:
        results[name], rows = score(scorer, pages, predictions[name])
        for row in rows:
            by_page[row["id"]][name] = row["f1"]
        print(f"{name}: {speed[name]:.1f} pages/s ({cpu_speed[name]:.1f} per CPU second), "
              f"{failures[name]} page(s) raised", file=sys.stderr)
    datasets = list(next(iter(results.values())))
    width = max(22, max(len(n) for n in names) + 2)
    print(f"{len(pages)} pages ({sum(isinstance(t.get('body'), str) for t, _ in pages)} with a full body); "
          "body F1 (P/R) per dataset")
    print(f"{'dataset':<24}" + "".join(f"{n:>{width}}" for n in names))
    for dataset in datasets:
        cells = [f"{f1:.3f} ({p:.2f}/{r:.2f})" for p, r, f1 in (results[n][dataset] for n in names)]
        print(f"{dataset:<24}" + "".join(f"{cell:>{width}}" for cell in cells))
    print(f"{'overall F1, 4 places':<24}" + "".join(f"{results[n]['OVERALL'][2]:>{width}.4f}" for n in names))
    for label, figures in (("", speed), (" (CPU)", cpu_speed)):
        base = figures.get("trafilatura")
        print(f"{'pages/s' + label:<24}" + "".join(f"{figures[n]:>{width}.1f}" for n in names))
        if base:
            print(f"{'speed vs trafilatura' + label:<24}"
                  + "".join(f"{figures[n] / base:>{width}.2f}" for n in names))
    if "ours" in names and "trafilatura" in names:
        bad = sorted(pid for pid, f in by_page.items()
                     if f.get("trafilatura", 0) > 0.9 and f.get("ours", 1) < 0.5)
        print(f"pages where trafilatura > 0.9 and ours < 0.5: {len(bad)} {' '.join(bad[:12])}")
    if args.per_page:
        with args.per_page.open("w", encoding="utf-8") as out:
            for pid, scores in by_page.items():
                out.write(json.dumps({"id": pid, **scores}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
