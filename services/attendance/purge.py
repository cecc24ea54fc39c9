"""The purge of precise locations: nothing older than the retention survives, to the record.

Precise coordinates live only on restricted topics: ``wfa.locations.v1`` and the stream
detector's internal topics that hold positions. They are created with
``retention.ms = LOCATION_RETENTION_DAYS``, but the broker deletes only whole closed segments,
so records may outlive the retention by up to a segment's age. The purge makes it exact: for
every partition of every restricted topic it finds the first record at or after
``now - retention`` (``offsets_for_times``) and deletes every record before it
(``DeleteRecords``, which moves the log start offset; a reader can never fetch them again).

A declared WFA place (``WfaLocationDeclared``) is needed until the last day of its request,
which may lie further ahead than the retention: before its record is deleted, the purge
publishes it again (same place, same ``location_id``, a new event caused by the old one), so it
is kept while its request still has days to come and purged with the retention after the last.

It runs every ``LOCATION_PURGE_INTERVAL_S`` (an hour by default) inside the attendance service,
and on demand from the command line::

    python -m services.attendance.purge [--retention-days 90] [--bootstrap host:9092]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.errors import KafkaError
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.restricted_topics import detector_internal_topics
from schemas import MalformedEvent, WfaLocationDeclared, new_event, to_record
from schemas.serialization import read_event
from schemas.topics import LOCATIONS, RESTRICTED_TOPICS
from services.attendance.location_reader import first_offset_at
from services.runtime.kafka.security import client_security
from services.runtime.settings import Settings

log = logging.getLogger(__name__)


class PurgeSettings(BaseSettings):
    """How often the attendance service purges (env ``LOCATION_PURGE_*``)."""

    model_config = SettingsConfigDict(env_prefix="LOCATION_PURGE_", extra="ignore", frozen=True)

    interval_s: float = Field(3600.0, gt=0, description="Seconds between two purges.")
    enabled: bool = Field(True, description="Whether the service purges on its own.")


@dataclass(frozen=True, slots=True)
class PartitionPurge:
    """What the purge did to one partition."""

    topic: str
    partition: int
    start_before: int
    """The log start offset before the purge."""
    delete_before: int
    """Every record before this offset is older than the retention (and is now deleted)."""
    end: int
    """The end offset when the purge looked."""
    error: str | None = None
    carried: int = 0
    """Declared WFA places published again before the delete (their requests go on)."""

    @property
    def deleted(self) -> int:
        return 0 if self.error else max(0, self.delete_before - self.start_before)


@dataclass
class PurgeReport:
    """What one purge did, partition by partition."""

    cutoff: datetime
    """Records with a timestamp before this were deleted."""
    retention_ms: int
    partitions: list[PartitionPurge] = field(default_factory=list)
    missing_topics: list[str] = field(default_factory=list)
    """Restricted topics that do not exist on the cluster (nothing to purge there)."""

    @property
    def deleted(self) -> int:
        return sum(p.deleted for p in self.partitions)

    @property
    def errors(self) -> list[PartitionPurge]:
        return [p for p in self.partitions if p.error]

    @property
    def carried(self) -> int:
        return sum(p.carried for p in self.partitions)


def restricted_topics(settings: Settings) -> list[str]:
    """Every topic that holds precise positions: the contract's and the detector's own."""
    return sorted(
        {*RESTRICTED_TOPICS, *detector_internal_topics(settings.service_name, settings.group_id)}
    )


_DECLARED = WfaLocationDeclared.event_type.encode()


def still_needed(value: bytes | None, today: date) -> bool:
    """Whether a record of the locations topic is a declared WFA place whose request has a day
    on or after ``today`` (the UTC date less a day: no time zone's today is earlier)."""
    if not value or _DECLARED not in value:
        return False
    try:
        payload = read_event(value).payload
    except MalformedEvent:
        return False
    return isinstance(payload, WfaLocationDeclared) and max(payload.dates) >= today


def carried_forward(value: bytes) -> bytes:
    """A declared place's record published again: the same payload (and ``location_id``) in a
    new envelope, caused by the old event and keeping its correlation."""
    old = read_event(value).envelope
    payload = WfaLocationDeclared.model_validate(old.payload)
    envelope = new_event(
        payload,
        actor="system:location-purge",
        subject=old.subject,
        opd_id=old.opd_id,
        occurred_at=old.occurred_at,
        correlation_id=old.correlation_id,
        causation_id=old.event_id,
    )
    return to_record(envelope).value


def cutoff_ms(now: datetime, retention_ms: int) -> int:
    """The record timestamp before which a record is older than the retention."""
    return int(now.timestamp() * 1000) - retention_ms


async def purge_precise_locations(
    settings: Settings, now: datetime | None = None, *, retention_ms: int | None = None
) -> PurgeReport:
    """Delete every record older than the location retention from every restricted topic."""
    now = now or datetime.now(UTC)
    retention = retention_ms if retention_ms is not None else settings.location_retention_ms
    cutoff = cutoff_ms(now, retention)
    report = PurgeReport(cutoff=datetime.fromtimestamp(cutoff / 1000, UTC), retention_ms=retention)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_servers,
        request_timeout_ms=30_000,
        **client_security(settings),
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_servers,
        **client_security(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=f"{settings.service_name}-location-purge",
    )
    await admin.start()
    try:
        await consumer.start()
        existing = set(await admin.list_topics())
        for topic in restricted_topics(settings):
            if topic not in existing:
                report.missing_topics.append(topic)
                continue
            carry = (
                _Carrier(settings, (now - timedelta(days=1)).date()) if topic == LOCATIONS else None
            )
            try:
                report.partitions.extend(await _purge_topic(admin, consumer, topic, cutoff, carry))
            finally:
                if carry is not None:
                    await carry.stop()
    finally:
        await consumer.stop()
        await admin.close()
    return report


class _Carrier:
    """Publishes again the declared WFA places still needed (a producer opened on first use)."""

    def __init__(self, settings: Settings, today: date) -> None:
        self.settings = settings
        self.today = today
        self._producer: AIOKafkaProducer | None = None

    async def carry(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, before: int
    ) -> int:
        """Read ``tp`` from ``start`` up to ``before`` (the records about to be deleted) and
        publish again, acknowledged, every declared place still needed; how many."""
        consumer.seek(tp, start)
        carried = 0
        while await consumer.position(tp) < before:
            batch = await consumer.getmany(tp, timeout_ms=500, max_records=5000)
            for message in batch.get(tp, ()):
                if message.offset < before and still_needed(message.value, self.today):
                    assert message.value is not None
                    producer = await self._open()
                    await producer.send_and_wait(
                        tp.topic, carried_forward(message.value), key=message.key
                    )
                    carried += 1
        return carried

    async def _open(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.kafka_servers,
                **client_security(self.settings),
                acks="all",
                client_id=f"{self.settings.service_name}-location-purge",
            )
            await producer.start()
            self._producer = producer
        return self._producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


async def _purge_topic(
    admin: AIOKafkaAdminClient,
    consumer: AIOKafkaConsumer,
    topic: str,
    cutoff: int,
    carry: _Carrier | None = None,
) -> list[PartitionPurge]:
    await consumer._client.force_metadata_update()
    ids = consumer.partitions_for_topic(topic) or set()
    partitions = [TopicPartition(topic, p) for p in sorted(ids)]
    if not partitions:
        return []
    consumer.assign(partitions)
    starts = await consumer.beginning_offsets(partitions)
    ends = await consumer.end_offsets(partitions)
    plan: dict[TopicPartition, int] = {}
    for tp in partitions:
        # ends[tp] when no record is at or after the cutoff: all are older than the retention
        plan[tp] = await first_offset_at(consumer, tp, cutoff, starts[tp], ends[tp])
    results: list[PartitionPurge] = []
    for tp in partitions:
        before = plan[tp]
        error = None
        carried = 0
        if before > starts[tp]:
            try:
                # a place still needed is published again before its record goes
                if carry is not None:
                    carried = await carry.carry(consumer, tp, starts[tp], before)
                await admin.delete_records({tp: RecordsToDelete(before_offset=before)})
            except KafkaError as exc:  # e.g. a compacted-only topic refuses DeleteRecords
                error = f"{type(exc).__name__}: {exc}"
                log.warning("purge: %s-%d not purged: %s", tp.topic, tp.partition, error)
        results.append(
            PartitionPurge(topic, tp.partition, starts[tp], before, ends[tp], error, carried)
        )
    return results


class LocationPurger:
    """Purges the restricted topics every ``interval_s`` (a service component)."""

    name = "location-purge"

    def __init__(self, settings: Settings, purge: PurgeSettings | None = None) -> None:
        self.settings = settings
        self.purge = purge or PurgeSettings()
        self._task: asyncio.Task[None] | None = None
        self.last: PurgeReport | None = None

    async def start(self) -> None:
        if self.purge.enabled:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def ready(self) -> bool:
        return True  # the purge holds no state a request depends on

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                self.last = await purge_precise_locations(self.settings)
                log.info(
                    "purge: %d records older than %s deleted from %d partitions (%d errors); "
                    "%d declared WFA places carried forward",
                    self.last.deleted,
                    self.last.cutoff.isoformat(),
                    len(self.last.partitions),
                    len(self.last.errors),
                    self.last.carried,
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("purge: failed; next attempt in %.0fs", self.purge.interval_s)
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(1.0, self.purge.interval_s - elapsed))


# -- command line ------------------------------------------------------------------------------


def main() -> None:
    """``python -m services.attendance.purge``: purge now and print what was deleted."""
    import typer
    from rich.console import Console
    from rich.table import Table

    def purge(
        retention_days: float | None = typer.Option(
            None, help="Override LOCATION_RETENTION_DAYS (fractions allowed)."
        ),
        bootstrap: str | None = typer.Option(None, help="Override KAFKA_BOOTSTRAP."),
    ) -> None:
        """Delete precise locations older than the retention from every restricted topic."""
        updates: dict[str, object] = {}
        if bootstrap is not None:
            updates["kafka_bootstrap"] = bootstrap
        if retention_days is not None:
            updates["location_retention_days"] = retention_days
        settings = Settings(SERVICE_NAME="attendance").model_copy(update=updates)  # type: ignore[call-arg]
        report = asyncio.run(purge_precise_locations(settings))
        console = Console()
        table = Table(title=f"Purge of precise locations before {report.cutoff.isoformat()}")
        for column in ("topic", "partition", "log start", "deleted before", "end", "deleted"):
            table.add_column(column, justify="left" if column == "topic" else "right")
        table.add_column("error")
        for p in report.partitions:
            table.add_row(
                p.topic,
                str(p.partition),
                str(p.start_before),
                str(p.delete_before),
                str(p.end),
                str(p.deleted),
                p.error or "",
            )
        console.print(table)
        for topic in report.missing_topics:
            console.print(f"[dim]{topic}: not on the cluster, nothing to purge[/dim]")
        console.print(f"[bold]{report.deleted}[/bold] records deleted.")
        if report.carried:
            console.print(f"{report.carried} declared WFA places still needed published again.")
        if report.errors:
            raise typer.Exit(code=1)

    typer.run(purge)


if __name__ == "__main__":
    main()
