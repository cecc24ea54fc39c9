"""Pure mapping from events to reporting rows and marks (no I/O).

The payload arrives typed and validated (:class:`schemas.serialization.DecodedEvent`): it is
read, never validated again. Besides the fact rows, every event marks what it touched (see
:mod:`services.reporting.domain.marks`) so that the derived rows are computed again.
"""

from __future__ import annotations

from kernel.projection_rows import Position, TableRows
from schemas import Envelope
from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    DailyReportReviewed,
    DailyReportSubmitted,
    EmployeeRegistered,
    EmployeeUpdated,
    HeartbeatReceived,
    LocationPinged,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from schemas.serialization import DecodedEvent
from services.reporting.domain.attendance_rows import anomaly_rows, presence_signal_rows
from services.reporting.domain.marks import day_mark, request_mark
from services.reporting.domain.report_rows import report_event_rows
from services.reporting.domain.roster_rows import employee_rows

RequestPayload = WfaRequested | WfaApproved | WfaRejected | WfaCancelled

#: status after each event; a decided WfaRequested is "pending" or "not_eligible"
STATUS_BY_TYPE = {
    "WfaRequested": "submitted",
    "WfaApproved": "approved",
    "WfaRejected": "rejected",
    "WfaCancelled": "cancelled",
}


def _status(payload: RequestPayload) -> str:
    if isinstance(payload, WfaRequested) and payload.decision is not None:
        return "pending" if payload.decision.eligible else "not_eligible"
    return STATUS_BY_TYPE[payload.event_type]


def rows_for(event: DecodedEvent, position: Position, raw: bytes = b"") -> TableRows:
    envelope, payload = event.envelope, event.payload
    if isinstance(payload, (WfaRequested, WfaApproved, WfaRejected, WfaCancelled)):
        return request_rows(envelope, payload, position)
    if isinstance(payload, (CheckedIn, CheckedOut, LocationPinged, HeartbeatReceived)):
        return [
            *presence_signal_rows(envelope, payload, position),
            day_mark(payload.nip, payload.work_date, envelope.opd_id),
        ]
    if isinstance(payload, AttendanceAnomalyDetected):
        mark = day_mark(payload.nip, payload.work_date, envelope.opd_id)
        return [*anomaly_rows(envelope, payload, position), mark]
    if isinstance(payload, (DailyReportSubmitted, DailyReportReviewed)):
        return report_event_rows(envelope, payload, position)
    if isinstance(payload, (EmployeeRegistered, EmployeeUpdated)):
        return employee_rows(payload, position)
    return []


def request_rows(envelope: Envelope, payload: RequestPayload, position: Position) -> TableRows:
    """A request event's row; a request also has one row per day it asks for, and marks them.
    A decision marks the request, whose days are resolved from the stored request."""
    row = {
        "event_id": envelope.event_id,
        "type": envelope.type,
        "opd_id": envelope.opd_id,
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
    rows: TableRows = [("request_events", row)]
    if not isinstance(payload, WfaRequested):
        return [*rows, request_mark(envelope.opd_id, payload.request_id)]
    for day in sorted(set(payload.dates)):
        day_row = {
            "nip": payload.nip,
            "work_date": day,
            "request_id": payload.request_id,
            "event_id": envelope.event_id,
            "opd_id": envelope.opd_id,
            "work_unit_id": payload.work_unit_id,
            "occurred_at": envelope.occurred_at,
            **position.columns(),
        }
        rows += [("request_days", day_row), day_mark(payload.nip, day, envelope.opd_id)]
    return rows
