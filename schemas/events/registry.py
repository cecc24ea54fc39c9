"""The registry of every event class of the contract, by ``event_type``."""

from __future__ import annotations

from schemas.events.attendance import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    HeartbeatReceived,
    LocationPinged,
)
from schemas.events.base import EventPayload
from schemas.events.devices import DeviceRegistered, GeofenceRetired, GeofenceSet
from schemas.events.locations import LocationRecorded, PersonalDataAccessed, WfaLocationDeclared
from schemas.events.policies import OpdPolicyPublished, OpdReadinessAssessed
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
)
from schemas.events.summaries import MonthlySummaryPublished
from schemas.exceptions import UnknownEventType

__all__ = ["EVENT_TYPES", "event_class"]

_EVENT_CLASSES: tuple[type[EventPayload], ...] = (
    EmployeeRegistered,
    EmployeeUpdated,
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    OpdPolicyPublished,
    OpdReadinessAssessed,
    WfaRequested,
    WfaApproved,
    WfaRejected,
    WfaCancelled,
    WfaActionRefused,
    CheckedIn,
    CheckedOut,
    LocationPinged,
    HeartbeatReceived,
    AttendanceAnomalyDetected,
    LocationRecorded,
    WfaLocationDeclared,
    PersonalDataAccessed,
    DeviceRegistered,
    GeofenceSet,
    GeofenceRetired,
    DailyReportSubmitted,
    DailyReportReviewed,
    MonthlySummaryPublished,
)


def _build_registry(classes: tuple[type[EventPayload], ...]) -> dict[str, type[EventPayload]]:
    registry: dict[str, type[EventPayload]] = {}
    for cls in classes:
        if cls.event_type != cls.__name__:
            raise TypeError(f"{cls.__name__}.event_type must equal the class name")
        if cls.class_version < 1:
            raise TypeError(f"{cls.__name__}.class_version must be at least 1")
        if cls.event_type in registry:
            raise TypeError(f"duplicate event type {cls.event_type!r}")
        registry[cls.event_type] = cls
    return registry


EVENT_TYPES: dict[str, type[EventPayload]] = _build_registry(_EVENT_CLASSES)
"""Every event class of the contract by ``event_type``, grouped by topic in declaration order."""


def event_class(event_type: str) -> type[EventPayload]:
    """Return the payload class for ``event_type``; raise :class:`UnknownEventType` if none."""
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None
