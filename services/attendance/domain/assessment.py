"""Where the employee should be, whether the signal met it, and what does not add up. No I/O.

The mode is derived, never taken from the client: an approved WFA request covering the work
day means the approved WFA location (met within ``wfa_radius_m`` of it); any other day means
the office, measured against the geofence in force: the work unit's, else the OPD's, else a
circle of ``office_radius_m`` around the roster's ``office_location``, else nothing.

Place anomalies are raised on working days only (on other days nobody is expected anywhere);
a device clock that does not add up is an anomaly on any day. Lateness and missing check-outs
are judged by the stream detector, which knows the first check-in of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kernel.geometry import (
    Circle,
    LatLon,
    Shape,
    coarse_cell,
    distance_band,
    haversine_m,
)
from kernel.thresholds import AttendanceThresholds
from schemas.events import DistanceBand, Mode
from services.attendance.domain import edge_anomalies as edge
from services.attendance.domain.edge_anomalies import EdgeAnomaly
from services.attendance.domain.timing import WorkDay, is_late_synced, minutes_after_start

__all__ = [
    "ApprovedWfa",
    "Assessment",
    "Fence",
    "Place",
    "Reference",
    "Signal",
    "SignalKind",
    "assess",
    "office_reference",
]

SignalKind = Literal["check_in", "check_out", "ping", "heartbeat"]


@dataclass(frozen=True, slots=True)
class Fence:
    """An office geofence as published (``GeofenceSet``)."""

    geofence_id: str
    shape: Shape


@dataclass(frozen=True, slots=True)
class ApprovedWfa:
    """The approved WFA request covering a day: its id and the approved location.

    ``location`` is the precise declared place from the restricted locations topic; None when
    it is not known (not read yet, or purged): the day is WFA, but nothing is measured.
    """

    request_id: str
    location: LatLon | None


@dataclass(frozen=True, slots=True)
class Reference:
    """What a position is measured against."""

    kind: Literal["office_geofence", "wfa_location"]
    reference_id: str | None
    shape: Shape
    thresholds: dict[str, str | int | float | bool | None]
    """The thresholds that define it (recorded with the anomalies it raises)."""


def office_reference(
    unit_fence: Fence | None,
    opd_fence: Fence | None,
    office_location: LatLon | None,
    t: AttendanceThresholds,
) -> Reference | None:
    """The office geofence in force: the work unit's, the OPD's, the roster's office, none."""
    fence = unit_fence or opd_fence
    if fence is not None:
        shape = fence.shape
        if isinstance(shape, Circle):
            limits: dict[str, str | int | float | bool | None] = {
                "geofence": "circle",
                "radius_m": shape.radius_m,
            }
        else:
            limits = {"geofence": "polygon", "vertices": len(shape.points)}
        return Reference("office_geofence", fence.geofence_id, shape, limits)
    if office_location is not None:
        return Reference(
            "office_geofence",
            None,
            Circle(office_location, t.office_radius_m),
            {"geofence": "roster_office_location", "office_radius_m": t.office_radius_m},
        )
    return None


@dataclass(frozen=True, slots=True)
class Signal:
    """One presence signal as received (device times already parsed, UTC-aware)."""

    kind: SignalKind
    nip: str
    event_id: str
    at: datetime
    received_at: datetime
    sent_at: datetime | None = None
    recorded_offline: bool = False
    location: LatLon | None = None
    accuracy_m: float | None = None
    declared_mode: Mode | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """Derived facts about a position (the contract's ``PlaceAssessment``)."""

    derived_mode: Mode
    declared_mode: Mode | None
    reference: Literal["office_geofence", "wfa_location", "none"]
    reference_id: str | None
    inside: bool | None
    distance_band: DistanceBand
    cell: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the platform derives from one signal."""

    day: WorkDay
    place: Place | None
    """None for a heartbeat (no position)."""
    minutes_after_start: int | None
    late_synced: bool
    anomalies: tuple[EdgeAnomaly, ...]


def _wfa_reference(wfa: ApprovedWfa, t: AttendanceThresholds) -> Reference | None:
    if wfa.location is None:
        return None
    return Reference(
        "wfa_location",
        wfa.request_id,
        Circle(wfa.location, t.wfa_radius_m),
        {"wfa_radius_m": t.wfa_radius_m},
    )


def _measure(reference: Reference, point: LatLon) -> tuple[bool, float]:
    if reference.kind == "wfa_location":
        # near the approved point: the distance from it, not from the edge of a circle
        assert isinstance(reference.shape, Circle)
        metres = haversine_m(reference.shape.center, point)
        return metres <= reference.shape.radius_m, metres
    return reference.shape.measure(point)


def assess(
    signal: Signal,
    day: WorkDay,
    office: Reference | None,
    wfa: ApprovedWfa | None,
    t: AttendanceThresholds,
) -> Assessment:
    """The derived facts and the edge anomalies of ``signal`` on ``day``.

    ``office`` is the office reference in force (see :func:`office_reference`); ``wfa`` the
    approved WFA request covering ``day.work_date``, if any.
    """
    ctx = edge.Context(signal.nip, day.work_date, signal.event_id, signal.at)
    anomalies: list[EdgeAnomaly] = []
    place: Place | None = None
    if signal.location is not None:
        place = _place(signal, day, office, wfa, t, ctx, anomalies)
    clock = _clock_anomaly(signal, t, ctx)
    if clock is not None:
        anomalies.append(clock)
    return Assessment(
        day=day,
        place=place,
        minutes_after_start=(
            minutes_after_start(signal.at, day) if signal.kind == "check_in" else None
        ),
        late_synced=is_late_synced(signal.at, signal.received_at, signal.recorded_offline, t),
        anomalies=tuple(anomalies),
    )


def _place(
    signal: Signal,
    day: WorkDay,
    office: Reference | None,
    wfa: ApprovedWfa | None,
    t: AttendanceThresholds,
    ctx: edge.Context,
    anomalies: list[EdgeAnomaly],
) -> Place:
    assert signal.location is not None
    derived: Mode = "wfa" if wfa is not None else "office"
    reference = _wfa_reference(wfa, t) if wfa is not None else office
    inside: bool | None = None
    metres: float | None = None
    if reference is not None:
        inside, metres = _measure(reference, signal.location)
    band = distance_band(metres)
    place = Place(
        derived_mode=derived,
        declared_mode=signal.declared_mode,
        reference=reference.kind if reference is not None else "none",
        reference_id=reference.reference_id if reference is not None else None,
        inside=inside,
        distance_band=band,
        cell=coarse_cell(*signal.location),
    )
    if not day.working_day:
        return place
    if reference is not None and metres is not None and inside is False:
        if wfa is not None:
            anomalies.append(
                edge.far_from_wfa_location(
                    ctx,
                    distance_m=metres,
                    band=band,
                    request_id=wfa.request_id,
                    radius_m=t.wfa_radius_m,
                    accuracy_m=signal.accuracy_m,
                )
            )
        else:
            anomalies.append(
                edge.outside_geofence(
                    ctx,
                    distance_m=metres,
                    band=band,
                    reference_id=reference.reference_id,
                    thresholds=reference.thresholds,
                    accuracy_m=signal.accuracy_m,
                )
            )
    if signal.declared_mode == "wfa" and wfa is None:
        anomalies.append(edge.remote_without_approval(ctx, inside=inside, band=band))
    elif signal.declared_mode == "office" and wfa is not None:
        anomalies.append(edge.mode_mismatch(ctx, request_id=wfa.request_id))
    return place


def _clock_anomaly(
    signal: Signal, t: AttendanceThresholds, ctx: edge.Context
) -> EdgeAnomaly | None:
    """The device clock vs the receipt, and the event time vs the device's sending time."""
    if signal.sent_at is None:
        return None
    skew_s = (signal.sent_at - signal.received_at).total_seconds()
    after_s = (signal.at - signal.sent_at).total_seconds()
    if abs(skew_s) <= t.clock_skew_tolerance_s and after_s <= 0:
        return None
    return edge.clock_tampering(
        ctx, sent_vs_receipt_s=skew_s, at_after_sent_s=after_s, tolerance_s=t.clock_skew_tolerance_s
    )
