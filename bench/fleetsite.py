"""A loopback news outlet spread over many host names, for the distributed crawl (tests and bench/scale.py).

One threaded HTTP server on 127.0.0.1 serves an outlet configured without code: `hosts` host names
(h00.fleet.example, ...), each routed to its own path prefix (/h00, ...), each with a sitemap of its share of
the `articles` article pages. Every article page answers after `latency` seconds (network-like), and the
server counts every request by host and path: that count, not the crawler's own, says whether a page was
fetched twice. Request start times per host are kept too, for the global politeness check.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DOMAIN = "fleet.example"
TOPIC_WORD = "harbour"


def host_name(index: int) -> str:
    return f"h{index:02d}.{DOMAIN}"


def article_page(number: int) -> str:
    return (f"<html><head><title>Harbour story {number}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Harbour story number {number}</h1>"
            f"<p>The harbour master said on Monday that berth {number} would reopen after repairs to the "
            "quay, ending weeks of delays for the ferries that cross to the islands.</p>"
            "<p>Fishing boats had been using the northern slipway while the work went on, and the harbour "
            f"office said traffic would be back to normal by the end of the month, story {number}.</p>"
            "</article><footer>Fleet Gazette</footer></body></html>")


class FleetSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, articles: int, hosts: int, latency: float = 0.0):
        self.articles = articles
        self.hosts = hosts
        self.latency = latency
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # "/h03/story/17" -> requests
        self.starts: dict[str, list[float]] = defaultdict(list)  # host prefix -> request start times
        self.story_starts: list[float] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    # -- what it serves ------------------------------------------------------------------------------
    def host_of(self, number: int) -> int:
        return number % self.hosts

    def article_url(self, number: int) -> str:
        return f"https://{host_name(self.host_of(number))}/story/{number}"

    def article_path(self, number: int) -> str:
        return f"/h{self.host_of(number):02d}/story/{number}"

    def sitemap(self, host: int) -> bytes:
        locs = "".join(f"<url><loc>{self.article_url(n)}</loc></url>"
                       for n in range(self.articles) if self.host_of(n) == host)
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>').encode()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def routes(self) -> dict[str, str]:
        return {host_name(h): f"http://127.0.0.1:{self.port}/h{h:02d}" for h in range(self.hosts)}

    def config_toml(self, *, redis_prefix: str, lease_seconds: float = 30.0, delay: float = 0.0,
                    redis_url: str = "redis://127.0.0.1:6379/0", source: str = "fleet") -> str:
        """A newswatch config: the outlet, a topic its pages match, routes and the [distributed] table."""
        hosts = ", ".join(f'"{host_name(h)}"' for h in range(self.hosts))
        sitemaps = ", ".join(f'"https://{host_name(h)}/sitemap.xml"' for h in range(self.hosts))
        routes = "\n".join(f'"{host}" = "{base}"' for host, base in self.routes().items())
        return f"""[crawl]
download_delay = {delay}
obey_robots = false
retry_times = 1

[distributed]
redis_url = "{redis_url}"
key_prefix = "{redis_prefix}"
lease_seconds = {lease_seconds}

[sources.liputan6]
enabled = false

[sources.bbc]
enabled = false

[sources.{source}]
allowed_hosts = [{hosts}]
sitemaps = [{sitemaps}]
article_url = '^/story/(?P<id>\\d+)$'
language = "en"

[topics.kazakhstan-unrest]
enabled = false

[topics.harbours]
description = "Harbour works"

[topics.harbours.keywords.en]
any = ["{TOPIC_WORD}"]

[routes]
{routes}
"""

    # -- what it saw ---------------------------------------------------------------------------------
    def record(self, path: str) -> None:
        with self.lock:
            now = time.monotonic()
            self.counts[path] += 1
            self.starts[path.split("/")[1]].append(now)
            if "/story/" in path:
                self.story_starts.append(now)

    def article_fetches(self) -> Counter[str]:
        with self.lock:
            return Counter({p: c for p, c in self.counts.items() if "/story/" in p})

    def article_times(self) -> list[float]:
        """When each article request arrived (monotonic seconds)."""
        with self.lock:
            return list(self.story_starts)

    def fetched_twice(self) -> list[str]:
        return sorted(p for p, c in self.article_fetches().items() if c > 1)

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.starts.clear()
            self.story_starts.clear()

    def __enter__(self) -> FleetSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FleetSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server
        site.record(self.path)
        parts = self.path.split("/")
        body, status, kind = b"not found", 404, "text/plain"
        if len(parts) >= 3 and parts[1].startswith("h") and parts[1][1:].isdigit():
            host = int(parts[1][1:])
            if parts[2:] == ["sitemap.xml"]:
                body, status, kind = site.sitemap(host), 200, "application/xml"
            elif len(parts) == 4 and parts[2] == "story" and parts[3].isdigit():
                number = int(parts[3])
                if number < site.articles and site.host_of(number) == host:
                    if site.latency:
                        time.sleep(site.latency)
                    body, status, kind = article_page(number).encode(), 200, "text/html; charset=utf-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # a worker killed while its request was served
            self.close_connection = True
