"""Helpers for the fault, storage, mail and security tests: a loopback site that misbehaves on demand, a
config file, `newswatch` run as a user runs it (a subprocess), and readers for what the database holds.

    with FaultServer() as server:
        site = Liputan6Site(server, articles(4))
        server.truncate(site.path(site.articles[1]))          # headers + Content-Length, then close early
        run = newswatch_crawl(tmp_path, server, site=site)      # `newswatch crawl --source liputan6 ...`
        assert stored_ids(run.db_url) == {...}

Every article is made up for these tests (a sentence or two about the January 2022 unrest, written here),
never a recorded page. Nothing resolves a real name: routes point at 127.0.0.1, every crawl and watch these
helpers start installs `LoopbackOnlyResolver` (tests/servers/offline.py: a host nobody routed fails at DNS,
without a lookup), and the DNS tests install `FailingResolver` instead, which resolves loopback names and
names under the reserved `.test` domain only, and fails the ones it is told to.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from tests.servers import LoopbackServer, Reply, _Handler
from tests.servers.offline import loopback_only, loopback_only_args

REPO = Path(__file__).resolve().parent.parent.parent
TOPIC = "kazakhstan-unrest"
L6_HOST = "www.liputan6.com"
TAG_PATH = "/liputan6/tag/kazakhstan"
FAULT_HEADER = "X-Test-Fault"  # set on a Reply: how the server misbehaves (never sent to the client)

# Fast, deterministic crawls against our own server: no politeness delays, short retry waits, the retry
# budget spelled out so tests can count attempts.
RETRY_TIMES = 2
FAST_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_TIMES": RETRY_TIMES,
    "NEWSWATCH_RETRY_BACKOFF_BASE": 0.1,
    "NEWSWATCH_RETRY_BACKOFF_MAX": 2,
    "NEWSWATCH_RETRY_BACKOFF_JITTER": 0,
    "DOWNLOAD_TIMEOUT": 10,
    "CLOSESPIDER_TIMEOUT": 90,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
}


# --- a site that misbehaves ------------------------------------------------------------------------------

class _FaultHandler(_Handler):
    """The loopback server's handler, plus faults below HTTP: a body cut short, a connection reset."""

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        fault = headers.get(FAULT_HEADER)
        if fault is None:
            super()._send(status, body, headers, send_body)
            return
        self.send_response(status)
        for name, value in headers.items():
            if name not in (FAULT_HEADER, "Content-Length"):
                self.send_header(name, value)
        # The full length is promised, a third of it is sent: the client must notice the data loss.
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 3])
        self.wfile.flush()
        if fault == "reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN: "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or was reset hangs up on us mid-reply: expected here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FaultServer(LoopbackServer):
    """tests.servers.LoopbackServer with two more faults: `truncate(path)` and `reset(path)`."""

    def start(self) -> FaultServer:
        server = self

        class Handler(_FaultHandler):
            owner = server

        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fault-server", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> FaultServer:
        return self.start()

    def faulty(self, kind: str, body: bytes = b"<html><body>" + b"x" * 3000 + b"</body></html>") -> Reply:
        """A reply that promises `body` and delivers a third of it, then closes ("truncate") or resets."""
        return Reply(200, body, {"Content-Type": "text/html; charset=utf-8", FAULT_HEADER: kind})

    def hits(self, path: str) -> int:
        """How many requests asked for exactly `path` (query included when given)."""
        return sum(1 for r in self.requests() if r.path == path or r.bare_path == path)


@dataclass(frozen=True)
class SiteArticle:
    """A made-up Liputan6 article about the unrest: its id, and what its page says."""

    article_id: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    published: str = "2022-01-06T10:00:00+07:00"
    channel: str = "global"
    slug: str = "kazakhstan-uji"
    raw_title: bool = False  # True: title/lead/paragraphs are HTML already (hostile content tests)
    canonical: str | None = None  # what the page's <link rel="canonical"> says (default: its own URL)

    @property
    def path(self) -> str:
        return f"/{self.channel}/read/{self.article_id}/{self.slug}"

    @property
    def url(self) -> str:
        return f"https://{L6_HOST}{self.path}"


def articles(count: int, first_id: int = 4830001) -> list[SiteArticle]:
    """`count` relevant articles (Indonesian, naming Kazakhstan and the protests), distinct ids and titles."""
    made = []
    for n in range(count):
        article_id = str(first_id + n)
        made.append(SiteArticle(
            article_id=article_id,
            title=f"Protes harga gas di Kazakhstan meluas, laporan uji {n + 1}",
            lead=f"Kerusuhan di Almaty berlanjut pada hari ke-{n + 1}, menurut laporan uji ini.",
            paragraphs=(
                f"Paragraf uji {article_id}: pengunjuk rasa di Almaty menolak kenaikan harga gas cair.",
                "Pemerintah Kazakhstan mengumumkan keadaan darurat dan jam malam di beberapa kota.",
                "Teks ini ditulis untuk pengujian keandalan perayap, bukan salinan berita mana pun.",
            ),
            published=f"2022-01-0{5 + n % 4}T{8 + n % 10:02d}:00:00+07:00",
        ))
    return made


def article_html(article: SiteArticle) -> bytes:
    """The article page, in the markup shape of Liputan6's read pages (the parser's own selectors)."""
    title = article.title if article.raw_title else escape(article.title)
    lead = article.lead if article.raw_title else escape(article.lead, quote=True)
    paragraphs = article.paragraphs if article.raw_title else tuple(escape(p) for p in article.paragraphs)
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{title} - News Liputan6.com</title>
<link rel="canonical" href="{escape(article.canonical or article.url, quote=True)}">
<meta property="og:title" content="{escape(article.title, quote=True)}">
<meta property="og:description" content="{escape(article.lead, quote=True)}">
<meta property="article:published_time" content="{article.published}">
</head>
<body>
<article class="main" id="article-{article.article_id}">
<header class="read-page--header">
<h1 class="read-page--header--title entry-title">{title}</h1>
<time class="read-page--header--author__datetime updated"
 datetime="{article.published}">{article.published}</time>
</header>
<div class="article-content-body article-content-body_with-aside">
<div class="article-content-body__item-page" data-page="1">
<div class="article-content-body__item-content">
<p><b>Liputan6.com, Jakarta</b> - {lead}</p>
{body}
</div>
</div>
</div>
</article>
</body>
</html>
""".encode()


def tag_listing(items: Iterable[SiteArticle]) -> bytes:
    """A Liputan6 tag page listing `items` (newest first as given), in its iridescent-list markup."""
    from tests.crawl.pages import liputan6_listing

    return liputan6_listing([(a.url, a.title if not a.raw_title else "Kazakhstan", a.lead
                              if not a.raw_title else "Protes di Kazakhstan", a.published) for a in items])


class Liputan6Site:
    """A tag page (page 1 of /tag/kazakhstan) listing `articles`, and each article's page, on `server`."""

    def __init__(self, server: LoopbackServer, items: Sequence[SiteArticle], prefix: str = "liputan6"):
        self.server = server
        self.prefix = prefix
        self.articles = list(items)
        self.server.add(f"/{prefix}/tag/kazakhstan", tag_listing(self.articles), content_type="text/html")
        for item in self.articles:
            self.serve(item)

    def path(self, item: SiteArticle) -> str:
        return f"/{self.prefix}{item.path}"

    def serve(self, item: SiteArticle) -> None:
        """Serve the article normally again (after a fault)."""
        self.server.add(self.path(item), article_html(item), content_type="text/html; charset=utf-8")

    @property
    def ids(self) -> set[str]:
        return {a.article_id for a in self.articles}

    def route(self, base: str | None = None) -> str:
        return f"{L6_HOST}={base or self.server.base(self.prefix)}"


# --- DNS that fails on demand --------------------------------------------------------------------------

DNS_DOWN_SETTING = "NEWSWATCH_TEST_DNS_DOWN"  # comma-separated names that fail to resolve
DNS_LOG_SETTING = "NEWSWATCH_TEST_DNS_LOG"  # a file each lookup is appended to ("ok NAME" / "fail NAME")


@implementer(IResolverSimple)
class FailingResolver:
    """A resolver for TWISTED_DNS_RESOLVER/DNS_RESOLVER that never asks the network.

    Names listed in NEWSWATCH_TEST_DNS_DOWN fail with DNSLookupError; other loopback names (localhost,
    127.x) and names under the reserved `.test` domain resolve to 127.0.0.1 (so a route to
    `http://site.test:PORT/` reaches the loopback server through a lookup); every other name fails too, so a
    real host can never be resolved, let alone reached.
    """

    def __init__(self, reactor: Any, down: Iterable[str], log: str | None) -> None:
        self.reactor = reactor
        self.down = {name.strip().lower() for name in down if name.strip()}
        self.log = Path(log) if log else None

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> FailingResolver:
        settings = crawler.settings
        return cls(reactor, str(settings.get(DNS_DOWN_SETTING) or "").split(","),
                   settings.get(DNS_LOG_SETTING))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:
        lowered = name.lower().rstrip(".")
        failed = lowered in self.down or not (lowered.endswith(".test") or _is_loopback_name(lowered))
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"{'fail' if failed else 'ok'} {name}\n")
        if failed:
            return defer.fail(DNSLookupError(f"{name}: no such host (FailingResolver)"))
        return defer.succeed("127.0.0.1")


def _is_loopback_name(name: str) -> bool:
    if name in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# --- config and the newswatch command -------------------------------------------------------------------

def toml_value(value: Any) -> str:
    return json.dumps(value)  # JSON strings, numbers, booleans and arrays are valid TOML


def write_config(path: Path, *, db_url: str | None, smtp: Mapping[str, Any] | None = None,
                 subscriptions: Sequence[Mapping[str, Any]] = (), alerts: Mapping[str, Any] | None = None,
                 bbc: bool = False, topic_name: str = TOPIC, description: str | None = None,
                 retry_backoff: float = 1.0) -> Path:
    """A newswatch.toml: liputan6 by its kazakhstan tag page only (bbc off unless asked), the default topic
    (renamed to `topic_name` when given), optional SMTP settings and subscriptions. Without `db_url` the
    default database applies (data/newswatch.db under the working directory)."""
    lines = ["[storage]", f"url = {toml_value(db_url)}", ""] if db_url else []
    # The tag page is the only way in: the packaged feeds and sitemaps (other hosts, not routed here) are off.
    lines += ["[sources.liputan6]", "tags = [\"kazakhstan\"]", "max_pages = 1", "feeds = []", "sitemaps = []",
              "topic_pages = []", "",
             "[sources.bbc]", f"enabled = {toml_value(bbc)}", "feeds = []", "sitemaps = []", ""]
    if description is not None and topic_name == TOPIC:
        lines += [f"[topics.{toml_value(TOPIC)}]", f"description = {toml_value(description)}", ""]
    if topic_name != TOPIC:
        lines += [f"[topics.{toml_value(TOPIC)}]", "enabled = false", "",
                  f"[topics.{toml_value(topic_name)}]",
                  "description = \"The January 2022 unrest in Kazakhstan\"", "since = 2022-01-01",
                  "min_score = 4.0", "",
                  f"[topics.{toml_value(topic_name)}.keywords.id]",
                  "any = [\"protes\", \"kerusuhan\", \"unjuk rasa\"]",
                  "all = [[\"Kazakhstan\", \"Almaty\"]]", ""]
    if smtp:
        lines += ["[smtp]"] + [f"{k} = {toml_value(v)}" for k, v in smtp.items()] + [""]
    lines += ["[alerts]", "baseline = \"all\"", f"retry_backoff_seconds = {toml_value(retry_backoff)}",
              f"retry_backoff_max_seconds = {toml_value(retry_backoff)}"]
    lines += [f"{k} = {toml_value(v)}" for k, v in (alerts or {}).items()] + [""]
    for sub in subscriptions:
        lines += ["[[subscriptions]]"] + [f"{k} = {toml_value(v)}" for k, v in sub.items()] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a newswatch subprocess: no proxies, no user NEWSWATCH_* settings, the repository
    importable (for tests.* resolvers) from any working directory."""
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith("NEWSWATCH_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


@dataclass
class Completed:
    """A finished `newswatch` process: exit status, what it printed, and its log file (if it had one)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    log: str = ""
    db_url: str = ""

    @property
    def everything(self) -> str:
        return "\n".join((self.stdout, self.stderr, self.log))


CRAWLING_VERBS = frozenset({"crawl", "watch"})


def offline(args: Sequence[str]) -> list[str]:
    """A command line of newswatch's that crawls (crawl, watch) gets LoopbackOnlyResolver unless it names an
    offline resolver itself; one naming another resolver fails the test (tests/servers/offline.py)."""
    return loopback_only_args(args) if CRAWLING_VERBS & set(args) else list(args)


def newswatch_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "crawler", *offline(args)]


def run_newswatch(args: Sequence[str], cwd: Path, *, env: Mapping[str, str] | None = None,
                  timeout: float = 120) -> Completed:
    """`newswatch ARGS` in a subprocess, in `cwd` (its data/ stays in the test's directory)."""
    command = newswatch_command(args)
    done = subprocess.run(command, cwd=cwd, env=clean_env(env), capture_output=True, text=True,
                          timeout=timeout, check=False)
    return Completed(list(args), done.returncode, done.stdout, done.stderr)


def settings_args(settings: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in settings.items():
        args += ["--set", f"{name}={json.dumps(value) if not isinstance(value, str) else value}"]
    return args


@dataclass
class CrawlSetup:
    """Where one test's newswatch keeps things: its directory (the working directory of every command),
    config file and database. default_db: no --db and no storage.url, so data/newswatch.db is used."""

    root: Path
    default_db: bool = False
    db_path: Path = field(init=False)
    config_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / ("data/newswatch.db" if self.default_db else "news.db")
        self.config_path = self.root / "newswatch.toml"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def configure(self, **kwargs: Any) -> Path:
        return write_config(self.config_path, db_url=None if self.default_db else self.db_url, **kwargs)

    def crawl_args(self, routes: Sequence[str], *, sources: Sequence[str] = ("liputan6",),
                   settings: Mapping[str, Any] | None = None, db_url: str | None = None,
                   log_file: Path | None = None) -> list[str]:
        if not self.config_path.exists():
            self.configure()
        args = ["crawl", "--config", str(self.config_path)]
        if db_url or not self.default_db:
            args += ["--db", db_url or self.db_url]
        if log_file is not None:
            args += ["--log-file", str(log_file)]
        for source in sources:
            args += ["--source", source]
        for route in routes:
            args += ["--route", route]
        # LoopbackOnlyResolver unless the test names an offline resolver: no crawl here asks the network.
        return args + settings_args(loopback_only({**FAST_SETTINGS, **(settings or {})}))

    def next_log(self, name: str) -> Path:
        return self.root / f"{name}-{len(list(self.root.glob('*.log')))}.log"

    def crawl(self, routes: Sequence[str], *, sources: Sequence[str] = ("liputan6",),
              settings: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None,
              db_url: str | None = None, timeout: float = 120, name: str = "crawl") -> Completed:
        """`newswatch crawl` of `sources` through `routes`, fast settings, the log in a file of its own."""
        log_file = self.next_log(name)
        args = self.crawl_args(routes, sources=sources, settings=settings, db_url=db_url, log_file=log_file)
        done = run_newswatch(args, self.root, env=env, timeout=timeout)
        done.log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
        done.db_url = db_url or self.db_url
        return done

    def start(self, args: Sequence[str], env: Mapping[str, str] | None = None,
              python: Sequence[str] | None = None) -> subprocess.Popen[str]:
        """Start `newswatch ARGS` (or python ... ARGS) without waiting; read it with finish()."""
        command = [*python, *offline(args)] if python else newswatch_command(args)
        return subprocess.Popen(command, cwd=self.root, env=clean_env(env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float = 120) -> Completed:
    stdout, stderr = process.communicate(timeout=timeout)
    args = [str(a) for a in process.args] if isinstance(process.args, list) else [str(process.args)]
    return Completed(args, process.returncode, stdout, stderr)


# --- what the database holds ----------------------------------------------------------------------------

def query(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of `sql` on the SQLite file, read with the standard library (not through the code under test)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def stored_ids(db_path: Path, source: str = "liputan6") -> list[str]:
    """Article ids in the articles table, sorted, repeats kept (a duplicate would show twice)."""
    return sorted(r[0] for r in query(db_path, "SELECT article_id FROM articles WHERE source = ?", (source,)))


def runs(db_path: Path) -> list[dict[str, Any]]:
    """crawl_runs rows, oldest first, with stats parsed."""
    rows = query(db_path, "SELECT id, spider, outcome, stats FROM crawl_runs ORDER BY id")
    return [{"id": r[0], "spider": r[1], "outcome": r[2], "stats": json.loads(r[3]) if r[3] else {}}
            for r in rows]


def last_stats(db_path: Path, spider: str = "liputan6") -> dict[str, Any]:
    found = [r for r in runs(db_path) if r["spider"] == spider]
    assert found, f"no crawl run of {spider} recorded"
    return dict(found[-1]["stats"])


def integrity(db_path: Path) -> str:
    return str(query(db_path, "PRAGMA integrity_check")[0][0])


def half_written(db_path: Path) -> list[str]:
    """Signs of a half-written article: a row without its versions, versions or topics without an article,
    an article without the outbox event of its first version. Empty when the database is consistent."""
    checks = {
        "article without its current version": "SELECT a.article_id FROM articles a WHERE NOT EXISTS "
        "(SELECT 1 FROM article_versions v WHERE v.article_pk = a.id AND v.version_no = a.version_no)",
        "version without its article": "SELECT v.id FROM article_versions v WHERE NOT EXISTS "
        "(SELECT 1 FROM articles a WHERE a.id = v.article_pk)",
        "topic without its article": "SELECT t.article_pk FROM article_topics t WHERE NOT EXISTS "
        "(SELECT 1 FROM articles a WHERE a.id = t.article_pk)",
        "article without its 'new' event": "SELECT a.article_id FROM articles a WHERE NOT EXISTS "
        "(SELECT 1 FROM events e WHERE e.source = a.source AND e.article_id = a.article_id "
        "AND e.kind = 'new')",
    }
    return [f"{what}: {row[0]}" for what, sql in checks.items() for row in query(db_path, sql)]


def count(db_path: Path, table: str) -> int:
    return int(query(db_path, f"SELECT count(*) FROM {table}")[0][0])
