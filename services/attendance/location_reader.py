"""Bounded reads of one employee's records straight from the log.

Records on the contract's topics are keyed by the subject NIP, so all of one employee's
records sit in one partition: the one aiokafka's default partitioner (murmur2 of the key, as
in the Java client) picked when they were produced. A read computes that partition, seeks to
the first record at or after a start time (``offsets_for_times``), and reads until a record is
past the stop time or the end offset as it was when the read began. Nothing is kept in memory
between calls, so the precise positions of the restricted topic never live in a service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from schemas import Envelope, EventPayload, LocationRecorded, MalformedEvent, decode_event
from schemas.topics import LOCATIONS
from services.runtime.kafka.log_reading import partitions_of
from services.runtime.kafka.security import client_security

log = logging.getLogger(__name__)

#: a local work day (WIB UTC+7 .. WIT UTC+9) lies within its UTC date widened by this much
DAY_MARGIN = timedelta(hours=14)
#: the longest a whole bounded read may take before it is given up
READ_TIMEOUT_S = 30.0

_partitioner = DefaultPartitioner()


class LogReadFailed(Exception):
    """The broker did not let the read finish in time."""


def partition_for_key(key: bytes, partitions: Sequence[int]) -> int:
    """The partition the default producer puts ``key`` on (murmur2, as the Java client)."""
    ordered = sorted(partitions)
    chosen: int = _partitioner(key, ordered, ordered)
    return chosen


@dataclass(frozen=True, slots=True)
class Window:
    """Record timestamps (milliseconds since the epoch) a read covers: [start_ms, stop_ms]."""

    start_ms: int | None = None
    stop_ms: int | None = None


def day_window(day: date, *, late_sync: timedelta = timedelta(0)) -> Window:
    """The record timestamps that can hold a local work day's records.

    The day in any Indonesian time zone lies within its UTC date widened by
    :data:`DAY_MARGIN`; a record recorded offline may reach the log up to ``late_sync`` later.
    """
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    start = midnight - DAY_MARGIN
    stop = midnight + timedelta(days=1) + DAY_MARGIN + late_sync
    return Window(_ms(start), _ms(stop))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def read_keyed(
    bootstrap: Sequence[str],
    topic: str,
    key: str | None,
    *,
    window: Window = Window(),
    client_id: str = "attendance-log-read",
    timeout_s: float = READ_TIMEOUT_S,
) -> list[tuple[Envelope, EventPayload]]:
    """Every decodable event of ``topic`` with record key ``key`` (every key when None)
    within ``window``, in log order. Reads only the key's partition."""
    try:
        async with asyncio.timeout(timeout_s):
            return await _read(bootstrap, topic, key, window, client_id)
    except TimeoutError as exc:
        raise LogReadFailed(f"reading {topic} took longer than {timeout_s:.0f}s") from exc


async def _read(
    bootstrap: Sequence[str], topic: str, key: str | None, window: Window, client_id: str
) -> list[tuple[Envelope, EventPayload]]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=list(bootstrap),
        **client_security(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=client_id,
    )
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topic)
        raw_key = None if key is None else key.encode("utf-8")
        if raw_key is not None:
            wanted = partition_for_key(raw_key, [tp.partition for tp in partitions])
            partitions = [TopicPartition(topic, wanted)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        pending = await _seek_start(consumer, partitions, ends, window.start_ms)
        found: list[tuple[Envelope, EventPayload]] = []
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=500, max_records=5000)
            for tp, messages in batches.items():
                for message in messages:
                    past = window.stop_ms is not None and message.timestamp > window.stop_ms
                    if message.offset >= ends[tp] or past:
                        pending.discard(tp)
                        break
                    if raw_key is not None and message.key != raw_key:
                        continue
                    decoded = _decode(message.value, tp, message.offset)
                    if decoded is not None:
                        found.append(decoded)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return found
    finally:
        await consumer.stop()


async def _seek_start(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    ends: dict[TopicPartition, int],
    start_ms: int | None,
) -> set[TopicPartition]:
    """Position every partition at its first record at or after ``start_ms``; return those
    with something left to read."""
    starts = await consumer.beginning_offsets(partitions)
    if start_ms is not None:
        for tp in partitions:
            starts[tp] = await first_offset_at(consumer, tp, start_ms, starts[tp], ends[tp])
    for tp in partitions:
        consumer.seek(tp, starts[tp])
    return {tp for tp in partitions if starts[tp] < ends[tp]}


async def first_offset_at(
    consumer: AIOKafkaConsumer, tp: TopicPartition, at_ms: int, start: int, end: int
) -> int:
    """The offset of the first record of ``tp`` with a timestamp at or after ``at_ms``, or
    ``end`` when there is none. ``consumer`` must be assigned ``tp``.

    ``offsets_for_times`` answers from the broker's time index. After records were deleted
    (``DeleteRecords``) the broker may answer "none" although later records exist, so a
    "none" is checked: against the last record, then, if that one is not older, by reading
    from ``start`` to the first record at or after ``at_ms``.
    """
    if start >= end:
        return end
    found = (await consumer.offsets_for_times({tp: at_ms})).get(tp)
    if found is not None:
        return max(int(found.offset), start)
    last = await _record_at(consumer, tp, end - 1, end)
    if last is None or last[1] < at_ms:
        return end
    consumer.seek(tp, start)
    while await consumer.position(tp) < end:
        batch = await consumer.getmany(tp, timeout_ms=500, max_records=5000)
        for message in batch.get(tp, ()):
            if message.timestamp >= at_ms:
                return max(int(message.offset), start)
    return end


async def _record_at(
    consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, end: int
) -> tuple[int, int] | None:
    """(offset, timestamp) of the record at ``offset``, or of the next one before ``end``."""
    consumer.seek(tp, offset)
    while await consumer.position(tp) < end:
        batch = await consumer.getmany(tp, timeout_ms=500, max_records=1)
        for message in batch.get(tp, ()):
            return int(message.offset), int(message.timestamp)
    return None


def _decode(
    value: bytes | None, tp: TopicPartition, offset: int
) -> tuple[Envelope, EventPayload] | None:
    if value is None:
        return None
    try:
        return decode_event(value)
    except MalformedEvent as exc:
        log.warning("skipped %s-%d@%d: %s", tp.topic, tp.partition, offset, exc.reason)
        return None


async def read_day_locations(
    bootstrap: Sequence[str], nip: str, day: date, *, late_sync: timedelta
) -> list[LocationRecorded]:
    """The precise positions an employee's presence signals recorded for one local work day."""
    events = await read_keyed(
        bootstrap,
        LOCATIONS,
        nip,
        window=day_window(day, late_sync=late_sync),
        client_id="attendance-location-read",
    )
    return [
        payload
        for _, payload in events
        if isinstance(payload, LocationRecorded) and payload.nip == nip and payload.work_date == day
    ]
