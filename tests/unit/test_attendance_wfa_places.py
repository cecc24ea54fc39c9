"""Attendance's facts take the declared WFA place from the restricted topic, never from the
request (which carries only its cell), and from the bytes of a request recorded before."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiokafka import TopicPartition

from kernel.thresholds import AttendanceThresholds
from schemas import (
    GeoPoint,
    SharedPlace,
    WfaApproved,
    WfaLocationDeclared,
    WfaRequested,
    WorkTarget,
    encode_json,
    new_event,
    new_ulid,
    to_record,
)
from schemas.events import EventPayload
from schemas.topics import LOCATIONS, REQUESTS
from services.attendance.domain.assessment import ApprovedWfa
from services.attendance.facts_directory import FactsDirectory, legacy_point

NIP = "199001012015031001"
SUPERVISOR = "198001012005011001"
DAY = date(2026, 12, 2)
POINT = GeoPoint(lat=-6.1754321, lon=106.8272123, address="Jl. Melati 7")


def _facts() -> FactsDirectory:
    return FactsDirectory(["127.0.0.1:1"], "test", AttendanceThresholds())


def _value(payload: EventPayload) -> bytes:
    return to_record(new_event(payload, actor=NIP, subject=NIP, opd_id="opd-1")).value


def _take(facts: FactsDirectory, topic: str, value: bytes) -> None:
    facts._take(value, TopicPartition(topic, 0), 0)


def _requested(request_id: str, location_id: str | None) -> WfaRequested:
    return WfaRequested(
        request_id=request_id,
        nip=NIP,
        work_unit_id="unit-1",
        dates=[DAY],
        place=SharedPlace.of(POINT, location_id=location_id),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )


def _approved(request_id: str) -> WfaApproved:
    return WfaApproved(request_id=request_id, nip=NIP, approver_nip=SUPERVISOR)


def test_the_place_comes_from_the_restricted_record_whatever_the_order() -> None:
    facts = _facts()
    request_id, location_id = new_ulid(), new_ulid()
    _take(facts, REQUESTS, _value(_requested(request_id, location_id)))
    _take(facts, REQUESTS, _value(_approved(request_id)))

    # approved, but the place is not read yet: WFA without a measure
    assert facts.approved_wfa(NIP, DAY) == ApprovedWfa(request_id, None)

    declared = WfaLocationDeclared(
        location_id=location_id, request_id=request_id, nip=NIP, dates=[DAY], location=POINT
    )
    _take(facts, LOCATIONS, _value(declared))

    assert facts.approved_wfa(NIP, DAY) == ApprovedWfa(request_id, (-6.1754321, 106.8272123))
    assert facts.approved_wfa(NIP, date(2026, 12, 3)) is None


def test_the_check_ins_on_the_locations_topic_are_not_read() -> None:
    facts = _facts()
    _take(facts, LOCATIONS, b'{"type":"LocationRecorded","not":"even an event"}')
    _take(facts, LOCATIONS, b"")

    assert facts.skipped == 0  # skipped unread, not decoded and refused


def _v3_record(request_id: str) -> bytes:
    """A WfaRequested as a v3 producer wrote it: the precise point inside."""
    envelope = new_event(_requested(request_id, None), actor=NIP, subject=NIP, opd_id="opd-1")
    raw: dict[str, Any] = envelope.model_dump(mode="json")
    raw["schema_version"] = 3
    payload = dict(raw["payload"])
    del payload["place"]
    payload["location"] = {"lat": POINT.lat, "lon": POINT.lon, "address": None}
    raw["payload"] = payload
    return encode_json(raw)


def test_a_request_recorded_before_gives_its_own_point() -> None:
    facts = _facts()
    request_id = new_ulid()
    _take(facts, REQUESTS, _v3_record(request_id))
    _take(facts, REQUESTS, _value(_approved(request_id)))

    assert facts.approved_wfa(NIP, DAY) == ApprovedWfa(request_id, (-6.1754321, 106.8272123))


def test_legacy_point_reads_only_old_requests() -> None:
    v1 = {
        "type": "WfaRequested",
        "schema_version": 1,
        "payload": {"request_id": "r-1", "lat": -6.2, "lon": 106.8},
    }
    v4 = {"type": "WfaRequested", "schema_version": 4, "payload": {"request_id": "r-2"}}
    other = {"type": "WfaApproved", "schema_version": 1, "payload": {"request_id": "r-3"}}

    assert legacy_point(v1) == ("r-1", (-6.2, 106.8))
    assert legacy_point(v4) is None
    assert legacy_point(other) is None
    assert legacy_point({"type": "WfaRequested", "schema_version": 2, "payload": {}}) is None
