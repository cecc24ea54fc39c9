"""The projection sink on real Kafka records and chDB: replays never change a projection,
and malformed records go to the dead-letter topic with their reason."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas import new_event
from schemas.events import GeoPoint, WfaApproved, WfaRequested, WorkTarget
from schemas.topics import DEAD_LETTER, REQUESTS, TOPICS
from services.reporting.domain.projection import rows_for
from services.reporting.queries import list_requests
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting import make_faust_app
from services.runtime.kafka import EventPublisher, ensure_topics
from services.runtime.projection import Projector
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore

pytestmark = pytest.mark.integration

NIP = "199203152019032004"


def _requested(opd: str, i: int) -> Any:
    payload = WfaRequested(
        request_id=f"req-{opd}-{i}",
        nip=NIP,
        work_unit_id="sekretariat",
        dates=[date(2026, 12, 1 + i)],
        location=GeoPoint(lat=-6.2, lon=106.8),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )
    return new_event(payload, actor=NIP, subject=NIP, opd_id=opd)


async def _read_back(bootstrap: str, key: bytes, expected: int, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        found: list[Any] = []
        for _ in range(60):
            batch = await consumer.getmany(timeout_ms=500)
            found.extend(r for records in batch.values() for r in records if r.key == key)
            if len(found) >= expected:
                break
        return found
    finally:
        await consumer.stop()


async def test_replayed_batches_do_not_change_the_projection(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = Settings(
        SERVICE_NAME="reporting",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=tmp_path,
        WFA_ENV="test",
    )
    await ensure_topics(settings.kafka_servers, TOPICS, partitions=3, replication=1)
    ctx = ServiceContext(settings=settings, faust_app=make_faust_app(settings))
    ctx._store = ChdbStore(tmp_path / "chdb", "wfa_reporting")
    await ctx.store.migrate(MIGRATIONS)
    ctx._publisher = EventPublisher(settings.kafka_servers, "test")
    await ctx.publisher.start()
    try:
        opd = f"opd-{uuid.uuid4().hex[:8]}"
        envelopes = [_requested(opd, i) for i in range(5)]
        approval = new_event(
            WfaApproved(
                request_id=f"req-{opd}-0",
                nip=NIP,
                approver_nip="197001011995031003",
                reason="Rencana kerja jelas",
            ),
            actor="197001011995031003",
            subject=NIP,
            opd_id=opd,
        )
        for envelope in [*envelopes, approval]:
            await ctx.publisher.publish(envelope)
        # a malformed record with the same key lands in the same partition
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        await producer.send_and_wait(REQUESTS, key=NIP.encode(), value=b'{"type": "Nope"}')
        await producer.stop()

        records = [
            r
            for r in await _read_back(kafka_bootstrap, NIP.encode(), 100, REQUESTS)
            if opd.encode() in r.value or b"Nope" in r.value
        ]
        events = [SimpleNamespace(message=r) for r in records]
        projector = Projector(ctx, "reporting", rows_for)

        await projector.handle(events)
        first = await list_requests(ctx.store, opd_id=opd, nip="", limit=100)
        # at-least-once: the same batch again, then in different batch boundaries
        await projector.handle(events)
        for i in range(0, len(events), 2):
            await projector.handle(events[i : i + 2])
        again = await list_requests(ctx.store, opd_id=opd, nip="", limit=100)

        assert len(first) == 5
        assert again == first
        statuses = {row["request_id"]: row["status"] for row in again}
        assert statuses[f"req-{opd}-0"] == "approved"
        assert sum(1 for s in statuses.values() if s == "submitted") == 4
        assert projector.dead_lettered >= 1

        dead = await _read_back(kafka_bootstrap, NIP.encode(), 1, DEAD_LETTER)
        reasons = [dict(r.headers)["dlq_reason"].decode() for r in dead]
        assert any("envelope invalid" in reason for reason in reasons), reasons
    finally:
        await ctx.publisher.stop()
        await ctx.store.close()
