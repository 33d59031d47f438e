"""Faults while crawling: the crawl goes on, the good articles are stored, the failing URL is counted and
retried by policy, and a later crawl picks up what failed (nothing lost).

Each case is a real `newswatch crawl` (a subprocess, its own SQLite file) of a loopback Liputan6 tag page
listing three made-up articles, the middle one of which misbehaves. Then the fault is lifted and a second
crawl runs: it must store the missed article, once, without fetching the two it already has.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.faults_helpers import (
    RETRY_TIMES,
    TAG_PATH,
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    article_html,
    articles,
    integrity,
    last_stats,
    stored_ids,
)

ATTEMPTS = 1 + RETRY_TIMES  # the first try and RETRY_TIMES retries


@dataclass(frozen=True)
class Fault:
    """How one URL misbehaves, and what the first crawl's stats must show for it."""

    inject: Callable[[FaultServer, Liputan6Site, str], None]
    hits: int  # requests for the failing path in the first crawl
    stats: dict[str, int]  # stat key (exact, or ending "*" for a prefix) -> expected value
    on_listing: bool = False  # the tag page fails, not an article
    settings: tuple[tuple[str, object], ...] = ()


def _status(code: int, headers: dict[str, str] | None = None) -> Callable[[FaultServer, Liputan6Site, str],
                                                                           None]:
    def inject(server: FaultServer, _site: Liputan6Site, path: str) -> None:
        server.add(path, b"temporarily broken", status=code, content_type="text/plain", headers=headers)

    return inject


def _slow(server: FaultServer, site: Liputan6Site, path: str) -> None:
    item = next(a for a in site.articles if site.path(a) == path)
    server.add(path, article_html(item), content_type="text/html; charset=utf-8", delay=2.0)


def _cut(kind: str) -> Callable[[FaultServer, Liputan6Site, str], None]:
    def inject(server: FaultServer, _site: Liputan6Site, path: str) -> None:
        server.sequence(path, [server.faulty(kind)])

    return inject


def _redirect_loop(server: FaultServer, site: Liputan6Site, path: str) -> None:
    # The article's address and an alias of it (another slug, same id) redirect to each other.
    real = f"https://www.liputan6.com{path.removeprefix('/' + site.prefix)}"
    server.redirect(path, real + "-lagi")
    server.redirect(path + "-lagi", real)


# The other host of the offsite redirect. Its requests are routed to the loopback server (under /elsewhere),
# so a request the host filter let through would show in the server's log; without the route it would fail at
# DNS (every helper crawl has LoopbackOnlyResolver) and could go unnoticed.
OTHER_HOST = "www.example.org"


def _offsite(server: FaultServer, _site: Liputan6Site, path: str) -> None:
    server.redirect(path, f"https://{OTHER_HOST}/liputan6-moved")
    server.add("/elsewhere/liputan6-moved", b"<html><body>moved</body></html>", content_type="text/html")


FAULTS: dict[str, Fault] = {
    "http-500": Fault(_status(500), ATTEMPTS, {"downloader/response_status_count/500": ATTEMPTS,
                                               "retry/max_reached": 1}),
    "http-502": Fault(_status(502), ATTEMPTS, {"downloader/response_status_count/502": ATTEMPTS,
                                               "retry/max_reached": 1}),
    "http-503": Fault(_status(503), ATTEMPTS, {"downloader/response_status_count/503": ATTEMPTS,
                                               "retry/max_reached": 1}),
    "http-429-retry-after": Fault(_status(429, {"Retry-After": "1"}), ATTEMPTS,
                                  {"downloader/response_status_count/429": ATTEMPTS, "retry/max_reached": 1,
                                   "newswatch/retry/waited_seconds": RETRY_TIMES}),
    # 403 is not worth retrying at once (it is not transient within seconds): one request, counted.
    "http-403": Fault(_status(403), 1, {"downloader/response_status_count/403": 1,
                                        "httperror/response_ignored_status_count/403": 1}),
    "timeout": Fault(_slow, ATTEMPTS, {"downloader/exception_type_count/*DownloadTimeoutError": ATTEMPTS,
                                       "retry/max_reached": 1}, settings=(("DOWNLOAD_TIMEOUT", 1),)),
    "closed-mid-body": Fault(_cut("truncate"), ATTEMPTS,
                             {"downloader/exception_type_count/*ResponseDataLossError": ATTEMPTS,
                              "retry/max_reached": 1}),
    "reset-mid-body": Fault(_cut("reset"), ATTEMPTS, {"downloader/exception_count": ATTEMPTS,
                                                      "retry/max_reached": 1}),
    # The spider follows an article's other addresses up to five hops, then gives up on it.
    "redirect-loop": Fault(_redirect_loop, 3, {"newswatch/article/redirect_not_followed": 1}),
    "redirect-other-host": Fault(_offsite, 1, {"newswatch/article/redirect_not_followed": 1}),
    "listing-http-500": Fault(_status(500), ATTEMPTS, {"downloader/response_status_count/500": ATTEMPTS,
                                                       "retry/max_reached": 1}, on_listing=True),
}


def _stat(stats: dict[str, object], key: str) -> int:
    if key.endswith("*") or "/*" in key:
        head, _, tail = key.partition("*")
        return sum(int(v) for k, v in stats.items()  # type: ignore[call-overload]
                   if k.startswith(head) and k.endswith(tail))
    return int(stats.get(key, 0))  # type: ignore[call-overload]


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_then_recovery_loses_nothing(name: str, tmp_path: Path) -> None:
    fault = FAULTS[name]
    setup = CrawlSetup(tmp_path)
    with FaultServer() as server:
        site = Liputan6Site(server, articles(3))
        good, bad = [site.articles[0], site.articles[2]], site.articles[1]
        failing = f"{TAG_PATH}" if fault.on_listing else site.path(bad)
        fault.inject(server, site, failing)

        routes = [site.route(), f"{OTHER_HOST}={server.base('elsewhere')}"]
        first = setup.crawl(routes, settings=dict(fault.settings))
        # The crawl goes on and ends normally; the fault is counted, not fatal.
        assert first.returncode == 0, first.everything[-3000:]
        assert "liputan6: finished" in first.stdout
        expected_first = [] if fault.on_listing else sorted(a.article_id for a in good)
        assert stored_ids(setup.db_path) == expected_first
        if name == "redirect-loop":
            # Both addresses, first, alias, first...: the path itself is asked 3 times in 5 hops.
            assert server.hits(failing) == fault.hits and server.hits(failing + "-lagi") == 3
        else:
            assert server.hits(failing) == fault.hits, server.paths()
        assert server.paths("/elsewhere") == []  # no request left for the other host (nor its robots.txt)
        stats = last_stats(setup.db_path)
        for key, value in fault.stats.items():
            assert _stat(stats, key) == value, (key, {k: v for k, v in stats.items() if "/" in k})
        if name == "http-429-retry-after":
            times = [r.time for r in server.requests() if r.path == failing]
            # Retry-After: 1 beats the 0.1 s backoff the test configures.
            assert all(b - a >= 0.9 for a, b in itertools.pairwise(times)), times

        # The site recovers: the next crawl (a plain monitoring pass) stores what was missed, once.
        if fault.on_listing:
            server.add(TAG_PATH, _listing_of(site), content_type="text/html")
        site.serve(bad)
        server.remove(site.path(bad) + "-lagi")
        server.clear_log()
        second = setup.crawl(routes)
        assert second.returncode == 0, second.everything[-3000:]
        # The first crawl left the listing incomplete, so it saved no validators: asked unconditionally.
        listing = [r for r in server.requests() if r.bare_path == TAG_PATH]
        assert listing and not (listing[0].header("If-None-Match") or listing[0].header("If-Modified-Since"))
        assert stored_ids(setup.db_path) == sorted(site.ids)
        assert server.hits(site.path(bad)) == 1
        if not fault.on_listing:
            assert all(server.hits(site.path(a)) == 0 for a in good), server.paths()  # known: not re-fetched
    assert integrity(setup.db_path) == "ok"


def _listing_of(site: Liputan6Site) -> bytes:
    from tests.reliability.faults_helpers import tag_listing

    return tag_listing(site.articles)


def test_a_listing_whose_articles_all_ended_in_a_verdict_is_asked_conditionally(tmp_path: Path) -> None:
    """The other side of "nothing lost": 200 (stored), 404 (deleted), a redirect to the front page (deleted)
    and a redirect to another address of the same article (followed, stored) are all verdicts, so the tag
    page's validators are saved and the next monitoring pass gets 304 for it (and asks for no article)."""
    setup = CrawlSetup(tmp_path)
    with FaultServer() as server:
        site = Liputan6Site(server, articles(4))
        stored, gone, front, moved = site.articles
        server.add(site.path(gone), b"not here", status=404, content_type="text/plain")
        server.redirect(site.path(front), "https://www.liputan6.com/")
        server.add("/liputan6/", b"<html><body>Beranda</body></html>", content_type="text/html")
        # Another slug of the same article id: the spider follows it and stores the article.
        server.redirect(site.path(moved), f"{moved.url}-baru")
        server.add(site.path(moved) + "-baru", article_html(moved), content_type="text/html; charset=utf-8")

        first = setup.crawl([site.route()])
        assert first.returncode == 0, first.everything[-3000:]
        assert stored_ids(setup.db_path) == sorted([stored.article_id, moved.article_id])
        server.clear_log()
        second = setup.crawl([site.route()])
        assert second.returncode == 0, second.everything[-3000:]
        listing = [r for r in server.requests() if r.bare_path == TAG_PATH]
        assert listing and listing[0].header("If-None-Match"), server.paths()
        assert not [p for p in server.paths() if "/read/" in p]
    assert last_stats(setup.db_path)["newswatch/listing/not_modified"] == 1
