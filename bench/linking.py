"""Development linking benchmark: precision and recall of crawler/story/developments.py on a labelled set.

    .venv/bin/python bench/linking.py              # every pair, every arrival order
    .venv/bin/python bench/linking.py --explain    # also each wrong pair with its signals

The set (bench/data/linking_pairs.jsonl) is pairs of article ids, each labelled "same" (the two report the
same development) or "different", with the reason. Ids name articles, never their text:
`demo:<site>:<id>` is a demo-site article as first published (crawler/demo/content/*.toml),
`fixture:<path>` a recorded page under ../shared/fixtures (read and parsed here, never copied), and
`bench:<id>` one of the short follow-ups written for this benchmark (bench/data/linking_articles.toml).

Labelling rule: a development is one event or announcement, with its later revisions (the detention count,
5,800 then nearly 10,000, is one development). An article reports the development its headline (title and
lead) reports; background in the body does not count. Two articles are "same" when they report the same
development, whatever their outlet or language; "different" otherwise. The hard negatives are pairs on the
same story (or the same subject: protests, LPG prices, Covid-19, weather warnings) that report different
developments, most of them published within 36 hours of each other.

Evaluation as the product links: the articles are fed one by one to the linker, each joining the
development of its best candidate (published within the window) or starting one, and a pair counts as
linked when both end in the same development. Arrival order matters, so three orders are run: by
publication time (live: each article as first published, compared with the others as they read then), and,
as a backfill after the fact stores them (every article in its latest version), source by source and newest
first. Topics are ignored
(the store only offers candidates sharing a topic, so this is the harder case). Precision and recall are over
the labelled pairs; the pairwise score (compare() of the two articles alone against the threshold) is shown
too.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.core.items import Article
from crawler.demo.catalog import all_articles
from crawler.story.developments import DevelopmentLinker, compare, explain, hours_apart
from storage.records import LinkCandidate

DATA = Path(__file__).resolve().parent / "data"
PAIRS = DATA / "linking_pairs.jsonl"
ARTICLES = DATA / "linking_articles.toml"
SHARED_FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
TARGET_PRECISION, TARGET_RECALL = 0.95, 0.85
DEMO_LANGUAGES = {"liputan6": "id", "bbc": "en", "caspian": "en"}
# Recorded pages in the set, with the address each was published at (the parsers need it).
FIXTURE_URLS = {
    "liputan6/m_global_read_4464894__m.liputan6-detail.html": "https://m.liputan6.com/global/read/4464894/x",
    "liputan6/m_tekno_read_4804339__read-page.html": "https://m.liputan6.com/tekno/read/4804339/x",
    "bbc/keepcosmos-readability_bbc_business-36108166.html": "https://www.bbc.com/news/business-36108166",
    "bbc/trafilatura_bbc.com.52241221.html": "https://www.bbc.com/news/world-us-canada-52241221",
    "bbc/fundus/BBC_2026_04_25.html": "https://www.bbc.com/news/articles/clymn8zyrp9o",
}


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    languages: str
    reason: str


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            if raw["label"] not in ("same", "different"):
                raise ValueError(f"{path}: label must be same or different: {raw}")
            pairs.append(Pair(raw["a"], raw["b"], raw["label"] == "same", raw["languages"], raw["reason"]))
    return pairs


# Later versions of demo articles (id -> [(modified, article)]): a candidate is compared as it read when the
# new article came out, as the store refreshes a revised article's features.
REVISIONS: dict[str, list[tuple[str, Article]]] = {}


def _demo_article(demo: Any, version: Any) -> Article:
    return Article(source=demo.site, article_id=demo.id, url=demo.url, title=version.title, lead=version.lead,
                   published_at=demo.published.isoformat(), language=DEMO_LANGUAGES.get(demo.site),
                   body="\n\n".join(version.paragraphs))


def load_articles(ids: Iterable[str], fixtures: Path = SHARED_FIXTURES) -> dict[str, Article]:
    """The articles behind the ids (demo articles as first published, fixtures parsed, bench follow-ups)."""
    wanted = set(ids)
    found: dict[str, Article] = {}
    for demo in all_articles():
        key = f"demo:{demo.site}:{demo.id}"
        if key in wanted:
            found[key] = _demo_article(demo, demo.at(demo.step))
            REVISIONS[key] = [(update.modified.astimezone(UTC).isoformat(timespec="seconds"),
                               _demo_article(demo, demo.at(update.step))) for update in demo.updates]
    for raw in tomllib.loads(ARTICLES.read_text(encoding="utf-8"))["article"]:
        key = f"bench:{raw['id']}"
        if key in wanted:
            found[key] = Article(source=raw["source"], article_id=raw["id"], url=f"https://bench.invalid/{raw['id']}",
                                 title=raw["title"], lead=raw["lead"], published_at=raw["published"],
                                 language=raw["language"], body="\n\n".join(raw["body"]))
    fixture_ids = [key for key in wanted if key.startswith("fixture:")]
    if fixture_ids:
        from crawler.extract.pages import parse_article

        for key in fixture_ids:
            relative = key.removeprefix("fixture:")
            path = fixtures / relative
            if not path.exists():
                raise FileNotFoundError(f"recorded page missing: {path} (../shared/fixtures)")
            found[key] = parse_article(FIXTURE_URLS[relative], path.read_bytes().decode("utf-8", "replace"))
    missing = wanted - found.keys()
    if missing:
        raise KeyError(f"unknown article ids in the set: {sorted(missing)}")
    return found


def _published(article: Article) -> str:
    text = (article.published_at or "1970-01-01T00:00:00+00:00").replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


ORDERS: dict[str, Callable[[dict[str, Article]], list[str]]] = {
    "published": lambda arts: sorted(arts, key=lambda k: (_published(arts[k]), k)),
    "by-source": lambda arts: sorted(arts, key=lambda k: (arts[k].source, _published(arts[k]), k)),
    "newest-first": lambda arts: sorted(arts, key=lambda k: (_published(arts[k]), k), reverse=True),
}


def cluster(articles: dict[str, Article], order: Sequence[str], linker: DevelopmentLinker,
            live: bool = True) -> dict[str, int]:
    """Feed the articles to the linker in `order`, as the store does; returns id -> development.

    live: articles arrive as they are published (each as first published; a candidate as it read then);
    otherwise a backfill after the fact, every article in its latest version."""
    if not live:
        articles = {key: (REVISIONS[key][-1][1] if REVISIONS.get(key) else a) for key, a in articles.items()}
    features = {key: linker.features(articles[key], _published(articles[key])) for key in articles}
    revised = {key: [(when, linker.features(version, _published(articles[key])))
                     for when, version in REVISIONS.get(key, [])] for key in articles} if live else {}
    development: dict[str, int] = {}
    seen: list[str] = []
    for index, key in enumerate(order):
        candidates = []
        now = features[key]["published"]
        for number, other in enumerate(seen):
            hours = hours_apart(now, features[other]["published"])
            if hours is not None and hours <= linker.window_hours:
                current = features[other]
                for when, version in revised.get(other, []):
                    if when <= now:
                        current = version
                candidates.append(LinkCandidate(number, development[other], articles[other].source,
                                                str(articles[other].article_id), current["published"],
                                                current))
        decision = linker.decide(features[key], candidates)
        development[key] = decision.development_id if decision.development_id is not None else index
        seen.append(key)
    return development


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int
    wrong: tuple[Pair, ...]

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score(pairs: Sequence[Pair], linked: Callable[[Pair], bool]) -> Score:
    tp = fp = fn = 0
    wrong = []
    for pair in pairs:
        predicted = linked(pair)
        if predicted and pair.same:
            tp += 1
        elif predicted:
            fp += 1
            wrong.append(pair)
        elif pair.same:
            fn += 1
            wrong.append(pair)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Score(precision, recall, tp, fp, fn, tuple(wrong))


def evaluate(pairs: Sequence[Pair], articles: dict[str, Article] | None = None,
             linker: DevelopmentLinker | None = None) -> dict[str, Score]:
    """Precision and recall per arrival order, and pairwise."""
    linker = linker or DevelopmentLinker()
    articles = articles if articles is not None else load_articles({i for p in pairs for i in (p.a, p.b)})
    results = {}
    for name, order in ORDERS.items():
        developments = cluster(articles, order(articles), linker, live=name == "published")
        results[name] = score(pairs, lambda p, d=developments: d[p.a] == d[p.b])  # type: ignore[misc]
    features = {k: linker.features(a, _published(a)) for k, a in articles.items()}
    results["pairwise"] = score(pairs, lambda p: compare(features[p.a], features[p.b])[0] >= linker.threshold)
    # pairwise: the two articles alone, as first published
    return results


def _why(pair: Pair, articles: dict[str, Article], linker: DevelopmentLinker) -> str:
    first, second = (linker.features(articles[k], _published(articles[k])) for k in (pair.a, pair.b))
    value, signals = compare(first, second)
    return f"{value:.2f}: {explain([s.as_dict() for s in signals])}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--explain", action="store_true", help="Show every wrong pair with its signals.")
    args = parser.parse_args(argv)
    pairs = load_pairs()
    articles = load_articles({i for p in pairs for i in (p.a, p.b)})
    linker = DevelopmentLinker()
    same = sum(p.same for p in pairs)
    kinds: dict[str, int] = {}
    for p in pairs:
        kinds[f"{'same' if p.same else 'different'} {p.languages}"] = kinds.get(
            f"{'same' if p.same else 'different'} {p.languages}", 0) + 1
    print(f"linking: {len(pairs)} labelled pairs ({same} same, {len(pairs) - same} different) over "
          f"{len(articles)} articles; " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
    print(f"threshold {linker.threshold}, window {linker.window_hours:.0f} h; "
          f"targets precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL}")
    worst_ok = True
    own = [p for p in pairs if not (p.a.startswith("bench:") or p.b.startswith("bench:"))]
    own_title = f"demo site and recorded pages only ({len(own)} pairs, no bench follow-ups)"
    for title, subset in (("all pairs", pairs), (own_title, own)):
        print(f"{title}:")
        results = evaluate(subset, articles, linker)
        for name, result in results.items():
            ok = result.precision >= TARGET_PRECISION and result.recall >= TARGET_RECALL
            if name != "pairwise":
                worst_ok = worst_ok and ok
            note = "  (each pair alone, first versions: informational)" if name == "pairwise" else \
                ("" if ok else "  BELOW TARGET")
            print(f"  {name:<13} precision {result.precision:.3f}  recall {result.recall:.3f}  "
                  f"F1 {result.f1:.3f}  (tp {result.true_positives}, fp {result.false_positives}, "
                  f"fn {result.false_negatives}){note}")
            if args.explain:
                for pair in result.wrong:
                    kind = "missed" if pair.same else "wrongly linked"
                    print(f"      {kind}: {pair.a} / {pair.b} ({pair.reason}) -> "
                          f"{_why(pair, articles, linker)}")
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
