"""Write generated events straight to the topics, in bulk, as the services would publish them.

Each event becomes its record through the contract's record builder
(:func:`schemas.serialization.record_from_parts`, via :meth:`Event.record`): the value is the
envelope as compact JSON, the key the subject NIP, the headers the routing metadata. One
idempotent producer with acknowledgements from all in-sync replicas (as the platform's
publisher), but with a long linger, large batches and compression, since nobody waits for
an answer here. Record timestamps are the time of writing (the broker's retention of the
restricted locations topic counts from them, so a generated past is not purged at once).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer

from operations.province.generate import Event
from schemas.topics import DEFAULT_PARTITIONS, EVENT_TOPICS, RESTRICTED_TOPICS
from services.runtime.kafka.broker import ensure_topics
from services.runtime.kafka.restricted_topics import restricted_config
from services.runtime.settings import Settings

__all__ = ["WriteReport", "compression_available", "write_chunks"]

_IN_FLIGHT = 20_000
"""Records handed to the producer before their acknowledgements are awaited."""


def compression_available(codec: str) -> str | None:
    """The codec to use: ``auto`` is lz4 when its library is installed, else none."""
    if codec == "none":
        return None
    if codec in ("auto", "lz4", "zstd", "snappy"):
        try:
            import cramjam  # noqa: F401
        except ImportError:
            if codec == "auto":
                return None
            raise ValueError(f"{codec} needs the cramjam package; use gzip or none") from None
        return "lz4" if codec == "auto" else codec
    if codec == "gzip":
        return "gzip"
    raise ValueError(f"unknown compression {codec!r}")


@dataclass
class WriteReport:
    """What was written: records per topic and per event type, and how long it took."""

    per_topic: Counter[str] = field(default_factory=Counter)
    per_type: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(self.per_topic.values())

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def create_topics(bootstrap: list[str], settings: Settings | None = None) -> None:
    """Create the contract's event topics that are missing, as the services would."""
    settings = settings or Settings()
    await ensure_topics(
        bootstrap,
        EVENT_TOPICS,
        partitions=settings.topic_partitions,
        replication=settings.topic_replication,
        configs={name: restricted_config(settings) for name in RESTRICTED_TOPICS},
        # a contract topic with a partition count of its own keeps it (geofences: 1)
        partitions_of={
            spec.name: spec.partitions
            for spec in EVENT_TOPICS
            if spec.partitions != DEFAULT_PARTITIONS
        },
    )


async def write_chunks(
    chunks: Iterable[list[Event]],
    bootstrap: list[str],
    *,
    compression: str | None = None,
    linger_ms: int = 100,
    batch_bytes: int = 1024 * 1024,
    on_chunk: Callable[[int], Any] | None = None,
    client_id: str = "wfa-province",
) -> WriteReport:
    """Write every chunk's events; ``on_chunk(events_in_chunk)`` after each chunk is queued."""
    await create_topics(bootstrap)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        max_batch_size=batch_bytes,
        compression_type=compression,
        request_timeout_ms=60_000,
    )
    report = WriteReport()
    started = time.perf_counter()
    await producer.start()
    try:
        pending: deque[asyncio.Future[Any]] = deque()
        for chunk in chunks:
            for event in chunk:
                record = event.record()
                pending.append(
                    await producer.send(
                        record.topic, value=record.value, key=record.key, headers=record.headers
                    )
                )
                report.per_topic[record.topic] += 1
                report.per_type[event.event_type] += 1
                # a sliding window: the oldest acknowledgements are awaited (and any failure
                # raised) while the newest records keep filling batches
                while len(pending) > _IN_FLIGHT and pending[0].done():
                    pending.popleft().result()
                if len(pending) > 4 * _IN_FLIGHT:
                    await pending.popleft()
            if on_chunk is not None:
                on_chunk(len(chunk))
        await producer.flush()
        for future in pending:
            await future
    finally:
        await producer.stop()
    report.seconds = time.perf_counter() - started
    return report
