"""The purge keeps a declared WFA place while its request still has days to come.

On a broker of its own (the purge deletes by age on the whole topic): two places declared
longer ago than the retention, one for a request whose day lies ahead, one whose days are
past, and a recent record. The purge deletes both old records, after publishing the one still
needed again (same ``location_id``, caused by the old event); a second purge carries nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas import Envelope, GeoPoint, WfaLocationDeclared, new_event, new_ulid, to_record
from schemas.serialization import read_event
from schemas.topics import LOCATIONS
from services.attendance.purge import purge_precise_locations, still_needed
from services.runtime.kafka.log_reading import partitions_of
from services.runtime.settings import Settings
from tests.support.infra import own_kafka_broker
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

DAY_MS = 86_400_000


def _declared(nip: str, days: list[date], location_id: str) -> Envelope:
    payload = WfaLocationDeclared(
        location_id=location_id,
        request_id=f"req-{location_id.lower()}",
        nip=nip,
        dates=days,
        location=GeoPoint(lat=-6.1754321, lon=106.8272123),
    )
    return new_event(payload, actor=nip, subject=nip, opd_id="opd-purge", event_id=location_id)


async def _all(bootstrap: str) -> list[tuple[Envelope, int]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, LOCATIONS)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[Envelope, int]] = []
        deadline = time.monotonic() + 60
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            assert time.monotonic() < deadline
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                found.extend((read_event(m.value).envelope, m.timestamp) for m in messages)
        return found
    finally:
        await consumer.stop()


def test_only_a_declared_place_of_a_request_with_days_ahead_is_still_needed() -> None:
    today = datetime.now(UTC).date()
    ahead = to_record(_declared(new_nip(), [today + timedelta(days=200)], new_ulid()))
    past = to_record(_declared(new_nip(), [today - timedelta(days=120)], new_ulid()))
    assert still_needed(ahead.value, today)
    assert not still_needed(past.value, today)
    assert not still_needed(b'{"type":"LocationRecorded"}', today)
    assert not still_needed(None, today)


async def test_the_purge_carries_a_place_still_needed_forward() -> None:
    today = datetime.now(UTC).date()
    now_ms = int(time.time() * 1000)
    ahead = _declared(new_nip(), [today + timedelta(days=200)], new_ulid())
    past = _declared(new_nip(), [today - timedelta(days=120)], new_ulid())
    recent = _declared(new_nip(), [today - timedelta(days=1)], new_ulid())
    with own_kafka_broker() as broker:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(LOCATIONS, num_partitions=1, replication_factor=1)])
        finally:
            await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        try:
            for envelope, age_days in ((ahead, 100), (past, 100), (recent, 0)):
                record = to_record(envelope)
                await producer.send_and_wait(
                    LOCATIONS, record.value, key=record.key, timestamp_ms=now_ms - age_days * DAY_MS
                )
        finally:
            await producer.stop()
        settings = Settings(  # type: ignore[call-arg]
            KAFKA_BOOTSTRAP=broker.bootstrap, SERVICE_NAME="attendance", LOCATION_RETENTION_DAYS=90
        )

        report = await purge_precise_locations(settings)

        assert report.deleted == 2 and report.carried == 1 and not report.errors
        left = await _all(broker.bootstrap)
        assert left[0][0].event_id == recent.event_id
        [(again, stamp)] = [(e, ts) for e, ts in left if e.event_id != recent.event_id]
        assert again.event_id != ahead.event_id and again.causation_id == ahead.event_id
        assert again.payload == ahead.payload  # the same place, the same location_id
        assert stamp >= now_ms - 60_000  # kept for the retention from now

        second = await purge_precise_locations(settings)

        assert second.deleted == 0 and second.carried == 0
        assert len(await _all(broker.bootstrap)) == 2
