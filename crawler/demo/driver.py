"""`make demo`: serve the replay site, crawl it through routes into a fresh demo database, show the result.

Thin on purpose: everything it does goes through the user-facing commands (`newswatch crawl`,
`newswatch articles list`) in subprocesses, with a config file written under data/demo/, so the demo
exercises exactly what a user runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from pathlib import Path

from crawler.core.errors import NewswatchError
from crawler.demo import outlet_pages
from crawler.demo.mailsink import MailSink
from crawler.demo.server import DemoServer
from crawler.demo.webhooksink import WebhookSink

DEMO_DIR = Path("data") / "demo"
DB_URL = "sqlite:///data/demo/newswatch.db"
SINCE, UNTIL = "2022-01-01", "2022-01-31"


class DemoError(NewswatchError):
    """The demo cannot run (a missing command, a failed crawl); the message says what to do."""


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


DEMO_READER = "reader@example.org"
DEMO_TOPIC = "kazakhstan-unrest"
FEED_PATH = DEMO_DIR / f"{DEMO_TOPIC}.atom"


def config_text(routes: Mapping[str, str], db_url: str = DB_URL, smtp_port: int | None = None,
                channel: str | None = None) -> str:
    """The demo's config file: the packaged defaults plus the demo database, fast polite-to-loopback
    crawling, the routes to the replay server and, with `smtp_port`, a subscriber whose alerts go to the
    local mail sink (and to `channel`, the local webhook receiver, when given)."""
    lines = [
        "# Written by `python -m crawler.demo` for one run; the routes point at its replay server.",
        "[storage]", f"url = {_toml_string(db_url)}", "",
        "[crawl]", "download_delay = 0.0", "autothrottle = false", "timeout = 20.0", "retry_times = 1",
        # The demo's story is from January 2022: keep re-checking all of it, as a user following an old
        # story would, so that revised articles are noticed.
        "recheck_window_hours = 1000000.0", "",
    ]
    if smtp_port is not None:
        lines += [
            "[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"', 'username = ""',
            'from_address = "newswatch-demo@localhost"', "",
            "[alerts]", 'baseline = "digest"', "",
        ]
    # The third outlet has no code in newswatch: this table is all it takes to follow it.
    lines += ["# The Caspian Courier: an outlet followed by configuration alone (no code).",
              outlet_pages.CONFIG]
    lines += ["[routes]"]
    lines += [f"{_toml_string(host)} = {_toml_string(base)}" for host, base in routes.items()]
    if smtp_port is not None:
        # Last: keys after a [[table]] header belong to it.
        lines += ["", "[[subscriptions]]", f"to = [{_toml_string(DEMO_READER)}]",
                  f"topics = [{_toml_string(DEMO_TOPIC)}]", 'mode = "immediate"', 'timezone = "Asia/Jakarta"']
        if channel:
            lines += [f"channels = [{_toml_string(channel)}]"]
    return "\n".join(lines) + "\n"


def write_config(base_dir: Path, routes: Mapping[str, str], smtp_port: int | None = None,
                 channel: str | None = None) -> Path:
    """data/demo/newswatch.toml under `base_dir`, with a fresh (deleted) demo database beside it."""
    demo_dir = base_dir / DEMO_DIR
    demo_dir.mkdir(parents=True, exist_ok=True)
    for name in ("newswatch.db", "newswatch.db-wal", "newswatch.db-shm", "newswatch.db-journal"):
        (demo_dir / name).unlink(missing_ok=True)
    path = demo_dir / "newswatch.toml"
    path.write_text(config_text(routes, smtp_port=smtp_port, channel=channel), encoding="utf-8")
    return path


def crawl_available() -> bool:
    from crawler.cli import cli

    return "crawl" in cli.commands


def crawl_command(config: Path, routes: Mapping[str, str]) -> list[str]:
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", DB_URL]
    for host, base in routes.items():
        command += ["--route", f"{host}={base}"]
    return [*command, "--since", SINCE, "--until", UNTIL]


def _env() -> dict[str, str]:
    # A proxy would see loopback addresses as remote; the user's own config and database must not leak in.
    return {k: v for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and k not in ("NEWSWATCH_CONFIG", "NEWSWATCH_DB")}


def watch_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "crawler", "watch", "--once", "--config", str(config), "--db", DB_URL,
            "--source", "liputan6", "--source", "bbc", "--source", outlet_pages.NAME]


def run_demo(base_dir: Path, step: int = 0, echo: bool = True, monitor: bool = True) -> int:
    """The whole demo. Exit status.

    1. Serve the replay site at `step`, backfill January 2022 with `newswatch crawl` into a fresh
       data/demo/newswatch.db, and list what was stored.
    2. With `monitor`, run the monitor (`newswatch watch --once`) once per later step of the site's timeline,
       with a subscriber whose alerts go to a local mail sink, and show the emails it received: the baseline
       digest, then one email per new article and per material update, threaded under the first.
    """
    if not crawl_available():
        raise DemoError("the `newswatch crawl` command is not available in this version, so the demo cannot "
                        "crawl the replay site; serve it with `python -m crawler.demo serve` and run the "
                        "spiders directly (`scrapy crawl liputan6 -s NEWSWATCH_ROUTES=...`)")
    say = print if echo else (lambda *_args, **_kw: None)
    with DemoServer() as server, MailSink() as sink, WebhookSink() as hook:
        server.set_step(step)
        routes = server.routes()
        config = write_config(base_dir, routes, smtp_port=sink.port if monitor else None,
                              channel=hook.url if monitor else None)
        say(f"newswatch demo: replay site on {server.base_url} (step {step}); config {config}")
        crawl = subprocess.run(crawl_command(config, routes), cwd=base_dir, env=_env(), check=False)
        if crawl.returncode != 0:
            raise DemoError(f"`newswatch crawl` failed with exit status {crawl.returncode}")
        say(f"newswatch demo: {len(server.requests)} requests served; stored articles:")
        sys.stdout.flush()
        listing = subprocess.run([sys.executable, "-m", "crawler", "articles", "list", "--db", DB_URL],
                                 cwd=base_dir, env=_env(), check=False)
        if listing.returncode != 0 or not monitor:
            return listing.returncode
        status = _monitor(base_dir, config, server, sink, hook, first_step=step, say=say)
        return status or _feed(base_dir, say) or _developments(base_dir, say)


def _monitor(base_dir: Path, config: Path, server: DemoServer, sink: MailSink, hook: WebhookSink, *,
             first_step: int, say: Callable[..., None]) -> int:
    log_path = base_dir / DEMO_DIR / "watch.log"
    say(f"\nnewswatch demo: monitoring with `newswatch watch --once` per step; alerts to {DEMO_READER} "
        f"through a local SMTP sink on 127.0.0.1:{sink.port} and to the webhook channel {hook.url} "
        f"(log: {log_path})")
    with log_path.open("w", encoding="utf-8") as log:
        for step in range(first_step, server.site.last_step + 1):
            server.set_step(step)
            before, posted_before = len(sink.messages), len(hook.messages)
            cycle = subprocess.run(watch_command(config), cwd=base_dir, env=_env(), check=False,
                                   stdout=log, stderr=subprocess.STDOUT)
            received = sink.messages[before:]
            posted = hook.messages[posted_before:]
            say(f"  step {step}: {len(received)} email(s), {len(posted)} webhook message(s)"
                + ("" if cycle.returncode == 0 else f" (watch exited {cycle.returncode})"))
            for message in received:
                say(f"    {_one_line(str(message['Subject']))}")
            if cycle.returncode != 0:
                raise DemoError(f"`newswatch watch --once` failed with exit status {cycle.returncode}; "
                                f"see {log_path}")
    messages = sink.messages
    say(f"\nnewswatch demo: the {len(messages)} email(s) {DEMO_READER} received:")
    for message in messages:
        say(_render(message))
    posts = hook.messages
    say(f"\nnewswatch demo: the {len(posts)} message(s) the webhook channel received (Apprise json://; "
        "a Slack, Telegram or Matrix URL gets the same short text):")
    for post in posts:
        say(_render_post(post))
    return 0


def _feed(base_dir: Path, say: Callable[..., None]) -> int:
    """Write the demo topic's Atom feed (new articles and their revisions) with `newswatch feed`."""
    command = [sys.executable, "-m", "crawler", "feed", "--db", DB_URL, "--topic", DEMO_TOPIC, "--updates",
               "--out", str(FEED_PATH)]
    done = subprocess.run(command, cwd=base_dir, env=_env(), check=False)
    if done.returncode != 0:
        raise DemoError(f"`newswatch feed` failed with exit status {done.returncode}")
    entries = (base_dir / FEED_PATH).read_text(encoding="utf-8").count("<entry")
    say(f"\nnewswatch demo: the Atom feed of {DEMO_TOPIC} ({entries} entries: articles and revisions) is "
        f"in {FEED_PATH}; open it in a feed reader")
    return 0


def _developments(base_dir: Path, say: Callable[..., None]) -> int:
    """Show the coverage linked across outlets and languages (`newswatch developments`)."""
    say(f"\nnewswatch demo: developments of {DEMO_TOPIC} reported by more than one article "
        "(newswatch developments --min-articles 2):")
    sys.stdout.flush()
    done = subprocess.run([sys.executable, "-m", "crawler", "developments", "--db", DB_URL, "--topic",
                           DEMO_TOPIC, "--min-articles", "2"], cwd=base_dir, env=_env(), check=False)
    if done.returncode != 0:
        raise DemoError(f"`newswatch developments` failed with exit status {done.returncode}")
    return 0


def _render_post(post: Mapping[str, object], max_lines: int = 10) -> str:
    lines = [line for line in str(post.get("message") or "").splitlines() if line.strip()]
    body = lines[:max_lines] + (["..."] if len(lines) > max_lines else [])
    return "\n".join(["-" * 72, f"Title: {_one_line(str(post.get('title') or ''))}", *body])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _render(message: EmailMessage, max_lines: int = 14) -> str:
    headers = [f"{name}: {_one_line(str(message[name]))}" for name in
               ("Subject", "To", "Message-ID", "In-Reply-To") if message[name]]
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    lines = [line for line in text.splitlines() if line.strip()]
    body = lines[:max_lines] + (["..."] if len(lines) > max_lines else [])
    return "\n".join(["-" * 72, *headers, "", *body])
