"""Verify with Kafka on a real broker and chDB tells the truth: audit's projector and sealer run
on four topics of their own; events come first on one topic and, once its first blocks are
sealed, on the three others (so the verifier meets topics in later blocks that were not in its
first ones). The untouched log is clean from the archive and from Kafka, through the command
line too (exit 0). Then the broker's log start of one partition moves past three sealed
events, as retention moves it: exactly those three are reported gone by retention, nothing is
called tampered, and the archive alone is still clean."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from schemas import new_event, to_record
from schemas.events import GeoPoint, SharedPlace, WfaRequested, WorkTarget
from schemas.topics import TopicSpec
from services.audit import verifier
from services.audit.main import register_archive
from services.audit.sealer import Sealer
from services.audit.tables import MIGRATIONS
from services.audit.verifier import verify_log
from services.runtime.context import ServiceContext, component
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.support.infra import REPO
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

PARTITIONS = 2
FIRST_EVENTS = 9
LATER_EVENTS = 6
"""Per topic, on the three topics that come later."""


@dataclass
class Audit:
    ctx: ServiceContext
    settings: Settings
    topics: list[str]
    placed: dict[str, tuple[str, int, int]]
    """Each published event's place: event id -> (topic, partition, offset)."""


def _settings(kafka_bootstrap: str, data_dir: Path) -> Settings:
    return Settings(
        SERVICE_NAME="audit",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data_dir,
        WFA_ENV="test",
        KAFKA_GROUP_ID=f"test-verify-kafka-{uuid.uuid4().hex[:8]}",
        AUDIT_SEAL_EVENTS=4,
        AUDIT_SEAL_SECONDS=0.3,
        PROJECTOR_BATCH_SECONDS=0.2,
    )


def _event(i: int) -> Any:
    nip = new_nip()
    return new_event(
        WfaRequested(
            request_id=f"req-verify-{uuid.uuid4().hex[:8]}",
            nip=nip,
            work_unit_id="sekretariat",
            dates=[date(2026, 12, 1 + i % 28)],
            place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
            reason="Menyusun laporan",
            work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
        ),
        actor=nip,
        subject=nip,
        opd_id="dinas-kominfo",
    )


async def _publish(bootstrap: str, topic: str, count: int) -> dict[str, tuple[str, int, int]]:
    producer = AIOKafkaProducer(bootstrap_servers=[bootstrap], linger_ms=5)
    await producer.start()
    placed = {}
    try:
        for i in range(count):
            envelope = _event(i)
            record = to_record(envelope)
            sent = await producer.send_and_wait(
                topic, record.value, key=record.key, partition=i % PARTITIONS
            )
            placed[str(envelope.event_id)] = (topic, sent.partition, sent.offset)
    finally:
        await producer.stop()
    return placed


@pytest.fixture
async def audit(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[Audit]:
    settings = _settings(kafka_bootstrap, tmp_path)
    ctx = build_context(settings)
    ctx.store_port.open(ChdbStore(settings.service_data_dir / "chdb", settings.database))
    await ctx.store.migrate(MIGRATIONS)
    publisher = EventPublisher(settings.kafka_servers, "test-audit-verify-kafka")
    await publisher.start()
    ctx.publisher_port.open(publisher)
    run = uuid.uuid4().hex[:8]
    topics = [f"test.audit-verify.{run}.{name}" for name in ("first", "access", "reports", "sums")]
    specs = [
        TopicSpec(name=t, description="audit verify test", key="NIP", partitions=PARTITIONS)
        for t in topics
    ]
    await ensure_topics([kafka_bootstrap], specs, partitions=PARTITIONS, replication=1)
    register_archive(ctx, topics, decode_processes=0)
    started = []
    try:
        for part in ctx.components:
            await part.start()
            started.append(part)
        sealer = component(ctx, Sealer)
        placed = await _publish(kafka_bootstrap, topics[0], FIRST_EVENTS)
        await sealer.wait_sealed(list(placed), timeout_s=120)
        for topic in topics[1:]:
            placed |= await _publish(kafka_bootstrap, topic, LATER_EVENTS)
        await sealer.wait_sealed(list(placed), timeout_s=120)
        for part in reversed(started):  # the sealed log stands still from here on
            await part.stop()
        started.clear()
        yield Audit(ctx, settings, topics, placed)
    finally:
        for part in reversed(started):
            await part.stop()
        await publisher.stop()
        await ctx.store.close()


def _named(report: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["kind"], f["event_id"]) for f in report["findings"]}


async def _first_block_topics(audit: Audit) -> set[str]:
    rows = await audit.ctx.store.query("SELECT ranges FROM {db}.seal_blocks FINAL WHERE block = 0")
    return {topic for topic, *_ in orjson.loads(rows[0]["ranges"])}


async def test_an_untouched_log_on_every_topic_is_clean_and_retention_is_told_apart(
    audit: Audit, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = FIRST_EVENTS + LATER_EVENTS * 3
    assert await _first_block_topics(audit) == {audit.topics[0]}  # the others come later

    for run_leaves in (verifier.RUN_LEAVES, 3):  # one run; then runs of a block or so, each
        monkeypatch.setattr(verifier, "RUN_LEAVES", run_leaves)  # read while the last is checked
        for kafka in (True, False):
            report = (await verify_log(audit.ctx.store, audit.settings, kafka=kafka)).as_dict()
            assert report["ok"], report["findings"][:5]
            assert report["totals"]["leaves"] == events
            assert report["totals"]["kafka_records"] == (events if kafka else 0)
    monkeypatch.undo()

    # the command line, Kafka mode, on the same embedded store once this process lets it go
    await audit.ctx.store.close()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP": audit.settings.kafka_bootstrap,
        "WFA_DATA_DIR": str(audit.settings.data_dir),
        "WFA_ENV": "test",
        "KAFKA_GROUP_ID": audit.settings.group_id,
    }
    env.pop("CLICKHOUSE_URL", None)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.audit.verify_cli", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert orjson.loads(done.stdout)["ok"] is True
    audit.ctx.store_port.open(
        ChdbStore(audit.settings.service_data_dir / "chdb", audit.settings.database)
    )

    # the broker's log start of one partition moves past its first three sealed events
    topic, partition = audit.topics[1], 0
    gone = sorted(
        (offset, event_id)
        for event_id, (t, p, offset) in audit.placed.items()
        if (t, p) == (topic, partition)
    )[:3]
    admin = AIOKafkaAdminClient(bootstrap_servers=[kafka_bootstrap])
    await admin.start()
    try:
        start = gone[-1][0] + 1
        moved = await admin.delete_records(
            {TopicPartition(topic, partition): RecordsToDelete(start)}
        )
        assert moved[TopicPartition(topic, partition)] == start
    finally:
        await admin.close()
    report = (await verify_log(audit.ctx.store, audit.settings, kafka=True)).as_dict()
    assert _named(report) == {("gone_by_retention", event_id) for _, event_id in gone}
    for finding in report["findings"]:
        assert finding["reason"] == "retention"
        assert str(start) in finding["message_en"] and "retensi" in finding["message_id"]
    archive_only = (await verify_log(audit.ctx.store, audit.settings, kafka=False)).as_dict()
    assert archive_only["ok"], archive_only["findings"][:5]
