"""The roster import's records, written straight from the planned payloads, read exactly like
the validated path's (``new_event`` → ``to_record``): pure, no I/O."""

from __future__ import annotations

import json
from typing import Any

from schemas import new_event
from schemas.serialization import read_event, to_record
from services.eligibility.domain.roster import parse_roster
from services.eligibility.roster_routes import _change_records
from tests.unit.test_roster_parse import ROW, TODAY

ADMIN = "198001012005011001"
HEAD = {
    **ROW,
    "nip": "197001011995031003",
    "name": "Hendra Wijaya",
    "position": "Kepala Bappeda",
    "supervisor_nip": None,
    "appointment_date": "1995-03-01",
    "heads_opd": "bappeda",
    "home_lat": -6.26,
    "home_lon": 106.78,
    "home_address": "Jl. Kenanga 3",
}


def _employees(*rows: dict[str, Any]) -> list[Any]:
    content = "\n".join(json.dumps(r) for r in rows).encode()
    parsed = parse_roster(content, "jsonl", today=TODAY)
    assert not parsed.rejected
    return parsed.employees


def test_registrations_and_updates_read_like_validated_records() -> None:
    employees = _employees(ROW, HEAD)
    known = employees[1].model_dump(mode="json")
    current = {str(HEAD["nip"]): {**known, "position": "Sekretaris Bappeda"}}
    records = _change_records(employees, current, ADMIN)
    assert [kind for kind, _ in records] == ["EmployeeRegistered", "EmployeeUpdated"]
    for (kind, record), employee in zip(records, employees, strict=True):
        ours = read_event(record.value)
        payload = type(ours.payload).model_validate(employee.model_dump(mode="json"))
        envelope = ours.envelope
        reference = to_record(
            new_event(
                payload,
                actor=ADMIN,
                subject=employee.nip,
                opd_id=employee.opd_id,
                occurred_at=envelope.occurred_at,
                correlation_id=envelope.correlation_id,
                event_id=envelope.event_id,
            ).model_copy(update={"recorded_at": envelope.recorded_at})
        )
        theirs = read_event(reference.value)
        assert ours.envelope.type == kind
        assert ours.payload == theirs.payload
        assert ours.envelope.model_dump() == theirs.envelope.model_dump()
        assert (record.topic, record.key, record.headers) == (
            reference.topic,
            reference.key,
            reference.headers,
        )


def test_an_unchanged_employee_gives_no_record() -> None:
    employees = _employees(ROW)
    current = {str(ROW["nip"]): employees[0].model_dump(mode="json")}
    assert _change_records(employees, current, ADMIN) == []
