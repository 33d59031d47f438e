"""The "Also reported by" lines of alerts and digests, from the event's development coverage."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.notify.compose import compose_digest, compose_immediate
from crawler.notify.events import AlertEvent, Coverage
from tests.notify.mail.htmlcheck import parts

EVENT = AlertEvent(
    event_id="7", kind="new", source="bbc", article_id="world-asia-1", url="https://www.bbc.com/news/world-asia-1",
    title="Troops arrive", published_at="2022-01-06T14:50:00+00:00", topics=["kazakhstan-unrest"],
    coverage=[Coverage("liputan6", "4826148", "Pasukan tiba", "https://www.liputan6.com/global/read/4826148/x",
                       "2022-01-07T02:30:00+00:00")])


def test_the_alert_says_who_else_reported_it_and_when() -> None:
    message = compose_immediate(EVENT, to="a@example.org", from_address="nw@example.org", timezone="UTC",
                                now=datetime(2022, 1, 7, tzinfo=UTC))
    text, html = parts(message)
    assert ("Also reported by Liputan6 12 h later: Pasukan tiba\n"
            "  https://www.liputan6.com/global/read/4826148/x") in text
    assert '<a href="https://www.liputan6.com/global/read/4826148/x"' in html


def test_the_payload_round_trips_and_digests_name_the_coverage() -> None:
    assert AlertEvent.from_payload(EVENT.to_payload()) == EVENT
    message = compose_digest([EVENT], to="a@example.org", from_address="nw@example.org", timezone="UTC",
                             topic="kazakhstan-unrest", now=datetime(2022, 1, 7, tzinfo=UTC))
    text, _ = parts(message)
    assert "   Also reported by Liputan6 12 h later: Pasukan tiba" in text
