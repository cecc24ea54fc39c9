"""An employee's state at an instant: profile, sanctions, requests, days, reports, anomalies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.events import (
    AttendanceAnomalyDetected,
    DeviceRegistered,
    EmployeeRegistered,
    EmployeeUpdated,
    EventPayload,
    MonthlySummaryPublished,
    PersonalDataAccessed,
)
from schemas.serialization import DecodedEvent
from services.audit.domain.time_travel.asked import MAX_EVENTS
from services.audit.domain.time_travel.history import History, day_iso, iso
from services.audit.domain.time_travel.presence import Day, fold_presence
from services.audit.domain.time_travel.reports import Report, fold_report
from services.audit.domain.time_travel.requests import Request, fold_request
from services.audit.domain.time_travel.sanctions import Sanction, fold_sanction

__all__ = ["EmployeeHistory", "employee_state"]


@dataclass
class EmployeeHistory(History):
    """The fold of one employee's events (envelope ``subject`` = their NIP)."""

    nip: str = ""
    profile: dict[str, Any] | None = None
    registered_at: datetime | None = None
    updated_at: datetime | None = None
    sanctions: dict[str, Sanction] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    days: dict[date, Day] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    anomalies: dict[str, dict[str, Any]] = field(default_factory=dict)
    device: dict[str, Any] | None = None
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    accesses: Counter[str] = field(default_factory=Counter)

    def _concerns(self, event: DecodedEvent) -> bool:
        if event.envelope.subject == self.nip:
            return True
        payload = event.payload  # a read that listed this employee among others
        return isinstance(payload, PersonalDataAccessed) and self._listed(payload)

    def _listed(self, payload: PersonalDataAccessed) -> bool:
        return any(read.nip == self.nip for read in payload.subjects)

    def _fold(self, payload: EventPayload, event: DecodedEvent) -> bool:
        at = event.envelope.recorded_at
        if isinstance(payload, EmployeeRegistered | EmployeeUpdated):
            self._fold_profile(payload, at)
            return True
        if isinstance(payload, AttendanceAnomalyDetected):
            self.anomalies[payload.anomaly_id] = {
                "anomaly_id": payload.anomaly_id,
                "kind": payload.kind,
                "work_date": payload.work_date.isoformat(),
                "at": payload.at.isoformat(),
                "detected_by": payload.detected_by,
            }
            return True
        if isinstance(payload, DeviceRegistered):
            self.device = {
                "device_id": payload.device_id,
                "platform": payload.platform,
                "label": payload.label,
                "replaces": payload.replaces,
                "registered_at": at.isoformat(),
            }
            return True
        if isinstance(payload, MonthlySummaryPublished):
            self.summaries[payload.month] = payload.model_dump(
                mode="json", exclude={"nip", "opd_id"}
            )
            return True
        if isinstance(payload, PersonalDataAccessed):
            if self._listed(payload):  # not when only the reader's first subject was this one
                self.accesses[payload.data_kind] += 1
            return True
        return (
            fold_sanction(self.sanctions, payload)
            or fold_request(self.requests, payload, at)
            or fold_presence(self.days, payload)
            or fold_report(self.reports, payload, at)
        )

    def _fold_profile(self, payload: EmployeeRegistered | EmployeeUpdated, at: datetime) -> None:
        if isinstance(payload, EmployeeRegistered) and self.registered_at is None:
            self.registered_at = at
        self.updated_at = at
        self.profile = {
            "name": payload.name,
            "opd_id": payload.opd_id,
            "work_unit_id": payload.work_unit_id,
            "position": payload.position,
            "position_category": payload.position_category,
            "supervisor_nip": payload.supervisor_nip,
            "employment_type": payload.employment_type,
            "appointment_date": payload.appointment_date.isoformat(),
            "orientation_end_date": day_iso(payload.orientation_end_date),
            "has_home_location": payload.home_location is not None,
        }

    def state(self) -> dict[str, Any]:
        """The employee as they stood at ``as_of``."""
        day = self.as_of_day
        sanctions = [s.view(day) for s in self.sanctions.values()]
        in_force = sum(1 for s in sanctions if s["status"] == "in_force")
        requests = sorted(
            (r.view() for r in self.requests.values()),
            key=lambda r: (r["requested_at"] or "", r["request_id"]),
        )
        days = [self.days[d].view() for d in sorted(self.days)]
        reports = sorted(
            (r.view() for r in self.reports.values()),
            key=lambda r: (r["work_date"] or "", r["report_id"]),
        )
        anomalies = sorted(
            self.anomalies.values(), key=lambda a: (a["work_date"], a["at"], a["anomaly_id"])
        )
        profile = None
        if self.profile is not None:
            orientation = self.profile["orientation_end_date"]
            profile = {
                **self.profile,
                "status": "sanctioned" if in_force else "active",
                "in_orientation": orientation is not None and orientation >= day.isoformat(),
                "registered_at": iso(self.registered_at),
                "updated_at": iso(self.updated_at),
            }
        checked_in = [d for d in days if d["checked_in_at"] is not None]
        return {
            "nip": self.nip,
            **self._summary(),
            "known": self.profile is not None,
            "profile": profile,
            "sanctions": sanctions,
            "requests": requests,
            "attendance": days,
            "reports": reports,
            "anomalies": anomalies,
            "device": self.device,
            "monthly_summaries": [self.summaries[m] for m in sorted(self.summaries)],
            "counts": {
                "sanctions_in_force": in_force,
                "requests": dict(sorted(Counter(r["status"] for r in requests).items())),
                "days_present": len(checked_in),
                "days_by_mode": dict(sorted(Counter(d["mode"] for d in checked_in).items())),
                "days_without_check_out": sum(1 for d in checked_in if d["checked_out_at"] is None),
                "reports": dict(sorted(Counter(r["status"] for r in reports).items())),
                "anomalies": len(anomalies),
                "anomalies_by_kind": dict(sorted(Counter(a["kind"] for a in anomalies).items())),
                "accesses_by_others": sum(self.accesses.values()),
                "accesses_by_kind": dict(sorted(self.accesses.items())),
            },
        }


def employee_state(
    nip: str, as_of: datetime, events: Iterable[DecodedEvent], limit: int = MAX_EVENTS
) -> dict[str, Any]:
    """The state of employee ``nip`` at ``as_of``, folded from ``events`` in archive order."""
    history = EmployeeHistory(as_of=as_of, limit=limit, nip=nip)
    for event in events:
        history.add(event)
    return history.state()
