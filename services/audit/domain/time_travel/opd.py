"""An OPD's state at an instant: policy in force, members, sanctions, requests, presence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    EmployeeRegistered,
    EmployeeUpdated,
    EventPayload,
    GeofenceRetired,
    GeofenceSet,
    OpdPolicyPublished,
    OpdReadinessAssessed,
    PersonalDataAccessed,
)
from schemas.serialization import DecodedEvent
from services.audit.domain.time_travel.asked import MAX_EVENTS, local_day
from services.audit.domain.time_travel.history import History
from services.audit.domain.time_travel.reports import Report, fold_report
from services.audit.domain.time_travel.requests import Request, fold_request
from services.audit.domain.time_travel.sanctions import Sanction, fold_sanction

__all__ = ["ROSTER_TYPES", "OpdHistory", "opd_state"]


ROSTER_TYPES = (EmployeeRegistered.event_type, EmployeeUpdated.event_type)
"""Roster events that say which OPD an employee belongs to."""


def _policy_view(payload: OpdPolicyPublished, at: datetime) -> dict[str, Any]:
    return {
        "version": payload.version,
        "effective_from": payload.effective_from.isoformat(),
        "settings": payload.settings,
        "note": payload.note,
        "published_at": at.isoformat(),
    }


@dataclass
class _Member:
    opd_id: str
    work_unit_id: str
    employment_type: str


@dataclass
class OpdHistory(History):
    """The fold of one OPD's events (envelope ``opd_id``), plus the roster events of anyone who
    ever belonged to it (an employee who moves away leaves the OPD's head count)."""

    opd_id: str = ""
    policies: dict[int, OpdPolicyPublished] = field(default_factory=dict)
    policy_times: dict[int, datetime] = field(default_factory=dict)
    members: dict[str, _Member] = field(default_factory=dict)
    sanctions: dict[str, Sanction] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    presence: dict[tuple[str, date], str | None] = field(default_factory=dict)
    check_ins: int = 0
    check_outs: int = 0
    reports: dict[str, Report] = field(default_factory=dict)
    anomalies: dict[str, str] = field(default_factory=dict)
    readiness: dict[str | None, tuple[date, OpdReadinessAssessed]] = field(default_factory=dict)
    readiness_count: int = 0
    geofences: dict[str, bool] = field(default_factory=dict)
    accesses: int = 0

    def _concerns(self, event: DecodedEvent) -> bool:
        if event.envelope.opd_id == self.opd_id:
            return True
        return isinstance(event.payload, EmployeeRegistered | EmployeeUpdated) and (
            event.envelope.subject in self.members or event.payload.opd_id == self.opd_id
        )

    def _fold(self, payload: EventPayload, event: DecodedEvent) -> bool:
        at = event.envelope.recorded_at
        if isinstance(payload, EmployeeRegistered | EmployeeUpdated):
            self.members[payload.nip] = _Member(
                payload.opd_id, payload.work_unit_id, payload.employment_type
            )
            return True
        if isinstance(payload, OpdPolicyPublished):
            if payload.opd_id != self.opd_id:
                return False
            self.policies[payload.version] = payload
            self.policy_times[payload.version] = at
            return True
        if isinstance(payload, OpdReadinessAssessed):
            return self._fold_readiness(payload)
        if isinstance(payload, GeofenceSet | GeofenceRetired):
            if payload.opd_id != self.opd_id:
                return False
            self.geofences[payload.geofence_id] = isinstance(payload, GeofenceSet)
            return True
        if isinstance(payload, CheckedIn):
            self.check_ins += 1
            key = (payload.nip, payload.work_date)
            if key not in self.presence:
                self.presence[key] = payload.place.derived_mode
            return True
        if isinstance(payload, CheckedOut):
            self.check_outs += 1
            return True
        if isinstance(payload, AttendanceAnomalyDetected):
            self.anomalies[payload.anomaly_id] = payload.kind
            return True
        if isinstance(payload, PersonalDataAccessed):
            self.accesses += 1
            return True
        return (
            fold_sanction(self.sanctions, payload)
            or fold_request(self.requests, payload, at)
            or fold_report(self.reports, payload, at)
        )

    def _fold_readiness(self, payload: OpdReadinessAssessed) -> bool:
        if payload.opd_id != self.opd_id:
            return False
        self.readiness_count += 1
        current = self.readiness.get(payload.work_unit_id)
        if current is None or payload.assessed_on >= current[0]:  # then the latest recorded
            self.readiness[payload.work_unit_id] = (payload.assessed_on, payload)
        return True

    def _policy_in_force(self) -> int | None:
        """The version in force at ``as_of``: each version's first day is judged in the OPD's
        own time zone (a version effective today in WIB is in force from 00:00 WIB)."""
        versions = [
            v
            for v, p in self.policies.items()
            if p.effective_from <= local_day(self.as_of, p.settings.get("timezone"))
        ]
        return max(versions) if versions else None

    def state(self) -> dict[str, Any]:
        """The OPD as it stood at ``as_of``: aggregates only, never a list of people."""
        day = self.as_of_day
        staff = {nip: m for nip, m in self.members.items() if m.opd_id == self.opd_id}
        in_force = self._policy_in_force()
        latest = max(self.policies) if self.policies else None
        request_status = Counter(r.status for r in self.requests.values())
        report_status = Counter(r.status for r in self.reports.values())
        modes = Counter(mode for mode in self.presence.values())
        return {
            "opd_id": self.opd_id,
            **self._summary(),
            "policy": {
                "in_force": None
                if in_force is None
                else _policy_view(self.policies[in_force], self.policy_times[in_force]),
                "latest_version": latest,
                "versions": len(self.policies),
            },
            "employees": {
                "count": len(staff),
                "by_employment_type": dict(
                    sorted(Counter(m.employment_type for m in staff.values()).items())
                ),
                "work_units": len({m.work_unit_id for m in staff.values()}),
                "sanctions_in_force": sum(
                    1
                    for s in self.sanctions.values()
                    if s.nip in staff and s.status(day) == "in_force"
                ),
            },
            "requests": {
                "total": len(self.requests),
                "by_status": dict(sorted(request_status.items())),
                "days_requested": sum(len(r.dates) for r in self.requests.values()),
                "days_approved": sum(
                    len(r.dates) for r in self.requests.values() if r.status == "approved"
                ),
            },
            "attendance": {
                "days_with_presence": len({work_date for _, work_date in self.presence}),
                "employee_days": len(self.presence),
                "employee_days_by_mode": dict(sorted((str(mode), n) for mode, n in modes.items())),
                "check_ins": self.check_ins,
                "check_outs": self.check_outs,
            },
            "reports": {
                "submitted": len(self.reports),
                "accepted": report_status.get("accepted", 0),
                "returned": report_status.get("returned", 0),
                "awaiting_review": report_status.get("submitted", 0),
            },
            "anomalies": {
                "total": len(self.anomalies),
                "by_kind": dict(sorted(Counter(self.anomalies.values()).items())),
            },
            "readiness": {
                "assessments": self.readiness_count,
                "opd": self._readiness_view(None),
                "units": {
                    unit: self._readiness_view(unit)
                    for unit in sorted(u for u in self.readiness if u is not None)
                },
            },
            "geofences": {"active": sum(1 for active in self.geofences.values() if active)},
            "personal_data_accesses": self.accesses,
        }

    def _readiness_view(self, unit: str | None) -> dict[str, Any] | None:
        entry = self.readiness.get(unit)
        if entry is None:
            return None
        assessment = entry[1]
        return {
            "assessment_id": assessment.assessment_id,
            "assessed_on": assessment.assessed_on.isoformat(),
            "infrastructure_score": assessment.infrastructure_score,
            "connectivity_score": assessment.connectivity_score,
        }


def opd_state(
    opd_id: str, as_of: datetime, events: Iterable[DecodedEvent], limit: int = MAX_EVENTS
) -> dict[str, Any]:
    """The state of OPD ``opd_id`` at ``as_of``, folded from ``events`` in archive order."""
    history = OpdHistory(as_of=as_of, limit=limit, opd_id=opd_id)
    for event in events:
        history.add(event)
    return history.state()
