"""The projector's ``after_write`` on a real broker and chDB: while it runs for some batches,
later batches are fetched, decoded and written (never committed); the next round takes all
that waited at once; every offset is committed only after a round that covered its marks."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from kernel.projection_rows import Marks
from schemas import new_event, to_record
from schemas.events import GeoPoint, SharedPlace, WfaRequested, WorkTarget
from schemas.topics import TopicSpec
from services.reporting.domain.marks import DAY
from services.reporting.domain.projection import rows_for
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import ensure_topics
from services.runtime.projection.stream import stream_projector
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

BATCH = 10
BACKLOG = 2
# the first round may take every batch already written when it starts (up to the projector's
# ``max_in_flight``, when they all finish at once on a loaded machine); fetching and writing go
# on once the round has taken them, and enough batches must remain after it to fill the backlog
EVENTS = 12 * BATCH
FIRST_DAY = date(2026, 12, 1)


@pytest.fixture
async def ctx(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[ServiceContext]:
    settings = Settings(
        SERVICE_NAME="reporting",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=tmp_path,
        WFA_ENV="test",
    )
    context = build_context(settings)
    context.store_port.open(ChdbStore(tmp_path / "chdb", "wfa_reporting"))
    await context.store.migrate(MIGRATIONS)
    try:
        yield context
    finally:
        await context.store.close()


async def _one_partition_topic(ctx: ServiceContext, opd: str) -> tuple[str, set[tuple[Any, ...]]]:
    """A topic of one partition holding ``EVENTS`` requests, each for its own employee-day;
    returns it with the day marks they make."""
    topic = f"test.rounds.{uuid.uuid4().hex[:10]}"
    spec = TopicSpec(name=topic, description="refresh rounds test", key="NIP", partitions=1)
    await ensure_topics(ctx.settings.kafka_servers, [spec], partitions=1, replication=1)
    marks = set()
    producer = AIOKafkaProducer(bootstrap_servers=ctx.settings.kafka_servers, linger_ms=5)
    await producer.start()
    try:
        for i in range(EVENTS):
            nip, day = new_nip(), FIRST_DAY + timedelta(days=i % 28)
            payload = WfaRequested(
                request_id=f"req-{opd}-{i}",
                nip=nip,
                work_unit_id="sekretariat",
                dates=[day],
                place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
                reason="Menyusun laporan",
                work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
            )
            record = to_record(new_event(payload, actor=nip, subject=nip, opd_id=opd))
            await producer.send(topic, key=record.key, value=record.value)
            marks.add((nip, day))
        await producer.flush()
    finally:
        await producer.stop()
    return topic, marks


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 120
    while not await condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


async def test_later_batches_are_written_while_after_write_runs_and_refreshed_together(
    ctx: ServiceContext, kafka_bootstrap: str
) -> None:
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    topic, expected_marks = await _one_partition_topic(ctx, opd)
    group = f"test-rounds-{uuid.uuid4().hex[:8]}"
    rounds: list[Marks] = []
    release = asyncio.Event()

    async def after_write(marks: Marks) -> None:
        rounds.append(marks)
        if len(rounds) == 1:
            await release.wait()

    projector = stream_projector(
        ctx,
        "reporting",
        [topic],
        rows_for,
        group_id=group,
        batch_size=BATCH,
        # every record is on the broker before the start: a fetch comes back empty only at
        # the end (an empty fetch is idleness, which waits for the refresh to finish, held
        # here until the backlog is full); long enough that a fetch slowed by a loaded
        # machine never comes back empty before the end
        batch_seconds=15.0,
        decode_processes=0,
        after_write=after_write,
        refresh_backlog=BACKLOG,
    )

    async def stored() -> int:
        rows = await ctx.store.query(
            "SELECT count() AS c FROM {db}.request_events WHERE opd_id = {opd:String}",
            {"opd": opd},
        )
        return int(rows[0]["c"])

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await projector.start()
    try:
        await _until(lambda: _true(bool(rounds)), "a first round")
        # while the first round runs, later batches are fetched, decoded and written, up to the
        # backlog (and what is in flight), but no offset is committed
        await _until(lambda: _true(projector._backlog.batches > BACKLOG), "a full backlog")
        assert await stored() >= BATCH * (len(rounds[0][DAY]) // BATCH + BACKLOG + 1)
        assert len(rounds) == 1
        assert not projector.ready()
        committed = await admin.list_consumer_group_offsets(group)
        assert (
            TopicPartition(topic, 0) not in committed
            or committed[TopicPartition(topic, 0)].offset <= 0
        )
        release.set()
        await _until(lambda: _true(projector.ready()), "caught up")
    finally:
        await projector.stop()
        await admin.close()

    first, second, *_ = rounds
    assert len(first[DAY]) % BATCH == 0  # whole batches (each marks BATCH distinct days)
    # every batch that waited, in one round (with any batch whose write was in flight when the
    # first round ended: it joins the same round)
    assert len(second[DAY]) >= (BACKLOG + 1) * BATCH and len(second[DAY]) % BATCH == 0
    assert len(rounds) < EVENTS // BATCH
    assert {mark[:2] for r in rounds for mark in r[DAY]} == expected_marks  # (nip, day, ...)
    assert await stored() == EVENTS
    committed = await _committed(kafka_bootstrap, group, topic)
    assert committed == EVENTS


async def _true(value: bool) -> bool:
    return value


async def _committed(bootstrap: str, group: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return int(offsets[TopicPartition(topic, 0)].offset)
    finally:
        await admin.close()
