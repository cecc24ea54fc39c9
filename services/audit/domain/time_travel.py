"""Time travel: an employee's or an OPD's state as it stood at a given instant (pure, no I/O).

The state is a fold over archived events in the order of the archive, (recorded_at, topic,
partition, offset). Only events recorded at or before ``as_of`` apply; an event id seen twice
(a record published again) applies once. Every event type is counted; types that do not change
the state are listed under ``not_folded``. Instants in the answer are ISO 8601 text; the day
that ``as_of`` falls on, in its own UTC offset, decides which sanctions and policy versions are
in force.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kernel.working_time import UTC_OFFSET_HOURS
from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    DailyReportReviewed,
    DailyReportSubmitted,
    DeviceRegistered,
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
    EventPayload,
    GeofenceRetired,
    GeofenceSet,
    HeartbeatReceived,
    LocationPinged,
    MonthlySummaryPublished,
    OpdPolicyPublished,
    OpdReadinessAssessed,
    PersonalDataAccessed,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from schemas.limits import EARLIEST_DATE, EARLIEST_INSTANT, LATEST_DATE, LATEST_INSTANT
from schemas.serialization import DecodedEvent

__all__ = [
    "MAX_EVENTS",
    "ROSTER_TYPES",
    "EmployeeHistory",
    "HistoryTooLarge",
    "InvalidInstant",
    "OpdHistory",
    "check_history_size",
    "employee_state",
    "opd_state",
    "parse_as_of",
]

MAX_EVENTS = 200_000
"""The most events one time-travel answer folds; a longer history is refused, never cut."""

ROSTER_TYPES = (EmployeeRegistered.event_type, EmployeeUpdated.event_type)
"""Roster events that say which OPD an employee belongs to."""


# -- the instant asked for --------------------------------------------------------------------


class InvalidInstant(ValueError):
    """``at`` is not an ISO 8601 instant with a UTC offset."""

    def __init__(self, text: str, naive: bool) -> None:
        super().__init__(text)
        self.text = text
        self.naive = naive
        """True when the text is a valid timestamp without an offset (ambiguous)."""


# a "+" left unencoded in a query string arrives as a space: "...T10:00:00 07:00"
_SPACE_FOR_PLUS = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$"
)


def local_day(instant: datetime, zone: object) -> date:
    """The day ``instant`` falls on in ``zone`` (WIB, WITA or WIT; WIB otherwise: a policy
    without one is in WIB)."""
    hours = UTC_OFFSET_HOURS.get(zone if isinstance(zone, str) else "WIB", UTC_OFFSET_HOURS["WIB"])
    return (instant.astimezone(UTC) + timedelta(hours=hours)).date()


def parse_as_of(text: str | None, now: datetime) -> datetime:
    """The instant ``text`` names (ISO 8601 with ``Z`` or an offset); ``now`` when absent.

    A timestamp without an offset is refused: the same wall-clock time is three different
    instants in WIB, WITA and WIT. So is one outside the contract's range (1900 to 2100).
    """
    if text is None or not text.strip():
        return now
    cleaned = text.strip()
    match = _SPACE_FOR_PLUS.match(cleaned)
    if match:
        cleaned = f"{match.group(1)}+{match.group(2)}"
    try:
        instant = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInstant(text, naive=False) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInstant(text, naive=True)
    if not (EARLIEST_INSTANT <= instant <= LATEST_INSTANT) or not (
        EARLIEST_DATE <= instant.date() <= LATEST_DATE
    ):
        raise InvalidInstant(text, naive=False)
    return instant


class HistoryTooLarge(ValueError):
    """The history to fold holds more events than one answer may fold."""

    def __init__(self, events: int, limit: int) -> None:
        super().__init__(f"{events} events; at most {limit}")
        self.events = events
        self.limit = limit


def check_history_size(events: int, limit: int = MAX_EVENTS) -> None:
    """Refuse (:class:`HistoryTooLarge`) a history longer than ``limit`` events."""
    if events > limit:
        raise HistoryTooLarge(events, limit)


# -- the fold both states share ---------------------------------------------------------------


def _ms(instant: datetime) -> datetime:
    """``instant`` in UTC, to the millisecond (the archive's precision)."""
    utc = instant.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class _History:
    """Counts, deduplication and the ``as_of`` cut that every fold shares."""

    as_of: datetime
    limit: int = MAX_EVENTS
    applied: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    not_folded: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    undecodable: int = 0
    last: DecodedEvent | None = None
    _seen: set[str] = field(default_factory=set)
    _cut: datetime = field(init=False)

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must carry a UTC offset")
        self._cut = _ms(self.as_of)

    @property
    def as_of_day(self) -> date:
        """The day ``as_of`` falls on, in its own offset."""
        return self.as_of.date()

    def add(self, event: DecodedEvent) -> bool:
        """Apply ``event`` if it belongs to this history; True when it was applied."""
        envelope = event.envelope
        if _ms(envelope.recorded_at) > self._cut or not self._concerns(event):
            return False
        if envelope.event_id in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(envelope.event_id)
        self.applied += 1
        check_history_size(self.applied, self.limit)
        self.by_type[envelope.type] += 1
        self.last = event
        if not self._fold(event.payload, event):
            self.not_folded[envelope.type] += 1
        return True

    def add_undecodable(self) -> None:
        """Count an archived record that can no longer be decoded (it cannot be folded)."""
        self.undecodable += 1

    def _concerns(self, event: DecodedEvent) -> bool:
        raise NotImplementedError

    def _fold(self, payload: EventPayload, event: DecodedEvent) -> bool:
        """Change the state by ``payload``; False when its type does not change the state."""
        raise NotImplementedError

    def _summary(self) -> dict[str, Any]:
        last = self.last
        return {
            "as_of": self.as_of.isoformat(),
            "events_applied": self.applied,
            "events_by_type": dict(sorted(self.by_type.items())),
            "not_folded": dict(sorted(self.not_folded.items())),
            "duplicates_skipped": self.duplicates,
            "undecodable": self.undecodable,
            "last_event": None
            if last is None
            else {
                "event_id": last.envelope.event_id,
                "type": last.envelope.type,
                "recorded_at": last.envelope.recorded_at.isoformat(),
            },
        }


# -- sanctions --------------------------------------------------------------------------------


@dataclass
class _Sanction:
    sanction_id: str
    nip: str
    level: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    basis: str | None = None
    lifted_on: date | None = None
    lift_reason: str | None = None

    def status(self, day: date) -> str:
        """scheduled, in_force, ended or lifted on ``day``."""
        if self.lifted_on is not None and self.lifted_on <= day:
            return "lifted"
        if self.starts_on is None:
            return "unknown"  # lifted before its imposition was archived
        if self.starts_on > day:
            return "scheduled"
        if self.ends_on is not None and self.ends_on < day:
            return "ended"
        return "in_force"

    def view(self, day: date) -> dict[str, Any]:
        return {
            "sanction_id": self.sanction_id,
            "level": self.level,
            "starts_on": _day(self.starts_on),
            "ends_on": _day(self.ends_on),
            "basis": self.basis,
            "lifted_on": _day(self.lifted_on),
            "lift_reason": self.lift_reason,
            "status": self.status(day),
        }


def _fold_sanction(sanctions: dict[str, _Sanction], payload: EventPayload) -> bool:
    if isinstance(payload, DisciplinarySanctionImposed):
        sanction = sanctions.setdefault(
            payload.sanction_id, _Sanction(payload.sanction_id, payload.nip)
        )
        sanction.level = payload.level
        sanction.starts_on = payload.starts_on
        sanction.ends_on = payload.ends_on
        sanction.basis = payload.basis
        return True
    if isinstance(payload, DisciplinarySanctionLifted):
        sanction = sanctions.setdefault(
            payload.sanction_id, _Sanction(payload.sanction_id, payload.nip)
        )
        sanction.lifted_on = payload.lifted_on
        sanction.lift_reason = payload.reason
        return True
    return False


# -- WFA requests -----------------------------------------------------------------------------

_REQUEST_STATUS = {
    WfaRequested: "pending",
    WfaApproved: "approved",
    WfaRejected: "rejected",
    WfaCancelled: "cancelled",
}


@dataclass
class _Request:
    request_id: str
    status: str = "unknown"
    dates: list[date] = field(default_factory=list)
    work_unit_id: str | None = None
    reason: str | None = None
    targets: int = 0
    eligible: bool | None = None
    policy_version: int | None = None
    requested_at: datetime | None = None
    decision: dict[str, Any] | None = None
    refused: list[dict[str, Any]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "status": self.status,
            "dates": [d.isoformat() for d in self.dates],
            "work_unit_id": self.work_unit_id,
            "reason": self.reason,
            "targets": self.targets,
            "eligibility": None
            if self.eligible is None
            else {"eligible": self.eligible, "policy_version": self.policy_version},
            "requested_at": _iso(self.requested_at),
            "decision": self.decision,
            "refused_actions": self.refused,
        }


def _fold_request(requests: dict[str, _Request], payload: EventPayload, at: datetime) -> bool:
    if isinstance(payload, WfaActionRefused):
        request = requests.setdefault(payload.request_id, _Request(payload.request_id))
        request.refused.append(
            {"action": payload.action, "code": payload.code, "at": at.isoformat()}
        )
        return True
    status = _REQUEST_STATUS.get(type(payload))
    if status is None:
        return False
    request_id: str = payload.request_id  # type: ignore[attr-defined]
    request = requests.setdefault(request_id, _Request(request_id))
    request.status = status
    if isinstance(payload, WfaRequested):
        request.dates = sorted(payload.dates)
        request.work_unit_id = payload.work_unit_id
        request.reason = payload.reason
        request.targets = len(payload.work_plan)
        request.requested_at = at
        if payload.decision is not None:
            request.eligible = payload.decision.eligible
            request.policy_version = payload.decision.policy_version
    elif isinstance(payload, WfaApproved | WfaRejected):
        request.decision = {
            "status": status,
            "by": payload.approver_nip,
            "reason": payload.reason,
            "at": at.isoformat(),
        }
    elif isinstance(payload, WfaCancelled):
        request.decision = {
            "status": status,
            "by": None,
            "reason": payload.reason,
            "at": at.isoformat(),
            "previous": request.decision,
        }
    return True


# -- attendance -------------------------------------------------------------------------------


@dataclass
class _Day:
    work_date: date
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    mode: str | None = None
    declared_mode: str | None = None
    inside: bool | None = None
    minutes_after_start: int | None = None
    working_day: bool | None = None
    pings: int = 0
    heartbeats: int = 0
    late_synced: bool = False

    def view(self) -> dict[str, Any]:
        return {
            "work_date": self.work_date.isoformat(),
            "checked_in_at": _iso(self.checked_in_at),
            "checked_out_at": _iso(self.checked_out_at),
            "mode": self.mode,
            "declared_mode": self.declared_mode,
            "inside": self.inside,
            "minutes_after_start": self.minutes_after_start,
            "working_day": self.working_day,
            "pings": self.pings,
            "heartbeats": self.heartbeats,
            "late_synced": self.late_synced,
        }


def _fold_presence(days: dict[date, _Day], payload: EventPayload) -> bool:
    if not isinstance(payload, CheckedIn | CheckedOut | LocationPinged | HeartbeatReceived):
        return False
    day = days.setdefault(payload.work_date, _Day(payload.work_date))
    day.working_day = payload.working_day
    day.late_synced = day.late_synced or payload.late_synced
    if isinstance(payload, CheckedIn):
        if day.checked_in_at is None or payload.at < day.checked_in_at:  # the first one counts
            day.checked_in_at = payload.at
            day.mode = payload.place.derived_mode
            day.declared_mode = payload.place.declared_mode
            day.inside = payload.place.inside
            day.minutes_after_start = payload.minutes_after_start
    elif isinstance(payload, CheckedOut):
        if day.checked_out_at is None or payload.at > day.checked_out_at:  # the last one counts
            day.checked_out_at = payload.at
    elif isinstance(payload, LocationPinged):
        day.pings += 1
    else:
        day.heartbeats += 1
    return True


# -- daily reports ----------------------------------------------------------------------------


@dataclass
class _Report:
    report_id: str
    work_date: date | None = None
    revision: int = 0
    status: str = "unknown"
    mode: str | None = None
    request_id: str | None = None
    outputs: int = 0
    attachments: int = 0
    submitted_at: datetime | None = None
    reviews: list[dict[str, Any]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "work_date": _day(self.work_date),
            "revision": self.revision,
            "status": self.status,
            "mode": self.mode,
            "request_id": self.request_id,
            "outputs": self.outputs,
            "attachments": self.attachments,
            "submitted_at": _iso(self.submitted_at),
            "reviews": self.reviews,
        }


def _fold_report(reports: dict[str, _Report], payload: EventPayload, at: datetime) -> bool:
    if isinstance(payload, DailyReportSubmitted):
        report = reports.setdefault(payload.report_id, _Report(payload.report_id))
        if payload.revision >= report.revision:
            report.work_date = payload.work_date
            report.revision = payload.revision
            report.status = "submitted"
            report.mode = payload.mode
            report.request_id = payload.request_id
            report.outputs = len(payload.outputs)
            report.attachments = len(payload.attachments)
            report.submitted_at = at
        return True
    if isinstance(payload, DailyReportReviewed):
        report = reports.setdefault(payload.report_id, _Report(payload.report_id))
        report.reviews.append(
            {
                "revision": payload.revision,
                "verdict": payload.verdict,
                "reviewer_nip": payload.reviewer_nip,
                "note": payload.note,
                "at": at.isoformat(),
            }
        )
        if payload.revision >= report.revision:  # a verdict on an older revision is history
            report.work_date = report.work_date or payload.work_date
            report.revision = payload.revision
            report.status = payload.verdict
        return True
    return False


# -- an employee ------------------------------------------------------------------------------


@dataclass
class EmployeeHistory(_History):
    """The fold of one employee's events (envelope ``subject`` = their NIP)."""

    nip: str = ""
    profile: dict[str, Any] | None = None
    registered_at: datetime | None = None
    updated_at: datetime | None = None
    sanctions: dict[str, _Sanction] = field(default_factory=dict)
    requests: dict[str, _Request] = field(default_factory=dict)
    days: dict[date, _Day] = field(default_factory=dict)
    reports: dict[str, _Report] = field(default_factory=dict)
    anomalies: dict[str, dict[str, Any]] = field(default_factory=dict)
    device: dict[str, Any] | None = None
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    accesses: Counter[str] = field(default_factory=Counter)

    def _concerns(self, event: DecodedEvent) -> bool:
        return event.envelope.subject == self.nip

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
            self.accesses[payload.data_kind] += 1
            return True
        return (
            _fold_sanction(self.sanctions, payload)
            or _fold_request(self.requests, payload, at)
            or _fold_presence(self.days, payload)
            or _fold_report(self.reports, payload, at)
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
            "orientation_end_date": _day(payload.orientation_end_date),
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
                "registered_at": _iso(self.registered_at),
                "updated_at": _iso(self.updated_at),
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


# -- an OPD -----------------------------------------------------------------------------------


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
class OpdHistory(_History):
    """The fold of one OPD's events (envelope ``opd_id``), plus the roster events of anyone who
    ever belonged to it (an employee who moves away leaves the OPD's head count)."""

    opd_id: str = ""
    policies: dict[int, OpdPolicyPublished] = field(default_factory=dict)
    policy_times: dict[int, datetime] = field(default_factory=dict)
    members: dict[str, _Member] = field(default_factory=dict)
    sanctions: dict[str, _Sanction] = field(default_factory=dict)
    requests: dict[str, _Request] = field(default_factory=dict)
    presence: dict[tuple[str, date], str | None] = field(default_factory=dict)
    check_ins: int = 0
    check_outs: int = 0
    reports: dict[str, _Report] = field(default_factory=dict)
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
            _fold_sanction(self.sanctions, payload)
            or _fold_request(self.requests, payload, at)
            or _fold_report(self.reports, payload, at)
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
