"""No test crawl resolves a real host name: every crawl the helpers start installs a loopback-only resolver.

Routes send the sites' real host names to the loopback server inside Scrapy's download handler, but a request
for a host nobody routed (an offsite redirect, a link the host filter should have dropped) would still reach
Scrapy's default resolver and, from there, the network. The helpers that start crawls (tests/servers/crawl.py,
tests/reliability/faults_helpers.py, tests/crawl/pipeline/site.py, tests/monitor/helpers.py, the soak) pass
their Scrapy settings through `loopback_only()`, which adds `DNS_RESOLVER = LoopbackOnlyResolver` when a test
names no resolver and refuses (AssertionError, before anything runs) a resolver that could ask the network
(any loadable one but the offline ones below).
tests/reliability/test_offline_helpers.py proves it on real crawls.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from typing import Any

LOOPBACK_RESOLVER = "crawler.crawl.routing.LoopbackOnlyResolver"
# Resolvers that never ask the network: the product's loopback-only one, and the DNS-fault tests' resolver
# (loopback names and names under the reserved `.test` domain only, some of them failing on demand).
OFFLINE_RESOLVERS = frozenset({LOOPBACK_RESOLVER, "tests.reliability.faults_helpers.FailingResolver"})
RESOLVER_SETTINGS = ("DNS_RESOLVER", "TWISTED_DNS_RESOLVER")


def loopback_only(settings: Mapping[str, Any]) -> dict[str, Any]:
    """`settings` with a loopback-only DNS resolver: LoopbackOnlyResolver unless the test names one of the
    OFFLINE_RESOLVERS itself. A resolver that could ask the network fails the test before the crawl starts."""
    named = {name: str(settings[name]) for name in RESOLVER_SETTINGS if name in settings}
    leaky = {name: value for name, value in named.items()
             if value not in OFFLINE_RESOLVERS and _loadable(value)}
    assert not leaky, f"a test crawl may only use a resolver that never asks the network, not {leaky}"
    return dict(settings) if named else {**settings, "DNS_RESOLVER": LOOPBACK_RESOLVER}


def _loadable(path: str) -> bool:
    """Whether the module of a resolver's dotted path exists (a test of the "cannot be loaded" error names one
    that does not: it never resolves anything)."""
    module = path.rpartition(".")[0]
    try:
        return bool(module) and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def loopback_only_args(args: Sequence[str], option: str = "--set") -> list[str]:
    """A newswatch or scrapy command line with the same guarantee, for settings given as `option NAME=VALUE`
    (`--set` / `-s`, also written `--set=NAME=VALUE`)."""
    settings: dict[str, str] = {}
    for n, arg in enumerate(args):
        if arg == option and n + 1 < len(args):
            name, _, value = args[n + 1].partition("=")
        elif arg.startswith(option + "="):
            name, _, value = arg[len(option) + 1:].partition("=")
        else:
            continue
        settings[name] = value
    added = loopback_only(settings)
    if added.keys() == settings.keys():
        return list(args)
    return [*args, option, f"DNS_RESOLVER={LOOPBACK_RESOLVER}"]
