"""Run reporting's projection (facts, marks, and the derived rows computed again after each
batch) over private copies of its topics on the real broker, in this process or in a child
process that a test may kill.

Private topics keep a test's log fixed while other tests publish on the shared broker: two
passes over them read exactly the same records.

Child process: ``python -m tests.support.reporting_projection --bootstrap ... --topics a,b
--group g --data DIR --batch-size N [--ready FILE]`` projects until stopped (SIGTERM stops it
cleanly; SIGKILL does not); it writes FILE once it has caught up with the log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from kernel.projection_rows import Marks
from schemas import Envelope, to_record
from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER, TopicSpec, topic_for
from services.reporting.domain.projection import rows_for
from services.reporting.refresh import after_write, refresh
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from services.runtime.projection.stream import AfterWrite, StreamProjector, stream_projector
from services.runtime.settings import Settings
from services.runtime.store.base import Store
from services.runtime.store.chdb_store import ChdbStore
from tests.support.infra import REPO

SOURCES = (ROSTER, REQUESTS, ATTENDANCE, REPORTS)
"""The contract topics reporting projects."""
PARTITIONS = 3


async def private_topics(bootstrap: str) -> dict[str, str]:
    """A fresh private topic for each topic reporting projects: contract name -> private."""
    run = uuid.uuid4().hex[:10]
    names = {source: f"test.reporting.{source.split('.')[1]}.{run}" for source in SOURCES}
    specs = [
        TopicSpec(name=name, description="reporting test", key="NIP", partitions=PARTITIONS)
        for name in names.values()
    ]
    await ensure_topics([bootstrap], specs, partitions=PARTITIONS, replication=1)
    return names


async def publish(bootstrap: str, topics: dict[str, str], envelopes: Sequence[Envelope]) -> None:
    """Publish in order, each on the private copy of its contract topic, keyed by NIP."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            record = to_record(envelope)
            await producer.send(
                topics[topic_for(envelope.type)], key=record.key, value=record.value
            )
        await producer.flush()
    finally:
        await producer.stop()


async def end_offsets(bootstrap: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
        ends: dict[TopicPartition, int] = await consumer.end_offsets(parts)
        return ends
    finally:
        await consumer.stop()


async def committed_offsets(
    bootstrap: str, group: str, topics: Sequence[str]
) -> dict[TopicPartition, int]:
    """What ``group`` committed per partition (0 where nothing yet)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        found = {}
        for t in topics:
            for p in range(PARTITIONS):
                tp = TopicPartition(t, p)
                found[tp] = await consumer.committed(tp) or 0
        return found
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def reporting_context(bootstrap: str, data: Path) -> AsyncIterator[ServiceContext]:
    """Reporting's store (embedded, at ``data``, migrated) and a publisher for dead letters."""
    settings = Settings(
        SERVICE_NAME="reporting",
        KAFKA_BOOTSTRAP=bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data,
        WFA_ENV="test",
    )
    ctx = build_context(settings)
    ctx.store_port.open(ChdbStore(data / "chdb", "wfa_reporting"))
    await ctx.store.migrate(MIGRATIONS)
    ctx.publisher_port.open(EventPublisher(settings.kafka_servers, "reporting-test"))
    await ctx.publisher.start()
    try:
        yield ctx
    finally:
        await ctx.publisher.stop()
        await ctx.store.close()


def projector(
    ctx: ServiceContext,
    topics: Sequence[str],
    group: str,
    *,
    batch_size: int,
    step: AfterWrite | None = None,
    decode_processes: int = 0,
) -> StreamProjector:
    """Reporting's projector over ``topics``, with its after-write step (or ``step``)."""
    return stream_projector(
        ctx,
        "reporting",
        list(topics),
        rows_for,
        group_id=group,
        batch_size=batch_size,
        batch_seconds=0.2,
        decode_processes=decode_processes,
        session_timeout_ms=6000,
        after_write=step or after_write(lambda: ctx.store),
    )


async def wait_ready(running: StreamProjector, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not running.ready():
        assert time.monotonic() < deadline, f"not caught up: lag {running.lag()}"
        await asyncio.sleep(0.05)


async def project_all(
    ctx: ServiceContext, topics: Sequence[str], group: str, *, batch_size: int
) -> StreamProjector:
    """Project everything on ``topics`` once, in group ``group``, and stop."""
    running = projector(ctx, topics, group, batch_size=batch_size)
    await running.start()
    try:
        await wait_ready(running)
    finally:
        await running.stop()
    return running


class _Died(Exception):
    """The process died here."""


class _DiesAfterStatements:
    """The real store, until ``statements`` statements have run: then the process dies."""

    def __init__(self, store: Store, statements: int) -> None:
        self.store, self.left = store, statements

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        if self.left == 0:
            raise _Died
        self.left -= 1
        await self.store.execute(sql, params)


class DyingStep:
    """An after-write step that, on call ``dies_on``, computes only the first derived table
    and then fails; from then on it never returns, as a process that died there."""

    def __init__(self, ctx: ServiceContext, dies_on: int) -> None:
        self.ctx, self.dies_on, self.calls = ctx, dies_on, 0
        self.died = asyncio.Event()

    async def __call__(self, marks: Marks) -> None:
        self.calls += 1
        if self.died.is_set():
            await asyncio.Event().wait()  # the process is gone: nothing more is committed
        if self.calls < self.dies_on:
            await refresh(self.ctx.store, marks)
            return
        with contextlib.suppress(_Died):
            await refresh(_DiesAfterStatements(self.ctx.store, 1), marks)  # type: ignore[arg-type]
        self.died.set()
        raise RuntimeError("the process died in the middle of its after-write step")


# ----------------------------------------------------------------------------------------------
# The child process
# ----------------------------------------------------------------------------------------------


def start_child(
    bootstrap: str, topics: Sequence[str], group: str, data: Path, *, batch_size: int, ready: Path
) -> subprocess.Popen[bytes]:
    log = (data.parent / f"{data.name}-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.reporting_projection",
            "--bootstrap",
            bootstrap,
            "--topics",
            ",".join(topics),
            "--group",
            group,
            "--data",
            str(data),
            "--batch-size",
            str(batch_size),
            "--ready",
            str(ready),
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _child(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with reporting_context(args.bootstrap, Path(args.data)) as ctx:
        running = projector(ctx, args.topics.split(","), args.group, batch_size=args.batch_size)
        await running.start()
        try:
            announced = False
            while not stop.is_set():
                if running.ready() and not announced:
                    await asyncio.to_thread(Path(args.ready).write_text, str(running.records))
                    announced = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.05)
        finally:
            await running.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for flag in ("--bootstrap", "--topics", "--group", "--data", "--ready"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    asyncio.run(_child(parser.parse_args()))
