"""A service's projection as a member of a Kafka consumer group (a component of its context).

The pipeline, per batch of up to ``batch_size`` records from any of its partitions:

1. fetch (aiokafka ``getmany``, on the event loop);
2. decode, map and encode: in ``decode_processes`` worker processes, each taking a consecutive
   slice of the batch, so that the event loop and its one core are left to fetching, HTTP and
   the store's client; with ``decode_processes=0``, in a thread of this process;
3. write: dead letters, then ONE insert per table with the batch's dedup token
   (:meth:`~.projector.ProjectedBatch.inserts`), retried until acknowledged;
4. in batch order: hand what the written batches marked to ``after_write`` (e.g. computing
   derived rows again from the rows now stored), retried until it succeeds, then commit the
   batches' offsets.

Several batches are in flight at once (``max_in_flight``): while one is written the next is
decoded and the one after fetched. ``after_write`` runs beside them, one round at a time:
while it runs for some batches, later ones are fetched, decoded and written, up to
``refresh_backlog`` of them, and the next round takes all of those at once (the union of
their marks, so a key marked by several batches is refreshed once). A crash anywhere replays
from the last commit; the dedup tokens and the ReplacingMergeTree tables absorb what was
written twice, and a replayed batch marks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from kernel.projection_rows import EventMapper, Marks
from services.runtime import metrics, tracing
from services.runtime.context import ServiceContext, register
from services.runtime.kafka.security import client_security
from services.runtime.logs import request_ids_of
from services.runtime.projection.projector import (
    BatchWriter,
    ProjectedBatch,
    encode_batch,
    merge_batches,
    project_records,
)
from services.runtime.projection.worker_pool import process_pool

if TYPE_CHECKING:
    from services.runtime.context import Port, Publisher
    from services.runtime.settings import Settings
    from services.runtime.store.base import Store

log = logging.getLogger(__name__)

#: records of one partition handed to a worker: (topic, partition, [(offset, key, value)])
Segment = tuple[str, int, list[tuple[int, bytes | None, bytes | None]]]


@dataclass(frozen=True, slots=True)
class _Record:
    offset: int
    key: bytes | None
    value: bytes | None


def project_segments(segments: list[Segment], mapper: EventMapper, consumer: str) -> ProjectedBatch:
    """Decode, map and encode a slice of a batch (runs in a worker process or a thread)."""
    batches = {
        (topic, partition): [_Record(*r) for r in records] for topic, partition, records in segments
    }
    return encode_batch(project_records(batches, mapper, consumer))


class _Backlog:
    """Written batches waiting for their refresh: the union of their marks and, per
    partition, the offset to commit once refreshed."""

    def __init__(self) -> None:
        self.batches = 0
        self.marks: Marks = {}
        self.offsets: dict[tuple[str, int], int] = {}

    def add(self, marks: Marks, offsets: dict[tuple[str, int], int]) -> None:
        self.batches += 1
        for name, marked in marks.items():
            self.marks.setdefault(name, set()).update(marked)
        for key, offset in offsets.items():
            self.offsets[key] = max(offset, self.offsets.get(key, 0))

    def take(self) -> tuple[Marks, dict[tuple[str, int], int]]:
        taken = self.marks, self.offsets
        self.batches, self.marks, self.offsets = 0, {}, {}
        return taken


AfterWrite = Callable[[Marks], Awaitable[None]]
"""Run once batches are written and before their offsets are committed, with what they
marked; it must be idempotent (a crash before the commit runs it again on the replay)."""

ResumeAt = Callable[[Sequence[TopicPartition]], dict[TopicPartition, int]]
"""Where the projector's own store stopped on each partition given (the next offset to read)."""


def project_segments_in_worker(
    segments: list[Segment], mapper: EventMapper, consumer: str
) -> ProjectedBatch:
    """:func:`project_segments` in a worker process, with the cyclic garbage collector paused.

    A batch keeps thousands of freshly built objects alive at once (parsed JSON, envelopes,
    payloads, rows); each collection would walk all of them, doubling the cost of a batch,
    while what a batch allocates is freed by reference counting as soon as it is encoded.
    The collector runs again between batches.
    """
    gc.disable()
    try:
        return project_segments(segments, mapper, consumer)
    finally:
        gc.enable()


def slice_batch(records: dict[tuple[str, int], list[Any]], parts: int) -> list[list[Segment]]:
    """Split a batch into ``parts`` consecutive slices of about the same number of records."""
    flat = [
        (topic, partition, (r.offset, r.key, r.value))
        for (topic, partition), rs in sorted(records.items())
        for r in rs
    ]
    size = max(1, -(-len(flat) // max(1, parts)))
    slices: list[list[Segment]] = []
    for start in range(0, len(flat), size):
        segments: list[Segment] = []
        for topic, partition, record in flat[start : start + size]:
            if not segments or segments[-1][:2] != (topic, partition):
                segments.append((topic, partition, []))
            segments[-1][2].append(record)
        slices.append(segments)
    return slices


def default_decode_processes() -> int:
    """One worker process per core, at most four: the event loop mostly waits meanwhile."""
    return max(1, min(4, os.cpu_count() or 1))


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: StreamProjector) -> None:
        self.projector = projector

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.projector._partitions_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.projector._partitions_assigned(set(assigned))


class StreamProjector(BatchWriter):
    """A service's projection as a consumer group member (a component of its context).

    Batches close at ``batch_size`` records or ``batch_seconds`` after their first record.
    Ready once it has joined the group and projected everything its partitions held when they
    were first assigned (a partition moved to another member meanwhile no longer counts).
    Stopping writes what is in flight, commits it and leaves the group, so that the partitions
    move at once to the other members (or to this instance when it restarts). With
    ``group_instance_id`` (static membership) a restarted member gets its partitions back
    without a rebalance; it then does not leave the group on stop.
    """

    def __init__(
        self,
        settings: Settings,
        name: str,
        topics: Sequence[str],
        mapper: EventMapper,
        *,
        store: Port[Store],
        publisher: Port[Publisher],
        group_id: str | None = None,
        group_instance_id: str | None = None,
        batch_size: int | None = None,
        batch_seconds: float | None = None,
        decode_processes: int | None = None,
        max_in_flight: int = 3,
        session_timeout_ms: int = 10_000,
        after_write: AfterWrite | None = None,
        refresh_backlog: int = 16,
        resume_at: ResumeAt | None = None,
    ) -> None:
        super().__init__(name, store, publisher)
        self.settings = settings
        self.after_write = after_write
        self.refresh_backlog = max(0, refresh_backlog)
        """Written batches that may wait while ``after_write`` runs for earlier ones: fetching,
        decoding and writing go on meanwhile, and the next round takes all of them at once."""
        self.resume_at = resume_at
        """When given, a partition assigned is read from where this member's own store
        stopped rather than from the group's committed offset: a store that must hold every
        record of the log (audit's archive) has no gap when another instance of the group
        held the partition for a while, and re-reads nothing it holds already."""
        self.topics = tuple(topics)
        self.mapper = mapper
        self.group_id = group_id or f"{settings.group_id}.{name}-projector"
        """Consumer group; a new one projects the whole log again."""
        self.group_instance_id = group_instance_id
        self.batch_size = batch_size or settings.projector_batch_size
        self.batch_seconds = batch_seconds or settings.projector_batch_seconds
        self.decode_processes = (
            default_decode_processes() if decode_processes is None else decode_processes
        )
        self.max_in_flight = max(1, max_in_flight)
        self.session_timeout_ms = session_timeout_ms
        self.records = 0
        self.joined_at: float | None = None
        """``time.monotonic()`` when the group first assigned partitions to this member."""
        self._consumer: AIOKafkaConsumer | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: deque[tuple[asyncio.Task[Marks], dict[tuple[str, int], int]]] = deque()
        self._settling = asyncio.Lock()
        self._backlog = _Backlog()
        """Written batches whose marks wait for ``after_write`` (or whose offsets wait)."""
        self._refresher: asyncio.Task[None] | None = None
        self._refresh_moved = asyncio.Event()
        """Set when the refresher takes the waiting batches (the backlog has room again) and
        when it ends a round."""
        self._written: dict[TopicPartition, int] = {}
        """Next offset per partition whose records are all written (and maybe committed)."""
        self._uncommitted: dict[TopicPartition, int] = {}
        self._assigned: set[TopicPartition] = set()
        self._targets: dict[TopicPartition, int] | None = None
        """End offsets of the partitions first assigned: caught up once written past them."""
        self._ready = False

    # component --------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.decode_processes > 0:
            self._pool = self._new_pool()
            loop = asyncio.get_running_loop()
            nothing: list[Segment] = []
            await asyncio.gather(  # the workers import the mapper now, not on the first batch
                *(
                    loop.run_in_executor(self._pool, project_segments, nothing, self.mapper, "")
                    for _ in range(self.decode_processes)
                )
            )
        settings = self.settings
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_servers,
            **client_security(settings),
            group_id=self.group_id,
            group_instance_id=self.group_instance_id,
            client_id=f"{settings.service_name}-{self.name}-projector",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(500, self.session_timeout_ms // 4),
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await consumer.start()
        consumer.subscribe(self.topics, listener=_Rebalance(self))
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(), name=f"projector-{self.name}")
        log.info(
            "projector %s started on %s (group %s, %d decode processes)",
            self.name,
            self.topics,
            self.group_id,
            self.decode_processes,
        )

    def _new_pool(self) -> ProcessPoolExecutor:
        return process_pool(self.decode_processes)  # the workers end with this process

    async def stop(self, timeout_s: float = 15.0) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await asyncio.wait_for(self._settle(keep=0), timeout_s)
        except TimeoutError:
            log.warning("projector %s: in-flight batches not written within %ss", self, timeout_s)
            for task, _ in self._in_flight:
                task.cancel()
            self._in_flight.clear()
            if self._refresher is not None:
                self._refresher.cancel()
        if self._consumer is not None:
            await self._consumer.stop()  # leaves the group (unless static membership)
            self._consumer = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def ready(self) -> bool:
        return self._ready

    def lag(self) -> dict[TopicPartition, int]:
        """How far behind the end offsets seen when the partitions were first assigned."""
        return {
            tp: max(0, end - self._written.get(tp, 0)) for tp, end in (self._targets or {}).items()
        }

    def __str__(self) -> str:
        return self.name

    # consuming --------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                records = await self._next_batch()
                self._observe_lag()
                if records:
                    offsets = {key: messages[-1].offset + 1 for key, messages in records.items()}
                    self.records += sum(len(messages) for messages in records.values())
                    task = asyncio.create_task(self._project(records))
                    self._in_flight.append((task, offsets))
                    await self._settle(keep=self.max_in_flight - 1)
                else:
                    await self._settle(keep=0)
                self._check_ready()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep projecting; the batch is fetched again from the commit
                log.exception("projector %s: batch failed; resuming from the last commit", self)
                await asyncio.sleep(1.0)
                await self._rewind()

    async def _project(self, records: dict[tuple[str, int], list[Any]]) -> Marks:
        active = tracing.tracer()
        if active is None:  # tracing off
            return await self._project_batch(records)
        with tracing.batch_span(
            active,
            f"projector {self.name}",
            (m for messages in records.values() for m in messages),
            self.group_id,
            sum(len(messages) for messages in records.values()),
        ):
            return await self._project_batch(records)

    async def _project_batch(self, records: dict[tuple[str, int], list[Any]]) -> Marks:
        started = time.perf_counter()
        if self._pool is None:
            (segments,) = slice_batch(records, 1)
            batch = await asyncio.to_thread(project_segments, segments, self.mapper, self.name)
        else:
            pool = self._pool
            loop = asyncio.get_running_loop()
            try:
                parts = await asyncio.gather(
                    *(
                        loop.run_in_executor(
                            pool, project_segments_in_worker, segments, self.mapper, self.name
                        )
                        for segments in slice_batch(records, self.decode_processes)
                    )
                )
            except BrokenProcessPool:  # a worker died (e.g. out of memory): start new ones
                log.warning("projector %s: decode processes lost; starting new ones", self)
                if self._pool is pool:
                    self._pool = self._new_pool()
                raise
            batch = merge_batches(parts)
        await self.write(batch)
        self._observe_batch(records, time.perf_counter() - started)
        return batch.marks

    def _observe_batch(self, records: dict[tuple[str, int], list[Any]], seconds: float) -> None:
        """The figures of a written batch, and a log line naming the requests whose events it
        projected (their ``request_id`` headers), so a request can be followed to here."""
        counts = {key: len(messages) for key, messages in records.items()}
        size = sum(counts.values())
        metrics.PROJECTOR_BATCH_RECORDS.labels(self.name).observe(size)
        metrics.PROJECTOR_BATCH_SECONDS.labels(self.name).observe(seconds)
        metrics.count_consumed(self.name, counts)
        request_ids = request_ids_of(m for messages in records.values() for m in messages)
        if request_ids:
            log.info(
                "projector %s wrote a batch of %d records",
                self,
                size,
                extra={"request_ids": request_ids, "projector": self.name},
            )

    def _observe_lag(self) -> None:
        """Per assigned partition: its end offset as last fetched, less what is written."""
        if self._consumer is not None:
            written = {tp: self._written.get(tp, 0) for tp in self._assigned}
            metrics.observe_lag(self.name, self._consumer, written)

    async def _next_batch(self) -> dict[tuple[str, int], list[Any]]:
        """Up to ``batch_size`` records, waiting at most ``batch_seconds`` after the first."""
        assert self._consumer is not None
        wait_ms = int(self.batch_seconds * 1000)
        got = await self._consumer.getmany(timeout_ms=wait_ms, max_records=self.batch_size)
        records: dict[tuple[str, int], list[Any]] = {}
        count = 0
        deadline = time.monotonic() + self.batch_seconds
        while got:
            for tp, messages in got.items():
                records.setdefault((tp.topic, tp.partition), []).extend(messages)
                count += len(messages)
            remaining = deadline - time.monotonic()
            if count >= self.batch_size or remaining <= 0:
                break
            got = await self._consumer.getmany(
                timeout_ms=int(remaining * 1000), max_records=self.batch_size - count
            )
        assigned = {(tp.topic, tp.partition) for tp in self._consumer.assignment()}
        return {key: messages for key, messages in records.items() if key in assigned}

    async def _settle(self, *, keep: int) -> None:
        """Wait for the oldest batches in flight until ``keep`` remain; hand what they marked
        to the refresher, which runs ``after_write`` and then commits their offsets.

        With ``keep=0`` (idle, stopping, a rebalance, a failure) it also waits until every
        written batch is refreshed and committed; otherwise only while more than
        ``refresh_backlog`` written batches wait for a refresh."""
        async with self._settling:
            while self._in_flight and (len(self._in_flight) > keep or self._in_flight[0][0].done()):
                task, offsets = self._in_flight[0]
                try:
                    marked = await asyncio.shield(task)
                except asyncio.CancelledError:
                    raise
                except Exception:  # later batches must not be committed past this one
                    for later, _ in self._in_flight:
                        later.cancel()
                    self._in_flight.clear()
                    raise
                self._in_flight.popleft()
                self._backlog.add(marked, offsets)
            if self.after_write is None:
                if self._backlog.batches:
                    await self._finish(self._backlog.take()[1])
                return
            limit = 0 if keep == 0 else self.refresh_backlog
            while self._backlog.batches > limit or (keep == 0 and self._refreshing()):
                self._start_refresher()
                assert self._refresher is not None
                self._refresh_moved.clear()
                await asyncio.shield(self._refresh_moved.wait())
            self._start_refresher()

    def _refreshing(self) -> bool:
        return self._refresher is not None and not self._refresher.done()

    def _start_refresher(self) -> None:
        if self._backlog.batches and not self._refreshing():
            self._refresher = asyncio.create_task(
                self._refresh_rounds(), name=f"projector-{self.name}-after-write"
            )

    async def _refresh_rounds(self) -> None:
        """One round after another while written batches wait: ``after_write`` with all
        they marked (retried until it succeeds), then their offsets are committed."""
        assert self.after_write is not None
        while self._backlog.batches:
            marks, offsets = self._backlog.take()
            self._refresh_moved.set()  # fetching and writing go on while this round runs
            started = time.perf_counter()
            try:
                if marks:
                    await self.retry("after-write", partial(self.after_write, marks))
                await self._finish(offsets)
            finally:
                self._refresh_moved.set()
            metrics.PROJECTOR_REFRESH_ROUNDS.labels(self.name).inc()
            metrics.PROJECTOR_REFRESH_SECONDS.labels(self.name).observe(
                time.perf_counter() - started
            )

    async def _finish(self, offsets: dict[tuple[str, int], int]) -> None:
        """Batches written (and refreshed): caught up past them, and their offsets committed."""
        for (topic, partition), offset in offsets.items():
            tp = TopicPartition(topic, partition)
            self._written[tp] = max(offset, self._written.get(tp, 0))
            self._uncommitted[tp] = self._written[tp]
        await self._commit()
        self._check_ready()

    async def _commit(self) -> None:
        assert self._consumer is not None
        offsets = {tp: o for tp, o in self._uncommitted.items() if tp in self._assigned}
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:  # committed with a later batch, or replayed
            log.warning("projector %s: commit failed (%s); the next commit covers it", self, exc)
            return
        for tp, offset in offsets.items():
            if self._uncommitted.get(tp) == offset:
                del self._uncommitted[tp]

    async def _rewind(self) -> None:
        """After a failure: write what is in flight and fetch again from the last commit."""
        assert self._consumer is not None
        with contextlib.suppress(Exception):
            await self._settle(keep=0)
        assignment = sorted(self._consumer.assignment())
        own = self.resume_at(assignment) if self.resume_at is not None else {}
        for tp in assignment:
            committed = own[tp] if tp in own else await self._consumer.committed(tp)
            if committed is not None:
                self._consumer.seek(tp, committed)

    # group membership ---------------------------------------------------------------------------

    async def _partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._settle(keep=0)  # the next owner starts where this one stopped
        self._assigned -= revoked
        for tp in revoked:
            self._written.pop(tp, None)
            self._uncommitted.pop(tp, None)
            if self._targets is not None:  # another member catches it up now
                self._targets.pop(tp, None)
        self._check_ready()

    async def _partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._assigned = set(assigned)
        if self.joined_at is None:
            self.joined_at = time.monotonic()
        own: dict[TopicPartition, int] = {}
        if self.resume_at is not None and self._consumer is not None and assigned:
            own = self.resume_at(sorted(assigned))
            for tp, offset in own.items():
                self._consumer.seek(tp, offset)
                self._written[tp] = self._uncommitted[tp] = offset
            # the group's offsets follow with this member's next commit (another member may
            # have committed further, or less far, while it held the partitions): a commit
            # from inside the group's rebalance callback does not return
        if self._consumer is not None and not self._ready:
            # partitions this member has not measured yet: the first assignment, or one that
            # follows an empty first assignment while another member was still joining
            parts = sorted(tp for tp in assigned if tp not in (self._targets or {}))
            ends = await self._consumer.end_offsets(parts) if parts else {}
            starts = await self._consumer.beginning_offsets(parts) if parts else {}
            for tp in parts:
                committed = await self._consumer.committed(tp) if tp not in own else own[tp]
                self._written[tp] = committed if committed is not None else starts[tp]
            self._targets = {**(self._targets or {}), **ends}
        self._check_ready()

    def _check_ready(self) -> None:
        if self._ready or self._targets is None:
            return
        if all(self._written.get(tp, 0) >= end for tp, end in self._targets.items()):
            self._ready = True
            log.info("projector %s caught up (%d records)", self, self.records)


def register_projector(
    ctx: ServiceContext, name: str, topics: Sequence[str], mapper: EventMapper, **options: Any
) -> StreamProjector:
    """Declare a service's projection: a consumer-group member the host starts and stops."""
    return register(ctx, stream_projector(ctx, name, topics, mapper, **options))


def stream_projector(
    ctx: ServiceContext, name: str, topics: Sequence[str], mapper: EventMapper, **options: Any
) -> StreamProjector:
    """A stream projector writing to ``ctx``'s store and publisher, not registered on it (a
    rebuild, a test)."""
    return StreamProjector(
        ctx.settings,
        name,
        topics,
        mapper,
        store=ctx.store_port,
        publisher=ctx.publisher_port,
        **options,
    )
