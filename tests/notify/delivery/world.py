"""A small newswatch installation for delivery tests: a real config file, a real database (SQLite or
PostgreSQL), real runs.

Articles are saved through Store.save_article with the product's change classifier, crawl runs through
start_run/finish_run, so the outbox holds exactly what a crawl would leave there. Titles and bodies are short
phrases written for these tests about the January 2022 events, not text copied from any page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.config import Config, load_config
from crawler.core.items import Article
from crawler.story.changes import classify
from storage import SaveResult, Store
from tests.notify.mail.smtpserver import TEST_USERNAME, LoopbackSmtpServer

PASSWORD_ENV = "NEWSWATCH_TEST_SMTP_PASSWORD"
TOPIC = "kazakhstan-unrest"
MATCHES = [{"topic": TOPIC, "terms": ["Kazakhstan", "Almaty"]}]
T0 = datetime(2022, 1, 7, 3, 0, tzinfo=UTC)  # 09:00 in Almaty (UTC+6)
READER = "reader@example.org"


def toml_value(value: Any) -> str:
    # JSON strings, numbers, booleans and arrays of them are valid TOML values.
    return json.dumps(value)


def article(n: int, *, source: str = "liputan6", title: str | None = None,
            body: str | None = None) -> Article:
    article_id = str(4850000 + n)
    if source == "liputan6":
        url = f"https://www.liputan6.com/global/read/{article_id}/kazakhstan-{n}"
    else:
        url = f"https://www.bbc.com/news/world-asia-{article_id}"
    return Article(
        source=source, article_id=article_id, url=url, title=title or f"Kerusuhan di Almaty, laporan {n}",
        lead="Protes harga gas cair meluas di Kazakhstan.",
        published_at=f"2022-01-0{1 + n % 8}T10:00:00+07:00",
        body=body or f"Laporan nomor {n} tentang Kazakhstan.\n\nWarga Almaty turun ke jalan.", language="id")


class World:
    def __init__(self, root: Path, server: LoopbackSmtpServer, db_url: str | None = None) -> None:
        self.root = root
        self.server = server
        self.db_path = root / "news.db"
        self.db_url = db_url or f"sqlite:///{self.db_path}"
        self.config_path = root / "newswatch.toml"
        self._store: Store | None = None
        self.configure()

    # --- config ----------------------------------------------------------------------------------

    def configure(self, subscriptions: Sequence[Mapping[str, Any]] | None = None,
                  alerts: Mapping[str, Any] | None = None, health: Mapping[str, Any] | None = None,
                  smtp: Mapping[str, Any] | None = None, extra: str = "") -> Config:
        """Write the config file (subscriptions default to one immediate reader) and load it. `extra` is
        TOML put before the subscriptions (e.g. a [topics.NAME] table)."""
        subs = [{"to": [READER], "topics": [TOPIC]}] if subscriptions is None else subscriptions
        smtp_values = {"host": self.server.host, "port": self.server.port, "security": "none",
                       "username": TEST_USERNAME, "password_env": PASSWORD_ENV, "timeout": 10.0,
                       "from_address": "alerts@newswatch.test", **(smtp or {})}
        alert_values = {"baseline": "digest", "retry_backoff_seconds": 60.0,
                        "retry_backoff_max_seconds": 600.0, "give_up_after_hours": 48.0, **(alerts or {})}
        lines = ["[storage]", f"url = {toml_value(self.db_url)}", "", "[smtp]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in smtp_values.items()]
        lines += ["", "[alerts]"] + [f"{k} = {toml_value(v)}" for k, v in alert_values.items()]
        if health:
            lines += ["", "[alerts.health]"] + [f"{k} = {toml_value(v)}" for k, v in health.items()]
        if extra:
            lines += ["", extra.strip()]
        for sub in subs:
            lines += ["", "[[subscriptions]]"] + [f"{k} = {toml_value(v)}" for k, v in sub.items()]
        self.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.config = load_config(self.config_path)
        return self.config

    # --- database --------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.db_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def save(self, item: Article, at: datetime) -> SaveResult:
        return self.store.save_article(item, matches=MATCHES, score=6.0, fetched_at=at, listing_date=None,
                                       classify=classify)

    def run(self, source: str, items: Sequence[Article], start: datetime, *, outcome: str = "finished",
            stats: Mapping[str, Any] | None = None) -> int:
        """One finished crawl run of `source` that stores `items`, a minute apart from `start`."""
        run_id = self.store.start_run(source, {}, started_at=start)
        at = start
        for item in items:
            at += timedelta(minutes=1)
            self.save(item, at)
        self.store.finish_run(run_id, outcome, dict(stats or {"finish_reason": outcome}),
                              finished_at=at + timedelta(minutes=1))
        return run_id

    def settled(self, first_run_at: datetime = T0 - timedelta(hours=1)) -> int:
        """A first finished run that found nothing: later events are news, not a baseline backlog."""
        return self.run("liputan6", [], first_run_at)
