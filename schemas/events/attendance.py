"""Attendance events: presence signals as derived facts, and detected anomalies."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from schemas.events.base import MODEL_CONFIG, EventPayload, Nip
from schemas.limits import (
    CoarseCell,
    ContractDate,
    DeviceId,
    EvidenceMap,
    Explanation,
    Identifier,
    Instant,
)
from schemas.topic_names import ATTENDANCE

TimeZone = Literal["WIB", "WITA", "WIT"]
"""Indonesian time zones: WIB UTC+7, WITA UTC+8, WIT UTC+9."""

Mode = Literal["wfa", "office"]
"""Where an employee works on a day: from an approved WFA location, or at the office."""

DistanceBand = Literal[
    "within_100m", "100m_500m", "500m_1km", "1km_5km", "5km_20km", "over_20km", "unknown"
]
"""How far a signal was from the place the employee should be, in coarse bands."""

DeviceSeq = Annotated[int, Field(ge=0, le=2**53)]
"""Sequence number a device gives its own presence events, increasing by one each time."""

AnomalyKind = Literal[
    "outside_geofence",
    "far_from_wfa_location",
    "remote_without_approval",
    "mode_mismatch",
    "late_check_in",
    "missing_check_out",
    "mock_location",
    "impossible_travel",
    "static_coordinates",
    "shared_coordinates",
    "clock_tampering",
    "sequence_tampering",
]
"""Every kind of attendance anomaly the platform detects."""


class PlaceAssessment(BaseModel):
    """Derived facts about where a presence signal was made; never the precise coordinate.

    The precise position lives only on the restricted locations topic (see ``location_id``).
    """

    model_config = MODEL_CONFIG

    derived_mode: Mode = Field(
        description=(
            "Where the employee should be that day: wfa with an approved WFA for the day, "
            "office otherwise. Derived by the platform, never taken from the client."
        )
    )
    declared_mode: Mode | None = Field(
        default=None, description="The mode the client stated, if any; may contradict."
    )
    reference: Literal["office_geofence", "wfa_location", "none"] = Field(
        description="What the position was measured against; none if nothing is known."
    )
    reference_id: Identifier | None = Field(
        default=None,
        description="Id of the geofence or of the approved WFA request measured against.",
    )
    inside: bool | None = Field(
        description="Whether the position met the reference; null if there was none."
    )
    distance_band: DistanceBand = Field(
        description="Distance from the reference (0 inside a polygon), in coarse bands."
    )
    cell: CoarseCell = Field(
        description="Coarse cell of the position: latitude and longitude rounded to 0.01°."
    )


class _PresenceFacts(EventPayload):
    """What every presence signal on the attendance topic says: derived facts only."""

    nip: Nip = Field(description="NIP of the employee.")
    at: Instant = Field(description="When it happened on the device, with UTC offset.")
    received_at: Instant = Field(description="When the platform received it.")
    work_date: ContractDate = Field(description="The day it counts for, in the local time zone.")
    timezone: TimeZone = Field(description="The employee's local time zone (from the policy).")
    working_day: bool = Field(description="Whether work_date is a working day for the OPD.")
    device_id: DeviceId | None = Field(default=None, description="Device that sent it.")
    device_seq: DeviceSeq | None = Field(
        default=None, description="The device's own sequence number for the signal, if sent."
    )
    late_synced: bool = Field(
        default=False,
        description="Recorded offline or received long after it happened (offline queue).",
    )


class _LocatedPresence(_PresenceFacts):
    place: PlaceAssessment = Field(description="Where it was made, as derived facts.")
    accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, description="Reported accuracy radius in metres."
    )
    mock_location: bool = Field(
        default=False, description="True if the device reported a mocked (fake) GPS location."
    )
    location_id: Identifier = Field(
        description="Id of the LocationRecorded event holding the precise position."
    )


class CheckedIn(_LocatedPresence):
    """An employee checked in for the day.

    Version history: v1 had flat `lat`/`lon`; v2 grouped them into `location`; v3 keeps only
    derived facts (`place`, the coarse cell) and moves the precise position to the restricted
    locations topic.
    """

    event_type: ClassVar[str] = "CheckedIn"
    class_version: ClassVar[int] = 3
    topic: ClassVar[str] = ATTENDANCE

    checkin_id: Identifier = Field(description="Id of the check-in (usually a ULID).")
    minutes_after_start: int | None = Field(
        default=None,
        ge=-1440,
        le=1440,
        description=(
            "Minutes after the start of the working time in local time (negative: early); "
            "null on a day that is not a working day."
        ),
    )


class CheckedOut(_LocatedPresence):
    """An employee checked out at the end of the work day.

    Version history: as CheckedIn (v3: derived facts only).
    """

    event_type: ClassVar[str] = "CheckedOut"
    class_version: ClassVar[int] = 3
    topic: ClassVar[str] = ATTENDANCE

    checkout_id: Identifier = Field(description="Id of the check-out (usually a ULID).")


class LocationPinged(_LocatedPresence):
    """A periodic location ping while working outside the office (derived facts only)."""

    event_type: ClassVar[str] = "LocationPinged"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ATTENDANCE

    ping_id: Identifier = Field(description="Id of the ping (usually a ULID).")


class HeartbeatReceived(_PresenceFacts):
    """The work device reported that it is in use (a presence signal without a position)."""

    event_type: ClassVar[str] = "HeartbeatReceived"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ATTENDANCE

    heartbeat_id: Identifier = Field(description="Id of the heartbeat (usually a ULID).")


class AttendanceAnomalyDetected(EventPayload):
    """Something about an employee's attendance does not add up.

    The event id is derived from (kind, NIP, work date, and for per-signal kinds the signal),
    so a detector that runs twice over the same signals publishes the same event again, and
    consumers keep it once.
    """

    event_type: ClassVar[str] = "AttendanceAnomalyDetected"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ATTENDANCE

    anomaly_id: Identifier = Field(description="Id of the anomaly (equal to the event id).")
    nip: Nip = Field(description="NIP of the employee concerned.")
    kind: AnomalyKind = Field(description="What was detected.")
    work_date: ContractDate = Field(description="The work day concerned, in local time.")
    at: Instant = Field(description="When the signal that revealed it happened.")
    detected_by: Literal["edge", "stream"] = Field(
        description="edge: the attendance API on receipt; stream: the stream detector."
    )
    evidence: EvidenceMap = Field(
        description="Facts that show it (e.g. distance_m, speed_kmh, people); no coordinates."
    )
    thresholds: EvidenceMap = Field(description="The thresholds in force when it was detected.")
    source_event_ids: list[Identifier] = Field(
        default_factory=list, max_length=50, description="Events that revealed it."
    )
    message_id: Explanation = Field(description="What was detected, in Bahasa Indonesia.")
    message_en: Explanation = Field(description="What was detected, in English.")
