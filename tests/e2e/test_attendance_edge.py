"""The attendance edge as a real process on a real broker: derived mode, geofences, the edge
anomalies, device binding, the offline queue, and no precise coordinate outside the
restricted locations topic.

The roster, the policy, the geofence and the WFA approvals are published as the events the
other services publish; devices are registered through the attendance API.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from kernel.policy import OpdPolicy
from schemas import (
    EmployeeRegistered,
    Envelope,
    EventPayload,
    GeofenceSet,
    OpdPolicyPublished,
    WfaApproved,
    WfaRequested,
    new_event,
    new_ulid,
    to_record,
)
from schemas.events import GeoPoint, PolygonShape, SharedPlace, WfaLocationDeclared, WorkTarget
from schemas.topics import ATTENDANCE, LOCATIONS
from services.runtime.edge.identity import Role
from tests.support.devices import register_device
from tests.support.event_log import read_events
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import ADMIN_NIP, NATIONAL_DAYS, new_nip
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

# precise positions with 5 decimals: none of them may appear on the attendance topic
OFFICE = (-6.18163, 106.82894)
HOME = (-6.26037, 106.78042)
FAR = (-6.15321, 106.84417)  # about 3.5 km from the office
SQUARE = (
    (-6.18263, 106.82794),
    (-6.18263, 106.82994),
    (-6.18063, 106.82994),
    (-6.18063, 106.82794),
)
WIB = timedelta(hours=7)
SENT: set[tuple[float, float]] = set()
"""Every precise position posted."""


def _work_instant() -> tuple[datetime, bool]:
    """An instant on a weekday (now, or last Friday 10:00 WIB at the weekend), and whether it
    had to be moved into the past."""
    now = datetime.now(UTC)
    local = now + WIB
    if local.weekday() < 5:
        return now - timedelta(seconds=30), False
    friday = local.date() - timedelta(days=local.weekday() - 4)
    return datetime(friday.year, friday.month, friday.day, 3, 0, tzinfo=UTC), True


AT, MOVED = _work_instant()
WORK_DATE: date = (AT + WIB).date()


class Province:
    def __init__(self) -> None:
        self.opd_id = f"opd-edge-{uuid.uuid4().hex[:8]}"
        self.fenced_unit = "bidang-fenced"
        self.plain_unit = "bidang-plain"
        self.geofence_id = f"gf-{uuid.uuid4().hex[:8]}"
        self.nips: dict[str, str] = {}

    def nip(self, name: str) -> str:
        return self.nips.setdefault(name, new_nip())


def _employee(nip: str, opd_id: str, unit: str) -> EmployeeRegistered:
    return EmployeeRegistered(
        nip=nip,
        name=f"Pegawai {nip[-4:]}",
        opd_id=opd_id,
        work_unit_id=unit,
        position="Analis",
        position_category="administrasi",
        supervisor_nip=None,
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
        office_location=GeoPoint(lat=OFFICE[0], lon=OFFICE[1]),
    )


async def _publish(bootstrap: str, items: list[tuple[EventPayload, str, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for payload, subject, opd_id in items:
            record = to_record(new_event(payload, actor=ADMIN_NIP, subject=subject, opd_id=opd_id))
            await producer.send_and_wait(
                record.topic, value=record.value, key=record.key, headers=record.headers
            )
    finally:
        await producer.stop()


def _approved_wfa(nip: str, unit: str) -> list[EventPayload]:
    request_id, location_id = new_ulid(), new_ulid()
    home = GeoPoint(lat=HOME[0], lon=HOME[1])
    return [
        # the precise place on the restricted topic; the request carries its cell
        WfaLocationDeclared(
            location_id=location_id,
            request_id=request_id,
            nip=nip,
            dates=[WORK_DATE],
            location=home,
        ),
        WfaRequested(
            request_id=request_id,
            nip=nip,
            work_unit_id=unit,
            dates=[WORK_DATE],
            place=SharedPlace.of(home, location_id=location_id),
            reason="Menyusun laporan evaluasi",
            work_plan=[WorkTarget(description="Draf laporan", target=1, unit="dokumen")],
        ),
        WfaApproved(request_id=request_id, nip=nip, approver_nip=ADMIN_NIP),
    ]


@pytest.fixture(scope="module")
def province(kafka_bootstrap: str) -> Province:
    p = Province()
    items: list[tuple[EventPayload, str, str]] = []
    for name in ("honest_office", "outside", "remote", "clock", "offline", "mismatch_device"):
        nip = p.nip(name)
        items.append((_employee(nip, p.opd_id, p.fenced_unit), nip, p.opd_id))
    for name in ("honest_plain", "unregistered"):
        nip = p.nip(name)
        items.append((_employee(nip, p.opd_id, p.plain_unit), nip, p.opd_id))
    for name in ("honest_wfa", "far_wfa", "mode_mismatch"):
        nip = p.nip(name)
        items.append((_employee(nip, p.opd_id, p.fenced_unit), nip, p.opd_id))
        items.extend((payload, nip, p.opd_id) for payload in _approved_wfa(nip, p.fenced_unit))
    policy = OpdPolicy.from_settings(
        p.opd_id,
        1,
        date(2020, 1, 1),
        {"wfa_enabled": True, "holidays": [], "joint_leave": [], "working_days": NATIONAL_DAYS},
    )
    items.append(
        (
            OpdPolicyPublished(
                opd_id=p.opd_id,
                version=1,
                effective_from=date(2020, 1, 1),
                settings=policy.settings(),
            ),
            ADMIN_NIP,
            p.opd_id,
        )
    )
    items.append(
        (
            GeofenceSet(
                geofence_id=p.geofence_id,
                opd_id=p.opd_id,
                work_unit_id=p.fenced_unit,
                name="Gedung uji",
                shape=PolygonShape(points=[GeoPoint(lat=a, lon=b) for a, b in SQUARE]),
                set_by=ADMIN_NIP,
            ),
            ADMIN_NIP,
            p.opd_id,
        )
    )
    asyncio.run(_publish(kafka_bootstrap, items))
    return p


@pytest.fixture(scope="module")
def attendance(shared_platform: SharedPlatform, province: Province) -> ServiceProcess:
    proc = shared_platform["attendance"]
    for name, nip in province.nips.items():
        if name != "unregistered":
            register_device(proc.url, nip, province.opd_id)
    return proc


def _post(
    proc: ServiceProcess,
    province: Province,
    name: str,
    where: tuple[float, float] | None,
    path: str = "check-ins",
    **fields: Any,
) -> httpx.Response:
    nip = province.nip(name)
    # on a weekday each record happens a moment before it is sent, however long the session
    # ran before this module's tests (more than 2 minutes later it would be late-synced)
    at = AT if MOVED else _work_instant()[0]
    body: dict[str, Any] = {"device_id": f"hp-{nip}", "at": at.isoformat(), **fields}
    body.setdefault("sent_at", datetime.now(UTC).isoformat())
    if where is not None:
        # people are never on one coordinate (the stream detector would rightly flag that)
        step = int(nip[-3:]) % 97 + 1
        lat, lon = round(where[0] + step * 3e-6, 6), round(where[1] - step * 2e-6, 6)
        SENT.add((lat, lon))
        body["location"] = {"lat": lat, "lon": lon}
        body.setdefault("accuracy_m", 8)
    return httpx.post(
        f"{proc.url}/attendance/{path}",
        json=body,
        headers=bearer(Role.ASN, nip, province.opd_id),
        timeout=30,
    )


def _recorded(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    assessment: dict[str, Any] = response.json()["assessment"]
    assert assessment["work_date"] == WORK_DATE.isoformat()
    assert assessment["working_day"] is True
    return assessment


def test_an_office_day_is_measured_against_the_work_units_geofence(
    attendance: ServiceProcess, province: Province
) -> None:
    inside = _recorded(_post(attendance, province, "honest_office", OFFICE, mode="office"))
    assert inside["derived_mode"] == "office" and inside["declared_mode"] == "office"
    assert inside["reference"] == "office_geofence"
    assert inside["reference_id"] == province.geofence_id
    assert inside["inside"] is True and inside["distance_band"] == "within_100m"
    assert inside["anomalies"] == []
    assert inside["late_synced"] is MOVED
    assert inside["cell"] == "-6.18,106.83"
    # the roster's office location where no geofence is set
    plain = _recorded(_post(attendance, province, "honest_plain", OFFICE))
    assert (plain["reference"], plain["reference_id"], plain["inside"]) == (
        "office_geofence",
        None,
        True,
    )
    assert plain["anomalies"] == []


def test_an_approved_wfa_day_is_measured_against_the_wfa_location(
    attendance: ServiceProcess, province: Province
) -> None:
    near_home = (HOME[0] + 0.001, HOME[1] + 0.001)
    wfa = _recorded(_post(attendance, province, "honest_wfa", near_home, mode="wfa"))
    assert (wfa["derived_mode"], wfa["reference"], wfa["inside"]) == (
        "wfa",
        "wfa_location",
        True,
    )
    assert wfa["reference_id"] and wfa["anomalies"] == []
    # honest signals of the rest of the day: a ping, a heartbeat, the check-out
    assert (
        _recorded(_post(attendance, province, "honest_wfa", near_home, "pings"))["anomalies"] == []
    )
    assert (
        _recorded(_post(attendance, province, "honest_wfa", None, "heartbeats"))["anomalies"] == []
    )
    assert (
        _recorded(_post(attendance, province, "honest_wfa", near_home, "check-outs"))["anomalies"]
        == []
    )


@pytest.mark.parametrize(
    ("name", "where", "fields", "kinds"),
    [
        ("outside", FAR, {}, ["outside_geofence"]),
        ("far_wfa", OFFICE, {"mode": "wfa"}, ["far_from_wfa_location"]),
        ("remote", OFFICE, {"mode": "wfa"}, ["remote_without_approval"]),
        ("mode_mismatch", HOME, {"mode": "office"}, ["mode_mismatch"]),
        ("clock", OFFICE, {"sent_at": "CLOCK"}, ["clock_tampering"]),
    ],
)
def test_each_edge_anomaly_is_answered_and_published(
    attendance: ServiceProcess,
    kafka_bootstrap: str,
    province: Province,
    name: str,
    where: tuple[float, float],
    fields: dict[str, Any],
    kinds: list[str],
) -> None:
    if fields.get("sent_at") == "CLOCK":
        fields = {"sent_at": (datetime.now(UTC) - timedelta(minutes=20)).isoformat()}
    answer = _post(attendance, province, name, where, **fields)
    assessment = _recorded(answer)
    assert assessment["anomalies"] == kinds
    nip = province.nip(name)
    source = answer.json()["event_id"]
    anomalies = asyncio.run(
        read_events(
            kafka_bootstrap,
            ATTENDANCE,
            lambda e: (
                e.subject == nip
                and e.type == "AttendanceAnomalyDetected"
                and e.payload["detected_by"] == "edge"
            ),
        )
    )
    assert [a.payload["kind"] for a in anomalies] == kinds
    anomaly = anomalies[0].payload
    assert anomaly["detected_by"] == "edge" and anomaly["source_event_ids"] == [source]
    assert anomaly["message_id"] and anomaly["message_en"]
    # judged by a number: the number is recorded with it
    assert bool(anomaly["thresholds"]) is (
        kinds[0] not in ("remote_without_approval", "mode_mismatch")
    )
    assert anomalies[0].event_id == anomaly["anomaly_id"]


def test_presence_only_from_the_bound_device(
    attendance: ServiceProcess, province: Province
) -> None:
    other = _post(attendance, province, "mismatch_device", OFFICE, device_id="hp-lain")
    assert other.status_code == 403, other.text
    error = other.json()["error"]
    assert error["code"] == "device_mismatch" and error["message_id"] and error["message_en"]
    unregistered = _post(attendance, province, "unregistered", OFFICE)
    assert unregistered.status_code == 403, unregistered.text
    assert unregistered.json()["error"]["code"] == "device_not_registered"
    assert "/attendance/devices" in unregistered.json()["error"]["message_en"]
    # registering the new device, then checking in from it at once, is accepted
    nip = province.nip("mismatch_device")
    register_device(attendance.url, nip, province.opd_id, "hp-baru")
    assert _post(attendance, province, "mismatch_device", OFFICE, device_id="hp-baru").is_success
    old = _post(attendance, province, "mismatch_device", OFFICE)
    assert old.status_code == 403 and old.json()["error"]["code"] == "device_mismatch"


@pytest.mark.parametrize("path", ["check-ins", "check-outs", "pings"])
def test_coordinates_are_json_numbers_only(
    attendance: ServiceProcess, province: Province, path: str
) -> None:
    """A coordinate or an accuracy sent as a string, or a boolean, is refused with a 422
    naming the field; nothing is recorded."""
    nip = province.nip("honest_office")
    lat, lon = OFFICE
    for location, extra, field in (
        ({"lat": str(lat), "lon": lon}, {}, "lat"),
        ({"lat": lat, "lon": str(lon)}, {}, "lon"),
        ({"lat": True, "lon": lon}, {}, "lat"),
        ({"lat": lat, "lon": False}, {}, "lon"),
        ({"lat": lat, "lon": lon}, {"accuracy_m": "8"}, "accuracy_m"),
    ):
        body = {"device_id": f"hp-{nip}", "location": location, **extra}
        answer = httpx.post(
            f"{attendance.url}/attendance/{path}",
            json=body,
            headers=bearer(Role.ASN, nip, province.opd_id),
            timeout=30,
        )
        assert answer.status_code == 422, (body, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "invalid_request" and error["message_id"] and error["message_en"]
        assert [d["loc"][-1] for d in error["details"]] == [field], error["details"]


def test_the_offline_queue(attendance: ServiceProcess, province: Province) -> None:
    queued = _post(attendance, province, "offline", OFFICE, recorded_offline=True)
    assert _recorded(queued)["late_synced"] is True
    too_old = _post(
        attendance,
        province,
        "offline",
        OFFICE,
        at=(datetime.now(UTC) - timedelta(hours=80)).isoformat(),
        recorded_offline=True,
    )
    assert too_old.status_code == 422, too_old.text
    error = too_old.json()["error"]
    assert error["code"] == "offline_record_too_old"
    assert "72" in error["message_id"] and "72" in error["message_en"]
    future = _post(
        attendance,
        province,
        "offline",
        OFFICE,
        at=(datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    )
    assert future.status_code == 422 and future.json()["error"]["code"] == "presence_time_in_future"


async def _raw_values(bootstrap: str, topic: str, nips: set[str]) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[bytes] = []
    try:
        while batch := await consumer.getmany(timeout_ms=3000):
            for messages in batch.values():
                found.extend(
                    m.value for m in messages if m.key and m.key.decode() in nips and m.value
                )
        return found
    finally:
        await consumer.stop()


def test_no_precise_coordinate_outside_the_restricted_topic(
    attendance: ServiceProcess, kafka_bootstrap: str, province: Province
) -> None:
    # runs last: every track above has been recorded by now
    nips = set(province.nips.values())
    facts = asyncio.run(_raw_values(kafka_bootstrap, ATTENDANCE, nips))
    assert len(facts) >= 12
    precise = [f"{c:.5f}".encode() for point in (*SENT, OFFICE, HOME, FAR) for c in point]
    for value in facts:
        assert not any(text in value for text in precise), value
        assert b'"location":{' not in value
    located: list[Envelope] = asyncio.run(
        read_events(
            kafka_bootstrap,
            LOCATIONS,
            lambda e: e.subject in nips and e.type == "LocationRecorded",
        )
    )
    assert len(located) >= 10
    assert {(e.payload["location"]["lat"], e.payload["location"]["lon"]) for e in located} <= SENT
    assert len({e.payload["location"]["lat"] for e in located}) >= 8
    checked_in = asyncio.run(
        read_events(
            kafka_bootstrap,
            ATTENDANCE,
            lambda e: e.subject in nips and e.type == "CheckedIn",
        )
    )
    location_ids = {e.payload["location_id"] for e in checked_in}
    assert location_ids <= {e.event_id for e in located}
