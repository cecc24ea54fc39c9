"""Pure mapping from events to reporting rows (no I/O).

The payload arrives typed and validated (:class:`schemas.serialization.DecodedEvent`): it is
read, never validated again.
"""

from __future__ import annotations

from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    HeartbeatReceived,
    LocationPinged,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from schemas.serialization import DecodedEvent
from services.reporting.domain.attendance_rows import anomaly_rows, presence_signal_rows
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
    if isinstance(payload, (CheckedIn, CheckedOut, LocationPinged, HeartbeatReceived)):
        return presence_signal_rows(envelope, payload, position)
    if isinstance(payload, AttendanceAnomalyDetected):
        return anomaly_rows(envelope, payload, position)
    return []
