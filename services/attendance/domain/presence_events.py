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

from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    EventPayload,
    GeoPoint,
    HeartbeatReceived,
    LocationPinged,
    LocationRecorded,
    PlaceAssessment,
)
from services.attendance.domain.assessment import Assessment, Signal
from services.attendance.domain.edge_anomalies import EdgeAnomaly

__all__ = ["DeviceFacts", "presence_events"]


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    """What the device said about itself and the position (as validated at the edge)."""

    device_id: str | None = None
    device_seq: int | None = None
    mock_location: bool = False
    location: GeoPoint | None = None


def presence_events(
    signal: Signal, assessment: Assessment, device: DeviceFacts, location_id: str | None
) -> list[EventPayload]:
    """The derived-facts event first, then the precise location, then the anomalies."""
    day = assessment.day
    common = {
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
    events: list[EventPayload] = []
    if signal.kind == "heartbeat":
        events.append(HeartbeatReceived(heartbeat_id=signal.event_id, **common))
    else:
        place = assessment.place
        assert place is not None and location_id is not None and device.location is not None
        located = {
            **common,
            "place": PlaceAssessment(
                derived_mode=place.derived_mode,
                declared_mode=place.declared_mode,
                reference=place.reference,
                reference_id=place.reference_id,
                inside=place.inside,
                distance_band=place.distance_band,
                cell=place.cell,
            ),
            "accuracy_m": signal.accuracy_m,
            "mock_location": device.mock_location,
            "location_id": location_id,
        }
        if signal.kind == "check_in":
            events.append(
                CheckedIn(
                    checkin_id=signal.event_id,
                    minutes_after_start=assessment.minutes_after_start,
                    **located,
                )
            )
        elif signal.kind == "check_out":
            events.append(CheckedOut(checkout_id=signal.event_id, **located))
        else:
            events.append(LocationPinged(ping_id=signal.event_id, **located))
        events.append(
            LocationRecorded(
                location_id=location_id,
                nip=signal.nip,
                signal=signal.kind,
                source_event_id=signal.event_id,
                at=signal.at,
                received_at=signal.received_at,
                work_date=day.work_date,
                location=device.location,
                accuracy_m=signal.accuracy_m,
                device_id=device.device_id,
                device_seq=device.device_seq,
                mock_location=device.mock_location,
            )
        )
    events.extend(_anomaly(signal, assessment, a) for a in assessment.anomalies)
    return events


def _anomaly(signal: Signal, assessment: Assessment, a: EdgeAnomaly) -> AttendanceAnomalyDetected:
    return AttendanceAnomalyDetected(
        anomaly_id=a.anomaly_id,
        nip=signal.nip,
        kind=a.kind,
        work_date=assessment.day.work_date,
        at=signal.at,
        detected_by="edge",
        evidence=a.evidence,
        thresholds=a.thresholds,
        source_event_ids=[signal.event_id],
        message_id=a.message_id,
        message_en=a.message_en,
    )
