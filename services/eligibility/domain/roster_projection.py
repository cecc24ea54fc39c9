"""Pure mapping of roster events to eligibility's roster tables."""

from __future__ import annotations

import json

from schemas import Envelope, decode_payload
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
)
from services.runtime.projection import Position, TableRows


def roster_rows(envelope: Envelope, position: Position, raw: bytes = b"") -> TableRows:
    payload = decode_payload(envelope)
    where = position.columns()
    if isinstance(payload, (EmployeeRegistered, EmployeeUpdated)):
        state = payload.model_dump(mode="json")
        return [
            (
                "employees",
                {
                    "nip": payload.nip,
                    "opd_id": payload.opd_id,
                    "work_unit_id": payload.work_unit_id,
                    "supervisor_nip": payload.supervisor_nip,
                    "position_category": payload.position_category,
                    "state": json.dumps(state, sort_keys=True),
                    "event_id": envelope.event_id,
                    "type": envelope.type,
                    **where,
                },
            )
        ]
    if isinstance(payload, DisciplinarySanctionImposed):
        row = {
            "sanction_id": payload.sanction_id,
            "nip": payload.nip,
            "level": payload.level,
            "starts_on": payload.starts_on,
            "ends_on": payload.ends_on,
            "lifted_on": None,
            "event_id": envelope.event_id,
            **where,
        }
        return [("sanctions", row)]
    if isinstance(payload, DisciplinarySanctionLifted):
        # kept beside the imposed row; readers combine them per sanction_id
        row = {
            "sanction_id": payload.sanction_id,
            "nip": payload.nip,
            "level": "",
            "starts_on": payload.lifted_on,
            "ends_on": payload.lifted_on,
            "lifted_on": payload.lifted_on,
            "event_id": envelope.event_id,
            **where,
        }
        return [("sanctions", row)]
    return []
