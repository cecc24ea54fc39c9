"""Pure mapping of reference events (roster, OPD policies, readiness assessments) to
eligibility's tables."""

from __future__ import annotations

import json

from pydantic import ValidationError

from kernel.policy import OpdPolicy
from kernel.projection_rows import Position, TableRows
from schemas import Envelope, MalformedEvent, decode_payload
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
    OpdPolicyPublished,
    OpdReadinessAssessed,
)


def _policy_row(envelope: Envelope, payload: OpdPolicyPublished, position: Position) -> TableRows:
    try:
        policy = OpdPolicy.from_settings(
            payload.opd_id, payload.version, payload.effective_from, payload.settings
        )
    except (ValidationError, ValueError) as exc:
        raise MalformedEvent(f"OpdPolicyPublished settings invalid: {exc}") from exc
    row = {
        "opd_id": policy.opd_id,
        "version": policy.version,
        "effective_from": policy.effective_from,
        "settings": json.dumps(policy.settings(), sort_keys=True),
        "note": payload.note,
        "actor": envelope.actor,
        "recorded_at": envelope.recorded_at,
        "event_id": envelope.event_id,
        **position.columns(),
    }
    return [("policies", row)]


def reference_rows(envelope: Envelope, position: Position, raw: bytes = b"") -> TableRows:
    """Rows for the roster (employees, sanctions), the policy versions and the readiness
    assessments."""
    payload = decode_payload(envelope)
    where = position.columns()
    if isinstance(payload, OpdPolicyPublished):
        return _policy_row(envelope, payload, position)
    if isinstance(payload, OpdReadinessAssessed):
        row = {
            "assessment_id": payload.assessment_id,
            "opd_id": payload.opd_id,
            "work_unit_id": payload.work_unit_id or "",  # "" stands for the whole OPD
            "infrastructure_score": payload.infrastructure_score,
            "connectivity_score": payload.connectivity_score,
            "note": payload.note,
            "assessed_on": payload.assessed_on,
            "actor": envelope.actor,
            "recorded_at": envelope.recorded_at,
            "event_id": envelope.event_id,
            **where,
        }
        return [("readiness_assessments", row)]
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
