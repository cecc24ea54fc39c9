"""Reading the archived partitions of the log for verification, outside any consumer group.

Every partition of every topic verification needs is known up front: the metadata of the
whole cluster is read once, before any assignment (a consumer with an assignment refreshes
the metadata of its assigned topics only), every partition is assigned at once, and its log
start and end are read as reading begins. Each partition is then read once, in offset order,
fetched ahead in the background, and taken as far as each run of blocks needs; records taken
past that wait for the next run. Records come back as they are (offsets and values, in offset
order): the comparing side confirms them against what is sealed at their places
(``services/audit/domain/run_columns.py``).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from services.audit.domain.run_columns import KafkaRead
from services.audit.domain.sealed_rows import Partition

FETCH_MAX_BYTES = 64 << 20
PARTITION_FETCH_BYTES = 2 << 20
"""Per partition and fetch: small enough that the first run's records arrive while the rest
of the log is still on its way (reading and comparing overlap), large enough to stream."""
MIN_RECORDS = 1000
"""Records are taken from the fetched data about as many as the run asks for (at least this
many at a time), so that records are made run by run while the previous run is compared,
not all at once with the first run (the broker's answers hold far more than a run)."""
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
    ahead_offsets: list[int] = field(default_factory=list)
    ahead_values: list[bytes | None] = field(default_factory=list)


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
        read their bounds; then every partition is fetched ahead in the background."""
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
        # from now on every partition is fetched ahead in the background, one answer of at most
        # PARTITION_FETCH_BYTES each waiting to be taken (pausing one would drop what waits)
        self.consumer.resume(*assigned)

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

    async def read(self, spans: Mapping[Partition, tuple[int, int]]) -> dict[Partition, KafkaRead]:
        """The records of ``[from, to)`` of each partition, in offset order, with the
        partition's bounds when reading began. Offsets the broker no longer holds (or never
        held) are absent."""
        out: dict[Partition, KafkaRead] = {}
        targets: dict[TopicPartition, tuple[int, int]] = {}
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
            self._take_ahead(state, first, last, read)
            if state.position < first:
                state.ahead_offsets, state.ahead_values = [], []
                state.position = first
                self.consumer.seek(TopicPartition(*key), first)
            if state.position < last:
                targets[TopicPartition(*key)] = (first, last)
        if targets:
            await self._fetch(targets, out)
        return out

    @staticmethod
    def _take_ahead(state: PartitionState, first: int, last: int, into: KafkaRead) -> None:
        """Use the records fetched earlier past what was asked then."""
        offsets = state.ahead_offsets
        if not offsets:
            return
        lo, hi = bisect_left(offsets, first), bisect_left(offsets, last)
        into.offsets.extend(offsets[lo:hi])
        into.values.extend(state.ahead_values[lo:hi])
        state.ahead_offsets, state.ahead_values = offsets[hi:], state.ahead_values[hi:]

    async def _fetch(
        self, targets: dict[TopicPartition, tuple[int, int]], out: dict[Partition, KafkaRead]
    ) -> None:
        consumer = self.consumer
        progress_at = time.monotonic()
        offset_of, value_of = attrgetter("offset"), attrgetter("value")
        while targets:
            wanted = sum(
                last - self.partitions[(tp.topic, tp.partition)].position
                for tp, (_, last) in targets.items()
            )
            batch = await consumer.getmany(
                *targets, timeout_ms=200, max_records=max(wanted, MIN_RECORDS)
            )
            if batch:
                progress_at = time.monotonic()
            for tp, records in batch.items():
                if not records:
                    continue
                key = (tp.topic, tp.partition)
                first, last = targets[tp]
                state = self.partitions[key]
                self.records_read += len(records)
                offsets = list(map(offset_of, records))
                values = list(map(value_of, records))
                lo, hi = bisect_left(offsets, first), bisect_left(offsets, last)
                into = out[key]
                into.offsets.extend(offsets[lo:hi])
                into.values.extend(values[lo:hi])
                if hi < len(offsets):  # past what this run asks: for the next
                    state.ahead_offsets.extend(offsets[hi:])
                    state.ahead_values.extend(values[hi:])
                state.position = offsets[-1] + 1
            for tp, (_, last) in list(targets.items()):
                state = self.partitions[(tp.topic, tp.partition)]
                if state.position < last:  # records skipped (none left, or control ones)
                    state.position = max(state.position, await consumer.position(tp))
                if state.position >= last:
                    del targets[tp]
            if targets and time.monotonic() - progress_at > STALL_S:
                raise KafkaStalled(
                    f"no record for {STALL_S:.0f} s from "
                    + ", ".join(f"{tp.topic}/{tp.partition}" for tp in targets)
                )
