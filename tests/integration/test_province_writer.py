"""The province writer puts every generated event on its topic of a real broker.

A province of 300 ASN in 3 OPDs over one day is written to a fresh broker; the end offsets
of each topic then hold exactly the events generated for it, and a record read back is the
generated event byte for byte, keyed by its subject NIP.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

import pytest

from operations.province.generate import generate
from operations.province.model import ProvinceConfig
from operations.province.plans import Period
from operations.province.writer import encoded_chunks, write_chunks
from schemas.serialization import read_event
from schemas.topics import ATTENDANCE, ROSTER
from services.runtime.kafka.log_reading import log_reader, partitions_of
from tests.support.infra import own_kafka_broker

pytestmark = pytest.mark.integration

CONFIG = ProvinceConfig(asn=300, opds=3, seed=5, start=date(2026, 3, 5))
PERIOD = Period.of(CONFIG.start, "day")


async def _read_back(bootstrap: str, topics: list[str]) -> tuple[Counter[str], bytes, bytes]:
    """The end offsets summed per topic, and the key and value of the roster's first record."""
    consumer = log_reader([bootstrap], "test-province-writer")
    await consumer.start()
    try:
        parts = [part for topic in topics for part in await partitions_of(consumer, topic)]
        consumer.assign(parts)
        totals: Counter[str] = Counter()
        for part, offset in (await consumer.end_offsets(parts)).items():
            totals[part.topic] += offset
        roster = [part for part in parts if part.topic == ROSTER]
        consumer.assign(roster)
        await consumer.seek_to_beginning(*roster)
        record = await asyncio.wait_for(consumer.getone(), 30)
        assert record.key is not None and record.value is not None
        return totals, record.key, record.value
    finally:
        await consumer.stop()


def test_a_small_province_lands_on_its_topics() -> None:
    expected = Counter(event.topic for event in generate(CONFIG, PERIOD))
    values = {event.record().value: event for event in generate(CONFIG, PERIOD)}
    assert expected[ATTENDANCE] > 1000
    with own_kafka_broker() as broker:
        # built by a worker process, as ``wfa-province write --workers 1`` does
        records = encoded_chunks(CONFIG, PERIOD, workers=1)
        report = asyncio.run(write_chunks(records, [broker.bootstrap]))
        assert report.per_topic == expected
        ends, key, value = asyncio.run(_read_back(broker.bootstrap, sorted(expected)))
    assert ends == expected
    event = values[value]
    assert key == event.subject.encode()
    assert read_event(value).envelope.event_id == event.event_id
