"""Replay: rebuild a service's projections from offset 0 into a fresh database and compare
them with the live ones. The difference must be empty.

1. The live service (``GET /ops/projections``) names its projection tables and the consumers
   that fill them: consumer groups (reporting, audit) and local replicas (eligibility).
2. The rebuild registers the service's components on a fresh context: its own data directory
   with an embedded chDB (never the live database, even when the service runs on a ClickHouse
   server), and a consumer group id of its own, so the live groups are untouched. The end
   offsets of the projected topics are taken now: the log as it stands is what both sides
   must hold.
3. The live side is awaited until its consumers have read up to those offsets (committed
   group offsets, read from Kafka; a replica's stored positions).
4. The replicas and components are started as the service starts them, without its faust
   worker, its publisher or its idempotency ledger: a replay reads the log and never writes
   to it (a record that cannot be read is counted, not dead-lettered a second time). Once
   every projection has caught up, they are stopped (in-flight batches written first).
5. Both sides are reduced to per-table digests (:mod:`services.runtime.projection.digest`)
   and compared; for a table that differs, rows of both sides are fetched to show which.

When records are appended while the replay runs, the live side may hold more than the
rebuild: :attr:`ReplayReport.appended` says how many, so that a difference seen then can be
checked again on a quiet log.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import DeleteGroupsRequest

from schemas import KafkaRecord
from services.runtime.context import ServiceContext, components
from services.runtime.hosting.boot import build_context, replicas_then_components
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.kafka.broker import EventPublisher
from services.runtime.kafka.log_reading import log_reader, partitions_of
from services.runtime.kafka.security import client_security
from services.runtime.projection.digest import (
    RowDiff,
    TableComparison,
    TableDigest,
    compare_digests,
    projection_digests,
    projection_tables,
    row_differences,
    table_rows,
)
from services.runtime.projection.replica import LocalReplica
from services.runtime.projection.stream import StreamProjector
from services.runtime.settings import Settings
from services.runtime.store.base import Row
from services.runtime.store.chdb_store import ChdbStore

log = logging.getLogger(__name__)

Offsets = dict[TopicPartition, int]
Progress = Callable[[int, int], None]
"""Called with (records projected, records to project)."""


class ReplayError(RuntimeError):
    """The replay could not compare: no projections, live service unreachable or behind."""


class RowsUnavailable(ReplayError):
    """The live service did not answer a table's rows (e.g. a token without a NIP)."""


# ----------------------------------------------------------------------------------------------
# the rebuild
# ----------------------------------------------------------------------------------------------


def load_definition(service: str) -> ServiceDefinition:
    """The service's definition (``services/<service>/main.py``)."""
    try:
        module = importlib.import_module(f"services.{service}.main")
    except ModuleNotFoundError as exc:
        raise ReplayError(f"there is no service named {service!r}") from exc
    definition: ServiceDefinition = module.DEFINITION
    if not definition.uses_store or definition.register_agents is None:
        raise ReplayError(f"{service} keeps no projections: there is nothing to rebuild")
    return definition


class _ReadOnlyLog(EventPublisher):
    """The rebuild's publisher: it publishes nothing. A record the projection cannot read was
    dead-lettered by the live service already; here it is only counted."""

    def __init__(self) -> None:
        super().__init__([], "replay")
        self.unreadable = 0

    async def send_many(self, records: Sequence[KafkaRecord]) -> None:
        self.unreadable += len(records)


def projection_consumers(ctx: ServiceContext) -> list[StreamProjector | LocalReplica]:
    """The components of ``ctx`` that project topics into its store."""
    projectors: list[StreamProjector | LocalReplica] = list(components(ctx, StreamProjector))
    return projectors + components(ctx, LocalReplica)


@dataclass
class Rebuild:
    """A service's projections being rebuilt into a fresh store."""

    service: str
    ctx: ServiceContext
    store: ChdbStore
    data_dir: Path
    sink: _ReadOnlyLog
    consumers: list[StreamProjector | LocalReplica]
    starts: Offsets = field(default_factory=dict)
    ends: Offsets = field(default_factory=dict)

    @property
    def topics(self) -> list[str]:
        return sorted({topic for c in self.consumers for topic in c.topics})

    @property
    def groups(self) -> list[str]:
        return [c.group_id for c in self.consumers if isinstance(c, StreamProjector)]

    def to_project(self) -> int:
        """Records to project: each consumer's topics from their start to the ends taken."""
        return sum(self._span(c) for c in self.consumers)

    def _span(self, consumer: StreamProjector | LocalReplica) -> int:
        return sum(
            self.ends[tp] - self.starts[tp] for tp in self.ends if tp.topic in consumer.topics
        )

    async def projected(self) -> int:
        """Records projected so far (up to the ends taken)."""
        done = 0
        positions = await self._replica_positions() if components(self.ctx, LocalReplica) else {}
        for consumer in self.consumers:
            span = self._span(consumer)
            if consumer.ready():
                done += span
            elif isinstance(consumer, StreamProjector):
                if consumer.joined_at is not None:
                    lag = consumer.lag()
                    behind = sum(
                        min(lag.get(tp, 0), self.ends[tp] - self.starts[tp])
                        for tp in self.ends
                        if tp.topic in consumer.topics
                    )
                    done += max(0, span - behind)
            else:
                done += sum(
                    max(0, min(positions.get((consumer.name, tp), 0), end) - self.starts[tp])
                    for tp, end in self.ends.items()
                    if tp.topic in consumer.topics
                )
        return done

    async def _replica_positions(self) -> dict[tuple[str, TopicPartition], int]:
        rows = await self.store.query(
            "SELECT replica, topic, partition, max(next_offset) AS next_offset "
            "FROM {db}.replica_positions GROUP BY replica, topic, partition"
        )
        return {
            (str(r["replica"]), TopicPartition(str(r["topic"]), int(r["partition"]))): int(
                r["next_offset"]
            )
            for r in rows
        }

    def caught_up(self) -> bool:
        return all(c.ready() for c in self.consumers)


async def open_rebuild(service: str, settings: Settings, data_dir: Path) -> Rebuild:
    """The service's components registered on a fresh context over a fresh store in
    ``data_dir``, in consumer groups of their own; nothing is started yet."""
    definition = load_definition(service)
    fresh = settings.model_copy(
        update={
            "service_name": service,
            "data_dir": data_dir,
            "clickhouse_url": None,
            "kafka_group_id": f"wfa-{service}-replay-{uuid.uuid4().hex[:12]}",
        }
    )
    ctx = build_context(fresh)
    assert definition.register_agents is not None
    definition.register_agents(ctx)
    consumers = projection_consumers(ctx)
    if not consumers:
        raise ReplayError(f"{service} registers no projection: there is nothing to rebuild")
    store = ChdbStore(fresh.service_data_dir / "chdb", fresh.database)
    await store.migrate(definition.migrations)
    ctx.store_port.open(store)
    sink = _ReadOnlyLog()
    ctx.publisher_port.open(sink)
    return Rebuild(service, ctx, store, data_dir, sink, consumers)


async def log_extent(servers: Sequence[str], topics: Sequence[str]) -> tuple[Offsets, Offsets]:
    """The first and the next offsets of every partition of ``topics``."""
    consumer = log_reader(servers, "replay-extent")
    await consumer.start()
    try:
        partitions = [tp for topic in topics for tp in await partitions_of(consumer, topic)]
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return dict(starts), dict(ends)


async def run_rebuild(rebuild: Rebuild, progress: Progress, poll_s: float = 0.25) -> None:
    """Start the replicas and components as the service does (no faust worker), wait until
    every projection has caught up with the log, then stop them (writes settled first)."""
    ctx = rebuild.ctx
    total = rebuild.to_project()
    started: list[Any] = []
    try:
        for part in replicas_then_components(ctx):
            await part.start()
            started.append(part)
        while not rebuild.caught_up():
            progress(min(total, await rebuild.projected()), total)
            await asyncio.sleep(poll_s)
        progress(total, total)
    finally:
        for part in reversed(started):
            await part.stop()


async def forget_groups(servers: Sequence[str], groups: Sequence[str]) -> None:
    """Delete the rebuild's consumer groups (best effort: Kafka expires them anyway)."""
    if not groups:
        return
    admin = AIOKafkaAdminClient(
        bootstrap_servers=list(servers), client_id="replay", **client_security()
    )
    try:
        await admin.start()
        for group in groups:
            coordinator = await admin.find_coordinator(group)
            # aiokafka's admin client has no delete_consumer_groups: its request, sent as
            # the client's own methods send theirs
            await admin._send_request(DeleteGroupsRequest([group]), coordinator)
    except Exception as exc:
        log.warning("replay: consumer groups %s not deleted (%s)", groups, exc)
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


# ----------------------------------------------------------------------------------------------
# the live side
# ----------------------------------------------------------------------------------------------


class LiveService:
    """A running service's ``/ops/projections``, as one reader with a bearer token."""

    def __init__(self, url: str, token: str, *, timeout_s: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
        )

    async def _get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        refused: type[ReplayError] = ReplayError,
    ) -> Any:
        try:
            response = await self.client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise ReplayError(f"the live service at {self.url} does not answer: {exc}") from exc
        if response.status_code != 200:
            raise refused(
                f"GET {self.url}{path} answered {response.status_code}: {response.text[:500]}"
            )
        return response.json()

    async def projections(self) -> dict[str, Any]:
        body: dict[str, Any] = await self._get("/ops/projections")
        return body

    async def rows(self, table: str, limit: int) -> list[Row]:
        body = await self._get(
            f"/ops/projections/{table}",
            {"limit": limit, "purpose": "replay comparison"},
            refused=RowsUnavailable,
        )
        rows: list[Row] = body["rows"]
        return rows

    async def close(self) -> None:
        await self.client.aclose()


async def live_positions(servers: Sequence[str], consumers: Sequence[dict[str, Any]]) -> Offsets:
    """How far the live side has read each partition: the least over its consumers."""
    positions: Offsets = {}

    def take(tp: TopicPartition, offset: int) -> None:
        positions[tp] = min(offset, positions.get(tp, offset))

    groups = [c for c in consumers if c.get("kind") == "group"]
    if groups:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=list(servers), client_id="replay-live", **client_security()
        )
        await admin.start()
        try:
            for consumer in groups:
                committed = await admin.list_consumer_group_offsets(consumer["group_id"])
                topics = set(consumer["topics"])
                for tp, meta in committed.items():
                    if tp.topic in topics:
                        take(tp, meta.offset)
        finally:
            await admin.close()
    for consumer in consumers:
        if consumer.get("kind") == "replica":
            for key, offset in consumer.get("positions", {}).items():
                topic, _, partition = str(key).rpartition(":")
                take(TopicPartition(topic, int(partition)), int(offset))
    return positions


def behind(positions: Offsets, starts: Offsets, ends: Offsets) -> int:
    """Records the live side has still to read to reach ``ends`` (a partition it never read
    is at its first offset)."""
    return sum(max(0, end - positions.get(tp, starts.get(tp, 0))) for tp, end in ends.items())


# ----------------------------------------------------------------------------------------------
# the comparison
# ----------------------------------------------------------------------------------------------


@dataclass
class ReplayReport:
    """What a replay found: per table, live and replayed rows and whether they are equal."""

    service: str
    comparisons: list[TableComparison]
    differences: dict[str, RowDiff | str]
    """Per differing table, rows of one side only (among the first rows fetched), or why the
    live rows could not be read."""
    records: int
    """Records the rebuild projected (summed over its consumers)."""
    unreadable: int
    """Records the rebuild could not read (dead-lettered by the live service)."""
    appended: int
    """Records appended to the projected topics while the replay ran."""
    excluded_tables: dict[str, str]
    excluded_columns: dict[str, dict[str, str]]
    kept: Path | None = None

    @property
    def equal(self) -> bool:
        return all(c.equal for c in self.comparisons)


@dataclass
class ReplayOptions:
    wait_live_s: float = 300.0
    """How long the live side may take to reach the log's end offsets."""
    diff_rows: int = 1000
    """Rows fetched from each side of a table that differs."""
    keep: Path | None = None
    """Keep the rebuilt store there (a fresh temporary directory otherwise, removed after)."""


async def replay(
    service: str,
    live: LiveService,
    settings: Settings,
    *,
    options: ReplayOptions | None = None,
    progress: Progress = lambda done, total: None,
    waiting: Callable[[int], None] = lambda behind: None,
) -> ReplayReport:
    """Rebuild ``service``'s projections from offset 0 and compare them with ``live``'s."""
    options = options or ReplayOptions()
    body = await live.projections()
    if body.get("service") != service:
        raise ReplayError(f"{live.url} is the {body.get('service')} service, not {service}")
    if options.keep is not None:
        options.keep.mkdir(parents=True, exist_ok=True)
        if any(options.keep.iterdir()):
            raise ReplayError(f"{options.keep} is not empty: the rebuild needs a fresh directory")
        data_dir = options.keep
    else:
        data_dir = Path(tempfile.mkdtemp(prefix=f"wfa-replay-{service}-"))
    servers = settings.kafka_servers
    rebuild = await open_rebuild(service, settings, data_dir)
    try:
        rebuild.starts, rebuild.ends = await log_extent(servers, rebuild.topics)
        await _wait_live(live, servers, rebuild, options.wait_live_s, waiting)
        await run_rebuild(rebuild, progress)
        replayed = await projection_digests(rebuild.store)
        body = await live.projections()
        comparisons = compare_digests([TableDigest.from_json(t) for t in body["tables"]], replayed)
        live_tables = {str(t["table"]) for t in body["tables"]}
        differences = {
            c.table: await _row_diff(live, live_tables, rebuild, c.table, options.diff_rows)
            for c in comparisons
            if not c.equal
        }
        _, after = await log_extent(servers, rebuild.topics)
        return ReplayReport(
            service=service,
            comparisons=comparisons,
            differences=differences,
            records=rebuild.to_project(),
            unreadable=rebuild.sink.unreadable,
            appended=sum(after.get(tp, end) - end for tp, end in rebuild.ends.items()),
            excluded_tables=dict(body.get("excluded_tables", {})),
            excluded_columns=dict(body.get("excluded_columns", {})),
            kept=options.keep,
        )
    finally:
        await rebuild.store.close()
        await forget_groups(servers, rebuild.groups)
        if options.keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)


async def _wait_live(
    live: LiveService,
    servers: Sequence[str],
    rebuild: Rebuild,
    timeout_s: float,
    waiting: Callable[[int], None],
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        consumers = (await live.projections()).get("consumers", [])
        late = behind(await live_positions(servers, consumers), rebuild.starts, rebuild.ends)
        waiting(late)
        if late == 0:
            return
        if time.monotonic() > deadline:
            raise ReplayError(
                f"the live {rebuild.service} service is still {late} records behind the log "
                f"after {timeout_s:.0f}s: compare again once it has caught up"
            )
        await asyncio.sleep(0.5)


async def _row_diff(
    live: LiveService, live_tables: set[str], rebuild: Rebuild, table: str, limit: int
) -> RowDiff | str:
    known = {t.name: t for t in await projection_tables(rebuild.store)}
    try:
        live_rows = await live.rows(table, limit) if table in live_tables else []
    except RowsUnavailable as exc:
        return str(exc)
    replayed_rows = await table_rows(rebuild.store, known[table], limit) if table in known else []
    return row_differences(live_rows, replayed_rows)
