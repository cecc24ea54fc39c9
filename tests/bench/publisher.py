"""The event publisher beside aiokafka's own batching: many concurrent publishes."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaProducer

from schemas import to_record
from schemas.topics import TOPICS
from services.runtime.kafka import EventPublisher, ensure_topics
from tests.bench.common import Figure, Measure, rate, requested_envelope


async def _ours(bootstrap: str, count: int) -> tuple[float, int]:
    """Acknowledged publishes per second, and how many were refused (``PublishUnavailable``)."""
    publisher = EventPublisher([bootstrap], "bench-publisher")
    await publisher.start()
    try:
        await publisher.publish(requested_envelope(-1))  # metadata and producer id
        envelopes = [requested_envelope(i) for i in range(count)]
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(publisher.publish(e) for e in envelopes), return_exceptions=True
        )
        elapsed = time.perf_counter() - started
        refused = sum(1 for a in answers if isinstance(a, BaseException))
        return rate(count - refused, elapsed), refused
    finally:
        await publisher.stop()


async def _raw(bootstrap: str, count: int) -> float:
    """aiokafka ``send()`` in a loop (same acks and idempotence), futures awaited together."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    try:
        warm = to_record(requested_envelope(-1))
        await producer.send_and_wait(warm.topic, value=warm.value, key=warm.key)
        envelopes = [requested_envelope(i) for i in range(count)]
        started = time.perf_counter()
        futures = []
        for envelope in envelopes:
            record = to_record(envelope)  # the same serialisation work as the publisher
            futures.append(
                await producer.send(
                    record.topic, value=record.value, key=record.key, headers=record.headers
                )
            )
        await asyncio.gather(*futures)
        return rate(count, time.perf_counter() - started)
    finally:
        await producer.stop()


async def bench_publisher(bootstrap: str, *, count: int, runs: int) -> Figure:
    await ensure_topics([bootstrap], TOPICS, partitions=6, replication=1)
    ours, raw, refused = [], [], 0
    for _ in range(runs):
        acknowledged, failed = await _ours(bootstrap, count)
        ours.append(acknowledged)
        refused += failed
        raw.append(await _raw(bootstrap, count))
    return Figure(
        f"publisher, {count:,} concurrent publishes (acks=all, idempotent)",
        Measure("EventPublisher.publish, gathered", ours, errors=refused),
        [Measure("aiokafka send() in a loop, futures gathered", raw)],
        target="≥ 0.5× raw batched aiokafka",
    )
