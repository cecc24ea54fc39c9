"""Crafted attendance events at the current contract version (derived facts, and a check-in
with its restricted position), for tests that publish presence straight onto the topics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from schemas import Envelope, new_event, new_ulid
from schemas.events import (
    AnomalyKind,
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    EmployeeRegistered,
    GeoPoint,
    HeartbeatReceived,
    LocationPinged,
    LocationRecorded,
    Mode,
    PlaceAssessment,
)
from schemas.ids import derived_ulid
from tests.support.province import Opd

WIB = timedelta(hours=7)


def place(
    *, inside: bool = True, cell: str = "-6.18,106.82", mode: Mode = "office"
) -> PlaceAssessment:
    return PlaceAssessment(
        derived_mode=mode,
        declared_mode=mode,
        reference="office_geofence" if mode == "office" else "wfa_location",
        reference_id="kantor-1",
        inside=inside,
        distance_band="within_100m" if inside else "1km_5km",
        cell=cell,
    )


def _facts(nip: str, at: datetime, *, working_day: bool, device_seq: int | None) -> dict[str, Any]:
    return {
        "nip": nip,
        "at": at,
        "received_at": at,
        "work_date": (at + WIB).date(),
        "timezone": "WIB",
        "working_day": working_day,
        "device_id": "dev-1",
        "device_seq": device_seq,
    }


def signal(
    kind: str,
    nip: str,
    opd_id: str,
    at: datetime,
    *,
    working_day: bool = True,
    inside: bool = True,
    seq: int | None = None,
    mode: Mode = "office",
) -> Envelope:
    """A presence signal (check_in, check_out, ping or heartbeat) of ``nip`` at ``at``."""
    facts = _facts(nip, at, working_day=working_day, device_seq=seq)
    located = {**facts, "place": place(inside=inside, mode=mode), "location_id": new_ulid()}
    payload: CheckedIn | CheckedOut | LocationPinged | HeartbeatReceived
    if kind == "check_in":
        payload = CheckedIn(**located, checkin_id=new_ulid(), minutes_after_start=0)
    elif kind == "check_out":
        payload = CheckedOut(**located, checkout_id=new_ulid())
    elif kind == "ping":
        payload = LocationPinged(**located, ping_id=new_ulid())
    else:
        payload = HeartbeatReceived(**facts, heartbeat_id=new_ulid())
    return new_event(payload, actor=nip, subject=nip, opd_id=opd_id, occurred_at=at)


def anomaly(
    kind: AnomalyKind, nip: str, opd_id: str, at: datetime, *, detected_by: str = "stream"
) -> Envelope:
    """An anomaly whose event id follows from (kind, NIP, work date): republishing it is a
    duplicate of the same event."""
    work_date: date = (at + WIB).date()
    anomaly_id = derived_ulid(f"{kind}|{nip}|{work_date}", int(at.timestamp() * 1000))
    payload = AttendanceAnomalyDetected(
        anomaly_id=anomaly_id,
        nip=nip,
        kind=kind,
        work_date=work_date,
        at=at,
        detected_by=detected_by,  # type: ignore[arg-type]
        evidence={"distance_m": 2400, "distance_band": "1km_5km"},
        thresholds={"office_radius_m": 200.0},
        source_event_ids=[new_ulid()],
        message_id=f"Anomali {kind} terdeteksi.",
        message_en=f"Anomaly {kind} detected.",
    )
    return new_event(
        payload,
        actor="system:attendance",
        subject=nip,
        opd_id=opd_id,
        occurred_at=at,
        event_id=anomaly_id,
    )


def utc(day: date, hour: int, minute: float = 0) -> datetime:
    """``hour:minute`` local WIB time on ``day``, as UTC."""
    return (
        datetime(day.year, day.month, day.day, tzinfo=UTC)
        - WIB
        + timedelta(hours=hour, minutes=minute)
    )


def roster_events(opd: Opd) -> list[Envelope]:
    """The OPD's head (whom the roster names its head), supervisors and staff as
    registrations on the roster topic."""
    people: list[tuple[str, str, str | None]] = [(opd.head, "pimpinan", None)]
    for unit in opd.units:
        people.append((unit.supervisor, unit.unit_id, opd.head))
        people.extend((nip, unit.unit_id, unit.supervisor) for nip in unit.staff)
    return [
        new_event(
            EmployeeRegistered(
                nip=nip,
                name=f"Pegawai {nip[-4:]}",
                opd_id=opd.opd_id,
                work_unit_id=unit_id,
                position="Analis",
                position_category="administrasi",
                supervisor_nip=supervisor,
                employment_type="PNS",
                appointment_date=date(2015, 3, 1),
                heads_opd=opd.opd_id if nip == opd.head else None,
                head_capacity="kepala" if nip == opd.head else None,
            ),
            actor="system:roster-import",
            subject=nip,
            opd_id=opd.opd_id,
        )
        for nip, unit_id, supervisor in people
    ]


def check_in_with_position(
    nip: str, opd: str, day: date, lat: float = -6.1754321, lon: float = 106.8271234
) -> list[Envelope]:
    """A check-in as the attendance edge records it: the derived fact, and the precise
    position on the restricted locations topic."""
    now = datetime.now(UTC)
    checkin_id, location_id = new_ulid(), new_ulid()
    assessed = PlaceAssessment(
        derived_mode="office",
        reference="none",
        inside=None,
        distance_band="unknown",
        cell=f"{round(lat, 2):.2f},{round(lon, 2):.2f}",
    )
    derived = CheckedIn(
        checkin_id=checkin_id,
        nip=nip,
        at=now,
        received_at=now,
        work_date=day,
        timezone="WIB",
        working_day=True,
        place=assessed,
        location_id=location_id,
    )
    precise = LocationRecorded(
        location_id=location_id,
        nip=nip,
        signal="check_in",
        source_event_id=checkin_id,
        at=now,
        received_at=now,
        work_date=day,
        location=GeoPoint(lat=lat, lon=lon),
        accuracy_m=8.0,
    )
    return [
        new_event(derived, actor=nip, subject=nip, opd_id=opd, event_id=checkin_id),
        new_event(precise, actor=nip, subject=nip, opd_id=opd, event_id=location_id),
    ]


def pinged_position(
    nip: str,
    opd_id: str,
    when: datetime,
    lat: float,
    lon: float,
    *,
    day: date,
    mock: bool = False,
    device_seq: int | None = None,
) -> Envelope:
    """The restricted record of a ping's precise position (8 m accuracy, device ``dev-1``),
    received two seconds after ``when``, as the detector reads it."""
    event_id = new_ulid()
    payload = LocationRecorded(
        location_id=event_id,
        nip=nip,
        signal="ping",
        source_event_id=new_ulid(),
        at=when,
        received_at=when + timedelta(seconds=2),
        work_date=day,
        location=GeoPoint(lat=round(lat, 7), lon=round(lon, 7)),
        accuracy_m=8.0,
        device_id="dev-1",
        device_seq=device_seq,
        mock_location=mock,
    )
    return new_event(
        payload, actor=nip, subject=nip, opd_id=opd_id, occurred_at=when, event_id=event_id
    )
