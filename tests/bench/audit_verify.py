"""Audit verify: the whole sealed log recomputed, from the archive alone and with Kafka.

A history of events is published to the benchmark's own topics (four topics of three
partitions, one undecodable record among them), archived exactly as audit's projector
archives it (its mapper, into a fresh chDB database) and sealed by audit's own sealer in
blocks of ``AUDIT_SEAL_EVENTS``. Then, in the same run, on the same records:

* ours, archive mode: ``verify_log(kafka=False)`` from start to report, beside
  SHA-256 of the same bytes alone (``hashlib`` over every archived record's value, in memory);
* ours, Kafka mode: ``verify_log(kafka=True)``, beside aiokafka consuming the same topics
  alone (one consumer, every partition assigned, read from the beginning to the end).

The ways take turns run after run, so that each meets the same load on a shared machine, and
each figure's note gives the process CPU time it took (load changes the rates, hardly that).

Every run of ours must report the log intact (no finding) with every event counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from kernel.projection_rows import Position
from schemas import to_record
from schemas.serialization import read_event
from schemas.topics import TopicSpec
from services.audit.domain.archive import SEALED, archive_row
from services.audit.sealer import Sealer
from services.audit.tables import MIGRATIONS
from services.audit.verifier import verify_log
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import ensure_topics
from services.runtime.settings import Settings
from services.runtime.store.base import rows_to_json_each_row
from services.runtime.store.chdb_store import ChdbStore
from tests.bench.common import Figure, Measure, rate, requested_envelope

TOPICS = 4
PARTITIONS = 3
SEAL_EVENTS = 1000


def _settings(bootstrap: str, data_dir: Path) -> Settings:
    return Settings(
        SERVICE_NAME="audit",
        KAFKA_BOOTSTRAP=bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data_dir,
        WFA_ENV="test",
        AUDIT_SEAL_EVENTS=SEAL_EVENTS,
    )


async def _publish(bootstrap: str, topics: list[str], count: int) -> list[Any]:
    """``count`` events spread over ``topics`` (and one undecodable record): their metadata."""
    specs = [
        TopicSpec(name=t, description="benchmark", key="NIP", partitions=PARTITIONS) for t in topics
    ]
    await ensure_topics([bootstrap], specs, partitions=PARTITIONS, replication=1)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks=1
    )
    await producer.start()
    try:
        await producer.send_and_wait(topics[0], b"{not an event", key=b"garbage")
        sent = []
        for i in range(count):
            record = to_record(requested_envelope(i, nip=f"1990010120150{i % 100000:05d}"))
            topic = topics[i % len(topics)]
            future = await producer.send(topic, key=record.key, value=record.value)
            sent.append((topic, record.value, future))
        await producer.flush()
        return [(topic, value, await future) for topic, value, future in sent]
    finally:
        await producer.stop()


async def _archive_and_seal(settings: Settings, published: list[Any]) -> ChdbStore:
    """The archive's rows as audit's projector maps them, sealed by audit's sealer."""
    ctx = build_context(settings)
    store = ChdbStore(settings.service_data_dir / "chdb", settings.database)
    await store.migrate(MIGRATIONS)
    ctx.store_port.open(store)
    sealer = Sealer(ctx.settings, ctx.store_port)
    await sealer.start()
    try:
        for at in range(0, len(published), 20_000):
            rows, marks = [], set()
            for topic, value, meta in published[at : at + 20_000]:
                position = Position(topic, meta.partition, meta.offset)
                for table, row in archive_row(read_event(value), position, value):
                    if table == SEALED:
                        marks.add(tuple(row.values()))
                    else:
                        rows.append(row)
            if rows:  # a slice may hold no archived record (a generated province's topics)
                await store.insert_encoded(
                    "event_archive", list(rows[0]), rows_to_json_each_row(rows)
                )
            await sealer.after_write({SEALED: marks})
    finally:
        await sealer.stop()
    return store


async def _consume_alone(bootstrap: str, topics: list[str]) -> tuple[int, float]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_bytes=64 << 20,
        max_partition_fetch_bytes=16 << 20,
        fetch_max_wait_ms=50,
    )
    await consumer.start()
    try:
        started = time.perf_counter()
        cluster = await consumer._client.fetch_all_metadata()
        parts = [
            TopicPartition(t, p) for t in topics for p in sorted(cluster.partitions_for_topic(t))
        ]
        consumer.assign(parts)
        starts = await consumer.beginning_offsets(parts)
        ends = await consumer.end_offsets(parts)
        for tp in parts:
            consumer.seek(tp, starts[tp])
        count = 0
        left = {tp for tp in parts if ends[tp] > starts[tp]}
        while left:
            batch = await consumer.getmany(*left, timeout_ms=200)
            for tp, records in batch.items():
                count += len(records)
                if records and records[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
        return count, time.perf_counter() - started
    finally:
        await consumer.stop()


async def _verify(
    store: ChdbStore, settings: Settings, kafka: bool, events: int
) -> tuple[float, float]:
    """The rate of one whole verification, and the process CPU seconds it took."""
    started, cpu = time.perf_counter(), time.process_time()
    report = await verify_log(store, settings, kafka=kafka)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not report.ok or report.totals.leaves != events:
        raise AssertionError(f"verify found {report.findings[:3]} in {report.totals}")
    return rate(events, elapsed), cpu


def _cpu_note(seconds: list[float], count: int) -> str:
    return (
        f"process CPU {statistics.median(seconds):.2f} s per {count:,} events"
        " (the engine's threads included)"
    )


async def _bench(bootstrap: str, count: int, runs: int) -> list[Figure]:
    run_id = uuid.uuid4().hex[:8]
    topics = [f"bench.audit.{run_id}.t{i}" for i in range(TOPICS)]
    published = await _publish(bootstrap, topics, count)
    values = [value for _, value, _ in published]
    archive: list[float] = []
    with_kafka: list[float] = []
    consumed: list[float] = []
    cpu: dict[str, list[float]] = {"archive": [], "kafka": [], "consume": []}
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(bootstrap, Path(tmp))
        store = await _archive_and_seal(settings, published)
        try:
            for _ in range(runs):  # each way in turn, so that they meet the same load
                measured, seconds = await _verify(store, settings, False, count)
                archive.append(measured)
                cpu["archive"].append(seconds)
                measured, seconds = await _verify(store, settings, True, count)
                with_kafka.append(measured)
                cpu["kafka"].append(seconds)
                started = time.process_time()
                records, elapsed = await _consume_alone(bootstrap, topics)
                cpu["consume"].append(time.process_time() - started)
                consumed.append(rate(records, elapsed))
        finally:
            await store.close()
    hashing = []
    for _ in range(runs):
        started = time.perf_counter()
        for value in values:
            hashlib.sha256(value).hexdigest()
        hashing.append(rate(count, time.perf_counter() - started))
    size = sum(len(v) for v in values) // len(values)
    note = f"{count:,} events of {size} bytes in blocks of {SEAL_EVENTS}, chDB"
    return [
        Figure(
            "audit verify, archive mode (events/s)",
            Measure(
                "verify_log(kafka=False), whole log",
                archive,
                note=f"{note}; {_cpu_note(cpu['archive'], count)}",
            ),
            [Measure("SHA-256 of the same bytes alone (hashlib, in memory)", hashing)],
            target=">= 50,000 events/s",
        ),
        Figure(
            "audit verify, Kafka mode (events/s)",
            Measure(
                "verify_log(kafka=True), whole log",
                with_kafka,
                note=(
                    f"{note}; {_cpu_note(cpu['kafka'], count)}; run by run against aiokafka "
                    "alone in the same turn: "
                    + ", ".join(
                        f"{ours / alone:.2f}×"
                        for ours, alone in zip(with_kafka, consumed, strict=True)
                    )
                ),
            ),
            [
                Measure(
                    "aiokafka consuming the same topics alone",
                    consumed,
                    note=_cpu_note(cpu["consume"], count),
                )
            ],
            target="bounded by Kafka's read speed",
        ),
    ]


def bench_audit_verify(bootstrap: str, *, count: int, runs: int) -> list[Figure]:
    return asyncio.run(_bench(bootstrap, count, runs))
