"""Alerts that know the development: they name the linked coverage, and a subscriber can take one alert per
development. Real SMTP server on 127.0.0.1, real SQLite file, articles saved with the product's linker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.core.errors import ConfigError
from crawler.notify.delivery import deliver
from crawler.story.changes import classify
from crawler.story.developments import DevelopmentLinker
from tests.notify.delivery.world import MATCHES, READER, T0, TOPIC, World
from tests.notify.mail.htmlcheck import parts
from tests.story.test_developments import BBC_DETAINED, BBC_WITHDRAWAL, LIPUTAN6_DETAINED


def store_linked(world: World) -> None:
    """BBC's two reports, then Liputan6's report of the first one (it cites BBC, 5 h later)."""
    world.settled()
    for source, items in (("bbc", [BBC_DETAINED, BBC_WITHDRAWAL]), ("liputan6", [LIPUTAN6_DETAINED])):
        run_id = world.store.start_run(source, {}, started_at=T0)
        for item in items:
            world.store.save_article(item, matches=MATCHES, score=6.0, fetched_at=T0, listing_date=None,
                                     classify=classify, linker=DevelopmentLinker())
        world.store.finish_run(run_id, "finished", {"finish_reason": "finished"},
                               finished_at=T0 + timedelta(minutes=1))


def test_an_alert_names_the_coverage_of_the_same_development(world: World) -> None:
    world.run("bbc", [], T0 - timedelta(hours=2))
    store_linked(world)
    report = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert report.sent == 3
    by_subject = {str(m.message["Subject"]): m.message for m in world.server.received()}
    text, html = parts(by_subject["[newswatch] Liputan6: 2.298 Orang Ditahan Usai Bentrokan di Almaty"])
    assert ("Also reported by BBC News 5 h earlier: Kazakhstan unrest: 2,298 detained after clashes in Almaty"
            in text)
    assert 'href="https://example.org/bbc/bbc-1"' in html and "Also reported by BBC News 5 h earlier" in html
    first, _ = parts(by_subject["[newswatch] BBC News: Kazakhstan unrest: 2,298 detained after clashes in "
                                "Almaty"])
    assert "Also reported" not in first  # nothing else had reported it yet


def test_one_alert_per_development_when_the_subscriber_asks(world: World) -> None:
    world.configure(subscriptions=[{"to": [READER], "topics": [TOPIC], "per": "development"},
                                   {"to": ["every@example.org"], "topics": [TOPIC]},
                                   {"to": ["id-desk@example.org"], "sources": ["liputan6"],
                                    "per": "development"}])
    world.run("bbc", [], T0 - timedelta(hours=2))
    store_linked(world)
    deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    got: dict[str, list[str]] = {}
    for m in world.server.received():
        for rcpt in m.rcpt_tos:
            got.setdefault(rcpt, []).append(str(m.message["Subject"]).split(": ")[0])
    assert sorted(got[READER]) == ["[newswatch] BBC News", "[newswatch] BBC News"]  # two developments
    assert sorted(got["every@example.org"]) == ["[newswatch] BBC News", "[newswatch] BBC News",
                                                "[newswatch] Liputan6"]
    # follows Liputan6 only: its first report of the development is the one it hears of
    assert got["id-desk@example.org"] == ["[newswatch] Liputan6"]


def test_per_takes_article_or_development_only(world: World) -> None:
    with pytest.raises(ConfigError, match="per"):
        world.configure(subscriptions=[{"to": [READER], "per": "story"}])
