"""Envelope and event payload models: construction, immutability, validation, ids."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from ulid import ULID

from schemas import (
    EVENT_TOPICS,
    EVENT_TYPES,
    CheckedIn,
    DisciplinarySanctionImposed,
    EmployeeRegistered,
    Envelope,
    GeoPoint,
    ReportOutput,
    UnknownEventType,
    WfaRequested,
    WorkTarget,
    decode_payload,
    new_event,
    new_ulid,
)
from schemas.examples import EXAMPLE_NIP, EXAMPLE_OPD_ID, WIB, example_payloads

ULID_RE = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def _request(**overrides: Any) -> WfaRequested:
    fields: dict[str, Any] = {
        "request_id": "r-1",
        "nip": EXAMPLE_NIP,
        "work_unit_id": "unit-1",
        "dates": [date(2026, 1, 5)],
        "place": {"location_id": "01KEL000000000000000000009", "cell": "-6.20,106.80"},
        "reason": "Merawat orang tua",
        "work_plan": [{"description": "Draf SOP", "target": 1, "unit": "dokumen"}],
    }
    return WfaRequested.model_validate({**fields, **overrides})


def _envelope_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": "WfaRequested",
        "schema_version": 4,
        "occurred_at": datetime(2026, 1, 5, 8, 0, tzinfo=WIB),
        "actor": EXAMPLE_NIP,
        "subject": EXAMPLE_NIP,
        "opd_id": EXAMPLE_OPD_ID,
        "payload": _request().model_dump(mode="json"),
    }
    return {**fields, **overrides}


# ---------------------------------------------------------------------------- new_event


def test_new_event_fills_type_version_and_payload_from_the_payload_class() -> None:
    payload = _request()
    envelope = new_event(payload, actor=EXAMPLE_NIP, subject=EXAMPLE_NIP, opd_id=EXAMPLE_OPD_ID)

    assert envelope.type == "WfaRequested"
    assert envelope.schema_version == WfaRequested.class_version == 4
    assert envelope.payload == payload.model_dump(mode="json")
    assert envelope.payload["dates"] == ["2026-01-05"]  # JSON-compatible, not date objects
    assert envelope.causation_id is None


def test_new_event_defaults_ids_and_times() -> None:
    before = datetime.now(UTC)
    envelope = new_event(_request(), actor=EXAMPLE_NIP, subject=EXAMPLE_NIP, opd_id="opd")
    after = datetime.now(UTC)

    assert ULID_RE.match(envelope.event_id)
    assert ULID_RE.match(envelope.correlation_id)
    assert envelope.event_id != envelope.correlation_id
    assert before <= envelope.recorded_at <= after
    assert envelope.occurred_at == envelope.recorded_at
    assert envelope.recorded_at.utcoffset() == timedelta(0)


def test_new_event_keeps_explicit_ids_and_offset() -> None:
    occurred_at = datetime(2026, 1, 5, 7, 30, tzinfo=WIB)
    event_id = new_ulid()
    envelope = new_event(
        _request(),
        actor="system:requests",
        subject=EXAMPLE_NIP,
        opd_id="opd",
        occurred_at=occurred_at,
        correlation_id="flow-1",
        causation_id="req-abc",
        event_id=event_id,
    )

    assert envelope.event_id == event_id
    assert envelope.correlation_id == "flow-1"
    assert envelope.causation_id == "req-abc"
    assert envelope.occurred_at == occurred_at
    assert envelope.occurred_at.utcoffset() == timedelta(hours=7)


def test_decode_payload_returns_the_typed_payload() -> None:
    payload = _request()
    envelope = new_event(payload, actor=EXAMPLE_NIP, subject=EXAMPLE_NIP, opd_id="opd")

    decoded = decode_payload(envelope)

    assert isinstance(decoded, WfaRequested)
    assert decoded == payload


def test_decode_payload_upcasts_an_old_envelope() -> None:
    envelope = Envelope.model_validate(
        _envelope_fields(
            type="CheckedIn",
            schema_version=1,
            payload={
                "checkin_id": "c-1",
                "nip": EXAMPLE_NIP,
                "at": "2026-01-05T07:28:00+07:00",
                "lat": -6.9,
                "lon": 107.6,
                "mode": "wfa",
            },
        )
    )

    decoded = decode_payload(envelope)

    assert isinstance(decoded, CheckedIn)
    # v3 keeps only derived facts: the precise position is reduced to its coarse cell
    assert decoded.place.cell == "-6.90,107.60"
    assert decoded.place.derived_mode == "wfa"
    assert decoded.work_date.isoformat() == "2026-01-05"
    assert "107.6," not in decoded.model_dump_json().replace('"-6.90,107.60"', "")


def test_decode_payload_rejects_an_unknown_type() -> None:
    envelope = Envelope.model_validate(_envelope_fields(type="SomethingHappened"))

    with pytest.raises(UnknownEventType) as excinfo:
        decode_payload(envelope)
    assert excinfo.value.event_type == "SomethingHappened"
    assert str(excinfo.value) == "unknown event type 'SomethingHappened'"


# ---------------------------------------------------------------------------- immutability


def test_envelope_is_frozen() -> None:
    envelope = Envelope.model_validate(_envelope_fields())

    with pytest.raises(ValidationError, match="frozen"):
        envelope.subject = "199001012020121002"  # type: ignore[misc]


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_every_event_payload_is_frozen(event_type: str) -> None:
    payload = example_payloads()[event_type]

    with pytest.raises(ValidationError, match="frozen"):
        payload.nip = "199001012020121002"  # type: ignore[attr-defined]


def test_value_objects_are_frozen() -> None:
    point = GeoPoint(lat=1, lon=2)

    with pytest.raises(ValidationError, match="frozen"):
        point.lat = 3


# ---------------------------------------------------------------------------- datetimes


def test_envelope_rejects_naive_datetimes() -> None:
    naive = datetime(2026, 1, 5, 8, 0)

    with pytest.raises(ValidationError, match="timezone"):
        Envelope.model_validate(_envelope_fields(occurred_at=naive))
    with pytest.raises(ValidationError, match="timezone"):
        Envelope.model_validate(_envelope_fields(recorded_at=naive))
    with pytest.raises(ValidationError, match="timezone"):
        Envelope.model_validate(_envelope_fields(occurred_at="2026-01-05T08:00:00"))


def test_new_event_rejects_a_naive_occurred_at() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        new_event(
            _request(),
            actor=EXAMPLE_NIP,
            subject=EXAMPLE_NIP,
            opd_id="opd",
            occurred_at=datetime(2026, 1, 5, 8, 0),
        )


def test_checkin_rejects_a_naive_time() -> None:
    payload = example_payloads()["CheckedIn"].model_dump(mode="json")

    with pytest.raises(ValidationError, match="timezone"):
        CheckedIn.model_validate({**payload, "at": "2026-01-05T07:28:12"})


# ---------------------------------------------------------------------------- NIP and actor


@pytest.mark.parametrize(
    "nip",
    [
        "19900101202012100",  # 17 digits
        "1990010120201210011",  # 19 digits
        "19900101202012100A",
        " 199001012020121001",
        "199001012020121001\n",
        "".join(chr(0x0660 + int(digit)) for digit in EXAMPLE_NIP),  # Arabic-Indic digits
        "",
    ],
)
def test_bad_nip_is_rejected(nip: str) -> None:
    with pytest.raises(ValidationError, match="subject"):
        Envelope.model_validate(_envelope_fields(subject=nip))
    with pytest.raises(ValidationError, match="nip"):
        _request(nip=nip)


def test_bad_supervisor_nip_is_rejected() -> None:
    fields = example_payloads()["EmployeeRegistered"].model_dump(mode="json")

    with pytest.raises(ValidationError, match="supervisor_nip"):
        EmployeeRegistered.model_validate({**fields, "supervisor_nip": "12345"})
    assert EmployeeRegistered.model_validate({**fields, "supervisor_nip": None})


@pytest.mark.parametrize("actor", [EXAMPLE_NIP, "system:roster-import", "system:faust.requests"])
def test_valid_actors(actor: str) -> None:
    assert Envelope.model_validate(_envelope_fields(actor=actor)).actor == actor


@pytest.mark.parametrize("actor", ["", "bob", "system:", "12345", "System:x"])
def test_invalid_actors(actor: str) -> None:
    with pytest.raises(ValidationError, match="actor"):
        Envelope.model_validate(_envelope_fields(actor=actor))


# ---------------------------------------------------------------------------- other rules


def test_envelope_rejects_unknown_fields_and_a_zero_version() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Envelope.model_validate(_envelope_fields(tenant="x"))
    with pytest.raises(ValidationError, match="schema_version"):
        Envelope.model_validate(_envelope_fields(schema_version=0))
    with pytest.raises(ValidationError, match="opd_id"):
        Envelope.model_validate(_envelope_fields(opd_id="  "))


def test_event_id_must_be_a_ulid_and_is_canonicalised() -> None:
    event_id = new_ulid()

    lower = Envelope.model_validate(_envelope_fields(event_id=event_id.lower()))
    assert lower.event_id == event_id
    for bad in ["not-a-ulid", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", event_id[:-1]]:
        with pytest.raises(ValidationError, match="event_id"):
            Envelope.model_validate(_envelope_fields(event_id=bad))


def test_payloads_reject_unknown_fields() -> None:
    fields = _request().model_dump(mode="json")

    with pytest.raises(ValidationError, match="Extra inputs"):
        WfaRequested.model_validate({**fields, "priority": "high"})


def test_wfa_request_needs_days_and_targets_without_repeats() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        _request(dates=[])
    with pytest.raises(ValidationError, match="at least 1 item"):
        _request(work_plan=[])
    with pytest.raises(ValidationError, match="more than once"):
        _request(dates=["2026-01-05", "2026-01-05"])
    with pytest.raises(ValidationError, match="reason"):
        _request(reason="   ")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(90.1, 0), (-90.1, 0), (0, 180.1), (0, -180.1), (float("nan"), 0), (0, float("inf"))],
)
def test_geopoint_rejects_out_of_range_coordinates(lat: float, lon: float) -> None:
    with pytest.raises(ValidationError):
        GeoPoint(lat=lat, lon=lon)


def test_work_target_and_report_output_quantities() -> None:
    assert WorkTarget(description="SOP", target=0.5, unit="dokumen").target == 0.5
    with pytest.raises(ValidationError, match="greater than 0"):
        WorkTarget(description="SOP", target=0, unit="dokumen")
    with pytest.raises(ValidationError, match="description"):
        WorkTarget(description="", target=1, unit="dokumen")
    assert ReportOutput(description="SOP", quantity=0, unit="dokumen").quantity == 0
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        ReportOutput(description="SOP", quantity=-1, unit="dokumen")


def test_sanction_defaults_and_period() -> None:
    sanction = DisciplinarySanctionImposed(
        sanction_id="s-1", nip=EXAMPLE_NIP, level="sedang", starts_on=date(2026, 2, 1)
    )
    assert sanction.basis == "PP 94/2021"
    assert sanction.ends_on is None
    with pytest.raises(ValidationError, match="ends_on must not be before starts_on"):
        DisciplinarySanctionImposed(
            sanction_id="s-1",
            nip=EXAMPLE_NIP,
            level="sedang",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 1, 31),
        )
    with pytest.raises(ValidationError, match="level"):
        DisciplinarySanctionImposed.model_validate(
            {"sanction_id": "s", "nip": EXAMPLE_NIP, "level": "parah", "starts_on": "2026-02-01"}
        )


def test_employee_orientation_cannot_end_before_appointment() -> None:
    fields = example_payloads()["EmployeeRegistered"].model_dump(mode="json")

    with pytest.raises(ValidationError, match="orientation_end_date"):
        EmployeeRegistered.model_validate({**fields, "orientation_end_date": "2019-01-01"})
    with pytest.raises(ValidationError, match="employment_type"):
        EmployeeRegistered.model_validate({**fields, "employment_type": "honorer"})


# ---------------------------------------------------------------------------- registry


def test_registry_names_every_event_by_its_class_name() -> None:
    topics = {spec.name for spec in EVENT_TOPICS}
    for name, cls in EVENT_TYPES.items():
        assert name == cls.__name__ == cls.event_type
        assert cls.class_version >= 1
        assert cls.topic in topics
        assert cls.model_config.get("frozen") is True
        assert cls.model_config.get("extra") == "forbid"
    assert {"WfaRequested": 4, "CheckedIn": 3, "CheckedOut": 3}.items() <= {
        name: cls.class_version for name, cls in EVENT_TYPES.items()
    }.items()


def test_every_payload_field_is_documented() -> None:
    for cls in EVENT_TYPES.values():
        assert cls.__doc__, cls
        for field_name, field in cls.model_fields.items():
            assert field.description, f"{cls.__name__}.{field_name} has no description"
    for field_name, field in Envelope.model_fields.items():
        assert field.description, f"Envelope.{field_name} has no description"


def test_example_payloads_cover_every_event_type() -> None:
    examples = example_payloads()

    assert list(examples) == list(EVENT_TYPES)
    for name, payload in examples.items():
        assert type(payload) is EVENT_TYPES[name]


# ---------------------------------------------------------------------------- ULIDs


def test_ulids_are_unique_and_sort_in_creation_order() -> None:
    ids = [new_ulid() for _ in range(2000)]  # many share a millisecond

    assert len(set(ids)) == len(ids)
    assert sorted(ids) == ids
    assert all(ULID_RE.match(event_id) for event_id in ids)


def test_ulid_time_is_the_creation_time() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    event_id = new_ulid()
    after = datetime.now(UTC) + timedelta(milliseconds=1)

    assert before <= ULID.from_str(event_id).datetime <= after


def test_event_ids_of_successive_events_sort_by_time() -> None:
    envelopes = [
        new_event(_request(), actor=EXAMPLE_NIP, subject=EXAMPLE_NIP, opd_id="opd")
        for _ in range(50)
    ]

    ids = [envelope.event_id for envelope in envelopes]
    assert sorted(ids) == ids
    recorded = [envelope.recorded_at for envelope in envelopes]
    assert sorted(recorded) == recorded
