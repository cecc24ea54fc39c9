"""Event payloads: what happened, in the past tense, at the current version of each event.

Every class here is a frozen pydantic model and part of the public contract. ``event_type`` is
the class name and is what appears in the envelope's ``type``; ``class_version`` is the current
payload version (older stored versions are brought forward by :mod:`schemas.upcasting`);
``topic`` is the Kafka topic the event is published on.

Changing a payload incompatibly means: bump ``class_version``, add one upcaster from the
previous version in :mod:`schemas.upcasting`, and regenerate the docs with
``python -m schemas.generate``.

One module per topic, all re-exported here (import from ``schemas.events``):

- :mod:`schemas.events.base` — the NIP, the model settings and :class:`EventPayload`;
- :mod:`schemas.events.values` — value objects (positions, work targets, report outputs, the
  eligibility decision);
- :mod:`schemas.events.roster`, :mod:`~schemas.events.policies`,
  :mod:`~schemas.events.requests`, :mod:`~schemas.events.attendance`,
  :mod:`~schemas.events.locations` (restricted positions and personal-data access),
  :mod:`~schemas.events.devices` (devices and geofences), :mod:`~schemas.events.reports`,
  :mod:`~schemas.events.summaries` — the events of each topic;
- :mod:`schemas.events.registry` — ``EVENT_TYPES`` and :func:`event_class`.
"""

from __future__ import annotations

from schemas.events.attendance import (
    AnomalyKind,
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    DeviceSeq,
    DistanceBand,
    HeartbeatReceived,
    LocationPinged,
    Mode,
    PlaceAssessment,
    TimeZone,
)
from schemas.events.base import NIP_PATTERN, EventPayload, Nip, NonBlankStr, Sha256Hex
from schemas.events.devices import (
    CircleShape,
    DeviceRegistered,
    GeofenceRetired,
    GeofenceSet,
    GeofenceShape,
    PolygonShape,
)
from schemas.events.locations import (
    MAX_ACCESS_SUBJECTS,
    LocationRecorded,
    PersonalDataAccessed,
    SubjectRead,
    WfaLocationDeclared,
)
from schemas.events.policies import OpdPolicyPublished, OpdReadinessAssessed
from schemas.events.registry import EVENT_TYPES, event_class
from schemas.events.reports import DailyReportReviewed, DailyReportSubmitted
from schemas.events.requests import (
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from schemas.events.roster import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
    HeadCapacity,
)
from schemas.events.summaries import MonthlySummaryPublished
from schemas.events.values import (
    EligibilityDecision,
    GeoPoint,
    ReportAttachment,
    ReportOutput,
    RuleOutcome,
    SharedPlace,
    WorkTarget,
    coarse_cell_of,
)

__all__ = [
    "EVENT_TYPES",
    "MAX_ACCESS_SUBJECTS",
    "NIP_PATTERN",
    "AnomalyKind",
    "AttendanceAnomalyDetected",
    "CheckedIn",
    "CheckedOut",
    "CircleShape",
    "DailyReportReviewed",
    "DailyReportSubmitted",
    "DeviceRegistered",
    "DeviceSeq",
    "DisciplinarySanctionImposed",
    "DisciplinarySanctionLifted",
    "DistanceBand",
    "EligibilityDecision",
    "EmployeeRegistered",
    "EmployeeUpdated",
    "EventPayload",
    "GeoPoint",
    "GeofenceRetired",
    "GeofenceSet",
    "GeofenceShape",
    "HeadCapacity",
    "HeartbeatReceived",
    "LocationPinged",
    "LocationRecorded",
    "Mode",
    "MonthlySummaryPublished",
    "Nip",
    "NonBlankStr",
    "OpdPolicyPublished",
    "OpdReadinessAssessed",
    "PersonalDataAccessed",
    "PlaceAssessment",
    "PolygonShape",
    "ReportAttachment",
    "ReportOutput",
    "RuleOutcome",
    "Sha256Hex",
    "SharedPlace",
    "SubjectRead",
    "TimeZone",
    "WfaActionRefused",
    "WfaApproved",
    "WfaCancelled",
    "WfaLocationDeclared",
    "WfaRejected",
    "WfaRequested",
    "WorkTarget",
    "coarse_cell_of",
    "event_class",
]
