"""Old payload versions are brought forward one step at a time by the one mapper."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import (
    EVENT_TYPES,
    UPCASTERS,
    CheckedIn,
    CheckedOut,
    DailyReportSubmitted,
    EmployeeRegistered,
    EmployeeUpdated,
    MalformedEvent,
    SharedPlace,
    UnknownEventType,
    UpcastError,
    WfaRequested,
    WorkTarget,
    decode_event,
    encode_json,
    envelope_from_bytes,
    upcast,
)
from schemas.examples import EXAMPLE_NIP, EXAMPLE_OPD_ID

WFA_REQUESTED_V1: dict[str, Any] = {
    "request_id": "01KER000000000000000000001",
    "nip": EXAMPLE_NIP,
    "work_unit_id": "unit-1",
    "date": "2025-03-10",
    "lat": -6.9147,
    "lon": 107.6098,
    "reason": "Merawat orang tua",
    "work_plan": "Menyusun laporan bulanan",
}

WFA_REQUESTED_V2: dict[str, Any] = {
    "request_id": "01KER000000000000000000002",
    "nip": EXAMPLE_NIP,
    "work_unit_id": "unit-1",
    "dates": ["2025-09-01", "2025-09-02"],
    "location": {"lat": -6.9, "lon": 107.6, "address": "Bandung"},
    "reason": "Anak sakit",
    "work_plan": "Review dokumen anggaran",
}

CHECKED_IN_V1: dict[str, Any] = {
    "checkin_id": "01KEC000000000000000000001",
    "nip": EXAMPLE_NIP,
    "at": "2025-03-10T07:31:00+07:00",
    "lat": -6.9147,
    "lon": 107.6098,
    "accuracy_m": 15.0,
    "mode": "wfa",
    "device_id": None,
}


def _record_value(event_type: str, version: int, payload: dict[str, Any]) -> bytes:
    """A record value exactly as an older producer would have written it."""
    return encode_json(
        {
            "event_id": "01KEE000000000000000000099",
            "type": event_type,
            "schema_version": version,
            "occurred_at": "2025-03-10T08:00:00+07:00",
            "recorded_at": "2025-03-10T01:00:01Z",
            "actor": EXAMPLE_NIP,
            "subject": EXAMPLE_NIP,
            "opd_id": EXAMPLE_OPD_ID,
            "correlation_id": "01KEF000000000000000000001",
            "causation_id": None,
            "payload": payload,
        }
    )


def test_wfa_requested_v1_bytes_decode_at_v4() -> None:
    envelope, payload = decode_event(_record_value("WfaRequested", 1, WFA_REQUESTED_V1))

    assert envelope.schema_version == 4
    assert isinstance(payload, WfaRequested)
    assert [day.isoformat() for day in payload.dates] == ["2025-03-10"]
    assert payload.place == SharedPlace(location_id=None, cell="-6.91,107.61", address=None)
    assert payload.work_plan == [
        WorkTarget(description="Menyusun laporan bulanan", target=1, unit="dokumen")
    ]
    assert payload.decision is None
    assert envelope.payload == payload.model_dump(mode="json")
    assert envelope.event_id == "01KEE000000000000000000099"


def test_wfa_requested_v2_bytes_decode_at_v4() -> None:
    envelope = envelope_from_bytes(_record_value("WfaRequested", 2, WFA_REQUESTED_V2))

    assert envelope.schema_version == 4
    assert envelope.payload["dates"] == ["2025-09-01", "2025-09-02"]
    # the precise point and the address (never chosen to be shared) give way to the cell
    assert envelope.payload["place"] == {
        "location_id": None,
        "cell": "-6.90,107.60",
        "address": None,
    }
    assert "location" not in envelope.payload and "Bandung" not in str(envelope.payload)
    assert envelope.payload["work_plan"] == [
        {"description": "Review dokumen anggaran", "target": 1.0, "unit": "dokumen"}
    ]


def test_wfa_requested_v3_keeps_the_cell_and_drops_the_precise_point() -> None:
    v3 = {
        **{key: value for key, value in WFA_REQUESTED_V2.items() if key != "work_plan"},
        "location": {"lat": -6.914744, "lon": 107.609811, "address": "Jl. Merdeka 1"},
        "work_plan": [{"description": "Review", "target": 2, "unit": "dokumen"}],
        "decision": None,
    }
    original = copy.deepcopy(v3)

    version, upcasted = upcast("WfaRequested", 3, v3)

    assert v3 == original
    assert version == 4
    assert upcasted["place"] == {"location_id": None, "cell": "-6.91,107.61", "address": None}
    assert "location" not in upcasted
    assert "6.914744" not in str(upcasted) and "Merdeka" not in str(upcasted)
    payload = WfaRequested.model_validate(upcasted)
    assert payload.place.cell == "-6.91,107.61"
    # bytes written by a v3 producer read the same
    envelope, decoded = decode_event(_record_value("WfaRequested", 3, v3))
    assert envelope.schema_version == 4 and decoded == payload
    assert "107.609811" not in envelope.model_dump_json()


def test_daily_report_v1_bytes_decode_as_the_first_revision_of_an_office_day_report() -> None:
    v1 = {
        "report_id": "01KED000000000000000000001",
        "nip": EXAMPLE_NIP,
        "work_date": "2025-03-10",
        "outputs": [{"description": "Notulen rapat", "quantity": 2, "unit": "dokumen"}],
        "notes": None,
    }
    envelope, payload = decode_event(_record_value("DailyReportSubmitted", 1, v1))

    assert envelope.schema_version == 2
    assert isinstance(payload, DailyReportSubmitted)
    assert (payload.revision, payload.mode, payload.request_id) == (1, "office", None)
    assert payload.attachments == []
    assert payload.outputs[0].quantity == 2
    assert (payload.outputs[0].target, payload.outputs[0].plan_target) == (None, None)


@pytest.mark.parametrize(
    ("event_type", "cls"),
    [("EmployeeRegistered", EmployeeRegistered), ("EmployeeUpdated", EmployeeUpdated)],
)
def test_roster_v1_bytes_decode_at_v2_heading_no_opd(
    event_type: str, cls: type[EmployeeRegistered | EmployeeUpdated]
) -> None:
    v1 = {
        "nip": EXAMPLE_NIP,
        "name": "Siti Rahmawati",
        "opd_id": EXAMPLE_OPD_ID,
        "work_unit_id": "sekretariat",
        "position": "Kepala Dinas",
        "position_category": "administrasi",
        "supervisor_nip": None,
        "employment_type": "PNS",
        "appointment_date": "2010-03-01",
    }
    envelope, payload = decode_event(_record_value(event_type, 1, v1))

    assert envelope.schema_version == 2
    assert isinstance(payload, cls)
    assert (payload.heads_opd, payload.head_capacity) == (None, None)
    assert payload.position == "Kepala Dinas"


@pytest.mark.parametrize(("heads_opd", "head_capacity"), [("3273-dinkes", None), (None, "plt")])
def test_a_roster_state_names_an_opd_it_heads_and_the_capacity_together(
    heads_opd: str | None, head_capacity: str | None
) -> None:
    fields = {
        "nip": EXAMPLE_NIP,
        "name": "Siti Rahmawati",
        "opd_id": EXAMPLE_OPD_ID,
        "work_unit_id": "sekretariat",
        "position": "Sekretaris",
        "position_category": "administrasi",
        "employment_type": "PNS",
        "appointment_date": "2010-03-01",
    }
    with pytest.raises(ValidationError, match="both set or both null"):
        EmployeeUpdated.model_validate(
            {**fields, "heads_opd": heads_opd, "head_capacity": head_capacity}
        )
    delegate = EmployeeUpdated.model_validate(
        {**fields, "heads_opd": "3273-dishub", "head_capacity": "plh"}
    )
    assert (delegate.opd_id, delegate.heads_opd) == (EXAMPLE_OPD_ID, "3273-dishub")


@pytest.mark.parametrize(
    ("event_type", "cls"), [("CheckedIn", CheckedIn), ("CheckedOut", CheckedOut)]
)
def test_attendance_v1_bytes_decode_at_v3_with_derived_facts_only(
    event_type: str, cls: type[CheckedIn | CheckedOut]
) -> None:
    payload_v1 = dict(CHECKED_IN_V1)
    if event_type == "CheckedOut":
        payload_v1["checkout_id"] = payload_v1.pop("checkin_id")

    envelope, payload = decode_event(_record_value(event_type, 1, payload_v1))

    assert envelope.schema_version == 3
    assert isinstance(payload, cls)
    # the precise position is dropped; only its coarse cell (0.01°) survives
    assert payload.place.cell == "-6.91,107.61"
    assert payload.place.reference == "none"
    assert payload.place.inside is None
    assert payload.accuracy_m == 15.0
    assert payload.mock_location is False
    assert "location" not in envelope.payload and "lat" not in envelope.payload
    assert "6.9147" not in payload.model_dump_json()


def test_upcast_applies_steps_in_order_without_mutating_the_input() -> None:
    original = copy.deepcopy(WFA_REQUESTED_V1)

    version, payload = upcast("WfaRequested", 1, WFA_REQUESTED_V1)

    assert original == WFA_REQUESTED_V1
    assert version == 4
    assert payload == {
        "request_id": "01KER000000000000000000001",
        "nip": EXAMPLE_NIP,
        "work_unit_id": "unit-1",
        "dates": ["2025-03-10"],
        "place": {"location_id": None, "cell": "-6.91,107.61", "address": None},
        "reason": "Merawat orang tua",
        "work_plan": [{"description": "Menyusun laporan bulanan", "target": 1, "unit": "dokumen"}],
    }


def test_upcast_at_the_current_version_is_a_copy() -> None:
    payload = {"anything": 1}

    version, upcasted = upcast("WfaApproved", 1, payload)

    assert (version, upcasted) == (1, payload)
    assert upcasted is not payload


def test_missing_upcaster_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(UPCASTERS, ("WfaRequested", 2))

    with pytest.raises(UpcastError, match="no upcaster from v2 to v3") as excinfo:
        upcast("WfaRequested", 1, WFA_REQUESTED_V1)
    assert (excinfo.value.event_type, excinfo.value.version) == ("WfaRequested", 1)
    with pytest.raises(MalformedEvent, match="cannot upcast WfaRequested v2: no upcaster"):
        envelope_from_bytes(_record_value("WfaRequested", 2, WFA_REQUESTED_V2))


@pytest.mark.parametrize(
    ("version", "message"),
    [(5, "newer than the newest version this build knows \\(v4\\)"), (0, "start at 1")],
)
def test_versions_outside_the_known_range_raise(version: int, message: str) -> None:
    with pytest.raises(UpcastError, match=message):
        upcast("WfaRequested", version, WFA_REQUESTED_V2)


def test_unknown_event_type_raises() -> None:
    with pytest.raises(UnknownEventType):
        upcast("SomethingHappened", 1, {})


def test_old_payload_missing_a_field_is_an_upcast_error() -> None:
    broken = {key: value for key, value in WFA_REQUESTED_V1.items() if key != "date"}

    with pytest.raises(UpcastError, match="v1 payload lacks field 'date'"):
        upcast("WfaRequested", 1, broken)
    with pytest.raises(MalformedEvent, match="cannot upcast WfaRequested v1: v1 payload lacks"):
        envelope_from_bytes(_record_value("WfaRequested", 1, broken))


def test_old_payload_with_a_wrong_type_is_an_upcast_error() -> None:
    with pytest.raises(UpcastError, match="work_plan should be text in v2, got list"):
        upcast("WfaRequested", 2, {**WFA_REQUESTED_V2, "work_plan": ["x"]})


def test_upcast_payload_is_still_validated() -> None:
    bad = {**WFA_REQUESTED_V1, "lat": 123.0}

    with pytest.raises(MalformedEvent, match=r"payload invalid for WfaRequested v4: place\.cell"):
        envelope_from_bytes(_record_value("WfaRequested", 1, bad))


def test_every_versioned_event_has_a_complete_chain() -> None:
    for event_type, cls in EVENT_TYPES.items():
        for version in range(1, cls.class_version):
            assert (event_type, version) in UPCASTERS, f"missing {event_type} v{version}"
    for event_type, version in UPCASTERS:
        assert event_type in EVENT_TYPES
        assert 1 <= version < EVENT_TYPES[event_type].class_version


def test_upcasters_are_named_for_type_and_step() -> None:
    for (event_type, version), func in UPCASTERS.items():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", event_type).lower()
        assert func.__name__ == f"upcast_{snake}_v{version}_v{version + 1}"
        assert func.__doc__
