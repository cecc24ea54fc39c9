"""The events one presence signal becomes. No I/O.

- the derived-facts event on the attendance topic (``CheckedIn``, ``CheckedOut``,
  ``LocationPinged`` or ``HeartbeatReceived``): the place as derived facts and a coarse cell,
  never the precise coordinate;
- for a located signal, the RESTRICTED ``LocationRecorded`` on the locations topic, with the
  precise position, referenced by ``location_id``;
- one ``AttendanceAnomalyDetected`` per edge anomaly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.events import EventPayload, GeoPoint, event_class
from services.attendance.domain.assessment import Assessment, Signal
from services.attendance.domain.edge_anomalies import EdgeAnomaly

__all__ = ["DeviceFacts", "OutgoingEvent", "presence_events", "presence_payloads"]


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    """What the device said about itself and the position (as validated at the edge)."""

    device_id: str | None = None
    device_seq: int | None = None
    mock_location: bool = False
    location: GeoPoint | None = None


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    """One event to publish: its type, its id and its payload as JSON-ready values."""

    event_type: str
    event_id: str
    payload: dict[str, Any]


def presence_payloads(
    signal: Signal, assessment: Assessment, device: DeviceFacts, location_id: str | None
) -> list[OutgoingEvent]:
    """The derived-facts event first, then the precise location, then the anomalies.

    Built field by field from validated input (the hot path publishes them without building
    pydantic models: :func:`schemas.serialization.record_from_parts`); :func:`presence_events`
    validates the same payloads against the contract.
    """
    day = assessment.day
    common: dict[str, Any] = {
        "nip": signal.nip,
        "at": signal.at,
        "received_at": signal.received_at,
        "work_date": day.work_date,
        "timezone": day.timezone,
        "working_day": day.working_day,
        "device_id": device.device_id,
        "device_seq": device.device_seq,
        "late_synced": assessment.late_synced,
    }
    if signal.kind == "heartbeat":
        events = [
            OutgoingEvent(
                "HeartbeatReceived", signal.event_id, {**common, "heartbeat_id": signal.event_id}
            )
        ]
    else:
        place = assessment.place
        assert place is not None and location_id is not None and device.location is not None
        located = {
            **common,
            "place": {
                "derived_mode": place.derived_mode,
                "declared_mode": place.declared_mode,
                "reference": place.reference,
                "reference_id": place.reference_id,
                "inside": place.inside,
                "distance_band": place.distance_band,
                "cell": place.cell,
            },
            "accuracy_m": signal.accuracy_m,
            "mock_location": device.mock_location,
            "location_id": location_id,
        }
        if signal.kind == "check_in":
            located["checkin_id"] = signal.event_id
            located["minutes_after_start"] = assessment.minutes_after_start
            event_type = "CheckedIn"
        elif signal.kind == "check_out":
            located["checkout_id"] = signal.event_id
            event_type = "CheckedOut"
        else:
            located["ping_id"] = signal.event_id
            event_type = "LocationPinged"
        position = device.location
        events = [
            OutgoingEvent(event_type, signal.event_id, located),
            OutgoingEvent(
                "LocationRecorded",
                location_id,
                {
                    "location_id": location_id,
                    "nip": signal.nip,
                    "signal": signal.kind,
                    "source_event_id": signal.event_id,
                    "at": signal.at,
                    "received_at": signal.received_at,
                    "work_date": day.work_date,
                    "location": {
                        "lat": position.lat,
                        "lon": position.lon,
                        "address": position.address,
                    },
                    "accuracy_m": signal.accuracy_m,
                    "device_id": device.device_id,
                    "device_seq": device.device_seq,
                    "mock_location": device.mock_location,
                },
            ),
        ]
    events.extend(_anomaly(signal, assessment, a) for a in assessment.anomalies)
    return events


def presence_events(
    signal: Signal, assessment: Assessment, device: DeviceFacts, location_id: str | None
) -> list[EventPayload]:
    """:func:`presence_payloads` as validated contract events."""
    return [
        event_class(event.event_type).model_validate(event.payload)
        for event in presence_payloads(signal, assessment, device, location_id)
    ]


def _anomaly(signal: Signal, assessment: Assessment, a: EdgeAnomaly) -> OutgoingEvent:
    return OutgoingEvent(
        "AttendanceAnomalyDetected",
        a.anomaly_id,
        {
            "anomaly_id": a.anomaly_id,
            "nip": signal.nip,
            "kind": a.kind,
            "work_date": assessment.day.work_date,
            "at": signal.at,
            "detected_by": "edge",
            "evidence": dict(a.evidence),
            "thresholds": dict(a.thresholds),
            "source_event_ids": [signal.event_id],
            "message_id": a.message_id,
            "message_en": a.message_en,
        },
    )
