"""The projection on real Kafka records and chDB: replays never change a projection, malformed
records go to the dead-letter topic with their reason and the consumer's name, and the
consumer-group projector catches up, restarts where it stopped and rejoins quickly."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from kernel.projection_rows import Position, TableRows
from schemas import new_event, to_record
from schemas.events import GeoPoint, SharedPlace, WfaApproved, WfaRequested, WorkTarget
from schemas.serialization import DecodedEvent
from schemas.topics import DEAD_LETTER, REQUESTS, TOPICS, TopicSpec
from services.reporting.domain.projection import rows_for
from services.reporting.queries import list_requests
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from services.runtime.projection.projector import ProjectedBatch, merge_batches, project_records
from services.runtime.projection.stream import (
    StreamProjector,
    project_segments,
    slice_batch,
    stream_projector,
)
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

NIP = "199203152019032004"
APPROVER = "197001011995031003"


def _requested(opd: str, i: int, nip: str = NIP) -> Any:
    payload = WfaRequested(
        request_id=f"req-{opd}-{i}",
        nip=nip,
        work_unit_id="sekretariat",
        dates=[date(2026, 12, 1 + i % 28)],
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )
    return new_event(payload, actor=nip, subject=nip, opd_id=opd)


def _approved(opd: str, i: int, nip: str = NIP) -> Any:
    payload = WfaApproved(
        request_id=f"req-{opd}-{i}", nip=nip, approver_nip=APPROVER, reason="Rencana kerja jelas"
    )
    return new_event(payload, actor=APPROVER, subject=nip, opd_id=opd)


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


@pytest.fixture
async def ctx(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[ServiceContext]:
    settings = Settings(
        SERVICE_NAME="reporting",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=tmp_path,
        WFA_ENV="test",
    )
    await ensure_topics(settings.kafka_servers, TOPICS, partitions=3, replication=1)
    context = build_context(settings)
    context.store_port.open(ChdbStore(tmp_path / "chdb", "wfa_reporting"))
    await context.store.migrate(MIGRATIONS)
    context.publisher_port.open(EventPublisher(settings.kafka_servers, "test"))
    await context.publisher.start()
    try:
        yield context
    finally:
        await context.publisher.stop()
        await context.store.close()


def _by_partition(records: list[Any]) -> dict[tuple[str, int], list[Any]]:
    grouped: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for record in records:
        grouped[(record.topic, record.partition)].append(record)
    return grouped


async def test_replayed_batches_do_not_change_the_projection(
    ctx: ServiceContext, kafka_bootstrap: str
) -> None:
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    for envelope in [*(_requested(opd, i) for i in range(5)), _approved(opd, 0)]:
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
    projector = stream_projector(ctx, "reporting", [REQUESTS], rows_for)

    await projector.write(project_records(_by_partition(records), rows_for, "reporting"))
    first = await list_requests(ctx.store, opd_id=opd, nip="", limit=100)
    # at-least-once: the same batch again, then in different batch boundaries
    await projector.write(project_records(_by_partition(records), rows_for, "reporting"))
    for i in range(0, len(records), 2):
        batch = project_records(_by_partition(records[i : i + 2]), rows_for, "reporting")
        await projector.write(batch)
    again = await list_requests(ctx.store, opd_id=opd, nip="", limit=100)

    assert len(first) == 5
    assert again == first
    statuses = {row["request_id"]: row["status"] for row in again}
    assert statuses[f"req-{opd}-0"] == "approved"
    assert sum(1 for s in statuses.values() if s == "submitted") == 4
    assert projector.dead_lettered >= 1

    dead = await _read_back(kafka_bootstrap, NIP.encode(), 1, DEAD_LETTER)
    headers = [dict(r.headers) for r in dead]
    assert any(
        b"envelope invalid" in h["dlq_reason"] and h.get("dlq_consumer") == b"reporting"
        for h in headers
    ), headers


def test_one_insert_token_names_every_partition_range_in_order() -> None:
    opd = "opd-token"
    values = [to_record(_requested(opd, i)).value for i in range(4)]

    class Rec:
        def __init__(self, offset: int, value: bytes) -> None:
            self.offset, self.key, self.value = offset, NIP.encode(), value

    batches = {
        ("t", 2): [Rec(10, values[0]), Rec(11, values[1])],
        ("t", 0): [Rec(5, values[2]), Rec(7, values[3])],
    }
    batch = project_records(batches, rows_for, "reporting")
    assert (
        batch.token("reporting", "request_events") == "reporting:request_events:t-0-5-7,t-2-10-11"
    )
    assert batch.next_offsets() == {("t", 0): 8, ("t", 2): 12}
    assert len(batch.rows["request_events"]) == 4 and batch.records == 4


async def _count(ctx: ServiceContext, opd: str, *, final: bool) -> int:
    rows = await ctx.store.query(
        f"SELECT count() AS c FROM {{db}}.request_events {'FINAL' if final else ''} "
        "WHERE opd_id = {opd:String}",
        {"opd": opd},
    )
    return int(rows[0]["c"])


async def _wait_ready(projector: StreamProjector, timeout_s: float = 60.0) -> float:
    started = time.monotonic()
    while not projector.ready():
        assert time.monotonic() - started < timeout_s, f"not ready: lag {projector.lag()}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_group_projector_catches_up_restarts_and_replays_without_change(
    ctx: ServiceContext, kafka_bootstrap: str
) -> None:
    topic = f"test.projection.{uuid.uuid4().hex[:10]}"
    spec = TopicSpec(name=topic, description="projection test", key="NIP", partitions=3)
    await ensure_topics(ctx.settings.kafka_servers, [spec], partitions=3, replication=1)
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    staff = [new_nip() for _ in range(6)]
    events = [_requested(opd, i, staff[i % 6]) for i in range(240)]
    events += [_approved(opd, i, staff[i % 6]) for i in range(0, 240, 3)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        for envelope in events:
            record = to_record(envelope)
            await producer.send(topic, key=record.key, value=record.value)
        await producer.send(topic, key=staff[0].encode(), value=b"not json")
        await producer.flush()
    finally:
        await producer.stop()

    group = f"test-projector-{uuid.uuid4().hex[:8]}"

    def make() -> StreamProjector:
        return stream_projector(
            ctx, "reporting", [topic], rows_for, group_id=group, batch_size=37, batch_seconds=0.2
        )

    projector = make()
    await projector.start()
    try:
        await _wait_ready(projector)
    finally:
        await projector.stop()
    assert projector.records == len(events) + 1
    assert projector.dead_lettered == 1
    assert await _count(ctx, opd, final=False) == len(events)  # a clean run writes each row once
    first = await list_requests(ctx.store, opd_id=opd, nip="", limit=1000)
    assert len(first) == 240
    assert sum(1 for row in first if row["status"] == "approved") == 80

    # a restart resumes from the committed offsets: nothing to project again, and it rejoins fast
    again = make()
    await again.start()
    try:
        rejoined_in = await _wait_ready(again, timeout_s=15.0)
    finally:
        await again.stop()
    assert again.records == 0
    assert rejoined_in < 10.0

    # a crash after the inserts but before the commits replays everything, in other batches
    rewind = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    await rewind.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(3)]
        rewind.assign(parts)
        await rewind.commit(dict.fromkeys(parts, 0))
    finally:
        await rewind.stop()
    replay = stream_projector(
        ctx, "reporting", [topic], rows_for, group_id=group, batch_size=101, batch_seconds=0.2
    )
    await replay.start()
    try:
        await _wait_ready(replay)
    finally:
        await replay.stop()
    assert replay.records == len(events) + 1
    assert await list_requests(ctx.store, opd_id=opd, nip="", limit=1000) == first
    assert await _count(ctx, opd, final=True) == len(events)


def test_decoding_in_slices_gives_the_same_inserts_as_in_one_piece() -> None:
    """However many decode processes share a batch, its inserts (data and tokens) are the same,
    so a batch replayed after a restart with another process count is still deduplicated."""
    opd = "opd-slices"
    values = [to_record(_requested(opd, i, f"19920315201903200{i % 3}")).value for i in range(9)]
    values[4] = b"not json"

    class Rec:
        def __init__(self, offset: int, value: bytes) -> None:
            self.offset, self.key, self.value = offset, b"k", value

    records: dict[tuple[str, int], list[Any]] = {
        ("t", 0): [Rec(o, v) for o, v in zip(range(3, 8), values[:5], strict=True)],
        ("t", 1): [Rec(o, v) for o, v in zip(range(20, 24), values[5:], strict=True)],
    }

    def decode(parts: int) -> ProjectedBatch:
        slices = slice_batch(records, parts)
        return merge_batches([project_segments(s, rows_for, "reporting") for s in slices])

    whole = decode(1)
    for parts in (2, 3, 4):
        sliced = decode(parts)
        assert sliced.inserts("reporting") == whole.inserts("reporting")
        assert sliced.ranges == whole.ranges == {("t", 0): range(3, 8), ("t", 1): range(20, 24)}
        assert [d.value for d in sliced.dead_letters] == [b"not json"]
    (table, _, data, token), (_, _, _, days_token) = whole.inserts("reporting")
    assert (table, data.count(b"\n")) == ("request_events", 8)
    assert token == "reporting:request_events:t-0-3-7,t-1-20-23"
    assert days_token == "reporting:request_days:t-0-3-7,t-1-20-23"


_FIRST_BATCH_GATE = threading.Event()
_FIRST_BATCH_HELD = threading.Event()


def _rows_after_the_gate(event: DecodedEvent, position: Position, raw: bytes) -> TableRows:
    _FIRST_BATCH_HELD.set()
    _FIRST_BATCH_GATE.wait(30)
    return rows_for(event, position, raw)


async def test_a_member_that_hands_partitions_over_becomes_ready(
    ctx: ServiceContext, kafka_bootstrap: str
) -> None:
    """A second member joins while the first is still catching up: the partitions moved to it
    no longer hold the first one back, and both are ready once everything is projected."""
    topic = f"test.projection.{uuid.uuid4().hex[:10]}"
    spec = TopicSpec(name=topic, description="projection test", key="NIP", partitions=3)
    await ensure_topics(ctx.settings.kafka_servers, [spec], partitions=3, replication=1)
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    staff = [new_nip() for _ in range(6)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        for i in range(120):
            record = to_record(_requested(opd, i, staff[i % 6]))
            await producer.send(topic, key=record.key, value=record.value)
        await producer.flush()
    finally:
        await producer.stop()

    group = f"test-projector-{uuid.uuid4().hex[:8]}"
    first = stream_projector(
        ctx,
        "reporting",
        [topic],
        _rows_after_the_gate,
        group_id=group,
        batch_size=10,
        batch_seconds=0.2,
        decode_processes=0,
        session_timeout_ms=6000,
    )
    second = stream_projector(
        ctx,
        "reporting",
        [topic],
        rows_for,
        group_id=group,
        batch_size=10,
        batch_seconds=0.2,
        decode_processes=0,
        session_timeout_ms=6000,
    )
    _FIRST_BATCH_GATE.clear()
    _FIRST_BATCH_HELD.clear()
    await first.start()
    try:
        # the first member owns every partition and is held inside its first batch ...
        assert await asyncio.to_thread(_FIRST_BATCH_HELD.wait, 30)
        await second.start()
        try:
            # ... until the group rebalances for the second member
            await asyncio.sleep(4.0)
            _FIRST_BATCH_GATE.set()
            await _wait_ready(second)
            await _wait_ready(first)
            deadline = time.monotonic() + 60
            while first.records + second.records < 120:
                assert time.monotonic() < deadline, "the handed-over records were not read"
                await asyncio.sleep(0.1)
            # the hand-over happened: the second member owns partitions now (it may find
            # them already projected, depending on when the rebalance completed)
            handed_over = bool(second._assigned)
        finally:
            await second.stop()
    finally:
        _FIRST_BATCH_GATE.set()
        await first.stop()
    assert handed_over
    assert first.records > 0
    # each member is ready for its own share; the new owner of the handed-over partitions
    # projects the rest (every record once) before it stops
    assert len(await list_requests(ctx.store, opd_id=opd, nip="", limit=1000)) == 120
