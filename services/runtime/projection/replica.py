"""A full local replica of some topics in this instance's own store.

Faust agents share partitions among the instances of a consumer group, which is right for a
projection into a shared ClickHouse server but leaves each embedded (chDB) store with only part
of the data. Small reference data (roster, policies) and the request log that every instance
must read therefore go through a :class:`LocalReplica`: an aiokafka consumer without a group
that is assigned EVERY partition of its topics.

* Rows are written by the same idempotent :class:`~.projector.Projector`
  as the faust agents (dedup tokens, DLQ for undecodable records).
* The replica's position is written after the rows, in ``replica_positions``; a restart resumes
  from there, and a crash between the two replays the batch, which the dedup token and the
  ReplacingMergeTree version columns absorb.
* :meth:`LocalReplica.wait_caught_up` lets a reader wait until everything published before
  the call has been projected, and :meth:`LocalReplica.expect` until the event with a given
  ``event_id`` has been (a writer that fixes the id of the event it awaits, e.g. a command's
  outcome published with the command id as its event id, learns when it is readable).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from kernel.projection_rows import RowMapper
from schemas import Envelope
from services.runtime.context import register
from services.runtime.kafka.log_reading import log_reader, partitions_of, stop_reading
from services.runtime.kafka.security import client_security
from services.runtime.metrics import count_consumed, observe_lag
from services.runtime.projection.projector import Projector

if TYPE_CHECKING:
    from services.runtime.context import Port, Publisher, ServiceContext
    from services.runtime.settings import Settings
    from services.runtime.store.base import Store


class ReplicaFollower(Protocol):
    """In-memory state kept beside a replica's tables, from the same events."""

    async def load(self, store: Store) -> None:
        """Read what the store holds; called once, before the replica consumes."""

    def apply(self, envelopes: Sequence[Envelope]) -> None:
        """The events of a batch just written, in log order (a replayed batch may repeat)."""


log = logging.getLogger(__name__)

MIGRATIONS = (
    """
    CREATE TABLE IF NOT EXISTS {db}.replica_positions (
        replica LowCardinality(String),
        topic LowCardinality(String),
        partition UInt32,
        next_offset UInt64
    ) ENGINE = ReplacingMergeTree(next_offset)
    ORDER BY (replica, topic, partition)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)


class LocalReplica:
    """Consumes every partition of ``topics`` into the local store, in order per partition."""

    def __init__(
        self,
        settings: Settings,
        name: str,
        topics: Sequence[str],
        mapper: RowMapper,
        *,
        store: Port[Store],
        publisher: Port[Publisher],
        fresh_within_s: float = 0.3,
    ) -> None:
        """``store`` holds the replica's rows and positions, ``publisher`` takes its dead
        letters; both are open by the time the host starts the replica."""
        self.settings = settings
        self.store = store
        self.name = name
        self.topics = tuple(topics)
        self.projector = Projector(name, mapper, store, publisher)
        self.fresh_within_s = fresh_within_s
        self._consumer: AIOKafkaConsumer | None = None
        self._probe: AIOKafkaConsumer | None = None
        self.generation = 0
        """Bumped after every projected batch: readers cache what they read per generation."""
        self._task: asyncio.Task[None] | None = None
        self._next: dict[TopicPartition, int] = {}
        self._targets: dict[TopicPartition, int] = {}
        self._progress = asyncio.Condition()
        self._fresh_at = float("-inf")
        self._waiters: dict[str, list[asyncio.Future[Envelope]]] = {}
        self.followers: list[ReplicaFollower] = []

    def follow(self, follower: ReplicaFollower) -> None:
        """Keep ``follower`` current: loaded at start, then given every batch once written."""
        self.followers.append(follower)

    # lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        settings = self.settings
        consumer = log_reader(settings.kafka_servers, f"{settings.service_name}-{self.name}")
        await consumer.start()
        # end offsets come from a consumer of their own: the replicating one is usually inside
        # a long poll, and a request on it would wait for that poll to end
        self._probe = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_servers,
            **client_security(settings),
            group_id=None,
            enable_auto_commit=False,
            client_id=f"{settings.service_name}-{self.name}-probe",
        )
        await self._probe.start()
        partitions: list[TopicPartition] = []
        for topic in self.topics:
            partitions += await partitions_of(consumer, topic)
        consumer.assign(partitions)
        stored = await self._stored_positions()
        for follower in self.followers:
            await follower.load(self.store.get())
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition), 0)
            consumer.seek(tp, offset)
            self._next[tp] = offset
        self._consumer = consumer
        ends = await self._probe.end_offsets(partitions)
        self._targets = {tp: end for tp, end in ends.items() if end > self._next[tp]}
        self._task = asyncio.create_task(self._run(), name=f"replica-{self.name}")
        log.info("replica %s started on %d partitions", self.name, len(partitions))

    def ready(self) -> bool:
        """Caught up with the log as it was when the replica started."""
        if self._targets:
            self._targets = {tp: end for tp, end in self._targets.items() if self._next[tp] < end}
        return self._task is not None and not self._targets

    async def stop(self) -> None:
        await stop_reading(self._task, self._consumer, self._probe)
        self._task = None
        self._consumer = self._probe = None

    async def _stored_positions(self) -> dict[tuple[str, int], int]:
        rows = await self.store.get().query(
            "SELECT topic, partition, max(next_offset) AS next_offset "
            "FROM {db}.replica_positions WHERE replica = {replica:String} "
            "GROUP BY topic, partition",
            {"replica": self.name},
        )
        return {(row["topic"], int(row["partition"])): int(row["next_offset"]) for row in rows}

    # consuming --------------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._consumer is not None
        settings = self.settings
        while True:
            try:
                batches = await self._consumer.getmany(
                    timeout_ms=int(settings.projector_batch_seconds * 1000),
                    max_records=settings.projector_batch_size,
                )
                for tp, messages in batches.items():
                    if not messages:
                        continue
                    envelopes = await self.projector.handle_partition(
                        tp.topic, tp.partition, messages
                    )
                    next_offset = messages[-1].offset + 1
                    await self._save_position(tp, messages[0].offset, next_offset)
                    for follower in self.followers:
                        follower.apply(envelopes)
                    async with self._progress:
                        self._next[tp] = next_offset
                        self.generation += 1
                        self._progress.notify_all()
                    self._wake(envelopes)
                    count_consumed(self.name, {(tp.topic, tp.partition): len(messages)})
                self._observe_lag()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep replicating; the failed batch is fetched again
                log.exception("replica %s: batch failed; resuming from the last position", self)
                await asyncio.sleep(1.0)
                for tp, offset in self._next.items():
                    self._consumer.seek(tp, offset)

    def _observe_lag(self) -> None:
        """Per partition: its end offset as last fetched, less the next offset to apply."""
        if self._consumer is not None:
            observe_lag(self.name, self._consumer, self._next)

    async def _save_position(self, tp: TopicPartition, first: int, next_offset: int) -> None:
        row = {
            "replica": self.name,
            "topic": tp.topic,
            "partition": tp.partition,
            "next_offset": next_offset,
        }
        token = f"replica:{self.name}:{tp.topic}-{tp.partition}-{first}-{next_offset}"
        await self.projector.retry(
            "save position",
            lambda: self.store.get().insert("replica_positions", [row], dedup_token=token),
        )

    # reading ----------------------------------------------------------------------------------

    async def wait_caught_up(
        self, timeout_s: float = 10.0, *, max_staleness_s: float | None = None
    ) -> bool:
        """Wait until every record published before this call is projected.

        A call within ``max_staleness_s`` (default ``fresh_within_s``) of the last successful
        check returns at once, so a burst of readers costs one offsets request; it then only
        guarantees what was published before that check. A caller that has just published
        and must read its own write passes ``max_staleness_s=0``.
        """
        started = time.monotonic()
        staleness = self.fresh_within_s if max_staleness_s is None else max_staleness_s
        if started - self._fresh_at < staleness:
            return True
        if self._probe is None:
            return False
        try:
            ends = await asyncio.wait_for(
                self._probe.end_offsets(list(self._next)), timeout=timeout_s
            )
        except Exception as exc:
            log.warning("replica %s: end offsets unavailable (%s)", self.name, exc)
            return False

        def caught_up() -> bool:
            return all(self._next.get(tp, 0) >= end for tp, end in ends.items())

        try:
            async with self._progress:
                await asyncio.wait_for(
                    self._progress.wait_for(caught_up),
                    timeout=max(0.0, timeout_s - (time.monotonic() - started)),
                )
        except TimeoutError:
            return False
        self._fresh_at = started
        return True

    def _wake(self, envelopes: list[Envelope]) -> None:
        if not self._waiters:
            return
        for envelope in envelopes:
            for future in self._waiters.pop(envelope.event_id, []):
                if not future.done():
                    future.set_result(envelope)

    def expect(self, event_id: str) -> asyncio.Future[Envelope]:
        """A future for the projection of the event whose id is ``event_id``.

        Register it before the event can be published, so it cannot be projected unseen;
        call :meth:`forget` when done waiting.
        """
        future: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(event_id, []).append(future)
        return future

    def forget(self, event_id: str, future: asyncio.Future[Envelope]) -> None:
        waiting = self._waiters.get(event_id, [])
        if future in waiting:
            waiting.remove(future)
        if not waiting:
            self._waiters.pop(event_id, None)

    def __str__(self) -> str:
        return self.name


def register_replica(
    ctx: ServiceContext, name: str, topics: Sequence[str], mapper: RowMapper
) -> LocalReplica:
    """Declare a replica; the host starts it before the other components and the faust worker
    (find it with ``component(ctx, LocalReplica, name=...)``)."""
    replica = LocalReplica(
        ctx.settings, name, topics, mapper, store=ctx.store_port, publisher=ctx.publisher_port
    )
    return register(ctx, replica)
