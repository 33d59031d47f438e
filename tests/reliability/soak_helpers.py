"""The soak test's machinery: an evolving replay site, seeded faults, a restartable daemon, a comparison.

    reference = run_soak(tmp / "clean", SoakSpec(cycles=30, seed=7, faults=False))
    faulty = run_soak(tmp / "faulty", SoakSpec(cycles=30, seed=7, faults=True))
    result = compare(reference, faulty)        # what differs, duplicates, lost alerts; result.ok

How a run goes. This process (the controller) serves the replay site (crawler/demo's DemoServer over
`SoakSite`: the demo's Liputan6 and BBC templates, with a timeline generated from the seed) and runs a
real SMTP server (tests/notify/mail), both on 127.0.0.1. The daemon is a subprocess
(`python -m tests.reliability.soak_helpers drive ...`): the real `Watcher` of crawler/monitor/watch.py on one
asyncio reactor, running `run_once` cycles (the `watch --once` cycle: both sources crawled side by side,
health checks, then delivery) in a loop. Before each cycle it tells the controller the cycle's number
(GET /_soak/cycle?n=N on the site's server); the site then shows that step of the timeline and switches on
the faults planned for it. The cycle number, not the clock, decides what every request sees, so a run is
reproducible from its seed. The daemon records each finished cycle in a progress file; after a SIGKILL the
controller starts it again and it resumes with the cycle it was in. After the last cycle the daemon runs
delivery alone (the daemon's `deliver` job) until the outbox is empty: alerts held back by an outage or a
lease still go out, as they would from a daemon left running.

Faults (only with `faults=True`; none in cycle 1, the baseline crawl, whose end decides what is backlog):
- HTTP: each answer of the site (robots.txt, feed, tag page, article) is replaced by a 500 or a 503 with
  probability 5%, drawn from (seed, cycle, path, how many times the path was asked this cycle): the same
  requests in the same cycle meet the same faults, whatever the threads' timing.
- SMTP outages: for a few cycle ranges the mail server refuses connections.
- One SIGKILL of the daemon at or after a chosen cycle, either mid-crawl (when the site is asked for an
  article page) or mid-delivery (when the SMTP server has taken a message, before its 250 reply: inside
  the one-message duplicate window crawler/notify/delivery.py documents); then a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crawler.demo import DemoServer, DemoSite
from crawler.demo.catalog import DemoArticle, Update
from crawler.demo.site import TEXT, Page
from tests.servers.offline import LOOPBACK_RESOLVER, loopback_only

REPO = Path(__file__).resolve().parent.parent.parent
SOURCES = ("liputan6", "bbc")
RECIPIENTS = ("desk@newswatch.test", "editor@newswatch.test")
CONTROL = "_soak"  # the site server's path prefix for the daemon's "cycle N starts" calls
BASE_DAY = datetime(2022, 1, 3, 1, 0, tzinfo=UTC)
UPDATE_DAY = datetime(2022, 1, 20, 0, 0, tzinfo=UTC)  # updates are dated after every publication
SMTP_TIMEOUT = 1.0
HTTP_FAULT_RATE = 0.05
# Scrapy settings of every crawl: no politeness delays against our own loopback server, short retry waits.
FAST_SETTINGS: dict[str, Any] = loopback_only({
    "DOWNLOAD_DELAY": 0, "DOWNLOAD_DELAY_JITTER": 0, "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DNS_RESOLVER": LOOPBACK_RESOLVER,
    "NEWSWATCH_RETRY_BACKOFF_BASE": 0.05, "NEWSWATCH_RETRY_BACKOFF_MAX": 0.5,
    "NEWSWATCH_RETRY_BACKOFF_JITTER": 0, "LOG_LEVEL": "WARNING",
})


# --- the timeline: what the site publishes and edits, cycle by cycle ---------------------------------------

def _l6(number: int, cycle: int, relevant: bool) -> DemoArticle:
    body: tuple[str, ...]
    if relevant:
        title = f"Laporan {number}: Warga Almaty Kembali Protes Harga LPG"
        lead = f"Laporan {number} tentang kerusuhan di Kazakhstan setelah harga gas cair naik."
        body = (f"Laporan nomor {number} ditulis untuk uji ketahanan. Kerusuhan di Kazakhstan bermula dari "
                "kenaikan harga bahan bakar LPG.",
                "Presiden Tokayev menetapkan keadaan darurat dan jam malam di Almaty.",
                "Pasukan penjaga perdamaian CSTO tiba beberapa hari kemudian.")
    else:
        title = f"Kabar {number}: Tim Futsal Kazakhstan Juara Turnamen Persahabatan"
        lead = f"Kabar {number} dari lapangan futsal di Astana."
        body = (f"Kabar nomor {number}: tim futsal Kazakhstan menang tipis di partai final.",
                "Pelatih memuji kekompakan para pemain muda.")
    return DemoArticle(site="liputan6", id=str(4950000 + number), channel="global",
                       slug=f"laporan-uji-{number}", title=title, lead=lead,
                       published=BASE_DAY + timedelta(hours=2 * number), body=body, authors=("Redaksi Uji",),
                       editor="Editor Uji", tags=("Kazakhstan",), relevant=relevant, step=cycle)


def _bbc(number: int, cycle: int, relevant: bool) -> DemoArticle:
    body: tuple[str, ...]
    if relevant:
        title = f"Report {number}: Kazakhstan counts the cost of the unrest"
        lead = f"Report {number} on the unrest in Kazakhstan and President Tokayev's response."
        body = (f"Report {number} was written for the soak test. The unrest in Kazakhstan began over a rise "
                "in the price of liquefied petroleum gas.",
                "President Tokayev declared a state of emergency and a curfew in Almaty.",
                "Peacekeepers of the CSTO alliance arrived days later.")
    else:
        title = f"Report {number}: A village bakery wins a prize"
        lead = f"Report {number} from a village bakery."
        body = (f"Report {number}: a village bakery won a regional prize for its sourdough.",
                "The judges praised the crust and the bakers thanked their customers.")
    return DemoArticle(site="bbc", id=f"c{number:07d}soakx", title=title, lead=lead,
                       published=BASE_DAY + timedelta(hours=2 * number, minutes=30), body=body,
                       authors=("Soak Desk",), section="Asia", tags=("Kazakhstan",), relevant=relevant,
                       feeds=("world",), step=cycle)


def _with_update(article: DemoArticle, cycle: int, count: int) -> DemoArticle:
    """The article with one more edit at `cycle`: a new title and a paragraph more (a material change)."""
    update = Update(step=cycle, modified=UPDATE_DAY + timedelta(minutes=10 * cycle),
                    title=f"{article.title.split(' (')[0]} (update {count})",
                    append=(f"Update {count}: officials in Almaty gave new figures on the unrest, "
                            f"cycle {cycle} of the soak.",))
    return replace(article, updates=(*article.updates, update))


@dataclass(frozen=True)
class Change:
    cycle: int
    kind: str  # "new" | "updated"
    site: str
    article_id: str
    relevant: bool


@dataclass
class Timeline:
    """Every article of both sites, with the cycle it appears at and its edits, and the list of changes."""

    cycles: int
    articles: dict[str, dict[str, DemoArticle]]
    changes: list[Change]

    def change_cycles(self) -> list[int]:
        return sorted({c.cycle for c in self.changes})


def build_timeline(seed: int, cycles: int) -> Timeline:
    """A reproducible story for `cycles` cycles: a backlog at cycle 0, then one change every ~10 cycles.

    Changes: a new Liputan6 article (relevant or not), a new BBC one, or an edit of a BBC article (its feed
    date moves forward, which is how the crawler notices an edit). Edits of one article are at least `gap`
    cycles apart, and nothing changes in the last `tail` cycles, so that a change a fault delayed by a cycle
    or two is still seen once, as in a fault-free run, before the end.
    """
    rng = random.Random(f"timeline/{seed}")
    articles: dict[str, dict[str, DemoArticle]] = {"liputan6": {}, "bbc": {}}
    number = 0

    def add(site: str, cycle: int, relevant: bool) -> DemoArticle:
        nonlocal number
        number += 1
        article = (_l6 if site == "liputan6" else _bbc)(number, cycle, relevant)
        articles[site][article.id] = article
        return article

    for site in SOURCES:
        for index in range(5):
            add(site, 0, relevant=index != 2)
    gap = max(4, cycles // 30)
    tail = max(5, cycles // 20)
    count = max(6, cycles // 10)
    chosen = sorted(rng.sample(range(2, max(3, cycles - tail + 1)), min(count, max(1, cycles - tail - 1))))
    last_touched: dict[str, int] = {a: 0 for a in articles["bbc"]}
    changes: list[Change] = []
    for cycle in chosen:
        roll = rng.random()
        editable = [a for a, at in sorted(last_touched.items())
                    if cycle - at >= gap and articles["bbc"][a].relevant]
        if roll < 0.35:
            made = add("liputan6", cycle, relevant=rng.random() > 0.2)
            changes.append(Change(cycle, "new", "liputan6", made.id, made.relevant))
        elif roll < 0.6 or not editable:
            made = add("bbc", cycle, relevant=rng.random() > 0.2)
            last_touched[made.id] = cycle
            changes.append(Change(cycle, "new", "bbc", made.id, made.relevant))
        else:
            target = rng.choice(editable)
            edited = _with_update(articles["bbc"][target], cycle, len(articles["bbc"][target].updates) + 1)
            articles["bbc"][target] = edited
            last_touched[target] = cycle
            changes.append(Change(cycle, "updated", "bbc", target, True))
    return Timeline(cycles, articles, changes)


# --- the fault plan ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FaultPlan:
    """Which faults a run meets; `none()` is the fault-free run of the same timeline."""

    seed: int
    http_rate: float = 0.0
    first_fault_cycle: int = 2
    smtp_down: tuple[tuple[int, int], ...] = ()  # inclusive cycle ranges with the mail server refusing
    kill_cycle: int | None = None
    kill_phase: str | None = None  # "crawl" | "delivery"

    @classmethod
    def none(cls, seed: int) -> FaultPlan:
        return cls(seed)

    @classmethod
    def make(cls, seed: int, timeline: Timeline, kill_phase: str | None = None) -> FaultPlan:
        """5% server errors from cycle 2, a few SMTP outages, one SIGKILL (phase from the seed if not given).

        The kill is armed at a cycle where the timeline changes something (so a crawl fetches an article and
        a delivery sends a mail), early enough for the daemon's restart to be followed by many cycles."""
        rng = random.Random(f"faults/{seed}")
        cycles = timeline.cycles
        changes = timeline.change_cycles()
        # Outages begin at a cycle that has alerts to send, so that alerts really wait for the server.
        spans = 1 if cycles < 100 else 4
        width = max(2, cycles // 60)
        kill_candidates = [c for c in changes if cycles // 10 <= c <= cycles * 6 // 10] or changes
        kill_cycle = rng.choice(kill_candidates)
        starts = [c for c in changes if c >= 3 and c != kill_cycle]
        outages: list[tuple[int, int]] = []
        for start in sorted(rng.sample(starts, min(spans, len(starts)))):
            end = start + rng.randint(width // 2 + 1, width)
            if kill_cycle in range(start, end + 1) or (outages and start <= outages[-1][1] + 1):
                continue
            outages.append((start, end))
        phase = kill_phase or rng.choice(("crawl", "delivery"))
        return cls(seed, HTTP_FAULT_RATE, 2, tuple(outages), kill_cycle, phase)

    def smtp_is_down(self, cycle: int) -> bool:
        return any(a <= cycle <= b for a, b in self.smtp_down)

    def http_fault(self, cycle: int, path: str, nth: int) -> int | None:
        """The status replacing the nth answer (from 0) to `path` in `cycle`, or None."""
        if not self.http_rate or cycle < self.first_fault_cycle:
            return None
        draw = random.Random(f"http/{self.seed}/{cycle}/{path}/{nth}")
        if draw.random() >= self.http_rate:
            return None
        return 500 if draw.random() < 0.5 else 503


# --- the site: the demo's pages over the timeline, with faults and the control endpoint ---------------------

def _is_article(host_key: str, path: str) -> bool:
    return "/read/" in path if host_key.startswith("liputan6") else path.startswith("/news/articles/")


class SoakSite(DemoSite):
    """The demo site serving a generated timeline; `cycle` is the step. Faults come from the plan; the
    controller's `on_cycle` runs when the daemon announces a cycle and `on_article` before an article page."""

    def __init__(self, timeline: Timeline, plan: FaultPlan) -> None:
        self.timeline = timeline
        self.plan = plan
        self.cycle = 0
        self.faults: Counter[int] = Counter()  # status -> answers replaced
        self.faulted: set[tuple[int, str, int]] = set()  # (cycle, host_key + path, nth)
        self.answers = 0
        self._asked: Counter[tuple[int, str]] = Counter()
        self._count_lock = threading.Lock()
        self.on_cycle: Callable[[int], None] = lambda cycle: None
        self.on_article: Callable[[int], None] = lambda cycle: None
        super().__init__(step=0, page_size=500)

    def articles(self, site: str, *, relevant: bool | None = None, step: int | None = None,
                 include_removed: bool = False) -> list[DemoArticle]:
        at = self.step if step is None else step
        found = [a.at(at) for a in self.timeline.articles.get(site, {}).values()
                 if a.visible(at) and (relevant is None or a.relevant == relevant)]
        return sorted(found, key=lambda a: a.published, reverse=True)

    def article(self, site: str, article_id: str) -> DemoArticle | None:
        found = self.timeline.articles.get(site, {}).get(article_id)
        return found.at(self.step) if found is not None else None

    def outlasting_retries(self) -> int:
        """Faults that met a retry of an answer that had itself been a fault: with `retry_times = 1` the
        crawl gave that page up, and a later cycle had to fetch it."""
        return sum(1 for cycle, path, nth in self.faulted if nth and (cycle, path, nth - 1) in self.faulted)

    def get(self, host_key: str, path: str) -> Page:
        if host_key == CONTROL:
            parts = urlsplit(path)
            query = dict(parse_qsl(parts.query))
            if parts.path == "/cycle" and query.get("n", "").isdigit():
                self.cycle = int(query["n"])
                self.set_step(self.cycle)
                self.on_cycle(self.cycle)
                return Page(200, b"ok", TEXT)
            return Page(404, b"unknown control call", TEXT)
        cycle = self.cycle
        with self._count_lock:
            nth = self._asked[(cycle, f"{host_key}{path}")]
            self._asked[(cycle, f"{host_key}{path}")] += 1
            self.answers += 1
        if _is_article(host_key, path):
            self.on_article(cycle)
        status = self.plan.http_fault(cycle, f"{host_key}{path}", nth)
        if status is not None:
            with self._count_lock:
                self.faults[status] += 1
                self.faulted.add((cycle, f"{host_key}{path}", nth))
            return Page(status, b"injected fault", TEXT)
        return super().get(host_key, path)


class _KillingMailbox(list[Any]):
    """The SMTP server's list of accepted messages; `hook` runs right after each append, i.e. after the
    server has the message and before it answers 250 (aiosmtpd's handle_DATA appends, then replies)."""

    hook: Callable[[Any], None] | None = None

    def append(self, item: Any) -> None:
        super().append(item)
        if self.hook is not None:
            self.hook(item)


# --- the daemon under test ------------------------------------------------------------------------------

def write_config(directory: Path, routes: dict[str, str], smtp_port: int) -> Path:
    def q(value: str) -> str:
        return json.dumps(value)

    lines = [
        "[storage]", f"url = {q('sqlite:///' + str(directory / 'soak.db'))}",
        "[crawl]", "download_delay = 0.0", "autothrottle = false", "timeout = 10.0", "retry_times = 1",
        "concurrent_requests_per_domain = 2",
        "[routes]", *[f"{q(host)} = {q(base)}" for host, base in routes.items()],
        "[schedule]", "interval_minutes = 15", "jitter_seconds = 0",
        "[sources.liputan6]", "feeds = []", "sitemaps = []", 'tags = ["kazakhstan"]', 'index_url = ""',
        "[sources.bbc]", 'feeds = ["https://feeds.bbci.co.uk/news/world/rss.xml"]', "sitemaps = []",
        "topic_pages = []",
        "[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"', 'username = ""',
        f"timeout = {SMTP_TIMEOUT}", 'from_address = "newswatch@newswatch.test"',
        "[alerts]", 'baseline = "digest"', "retry_backoff_seconds = 0.0", "retry_backoff_max_seconds = 0.0",
        "[alerts.health]", "min_articles = 0", "feed_stale_hours = 0.0",
        "[watch]", "crawl_timeout_seconds = 60",
        "[[subscriptions]]", f"to = [{', '.join(q(r) for r in RECIPIENTS)}]",
    ]
    path = directory / "soak.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    # No proxies (they would see loopback traffic as remote), no user config or database leaking in.
    return {k: v for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and not k.startswith("NEWSWATCH_")}


def read_progress(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by the SIGKILL
    return records


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
        out.flush()
        os.fsync(out.fileno())


def drive(argv: Sequence[str]) -> int:
    """The daemon: `run_once` cycles from the one after the last recorded, then delivery until it is empty."""
    parser = argparse.ArgumentParser(prog="soak-daemon")
    parser.add_argument("--config", required=True)
    parser.add_argument("--control", required=True, help="base URL of the controller's /_soak endpoint")
    parser.add_argument("--cycles", type=int, required=True)
    parser.add_argument("--progress", required=True)
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument("--lease-margin", type=float, default=None,
                        help="seconds (a test knob): a shorter delivery lease")
    parser.add_argument("--send-deadline", type=float, default=None,
                        help="seconds (a test knob): the channel send deadline the lease allows for")
    args = parser.parse_args(argv)

    from crawler.cli.watch import setup_logging
    from crawler.config import load_config
    from crawler.crawl.runner import install_asyncio_reactor
    from crawler.monitor.watch import Watcher, WatchOptions

    if args.lease_margin is not None:
        import crawler.notify.delivery

        crawler.notify.delivery.LEASE_MARGIN = timedelta(seconds=args.lease_margin)
    if args.send_deadline is not None:
        # The lease covers the longest send: 4 x the SMTP timeout or a chat channel's deadline (30 s). The
        # soak has no chat channel, so its SMTP sends alone bound the lease when this is at most 4 x 1 s.
        import crawler.notify.channels

        crawler.notify.channels.SEND_DEADLINE_SECONDS = args.send_deadline
    setup_logging(False)
    install_asyncio_reactor()
    from twisted.internet import reactor as installed

    reactor: Any = installed
    progress = Path(args.progress)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    config = load_config(args.config)
    outcome: list[BaseException | None] = []

    def announce(cycle: int) -> None:
        with opener.open(f"{args.control}/cycle?n={cycle}", timeout=60) as answer:
            answer.read()

    async def main() -> None:
        watcher = Watcher(config, WatchOptions(db_url=config.storage.url, sources=SOURCES, once=True,
                                               overrides=FAST_SETTINGS))
        try:
            done = max((r["cycle"] for r in read_progress(progress) if "cycle" in r), default=0)
            _append(progress, {"start": done + 1, "pid": os.getpid()})
            for cycle in range(done + 1, args.cycles + 1):
                await asyncio.to_thread(announce, cycle)
                report = await watcher.run_once()
                delivery = report.delivery
                _append(progress, {
                    "cycle": cycle, "seconds": round(report.seconds, 3),
                    "outcomes": {r.source: r.outcome for r in report.results},
                    "summary": {r.source: r.summary for r in report.results},
                    "messages": delivery.messages if delivery else 0,
                    "retrying": delivery.retrying if delivery else 0,
                    "delivery_error": report.delivery_error})
            await asyncio.to_thread(announce, args.cycles + 1)  # the end: the mail server is up again
            began = time.monotonic()
            rounds = 0
            while time.monotonic() - began < args.drain_seconds:
                rounds += 1
                await watcher.deliver()
                if not watcher.store.deliveries.pending() and not watcher.store.pending_events():
                    break
                await asyncio.sleep(0.5)
            _append(progress, {"drained": not watcher.store.deliveries.pending(), "rounds": rounds,
                               "seconds": round(time.monotonic() - began, 2)})
        finally:
            watcher.close()

    def start() -> None:
        task = asyncio.ensure_future(main())

        def finished(t: asyncio.Task[None]) -> None:
            outcome.append(t.exception() if not t.cancelled() else RuntimeError("cancelled"))
            reactor.stop()

        task.add_done_callback(finished)

    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)
    if outcome and outcome[0] is not None:
        raise outcome[0]
    return 0


# --- the controller ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SoakSpec:
    cycles: int
    seed: int
    faults: bool
    kill_phase: str | None = None  # None: drawn from the seed
    lease_margin: float | None = None  # None: the product's own (60 s)
    send_deadline: float | None = None  # None: the product's own channel send deadline (30 s)


@dataclass
class Kill:
    phase: str
    armed_at: int  # the cycle from which the kill was armed
    cycle: int = 0  # the cycle it landed in
    message_id: str | None = None  # mid-delivery: the message the server had taken (the duplicate window)
    recipient: str | None = None


@dataclass
class SoakRun:
    """One run: what the database and the mailbox hold at the end, and the figures of the run."""

    spec: SoakSpec
    plan: FaultPlan
    timeline: Timeline
    articles: dict[tuple[str, str], tuple[int, str, str | None]]  # -> (version count, body hash, title)
    versions: list[tuple[str, str, int, str]]
    events: list[tuple[str, str, str, int]]  # (source, article_id, kind, version_no), as stored
    seen: dict[tuple[str, str], str]
    deliveries: Counter[str]  # status -> rows
    open_runs: int  # crawl runs never finished (a SIGKILL mid-crawl leaves its cycle's runs open)
    mailbox: list[tuple[Any, ...]]  # normalised keys, one per received message (see mail_key)
    raw_ids: list[str]  # Message-ID of each received message
    kill: Kill | None
    restarts: int
    progress: list[dict[str, Any]]
    http_faults: dict[int, int]
    given_up_pages: int
    answers: int
    smtp_down_cycles: int
    wall_seconds: float
    driver_logs: list[Path] = field(default_factory=list)

    @property
    def cycles_done(self) -> int:
        return len({r["cycle"] for r in self.progress if "cycle" in r})

    @property
    def deferred_deliveries(self) -> int:
        return sum(int(r.get("retrying") or 0) for r in self.progress)

    @property
    def crawls_not_finished(self) -> int:
        return sum(1 for r in self.progress if "cycle" in r
                   for outcome in r["outcomes"].values() if outcome != "finished")

    @property
    def drained(self) -> bool:
        return any(r.get("drained") for r in self.progress)


def run_soak(workdir: Path, spec: SoakSpec, *, log: Callable[[str], None] = lambda line: None) -> SoakRun:
    """Run the daemon over the timeline of `spec.seed` for `spec.cycles` cycles, with or without faults."""
    workdir.mkdir(parents=True, exist_ok=True)
    from tests.notify.mail.smtpserver import LoopbackSmtpServer

    timeline = build_timeline(spec.seed, spec.cycles)
    plan = FaultPlan.make(spec.seed, timeline, spec.kill_phase) if spec.faults else FaultPlan.none(spec.seed)
    site = SoakSite(timeline, plan)
    kill = Kill(plan.kill_phase, plan.kill_cycle) if plan.kill_cycle and plan.kill_phase else None
    current: dict[str, subprocess.Popen[bytes]] = {}
    down_cycles = 0
    began = time.monotonic()
    started = time.monotonic()
    progress = workdir / "progress.jsonl"
    logs: list[Path] = []
    restarts = 0

    def sigkill() -> None:
        process = current.get("daemon")
        assert process is not None
        os.kill(process.pid, signal.SIGKILL)  # the daemon cannot run another instruction after this

    with DemoServer(site) as server, LoopbackSmtpServer() as smtp:
        mailbox = _KillingMailbox()
        smtp.messages = mailbox

        refusing = False

        def on_cycle(cycle: int) -> None:
            nonlocal down_cycles, refusing
            down = plan.smtp_is_down(cycle)
            if down and not refusing:
                smtp.refuse_connections()
            elif not down and refusing:
                smtp.accept_connections()
            refusing = down
            down_cycles += down
            if cycle % 50 == 0:
                log(f"cycle {cycle}: {time.monotonic() - began:.0f}s, {len(smtp.received())} mails")

        def on_article(cycle: int) -> None:
            if kill is not None and not kill.cycle and kill.phase == "crawl" and cycle >= kill.armed_at:
                kill.cycle = cycle
                sigkill()

        def on_mail(message: Any) -> None:
            if (kill is not None and not kill.cycle and kill.phase == "delivery"
                    and site.cycle >= kill.armed_at):
                kill.cycle = site.cycle
                kill.message_id = str(message.message["Message-ID"])
                kill.recipient = message.rcpt_tos[0]
                sigkill()

        site.on_cycle, site.on_article = on_cycle, on_article
        mailbox.hook = on_mail
        config = write_config(workdir, server.routes(), smtp.port)
        deadline = spec.send_deadline if spec.send_deadline is not None else 30.0
        margin = spec.lease_margin if spec.lease_margin is not None else 60.0
        drain = max(4 * SMTP_TIMEOUT, deadline) + margin + 30
        command = [sys.executable, "-m", "tests.reliability.soak_helpers", "drive", "--config", str(config),
                   "--control", server.base(CONTROL), "--cycles", str(spec.cycles), "--progress",
                   str(progress), "--drain-seconds", str(drain)]
        if spec.lease_margin is not None:
            command += ["--lease-margin", str(spec.lease_margin)]
        if spec.send_deadline is not None:
            command += ["--send-deadline", str(spec.send_deadline)]
        while True:
            path = workdir / f"daemon-{len(logs) + 1}.log"
            logs.append(path)
            with path.open("wb") as out:
                process = subprocess.Popen(command, cwd=REPO, env=_env(), stdout=out,
                                           stderr=subprocess.STDOUT)
                current["daemon"] = process
                code = process.wait(timeout=spec.cycles * 20 + drain + 120)
            if code == -signal.SIGKILL and kill is not None and kill.cycle and restarts == 0:
                restarts += 1
                log(f"daemon SIGKILLed {kill.phase} in cycle {kill.cycle}; restarting it")
                continue
            if code != 0:
                tail = path.read_text(errors="replace")[-5000:]
                raise AssertionError(f"soak daemon exited {code}:\n{tail}")
            break
        received = smtp.received()
    wall = time.monotonic() - started
    snapshot = read_database(workdir / "soak.db")
    message_events = snapshot.pop("message_events")
    return SoakRun(spec=spec, plan=plan, timeline=timeline, **snapshot,
                   mailbox=[mail_key(m.rcpt_tos, m.message, message_events) for m in received],
                   raw_ids=[str(m.message["Message-ID"]) for m in received], kill=kill, restarts=restarts,
                   progress=read_progress(progress), http_faults=dict(site.faults),
                   given_up_pages=site.outlasting_retries(), answers=site.answers,
                   smtp_down_cycles=down_cycles, wall_seconds=wall, driver_logs=logs)


# --- reading the results ---------------------------------------------------------------------------------

def read_database(path: Path) -> dict[str, Any]:
    """What the comparison needs from the database (read-only, by plain SQL)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        articles = {(s, a): (n, h, t) for s, a, n, h, t in db.execute(
            "SELECT source, article_id, version_no, body_hash, title FROM articles")}
        versions = sorted(db.execute(
            "SELECT a.source, a.article_id, v.version_no, v.body_hash FROM article_versions v "
            "JOIN articles a ON a.id = v.article_pk"))
        events_by_id = {i: (s, a, k, n) for i, s, a, k, n in db.execute(
            "SELECT id, source, article_id, kind, version_no FROM events")}
        seen = {(s, a): st for s, a, st in db.execute("SELECT source, article_id, status FROM seen")}
        deliveries = Counter(st for (st,) in db.execute("SELECT status FROM deliveries"))
        (open_runs,) = db.execute("SELECT count(*) FROM crawl_runs WHERE finished_at IS NULL").fetchone()
        message_events: dict[str, set[tuple[str, str, str, int]]] = {}
        for message_id, event_id in db.execute(
                "SELECT message_id, event_id FROM deliveries WHERE message_id IS NOT NULL"):
            message_events.setdefault(message_id, set()).add(events_by_id[event_id])
    finally:
        db.close()
    return {"articles": articles, "versions": versions, "events": sorted(events_by_id.values()), "seen": seen,
            "deliveries": deliveries, "open_runs": int(open_runs), "message_events": message_events}


def mail_key(rcpt_tos: Iterable[str], message: Any,
             message_events: dict[str, set[tuple[str, str, str, int]]]) -> tuple[Any, ...]:
    """A received message as (recipients, kind, the events it announces, In-Reply-To, Subject).

    The events replace the Message-ID's database ids (an update's and a digest's Message-ID contain event
    ids, which two runs number in whatever order their two crawls happened to store things): they are named by
    (source, article_id, kind, version_no), found through the delivery rows that recorded the Message-ID.
    A first alert's Message-ID and every In-Reply-To are functions of (source, article_id) and kept as sent.
    """
    message_id = str(message["Message-ID"])
    kind = message_id.strip("<").split(".", 1)[0]
    events = tuple(sorted(message_events.get(message_id, ())))
    return (tuple(sorted(rcpt_tos)), kind, events, str(message.get("In-Reply-To") or ""),
            str(message["Subject"]))


@dataclass
class Comparison:
    """What differs between a fault-free run and a run with faults."""

    differences: list[str]
    duplicates: list[tuple[Any, ...]]  # extra copies of a message the reference has (beyond its count)
    duplicates_in_window: list[tuple[Any, ...]]  # of those, the one the mid-delivery SIGKILL accounts for
    lost: list[tuple[Any, ...]]  # in the reference mailbox, missing from the faulty one
    unexpected: list[tuple[Any, ...]]  # in the faulty mailbox, never in the reference

    @property
    def ok(self) -> bool:
        return not (self.differences or self.lost or self.unexpected
                    or len(self.duplicates) != len(self.duplicates_in_window))


def compare(reference: SoakRun, faulty: SoakRun) -> Comparison:
    differences = []
    for name in ("articles", "versions", "events", "seen"):
        want, got = getattr(reference, name), getattr(faulty, name)
        if want != got:
            differences.append(f"{name} differ: reference {_diff(want, got)}")
    for run, label in ((reference, "reference"), (faulty, "faulty")):
        if set(run.deliveries) != {"sent"}:
            differences.append(f"{label} run: deliveries not all sent: {dict(run.deliveries)}")
        if run.cycles_done != run.spec.cycles:
            differences.append(f"{label} run: {run.cycles_done} cycles of {run.spec.cycles} recorded")
        if not run.drained:
            differences.append(f"{label} run: the outbox was not empty at the end")
    want, got = Counter(reference.mailbox), Counter(faulty.mailbox)
    lost = list((want - got).elements())
    extra = got - want
    duplicates = [key for key in extra.elements() if key in want]
    unexpected = [key for key in extra.elements() if key not in want]
    window: list[tuple[Any, ...]] = []
    kill = faulty.kill
    if kill is not None and kill.phase == "delivery" and kill.message_id is not None:
        # The one message the daemon was killed on after the server took it: allowed once more, no other.
        killed = [key for message_id, key in zip(faulty.raw_ids, faulty.mailbox, strict=True)
                  if message_id == kill.message_id and kill.recipient in key[0]]
        window = [key for key in duplicates if killed and key == killed[0]][:1]
    return Comparison(differences, duplicates, window, lost, unexpected)


def _diff(want: Any, got: Any) -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        missing = {k: want[k] for k in want if k not in got}
        extra = {k: got[k] for k in got if k not in want}
        changed = {k: (want[k], got[k]) for k in want if k in got and want[k] != got[k]}
        return f"missing {missing}, extra {extra}, changed {changed}"
    a, b = Counter(want), Counter(got)
    return f"missing {list((a - b).elements())}, extra {list((b - a).elements())}"


def figures(reference: SoakRun, faulty: SoakRun, result: Comparison) -> dict[str, Any]:
    """The numbers docs/RELIABILITY.md reports for a soak."""
    kill = faulty.kill
    return {
        "seed": faulty.spec.seed, "cycles": faulty.cycles_done,
        "timeline_changes": len(faulty.timeline.changes),
        "site_answers": faulty.answers,
        "http_500": faulty.http_faults.get(500, 0), "http_503": faulty.http_faults.get(503, 0),
        "smtp_outages": [list(span) for span in faulty.plan.smtp_down],
        "smtp_down_cycles": faulty.smtp_down_cycles,
        "pages_given_up": faulty.given_up_pages,
        "deliveries_deferred": faulty.deferred_deliveries,
        "crawls_not_finished": faulty.crawls_not_finished, "runs_left_open": faulty.open_runs,
        "sigkill": ({"phase": kill.phase, "armed_at": kill.armed_at, "cycle": kill.cycle,
                     "message_id": kill.message_id} if kill else None),
        "restarts": faulty.restarts,
        "articles": len(faulty.articles), "versions": len(faulty.versions), "events": len(faulty.events),
        "alerts_expected": len(reference.mailbox), "alerts_delivered": len(faulty.mailbox),
        "duplicates": len(result.duplicates), "duplicates_in_window": len(result.duplicates_in_window),
        "lost": len(result.lost), "unexpected": len(result.unexpected),
        "differences": result.differences,
        "wall_seconds_reference": round(reference.wall_seconds, 1),
        "wall_seconds_faulty": round(faulty.wall_seconds, 1),
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "drive":
        sys.exit(drive(sys.argv[2:]))
    sys.exit("usage: python -m tests.reliability.soak_helpers drive --config ... (started by run_soak)")
