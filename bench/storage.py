"""Storage throughput on PostgreSQL against SQLite: one single-worker crawl into each, and the store alone.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, trust auth, as on the development machines):

    .venv/bin/python bench/storage.py                    # 400 pages of ~60 KB, 3 rounds per engine
    .venv/bin/python bench/storage.py --quick            # smoke run: 40 small pages, 1 round
    .venv/bin/python bench/storage.py --pg-admin postgresql://postgres@db.example:5432/postgres

What it measures, alternating the engines round by round (the best round of each counts; these machines are
shared and noisy, so read the ratios, not the absolute figures):
- crawl: `python -m crawler crawl` (one process, the full pipeline: parser, cleaner, relevance, storage) of a
  loopback Liputan6-style site (bench/sitegen.py, served by bench/crawl.py's server), once into a fresh SQLite
  file and once into a fresh PostgreSQL database; pages per second of Scrapy's elapsed time;
- store: Store.save_article of N new articles then N changed versions (one transaction each, as the crawl's
  pipeline does), in this process; articles per second.
The target: PostgreSQL within 20% of SQLite on the crawl (ratio PG/SQLite >= 0.8). Each PostgreSQL database is
created for the round and dropped after it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(REPO))

from bench.crawl import (  # noqa: E402
    SINCE,
    BenchServer,
    bench_config,
    common_settings,
    crawl_env,
    read_stats,
    run_process,
)

TARGET = 0.8  # PostgreSQL's throughput over SQLite's, at least
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the server for one round; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"nwbench_{uuid.uuid4().hex[:10]}"

    def run(sql: str) -> None:
        with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username,
                             password=admin.password, dbname=admin.database or "postgres",
                             autocommit=True) as conn:
            conn.execute(sql.encode())

    run(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(engine: str, workdir: Path, admin_url: str, tag: str) -> Iterator[str]:
    if engine == "sqlite":
        path = workdir / f"{tag}.db"
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
    else:
        with postgres_database(admin_url) as url:
            yield url


def stored_count(url: str) -> int:
    from storage import Store

    with Store.open(url) as store:
        return store.counts()["articles"]


@dataclass
class Round:
    engine: str
    kind: str  # crawl | store
    seconds: float
    units: int  # pages fetched (crawl) or articles saved (store)
    stored: int

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0


def crawl_round(engine: str, server: BenchServer, workdir: Path, args: argparse.Namespace, n: int,
                listing_pages: int) -> Round:
    tag = f"crawl-{engine}-{n}"
    config, log_file = workdir / f"{tag}.toml", workdir / f"{tag}.log"
    log_file.unlink(missing_ok=True)
    bench_config(config, listing_pages)
    with database(engine, workdir, args.pg_admin, tag) as url:
        from storage import Store

        Store.open(url).close()  # schema made before the clock starts, as on a running installation
        cmd = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--source", "liputan6",
               "--db", url, "--route", f"www.liputan6.com={server.base('site')}", "--since", SINCE,
               "--log-file", str(log_file)]
        settings = {**common_settings(args.concurrency), "NEWSWATCH_PROGRESS": "false",
                    "DNS_RESOLVER": "crawler.crawl.routing.LoopbackOnlyResolver"}
        for name, value in settings.items():
            cmd += ["--set", f"{name}={json.dumps(value) if isinstance(value, bool) else value}"]
        code, wall, _rss = run_process(cmd, workdir, crawl_env(), workdir / f"{tag}.out", args.timeout)
        log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
        if code != 0:
            print(f"warning: the crawl into {engine} exited with {code}: see {log_file}", file=sys.stderr)
        stats = read_stats(log)
        stored = stored_count(url)
    return Round(engine, "crawl", float(stats.get("elapsed_time_seconds", wall)),
                 int(stats.get("downloader/response_count", 0)), stored)


def store_round(engine: str, workdir: Path, args: argparse.Namespace, n: int) -> Round:
    from crawler.core.items import Article
    from crawler.story.changes import classify, fingerprint
    from storage import Store

    matches = [{"topic": "kazakhstan-unrest", "terms": ["Kazakhstan", "Almaty"]}]
    paragraphs = [f"Paragraf {k} tentang kerusuhan di Almaty, Kazakhstan, dan harga gas cair." * 3
                  for k in range(12)]

    def item(i: int, version: int) -> Article:
        body = "\n\n".join([f"Laporan {i} versi {version}.", *paragraphs])
        return Article(source="liputan6", article_id=str(4_800_000 + i),
                       url=f"https://www.liputan6.com/global/read/{4_800_000 + i}/x", title=f"Kerusuhan {i}",
                       lead="Almaty", published_at="2022-01-07T08:05:00+07:00", body=body, language="id")

    with database(engine, workdir, args.pg_admin, f"store-{engine}-{n}") as url, Store.open(url) as store:
        started = time.perf_counter()
        for version in (1, 2):
            for i in range(args.saves):
                store.save_article(item(i, version), matches=matches, score=2.0,
                                   fetched_at=datetime(2022, 1, 7, 9, version, tzinfo=UTC), listing_date=None,
                                   classify=classify, version_hash=fingerprint)
        seconds = time.perf_counter() - started
        stored = store.counts()["articles"]
    return Round(engine, "store", seconds, 2 * args.saves, stored)


def summarise(rounds: list[Round]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for kind in ("crawl", "store"):
        best = {engine: max((r for r in rounds if r.kind == kind and r.engine == engine),
                            key=lambda r: r.rate) for engine in ("sqlite", "postgresql")}
        summary[kind] = {engine: {"rate": round(r.rate, 2), "seconds": round(r.seconds, 2), "units": r.units,
                                  "stored": r.stored} for engine, r in best.items()}
        sqlite_rate = best["sqlite"].rate
        summary[kind]["ratio_pg_over_sqlite"] = round(best["postgresql"].rate / sqlite_rate, 3) \
            if sqlite_rate else None
    crawl_ratio = summary["crawl"]["ratio_pg_over_sqlite"]
    same = summary["crawl"]["sqlite"]["stored"] == summary["crawl"]["postgresql"]["stored"]
    summary["ok"] = bool(crawl_ratio is not None and crawl_ratio >= TARGET and same)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=400, help="article pages of the site (400)")
    parser.add_argument("--page-kb", type=int, default=60, help="approximate page size in KB (60)")
    parser.add_argument("--relevant-every", type=int, default=2, help="one page in this many is on topic (2)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (8)")
    parser.add_argument("--saves", type=int, default=300, help="articles the store round saves, twice (300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per engine; the best counts (3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 40 pages of ~20 KB, 1 round")
    parser.add_argument("--pg-admin", default=ADMIN_URL, help=f"PostgreSQL admin URL ({ADMIN_URL})")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a crawl is killed")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages, args.page_kb, args.rounds, args.saves = 40, 20, 1, 40

    from bench.sitegen import BenchSite

    site = BenchSite.build(args.pages, page_bytes=args.page_kb * 1000, relevant_every=args.relevant_every)
    print(f"storage benchmark: {site.count} Liputan6-style pages of ~{args.page_kb} KB "
          f"({len(site.relevant_ids())} on the topic), one crawl process, concurrency {args.concurrency}; "
          f"store: {args.saves} articles saved twice; {args.rounds} round(s) per engine, alternating")
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-storage-") as tmp, \
            BenchServer({"site": site}) as server:
        workdir = Path(tmp)
        for n in range(max(args.rounds, 1)):
            for engine in (("sqlite", "postgresql") if n % 2 == 0 else ("postgresql", "sqlite")):
                crawled = crawl_round(engine, server, workdir, args, n, site.listing_pages)
                saved = store_round(engine, workdir, args, n)
                rounds += [crawled, saved]
                print(f"round {n + 1} {engine:10}: crawl {crawled.units} pages in {crawled.seconds:.1f} s "
                      f"({crawled.rate:.1f}/s, {crawled.stored} stored); store {saved.units} saves in "
                      f"{saved.seconds:.1f} s ({saved.rate:.0f}/s)")
    summary = summarise(rounds)
    for kind, unit in (("crawl", "pages/s"), ("store", "saves/s")):
        part = summary[kind]
        print(f"{kind}: SQLite {part['sqlite']['rate']} {unit}, PostgreSQL {part['postgresql']['rate']} "
              f"{unit}: PG/SQLite {part['ratio_pg_over_sqlite']}")
    print(f"target: PostgreSQL within 20% of SQLite on the crawl (ratio >= {TARGET}), same articles stored: "
          f"{'met' if summary['ok'] else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
