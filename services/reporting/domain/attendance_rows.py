"""Pure mapping from attendance events to reporting rows: derived facts only (no I/O).

Presence signals keep what the attendance topic says about a place (the derived mode, whether
the signal met the place the employee should be, the distance band and the coarse cell of
about 1 km), never a precise coordinate: those live only on the restricted locations topic.
"""

from __future__ import annotations

from typing import Any

import orjson

from kernel.projection_rows import Position, TableRows
from schemas import Envelope
from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    HeartbeatReceived,
    LocationPinged,
)
from services.reporting.domain.presence import SignalKind

PresencePayload = CheckedIn | CheckedOut | LocationPinged | HeartbeatReceived

SIGNAL_KIND: dict[type[PresencePayload], SignalKind] = {
    CheckedIn: "check_in",
    CheckedOut: "check_out",
    LocationPinged: "ping",
    HeartbeatReceived: "heartbeat",
}


def presence_signal_rows(
    envelope: Envelope, payload: PresencePayload, position: Position
) -> TableRows:
    place = None if isinstance(payload, HeartbeatReceived) else payload.place
    row: dict[str, Any] = {
        "event_id": envelope.event_id,
        "type": envelope.type,
        "kind": SIGNAL_KIND[type(payload)],
        "nip": payload.nip,
        "opd_id": envelope.opd_id,
        "work_date": payload.work_date,
        "at": payload.at,
        "received_at": payload.received_at,
        "timezone": payload.timezone,
        "working_day": payload.working_day,
        "derived_mode": place.derived_mode if place else None,
        "declared_mode": place.declared_mode if place else None,
        "reference": place.reference if place else None,
        "reference_id": place.reference_id if place else None,
        "inside": place.inside if place else None,
        "distance_band": place.distance_band if place else None,
        "cell": place.cell if place else None,
        "mock_location": False if isinstance(payload, HeartbeatReceived) else payload.mock_location,
        "late_synced": payload.late_synced,
        "device_id": payload.device_id,
        "device_seq": payload.device_seq,
        "minutes_after_start": (
            payload.minutes_after_start if isinstance(payload, CheckedIn) else None
        ),
        "location_id": None if isinstance(payload, HeartbeatReceived) else payload.location_id,
        **position.columns(),
    }
    return [("presence_signals", row)]


def anomaly_rows(
    envelope: Envelope, payload: AttendanceAnomalyDetected, position: Position
) -> TableRows:
    row: dict[str, Any] = {
        "event_id": envelope.event_id,
        "anomaly_id": payload.anomaly_id,
        "nip": payload.nip,
        "opd_id": envelope.opd_id,
        "work_date": payload.work_date,
        "at": payload.at,
        "kind": payload.kind,
        "detected_by": payload.detected_by,
        "evidence": orjson.dumps(payload.evidence, option=orjson.OPT_SORT_KEYS).decode(),
        "thresholds": orjson.dumps(payload.thresholds, option=orjson.OPT_SORT_KEYS).decode(),
        "source_event_ids": payload.source_event_ids,
        "message_id": payload.message_id,
        "message_en": payload.message_en,
        "recorded_at": envelope.recorded_at,
        **position.columns(),
    }
    return [("anomalies", row)]
