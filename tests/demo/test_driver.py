"""The `make demo` driver: the config it writes is a valid newswatch config routed to the replay server, and
`python -m crawler.demo` either crawls into data/demo/newswatch.db or says clearly why it cannot."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import feedparser

from crawler.config import load_config
from crawler.demo import DemoServer
from crawler.demo.driver import DB_URL, DEMO_READER, crawl_available, crawl_command, write_config
from tests.conftest import DemoRun


def test_the_demo_config_routes_every_host_to_the_server(demo_server: DemoServer, tmp_path: Path) -> None:
    stale = tmp_path / "data" / "demo" / "newswatch.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an old demo database")
    path = write_config(tmp_path, demo_server.routes())
    assert path == tmp_path / "data" / "demo" / "newswatch.toml"
    assert not stale.exists()  # every run starts from a fresh database
    config = load_config(path)
    assert config.storage.url == "sqlite:///data/demo/newswatch.db"
    assert dict(config.routes) == demo_server.routes()
    assert config.crawl.download_delay == 0
    assert config.sources["bbc"].feeds[0] == "https://feeds.bbci.co.uk/news/rss.xml"  # the defaults stay


def test_the_crawl_command_line(demo_server: DemoServer, tmp_path: Path) -> None:
    config = tmp_path / "newswatch.toml"
    command = crawl_command(config, demo_server.routes())
    assert command[:4] == [sys.executable, "-m", "crawler", "crawl"]
    assert command[command.index("--config") + 1] == str(config)
    assert command[command.index("--db") + 1] == DB_URL
    routes = [command[i + 1] for i, arg in enumerate(command) if arg == "--route"]
    assert f"www.bbc.com={demo_server.base('bbc')}" in routes and len(routes) == len(demo_server.routes())
    assert command[-4:] == ["--since", "2022-01-01", "--until", "2022-01-31"]


def test_the_demo_config_subscribes_a_reader_to_the_mail_sink(demo_server: DemoServer,
                                                               tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, demo_server.routes(), smtp_port=2525,
                                      channel="json://127.0.0.1:2526/demo-desk"))
    assert (config.smtp.host, config.smtp.port, config.smtp.security) == ("127.0.0.1", 2525, "none")
    assert [list(sub.to) for sub in config.subscriptions] == [[DEMO_READER]]
    assert config.subscriptions[0].channels == ("json://127.0.0.1:2526/demo-desk",)
    assert config.subscriptions[0].mode == "immediate"
    assert dict(config.routes) == demo_server.routes()  # the subscription table did not swallow the routes


def test_python_m_crawler_demo(demo_run: DemoRun) -> None:
    # `python -m crawler.demo` in a fresh directory, once per session (tests/web builds on its database).
    done, tmp_path = demo_run, demo_run.base
    assert crawl_available()
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "data" / "demo" / "newswatch.db").exists()
    assert "liputan6:4826148" in done.stdout and "bbc:cd1y7w4m3zqo" in done.stdout
    assert "liputan6:4826201" not in done.stdout  # football: not about the story

    # The third outlet, configured without code, is crawled and listed like the other two.
    assert "caspian:100245" in done.stdout and "caspian:100270" not in done.stdout

    # The monitoring part: step 0 announces the backlog in digests, step 1 brings one new article per site and
    # one material update per site, step 2 nothing, step 3 one revised death toll. Threaded, never doubled.
    steps = dict(re.findall(r"^  step (\d+): (\d+) email", done.stdout, flags=re.M))
    assert steps == {"0": "3", "1": "6", "2": "0", "3": "1"}, done.stdout[-3000:]
    assert len(re.findall(r"^Subject: \[newswatch\] 8 new articles on kazakhstan-unrest \(backlog\)$",
                          done.stdout, flags=re.M)) == 2
    assert len(re.findall(r"^Subject: \[newswatch\] 3 new articles on kazakhstan-unrest \(backlog\)$",
                          done.stdout, flags=re.M)) == 1
    updates = re.findall(r"^Subject: \[newswatch\] Updated: (.+)$", done.stdout, flags=re.M)
    assert len(updates) == 4
    assert "Updated: caspian: Russian-led troops land in Kazakhstan at Tokayev's request" in done.stdout
    assert "caspian: Kazakhstan says CSTO troops will start leaving on Thursday" in done.stdout
    assert len(re.findall(r"^In-Reply-To: <article\.", done.stdout, flags=re.M)) == 4
    assert "225" in done.stdout
    # The coverage linked across outlets and languages, each link with its reasons.
    assert re.search(r"^development \d+ · 3 articles · bbc, caspian, liputan6 · en, id", done.stdout,
                     flags=re.M)
    assert re.search(r"linked to (bbc|caspian|liputan6):\w+ \([\d.]+\): ~2,500 troops, CSTO", done.stdout)

    # The subscriber's webhook channel got the same alerts as short chat messages, step by step.
    posts = dict(re.findall(r"^  step (\d+): \d+ email\(s\), (\d+) webhook message", done.stdout, flags=re.M))
    assert posts == steps
    assert len(re.findall(r"^Title: 8 new article\(s\) on kazakhstan-unrest \(backlog\)$", done.stdout,
                          flags=re.M)) == 2
    assert len(re.findall(r"^Title: Updated: ", done.stdout, flags=re.M)) == len(updates)
    # The demo topic's Atom feed: every stored article, and each material revision as an entry of its own.
    feed = feedparser.parse((tmp_path / "data" / "demo" / "kazakhstan-unrest.atom").read_bytes())
    assert not feed.bozo
    revisions = [e for e in feed.entries if not e.id.endswith("/v1")]
    assert len(revisions) == len(updates) and len(feed.entries) - len(revisions) >= 19
