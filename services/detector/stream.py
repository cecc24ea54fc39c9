"""The stream detector's faust wiring: three agents, three tables and a sweep.

* ``detector-tracks`` reads ``wfa.locations.v1`` (keyed by NIP) into the ``tracks`` table
  (per NIP, co-partitioned): mock location, impossible travel, static coordinates
  (:mod:`services.detector.domain.track`).
* ``detector-cells`` re-keys the same stream by (work date, coordinate cell) with faust's
  ``group_by`` (the restricted ``<group>-day-cell-repartition`` topic) into the ``cells`` table:
  the same exact coordinate shared by different ASN on one day
  (:mod:`services.detector.domain.shared_cells`).
* ``detector-workdays`` reads ``wfa.attendance.v1`` into the ``workdays`` table (per NIP):
  late check-in and the device sequence (:mod:`services.detector.domain.workdays`); a timer
  every ``ATTENDANCE_SWEEP_INTERVAL_S`` looks over this worker's partitions of that table for
  work days that ended without a check-out.

Each batch is judged first, then its anomalies are published and acknowledged, and only then
are the table writes sent to the changelogs, under the event that caused them
(:class:`~services.runtime.projection.staged_table.StagedTable`). A crash in between judges
the batch again and republishes the same anomaly ids (:mod:`services.detector.domain.findings`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import faust

from kernel.thresholds import AttendanceThresholds
from schemas import MalformedEvent, new_event
from schemas.events import (
    CheckedIn,
    CheckedOut,
    HeartbeatReceived,
    LocationPinged,
    LocationRecorded,
)
from schemas.serialization import DecodedEvent, read_event, to_record
from schemas.topics import ATTENDANCE, LOCATIONS
from services.detector.domain.findings import Finding, at_ms
from services.detector.domain.shared_cells import day_cell_key, observe_in_cell
from services.detector.domain.track import LocationPoint, observe_point
from services.detector.domain.workdays import (
    PresenceSignal,
    SignalKind,
    observe_signal,
    overdue_check_outs,
)
from services.detector.restricted import CELLS_TABLE, TRACKS_TABLE, day_cell_topic
from services.runtime import tracing
from services.runtime.context import Port, Publisher, ServiceContext
from services.runtime.kafka.broker import is_transient
from services.runtime.metrics import count_consumed
from services.runtime.projection.staged_table import StagedTable, processing
from services.runtime.settings import Settings

log = logging.getLogger(__name__)

ACTOR = "system:attendance-detector"
WORKDAYS_TABLE = "workdays"
BATCH_MAX = 500
BATCH_WITHIN_S = 0.05
RETRY_FIRST_S = 0.2
RETRY_MAX_S = 10.0
#: key of repartitioned records that are no location (they are skipped on the other side)
UNREADABLE_KEY = "-"

_SIGNALS: dict[type[Any], SignalKind] = {
    CheckedIn: "check_in",
    CheckedOut: "check_out",
    LocationPinged: "ping",
    HeartbeatReceived: "heartbeat",
}


def location_point(decoded: DecodedEvent) -> LocationPoint | None:
    payload = decoded.payload
    if not isinstance(payload, LocationRecorded):
        return None
    return LocationPoint(
        event_id=decoded.envelope.event_id,
        nip=payload.nip,
        opd_id=decoded.envelope.opd_id,
        work_date=payload.work_date,
        at_ms=at_ms(payload.at),
        lat=payload.location.lat,
        lon=payload.location.lon,
        mock_location=payload.mock_location,
    )


def presence_signal(decoded: DecodedEvent) -> PresenceSignal | None:
    payload = decoded.payload
    kind = _SIGNALS.get(type(payload))
    if kind is None:
        return None
    assert isinstance(payload, CheckedIn | CheckedOut | LocationPinged | HeartbeatReceived)
    return PresenceSignal(
        kind=kind,
        event_id=decoded.envelope.event_id,
        nip=payload.nip,
        opd_id=decoded.envelope.opd_id,
        at_ms=at_ms(payload.at),
        work_date=payload.work_date,
        timezone=payload.timezone,
        working_day=payload.working_day,
        device_id=payload.device_id,
        device_seq=payload.device_seq,
        minutes_after_start=payload.minutes_after_start if isinstance(payload, CheckedIn) else None,
        received_ms=at_ms(decoded.envelope.recorded_at),
    )


def _decode(value: Any) -> DecodedEvent | None:
    try:
        return read_event(value)
    except MalformedEvent:
        return None


class StreamDetector:
    """The detector of one service process (agents run with concurrency 1)."""

    def __init__(
        self,
        settings: Settings,
        app: faust.App,
        publisher: Port[Publisher],
        thresholds: AttendanceThresholds | None = None,
    ):
        """``app``: the service's faust app, which runs the detector's agents over its
        tables; ``publisher`` takes the anomalies (open by the first batch)."""
        self.settings = settings
        self.app = app
        self.publisher = publisher
        self.t = thresholds or AttendanceThresholds.from_environ(os.environ)
        partitions = settings.topic_partitions
        self.tracks = StagedTable(app.Table(TRACKS_TABLE, default=None, partitions=partitions))
        self.cells = StagedTable(app.Table(CELLS_TABLE, default=None, partitions=partitions))
        self.workdays_table = app.Table(WORKDAYS_TABLE, default=None, partitions=partitions)
        self.workdays = StagedTable(self.workdays_table)
        self._lock = asyncio.Lock()
        self.published = 0
        self.skipped = 0

    # wiring ---------------------------------------------------------------------------------

    def register(self) -> None:
        app = self.app
        settings = self.settings
        locations = app.topic(LOCATIONS, key_serializer="raw", value_serializer="raw")
        attendance = app.topic(ATTENDANCE, key_serializer="raw", value_serializer="raw")
        day_cell = app.topic(
            day_cell_topic(settings.group_id),
            partitions=settings.topic_partitions,
            internal=True,
            key_serializer="raw",
            value_serializer="raw",
        )

        async def tracks(stream: Any) -> None:
            async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
                await self._batch(events, self._on_location, self.tracks)

        async def cells(stream: Any) -> None:
            grouped = stream.group_by(self._day_cell_key, name="day-cell", topic=day_cell)
            async for events in grouped.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
                await self._batch(events, self._on_cell_visit, self.cells)

        async def workdays(stream: Any) -> None:
            async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
                await self._batch(events, self._on_presence, self.workdays)

        app.agent(locations, name="detector-tracks", concurrency=1)(tracks)
        app.agent(locations, name="detector-cells", concurrency=1)(cells)
        app.agent(attendance, name="detector-workdays", concurrency=1)(workdays)
        app.timer(self.t.sweep_interval_s)(self._sweep_timer)

    # per record -----------------------------------------------------------------------------

    def _day_cell_key(self, value: Any) -> str:
        decoded = _decode(value)
        point = location_point(decoded) if decoded is not None else None
        if point is None:
            return UNREADABLE_KEY
        return day_cell_key(point, self.t.shared_cell_decimals)

    def _on_location(self, message: Any) -> list[Finding]:
        decoded = _decode(message.value)
        point = location_point(decoded) if decoded is not None else None
        if point is None:
            self.skipped += 1
            return []
        state, findings = observe_point(self.tracks.get(point.nip), point, self.t)
        if state is not None:
            self.tracks[point.nip] = state
        return findings

    def _on_cell_visit(self, message: Any) -> list[Finding]:
        decoded = _decode(message.value)
        point = location_point(decoded) if decoded is not None else None
        if point is None:
            return []
        key = day_cell_key(point, self.t.shared_cell_decimals)
        state, findings = observe_in_cell(self.cells.get(key), point, self.t)
        if state is not None:
            self.cells[key] = state
        return findings

    def _on_presence(self, message: Any) -> list[Finding]:
        decoded = _decode(message.value)
        signal = presence_signal(decoded) if decoded is not None else None
        if signal is None:
            return []
        state, findings = observe_signal(self.workdays.get(signal.nip), signal, self.t)
        if state is not None:
            state["p"] = message.partition
            self.workdays[signal.nip] = state
        return findings

    async def _batch(
        self,
        events: Sequence[Any],
        handle: Callable[[Any], list[Finding]],
        table: StagedTable,
    ) -> None:
        """Judge the batch, publish its anomalies, then write its state (see module doc);
        while tracing is on, under a span linked to the traces its records carry."""
        active = tracing.tracer()
        if active is None:  # tracing off
            await self._judge(events, handle, table)
            return
        with tracing.batch_span(
            active,
            consumer_of(handle),
            (event.message for event in events),
            self.settings.group_id,
            len(events),
        ):
            await self._judge(events, handle, table)

    async def _judge(
        self,
        events: Sequence[Any],
        handle: Callable[[Any], list[Finding]],
        table: StagedTable,
    ) -> None:
        async with self._lock:
            try:
                findings: list[Finding] = []
                for event in events:
                    with processing(event):
                        try:
                            findings.extend(handle(event.message))
                        except Exception:
                            log.exception(
                                "detector: record %s@%s of %s not judged",
                                event.message.partition,
                                event.message.offset,
                                event.message.topic,
                            )
                await self._publish(findings)
                table.commit()
                _count_consumed(handle, events)
            finally:
                table.discard()

    # the sweep ------------------------------------------------------------------------------

    async def _sweep_timer(self) -> None:
        app = self.app
        if app.rebalancing or not app.tables.recovery.completed.is_set():  # type: ignore[attr-defined]
            return
        try:
            await self.sweep(datetime.now(UTC))
        except Exception:
            log.exception("detector: sweep for missing check-outs failed; next sweep retries")

    async def sweep(self, now: datetime) -> int:
        """Flag the days of this worker's partitions that ended without a check-out."""
        active = {
            tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == ATTENDANCE
        }
        async with self._lock:
            changes: list[tuple[str, dict[str, Any]]] = []
            findings: list[Finding] = []
            for nip, state in list(self.workdays_table.items()):
                if not isinstance(state, dict) or state.get("p") not in active:
                    continue
                new_state, found = overdue_check_outs(state, nip, now, self.t)
                if new_state is not None:
                    changes.append((nip, new_state))
                    findings.extend(found)
            await self._publish(findings)
            for nip, new_state in changes:
                # outside a stream event: written to the key's own partition by hand
                self.workdays_table.data[nip] = new_state
                self.workdays_table.send_changelog(new_state["p"], nip, new_state)
        return len(findings)

    # publishing -----------------------------------------------------------------------------

    async def _publish(self, findings: Sequence[Finding]) -> None:
        """Publish the anomalies in order, retried while Kafka is away."""
        if not findings:
            return
        records = []
        for finding in findings:
            envelope = new_event(
                finding.payload(),
                actor=ACTOR,
                subject=finding.nip,
                opd_id=finding.opd_id,
                occurred_at=finding.at,
                causation_id=finding.source_event_ids[-1] if finding.source_event_ids else None,
                event_id=finding.anomaly_id,
            )
            records.append(to_record(envelope))
        delay = RETRY_FIRST_S
        while True:
            try:
                await self.publisher.get().send_many(records)
                self.published += len(records)
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("detector: publishing anomalies failed (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)


def consumer_of(handle: Callable[[Any], list[Finding]]) -> str:
    """The name of the agent judging with ``handle``: ``detector-location`` and so on."""
    return "detector-" + handle.__name__.removeprefix("_on_").replace("_", "-")


def _count_consumed(handle: Callable[[Any], list[Finding]], events: Sequence[Any]) -> None:
    """Add a judged batch to what the agent (``detector-location`` and so on) has read."""
    consumer = consumer_of(handle)
    per_partition: dict[tuple[str, int], int] = {}
    for event in events:
        key = (str(event.message.topic), int(event.message.partition))
        per_partition[key] = per_partition.get(key, 0) + 1
    count_consumed(consumer, per_partition)


def register_detector(ctx: ServiceContext) -> StreamDetector:
    detector = StreamDetector(ctx.settings, ctx.faust_app, ctx.publisher_port)
    detector.register()
    return detector
