"""The reporting projection rebuilt from offset 0 by several projector processes in one
consumer group, each with its own chDB path (see :mod:`tests.bench.reporting`)."""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.reporting.domain.projection import rows_for
from services.reporting.refresh import after_write
from services.reporting.tables import MIGRATIONS
from services.runtime.hosting.boot import build_context
from services.runtime.projection.stream import stream_projector
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.bench.common import rate


async def partitions_of(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    parts = []
    for topic in topics:
        ids = consumer.partitions_for_topic(topic)
        while not ids:
            await consumer._client.force_metadata_update()
            ids = consumer.partitions_for_topic(topic)
        parts += [TopicPartition(topic, p) for p in sorted(ids)]
    return parts


def bench_settings(bootstrap: str, data_dir: Path, batch: int) -> Settings:
    return Settings(
        SERVICE_NAME="reporting",
        KAFKA_BOOTSTRAP=bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data_dir,
        PROJECTOR_BATCH_SIZE=batch,
        WFA_ENV="test",
    )


def _replay_member(
    bootstrap: str, topics: list[str], group: str, data_dir: str, batch: int, joined: Any, stop: Any
) -> None:
    """One process of a rebuild: its own chDB path, one decode process, one group member;
    reports when it joined (``time.monotonic()``, the same clock in every process)."""

    async def run() -> None:
        settings = bench_settings(bootstrap, Path(data_dir), batch)
        ctx = build_context(settings)
        store = ChdbStore(Path(data_dir) / "chdb", "wfa_reporting")
        await store.migrate(MIGRATIONS)
        ctx.store_port.open(store)
        projector = stream_projector(
            ctx,
            "replay",
            topics,
            rows_for,
            group_id=group,
            decode_processes=1,
            after_write=after_write(lambda: store),
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
    bootstrap: str, topics: list[str], group: str, count: int, members: list[Any]
) -> float:
    """``time.monotonic()`` once ``group`` has committed the end of every partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        parts = await partitions_of(consumer, topics)
        ends = await consumer.end_offsets(parts)
        assert sum(ends.values()) == count, (ends, count)
        deadline = time.monotonic() + 900
        while True:
            assert time.monotonic() < deadline, "the rebuild has stalled"
            offsets = await admin.list_consumer_group_offsets(group, partitions=parts)
            if all(tp in offsets and offsets[tp].offset >= ends[tp] for tp in parts):
                return time.monotonic()
            dead = [m.exitcode for m in members if not m.is_alive()]
            assert not dead, f"a rebuild process ended before the group was done: {dead}"
            await asyncio.sleep(0.05)
    finally:
        await admin.close()
        await consumer.stop()


def replay(bootstrap: str, topics: list[str], count: int, processes: int, batch: int) -> float:
    """``processes`` projector processes in one consumer group rebuild every projection, each
    into its own chDB path: events per second from the first member joining to the group's
    last commit (rebalances as members join included)."""
    context = multiprocessing.get_context("spawn")
    group = f"bench-rebuild-{uuid.uuid4().hex}"
    joined = context.Queue()
    stop = context.Event()
    with tempfile.TemporaryDirectory() as tmp:
        members = [
            context.Process(
                target=_replay_member,
                args=(bootstrap, topics, group, f"{tmp}/{i}", batch, joined, stop),
            )
            for i in range(processes)
        ]
        for member in members:
            member.start()
        try:
            done = asyncio.run(_group_done(bootstrap, topics, group, count, members))
            first_joined = min(joined.get(timeout=120) for _ in members)
        finally:
            stop.set()
            for member in members:
                member.join(30)
                if member.is_alive():
                    member.terminate()
                    member.join(10)
    return rate(count, done - first_joined)
