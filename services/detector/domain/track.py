"""Rules over one person's precise positions: mock location, impossible travel, static spoof.

Pure functions on plain values. The state of one person is a JSON-able dict (it lives in a
faust table keyed by NIP, whose changelog is restricted):

* ``pts``: the most recent points ``[at_ms, lat, lon, event_id]``, sorted by ``at``, at most
  :data:`MAX_POINTS`; positions are rounded to the threshold's cell decimals, no finer;
* ``days``: per work date (the last :data:`MAX_DAYS`), whether every point so far sat on one
  cell: ``{"cell", "n", "first", "last", "varied", "flagged"}``.

Points may arrive out of order (the offline queue): travel is judged between neighbours by
``at``, not by arrival. A point seen before (same event id) changes nothing.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from datetime import date
from typing import Any

from kernel.geometry import coarse_cell, haversine_m
from kernel.thresholds import AttendanceThresholds
from services.detector.domain.findings import Finding, from_ms
from services.detector.messages import MESSAGES

MAX_POINTS = 32
MAX_DAYS = 3
#: two points this close in time are judged as this far apart (no division by zero)
MIN_INTERVAL_MS = 1_000

TrackState = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LocationPoint:
    """One precise position of one person (from a LocationRecorded)."""

    event_id: str
    nip: str
    opd_id: str
    work_date: date
    at_ms: int
    lat: float
    lon: float
    mock_location: bool = False


def cell_of(lat: float, lon: float, decimals: int) -> str:
    """The position rounded to ``decimals``: the cell the static and shared rules compare."""
    return f"{round(lat, decimals):.{decimals}f},{round(lon, decimals):.{decimals}f}"


def observe_point(
    state: TrackState | None, point: LocationPoint, t: AttendanceThresholds
) -> tuple[TrackState | None, list[Finding]]:
    """The person's state after ``point``, and what it reveals (None: state unchanged)."""
    state = state or {"pts": [], "days": {}}
    pts: list[list[Any]] = [list(p) for p in state.get("pts", [])]
    if any(p[3] == point.event_id for p in pts):
        return None, []
    decimals = t.shared_cell_decimals
    lat, lon = round(point.lat, decimals), round(point.lon, decimals)
    findings: list[Finding] = []
    if point.mock_location:
        findings.append(_mock(point))
    travel = _impossible_travel(pts, point, lat, lon, t)
    if travel is not None:
        findings.append(travel)
    entry = [point.at_ms, lat, lon, point.event_id]
    insort(pts, entry)
    if len(pts) > MAX_POINTS:
        pts = pts[-MAX_POINTS:]
    days, static = _static(dict(state.get("days", {})), point, cell_of(lat, lon, decimals), t)
    if static is not None:
        findings.append(static)
    return {"pts": pts, "days": days}, findings


def _mock(point: LocationPoint) -> Finding:
    at = from_ms(point.at_ms)
    return Finding(
        kind="mock_location",
        nip=point.nip,
        opd_id=point.opd_id,
        work_date=point.work_date,
        at=at,
        evidence={"mock_location": True, "cell": coarse_cell(point.lat, point.lon)},
        thresholds={},
        **MESSAGES.text("anomaly.mock_location", at=at).as_messages(),
        signal_id=point.event_id,
        source_event_ids=(point.event_id,),
    )


def _impossible_travel(
    pts: list[list[Any]], point: LocationPoint, lat: float, lon: float, t: AttendanceThresholds
) -> Finding | None:
    """The fastest jump between ``point`` and its neighbours by time, when impossible."""
    before = [p for p in pts if p[0] <= point.at_ms]
    after = [p for p in pts if p[0] > point.at_ms]
    neighbours = ([before[-1]] if before else []) + ([after[0]] if after else [])
    worst: tuple[float, float, float, list[Any]] | None = None
    for other in neighbours:
        distance = haversine_m((other[1], other[2]), (lat, lon))
        interval_ms = max(abs(point.at_ms - other[0]), MIN_INTERVAL_MS)
        speed = distance / 1000 / (interval_ms / 3_600_000)
        if (
            distance > t.impossible_min_distance_m
            and speed > t.impossible_speed_kmh
            and (worst is None or speed > worst[0])
        ):
            worst = (speed, distance, interval_ms / 60_000, other)
    if worst is None:
        return None
    speed, distance, minutes, other = worst
    km = distance / 1000
    return Finding(
        kind="impossible_travel",
        nip=point.nip,
        opd_id=point.opd_id,
        work_date=point.work_date,
        at=from_ms(point.at_ms),
        evidence={
            "distance_m": round(distance),
            "minutes": round(minutes, 1),
            "speed_kmh": round(speed, 1),
            "from_cell": coarse_cell(other[1], other[2]),
            "to_cell": coarse_cell(lat, lon),
        },
        thresholds={
            "impossible_speed_kmh": t.impossible_speed_kmh,
            "impossible_min_distance_m": t.impossible_min_distance_m,
        },
        **MESSAGES.text(
            "anomaly.impossible_travel",
            km=km,
            minutes=minutes,
            speed=speed,
            limit_kmh=t.impossible_speed_kmh,
        ).as_messages(),
        signal_id=point.event_id,
        source_event_ids=(str(other[3]), point.event_id),
    )


def _static(
    days: dict[str, dict[str, Any]], point: LocationPoint, cell: str, t: AttendanceThresholds
) -> tuple[dict[str, dict[str, Any]], Finding | None]:
    """Count the day's points on one cell; flag once when enough span long enough."""
    key = point.work_date.isoformat()
    day = days.get(key)
    if day is None:
        day = {"cell": cell, "n": 0, "first": point.at_ms, "last": point.at_ms}
        day.update(varied=False, flagged=False)
    else:
        day = dict(day)
    if day["cell"] != cell:
        day["varied"] = True
    day["n"] += 1
    day["first"] = min(day["first"], point.at_ms)
    day["last"] = max(day["last"], point.at_ms)
    days[key] = day
    if len(days) > MAX_DAYS:
        for old in sorted(days)[: len(days) - MAX_DAYS]:
            del days[old]
    span_minutes = (day["last"] - day["first"]) / 60_000
    if (
        day["varied"]
        or day["flagged"]
        or day["n"] < t.static_min_points
        or span_minutes < t.static_min_span_minutes
        or key not in days
    ):
        return days, None
    day["flagged"] = True
    lat, lon = (float(v) for v in day["cell"].split(","))
    hours = span_minutes / 60
    finding = Finding(
        kind="static_coordinates",
        nip=point.nip,
        opd_id=point.opd_id,
        work_date=point.work_date,
        at=from_ms(point.at_ms),
        evidence={
            "points": day["n"],
            "span_minutes": round(span_minutes, 1),
            "cell": coarse_cell(lat, lon),
            "cell_decimals": t.shared_cell_decimals,
        },
        thresholds={
            "static_min_points": t.static_min_points,
            "static_min_span_minutes": t.static_min_span_minutes,
            "shared_cell_decimals": t.shared_cell_decimals,
        },
        **MESSAGES.text(
            "anomaly.static_coordinates",
            points=day["n"],
            hours=hours,
            day=point.work_date.isoformat(),
        ).as_messages(),
        source_event_ids=(point.event_id,),
    )
    return days, finding
