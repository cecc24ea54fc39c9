"""Reading the archived partitions of the log for verification, outside any consumer group.

Every partition of every topic verification needs is known up front: the metadata of the
whole cluster is read once, before any assignment (a consumer with an assignment refreshes
the metadata of its assigned topics only), and each partition's log start and end are read as
reading begins. Each partition is then read once, in offset order, up to the end it had when
reading began: a task of its own sends the fetch requests (every partition of a leader in one
request, a bounded amount fetched ahead of what has been taken) and unpacks the record batches
the broker sends into offsets and values alone, without a consumer record per event (the
consumer's fetcher makes one, which costs as much as the rest of reading). Records are taken
as far as each run of blocks needs; records fetched past that wait for the next run. Records
come back as they are (offsets and values, in offset order): the comparing side confirms them
against what is sealed at their places (``services/audit/domain/run_columns.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka import errors as kafka_errors
from aiokafka.errors import KafkaError
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords

from services.audit.domain.run_columns import KafkaRead
from services.audit.domain.sealed_rows import Partition
from services.runtime.kafka.security import client_security

FETCH_MAX_BYTES = 32 << 20
PARTITION_FETCH_BYTES = 1 << 20
"""Per partition and fetch: small enough that the first run's records arrive while the rest
of the log is still on its way (reading and comparing overlap), large enough to stream."""
AHEAD_BYTES = 4 << 20
"""A partition is fetched no further while this much of it waits to be taken."""
FETCH_WAIT_MS = 50
RETRY_S = 0.1
STALL_S = 30.0
"""How long reading may make no progress before Kafka counts as unreadable."""


class KafkaStalled(KafkaError):  # type: ignore[misc]
    """The broker stopped giving records that it said it holds."""


@dataclass
class PartitionState:
    """One partition as reading found it: its bounds when reading began, where fetching is,
    and the records fetched but not taken yet (``ahead_*``, in offset order, from below
    ``position``)."""

    exists: bool
    log_start: int = 0
    end: int = 0
    position: int = 0
    ahead_offsets: list[int] = field(default_factory=list)
    ahead_values: list[bytes | None] = field(default_factory=list)
    ahead_bytes: int = 0


class KafkaLog:
    """The log's partitions, read once in offset order (see the module docstring)."""

    def __init__(self, bootstrap: Sequence[str], client_id: str = "wfa-audit-verify") -> None:
        # the consumer reads metadata and bounds; its own fetcher stays idle (nothing assigned
        # is ever resumed): records come from this reader's fetch requests
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=list(bootstrap),
            **client_security(),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=client_id,
        )
        self.partitions: dict[Partition, PartitionState] = {}
        self.records_read = 0
        self._arrived = asyncio.Event()
        self._wanted = asyncio.Event()
        self._fetching: asyncio.Task[None] | None = None
        self._failed: BaseException | None = None
        self._cluster: Any = None

    async def start(self) -> None:
        """Connect and read the metadata of every topic."""
        await self.consumer.start()
        self._cluster = await self.consumer._client.fetch_all_metadata()

    async def open(self, topics: Iterable[str]) -> None:
        """Read the bounds of every partition of ``topics`` (after :meth:`start`); then every
        partition is fetched ahead in the background."""
        cluster = self._cluster
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
        self._fetching = asyncio.create_task(self._fetch_ahead())

    async def close(self) -> None:
        if self._fetching is not None:
            self._fetching.cancel()
            with contextlib.suppress(BaseException):
                await self._fetching
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
            self._wanted.set()

    async def read(self, spans: Mapping[Partition, tuple[int, int]]) -> dict[Partition, KafkaRead]:
        """The records of ``[from, to)`` of each partition, in offset order, with the
        partition's bounds when reading began. Offsets the broker no longer holds (or never
        held) are absent."""
        out: dict[Partition, KafkaRead] = {}
        targets: dict[Partition, tuple[int, int]] = {}
        for key, (start, stop) in spans.items():
            state = self.state(key)
            read = out[key] = KafkaRead(
                log_start=state.log_start,
                end=state.end if state.exists else None,
                exists=state.exists,
            )
            if not state.exists:
                continue
            first, last = max(start, state.log_start), min(stop, state.end)
            if first >= last:
                continue
            _take_ahead(state, first, last, read)
            if state.position < first:  # nothing fetched is wanted: fetch from ``first`` on
                state.ahead_offsets, state.ahead_values, state.ahead_bytes = [], [], 0
                state.position = first
            if state.position < last:
                targets[key] = (first, last)
        self._wanted.set()  # what was taken leaves room to fetch further ahead
        progress_at = time.monotonic()
        while targets:
            self._wanted.set()
            self._arrived.clear()
            if self._failed is not None:
                raise self._failed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), 1.0)
            for key, (first, last) in list(targets.items()):
                state = self.partitions[key]
                if state.ahead_offsets:
                    progress_at = time.monotonic()
                    _take_ahead(state, first, last, out[key])
                if state.position >= last:
                    del targets[key]
            if targets and time.monotonic() - progress_at > STALL_S:
                raise KafkaStalled(
                    f"no record for {STALL_S:.0f} s from "
                    + ", ".join(f"{topic}/{partition}" for topic, partition in targets)
                )
        return out

    async def _fetch_ahead(self) -> None:
        """Fetch every partition ahead of what is taken, up to its end, for as long as the log
        is read."""
        try:
            while True:
                wanted: dict[int, list[tuple[TopicPartition, int]]] = {}
                unknown = False
                for (topic, partition), state in self.partitions.items():
                    if state.position >= state.end or state.ahead_bytes >= AHEAD_BYTES:
                        continue
                    tp = TopicPartition(topic, partition)
                    leader = self.consumer._client.cluster.leader_for_partition(tp)
                    if leader is None or leader == -1:
                        unknown = True
                        continue
                    wanted.setdefault(leader, []).append((tp, state.position))
                if unknown:
                    self.consumer._client.force_metadata_update()
                if not wanted:
                    self._wanted.clear()
                    if unknown:
                        await asyncio.sleep(RETRY_S)
                    else:
                        await self._wanted.wait()
                    continue
                await asyncio.gather(*(self._fetch(node, tps) for node, tps in wanted.items()))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the reader raises it where it waits
            self._failed = exc
            self._arrived.set()

    async def _fetch(self, node: int, tps: list[tuple[TopicPartition, int]]) -> None:
        """One fetch request to ``node``; its records put ahead of what is taken."""
        by_topic: dict[str, list[tuple[int, int, int]]] = {}
        for tp, offset in tps:
            by_topic.setdefault(tp.topic, []).append((tp.partition, offset, PARTITION_FETCH_BYTES))
        request = FetchRequest(FETCH_WAIT_MS, 1, FETCH_MAX_BYTES, 0, list(by_topic.items()))
        try:
            response = await self.consumer._client.send(node, request)
        except KafkaError as exc:
            if not exc.retriable:
                raise
            await asyncio.sleep(RETRY_S)
            return
        asked = {(tp.topic, tp.partition): offset for tp, offset in tps}
        retry = False
        for topic, partitions in response.topics:
            for partition, error_code, _highwater, *data in partitions:
                key = (topic, partition)
                state = self.partitions.get(key)
                if state is None or state.position != asked.get(key):
                    continue  # moved on meanwhile (a run asked for later offsets)
                error = kafka_errors.for_code(error_code)
                if error is kafka_errors.NoError:
                    self._unpack(state, MemoryRecords(data[-1]))
                elif error is kafka_errors.OffsetOutOfRangeError:
                    # retention removed what was asked for since reading began: from the new
                    # log start on (what is gone is missing, as for an offset below it)
                    tp = TopicPartition(topic, partition)
                    start = int((await self.consumer.beginning_offsets([tp])).get(tp, 0))
                    if start > state.position:
                        state.position = start
                    else:
                        retry = True
                elif getattr(error, "retriable", False) or error in (
                    kafka_errors.NotLeaderForPartitionError,
                    kafka_errors.UnknownTopicOrPartitionError,
                ):
                    self.consumer._client.force_metadata_update()
                    retry = True
                else:
                    raise error(f"fetching {topic}/{partition}")
        self._arrived.set()
        if retry:
            await asyncio.sleep(RETRY_S)

    def _unpack(self, state: PartitionState, records: Any) -> None:
        """A partition's record batches, as offsets and values past ``state.position``."""
        offsets, values = state.ahead_offsets, state.ahead_values
        add_offset, add_value = offsets.append, values.append
        before = len(offsets)
        size = 0
        while records.has_next():
            batch = records.next_batch()
            if batch is None:
                break
            if not batch.is_control_batch:
                # no CRC check: each record's bytes are checked against their seal (SHA-256),
                # so a damaged one is named as the event it should be
                position = state.position
                if batch.base_offset >= position:
                    for record in batch:
                        add_offset(record.offset)
                        add_value(record.value)
                else:  # the fetch began inside this batch
                    for record in batch:
                        if record.offset >= position:
                            add_offset(record.offset)
                            add_value(record.value)
            state.position = max(state.position, batch.next_offset)
        size += records.size_in_bytes()
        state.ahead_bytes += size
        self.records_read += len(offsets) - before


def _take_ahead(state: PartitionState, first: int, last: int, into: KafkaRead) -> None:
    """Take the records of ``[first, last)`` fetched so far; those below ``last`` leave."""
    offsets = state.ahead_offsets
    if not offsets:
        return
    lo, hi = bisect_left(offsets, first), bisect_left(offsets, last)
    into.offsets.extend(offsets[lo:hi])
    into.values.extend(state.ahead_values[lo:hi])
    if hi:
        left = len(offsets) - hi
        state.ahead_bytes = state.ahead_bytes * left // len(offsets) if left else 0
        state.ahead_offsets, state.ahead_values = offsets[hi:], state.ahead_values[hi:]
