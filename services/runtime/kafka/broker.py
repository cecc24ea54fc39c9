"""Kafka plumbing: topic creation, the event publisher and the reachability probe.

The bytes, keys and headers of every record come from :mod:`schemas.serialization`.

The publisher never lets a caller wait on an absent broker for longer than its
``publish_timeout_s``. When a record is not acknowledged in time, the publisher:

1. answers :class:`PublishUnavailable` to that caller and every caller still waiting;
2. discards the producer with everything it still holds (queued and in-flight batches fail at
   once and are never retried), so a record refused to a caller is not published later when
   the broker returns; a fresh producer (new producer id, so idempotence stays intact) is made
   once the broker answers again;
3. refuses new records at once ("circuit open") until a probe sees the broker again.

A write that must read the log before it publishes (catch up with a topic, then decide) can
find the broker away before the publisher does: :meth:`EventPublisher.confirm_reachable`
asks the broker for its metadata within the same bounded wait and, when it does not answer,
opens the circuit too, so that write and every write after it are refused at once.

A call whose records were all acknowledged by the time its timeout is handled (the answer
arrived while the task waited for a busy event loop) succeeds: they are written. The only
record that may still reach the log after a refusal is one the broker had already written
when it went away without answering: no client can know about that one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError
from prometheus_client import Counter

from schemas import Envelope, KafkaRecord, to_record
from schemas.topics import TopicSpec
from services.runtime import tracing
from services.runtime.kafka.security import client_security
from services.runtime.logs import REQUEST_ID_HEADER, current_request_id
from services.runtime.metrics import EVENTS_PRODUCED, EVENTS_REFUSED

log = logging.getLogger(__name__)

T = TypeVar("T")


class PublishUnavailable(Exception):
    """Kafka did not acknowledge in time; nothing was published. Try again later."""

    def __init__(self, reason: str, retry_after_s: int = 5) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


async def ensure_topics(
    bootstrap: list[str],
    specs: Iterable[TopicSpec],
    *,
    partitions: int,
    replication: int,
    configs: dict[str, dict[str, str]] | None = None,
    partitions_of: dict[str, int] | None = None,
) -> None:
    """Create the topics that do not exist yet. Event topics keep their data forever.

    ``configs`` and ``partitions_of`` override the topic config and partition count per
    topic name (changelogs are compacted; a table's changelog has its source's partitions).
    With ``replication`` 3 or more, a write acknowledged by all in-sync replicas needs two of
    them (``min.insync.replicas``, see :func:`replicated_config`).
    """
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **client_security()
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=spec.name,
                num_partitions=(partitions_of or {}).get(spec.name, partitions),
                replication_factor=replication,
                topic_configs=replicated_config(
                    (configs or {}).get(spec.name, {"retention.ms": "-1", "retention.bytes": "-1"}),
                    replication,
                ),
            )
            for spec in specs
            if spec.name not in existing
        ]
        for topic in missing:  # one at a time: another service may have created some
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([topic])
        if missing:
            log.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()


#: the in-sync replicas a write needs on a topic of three replicas or more: one broker may be
#: away (killed, restarted, upgraded) and writes go on; with two away they are refused (503)
#: rather than acknowledged by a single copy
MIN_INSYNC_REPLICAS = 2


def replicated_config(config: dict[str, str], replication: int) -> dict[str, str]:
    """``config`` with ``min.insync.replicas`` 2 when the topic has three replicas or more
    (unless ``config`` sets it); unchanged for fewer (a single development broker)."""
    if replication < 3 or "min.insync.replicas" in config:
        return config
    return {**config, "min.insync.replicas": str(MIN_INSYNC_REPLICAS)}


async def topic_partitions(
    bootstrap: list[str], names: Sequence[str], *, wait_s: float = 30.0
) -> dict[str, int]:
    """The partition count of each topic, once every partition has a leader.

    A topic created moments ago may be listed with no partitions yet; a consumer that
    snapshots it then believes it has none (faust then refuses every table write with
    ``PartitionsMismatch``). So this waits, up to ``wait_s``, until each topic is complete.
    """
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **client_security()
    )
    await admin.start()
    deadline = time.monotonic() + wait_s
    try:
        while True:
            counts: dict[str, int] = {}
            complete = True
            for topic in await admin.describe_topics(list(names)):
                partitions = topic.get("partitions") or []
                counts[topic["topic"]] = len(partitions)
                leaderless = any(p.get("leader", -1) < 0 for p in partitions)
                if topic.get("error_code") or not partitions or leaderless:
                    complete = False
            if complete and set(counts) >= set(names):
                return counts
            if time.monotonic() > deadline:
                raise RuntimeError(f"topics not complete after {wait_s:.0f}s: {counts}")
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


class EventPublisher:
    """Publishes envelopes with acks from all in-sync replicas and an idempotent producer.

    ``send`` enqueues a record and waits for its acknowledgement; concurrent callers share
    the producer's batches (``linger_ms``, ``max_batch_bytes``). ``send_many`` enqueues several
    records and awaits them together.
    """

    def __init__(
        self,
        bootstrap: list[str],
        client_id: str,
        *,
        publish_timeout_s: float = 5.0,
        linger_ms: int = 5,
        max_batch_bytes: int = 256 * 1024,
    ) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self.publish_timeout_s = publish_timeout_s
        self._linger_ms = linger_ms
        self._max_batch_bytes = max_batch_bytes
        self._producer: AIOKafkaProducer | None = None
        self._started = False
        self._open_since: float | None = None
        """When the circuit opened (records refused at once), or None while it is closed."""
        self._probe: asyncio.Task[None] | None = None
        self._enqueue = asyncio.Lock()
        self._broken: AIOKafkaProducer | None = None
        """A producer the circuit took away, until it is discarded."""
        self._confirming: asyncio.Task[bool] | None = None
        """The metadata request concurrent :meth:`confirm_reachable` callers share."""

    # lifecycle ------------------------------------------------------------------------------

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            **client_security(),
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=self._linger_ms,
            max_batch_size=self._max_batch_bytes,
            request_timeout_ms=max(1000, int(self.publish_timeout_s * 1000)),
        )

    async def start(self) -> None:
        producer = self._new_producer()
        await producer.start()
        self._producer = producer
        self._started = True

    async def stop(self) -> None:
        self._started = False
        if self._confirming is not None and not self._confirming.done():
            self._confirming.cancel()
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        if self._broken is not None:  # the probe was stopped before it discarded it
            broken, self._broken = self._broken, None
            await self._discard(broken)
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), self.publish_timeout_s)
            except (TimeoutError, KafkaError):
                await self._discard(producer)

    @property
    def available(self) -> bool:
        """False while the circuit is open (Kafka was found away and not seen back yet)."""
        return self._started and self._open_since is None and self._producer is not None

    # publishing -----------------------------------------------------------------------------

    async def publish(self, envelope: Envelope) -> KafkaRecord:
        record = to_record(envelope)
        await self.send(record)
        return record

    async def publish_many(self, envelopes: Sequence[Envelope]) -> list[KafkaRecord]:
        records = [to_record(envelope) for envelope in envelopes]
        await self.send_many(records)
        return records

    async def send(self, record: KafkaRecord) -> None:
        await self.send_many((record,))

    async def send_many(self, records: Sequence[KafkaRecord]) -> None:
        """Enqueue every record, then wait for all acknowledgements together.

        Raises :class:`PublishUnavailable` within ``publish_timeout_s`` when Kafka does not
        acknowledge; a record too large for the broker raises aiokafka's
        ``MessageSizeTooLargeError`` (a property of the record: retrying cannot help).

        While tracing is on (:mod:`services.runtime.tracing`), each record is sent under a
        PRODUCER span whose W3C ``traceparent`` it carries in its headers.
        """
        active = tracing.tracer()
        if active is None:
            await self._send_many(records)
            return
        spans = [tracing.start_produce(active, r.topic, r.headers) for r in records]
        traced = [
            replace(r, headers=tracing.headers_of(span, r.headers))
            for r, span in zip(records, spans, strict=True)
        ]
        try:
            await self._send_many(traced)
        except BaseException as exc:
            tracing.end_spans(spans, exc)
            raise
        tracing.end_spans(spans)

    async def _send_many(self, records: Sequence[KafkaRecord]) -> None:
        producer = self._producer_or_refuse()
        futures: list[asyncio.Future[Any]] = []
        request_id = current_request_id()
        try:
            # one timeout scope for the whole call: no task per record, unlike wait_for
            async with asyncio.timeout(self.publish_timeout_s):
                # Records are handed to the producer one caller at a time: thousands of
                # callers racing for a full batch would each wake, find it still full and
                # wait again. Only the hand-over is ordered; acknowledgements are awaited
                # by each caller on its own, outside.
                async with self._enqueue:
                    for record in records:
                        futures.append(
                            await producer.send(
                                record.topic,
                                value=record.value,
                                key=record.key,
                                headers=_with_request_id(record.headers, request_id),
                            )
                        )
                for future in futures:
                    await future
            _count(EVENTS_PRODUCED, records)
        except TimeoutError:
            if len(futures) == len(records) and _all_acknowledged(futures):
                _count(EVENTS_PRODUCED, records)
                return  # acknowledged while this task waited for the loop: written, not refused
            _count(EVENTS_REFUSED, records)
            self._trip(producer, f"no acknowledgement within {self.publish_timeout_s:.1f}s")
            raise PublishUnavailable(
                f"Kafka did not acknowledge within {self.publish_timeout_s:.1f}s"
            ) from None
        except PublishUnavailable:
            raise
        except KafkaError as exc:
            if not exc.retriable:
                raise
            _count(EVENTS_REFUSED, records)
            self._trip(producer, str(exc))
            raise PublishUnavailable(f"Kafka unavailable: {exc}") from exc

    def check_available(self) -> None:
        """Raise :class:`PublishUnavailable` at once while the circuit is open (Kafka was
        found away and not seen back yet): a write refuses before it waits for anything."""
        self._producer_or_refuse()

    async def confirm_reachable(self) -> None:
        """Ask the broker for its metadata within ``publish_timeout_s``; when it does not
        answer, open the circuit and raise :class:`PublishUnavailable`.

        For a write whose wait on the log failed: it tells an absent broker (503
        ``kafka_unavailable``, and every later write refused at once) from a slow reader.
        Concurrent callers share one request.
        """
        producer = self._producer_or_refuse()
        task = self._confirming
        if task is None or task.done():
            task = asyncio.create_task(self._answers(producer), name="publisher-confirm")
            self._confirming = task
        if not await asyncio.shield(task):
            self._trip(producer, f"no metadata within {self.publish_timeout_s:.1f}s")
            raise PublishUnavailable(f"Kafka did not answer within {self.publish_timeout_s:.1f}s")

    async def wait_while_reachable(self, future: asyncio.Future[T], timeout_s: float) -> T | None:
        """``future``'s result within ``timeout_s``, or None: on time out, or as soon as Kafka
        is known to be away (the circuit opens, or the broker does not answer the check made
        every ``publish_timeout_s``), since what ``future`` waits for travels through Kafka.

        ``future`` is never cancelled here. For a call that published a command and waits for
        its outcome: it answers "being processed" within about twice the publish timeout of
        an outage instead of waiting the whole ``timeout_s``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.available:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                wait_s = min(remaining, self.publish_timeout_s)
                return await asyncio.wait_for(asyncio.shield(future), wait_s)
            except TimeoutError:
                pass
            try:
                await self.confirm_reachable()
            except PublishUnavailable:
                break
        if future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        return None

    async def _answers(self, producer: AIOKafkaProducer) -> bool:
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), self.publish_timeout_s)
        except Exception:
            return False
        return True

    def _producer_or_refuse(self) -> AIOKafkaProducer:
        if not self._started:
            raise PublishUnavailable("the publisher is not started", retry_after_s=2)
        if self._open_since is not None or self._producer is None:
            raise PublishUnavailable("Kafka is unavailable")
        return self._producer

    # the circuit ----------------------------------------------------------------------------

    def _trip(self, producer: AIOKafkaProducer, why: str) -> None:
        """Open the circuit and discard ``producer`` with everything it still holds."""
        if self._producer is not producer:
            return  # already tripped by another caller
        log.warning("Kafka unavailable (%s): refusing writes until it answers again", why)
        self._open_since = time.monotonic()
        self._producer = None
        self._broken = producer
        self._probe = asyncio.create_task(self._recover(producer), name="publisher-recover")

    @staticmethod
    async def _discard(producer: AIOKafkaProducer) -> None:
        """Fail every queued and in-flight batch now; never retry them later."""
        # aiokafka has no public "abort": stop the sender first so nothing is retried, then
        # fail the accumulator's batches (their futures raise at once) and close the client.
        sender = getattr(producer, "_sender", None)
        if sender is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await sender.close()
        accumulator = getattr(producer, "_message_accumulator", None)
        if accumulator is not None:
            accumulator.fail_all(PublishUnavailable("the producer was discarded"))
        producer._closed = True
        with contextlib.suppress(Exception):
            await producer.client.close()

    async def _recover(self, broken: AIOKafkaProducer) -> None:
        await self._discard(broken)
        if self._broken is broken:
            self._broken = None
        delay = 0.5
        while self._started:
            producer = self._new_producer()
            try:
                await asyncio.wait_for(producer.start(), self.publish_timeout_s)
                await asyncio.wait_for(producer.client.fetch_all_metadata(), self.publish_timeout_s)
            except asyncio.CancelledError:  # stopped while trying: leave no client open
                await self._discard(producer)
                raise
            except Exception as exc:
                log.info("Kafka still unavailable (%s); next try in %.1fs", exc, delay)
                await self._discard(producer)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._producer = producer
            away = time.monotonic() - (self._open_since or time.monotonic())
            self._open_since = None
            log.warning("Kafka is back after %.1fs: accepting writes again", away)
            return

    async def reachable(self, within_s: float = 2.0) -> bool:
        """True when the cluster answers a metadata request within ``within_s`` seconds."""
        producer = self._producer
        if producer is None or self._open_since is not None:
            return False
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), within_s)
        except Exception:
            return False
        return True


def is_transient(exc: BaseException) -> bool:
    """True when trying again later can succeed: the broker or a store server is away."""
    if isinstance(exc, (PublishUnavailable, KafkaTimeoutError)):
        return True  # aiokafka marks its client-side timeout not retriable; it is an outage
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    return isinstance(exc, (ConnectionError, TimeoutError))


def with_request_id(record: KafkaRecord) -> KafkaRecord:
    """``record`` with the id of the request being handled in a ``request_id`` header, for a
    record sent later, outside the request's task (a decider's outcome); while tracing is on,
    with the current trace context too, so its PRODUCER span continues the handler's trace."""
    headers = _with_request_id(record.headers, current_request_id())
    if tracing.tracer() is not None:
        headers = tracing.inject(headers)
    return record if headers is record.headers else replace(record, headers=headers)


def _with_request_id(
    headers: list[tuple[str, bytes]], request_id: str | None
) -> list[tuple[str, bytes]]:
    """The record's headers, and the id of the request that produced it when there is one
    (:mod:`services.runtime.logs`): a projector's log then names the request."""
    if request_id is None or any(name == REQUEST_ID_HEADER for name, _ in headers):
        return headers
    return [*headers, (REQUEST_ID_HEADER, request_id.encode("utf-8"))]


def _count(counter: Counter, records: Sequence[KafkaRecord]) -> None:
    """Add ``records`` to ``counter`` by topic."""
    per_topic: dict[str, int] = {}
    for record in records:
        per_topic[record.topic] = per_topic.get(record.topic, 0) + 1
    for topic, count in per_topic.items():
        counter.labels(topic).inc(count)


def _all_acknowledged(futures: Sequence[asyncio.Future[Any]]) -> bool:
    """Whether every record's future has completed with an acknowledgement."""
    return all(f.done() and not f.cancelled() and f.exception() is None for f in futures)
