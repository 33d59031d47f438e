"""Generic extraction on the development set: our generic path against single extractors, in one run.

    .venv/bin/python bench/devset.py                     # every page, every extractor
    .venv/bin/python bench/devset.py --limit 100         # the first 100 pages (quicker)
    .venv/bin/python bench/devset.py --only ours,trafilatura --per-page /tmp/pages.jsonl

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
of each extractor over the same pages in this run (parse included), by elapsed time and by CPU time (on a
shared machine compare the ratios, and prefer the CPU ones: the elapsed ones move with the others' load).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
DEVSET = SHARED / "devsets" / "generic"

Extractor = Callable[[str | None, str], str]


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


def run(name: str, extract: Extractor, pages: list[tuple[dict, str]]
        ) -> tuple[dict[str, str], float, float, int]:
    """Predictions by page id, pages per second (elapsed and CPU time), and how many pages raised (scored as
    empty). The CPU figure is the one to compare on a shared machine: other work slows the elapsed time of
    whichever extractor runs while it does, not the CPU time each one uses."""
    out: dict[str, str] = {}
    failures = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for row, html in pages:
        try:
            out[row["id"]] = extract(row.get("url"), html)
        except Exception:  # a crash on one page scores it empty; the run goes on
            out[row["id"]] = ""
            failures += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return (out, len(pages) / elapsed if elapsed else float("inf"), len(pages) / cpu if cpu else float("inf"),
            failures)


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
    for _ in range(min(3, len(pages))):  # warm-up: imports and model loads are not pages/s
        for name in names:
            EXTRACTORS[name](pages[0][0].get("url"), pages[0][1])
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    speed: dict[str, float] = {}
    cpu_speed: dict[str, float] = {}
    by_page: dict[str, dict[str, float]] = defaultdict(dict)
    for name in names:
        predictions, pps, cpu_pps, failures = run(name, EXTRACTORS[name], pages)
        results[name], rows = score(scorer, pages, predictions)
        speed[name], cpu_speed[name] = pps, cpu_pps
        for row in rows:
            by_page[row["id"]][name] = row["f1"]
        print(f"{name}: {pps:.1f} pages/s ({cpu_pps:.1f} per CPU second), {failures} page(s) raised",
              file=sys.stderr)
    datasets = list(next(iter(results.values())))
    width = max(22, max(len(n) for n in names) + 2)
    print(f"{len(pages)} pages ({sum(isinstance(t.get('body'), str) for t, _ in pages)} with a full body); "
          "body F1 (P/R) per dataset")
    print(f"{'dataset':<24}" + "".join(f"{n:>{width}}" for n in names))
    for dataset in datasets:
        cells = [f"{f1:.3f} ({p:.2f}/{r:.2f})" for p, r, f1 in (results[n][dataset] for n in names)]
        print(f"{dataset:<24}" + "".join(f"{cell:>{width}}" for cell in cells))
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
