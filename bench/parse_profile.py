"""Parser timing: `parse_article` in CPU milliseconds per page, on recorded pages and on generated ones.

Run from the repository root:

    .venv/bin/python bench/parse_profile.py                          # this tree only
    .venv/bin/python bench/parse_profile.py --against HEAD           # and a git revision, ratio old/new
    .venv/bin/python bench/parse_profile.py --against ../old-copy    # or another checkout (a directory)
    .venv/bin/python bench/parse_profile.py --profile 25             # then cProfile's top 25 functions

Page sets: `recorded` (the article pages of bench/extraction.py, read from ../shared or $NEWSWATCH_SHARED;
Liputan6, BBC and other sites), `recorded-liputan6` (their Liputan6 part) and `generated` (bench/sitegen.py's
`BenchSite.build(200)`: ~300 KB Liputan6 pages, the crawl benchmark's pages).

The pages are written once to a temporary file; each tree is timed in its own Python process (its `crawler`
package first on the path), the processes alternating so a load spike on a shared machine hits both alike.
A set's figure is its best round, in CPU time of the timing process (wall time on a shared machine swings
with other jobs' load). With `--against`, it also says on how many pages the two trees' articles
differ: a speed-up must not change any output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GENERATED_PAGES = 200


# -- the worker: runs in a child process, imports `crawler` from the tree it is given --

def _parser() -> Any:
    """The tree's parse_article, wherever that tree keeps it (crawler/pages/ before the package split)."""
    try:
        from crawler.extract.pages import parse_article
    except ImportError:
        from crawler.pages import parse_article  # type: ignore[no-redef]
    return parse_article


def _outcome(url: str, html: str) -> str:
    """A digest of what the parser makes of a page (the article, or the error it raises)."""
    parse_article = _parser()
    try:
        text = repr(parse_article(url, html))
    except Exception as exc:  # an error is an outcome too: the same error before and after
        text = f"{type(exc).__name__}: {exc}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def worker(pages_file: Path) -> None:
    """Serve timing requests on stdin/stdout: first one JSON line with the outcome digest of every page
    (also the warm-up round), then, for each page-set name read from stdin, its time in seconds."""
    import crawler

    parse_article = _parser()
    pages: list[dict[str, str]] = [json.loads(line) for line in pages_file.read_text("utf-8").splitlines()]
    sets: dict[str, list[dict[str, str]]] = {}
    for page in pages:
        for name in page["sets"].split(","):
            sets.setdefault(name, []).append(page)
    digests = [_outcome(p["url"], p["html"]) for p in pages]
    print(json.dumps({"crawler": str(Path(crawler.__file__).parent), "digests": digests,
                      "counts": {name: len(members) for name, members in sets.items()}}), flush=True)
    for line in sys.stdin:
        # CPU time of this process, not wall time: on a shared machine a wall clock also counts the time
        # other jobs held the CPU, which swings figures by 2x from one round to the next.
        start = time.process_time()
        for page in sets[line.strip()]:
            try:
                parse_article(page["url"], page["html"])
            except Exception:
                continue
        print(time.process_time() - start, flush=True)


class Worker:
    """A child process timing one tree's parser, its `crawler` package first on the path."""

    def __init__(self, tree: Path, pages_file: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", str(pages_file)], env=env,
                                        cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdin is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        hello: dict[str, Any] = json.loads(self.stdout.readline())
        if Path(hello["crawler"]).resolve() != (tree / "crawler").resolve():
            self.close()
            raise RuntimeError(f"the worker imported {hello['crawler']}, not the tree {tree}")
        self.digests: list[str] = hello["digests"]
        self.counts: dict[str, int] = hello["counts"]
        self.best = {name: float("inf") for name in self.counts}

    def time(self, name: str) -> None:
        self.stdin.write(name + "\n")
        self.stdin.flush()
        self.best[name] = min(self.best[name], float(self.stdout.readline()))

    def close(self) -> None:
        self.stdin.close()
        self.process.wait(timeout=60)


# -- the driver --

def collect_pages() -> list[dict[str, str]]:
    """The pages to time, each with the sets it belongs to."""
    from bench.extraction import FIXTURES, bench_pages
    from bench.sitegen import BenchSite, joined
    from crawler.extract.decoding import decode_html

    pages: list[dict[str, str]] = []
    if FIXTURES.is_dir():
        for page in bench_pages():
            html = decode_html((FIXTURES / page.relative).read_bytes())
            sets = "recorded,recorded-liputan6" if page.relative.startswith("liputan6/") else "recorded"
            pages.append({"sets": sets, "url": page.url, "html": html})
    else:
        print(f"recorded pages not found at {FIXTURES}: timing generated pages only", file=sys.stderr)
    site = BenchSite.build(GENERATED_PAGES)
    for article in site.articles:
        body = site.page(article.path)
        assert body is not None
        pages.append({"sets": "generated", "url": article.url, "html": joined(body).decode("utf-8")})
    return pages


def tree_of(ref: str, scratch: Path) -> Path:
    """A directory holding a `crawler` package: `ref` itself if it is one, else a git revision exported."""
    path = Path(ref)
    if (path / "crawler" / "__init__.py").is_file():
        return path.resolve()
    archive = scratch / "against.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref, "crawler"], stdout=out,
                       check=True)
    target = scratch / "against"
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def profile(pages: list[dict[str, str]], top: int) -> None:
    import cProfile
    import pstats

    from crawler.extract.pages import parse_article

    generated = [p for p in pages if p["sets"] == "generated"]
    profiler = cProfile.Profile()
    profiler.enable()
    for page in generated:
        parse_article(page["url"], page["html"])
    profiler.disable()
    print(f"\ncProfile over {len(generated)} generated pages, top {top} by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git revision or a directory holding another `crawler` package")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per page set (default 5)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="then profile this tree on the generated pages and print the top N functions")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        worker(args.worker)
        return 0

    sys.path.insert(0, str(REPO))
    pages = collect_pages()
    with tempfile.TemporaryDirectory(prefix="parse-profile-") as scratch_dir:
        scratch = Path(scratch_dir)
        pages_file = scratch / "pages.jsonl"
        pages_file.write_text("".join(json.dumps(p) + "\n" for p in pages), "utf-8")
        trees = {"this tree": REPO}
        if args.against:
            trees["against"] = tree_of(args.against, scratch)
        workers: dict[str, Worker] = {}
        try:
            for name, tree in trees.items():
                workers[name] = Worker(tree, pages_file)
            # Round by round and set by set, the trees take turns: both see the same machine load.
            for _ in range(max(args.rounds, 1)):
                for set_name in workers["this tree"].counts:
                    for each in workers.values():
                        each.time(set_name)
        finally:
            for each in workers.values():
                each.close()

    mine = workers["this tree"]
    header = f"{'set (CPU ms/page)':<18} {'pages':>5} {'this tree':>10}"
    if args.against:
        header += f" {'against':>10} {'speed-up':>9}"
    print(header)
    for name, seconds in mine.best.items():
        count = mine.counts[name]
        line = f"{name:<18} {count:>5} {seconds * 1000 / count:>10.2f}"
        if args.against:
            theirs = workers["against"].best[name]
            line += f" {theirs * 1000 / count:>10.2f} {theirs / seconds:>8.2f}x"
        print(line)
    if args.against:
        differ = sum(a != b for a, b in zip(mine.digests, workers["against"].digests, strict=True))
        print(f"\narticles that differ between the trees: {differ} of {len(pages)} pages "
              f"(against: {args.against})")
    if args.profile:
        profile(pages, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
