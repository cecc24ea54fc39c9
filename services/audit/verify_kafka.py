"""Reading the archived partitions of the log for verification, outside any consumer group.

Every partition of every topic verification needs is known up front: the metadata of the
whole cluster is read once, before any assignment (a consumer with an assignment refreshes
the metadata of its assigned topics only), every partition is assigned at once, and its log
start and end are read as reading begins. Each partition is then read once, in offset order,
with large fetches, as far as each run of blocks needs; records fetched past that wait for the
next run. A record's content is its SHA-256 and leading event id, confirmed against what is
sealed at its place; only a record that does not confirm goes through the archive's mapper.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from services.audit.domain.sealed_rows import Content, Partition, record_content

FETCH_MAX_BYTES = 64 << 20
PARTITION_FETCH_BYTES = 16 << 20
STALL_S = 30.0
"""How long reading may make no progress before Kafka counts as unreadable."""


class KafkaStalled(KafkaError):  # type: ignore[misc]
    """The broker stopped giving records that it said it holds."""


@dataclass
class PartitionState:
    """One partition as reading found it: its bounds when reading began, where reading is, and
    records fetched past what was asked for so far."""

    exists: bool
    log_start: int = 0
    end: int = 0
    position: int = 0
    ahead: list[tuple[int, bytes | None]] = field(default_factory=list)


Records = dict[int, Content | None]


class KafkaLog:
    """The log's partitions, read once in offset order (see the module docstring)."""

    def __init__(self, bootstrap: Sequence[str], client_id: str = "wfa-audit-verify") -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=list(bootstrap),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=client_id,
            fetch_max_bytes=FETCH_MAX_BYTES,
            max_partition_fetch_bytes=PARTITION_FETCH_BYTES,
            fetch_max_wait_ms=50,
        )
        self.partitions: dict[Partition, PartitionState] = {}
        self.records_read = 0

    async def open(self, topics: Iterable[str]) -> None:
        """Start, read the metadata of every topic, assign every partition of ``topics`` and
        read their bounds."""
        await self.consumer.start()
        cluster = await self.consumer._client.fetch_all_metadata()
        assigned = []
        for topic in sorted(set(topics)):
            for partition in sorted(cluster.partitions_for_topic(topic) or ()):
                assigned.append(TopicPartition(topic, partition))
        if not assigned:
            return
        self.consumer.assign(assigned)
        self.consumer.pause(*assigned)
        starts = await self.consumer.beginning_offsets(assigned)
        ends = await self.consumer.end_offsets(assigned)
        for tp in assigned:
            start = int(starts.get(tp, 0))
            self.partitions[(tp.topic, tp.partition)] = PartitionState(
                True, start, int(ends.get(tp, start)), start
            )
            self.consumer.seek(tp, start)

    async def close(self) -> None:
        await self.consumer.stop()

    def state(self, key: Partition) -> PartitionState:
        return self.partitions.get(key) or PartitionState(False)

    async def refresh_ends(self) -> None:
        """Read every partition's end again (for rows archived after reading began)."""
        tps = [TopicPartition(t, p) for t, p in self.partitions]
        if tps:
            ends = await self.consumer.end_offsets(tps)
            for tp, end in ends.items():
                state = self.partitions[(tp.topic, tp.partition)]
                state.end = max(state.end, int(end))

    async def read(
        self,
        spans: Mapping[Partition, tuple[int, int]],
        sealed: Mapping[Partition, Mapping[int, Content]],
    ) -> dict[Partition, Records]:
        """The records of ``[from, to)`` of each partition, as the archive would seal them
        (``None``: not archived); ``sealed``: what is sealed at each place, to confirm records
        against. Offsets the broker no longer holds (or never held) are absent."""
        out: dict[Partition, Records] = {key: {} for key in spans}
        targets: dict[TopicPartition, tuple[int, int]] = {}
        for key, (start, stop) in spans.items():
            state = self.partitions.get(key)
            if state is None:
                continue
            first, last = max(start, state.log_start), min(stop, state.end)
            if first >= last:
                continue
            expected = sealed.get(key, {})
            self._take_ahead(key, state, first, last, expected, out[key])
            if state.position < first:
                state.ahead.clear()
                state.position = first
                self.consumer.seek(TopicPartition(*key), first)
            if state.position < last:
                targets[TopicPartition(*key)] = (first, last)
        if targets:
            await self._fetch(targets, sealed, out)
        return out

    def _take_ahead(
        self,
        key: Partition,
        state: PartitionState,
        first: int,
        last: int,
        expected: Mapping[int, Content],
        into: Records,
    ) -> None:
        """Use the records fetched earlier past what was asked then."""
        if not state.ahead:
            return
        keep = []
        for offset, value in state.ahead:
            if first <= offset < last:
                sealed = expected.get(offset)
                if sealed is not None and _confirms(value, sealed):
                    into[offset] = sealed
                else:
                    into[offset] = record_content(*key, offset, value, sealed)
            elif offset >= last:
                keep.append((offset, value))
        state.ahead = keep

    async def _fetch(
        self,
        targets: dict[TopicPartition, tuple[int, int]],
        sealed: Mapping[Partition, Mapping[int, Content]],
        out: dict[Partition, Records],
    ) -> None:
        consumer = self.consumer
        consumer.resume(*targets)
        progress_at = time.monotonic()
        try:
            while targets:
                batch = await consumer.getmany(*targets, timeout_ms=200)
                if batch:
                    progress_at = time.monotonic()
                for tp, records in batch.items():
                    key = (tp.topic, tp.partition)
                    first, last = targets[tp]
                    state = self.partitions[key]
                    self.records_read += len(records)
                    _contents(key, records, first, last, sealed.get(key, {}), out[key], state)
                    if records:
                        state.position = records[-1].offset + 1
                for tp, (_, last) in list(targets.items()):
                    state = self.partitions[(tp.topic, tp.partition)]
                    if state.position < last:  # records skipped (none left, or control ones)
                        state.position = max(state.position, await consumer.position(tp))
                    if state.position >= last:
                        consumer.pause(tp)
                        del targets[tp]
                if targets and time.monotonic() - progress_at > STALL_S:
                    raise KafkaStalled(
                        f"no record for {STALL_S:.0f} s from "
                        + ", ".join(f"{tp.topic}/{tp.partition}" for tp in targets)
                    )
        finally:
            if targets:
                consumer.pause(*targets)


_HEAD = b'{"event_id":"'


def _contents(
    key: Partition,
    records: Sequence[Any],
    first: int,
    last: int,
    expected: Mapping[int, Content],
    into: Records,
    state: PartitionState,
) -> None:
    """What the archive would seal for each record of ``[first, last)`` (:func:`record_content`,
    its common case inline: the record's hash and leading event id are the sealed leaf's);
    records past ``last`` wait in ``state.ahead``."""
    for record in records:
        offset, value = record.offset, record.value
        if offset >= last:
            state.ahead.append((offset, value))
            continue
        if offset < first:
            continue
        sealed = expected.get(offset)
        if sealed is not None and _confirms(value, sealed):
            into[offset] = sealed
        else:
            into[offset] = record_content(*key, offset, value, sealed)


def _confirms(value: bytes | None, sealed: Content) -> bool:
    """Whether a record is what is sealed at its place: its SHA-256 and the event id it starts
    with (:func:`~services.audit.domain.sealed_rows.record_content`'s common case, inline)."""
    return (
        value is not None
        and value.startswith(_HEAD)
        and value[39:40] == b'"'
        and value[13:39] == sealed[0].encode()
        and hashlib.sha256(value).hexdigest() == sealed[1]
    )
