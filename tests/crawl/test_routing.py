"""Routes: parsing the setting forms, host matching, rewriting URLs and redirect targets; the DNS stand-in."""

from __future__ import annotations

import pytest
from twisted.internet.error import DNSLookupError

from crawler.core.errors import ConfigError
from crawler.crawl.routing import LoopbackOnlyResolver, Route, Router, parse_routes

BASE = "http://127.0.0.1:8000"


def test_string_dict_and_list_forms_agree() -> None:
    text = f"www.liputan6.com={BASE}/liputan6/, *.liputan6.com={BASE}/sub"
    as_dict = {"www.liputan6.com": f"{BASE}/liputan6", "*.liputan6.com": f"{BASE}/sub"}
    as_list = [f"www.liputan6.com={BASE}/liputan6", f"*.liputan6.com={BASE}/sub"]
    assert parse_routes(text) == parse_routes(as_dict) == parse_routes(as_list)
    assert parse_routes(text)[0] == Route("www.liputan6.com", f"{BASE}/liputan6")  # trailing slash dropped
    assert parse_routes("") == parse_routes(None) == []


@pytest.mark.parametrize("bad", [
    "www.liputan6.com", "www.liputan6.com=ftp://x", "www.liputan6.com=127.0.0.1:8000",
    "a*b.com=http://x", "host/path=http://x", f"www.bbc.com={BASE}/?q=1",
])
def test_bad_routes_name_the_entry(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_routes(bad)


def test_exact_host_beats_wildcard() -> None:
    router = Router(parse_routes({"*.liputan6.com": f"{BASE}/sub", "www.liputan6.com": f"{BASE}/www"}))
    assert router.routed("https://www.liputan6.com/x") == f"{BASE}/www/x"
    assert router.routed("https://news.liputan6.com/read/1/x") == f"{BASE}/sub/read/1/x"
    assert router.routed("https://liputan6.com/") is None  # a wildcard covers subdomains only
    assert router.routed("https://www.bola.com/x") is None
    assert router.routed("https://notliputan6.com/x") is None


def test_path_and_query_follow_the_base_prefix() -> None:
    router = Router(parse_routes({"www.liputan6.com": f"{BASE}/liputan6"}))
    assert router.routed("https://www.liputan6.com/indeks/2022/01/07?page=2") == (
        f"{BASE}/liputan6/indeks/2022/01/07?page=2")
    assert router.routed("https://www.liputan6.com/robots.txt") == f"{BASE}/liputan6/robots.txt"
    assert router.routed("https://www.liputan6.com") == f"{BASE}/liputan6/"
    bare = Router(parse_routes({"www.bbc.com": BASE}))
    assert bare.routed("https://www.bbc.com/news/articles/abc?x=1") == f"{BASE}/news/articles/abc?x=1"


def test_redirects_to_the_routed_server_map_back_to_the_real_host() -> None:
    route = Route("www.liputan6.com", f"{BASE}/liputan6")
    router = Router([route])
    real = "https://www.liputan6.com/news/read/4850001/x"
    assert router.unrouted_location(f"{BASE}/liputan6/", real, route) == "https://www.liputan6.com/"
    assert router.unrouted_location("/liputan6/global/read/2/y?a=1", real, route) == (
        "https://www.liputan6.com/global/read/2/y?a=1")
    # Anything else is the real site speaking: left alone, resolved against the real URL later.
    assert router.unrouted_location("https://www.liputan6.com/", real, route) == "https://www.liputan6.com/"
    assert router.unrouted_location("/", real, route) == "/"
    assert router.unrouted_location(f"{BASE}/other/x", real, route) == f"{BASE}/other/x"


def test_loopback_only_resolver() -> None:
    resolver = LoopbackOnlyResolver(reactor=None)
    results: list[object] = []
    resolver.getHostByName("127.0.0.1").addBoth(results.append)
    resolver.getHostByName("localhost").addBoth(results.append)
    resolver.getHostByName("www.liputan6.com").addBoth(results.append)
    assert results[:2] == ["127.0.0.1", "127.0.0.1"]
    failure = results[2]
    assert failure.check(DNSLookupError)  # type: ignore[attr-defined]
