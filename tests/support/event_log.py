"""Read what is on a topic of the real broker, from the beginning, for assertions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from schemas import Envelope, MalformedEvent, envelope_from_bytes
from services.runtime.kafka.broker import topic_partitions


async def read_events(
    bootstrap: str, topic: str, keep: Callable[[Envelope], bool], *, idle_ms: int = 3000
) -> list[Envelope]:
    """Every readable event of ``topic`` that ``keep`` accepts, until ``idle_ms`` brings none.

    Records that are not events are skipped: tests sharing the broker park garbage on it.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[Envelope] = []
    try:
        while batch := await consumer.getmany(timeout_ms=idle_ms):
            for messages in batch.values():
                for message in messages:
                    try:
                        envelope = envelope_from_bytes(message.value)
                    except MalformedEvent:
                        continue
                    if keep(envelope):
                        found.append(envelope)
        return found
    finally:
        await consumer.stop()


async def _caught_up(bootstrap: str, group: str, topics: tuple[str, ...], timeout_s: float) -> None:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await reader.start()
    try:
        counts = await topic_partitions([bootstrap], topics)
        partitions = [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]
        ends = await reader.end_offsets(partitions)
        deadline = time.monotonic() + timeout_s
        while True:
            behind = {
                tp: end for tp, end in ends.items() if (await reader.committed(tp) or 0) < end
            }
            if not behind:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{group} did not reach the end of {behind} in {timeout_s}s")
            await asyncio.sleep(0.2)
    finally:
        await reader.stop()


def wait_caught_up(
    bootstrap: str, group: str, topics: tuple[str, ...], timeout_s: float = 120
) -> None:
    """Until consumer group ``group`` has committed, on every partition of ``topics``, the end
    offset the log had when this was called: everything published before is processed (a
    projector commits a batch once it is written)."""
    asyncio.run(_caught_up(bootstrap, group, topics, timeout_s))
