"""Crawl throughput benchmark: a bare Scrapy spider (a) against the full newswatch pipeline (b), one site.

Run from the repository root:

    .venv/bin/python bench/crawl.py                       # 2000 pages of ~300 KB, and the 500-page subset
    .venv/bin/python bench/crawl.py --pages 1000 --compare-sizes none
    .venv/bin/python bench/crawl.py --quick               # smoke run: 20 small pages, about 20 s
    .venv/bin/python bench/crawl.py --profile             # then the full crawl again under cProfile
    .venv/bin/python bench/crawl.py --parse-workers 0     # newswatch parsing in its own process (no pool)

What it does:
- builds N Liputan6-style article pages (bench/sitegen.py: the parser's markup, ~300 KB each with the inline
  CSS/JS/menus real pages carry, one page in 8 about the January 2022 unrest in Kazakhstan) and a tag
  listing of 20 rows a page linking them all, and serves them from memory on 127.0.0.1 (a threaded server,
  one path prefix per site size);
- (a) `python -m scrapy runspider bench/crawl.py`: BareSpider walks the listing, fetches every article and
  selects its <h1>; Scrapy's default settings, no project;
- (b) `python -m crawler crawl --since 2022-01-01 --route www.liputan6.com=<server>`: the newswatch spider,
  parser, cleaner, relevance and storage into a fresh SQLite database, through the routing handler;
- both with delays and AutoThrottle off, robots.txt off, the same concurrency, each in its own process.

It prints, per site size: responses, crawl time (Scrapy's elapsed_time_seconds: process start-up excluded,
shown apart as wall time), pages per second, peak RSS of the crawl process (its rusage from wait4, exact,
no polling) and the database size; then the ratio (b)/(a), the memory growth between the smallest and the
largest size, and the server's own CPU time per request (it must not be the bottleneck). These machines are
shared and noisy: read the ratios, not the absolute figures. `--json FILE` writes everything as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response

if TYPE_CHECKING:
    from bench.sitegen import BenchSite

REPO = Path(__file__).resolve().parent.parent
REAL_BASE = "https://www.liputan6.com"
SINCE = "2022-01-01"
RATIO_TARGET, RATIO_AIM = 0.5, 0.8
MEMORY_FLAT = 1.25  # peak RSS at the largest size over the smallest: above this, memory grows with N
# Scrapy stats read from the crawl's log (its "Dumping Scrapy stats" block).
STAT_KEYS = ("elapsed_time_seconds", "downloader/response_count", "downloader/response_bytes",
             "item_scraped_count", "item_dropped_count", "newswatch/article/parsed", "newswatch/articles/new",
             "newswatch/articles/irrelevant", "newswatch/article/no_article", "log_count/ERROR",
             # The parse workers (crawler/crawl/parsepool.py): no children of the crawl, so wait4 leaves
             # them out; the pool reports their CPU and peak memory itself.
             "newswatch/parse_pool/worker_cpu_seconds", "newswatch/parse_pool/worker_peak_rss_mb")


# -- (a) the bare spider, run by `scrapy runspider` on this file --

class BareSpider(scrapy.Spider):
    """Walks the tag listing page by page until an empty one, fetches every article, selects its title.

    Arguments: `listing`, the served listing URL with {page}; `served`, the server base that stands in for
    https://www.liputan6.com in the listing's links (a string replace: the bare counterpart of a route).
    """

    name = "bench_bare"

    def __init__(self, listing: str = "", served: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.listing = listing
        self.served = served

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.listing.format(page=1), callback=self.parse_listing, cb_kwargs={"page": 1})

    def parse_listing(self, response: Response, page: int) -> Iterator[Any]:
        links = response.xpath('//article[contains(@class, "articles--rows--item")]//h4/a/@href').getall()
        if not links:
            return
        for href in links:
            # Articles before further listing pages, as the newswatch spider does (priority 1).
            yield scrapy.Request(href.replace(REAL_BASE, self.served, 1), callback=self.parse_article,
                                 priority=1)
        yield scrapy.Request(self.listing.format(page=page + 1), callback=self.parse_listing,
                             cb_kwargs={"page": page + 1})

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {"title": response.css("h1::text").get()}


# -- the server --

@dataclass
class ServerLoad:
    requests: int = 0
    bytes: int = 0
    cpu: float = 0.0  # CPU seconds the handler threads spent (parsing requests, writing responses)
    wall: float = 0.0  # seconds from a request's handler start to its last byte written


class _Handler(BaseHTTPRequestHandler):
    server: BenchServer
    protocol_version = "HTTP/1.1"  # keep-alive: Scrapy reuses its connections

    def handle_one_request(self) -> None:
        # thread_time counts this thread's CPU only: waiting for the next request on a kept-alive
        # connection costs nothing here.
        cpu = time.thread_time()
        super().handle_one_request()
        self.server.add(cpu=time.thread_time() - cpu)

    def do_GET(self) -> None:
        start = time.perf_counter()
        prefix, _, rest = self.path.lstrip("/").partition("/")
        site = self.server.sites.get(prefix)
        body = site.page("/" + rest) if site is not None else None
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.server.add(requests=1, wall=time.perf_counter() - start)
            return
        length = sum(map(len, body))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        for chunk in body:
            self.wfile.write(chunk)
        self.server.add(requests=1, size=length, wall=time.perf_counter() - start)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no line per request on stderr


class BenchServer(ThreadingHTTPServer):
    """The sites on 127.0.0.1 (a free port), one path prefix each: /n500/..., /n2000/..."""

    daemon_threads = True
    request_queue_size = 128  # every Scrapy connection may open at once; the default backlog is 5

    def __init__(self, sites: dict[str, BenchSite]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sites = sites
        self.load = ServerLoad()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="bench-server", daemon=True)

    def add(self, requests: int = 0, size: int = 0, cpu: float = 0.0, wall: float = 0.0) -> None:
        with self._lock:
            self.load.requests += requests
            self.load.bytes += size
            self.load.cpu += cpu
            self.load.wall += wall

    def take_load(self) -> ServerLoad:
        """The load since the last call, and start counting afresh."""
        with self._lock:
            load, self.load = self.load, ServerLoad()
        return load

    def base(self, prefix: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/{prefix}"

    def __enter__(self) -> BenchServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


# -- running one crawl --

@dataclass
class CrawlRun:
    size: int
    crawler: str  # "bare" or "newswatch"
    returncode: int
    wall_seconds: float
    peak_rss_mb: float
    stats: dict[str, float]
    server: ServerLoad
    log: str
    stored: int | None = None  # newswatch: articles in the database
    seen: int | None = None  # newswatch: pages remembered as irrelevant/failed
    db_bytes: int | None = None
    missing_relevant: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # user + system of the whole process, start-up included

    @property
    def worker_cpu(self) -> float:
        return float(self.stats.get("newswatch/parse_pool/worker_cpu_seconds", 0.0))

    @property
    def worker_rss_mb(self) -> float:
        return float(self.stats.get("newswatch/parse_pool/worker_peak_rss_mb", 0.0))

    @property
    def responses(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    @property
    def crawl_seconds(self) -> float:
        return float(self.stats.get("elapsed_time_seconds", 0.0)) or self.wall_seconds

    @property
    def pages_per_second(self) -> float:
        return self.responses / self.crawl_seconds if self.crawl_seconds else 0.0


def crawl_env() -> dict[str, str]:
    """The environment of a crawl process: this one's, less anything that would steer a crawl elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "SCRAPY_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def run_process(cmd: list[str], cwd: Path, env: dict[str, str], out: Path,
                timeout: float) -> tuple[int, float, float, float]:
    """Run `cmd` to the end: (exit status, wall seconds, peak RSS in MB, CPU seconds of the process).

    CPU seconds (user + system, start-up included) say what a crawl costs even when other jobs share the
    machine and stretch its wall time.

    The peak comes from the rusage wait4 returns for this very child, so it is exact and covers only it.
    """
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        start = time.perf_counter()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    cpu = usage.ru_utime + usage.ru_stime
    return proc.returncode, wall, usage.ru_maxrss / 1024, cpu  # ru_maxrss is in KiB on Linux


def read_stats(log: str) -> dict[str, float]:
    """The numeric Scrapy stats in STAT_KEYS from a crawl log's last stats dump."""
    block = log.rsplit("Dumping Scrapy stats", 1)[-1] if "Dumping Scrapy stats" in log else ""
    stats: dict[str, float] = {}
    for key in STAT_KEYS:
        match = re.search(rf"'{re.escape(key)}': ([0-9.]+)", block)
        if match:
            stats[key] = float(match.group(1))
    return stats


def common_settings(concurrency: int) -> dict[str, Any]:
    """What both crawls share: no delays, no AutoThrottle, no robots.txt, the same concurrency and reactor."""
    return {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }


def run_bare(server: BenchServer, prefix: str, size: int, workdir: Path, concurrency: int,
             timeout: float) -> CrawlRun:
    base = server.base(prefix)
    log_file = workdir / f"bare-{size}.log"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve()),
           "-a", f"listing={base}/tag/berita-terkini?page={{page}}", "-a", f"served={base}",
           "-s", f"LOG_FILE={log_file}"]
    for name, value in common_settings(concurrency).items():
        cmd += ["-s", f"{name}={value}"]
    env = crawl_env()
    env["SCRAPY_SETTINGS_MODULE"] = ""  # plain Scrapy: never the project's settings, wherever we run
    server.take_load()
    code, wall, rss, cpu = run_process(cmd, workdir, env, workdir / f"bare-{size}.out", timeout)
    load = server.take_load()
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    return CrawlRun(size, "bare", code, wall, rss, read_stats(log), load, str(log_file), cpu_seconds=cpu)


def bench_config(path: Path, listing_pages: int, parse_workers: str = "auto") -> None:
    """A newswatch config for the benchmark: the bench tag as the only way in, BBC off, no delays.

    The page cap lets the spider reach the empty page after the last one, as the bare spider does.
    """
    path.write_text(f"""# written by bench/crawl.py
[crawl]
user_agent = "newswatch-bench/0.1 (+mailto:bench@example.org)"
download_delay = 0.0
autothrottle = false
obey_robots = false
parse_workers = {parse_workers if parse_workers.isdigit() else '"' + parse_workers + '"'}

[sources.liputan6]
feeds = []
sitemaps = []
tags = ["berita-terkini"]
max_pages = {min(listing_pages + 2, 1000)}

[sources.bbc]
enabled = false
""", encoding="utf-8")


def full_command(server: BenchServer, prefix: str, config: Path, db: Path, log_file: Path,
                 concurrency: int) -> list[str]:
    cmd = ["-m", "crawler", "crawl", "--config", str(config), "--source", "liputan6",
           "--db", f"sqlite:///{db}", "--route", f"www.liputan6.com={server.base(prefix)}",
           "--since", SINCE, "--log-file", str(log_file)]
    settings = {**common_settings(concurrency), "NEWSWATCH_PROGRESS": "false",
                # Nothing but the loopback server is ever looked up.
                "DNS_RESOLVER": "crawler.crawl.routing.LoopbackOnlyResolver"}
    for name, value in settings.items():
        cmd += ["--set", f"{name}={json.dumps(value) if isinstance(value, bool) else value}"]
    return cmd


def database_facts(db: Path) -> tuple[set[str], int, int]:
    """(article ids stored, rows in `seen`, bytes on disk with the WAL) of a benchmark database."""
    size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = {row[0] for row in conn.execute("SELECT article_id FROM articles WHERE source = 'liputan6'")}
        seen = conn.execute("SELECT count(*) FROM seen").fetchone()[0]
    return ids, int(seen), size


def run_full(server: BenchServer, prefix: str, site: BenchSite, workdir: Path, concurrency: int,
             timeout: float, profile: Path | None = None, parse_workers: str = "auto") -> CrawlRun:
    tag = f"full-{site.count}" + ("-profile" if profile else "")
    config, db, log_file = workdir / f"{tag}.toml", workdir / f"{tag}.db", workdir / f"{tag}.log"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), log_file):
        stale.unlink(missing_ok=True)
    bench_config(config, site.listing_pages, parse_workers)
    cmd = [sys.executable]
    if profile is not None:
        cmd += ["-m", "cProfile", "-o", str(profile)]
    cmd += full_command(server, prefix, config, db, log_file, concurrency)
    server.take_load()
    code, wall, rss, cpu = run_process(cmd, workdir, crawl_env(), workdir / f"{tag}.out", timeout)
    load = server.take_load()
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    run = CrawlRun(site.count, "newswatch", code, wall, rss, read_stats(log), load, str(log_file),
                   cpu_seconds=cpu)
    if db.exists():
        ids, run.seen, run.db_bytes = database_facts(db)
        run.stored = len(ids)
        run.missing_relevant = sorted(site.relevant_ids() - ids)
    return run


# -- the report --

def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f}"


def print_table(runs: list[CrawlRun]) -> None:
    print(f"{'pages':>6}  {'crawler':<10} {'exit':>4} {'responses':>9} {'items':>6} {'crawl s':>8} "
          f"{'pages/s':>8} {'wall s':>7} {'CPU s':>6} {'peak RSS MB':>11} {'db MB':>6} "
          f"{'workers CPU s':>13} {'workers RSS MB':>14}")
    for run in runs:
        items = run.stored if run.crawler == "newswatch" else int(run.stats.get("item_scraped_count", 0))
        print(f"{run.size:>6}  {run.crawler:<10} {run.returncode:>4} {run.responses:>9} {items or 0:>6} "
              f"{run.crawl_seconds:>8.1f} {run.pages_per_second:>8.1f} {run.wall_seconds:>7.1f} "
              f"{run.cpu_seconds:>6.1f} "
              f"{run.peak_rss_mb:>11.1f} {_mb(run.db_bytes):>6} "
              f"{run.worker_cpu or '-':>13} {run.worker_rss_mb or '-':>14}")
    print("items: titles selected (bare), relevant articles in the database (newswatch); CPU s and peak RSS: "
          "the crawl process; workers: the parse workers (crawl.parse_workers), CPU summed, RSS the largest")


def best(runs: list[CrawlRun], size: int, crawler: str) -> CrawlRun:
    """The fastest run of `crawler` at `size` (rounds repeat the pair; the best is the least disturbed)."""
    return max((r for r in runs if r.size == size and r.crawler == crawler), key=lambda r: r.pages_per_second)


def summarise(runs: list[CrawlRun], sizes: list[int], site: BenchSite, build_seconds: float,
              args: argparse.Namespace) -> dict[str, Any]:
    largest, smallest = max(sizes), min(sizes)
    ratios = {str(size): best(runs, size, "newswatch").pages_per_second
              / max(best(runs, size, "bare").pages_per_second, 1e-9) for size in sizes}
    growth = {crawler: max(r.peak_rss_mb for r in runs if r.size == largest and r.crawler == crawler)
              / max(r.peak_rss_mb for r in runs if r.size == smallest and r.crawler == crawler)
              for crawler in ("bare", "newswatch")}
    worker_peaks = {size: max(r.worker_rss_mb for r in runs if r.size == size and r.crawler == "newswatch")
                    for size in (smallest, largest)}
    worker_growth = worker_peaks[largest] / worker_peaks[smallest] if worker_peaks[smallest] else None
    requests = sum(r.server.requests for r in runs)
    server_cpu = sum(r.server.cpu for r in runs)
    server_wall = sum(r.server.wall for r in runs)
    crawl_time = sum(r.crawl_seconds for r in runs)
    full = best(runs, largest, "newswatch")
    sizes_bytes = site.article_sizes()
    return {
        "command": shlex.join(["bench/crawl.py", *(args.argv or [])]),
        "pages": largest,
        "sizes": sizes,
        "concurrency": args.concurrency,
        "site": {"build_seconds": round(build_seconds, 2), "relevant": len(site.relevant_ids()),
                 "mean_page_bytes": round(sum(sizes_bytes) / len(sizes_bytes)),
                 "listing_pages": site.listing_pages},
        "runs": [{**{k: v for k, v in asdict(r).items() if k not in ("server", "log")},
                  "responses": r.responses, "crawl_seconds": round(r.crawl_seconds, 3),
                  "pages_per_second": round(r.pages_per_second, 2),
                  "server_requests": r.server.requests} for r in runs],
        "ratio": {size: round(value, 3) for size, value in ratios.items()},
        "memory_growth": {k: round(v, 3) for k, v in growth.items()},
        "worker_memory_growth": round(worker_growth, 3) if worker_growth else None,
        "server": {"requests": requests,
                   "cpu_ms_per_request": round(1000 * server_cpu / max(requests, 1), 3),
                   "wall_ms_per_request": round(1000 * server_wall / max(requests, 1), 3),
                   "cpu_share_of_crawl_time": round(server_cpu / max(crawl_time, 1e-9), 4)},
        "stored_relevant": {"stored": full.stored, "expected": len(site.subset(largest).relevant_ids()),
                            "missing": full.missing_relevant},
        "ok": all(r.returncode == 0 for r in runs) and not full.missing_relevant,
    }


def print_summary(summary: dict[str, Any]) -> None:
    largest = str(summary["pages"])
    ratio = summary["ratio"][largest]
    verdict = "meets" if ratio >= RATIO_TARGET else "BELOW"
    print()
    for size, value in summary["ratio"].items():
        print(f"ratio (b)/(a) at N={size}: {value:.2f}")
    print(f"ratio at N={largest} {verdict} the target {RATIO_TARGET} (aim {RATIO_AIM})")
    growth = summary["memory_growth"]
    sizes = summary["sizes"]
    if len(sizes) > 1:
        flat = "flat" if growth["newswatch"] <= MEMORY_FLAT else "GROWS"
        print(f"peak RSS N={max(sizes)} / N={min(sizes)}: bare {growth['bare']:.2f}, newswatch "
              f"{growth['newswatch']:.2f} ({flat}: limit {MEMORY_FLAT})"
              + (f", newswatch's parse workers {summary['worker_memory_growth']:.2f}"
                 if summary["worker_memory_growth"] else ""))
    server = summary["server"]
    print(f"server: {server['requests']} requests, {server['cpu_ms_per_request']:.2f} ms CPU and "
          f"{server['wall_ms_per_request']:.2f} ms wall per request, CPU = "
          f"{100 * server['cpu_share_of_crawl_time']:.1f}% of one core over the crawls")
    stored = summary["stored_relevant"]
    print(f"relevant articles stored: {stored['stored']} of {stored['expected']} expected"
          + (f"; missing {', '.join(stored['missing'][:10])}" if stored["missing"] else ""))
    print(f"command: {summary['command']}")


def print_profile(path: Path, top: int = 25) -> None:
    """Where the full crawl's time goes: CPU time per area (own time of its functions), then the top
    functions by own time."""
    import pstats

    stats = pstats.Stats(str(path))
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    areas: dict[str, float] = {}
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        total += tottime
        areas[_area(filename)] = areas.get(_area(filename), 0.0) + tottime
    print(f"\nprofile of the full crawl ({total:.1f} s of own time in all):")
    for area, seconds in sorted(areas.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {area:<34} {seconds:>7.1f} s  {100 * seconds / max(total, 1e-9):5.1f}%")
    print()
    stats.sort_stats("tottime").print_stats(top)


_AREAS = (("crawler/extract/pages/", "newswatch parsers"), ("crawler/extract/cleaning/", "newswatch cleaner"),
          ("crawler/story/relevance", "newswatch relevance"),
           ("crawler/story/changes", "newswatch change detection"),
          ("crawler/", "newswatch other"), ("storage/", "newswatch storage"),
          ("spiders/", "newswatch spiders"),
          ("sqlalchemy", "sqlalchemy"), ("bs4/", "beautifulsoup"), ("lxml", "lxml"), ("parsel", "parsel"),
          ("cssselect", "cssselect"), ("py3langid", "py3langid"), ("numpy", "numpy"),
          ("trafilatura", "trafilatura"), ("scrapy/", "scrapy"), ("twisted/", "twisted"),
          ("asyncio/", "asyncio"), ("re/", "re (regex)"), ("json/", "json"), ("sqlite3", "sqlite3"))


def _area(filename: str) -> str:
    if filename == "~":
        return "builtins (C calls)"
    for needle, label in _AREAS:
        if needle in filename:
            return label
    return "other python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages of the largest site (2000)")
    parser.add_argument("--compare-sizes", default="500,2000",
                        help="site sizes also crawled, for the memory check: comma-separated, or 'none' "
                             "(500,2000)")
    parser.add_argument("--page-kb", type=int, default=300, help="approximate page size in KB (300)")
    parser.add_argument("--relevant-every", type=int, default=8, help="one page in this many is on topic (8)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight, both crawls (16)")
    parser.add_argument("--parse-workers", default="auto",
                        help="newswatch's crawl.parse_workers: auto (default), 0 (parse in-process) or N")
    parser.add_argument("--rounds", type=int, default=1, help="crawl pairs per size; the best counts (1)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 20 pages of ~40 KB, sizes 10 and 20")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, crawl the largest site again under cProfile and show the hot spots")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep logs and databases here (default: a temporary directory, removed)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a crawl is killed")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.pages, args.page_kb, args.compare_sizes = 20, 40, "10,20"
    sizes = {args.pages}
    if args.compare_sizes.strip().lower() not in ("", "none", "off"):
        sizes |= {int(part) for part in args.compare_sizes.split(",") if part.strip()}
    args.pages = max(sizes)

    if str(REPO) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
        sys.path.insert(0, str(REPO))
    from bench.sitegen import BenchSite

    started = time.perf_counter()
    site = BenchSite.build(args.pages, page_bytes=args.page_kb * 1000, relevant_every=args.relevant_every)
    sites = {f"n{size}": site.subset(size) for size in sorted(sizes)}
    build_seconds = time.perf_counter() - started
    ordered = sorted(sizes)
    print(f"crawl benchmark: sites of {', '.join(map(str, ordered))} Liputan6-style pages of "
          f"~{sum(site.article_sizes()) / site.count / 1000:.0f} KB ({len(site.relevant_ids())} of "
          f"{site.count} on the topic), built in {build_seconds:.1f} s; concurrency {args.concurrency}, "
          "delays, AutoThrottle and robots.txt off")

    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        runs: list[CrawlRun] = []
        with BenchServer(sites) as server:
            for _ in range(max(args.rounds, 1)):
                for size in ordered:
                    prefix = f"n{size}"
                    runs.append(run_bare(server, prefix, size, workdir, args.concurrency, args.timeout))
                    runs.append(run_full(server, prefix, sites[prefix], workdir, args.concurrency,
                                         args.timeout, parse_workers=args.parse_workers))
                    for run in runs[-2:]:
                        if run.returncode != 0:
                            print(f"warning: the {run.crawler} crawl of {size} pages exited with "
                                  f"{run.returncode}: see {run.log}", file=sys.stderr)
            print()
            print_table(runs)
            summary = summarise(runs, ordered, site, build_seconds, args)
            print_summary(summary)
            if args.profile:
                profile_path = workdir / "full.prof"
                prefix = f"n{args.pages}"
                run_full(server, prefix, sites[prefix], workdir, args.concurrency, args.timeout * 3,
                         profile=profile_path, parse_workers=args.parse_workers)
                if profile_path.exists():
                    print_profile(profile_path)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
