"""`make demo`: serve the replay site, crawl it through routes into a fresh demo database, show the result.

Thin on purpose: everything it does goes through the user-facing commands (`newswatch crawl`,
`newswatch articles list`) in subprocesses, with a config file written under data/demo/, so the demo
exercises exactly what a user runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from crawler.demo.server import DemoServer
from crawler.errors import NewswatchError

DEMO_DIR = Path("data") / "demo"
DB_URL = "sqlite:///data/demo/newswatch.db"
SINCE, UNTIL = "2022-01-01", "2022-01-31"


class DemoError(NewswatchError):
    """The demo cannot run (a missing command, a failed crawl); the message says what to do."""


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(routes: Mapping[str, str], db_url: str = DB_URL) -> str:
    """The demo's config file: the packaged defaults plus the demo database, fast polite-to-loopback
    crawling, and the routes to the replay server."""
    lines = [
        "# Written by `python -m crawler.demo` for one run; the routes point at its replay server.",
        "[storage]", f"url = {_toml_string(db_url)}", "",
        "[crawl]", "download_delay = 0.0", "autothrottle = false", "timeout = 20.0", "retry_times = 1", "",
        "[routes]",
    ]
    lines += [f"{_toml_string(host)} = {_toml_string(base)}" for host, base in routes.items()]
    return "\n".join(lines) + "\n"


def write_config(base_dir: Path, routes: Mapping[str, str]) -> Path:
    """data/demo/newswatch.toml under `base_dir`, with a fresh (deleted) demo database beside it."""
    demo_dir = base_dir / DEMO_DIR
    demo_dir.mkdir(parents=True, exist_ok=True)
    for name in ("newswatch.db", "newswatch.db-wal", "newswatch.db-shm", "newswatch.db-journal"):
        (demo_dir / name).unlink(missing_ok=True)
    path = demo_dir / "newswatch.toml"
    path.write_text(config_text(routes), encoding="utf-8")
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


def run_demo(base_dir: Path, step: int = 0, echo: bool = True) -> int:
    """Serve the site at `step`, crawl it into data/demo/newswatch.db, list what was stored. Exit status."""
    if not crawl_available():
        raise DemoError("the `newswatch crawl` command is not available in this version, so the demo cannot "
                        "crawl the replay site; serve it with `python -m crawler.demo serve` and run the "
                        "spiders directly (`scrapy crawl liputan6 -s NEWSWATCH_ROUTES=...`)")
    with DemoServer() as server:
        server.set_step(step)
        routes = server.routes()
        config = write_config(base_dir, routes)
        if echo:
            print(f"newswatch demo: replay site on {server.base_url} (step {step}); config {config}")
        crawl = subprocess.run(crawl_command(config, routes), cwd=base_dir, env=_env(), check=False)
        if crawl.returncode != 0:
            raise DemoError(f"`newswatch crawl` failed with exit status {crawl.returncode}")
        if echo:
            print(f"newswatch demo: {len(server.requests)} requests served; stored articles:")
    listing = subprocess.run([sys.executable, "-m", "crawler", "articles", "list", "--db", DB_URL],
                             cwd=base_dir, env=_env(), check=False)
    return listing.returncode
