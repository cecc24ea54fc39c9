"""Read what is on a topic of the real broker, from the beginning, for assertions."""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import AIOKafkaConsumer

from schemas import Envelope, MalformedEvent, envelope_from_bytes


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
