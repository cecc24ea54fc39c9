"""Kafka plumbing: topic creation, the event publisher and the reachability probe.

The bytes, keys and headers of every record come from :mod:`schemas.serialization`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from schemas import Envelope, KafkaRecord, to_record
from schemas.topics import TopicSpec

log = logging.getLogger(__name__)


async def ensure_topics(
    bootstrap: list[str], specs: Iterable[TopicSpec], *, partitions: int, replication: int
) -> None:
    """Create the topics that do not exist yet. Event topics keep their data forever."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=spec.name,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs={"retention.ms": "-1", "retention.bytes": "-1"},
            )
            for spec in specs
            if spec.name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service was first
                await admin.create_topics(missing)
            log.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()


class EventPublisher:
    """Publishes envelopes with acks from all in-sync replicas and an idempotent producer."""

    def __init__(self, bootstrap: list[str], client_id: str) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, envelope: Envelope) -> KafkaRecord:
        record = to_record(envelope)
        await self.send(record)
        return record

    async def send(self, record: KafkaRecord) -> None:
        if self._producer is None:
            raise RuntimeError("publisher is not started")
        await self._producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=record.headers
        )

    async def reachable(self, within_s: float = 2.0) -> bool:
        """True when the cluster answers a metadata request within ``within_s`` seconds."""
        if self._producer is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), within_s)
        except Exception:
            return False
        return True
