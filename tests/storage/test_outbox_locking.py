"""Outbox fan-out and delivery claims under concurrent jobs: rows another transaction holds are passed over
(FOR UPDATE SKIP LOCKED on PostgreSQL), never waited for and never taken twice; on both engines the
claim and fan-out keep their meaning."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import create_engine, text

from storage import NewDelivery, Store
from tests.databases import postgres_database
from tests.storage.helpers import FETCHED, article, save


def _delivery(event_id: int, recipient: str = "reader@example.org") -> NewDelivery:
    return NewDelivery(event_id=event_id, recipient=recipient, mode="immediate", group_key="",
                       label="kazakhstan", timezone="Asia/Almaty", status="pending",
                       scheduled_at="2022-01-07T09:00:00+00:00")


def test_claim_and_fan_out_on_either_engine(db_url: str) -> None:
    with Store.open(db_url) as store:
        events = [save(store, article(str(1000001 + n))).event_id or 0 for n in range(2)]
        assert store.deliveries.fan_out([_delivery(e) for e in events], events, FETCHED) == 2
        assert store.deliveries.fan_out([_delivery(e) for e in events], events, FETCHED) == 0  # dispatched
        assert store.pending_events() == []
        ids = [d.id for d in store.deliveries.pending()]
        lease = FETCHED + timedelta(minutes=5)
        assert store.deliveries.claim(ids, FETCHED, lease)
        assert not store.deliveries.claim(ids, FETCHED, lease)  # leased now: not due
        assert store.deliveries.claim(ids, lease, lease + timedelta(minutes=5))  # the lease ran out


def test_postgres_claim_passes_over_a_row_another_job_holds() -> None:
    with postgres_database() as url, Store.open(url) as store:
        events = [save(store, article(str(1000001 + n))).event_id or 0 for n in range(2)]
        store.deliveries.fan_out([_delivery(e) for e in events], events, FETCHED)
        first, second = [d.id for d in store.deliveries.pending()]
        other = create_engine(url)
        try:
            with other.connect() as conn, conn.begin():
                conn.execute(text("SELECT id FROM deliveries WHERE id = :i FOR UPDATE"), {"i": first})
                began = time.monotonic()
                # Without SKIP LOCKED this would wait for the other transaction (here: for ever).
                assert not store.deliveries.claim([first, second], FETCHED, FETCHED + timedelta(minutes=5))
                assert store.deliveries.claim([second], FETCHED, FETCHED + timedelta(minutes=5))
                assert time.monotonic() - began < 5
            # Released: the first row is claimable, the second is leased (taken once, not twice).
            assert store.deliveries.claim([first], FETCHED, FETCHED + timedelta(minutes=5))
            assert not store.deliveries.claim([second], FETCHED, FETCHED + timedelta(minutes=5))
        finally:
            other.dispose()


def test_postgres_fan_out_leaves_an_event_another_fan_out_holds() -> None:
    with postgres_database() as url, Store.open(url) as store:
        held, free = [save(store, article(str(1000001 + n))).event_id or 0 for n in range(2)]
        other = create_engine(url)
        try:
            with other.connect() as conn, conn.begin():
                conn.execute(text("SELECT id FROM events WHERE id = :i FOR UPDATE"), {"i": held})
                created = store.deliveries.fan_out([_delivery(held), _delivery(free)], [held, free], FETCHED)
                assert created == 1
            assert [e.id for e in store.pending_events()] == [held]  # still there for its own fan-out
            assert [d.event.id for d in store.deliveries.pending()] == [free]
        finally:
            other.dispose()
