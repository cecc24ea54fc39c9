"""The decider wakes the edge's waiter of an outcome Kafka acknowledged, and only that one."""

from __future__ import annotations

import asyncio

from schemas import Envelope, GeofenceRetired, new_event, new_ulid
from services.eligibility.published_outcomes import PublishedOutcomes

NIP = "199001012015031001"


def _outcome(event_id: str) -> Envelope:
    payload = GeofenceRetired(geofence_id="g-1", opd_id="opd-1", work_unit_id=None)
    return new_event(payload, actor=NIP, subject=NIP, opd_id="opd-1", event_id=event_id)


async def test_acknowledged_outcome_wakes_its_waiter_only() -> None:
    outcomes = PublishedOutcomes()
    loop = asyncio.get_running_loop()
    mine, other = new_ulid(), new_ulid()
    future: asyncio.Future[Envelope] = loop.create_future()
    waiting_other: asyncio.Future[Envelope] = loop.create_future()
    outcomes.watch(mine, future)
    outcomes.watch(other, waiting_other)
    envelope = _outcome(mine)
    outcomes.acknowledged([envelope])
    assert future.result() is envelope
    assert not waiting_other.done()
    outcomes.forget(other, waiting_other)  # the call gave up (202): nothing wakes it any more
    outcomes.acknowledged([_outcome(other)])
    assert not waiting_other.done()


async def test_a_future_the_replica_woke_first_is_left_alone() -> None:
    outcomes = PublishedOutcomes()
    event_id = new_ulid()
    future: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()
    outcomes.watch(event_id, future)
    first = _outcome(event_id)
    future.set_result(first)  # the request log's projection came first
    outcomes.acknowledged([_outcome(event_id)])
    assert future.result() is first
