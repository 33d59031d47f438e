"""Prometheus metrics and a health endpoint for the `newswatch watch` daemon (`--metrics-port PORT`).

    GET /metrics   the Prometheus text format (prometheus-client)
    GET /healthz   200 while the last cycle succeeded within the watch interval, 503 otherwise (JSON body)

What is counted in the process (reset by a restart, as Prometheus counters are): crawls by source and
outcome, articles new and updated by source, cycles by result. What is read from the database on each scrape
(so it survives restarts and counts the work of `alerts deliver` too): deliveries pending/sent/failed/skipped
by channel, each source's last finished crawl, and the age of the oldest thing waiting in the outbox.

Health: a cycle is a crawl of one or more sources and the delivery after it (crawler/monitor/watch.py). The
daemon is healthy while its last cycle was ok and ended at most one watch window ago: the longest interval
between two scheduled crawls of a watched source, plus the crawl timeout (a crawl started on time may run
that long). Before the first cycle (a restart with nothing due yet) it counts from the daemon's start.

The HTTP server is the standard library's, on its own daemon thread, bound to 127.0.0.1 unless told
otherwise: metrics say which sources run and how often, so they are not published to the network by default.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

from crawler.config import Config
from crawler.core.errors import ConfigError
from storage import Store

log = logging.getLogger("crawler.monitor.metrics")

DELIVERY_STATUSES = ("pending", "sent", "failed", "skipped")
EMAIL_CHANNEL = "email"
Clock = Callable[[], float]


def channel_of(recipient: str) -> str:
    """The channel a delivery goes through: "email" for an address, else the destination URL's scheme."""
    scheme, sep, _rest = recipient.partition("://")
    return scheme.lower() if sep and scheme.isascii() and scheme.replace("+", "").isalnum() else EMAIL_CHANNEL


def _timestamp(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def schedule_seconds(config: Config, source: str, now: datetime | None = None) -> float:
    """The time between two scheduled crawls of `source`: its interval, or the gap between two cron runs."""
    schedule = config.schedule_for(source)
    if schedule.interval_minutes:
        return schedule.interval_minutes * 60.0 + schedule.jitter_seconds
    trigger = schedule.trigger()
    trigger.jitter = None
    start = now or datetime.now(UTC)
    first = trigger.get_next_fire_time(None, start)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    if first is None or second is None:
        return 24 * 3600.0
    return (second - first).total_seconds() + schedule.jitter_seconds


class WatchMetrics:
    """The daemon's metrics registry, its health verdict, and what the cycles report into them."""

    def __init__(self, config: Config, store: Store, sources: Sequence[str], *, timeout: float,
                 clock: Clock = time.time) -> None:
        self.store = store
        self.clock = clock
        self.started = clock()
        self.window = max((schedule_seconds(config, s) for s in sources), default=3600.0) + timeout
        self.last_cycle_end: float | None = None
        self.last_cycle_ok: bool | None = None
        self.last_ok_end: float | None = None
        self._lock = threading.Lock()  # the scrape thread reads what the loop thread writes
        self.registry = CollectorRegistry()
        r = self.registry
        self.crawls = Counter("newswatch_crawls", "Crawls run by this daemon, by source and outcome.",
                              ["source", "outcome"], registry=r)
        self.articles = Counter("newswatch_articles", "Articles stored by this daemon's crawls: new ones and "
                                "material updates.", ["source", "change"], registry=r)
        self.cycles = Counter("newswatch_cycles", "Cycles (crawls then delivery) by result.", ["result"],
                              registry=r)
        self.deliveries = Gauge("newswatch_deliveries", "Alert deliveries in the database by channel and "
                                "status.", ["channel", "status"], registry=r)
        self.last_success = Gauge("newswatch_last_success_timestamp_seconds", "When the source's last "
                                  "finished crawl ended (Unix time).", ["source"], registry=r)
        self.outbox_age = Gauge("newswatch_outbox_oldest_age_seconds", "Age of the oldest event, delivery "
                                "or notice still waiting in the outbox (0: none).", registry=r)
        self.last_cycle = Gauge("newswatch_last_cycle_timestamp_seconds", "When the last cycle ended (Unix "
                                "time; 0: none yet).", registry=r)
        self.healthy = Gauge("newswatch_healthy", "1 while /healthz answers 200, else 0.", registry=r)
        self.db_up = Gauge("newswatch_database_up", "1 when the last scrape could read the database.",
                           registry=r)
        for source in sources:  # series exist from the start, at zero
            self.crawls.labels(source=source, outcome="finished")
            for change in ("new", "updated"):
                self.articles.labels(source=source, change=change)
        for status in DELIVERY_STATUSES:
            self.deliveries.labels(channel=EMAIL_CHANNEL, status=status).set(0)

    # -- fed by the daemon -----------------------------------------------------------------------------

    def record_cycle(self, report: Any) -> None:
        """Count one finished cycle (a crawler.monitor.watch.CycleReport)."""
        ended = report.started + report.seconds
        with self._lock:
            for result in report.results:
                self.crawls.labels(source=result.source, outcome=result.outcome).inc()
                for change in ("new", "updated"):
                    self.articles.labels(source=result.source, change=change).inc(
                        int(result.summary.get(change, 0) or 0))
            self.cycles.labels(result="ok" if report.ok else "failed").inc()
            self.last_cycle_end = ended
            self.last_cycle_ok = bool(report.ok)
            if report.ok:
                self.last_ok_end = ended
            self.last_cycle.set(ended)

    # -- read on each scrape ---------------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, details): the last cycle ok and at most one window old (before any: since the start)."""
        now = self.clock()
        with self._lock:
            last_end, last_ok = self.last_cycle_end, self.last_cycle_ok
        if last_end is None:
            ok = now - self.started <= self.window
            reason = "starting: no cycle yet" if ok else "no cycle within the watch window since the start"
        elif not last_ok:
            ok, reason = False, "the last cycle failed"
        elif now - last_end > self.window:
            ok, reason = False, "the last cycle is older than the watch window"
        else:
            ok, reason = True, "the last cycle succeeded within the watch window"
        details = {"status": "ok" if ok else "unhealthy", "reason": reason, "window_seconds": self.window,
                   "last_cycle_ok": last_ok,
                   "last_cycle_age_seconds": None if last_end is None else round(now - last_end, 3)}
        return ok, details

    def refresh(self) -> None:
        """Read the database-derived gauges; a database that cannot be read sets newswatch_database_up 0."""
        self.healthy.set(1 if self.health()[0] else 0)
        try:
            queries = self.store.metrics
            counts = queries.delivery_counts()
            oldest = queries.oldest_pending()
            finished = queries.last_success()
        except Exception as exc:  # a locked or vanished database must not break the scrape
            log.warning("metrics: cannot read the database: %s", " ".join(str(exc).split()))
            self.db_up.set(0)
            return
        self.db_up.set(1)
        totals: dict[tuple[str, str], int] = {}
        for recipient, status, n in counts:
            key = (channel_of(recipient), status)
            totals[key] = totals.get(key, 0) + n
        channels = {channel for channel, _ in totals} | {EMAIL_CHANNEL}
        for channel in channels:
            for status in DELIVERY_STATUSES:
                self.deliveries.labels(channel=channel, status=status).set(totals.get((channel, status), 0))
        for source, at in finished.items():
            stamp = _timestamp(at)
            if stamp is not None:
                self.last_success.labels(source=source).set(stamp)
        oldest_at = _timestamp(oldest)
        self.outbox_age.set(max(0.0, self.clock() - oldest_at) if oldest_at is not None else 0.0)

    def exposition(self) -> bytes:
        self.refresh()
        return generate_latest(self.registry)


class MetricsServer:
    """/metrics and /healthz over HTTP on a daemon thread. `port` 0 picks a free one (see `.port`)."""

    def __init__(self, metrics: WatchMetrics, port: int, address: str = "127.0.0.1") -> None:
        self.metrics = metrics
        handler = _handler(metrics)
        try:
            self.httpd = ThreadingHTTPServer((address, port), handler)
        except OSError as exc:
            raise ConfigError(f"--metrics-port: cannot listen on {address}:{port}: "
                              f"{exc.strerror or exc}") from exc
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="newswatch-metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def address(self) -> str:
        return str(self.httpd.server_address[0])

    def start(self) -> MetricsServer:
        self.thread.start()
        log.info("metrics on http://%s:%d/metrics, health on http://%s:%d/healthz", self.address, self.port,
                 self.address, self.port)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def _handler(metrics: WatchMetrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "newswatch"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, metrics.exposition())
            elif path == "/healthz":
                ok, details = metrics.health()
                self._send(200 if ok else 503, "application/json",
                           (json.dumps(details) + "\n").encode())
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("metrics %s: " + format, self.client_address[0], *args)

    return Handler
