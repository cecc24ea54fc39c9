"""The Cirebon pattern: one exact coordinate shared by different ASN on the same day.

The location stream is re-keyed by (work date, coordinate cell at the threshold's decimals),
so everyone seen on one cell on one day meets in one table entry, on one partition. State of a
cell-day: ``{"people": {nip: [opd_id, at_ms, event_id, flagged]}}`` (no coordinates: the cell
is the key). When the distinct people reach ``shared_min_people``, each of them is flagged
once; anyone arriving later is flagged as they come. At most :data:`MAX_PEOPLE` are kept;
arrivals beyond that on a cell already shared are flagged without being kept.
"""

from __future__ import annotations

from typing import Any

from kernel.geometry import coarse_cell
from kernel.thresholds import AttendanceThresholds
from services.detector.domain.findings import Finding, from_ms
from services.detector.domain.track import LocationPoint, cell_of
from services.detector.messages import MESSAGES

MAX_PEOPLE = 1_000

CellState = dict[str, Any]


def day_cell_key(point: LocationPoint, decimals: int) -> str:
    """``"<work_date>|<lat>,<lon>"``: the key of the repartitioned location stream."""
    return f"{point.work_date.isoformat()}|{cell_of(point.lat, point.lon, decimals)}"


def observe_in_cell(
    state: CellState | None, point: LocationPoint, t: AttendanceThresholds
) -> tuple[CellState | None, list[Finding]]:
    """The cell-day after ``point``, and whom it shows sharing it (None: unchanged)."""
    people: dict[str, list[Any]] = dict((state or {}).get("people", {}))
    if point.nip in people:
        return None, []
    count = len(people) + 1
    findings: list[Finding] = []
    if len(people) >= MAX_PEOPLE:
        if count >= t.shared_min_people:
            findings.append(_shared(point.nip, point.opd_id, point.at_ms, point, count, t))
        return None, findings
    people[point.nip] = [point.opd_id, point.at_ms, point.event_id, False]
    if count >= t.shared_min_people:
        for nip, (opd_id, at_ms, event_id, flagged) in sorted(people.items()):
            if flagged:
                continue
            findings.append(_shared(nip, opd_id, at_ms, point, count, t, event_id))
            people[nip] = [opd_id, at_ms, event_id, True]
    return {"people": people}, findings


def _shared(
    nip: str,
    opd_id: str,
    at_ms: int,
    point: LocationPoint,
    count: int,
    t: AttendanceThresholds,
    event_id: str | None = None,
) -> Finding:
    day = point.work_date.isoformat()
    return Finding(
        kind="shared_coordinates",
        nip=nip,
        opd_id=opd_id,
        work_date=point.work_date,
        at=from_ms(at_ms),
        evidence={
            "people": count,
            "cell": coarse_cell(point.lat, point.lon),
            "cell_decimals": t.shared_cell_decimals,
        },
        thresholds={
            "shared_min_people": t.shared_min_people,
            "shared_cell_decimals": t.shared_cell_decimals,
        },
        **MESSAGES.text("anomaly.shared_coordinates", count=count, day=day).as_messages(),
        source_event_ids=(event_id or point.event_id,),
    )
