"""Dashboard benchmark: server time of a topic page over 10,000 stored articles.

    .venv/bin/python bench/serve.py                  # 10,000 articles, 20 timed requests per page
    .venv/bin/python bench/serve.py --articles 2000  # quicker

Builds a SQLite database in a temporary folder through the real Store (articles over 90 days from two
sources, one in ten revised once), then requests pages through the real Starlette application in-process
(no socket: server time only) and reports the median. The baseline, measured in the same run, is the query
`newswatch articles list --topic T --limit 50` makes (Store.list_articles): the topic page's figure is also
given as a ratio to it, since absolute times on this shared machine swing with its load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.core.items import Article
from crawler.story.changes import classify
from storage import Store
from storage.coverage import CoverageReader

TOPIC = "kazakhstan-unrest"
WORDS = [
    "Almaty",
    "protest",
    "fuel",
    "price",
    "CSTO",
    "Tokayev",
    "curfew",
    "detained",
    "government",
    "resign",
    "troops",
    "airport",
    "Nur-Sultan",
    "internet",
    "blackout",
    "emergency",
    "square",
    "police",
    "unrest",
]


def build(url: str, count: int) -> None:
    store = Store.open(url)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    matches = [{"topic": TOPIC, "terms": ["Kazakhstan"], "score": 5.0}]
    try:
        for n in range(count):
            source = "liputan6" if n % 2 else "bbc"
            when = start + timedelta(minutes=13 * n % (90 * 24 * 60))
            body = "\n\n".join(" ".join(WORDS[(n + k + j) % len(WORDS)] for j in range(40)) for k in range(8))
            article = Article(source=source, article_id=str(100000 + n), url=f"https://example.org/{source}/{n}",
                              title=f"Kazakhstan story {n}: {WORDS[n % len(WORDS)]}", lead="A lead.",
                              published_at=when.isoformat(), language="id" if source == "liputan6" else "en",
                              body=body)
            store.save_article(article, matches=matches, score=5.0, fetched_at=when, listing_date=None,
                               classify=classify)
            if n % 10 == 0:
                revised = Article(**{**article.__dict__, "body": body + "\n\nA paragraph added later.",
                                     "modified_at": (when + timedelta(hours=3)).isoformat()})
                store.save_article(revised, matches=matches, score=5.0, fetched_at=when + timedelta(hours=3),
                                   listing_date=None, classify=classify)
    finally:
        store.close()


def median_ms(call: Callable[[], object], rounds: int) -> float:
    call()  # warm-up: templates compiled, pages cached by SQLite
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from crawler.web.app import create_app

    with tempfile.TemporaryDirectory() as temp:
        url = f"sqlite:///{Path(temp) / 'bench.db'}"
        began = time.perf_counter()
        build(url, args.articles)
        print(f"built {args.articles} articles in {time.perf_counter() - began:.1f}s")
        reader = CoverageReader.open(url)
        store = Store.open(url)
        client = TestClient(create_app(reader, {TOPIC: "bench"}))
        pages = {"topic page": f"/topics/{TOPIC}", "index": "/", "article page": "/articles/bbc/100000",
                 "diff page": "/articles/bbc/100000/diff", "search": "/search?q=CSTO+Almaty"}

        def get(path: str) -> Callable[[], object]:
            def call() -> object:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return response
            return call

        baseline = median_ms(lambda: store.list_articles(topic=TOPIC, limit=50), args.rounds)
        print(f"baseline (articles list --topic --limit 50 query): {baseline:.1f} ms")
        for name, path in pages.items():
            ms = median_ms(get(path), args.rounds)
            print(f"{name:13s} {ms:8.1f} ms  ({ms / baseline:5.1f}x the baseline)")
        store.close()
        reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
