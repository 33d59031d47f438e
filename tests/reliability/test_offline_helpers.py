"""The test helpers cannot reach a real host: every crawl they start resolves loopback names only.

A route sends a site's real name to the loopback server inside the download handler; anything else a crawl
asks for goes through DNS, and there the helpers install LoopbackOnlyResolver (tests/servers/offline.py).
These tests run real crawls through the helpers at a name that is not a loopback literal, and check that the
helpers refuse a resolver that could ask the network before anything runs.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from twisted.internet.error import DNSLookupError

from tests.reliability.faults_helpers import (
    CrawlSetup,
    FailingResolver,
    FaultServer,
    Liputan6Site,
    articles,
    newswatch_command,
    settings_args,
)
from tests.servers.crawl import run_crawl
from tests.servers.offline import LOOPBACK_RESOLVER, loopback_only, loopback_only_args

LEAKY = "scrapy.resolver.CachingThreadedResolver"  # Scrapy's default: asks the system, hence the network


def _reachable_name() -> str:
    """A name that is not a loopback literal but that this machine's own resolver may well map to 127.0.0.1
    (its host name usually is, in /etc/hosts): a crawl with the system's resolver would reach the server."""
    name = socket.gethostname().lower()
    return name if name not in ("localhost", "localhost.localdomain", "") else "newswatch-offline-check"


def test_a_newswatch_crawl_of_the_helpers_cannot_resolve_a_non_loopback_name(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    name = _reachable_name()
    with FaultServer() as server:
        site = Liputan6Site(server, articles(2))
        run = setup.crawl([site.route(f"http://{name}:{server.port}/liputan6")])
        asked = server.paths()
    assert asked == []  # not robots.txt, not the tag page
    assert run.returncode == 1, run.everything[-3000:]
    assert "newswatch: error: cannot reach liputan6 (CannotResolveHostError)" in run.stderr
    assert f"DNS lookup failed: no results for hostname lookup: {name}" in run.log
    assert f"'DNS_RESOLVER': '{LOOPBACK_RESOLVER}'" in run.log  # Scrapy's overridden-settings line


def test_a_scrapy_crawl_of_the_helpers_cannot_resolve_a_non_loopback_name(tmp_path: Path) -> None:
    name = _reachable_name()
    with FaultServer() as server:
        Liputan6Site(server, articles(2))
        result = run_crawl("liputan6", tmp_path, routes={"www.liputan6.com": f"http://{name}:{server.port}/liputan6"},
                           settings={"RETRY_TIMES": 0})
        asked = server.paths()
    assert asked == []
    assert result.returncode == 0 and result.articles == []
    # Every request (robots.txt, the tag page, the packaged feeds: routed or not) ended in a failed lookup.
    failures = sum(v for k, v in result.stats.items() if k.startswith("downloader/exception_type_count/")
                   and k.endswith(("DNSLookupError", "CannotResolveHostError")))
    assert failures == result.stat("downloader/request_count") >= 2
    assert f"<GET https://www.liputan6.com/robots.txt> (failed 1 times): DNS lookup failed: " \
           f"no results for hostname lookup: {name}." in result.log


def test_every_crawl_command_line_of_the_helpers_names_the_loopback_resolver(tmp_path: Path) -> None:
    setup = CrawlSetup(tmp_path)
    crawl = setup.crawl_args(["www.liputan6.com=http://127.0.0.1:9/liputan6"])
    assert f"DNS_RESOLVER={LOOPBACK_RESOLVER}" in crawl
    watch = newswatch_command(["watch", "--once", "--config", "x.toml"])
    assert watch[-2:] == ["--set", f"DNS_RESOLVER={LOOPBACK_RESOLVER}"]
    deliver = newswatch_command(["alerts", "deliver", "--config", "x.toml"])  # crawls nothing: left alone
    assert "--set" not in deliver
    # A test that names an offline resolver keeps it (the DNS fault tests' FailingResolver).
    failing = "tests.reliability.faults_helpers.FailingResolver"
    named = newswatch_command(["watch", *settings_args({"TWISTED_DNS_RESOLVER": failing})])
    assert [a for a in named if "RESOLVER" in a] == [f"TWISTED_DNS_RESOLVER={failing}"]


@pytest.mark.parametrize("setting", ["DNS_RESOLVER", "TWISTED_DNS_RESOLVER"])
def test_a_resolver_that_asks_the_network_is_refused_before_anything_runs(setting: str,
                                                                          tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="never asks the network"):
        loopback_only({setting: LEAKY})
    with pytest.raises(AssertionError, match="never asks the network"):
        CrawlSetup(tmp_path).crawl(["www.liputan6.com=http://127.0.0.1:9/liputan6"],
                                   settings={setting: LEAKY})
    with pytest.raises(AssertionError, match="never asks the network"):
        newswatch_command(["watch", "--once", f"--set={setting}={LEAKY}"])
    with pytest.raises(AssertionError, match="never asks the network"):
        loopback_only_args(["crawl", "liputan6", "-s", f"{setting}={LEAKY}"], option="-s")
    with pytest.raises(AssertionError, match="never asks the network"):
        run_crawl("liputan6", tmp_path, routes={}, settings={setting: LEAKY})
    assert not (tmp_path / "items.jsonl").exists()  # refused before the crawl started


def test_the_dns_fault_resolver_resolves_test_names_and_loopback_only() -> None:
    resolver = FailingResolver(reactor=None, down=["down.test"], log=None)
    answers: dict[str, object] = {}
    for name in ("site.test", "localhost", "127.0.0.1", "down.test", "www.liputan6.com", _reachable_name()):
        resolver.getHostByName(name).addCallbacks(
            lambda ip, n=name: answers.__setitem__(n, ip),
            lambda failure, n=name: answers.__setitem__(n, failure.type))
    assert answers == {"site.test": "127.0.0.1", "localhost": "127.0.0.1", "127.0.0.1": "127.0.0.1",
                       "down.test": DNSLookupError, "www.liputan6.com": DNSLookupError,
                       _reachable_name(): DNSLookupError}
