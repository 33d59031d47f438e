"""A made-up news site and the `newswatch crawl` command run against it, for the pipeline tests.

Stories are the suite's own text, in the markup shape of the real sites (tests/crawl/data templates); the
server answers article paths from a dict the test can edit between crawls (a story updated, deleted...).
Recorded third-party feeds and pages are read from ../shared by the tests themselves, never copied here.

Every real host is routed to a prefix of the one loopback server and DNS is replaced by a resolver that
refuses every non-loopback name: nothing here resolves or reaches a real host.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from tests.databases import query
from tests.servers import LoopbackServer, Reply
from tests.servers.crawl import REPO, site_routes
from tests.servers.offline import LOOPBACK_RESOLVER, loopback_only

_L6_PATH = re.compile(r"^/[a-z0-9-]+/read/(?P<id>\d+)(/[^?]*)?")
_BBC_PATH = re.compile(r"^/news/articles/(?P<id>[a-z0-9]+)$")

# Scrapy settings for speed and isolation (the config file below holds the rest).
FAST = {
    "DNS_RESOLVER": LOOPBACK_RESOLVER,
    "DOWNLOAD_DELAY_JITTER": 0,
    "NEWSWATCH_RETRY_BACKOFF_BASE": 0.1,
    "NEWSWATCH_RETRY_BACKOFF_JITTER": 0,
    "CLOSESPIDER_TIMEOUT": 90,
}

RELEVANT_ID = ("Kerusuhan meluas di Kazakhstan",
               ["Pengunjuk rasa kembali turun ke jalan di Almaty pada hari ketiga kerusuhan.",
                "Pemerintah Kazakhstan mengumumkan keadaan darurat di beberapa wilayah."])
IRRELEVANT_ID = ("Harga cabai naik menjelang akhir pekan",
                 ["Pedagang di pasar tradisional mengatakan pasokan dari petani berkurang.",
                  "Pembeli berharap harga kembali normal pekan depan."])
RELEVANT_EN = ("Protests spread across Kazakhstan",
               ["Crowds gathered again in Almaty as the unrest entered its third day.",
                "The government declared a state of emergency in several regions."])
IRRELEVANT_EN = ("New phone batteries last longer, makers say",
                 ["Several manufacturers promised devices that run for two days on one charge.",
                  "Reviewers will test the claims when the phones reach shops."])


@dataclass
class Story:
    title: str
    paragraphs: list[str]
    published: str = "2022-01-07T10:00:00+07:00"


@dataclass
class Site:
    """Article pages for Liputan6 (/liputan6/, /liputan6-m/) and BBC (/bbc/, /bbc-uk/) on one server."""

    server: LoopbackServer
    liputan6: dict[str, Story] = field(default_factory=dict)
    bbc: dict[str, Story] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for prefix in ("/liputan6", "/liputan6-m"):
            self.server.handle(prefix + "/", self._liputan6(prefix))
        for prefix in ("/bbc", "/bbc-uk"):
            self.server.handle(prefix + "/", self._bbc(prefix))

    def _liputan6(self, prefix: str) -> Any:
        def handler(path: str) -> Reply | None:
            bare = path[len(prefix):].split("?")[0]
            match = _L6_PATH.match(bare)
            story = self.liputan6.get(match.group("id")) if match else None
            if match is None or story is None:
                return None
            return Reply(200, liputan6_page(f"https://www.liputan6.com{bare}", match.group("id"), story),
                         {"Content-Type": "text/html; charset=utf-8"})
        return handler

    def _bbc(self, prefix: str) -> Any:
        def handler(path: str) -> Reply | None:
            bare = path[len(prefix):].split("?")[0]
            match = _BBC_PATH.match(bare)
            story = self.bbc.get(match.group("id")) if match else None
            if match is None or story is None:
                return None
            return Reply(200, bbc_page(f"https://www.bbc.com{bare}", story),
                         {"Content-Type": "text/html; charset=utf-8"})
        return handler

    def article_paths(self, prefix: str = "/") -> list[str]:
        return [p for p in self.server.paths(prefix) if "/read/" in p or "/news/articles/" in p]


def liputan6_page(url: str, article_id: str, story: Story) -> bytes:
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    title = escape(story.title)
    when = story.published
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} - Liputan6.com</title><link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{when}"></head><body>
<article class="main" id="article-{article_id}"><header class="read-page--header">
<h1 class="read-page--header--title entry-title">{title}</h1>
<time class="read-page--header--author__datetime updated" datetime="{when}">{when}</time>
</header><div class="article-content-body article-content-body_with-aside">
<div class="article-content-body__item-page" data-page="1"><div class="article-content-body__item-content">
{paragraphs}
</div></div></div></article></body></html>""".encode()


def bbc_page(url: str, story: Story) -> bytes:
    blocks = "\n".join(f'<div data-component="text-block"><p>{escape(p)}</p></div>' for p in story.paragraphs)
    title = escape(story.title)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
                     "datePublished": story.published, "dateModified": story.published})
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title} - BBC News</title>
<link rel="canonical" href="{url}"><meta property="og:title" content="{title}">
<script type="application/ld+json">{ld}</script></head><body><main id="main-content"><article>
<div data-component="headline-block"><h1 id="main-heading">{title}</h1></div>
{blocks}
</article></main></body></html>""".encode()


def write_config(path: Path, *, liputan6: dict[str, Any] | None = None, bbc: dict[str, Any] | None = None,
                 crawl: dict[str, Any] | None = None, extra: str = "") -> Path:
    """A newswatch.toml for tests: no delays, one retry, no re-check window, sources as given."""
    crawl_values = {"download_delay": 0.0, "autothrottle": False, "retry_times": 1,
                    "recheck_window_hours": 0.0, **(crawl or {})}
    sources = {
        "liputan6": {"feeds": [], "sitemaps": [], "tags": ["kazakhstan"], "topic_pages": [], "max_pages": 5,
                     **(liputan6 or {})},
        "bbc": {"feeds": ["https://feeds.bbci.co.uk/news/rss.xml"], "sitemaps": [], "topic_pages": [],
                **(bbc or {})},
    }
    lines = ["[crawl]"] + [f"{k} = {_toml(v)}" for k, v in crawl_values.items()]
    for name, values in sources.items():
        lines.append(f"\n[sources.{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def summary(self, source: str) -> str:
        return next((line for line in self.stdout.splitlines() if line.startswith(f"{source}:")), "")


def crawl_command(db: Path | str, config: Path, server: LoopbackServer | None, *args: str,
                  settings: dict[str, Any] | None = None, log: Path | None = None) -> list[str]:
    """The crawl command; db is a SQLite file's path or a database URL (the db_url fixture's)."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    log = log or (config.with_name("crawl.log") if isinstance(db, str) else db.with_suffix(".log"))
    command = [sys.executable, "-m", "crawler", "crawl", "--db", url, "--config", str(config),
               "--log-file", str(log)]
    if server is not None:
        for host, base in site_routes(server).items():
            command += ["--route", f"{host}={base}"]
    for name, value in loopback_only({**FAST, **(settings or {})}).items():
        command += ["--set", f"{name}={json.dumps(value) if not isinstance(value, str) else value}"]
    return command + list(args)


def clean_env() -> dict[str, str]:
    """No proxies (they would see loopback traffic as remote) and no user config leaking into a test."""
    return {k: v for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and not k.startswith("NEWSWATCH_")}


def newswatch_crawl(db: Path | str, config: Path, server: LoopbackServer | None, *args: str,
                    settings: dict[str, Any] | None = None, timeout: float = 120) -> Run:
    """`python -m crawler crawl ...` from the repository root, as a user runs it."""
    done = subprocess.run(crawl_command(db, config, server, *args, settings=settings), cwd=REPO,
                          env=clean_env(), capture_output=True, text=True, timeout=timeout, check=False)
    return Run(done.returncode, done.stdout, done.stderr)


def rows(db: Path | str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of `sql` (? placeholders) from a SQLite file's path or any database URL."""
    if isinstance(db, str):
        return query(db, sql, *params)
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql, params))


def last_stats(db: Path | str, source: str) -> dict[str, Any]:
    found = rows(db, "SELECT stats FROM crawl_runs WHERE spider = ? ORDER BY id DESC LIMIT 1", source)
    return json.loads(found[0][0]) if found and found[0][0] else {}
