"""Client ``Idempotency-Key`` handling: a retried command never publishes a second event.

The ledger remembers, per caller and key, the fingerprint of the request body and the
response that was given. A retry with the same body gets the same response back; the same key
with a different body is refused with 409.

Where it lives: a compacted Kafka topic per service (``<group>.idempotency.v1``, kept for
``IDEMPOTENCY_RETENTION_HOURS``) that every process of the service reads completely into
memory before it is ready, and keeps reading. So the ledger needs no store, any number of
workers or instances share it, and a restarted process knows every key again.

Costs and waits:

* a key seen before is answered from memory, with no network call;
* only calls with the *same* caller and key wait for each other (the second waits for the
  first's answer); no lock is held across processes or across keys;
* a new key costs the command's own publish plus one small ledger record, both on the
  batching producer. The ledger record is acknowledged before the answer is given, so a
  retry after a crash finds it.

Two instances that receive the same new key within the same few milliseconds may both run
the command; the commands derive their ids from the key where it matters (a WFA request's id
is a hash of the NIP and the key), so the duplicate is recognised downstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import KafkaRecord
from schemas.topics import TopicSpec
from services.runtime.edge.errors import ApiError
from services.runtime.kafka.broker import PublishUnavailable
from services.runtime.kafka.log_reading import log_reader, partitions_of, stop_reading
from services.runtime.messages import MESSAGES
from services.runtime.settings import Settings

if TYPE_CHECKING:
    from services.runtime.context import Port, Publisher

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 200


def fingerprint(body: Any) -> str:
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


def replay_headers(replayed: bool) -> dict[str, str]:
    """Response headers telling the client its retried command was not run again."""
    return {"Idempotent-Replayed": "true"} if replayed else {}


def ledger_topic(ctx_topic: str, retention_h: float) -> tuple[TopicSpec, dict[str, str]]:
    """The ledger's topic and its config: compacted, and old keys deleted after retention."""
    spec = TopicSpec(
        name=ctx_topic,
        description="Idempotency keys of this service's clients and the answers given.",
        key="<caller>\\x1f<key>",
    )
    config = {
        "cleanup.policy": "compact,delete",
        "retention.ms": str(int(retention_h * 3600 * 1000)),
    }
    return spec, config


class _Entry:
    __slots__ = ("at", "fingerprint", "response")

    def __init__(self, fingerprint: str, response: bytes, at: float) -> None:
        self.fingerprint = fingerprint
        self.response = response
        self.at = at


class IdempotencyLedger:
    """The keys of one service, read from its ledger topic; a :class:`Component`."""

    name = "idempotency-ledger"

    def __init__(self, settings: Settings, publisher: Port[Publisher]) -> None:
        """``publisher`` writes the answers given to new keys (open by the first one)."""
        self.settings = settings
        self.publisher = publisher
        self.topic = settings.idempotency_topic
        self.retention_s = settings.idempotency_retention_h * 3600
        self._entries: dict[str, _Entry] = {}
        self._running: dict[str, asyncio.Future[None]] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._targets: dict[TopicPartition, int] = {}
        self._ready = False

    # lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        settings = self.settings
        consumer = log_reader(settings.kafka_servers, f"{settings.service_name}-idempotency")
        await consumer.start()
        try:
            assigned = await partitions_of(consumer, self.topic)
        except BaseException:
            await consumer.stop()
            raise
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        self._targets = {tp: end for tp, end in ends.items() if end > 0}
        self._ready = not self._targets
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(), name="idempotency-ledger")

    async def stop(self) -> None:
        await stop_reading(self._task, self._consumer)
        self._task = None
        self._consumer = None

    def ready(self) -> bool:
        return self._ready

    async def _run(self) -> None:
        assert self._consumer is not None
        swept = time.monotonic()
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=500, max_records=5000)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("idempotency ledger: fetch failed; retrying")
                await asyncio.sleep(1.0)
                continue
            for tp, messages in batches.items():
                for message in messages:
                    self._apply(message.key, message.value)
                target = self._targets.get(tp)
                if target is not None and messages[-1].offset + 1 >= target:
                    del self._targets[tp]
            if not self._ready and not self._targets:
                self._ready = True
                log.info("idempotency ledger: %d keys known", len(self._entries))
            if time.monotonic() - swept > 60:
                self._sweep()
                swept = time.monotonic()

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        name = key.decode(errors="replace")
        if value is None:  # tombstone
            self._entries.pop(name, None)
            return
        try:
            data = orjson.loads(value)
            entry = _Entry(data["fingerprint"], orjson.dumps(data["response"]), float(data["at"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("idempotency ledger: unreadable entry for %r skipped", name)
            return
        self._entries[name] = entry

    def _sweep(self) -> None:
        horizon = time.time() - self.retention_s
        for name in [n for n, e in self._entries.items() if e.at < horizon]:
            del self._entries[name]

    # the ledger -----------------------------------------------------------------------------

    def _replay(self, entry: _Entry, digest: str) -> dict[str, Any]:
        if entry.fingerprint != digest:
            raise ApiError(409, "idempotency_key_reused", *MESSAGES.text("idempotency_key_reused"))
        response: dict[str, Any] = orjson.loads(entry.response)
        return response

    def recorded(self, caller: str, key: str | None, body: Any) -> dict[str, Any] | None:
        """The answer already given for this key, if any (409 if it was for another body).

        A route whose checks depend on state its own first call changed (a request that was
        pending is now approved) asks here first, so a retry gets the first answer.
        """
        if key is None:
            return None
        entry = self._entries.get(f"{caller}\x1f{key}")
        return None if entry is None else self._replay(entry, fingerprint(body))

    async def run(
        self,
        caller: str,
        key: str | None,
        body: Any,
        action: Callable[[], Awaitable[dict[str, Any]]],
    ) -> tuple[dict[str, Any], bool]:
        """Run ``action`` once per (caller, key). Returns (response, replayed)."""
        if key is None:
            return await action(), False
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            raise ApiError(
                400,
                "invalid_idempotency_key",
                *MESSAGES.text("invalid_idempotency_key", max_length=MAX_KEY_LENGTH),
            )
        name = f"{caller}\x1f{key}"
        digest = fingerprint(body)
        while True:
            entry = self._entries.get(name)
            if entry is not None:
                return self._replay(entry, digest), True
            running = self._running.get(name)
            if running is None:
                break
            # the same key is being run right now: wait for its answer (and only for it)
            with contextlib.suppress(Exception):
                await asyncio.shield(running)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._running[name] = done
        try:
            response = await action()
            at = time.time()
            value = orjson.dumps(
                {"fingerprint": digest, "response": response, "at": at}, default=str
            )
            self._entries[name] = _Entry(digest, orjson.dumps(response, default=str), at)
            try:
                await self.publisher.get().send(
                    KafkaRecord(topic=self.topic, key=name.encode(), value=value, headers=[])
                )
            except PublishUnavailable as exc:
                # the command itself was recorded: answer it. This process still knows the
                # key; another instance would not until the ledger can be written again.
                log.warning("idempotency ledger: key kept in memory only (%s)", exc.reason)
            return response, False
        finally:
            del self._running[name]
            done.set_result(None)
