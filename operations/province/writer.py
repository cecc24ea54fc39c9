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
import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer

from operations.province.generate import Event, Task, chunk_of, chunk_tasks
from operations.province.model import ProvinceConfig
from operations.province.plans import Period
from schemas.topics import DEFAULT_PARTITIONS, EVENT_TOPICS, RESTRICTED_TOPICS
from services.runtime.kafka.broker import ensure_topics
from services.runtime.kafka.restricted_topics import restricted_config
from services.runtime.kafka.security import client_security
from services.runtime.settings import Settings

__all__ = [
    "Encoded",
    "WriteReport",
    "compression_available",
    "encoded_chunks",
    "write_chunks",
]

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


Encoded = tuple[str, str, bytes, bytes, list[tuple[str, bytes]]]
"""An event's type and its Kafka record as plain values: topic, key, value and headers
(plain tuples travel between processes faster than records)."""


def encode(chunk: list[Event]) -> list[Encoded]:
    encoded: list[Encoded] = []
    for event in chunk:
        record = event.record()
        encoded.append((event.event_type, record.topic, record.key, record.value, record.headers))
    return encoded


def _encode_task(args: tuple[ProvinceConfig, Period, Task, bool]) -> list[Encoded]:
    config, period, task, detector = args
    return encode(chunk_of(config, period, task, detector=detector))


def encoded_chunks(
    config: ProvinceConfig,
    period: Period,
    *,
    detector: bool = True,
    prologue_only: bool = False,
    workers: int = 0,
) -> Iterator[list[Encoded]]:
    """The province's chunks as records, in order: built here (``workers=0``) or by that many
    processes (the generation is pure, so any process builds any chunk the same)."""
    tasks = chunk_tasks(config, period, prologue_only=prologue_only)
    if workers <= 0:
        for task in tasks:
            yield encode(chunk_of(config, period, task, detector=detector))
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        args = ((config, period, task, detector) for task in tasks)
        yield from pool.imap(_encode_task, args, chunksize=1)


def _next_chunk(source: Iterator[Sequence[Event | Encoded]]) -> Sequence[Event | Encoded] | None:
    return next(source, None)


async def write_chunks(
    chunks: Iterable[Sequence[Event | Encoded]],
    bootstrap: list[str],
    *,
    compression: str | None = None,
    linger_ms: int = 100,
    batch_bytes: int = 1024 * 1024,
    on_chunk: Callable[[int], Any] | None = None,
    client_id: str = "wfa-province",
) -> WriteReport:
    """Write every chunk's events (or records); ``on_chunk(events_in_chunk)`` after each
    chunk is queued. The next chunk is fetched in a thread, so the producer keeps sending
    while a chunk is built (by another process when the chunks come from worker processes)."""
    await create_topics(bootstrap)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        **client_security(),
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
        source = iter(chunks)
        loop = asyncio.get_running_loop()
        while True:
            chunk = await loop.run_in_executor(None, _next_chunk, source)
            if chunk is None:
                break
            for item in chunk:
                if isinstance(item, Event):
                    record = item.record()
                    event_type, topic = item.event_type, record.topic
                    key, value, headers = record.key, record.value, record.headers
                else:
                    event_type, topic, key, value, headers = item
                pending.append(await producer.send(topic, value=value, key=key, headers=headers))
                report.per_topic[topic] += 1
                report.per_type[event_type] += 1
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
