"""Projector catch-up beside consuming alone, inserting pre-encoded rows, and per-event inserts."""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.serialization import read_event
from schemas.topics import TopicSpec
from services.reporting.domain.projection import rows_for
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting import make_faust_app
from services.runtime.kafka import ensure_topics
from services.runtime.projection import Position, project_records
from services.runtime.settings import Settings
from services.runtime.store.base import rows_to_json_each_row
from services.runtime.store.chdb_store import ChdbStore
from services.runtime.stream_projection import StreamProjector
from tests.bench.common import Figure, Measure, rate, requested_values


async def fill_topic(bootstrap: str, count: int, partitions: int) -> str:
    """A new topic holding ``count`` WfaRequested records spread over its partitions."""
    topic = f"bench.projection.{uuid.uuid4().hex[:10]}"
    spec = TopicSpec(name=topic, description="benchmark", key="NIP", partitions=partitions)
    await ensure_topics([bootstrap], [spec], partitions=partitions, replication=1)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks=1
    )
    await producer.start()
    try:
        pending = []
        for key, value in requested_values(count, opd=topic):
            pending.append(await producer.send(topic, key=key, value=value))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return topic


async def _fetch_all(bootstrap: str, topic: str, count: int) -> tuple[float, list[Any]]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    try:
        ids = consumer.partitions_for_topic(topic)
        while not ids:
            await consumer._client.force_metadata_update()
            ids = consumer.partitions_for_topic(topic)
        parts = [TopicPartition(topic, p) for p in ids]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        kept: list[Any] = []
        started = time.perf_counter()
        while len(kept) < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for records in batch.values():
                kept.extend(records)
        return time.perf_counter() - started, kept
    finally:
        await consumer.stop()


async def consume_alone(bootstrap: str, topic: str, count: int) -> float:
    elapsed, _ = await _fetch_all(bootstrap, topic, count)
    return rate(count, elapsed)


def _grouped(records: list[Any]) -> dict[tuple[str, int], list[Any]]:
    grouped: dict[tuple[str, int], list[Any]] = {}
    for record in records:
        grouped.setdefault((record.topic, record.partition), []).append(record)
    return grouped


async def raw_insert(store: ChdbStore, chunks: list[tuple[list[str], bytes]], run: str) -> float:
    """Rows already decoded, mapped and encoded: only the inserts, one after another."""
    total = 0
    started = time.perf_counter()
    for i, (columns, data) in enumerate(chunks):
        await store.insert_encoded(
            "request_events", columns, data, dedup_token=f"bench-raw:{run}:{i}"
        )
        total += data.count(b"\n")
    return rate(total, time.perf_counter() - started)


async def naive(store: ChdbStore, records: list[Any]) -> float:
    """Decode, map and insert one event at a time, each insert awaited in turn."""
    started = time.perf_counter()
    for record in records:
        position = Position(record.topic, record.partition, record.offset)
        for table, row in rows_for(read_event(record.value), position, record.value):
            await store.insert(table, [row])
    return rate(len(records), time.perf_counter() - started)


async def project(ctx: ServiceContext, topic: str, count: int, run: str) -> float:
    projector = StreamProjector(
        ctx, f"bench-{run}", [topic], rows_for, group_id=f"bench-projector-{uuid.uuid4().hex}"
    )
    await projector.start()
    try:
        while not projector.ready():  # noqa: ASYNC110 - readiness is polled, as the host does
            await asyncio.sleep(0.01)
        done = time.monotonic()
    finally:
        await projector.stop()
    assert projector.records == count, (projector.records, count)
    assert projector.joined_at is not None
    return rate(count, done - projector.joined_at)


async def _bench_projector(
    bootstrap: str, topic: str, *, count: int, naive_count: int, runs: int, batch: int
) -> tuple[Figure, list[float]]:
    """The projector figure, and the rates of consuming alone measured beside it."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            SERVICE_NAME="reporting",
            KAFKA_BOOTSTRAP=bootstrap,  # type: ignore[call-arg]
            WFA_DATA_DIR=Path(tmp),
            PROJECTOR_BATCH_SIZE=batch,
            WFA_ENV="test",
        )
        ctx = ServiceContext(settings=settings, faust_app=make_faust_app(settings))
        store = ChdbStore(Path(tmp) / "chdb", "wfa_reporting")
        ctx._store = store
        await store.migrate(MIGRATIONS)
        _, records = await _fetch_all(bootstrap, topic, count)
        chunks = []
        for i in range(0, len(records), batch):
            rows = project_records(_grouped(records[i : i + batch]), rows_for, "bench").rows
            table_rows = rows["request_events"]
            chunks.append((list(table_rows[0]), rows_to_json_each_row(table_rows)))
        ours, consumed, inserted = [], [], []
        for run in range(runs):
            consumed.append(await consume_alone(bootstrap, topic, count))
            inserted.append(await raw_insert(store, chunks, f"{topic}-{run}"))
            ours.append(await project(ctx, topic, count, f"{run}-{uuid.uuid4().hex[:6]}"))
        slow = [await naive(store, records[:naive_count])]
        await store.close()
    figure = Figure(
        f"projector catch-up, {count:,} events, batches of {batch}",
        Measure("StreamProjector into chDB (join → caught up)", ours),
        [
            Measure("aiokafka consume alone", consumed),
            Measure("raw chDB insert of pre-encoded rows", inserted),
            Measure(f"naive per-event decode+insert ({naive_count:,} events)", slow),
        ],
        target="≥ 50k/s and ≥ 0.5× min(consume alone, raw insert)",
    )
    return figure, consumed


def bench_projector(
    bootstrap: str,
    *,
    count: int,
    naive_count: int,
    runs: int,
    batch: int,
    partitions: int,
    replay_processes: int,
) -> list[Figure]:
    """The projector catch-up figure, then the replay figure on the same topic."""
    topic = asyncio.run(fill_topic(bootstrap, count, partitions))
    figure, consumed = asyncio.run(
        _bench_projector(
            bootstrap, topic, count=count, naive_count=naive_count, runs=runs, batch=batch
        )
    )
    replays = [replay(bootstrap, topic, count, replay_processes, batch) for _ in range(runs)]
    rebuilt = Figure(
        f"replay, {count:,} events, {partitions} partitions, {replay_processes} projector "
        "processes in one group (each its own chDB path and one decode process)",
        Measure("projector processes in parallel (first join → group committed)", replays),
        [Measure("aiokafka consume alone (one consumer, same run)", consumed)],
        target="≥ 200k/s where partitions and cores allow",
    )
    return [figure, rebuilt]


def _replay_member(
    bootstrap: str, topic: str, group: str, data_dir: str, batch: int, joined: Any, stop: Any
) -> None:
    """One process of a replay: its own chDB path, one decode process, one group member;
    reports when it joined (``time.monotonic()``, the same clock in every process)."""

    async def run() -> None:
        settings = Settings(
            SERVICE_NAME="reporting",
            KAFKA_BOOTSTRAP=bootstrap,  # type: ignore[call-arg]
            WFA_DATA_DIR=Path(data_dir),
            PROJECTOR_BATCH_SIZE=batch,
            WFA_ENV="test",
        )
        ctx = ServiceContext(settings=settings, faust_app=make_faust_app(settings))
        store = ChdbStore(Path(data_dir) / "chdb", "wfa_reporting")
        ctx._store = store
        await store.migrate(MIGRATIONS)
        projector = StreamProjector(
            ctx, "replay", [topic], rows_for, group_id=group, decode_processes=1
        )
        await projector.start()
        try:
            while projector.joined_at is None:  # noqa: ASYNC110 - polled, as the host does
                await asyncio.sleep(0.01)
            joined.put(projector.joined_at)
            await asyncio.to_thread(stop.wait)  # set by the parent once all is committed
        finally:
            await projector.stop()
            await store.close()

    asyncio.run(run())


async def _group_done(
    bootstrap: str, topic: str, group: str, count: int, members: list[Any]
) -> float:
    """``time.monotonic()`` once ``group`` has committed the end of every partition of
    ``topic``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        ids = consumer.partitions_for_topic(topic)
        while not ids:
            await consumer._client.force_metadata_update()
            ids = consumer.partitions_for_topic(topic)
        parts = [TopicPartition(topic, p) for p in ids]
        ends = await consumer.end_offsets(parts)
        assert sum(ends.values()) == count, (ends, count)
        while True:
            offsets = await admin.list_consumer_group_offsets(group, partitions=parts)
            if all(tp in offsets and offsets[tp].offset >= ends[tp] for tp in parts):
                return time.monotonic()
            dead = [m.exitcode for m in members if not m.is_alive()]
            assert not dead, f"a replay process ended before the group was done: {dead}"
            await asyncio.sleep(0.05)
    finally:
        await admin.close()
        await consumer.stop()


def replay(bootstrap: str, topic: str, count: int, processes: int, batch: int) -> float:
    """``processes`` projector processes in one consumer group rebuild the projection, each
    into its own chDB path: events per second from the first member joining to the group's
    last commit (rebalances as members join included)."""
    context = multiprocessing.get_context("spawn")
    group = f"bench-replay-{uuid.uuid4().hex}"
    joined = context.Queue()
    stop = context.Event()
    with tempfile.TemporaryDirectory() as tmp:
        members = [
            context.Process(
                target=_replay_member,
                args=(bootstrap, topic, group, f"{tmp}/{i}", batch, joined, stop),
            )
            for i in range(processes)
        ]
        for member in members:
            member.start()
        try:
            done = asyncio.run(_group_done(bootstrap, topic, group, count, members))
            first_joined = min(joined.get(timeout=60) for _ in members)
        finally:
            stop.set()
            for member in members:
                member.join(30)
                if member.is_alive():
                    member.terminate()
                    member.join(10)
    return rate(count, done - first_joined)
