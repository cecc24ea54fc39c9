"""Reporting projection: a mixed event history from Kafka into every reporting table.

One history (see :mod:`tests.bench.reporting_history`) is written to the benchmark's own
copies of the contract topics (roster, requests, attendance, reports; the contract's
partition counts). Then, in the same run, on the same records:

* ours: the reporting service's ``StreamProjector`` (its mapper, its decode processes) with
  its ``after_write`` step computing the derived rows again (employee-day, -week, -month,
  OPD-day, OPD-month), into a fresh chDB database per run, from joining the group until
  caught up (every batch written, refreshed and committed);
* aiokafka consuming the same records alone, one consumer;
* a raw chDB insert of the fact rows already decoded, mapped and encoded, one batch after
  another (the insert alone);
* the naive way: decode, insert and refresh one event at a time;
* a rebuild from offset 0 by several projector processes in one consumer group, each with its
  own chDB path.

Every run of ours is checked: each fact table holds every event once, employee_day has a row
for every employee-day of the history, and the checksums of every derived table are equal in
every run (batches fall differently each time; the figures may not).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from kernel.projection_rows import MARK_PREFIX, Marks, Position
from schemas.serialization import read_event
from schemas.topics import ATTENDANCE, EVENT_TOPICS, REPORTS, REQUESTS, ROSTER, TopicSpec
from services.reporting.domain.projection import rows_for
from services.reporting.refresh import after_write, refresh
from services.reporting.tables import MIGRATIONS
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import ensure_topics
from services.runtime.projection.projector import project_records
from services.runtime.projection.stream import StreamProjector, stream_projector
from services.runtime.settings import Settings
from services.runtime.store.base import rows_to_json_each_row
from services.runtime.store.chdb_store import ChdbStore
from tests.bench.common import Figure, Measure, rate
from tests.bench.reporting_history import History, history_for
from tests.bench.reporting_rebuild import bench_settings, partitions_of, replay

SOURCES = (ROSTER, REQUESTS, ATTENDANCE, REPORTS)
STALL_SECONDS = 900
"""A run that has not caught up by then has stalled (e.g. a refresh that keeps failing)."""
DERIVED = ("employee_day", "employee_week", "employee_month", "opd_day", "opd_month")
FACTS = {
    "presence_signals": "event_id",
    "report_events": "event_id",
    "request_events": "event_id",
    "anomalies": "event_id",
    "employees": "nip",
}


# ---- the history on Kafka ---------------------------------------------------------------------


async def fill_topics(bootstrap: str, history: History, partitions: dict[str, int]) -> None:
    specs = [
        TopicSpec(name=topic, description="benchmark", key="NIP", partitions=partitions[topic])
        for topic in history.records
    ]
    await ensure_topics([bootstrap], specs, partitions=6, replication=1, partitions_of=partitions)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks=1
    )
    await producer.start()
    try:
        pending = []
        for topic, records in history.records.items():
            for key, value in records:
                pending.append(await producer.send(topic, key=key, value=value))
                if len(pending) >= 20_000:
                    await asyncio.gather(*pending)
                    pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def fetch_all(bootstrap: str, topics: list[str], count: int) -> tuple[float, list[Any]]:
    """Every record of ``topics`` (``count`` in all) by one consumer: seconds, records."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    try:
        parts = await partitions_of(consumer, topics)
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


# ---- ours and the baselines ---------------------------------------------------------------------


async def _fresh_store(root: Path, name: str) -> ChdbStore:
    store = ChdbStore(root / "chdb", name)
    await store.migrate(MIGRATIONS)
    return store


async def project(
    settings: Settings, store: ChdbStore, topics: list[str], count: int
) -> tuple[float, StreamProjector]:
    """Ours: join → caught up, every batch written, refreshed and committed."""
    ctx = build_context(settings)
    ctx.store_port.open(store)
    projector = stream_projector(
        ctx,
        "reporting",
        topics,
        rows_for,
        group_id=f"bench-reporting-{uuid.uuid4().hex}",
        after_write=after_write(lambda: store),
    )
    await projector.start()
    try:
        deadline = time.monotonic() + STALL_SECONDS
        while not projector.ready():
            assert time.monotonic() < deadline, f"not caught up: lag {projector.lag()}"
            await asyncio.sleep(0.01)
        done = time.monotonic()
    finally:
        await projector.stop()
    assert projector.records == count, (projector.records, count)
    assert projector.dead_lettered == 0, projector.dead_lettered
    assert projector.joined_at is not None
    return rate(count, done - projector.joined_at), projector


def _grouped(records: list[Any]) -> dict[tuple[str, int], list[Any]]:
    grouped: dict[tuple[str, int], list[Any]] = {}
    for record in records:
        grouped.setdefault((record.topic, record.partition), []).append(record)
    return grouped


def encoded_fact_batches(
    records: list[Any], batch: int
) -> list[list[tuple[str, list[str], bytes]]]:
    """The fact rows of every batch, decoded, mapped and encoded beforehand."""
    batches = []
    for i in range(0, len(records), batch):
        rows = project_records(_grouped(records[i : i + batch]), rows_for, "bench").rows
        batches.append([(table, list(r[0]), rows_to_json_each_row(r)) for table, r in rows.items()])
    return batches


async def raw_insert(store: ChdbStore, batches: list[Any], count: int, run: str) -> float:
    """Only the inserts of the fact rows, batch after batch, table after table."""
    started = time.perf_counter()
    for i, inserts in enumerate(batches):
        for table, columns, data in inserts:
            token = f"bench-raw:{run}:{table}:{i}"
            await store.insert_encoded(table, columns, data, dedup_token=token)
    return rate(count, time.perf_counter() - started)


async def naive(store: ChdbStore, records: list[Any]) -> float:
    """Decode, map, insert and refresh one event at a time, each step awaited in turn."""
    started = time.perf_counter()
    for record in records:
        position = Position(record.topic, record.partition, record.offset)
        marks: Marks = {}
        for table, row in rows_for(read_event(record.value), position, record.value):
            if table.startswith(MARK_PREFIX):
                marks.setdefault(table, set()).add(tuple(row.values()))
            else:
                await store.insert(table, [row])
        await refresh(store, marks)
    return rate(len(records), time.perf_counter() - started)


# ---- checks -------------------------------------------------------------------------------------


async def checksums(store: ChdbStore) -> dict[str, tuple[int, int]]:
    """(rows, checksum) of every derived table as read with FINAL, version left out."""
    sums = {}
    for table in DERIVED:
        columns = await store.query(
            "SELECT name FROM system.columns WHERE database = {d:String} AND table = {t:String} "
            "AND name NOT IN ('version', 'is_deleted') ORDER BY position",
            {"d": store.database, "t": table},
        )
        names = ", ".join(f"`{c['name']}`" for c in columns)
        (row,) = await store.query(
            f"SELECT count() AS n, toString(sum(cityHash64({names}))) AS h "
            f"FROM {{db}}.{table} FINAL"
        )
        sums[table] = (int(row["n"]), int(row["h"]))
    return sums


async def check_facts(store: ChdbStore, history: History) -> None:
    """Every event once in its fact table; a row of employee_day per employee-day."""
    expected = history.facts()
    for table, key in FACTS.items():
        (row,) = await store.query(f"SELECT uniqExact({key}) AS n FROM {{db}}.{table}")
        assert int(row["n"]) == expected[table], (table, row, expected[table])
    (row,) = await store.query("SELECT count() AS n FROM {db}.employee_day FINAL")
    assert int(row["n"]) == len(history.employee_days), (row, len(history.employee_days))
    (row,) = await store.query("SELECT uniqExact(opd_id) AS n FROM {db}.opd_month FINAL")
    assert int(row["n"]) == len(history.opds), (row, len(history.opds))


# ---- the figures --------------------------------------------------------------------------------


async def _catch_up_figures(
    bootstrap: str, history: History, *, naive_count: int, runs: int, batch: int
) -> tuple[Figure, list[float]]:
    topics = list(history.records)
    count = history.count
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = bench_settings(bootstrap, root, batch)
        _, records = await fetch_all(bootstrap, topics, count)
        fact_batches = encoded_fact_batches(records, batch)
        raw_store = await _fresh_store(root, "bench_raw")
        ours, consumed, inserted, sums = [], [], [], []
        for run in range(runs):
            consumed.append(rate(count, (await fetch_all(bootstrap, topics, count))[0]))
            inserted.append(await raw_insert(raw_store, fact_batches, count, f"{run}"))
            store = await _fresh_store(root, f"bench_ours_{run}")
            projected, _ = await project(settings, store, topics, count)
            ours.append(projected)
            await check_facts(store, history)
            sums.append(await checksums(store))
            await store.close()
        assert all(s == sums[0] for s in sums), f"derived rows differ between runs: {sums}"
        slow_store = await _fresh_store(root, "bench_naive")
        slow = [await naive(slow_store, records[:naive_count])]
        await slow_store.close()
        await raw_store.close()
    derived_rows = ", ".join(f"{table} {rows:,}" for table, (rows, _) in sums[0].items())
    figure = Figure(
        f"reporting projection catch-up, {count:,} mixed events "
        f"({len(history.employee_days):,} employee-days), batches of {batch:,}",
        Measure(
            "StreamProjector + refresh into chDB (join → caught up)",
            ours,
            note=f"derived rows, equal checksums in every run: {derived_rows}",
        ),
        [
            Measure("aiokafka consume alone (one consumer)", consumed),
            Measure("raw chDB insert of the pre-encoded fact rows", inserted),
            Measure(
                f"naive per-event decode+insert+refresh ({naive_count:,} events)",
                slow,
            ),
        ],
        target="≥ 50k/s and ≥ 0.5× min(consume alone, raw insert)",
    )
    return figure, consumed


def bench_reporting(
    bootstrap: str,
    *,
    count: int,
    naive_count: int,
    runs: int,
    batch: int,
    replay_processes: int,
) -> list[Figure]:
    """The catch-up figure, then the rebuild figure, on one history of about ``count`` events."""
    tag = uuid.uuid4().hex[:10]
    topics = {source: f"bench.{tag}.{source}" for source in SOURCES}
    history = history_for(count, topics=topics)
    partitions = {
        topics[spec.name]: spec.partitions for spec in EVENT_TOPICS if spec.name in topics
    }
    asyncio.run(fill_topics(bootstrap, history, partitions))
    figure, consumed = asyncio.run(
        _catch_up_figures(bootstrap, history, naive_count=naive_count, runs=runs, batch=batch)
    )
    topic_list = list(history.records)
    rebuilds = [
        replay(bootstrap, topic_list, history.count, replay_processes, batch) for _ in range(runs)
    ]
    parts = sorted(set(partitions.values()))
    rebuilt = Figure(
        f"rebuild from offset 0, {history.count:,} events on {len(topic_list)} topics of "
        f"{'/'.join(map(str, parts))} partitions, {replay_processes} projector processes in one "
        "group (each its own chDB path, one decode process, refresh included)",
        Measure("projector processes in parallel (first join → group committed)", rebuilds),
        [Measure("aiokafka consume alone (one consumer, same run)", consumed)],
        target="≥ 200k/s where partitions and cores allow",
    )
    return [figure, rebuilt]
