"""Pure mapping from events to reporting rows (no I/O).

The payload arrives typed and validated (:class:`schemas.serialization.DecodedEvent`): it is
read, never validated again.
"""

from __future__ import annotations

from schemas.events import (
    CheckedIn,
    CheckedOut,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from schemas.serialization import DecodedEvent
from services.runtime.projection import Position, TableRows

#: status after each event; a decided WfaRequested is "pending" or "not_eligible"
STATUS_BY_TYPE = {
    "WfaRequested": "submitted",
    "WfaApproved": "approved",
    "WfaRejected": "rejected",
    "WfaCancelled": "cancelled",
}


def _status(payload: WfaRequested | WfaApproved | WfaRejected | WfaCancelled) -> str:
    if isinstance(payload, WfaRequested) and payload.decision is not None:
        return "pending" if payload.decision.eligible else "not_eligible"
    return STATUS_BY_TYPE[payload.event_type]


def rows_for(event: DecodedEvent, position: Position, raw: bytes = b"") -> TableRows:
    envelope, payload = event.envelope, event.payload
    base = {"event_id": envelope.event_id, "type": envelope.type, "opd_id": envelope.opd_id}
    if isinstance(payload, (WfaRequested, WfaApproved, WfaRejected, WfaCancelled)):
        row = {
            **base,
            "request_id": payload.request_id,
            "nip": payload.nip,
            "work_unit_id": payload.work_unit_id if isinstance(payload, WfaRequested) else "",
            "dates": payload.dates if isinstance(payload, WfaRequested) else [],
            "status": _status(payload),
            "reason": payload.reason,
            "actor": envelope.actor,
            "occurred_at": envelope.occurred_at,
            **position.columns(),
        }
        return [("request_events", row)]
    if isinstance(payload, (CheckedIn, CheckedOut)):
        row = {
            **base,
            "nip": payload.nip,
            "at": payload.at,
            "lat": payload.location.lat,
            "lon": payload.location.lon,
            "accuracy_m": payload.accuracy_m,
            "mode": payload.mode,
            "mock_location": payload.mock_location,
            **position.columns(),
        }
        return [("presence_events", row)]
    return []
