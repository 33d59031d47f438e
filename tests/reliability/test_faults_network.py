"""Faults below and around HTTP: DNS failures (through a failing resolver, never a real lookup), robots.txt
that forbids the articles or cannot be loaded, and transient faults that a retry cures within one crawl.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.faults_helpers import (
    DNS_DOWN_SETTING,
    DNS_LOG_SETTING,
    FAST_SETTINGS,
    RETRY_TIMES,
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    articles,
    finish,
    integrity,
    last_stats,
    settings_args,
    stored_ids,
)
from tests.servers import Reply
from tests.servers.crawl import run_crawl

RESOLVER = "tests.reliability.faults_helpers.FailingResolver"
DOWN = "liputan6-origin.test"  # the name the route uses; FailingResolver fails it on demand


def _scrapy_crawl(setup: CrawlSetup, site: Liputan6Site, base: str, down: str, name: str) -> tuple[int, dict]:
    """`scrapy crawl liputan6` with the database and config of `setup` (the pipelines store, the runs are
    incremental) and FailingResolver as Scrapy's DNS resolver."""
    out = setup.root / name
    out.mkdir()
    result = run_crawl("liputan6", out, routes={"www.liputan6.com": base}, settings={
        "DNS_RESOLVER": RESOLVER, DNS_DOWN_SETTING: down, DNS_LOG_SETTING: str(setup.root / "dns.log"),
        "NEWSWATCH_DB": setup.db_url, "NEWSWATCH_CONFIG": str(setup.config_path), "RETRY_TIMES": RETRY_TIMES,
        "LOG_LEVEL": "INFO"})
    return result.returncode, result.stats


def test_dns_failure_counts_retries_and_a_later_crawl_recovers(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    setup.configure()
    with FaultServer() as server:
        site = Liputan6Site(server, articles(3))
        base = f"http://{DOWN}:{server.port}/liputan6"
        code, stats = _scrapy_crawl(setup, site, base, down=DOWN, name="down")
        assert code == 0
        assert server.requests() == []  # nothing got through
        # robots.txt and the tag page: each tried 1 + RETRY_TIMES times, every try a failed lookup.
        # Scrapy reports the resolver's DNSLookupError as CannotResolveHostError (2.19) or as it is.
        failures = sum(v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")
                       and k.endswith(("DNSLookupError", "CannotResolveHostError")))
        assert failures == 2 * (1 + RETRY_TIMES)
        assert stats["retry/max_reached"] == 2
        lookups = (setup.root / "dns.log").read_text().split("\n")
        assert lookups.count(f"fail {DOWN}") == 2 * (1 + RETRY_TIMES)
        assert stored_ids(setup.db_path) == []

        # DNS is back: the next crawl stores everything, once.
        code, stats = _scrapy_crawl(setup, site, base, down="", name="up")
        assert code == 0
        assert stored_ids(setup.db_path) == sorted(site.ids)
        assert stats["newswatch/articles/new"] == 3
    assert integrity(setup.db_path) == "ok"


def test_newswatch_crawl_uses_the_configured_resolver(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    with FaultServer() as server:
        site = Liputan6Site(server, articles(2))
        # "localhost" needs no network to resolve, so a resolver that is ignored cannot leak a lookup.
        run = setup.crawl([site.route(f"http://localhost:{server.port}/liputan6")], settings={
            "TWISTED_DNS_RESOLVER": RESOLVER, DNS_DOWN_SETTING: "localhost",
            DNS_LOG_SETTING: str(tmp_path / "dns.log")})
        assert server.requests() == [], "the lookup of localhost should have failed"
    assert run.returncode == 1
    # Scrapy 2.19 reports the resolver's DNSLookupError as CannotResolveHostError; older ones as it is.
    assert ("cannot reach liputan6 (CannotResolveHostError)" in run.stderr
            or "cannot reach liputan6 (DNSLookupError)" in run.stderr), run.stderr
    assert "fail localhost" in (tmp_path / "dns.log").read_text(encoding="utf-8")


def test_watch_uses_the_configured_resolver(tmp_path: Path) -> None:
    """`newswatch watch --once` installs the resolver its settings name, once, for the daemon's crawls."""
    setup = CrawlSetup(tmp_path)
    setup.configure()
    log = tmp_path / "dns.log"
    with FaultServer() as server:
        site = Liputan6Site(server, articles(2))
        settings = {**FAST_SETTINGS, "DNS_RESOLVER": RESOLVER, DNS_DOWN_SETTING: "localhost",
                    DNS_LOG_SETTING: str(log)}
        run = finish(setup.start([
            "watch", "--once", "--source", "liputan6", "--config", str(setup.config_path),
            "--db", setup.db_url, "--route", site.route(f"http://localhost:{server.port}/liputan6"),
            *settings_args(settings)]))
        assert server.requests() == [], "the lookup of localhost should have failed"
    assert run.returncode == 1, run.everything[-3000:]
    assert "fail localhost" in log.read_text(encoding="utf-8")
    assert "liputan6 unreachable" in run.stderr


def test_a_resolver_that_cannot_be_loaded_is_one_line(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    run = setup.crawl(["www.liputan6.com=http://127.0.0.1:9/liputan6"],
                      settings={"DNS_RESOLVER": "tests.reliability.no_such_module.Resolver"})
    assert run.returncode == 2, run.everything[-2000:]
    assert run.stderr.strip().splitlines() == [
        "newswatch: error: DNS_RESOLVER: cannot load the resolver "
        "'tests.reliability.no_such_module.Resolver' (No module named 'tests.reliability.no_such_module')"]


def test_robots_txt_disallowing_articles_is_obeyed(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    with FaultServer() as server:
        site = Liputan6Site(server, articles(3))
        server.add("/liputan6/robots.txt", "User-agent: *\nDisallow: /global/read/\n",
                   content_type="text/plain")
        run = setup.crawl([site.route()])
        assert run.returncode == 0, run.everything[-2000:]
        assert not [p for p in server.paths() if "/read/" in p]  # not one article page asked for
        assert "/liputan6/tag/kazakhstan?page=1" in server.paths()
    stats = last_stats(setup.db_path)
    assert stats["robotstxt/forbidden"] == 3
    assert stored_ids(setup.db_path) == []


@pytest.mark.parametrize("failure", ["http-500", "reset"])
def test_robots_txt_that_fails_to_load_does_not_stop_the_crawl(failure: str, tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    with FaultServer() as server:
        site = Liputan6Site(server, articles(3))
        if failure == "reset":
            server.sequence("/liputan6/robots.txt", [server.faulty("reset", b"User-agent: *\n" * 300)])
        else:
            server.add("/liputan6/robots.txt", b"oops", status=500, content_type="text/plain")
        run = setup.crawl([site.route()])
        assert run.returncode == 0, run.everything[-2000:]
        # Retried like any request, then taken as "no rules" (Scrapy's behaviour): the articles are fetched.
        assert server.hits("/liputan6/robots.txt") == 1 + RETRY_TIMES
    assert stored_ids(setup.db_path) == sorted(site.ids)


def test_transient_faults_are_cured_by_retries_within_the_crawl(tmp_path: Path) -> None:
    """Each of five articles fails once (500, 503 with Retry-After, 429, a reset body, a timeout), then
    answers: one crawl stores all of them, each path asked exactly twice."""
    setup = CrawlSetup(tmp_path)
    with FaultServer() as server:
        site = Liputan6Site(server, articles(6))
        ok = [Reply(200, _page(site, n), {"Content-Type": "text/html; charset=utf-8"}) for n in range(6)]
        first = [
            Reply(500, b"x", {"Content-Type": "text/plain"}),
            Reply(503, b"x", {"Content-Type": "text/plain", "Retry-After": "1"}),
            Reply(429, b"x", {"Content-Type": "text/plain", "Retry-After": "0"}),
            server.faulty("reset"),
            Reply(200, _page(site, 4), {"Content-Type": "text/html; charset=utf-8"}, delay=2.0),
        ]
        for n, fault in enumerate(first):
            server.sequence(site.path(site.articles[n]), [fault, ok[n]])
        run = setup.crawl([site.route()], settings={"DOWNLOAD_TIMEOUT": 1})
        assert run.returncode == 0, run.everything[-2000:]
        assert [server.hits(site.path(a)) for a in site.articles] == [2, 2, 2, 2, 2, 1]
    assert stored_ids(setup.db_path) == sorted(site.ids)
    stats = last_stats(setup.db_path)
    assert stats["retry/count"] == 5
    assert "retry/max_reached" not in stats
    assert stats["newswatch/articles/new"] == 6


def _page(site: Liputan6Site, n: int) -> bytes:
    from tests.reliability.faults_helpers import article_html

    return article_html(site.articles[n])
