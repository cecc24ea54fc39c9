"""The event publisher beside raw aiokafka, on the same producer settings, two ways.

* batched: ``EventPublisher.publish_many`` of every envelope at once, beside aiokafka
  ``send()`` in a loop with the futures awaited together;
* concurrent: one ``EventPublisher.publish`` per envelope, all at once (what concurrent HTTP
  writes do), beside one task per record doing ``await (await producer.send(...))``.

Both sides serialise every envelope (``to_record``) inside the timed part, and both use
``acks=all``, the idempotent producer, ``linger_ms=5`` and 256 KiB batches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from schemas import Envelope, to_record
from schemas.topics import TOPICS
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from tests.bench.common import Figure, Measure, rate, requested_envelope

LINGER_MS = 5
BATCH_BYTES = 256 * 1024


async def _timed(count: int, action: Callable[[], Awaitable[Sequence[Any]]]) -> tuple[float, int]:
    """(acknowledged records per second, records refused) of one run of ``action``."""
    started = time.perf_counter()
    answers = await action()
    elapsed = time.perf_counter() - started
    refused = sum(1 for answer in answers if isinstance(answer, BaseException))
    return rate(count - refused, elapsed), refused


async def _ours(bootstrap: str, envelopes: list[Envelope], *, batched: bool) -> tuple[float, int]:
    publisher = EventPublisher(
        [bootstrap], "bench-publisher", linger_ms=LINGER_MS, max_batch_bytes=BATCH_BYTES
    )
    await publisher.start()
    try:
        await publisher.publish(requested_envelope(-1))  # metadata and producer id

        async def many() -> Sequence[Any]:
            try:
                return await publisher.publish_many(envelopes)
            except Exception as exc:  # the whole call refused: every record counts as refused
                return [exc] * len(envelopes)

        async def concurrent() -> Sequence[Any]:
            return await asyncio.gather(
                *(publisher.publish(e) for e in envelopes), return_exceptions=True
            )

        return await _timed(len(envelopes), many if batched else concurrent)
    finally:
        await publisher.stop()


async def _raw(bootstrap: str, envelopes: list[Envelope], *, batched: bool) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=LINGER_MS,
        max_batch_size=BATCH_BYTES,
    )
    await producer.start()
    try:
        warm = to_record(requested_envelope(-1))
        await producer.send_and_wait(warm.topic, value=warm.value, key=warm.key)

        async def one(envelope: Envelope) -> Any:
            record = to_record(envelope)
            return await (
                await producer.send(
                    record.topic, value=record.value, key=record.key, headers=record.headers
                )
            )

        async def loop() -> Sequence[Any]:
            futures = []
            for envelope in envelopes:
                record = to_record(envelope)
                futures.append(
                    await producer.send(
                        record.topic, value=record.value, key=record.key, headers=record.headers
                    )
                )
            return await asyncio.gather(*futures, return_exceptions=True)

        async def concurrent() -> Sequence[Any]:
            return await asyncio.gather(*(one(e) for e in envelopes), return_exceptions=True)

        acknowledged, refused = await _timed(len(envelopes), loop if batched else concurrent)
        assert refused == 0, f"raw aiokafka: {refused} records not acknowledged"
        return acknowledged
    finally:
        await producer.stop()


async def bench_publisher(bootstrap: str, *, count: int, runs: int) -> list[Figure]:
    await ensure_topics([bootstrap], TOPICS, partitions=6, replication=1)
    envelopes = [requested_envelope(i) for i in range(count)]
    figures = []
    for batched in (True, False):
        ours, raw, refused = [], [], 0
        for _ in range(runs):
            acknowledged, failed = await _ours(bootstrap, envelopes, batched=batched)
            ours.append(acknowledged)
            refused += failed
            raw.append(await _raw(bootstrap, envelopes, batched=batched))
        settings = f"acks=all, idempotent, linger {LINGER_MS} ms, {BATCH_BYTES // 1024} KiB batches"
        if batched:
            figure = Figure(
                f"publisher, {count:,} envelopes in one call ({settings})",
                Measure("EventPublisher.publish_many", ours, errors=refused),
                [Measure("aiokafka send() in a loop, futures awaited together", raw)],
                target="≥ 0.5× raw batched aiokafka",
            )
        else:
            figure = Figure(
                f"publisher, {count:,} concurrent single publishes, the HTTP path ({settings})",
                Measure("EventPublisher.publish × concurrent callers", ours, errors=refused),
                [Measure("aiokafka: one task per record, await (await send())", raw)],
                target="≥ 0.5× raw aiokafka with as many concurrent tasks",
            )
        figures.append(figure)
    return figures
