"""Reading whole topics into memory: the base of every in-process directory.

A :class:`TopicMemory` is an aiokafka consumer without a group, assigned every partition of
its topics, reading from the beginning. Each record is decoded through the contract
(:func:`schemas.decode_event`, so old versions are upcast) and handed to :meth:`apply`, which
a subclass implements (no I/O: it updates dictionaries). Records that cannot be decoded are
skipped with a log line (the projectors park them on the dead-letter topic).

It is a service component (:class:`services.runtime.context.Component`): ``ready()`` once it
has read the topics up to the end offsets as they were when it started. A lookup that misses
can call :meth:`TopicMemory.wait_caught_up` to read its own writes (a record published a
second ago).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import Envelope, EventPayload, MalformedEvent, decode_event
from services.runtime.kafka.log_reading import log_reader, partitions_of, stop_reading
from services.runtime.kafka.security import client_security
from services.runtime.metrics import count_consumed, observe_lag

log = logging.getLogger(__name__)

_FETCH_TIMEOUT_MS = 500
_FETCH_MAX_RECORDS = 2000


class TopicMemory:
    """Topics read from the beginning into memory, kept up to date (a service component)."""

    name = "topic-memory"

    def __init__(self, bootstrap: list[str], client_id: str, topics: Sequence[str]) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self.topics = tuple(topics)
        self._consumer: AIOKafkaConsumer | None = None
        self._probe: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._next: dict[TopicPartition, int] = {}
        self._ends_at_start: dict[TopicPartition, int] = {}
        self._progress = asyncio.Condition()
        self._ends_request: tuple[float, asyncio.Task[dict[TopicPartition, int]]] | None = None
        self.skipped = 0
        """Records that could not be decoded (each logged)."""

    # what a subclass implements -----------------------------------------------------------------

    def apply(self, envelope: Envelope, payload: EventPayload) -> None:
        """Take one decoded event into memory (no I/O)."""
        raise NotImplementedError

    # lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        consumer = log_reader(self._bootstrap, self._client_id)
        # end offsets come from a consumer of their own: the reading one is usually inside a
        # long poll, and a request on it would wait for that poll to end
        probe = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            **client_security(),
            group_id=None,
            enable_auto_commit=False,
            client_id=f"{self._client_id}-probe",
        )
        await consumer.start()
        try:
            await probe.start()
            partitions: list[TopicPartition] = []
            for topic in self.topics:
                partitions.extend(await partitions_of(consumer, topic))
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            self._ends_at_start = await probe.end_offsets(partitions)
        except BaseException:
            await probe.stop()
            await consumer.stop()
            raise
        self._next = dict.fromkeys(partitions, 0)
        self._consumer, self._probe = consumer, probe
        self._task = asyncio.create_task(self._run(), name=f"{self.name}-reader")
        log.info(
            "%s reading %s (%d partitions, %d records at start)",
            self.name,
            ", ".join(self.topics),
            len(partitions),
            sum(self._ends_at_start.values()),
        )

    async def stop(self) -> None:
        await stop_reading(self._task, self._consumer, self._probe)
        self._task = None
        self._consumer = self._probe = None

    def ready(self) -> bool:
        """True once the topics have been read up to where they ended at the start."""
        if self._consumer is None:
            return False
        return self._reached(self._ends_at_start)

    # reading the log --------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(
                    timeout_ms=_FETCH_TIMEOUT_MS, max_records=_FETCH_MAX_RECORDS
                )
                for tp, messages in batches.items():
                    for message in messages:
                        self._take(message.value, tp, message.offset)
                    if messages:
                        async with self._progress:
                            self._next[tp] = messages[-1].offset + 1
                            self._progress.notify_all()
                self._observe(batches)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep reading from the last position reached
                log.exception("%s: batch failed; resuming from the last position", self.name)
                await asyncio.sleep(1.0)
                for tp, offset in self._next.items():
                    self._consumer.seek(tp, offset)

    def _observe(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """What this reader took, and how far behind each partition's end it is."""
        count_consumed(
            self.name, {(tp.topic, tp.partition): len(messages) for tp, messages in batches.items()}
        )
        if self._consumer is not None:
            observe_lag(self.name, self._consumer, self._next)

    def _take(self, value: bytes | None, tp: TopicPartition, offset: int) -> None:
        if value is None:
            self._skip(tp, offset, "empty record value")
            return
        try:
            envelope, payload = decode_event(value)
        except MalformedEvent as exc:
            self._skip(tp, offset, exc.reason)
            return
        self.apply(envelope, payload)

    def _skip(self, tp: TopicPartition, offset: int, reason: str) -> None:
        self.skipped += 1
        log.warning("%s: skipped %s-%d@%d: %s", self.name, tp.topic, tp.partition, offset, reason)

    def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self._next.get(tp, 0) >= end for tp, end in ends.items())

    # catching up ------------------------------------------------------------------------------

    async def wait_caught_up(self, timeout_s: float = 5.0) -> bool:
        """Wait until every record published before this call has been read.

        Concurrent callers share one end-offsets request, provided it was sent after they
        called, so a burst of lookups that miss costs the broker one or two requests.
        Returns False when the broker does not answer or the log is not read in time.
        """
        if self._probe is None:
            return False
        called = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s):
                ends = await self._end_offsets(sent_after=called)
                async with self._progress:
                    await self._progress.wait_for(lambda: self._reached(ends))
        except TimeoutError:
            return False
        except Exception as exc:
            log.warning("%s: end offsets unavailable (%s)", self.name, exc)
            return False
        return True

    async def _end_offsets(self, *, sent_after: float) -> dict[TopicPartition, int]:
        while True:
            request = self._ends_request
            if request is not None and request[0] >= sent_after:
                return await asyncio.shield(request[1])
            if request is not None and not request[1].done():
                # sent before this call: its answer may predate a write the caller relies on
                await asyncio.wait([request[1]])
                continue
            assert self._probe is not None
            task = asyncio.create_task(self._probe.end_offsets(list(self._next)))
            task.add_done_callback(_consume_exception)
            self._ends_request = (time.monotonic(), task)


def _consume_exception(task: asyncio.Task[dict[TopicPartition, int]]) -> None:
    # a shared request may fail with nobody left waiting for it; do not log it as unretrieved
    if not task.cancelled():
        task.exception()
