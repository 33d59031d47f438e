"""Running `newswatch watch` the way a user does, in real subprocesses, against loopback servers.

    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp.port)
    result = watch_once(config, "--source", "bbc")          # one cycle, waits for it
    daemon = Daemon(config).start(); daemon.wait_for("cycle 1:"); daemon.terminate()

Everything a test needs to tune goes into a real config file: politeness off (no download delay or
AutoThrottle), short SMTP timeouts, no retry backoff, and the topics and subscriptions of the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.servers.offline import LOOPBACK_RESOLVER, loopback_only_args

REPO = Path(__file__).resolve().parent.parent.parent
RECIPIENT = "desk@newswatch.test"

# Scrapy settings for every crawl of a test: no DNS beyond loopback, quick retries.
TEST_SETTINGS = {
    "DNS_RESOLVER": LOOPBACK_RESOLVER,
    "NEWSWATCH_RETRY_BACKOFF_BASE": "0.2",
    "NEWSWATCH_RETRY_BACKOFF_JITTER": "0",
    "DOWNLOAD_DELAY_JITTER": "0",
}

KAZAKHSTAN_ONLY = ""  # the packaged default topic (kazakhstan-unrest) as it is

# A topic whose rules match any English article: every article page has "the" in it.
CATCH_ALL_TOPIC = """
[topics.everything]
description = "Every article"
min_score = 0.0
[topics.everything.keywords.en]
any = ["the"]
"""



def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(directory: Path, *, routes: Mapping[str, str], smtp_port: int,
                 bbc_feeds: Sequence[str] = ("https://feeds.bbci.co.uk/news/world/rss.xml",),
                 liputan6: bool = False, topics: str = KAZAKHSTAN_ONLY, crawl_timeout: int = 60,
                 smtp_timeout: float = 3.0, interval_minutes: int = 15, extra: str = "",
                 storage_url: str | None = None, download_timeout: float = 10.0) -> Path:
    """A config file for a watch test, and the SQLite database beside it (see `db_url`), or the database
    `storage_url` names (the db_url fixture's PostgreSQL one)."""
    lines = [
        "[storage]", f"url = {_toml(storage_url or 'sqlite:///' + str(directory / 'watch.db'))}",
        "[crawl]", "download_delay = 0.0", "autothrottle = false", f"timeout = {download_timeout}",
        "retry_times = 0",
        "[routes]", *[f"{_toml(host)} = {_toml(base)}" for host, base in routes.items()],
        "[schedule]", f"interval_minutes = {interval_minutes}", "jitter_seconds = 0",
        "[sources.liputan6]", f"enabled = {_toml(liputan6)}",
        "[sources.bbc]", f"feeds = {_toml(list(bbc_feeds))}", "sitemaps = []", "topic_pages = []",
        "[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"', 'username = ""',
        f"timeout = {smtp_timeout}", 'from_address = "newswatch@newswatch.test"',
        "[alerts]", "retry_backoff_seconds = 0.0", "retry_backoff_max_seconds = 0.0",
        "[alerts.health]", "min_articles = 0", "feed_stale_hours = 0.0",
        "[watch]", f"crawl_timeout_seconds = {crawl_timeout}",
    ]
    if topics:
        lines += ["[topics.kazakhstan-unrest]", "enabled = false", topics.strip()]
    lines += [extra.strip(), "[[subscriptions]]", f"to = [{_toml(RECIPIENT)}]"]
    path = directory / "newswatch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def db_url(config: Path) -> str:
    """The database URL a test's config file names."""
    return str(tomllib.loads(config.read_text(encoding="utf-8"))["storage"]["url"])


def _env() -> dict[str, str]:
    # No proxies (they would see loopback traffic as remote) and no user config leaking into a test.
    return {k: v for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and not k.startswith("NEWSWATCH_")}


def command(config: Path, *args: str) -> list[str]:
    cmd = [sys.executable, "-m", "crawler", "watch", "--config", str(config)]
    for name, value in TEST_SETTINGS.items():
        cmd += ["--set", f"{name}={value}"]
    # LoopbackOnlyResolver (TEST_SETTINGS); a test naming a resolver that could ask the network fails.
    return loopback_only_args([*cmd, *args])


@dataclass
class Finished:
    returncode: int
    log: str


def watch_once(config: Path, *args: str, timeout: float = 120) -> Finished:
    """`newswatch watch --once` to completion."""
    done = subprocess.run(command(config, "--once", *args), cwd=REPO, env=_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)
    return Finished(done.returncode, done.stderr + done.stdout)


class Daemon:
    """`newswatch watch` as a background process; its stderr goes to a file the test can poll."""

    def __init__(self, config: Path, *args: str) -> None:
        self.config = config
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_path = Path(tempfile.mkstemp(prefix="watch-", suffix=".log", dir=config.parent)[1])

    def start(self) -> Daemon:
        self._log = self._log_path.open("wb")
        self.process = subprocess.Popen(command(self.config, *self.args), cwd=REPO, env=_env(),
                                        stdout=self._log, stderr=subprocess.STDOUT)
        return self

    @property
    def log(self) -> str:
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, timeout: float = 60, count: int = 1) -> None:
        """Wait until `text` appears `count` times in the log (AssertionError with the log otherwise)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log.count(text) >= count:
                return
            assert self.process is not None
            if self.process.poll() is not None:
                code = self.process.returncode
                raise AssertionError(f"daemon exited ({code}) before {text!r}:\n{self.log}")
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen {count} time(s) in {timeout}s:\n{self.log[-5000:]}")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        finally:
            if self._log is not None:
                self._log.close()

    def terminate(self, timeout: float = 60) -> int:
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)
        if self._log is not None:
            self._log.close()

    def stop_if_running(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


def plain_text(message: Any) -> str:
    """The text/plain part of a received e-mail."""
    part = message.get_body(("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def wait_until(predicate: Any, timeout: float = 30, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
