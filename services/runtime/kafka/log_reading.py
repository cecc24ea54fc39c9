"""Reading whole topics without a consumer group.

The request-log and reference replicas, the roster directory and the idempotency ledger each
read every partition of their topics from a position they know, in one process: the same
three steps, kept here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.runtime.kafka.security import client_security


def log_reader(bootstrap: Sequence[str], client_id: str) -> AIOKafkaConsumer:
    """A consumer outside any group, committing nothing, starting from the earliest record."""
    return AIOKafkaConsumer(
        bootstrap_servers=list(bootstrap),
        **client_security(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=client_id,
    )


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic``, waiting briefly for a topic created moments ago."""
    for _ in range(50):
        ids = consumer.partitions_for_topic(topic)
        if ids:
            return [TopicPartition(topic, p) for p in sorted(ids)]
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions")


async def stop_reading(
    task: asyncio.Task[None] | None, *consumers: AIOKafkaConsumer | None
) -> None:
    """Cancel the reading task, then stop the consumers."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for consumer in consumers:
        if consumer is not None:
            await consumer.stop()
