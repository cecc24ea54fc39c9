"""The hot path's records, written without pydantic models, read exactly like validated ones.

Attendance publishes check-ins with :func:`schemas.serialization.record_from_parts` from the
payloads its domain builds (:func:`presence_payloads`). For every shape those payloads take
(each signal kind, on a WFA day and an office day, with and without anomalies, a heartbeat, a
declared mode, an offline record, missing optional values), the record decodes through the
contract to the same envelope and payload as the validated path (``presence_events`` →
``new_event`` → ``to_record``) gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kernel.thresholds import AttendanceThresholds
from schemas import new_event, new_ulid
from schemas.events import GeoPoint
from schemas.exceptions import MalformedEvent
from schemas.serialization import read_event, record_from_parts, to_record
from services.attendance.domain.assessment import (
    ApprovedWfa,
    Signal,
    assess,
    office_reference,
)
from services.attendance.domain.presence_events import (
    DeviceFacts,
    presence_events,
    presence_payloads,
)
from services.attendance.domain.timing import work_day

NIP = "199001012015031001"
OPD = "dinas-uji"
T = AttendanceThresholds()
OFFICE = (-6.1816, 106.8289)
HOME = (-6.26037, 106.78042)
AT = datetime(2026, 12, 1, 0, 25, 13, 123456, tzinfo=UTC)
LOCATION_ID = new_ulid()
SIGNAL_ID = new_ulid()

CASES: dict[str, dict[str, Any]] = {
    "honest office check-in": {"kind": "check_in", "where": OFFICE},
    "check-in from home, WFA declared, none approved": {
        "kind": "check_in",
        "where": HOME,
        "declared": "wfa",
    },
    "approved WFA, far away, office declared": {
        "kind": "check_in",
        "where": (-6.595, 106.8166),
        "declared": "office",
        "wfa": True,
    },
    "check-out, offline, tampered clock": {
        "kind": "check_out",
        "where": OFFICE,
        "offline": True,
        "sent_at": AT - timedelta(hours=3),
    },
    "ping on a WFA day": {"kind": "ping", "where": HOME, "wfa": True},
    "heartbeat": {"kind": "heartbeat", "where": None},
    "no accuracy, no device sequence": {"kind": "check_in", "where": OFFICE, "bare": True},
}


def _outgoing(case: dict[str, Any]) -> tuple[Signal, Any, Any]:
    where = case["where"]
    at = AT - timedelta(days=1) if case.get("offline") else AT
    signal = Signal(
        kind=case["kind"],
        nip=NIP,
        event_id=SIGNAL_ID,
        at=at,
        received_at=AT + timedelta(seconds=1),
        sent_at=case.get("sent_at"),
        recorded_offline=bool(case.get("offline")),
        location=where,
        accuracy_m=None if case.get("bare") else 8.5,
        declared_mode=case.get("declared"),
    )
    day = work_day(at, OPD, None)
    wfa = ApprovedWfa(new_ulid(), HOME) if case.get("wfa") else None
    assessment = assess(signal, day, office_reference(None, None, OFFICE, T), wfa, T)
    device = DeviceFacts(
        device_id="hp-1",
        device_seq=None if case.get("bare") else 41,
        mock_location=False,
        location=GeoPoint(lat=where[0], lon=where[1]) if where else None,
    )
    location_id = LOCATION_ID if where else None
    return signal, assessment, (device, location_id)


@pytest.mark.parametrize("name", list(CASES))
def test_fast_records_decode_like_validated_ones(name: str) -> None:
    signal, assessment, (device, location_id) = _outgoing(CASES[name])
    fast = presence_payloads(signal, assessment, device, location_id)
    slow = presence_events(signal, assessment, device, location_id)
    assert [e.event_type for e in fast] == [type(p).__name__ for p in slow]
    if name != "honest office check-in" and name != "heartbeat":
        assert len(fast) >= 2
    for event, payload in zip(fast, slow, strict=True):
        parts = {
            "event_id": event.event_id,
            "actor": NIP,
            "subject": NIP,
            "opd_id": OPD,
            "occurred_at": signal.at,
            "correlation_id": signal.event_id,
        }
        record = record_from_parts(
            event.event_type, event.payload, recorded_at=signal.received_at, **parts
        )
        reference = to_record(
            new_event(payload, **parts).model_copy(update={"recorded_at": signal.received_at})
        )
        ours, theirs = read_event(record.value), read_event(reference.value)
        assert ours.payload == theirs.payload
        assert ours.envelope.model_dump() == theirs.envelope.model_dump()
        assert (record.topic, record.key, record.headers) == (
            reference.topic,
            reference.key,
            reference.headers,
        )


def test_anomalies_and_the_restricted_record_are_among_the_fast_records() -> None:
    signal, assessment, (device, location_id) = _outgoing(
        CASES["check-in from home, WFA declared, none approved"]
    )
    kinds = [e.event_type for e in presence_payloads(signal, assessment, device, location_id)]
    assert kinds[:2] == ["CheckedIn", "LocationRecorded"]
    assert kinds.count("AttendanceAnomalyDetected") == 2


def test_a_fast_record_too_large_is_refused() -> None:
    with pytest.raises(MalformedEvent):
        record_from_parts(
            "HeartbeatReceived",
            {"padding": "x" * 600_000},
            event_id=SIGNAL_ID,
            actor=NIP,
            subject=NIP,
            opd_id=OPD,
            occurred_at=AT,
            correlation_id=SIGNAL_ID,
        )
