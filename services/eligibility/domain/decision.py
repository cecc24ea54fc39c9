"""The decider's decision, pure: what one command does to the requests held, and its outcome.

The decider (:mod:`services.eligibility.decider`) owns the loop: it takes a batch of commands
from Kafka, fetches the facts a command needs, queues each outcome, publishes the batch and
then writes what the commands hold. What a command *decides* is here, without I/O or a clock:
given the three tables as the batch's predecessors left them (read-only), the facts and the
moment, :func:`decide_submission` and :func:`decide_action` return a :class:`Decision`: the
outcome to publish and the table writes to make once it is queued, in order. A command already
decided returns no outcome and no write.

The tables (see the decider for their partitioning):

* ``requests``: request id -> requester, unit, days, status, commands already applied;
* ``unit_days``: ``"<opd>/<unit>|<day>"`` -> ids of the requests holding that day;
* ``asn_weeks``: ``"<nip>|<year>-W<week>"`` -> {request id: days held that week}.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from kernel.policy import PolicyHistory
from kernel.work_calendar import week_key
from schemas.events import (
    EventPayload,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from services.eligibility.domain.commands import ActOnRequest, CommandHead, SubmitRequest
from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
from services.eligibility.domain.rules import evaluate_with_history
from services.eligibility.domain.workflow import check_action, local_today
from services.eligibility.messages import MESSAGES

__all__ = [
    "ACTOR",
    "Decision",
    "HeldTables",
    "Outcome",
    "ReferenceFacts",
    "TableName",
    "already_submitted",
    "decide_action",
    "decide_submission",
    "refusal",
    "supervisor_needed",
    "unit_key",
    "week_id",
]

ACTOR = "system:eligibility-decider"
"""Who records a refusal the decider makes."""

TableName = Literal["requests", "unit_days", "asn_weeks"]


class _Readable(Protocol):
    def get(self, key: str) -> Any: ...


class HeldTables(Protocol):
    """The decider's three tables as a command reads them (staged writes included)."""

    @property
    def requests(self) -> _Readable: ...

    @property
    def unit_days(self) -> _Readable: ...

    @property
    def asn_weeks(self) -> _Readable: ...


class ReferenceFacts(Protocol):
    """What the reference data says about OPDs: policy versions and unit head counts."""

    def policy_history(self, opd_id: str) -> PolicyHistory: ...

    def unit_size(self, opd_id: str, work_unit_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """The event a command ends as, with its envelope's actor and causality."""

    payload: EventPayload
    actor: str
    correlation_id: str
    causation_id: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome to queue (None: the command was already decided) and the table writes,
    ``(table, key, value)`` in order, to make once the outcome is queued."""

    outcome: Outcome | None
    writes: tuple[tuple[TableName, str, Any], ...] = ()
    skipped: str = ""
    """Why no outcome, for the log."""


def unit_key(opd_id: str, work_unit_id: str) -> str:
    """Work unit ids are unique within their OPD only."""
    return f"{opd_id}/{work_unit_id}"


def week_id(day: date) -> str:
    year, week = week_key(day)
    return f"{year}-W{week:02d}"


@dataclass
class _Writes:
    """Writes of one decision, read back by the decision itself (a week held twice)."""

    tables: HeldTables
    made: list[tuple[TableName, str, Any]] = field(default_factory=list)
    _latest: dict[tuple[TableName, str], Any] = field(default_factory=dict)

    def get(self, table: TableName, key: str) -> Any:
        if (table, key) in self._latest:
            return self._latest[(table, key)]
        readable: _Readable = getattr(self.tables, table)
        return readable.get(key)

    def set(self, table: TableName, key: str, value: Any) -> None:
        self._latest[(table, key)] = value
        self.made.append((table, key, value))

    def hold(self, request_id: str, nip: str, unit: str, dates: Iterable[date]) -> None:
        for day in dates:
            key = f"{unit}|{day.isoformat()}"
            self.set("unit_days", key, [*(self.get("unit_days", key) or []), request_id])
            week = f"{nip}|{week_id(day)}"
            held = dict(self.get("asn_weeks", week) or {})
            held[request_id] = held.get(request_id, 0) + 1
            self.set("asn_weeks", week, held)

    def release(self, request_id: str, nip: str, unit: str, dates: Iterable[date]) -> None:
        for day in dates:
            key = f"{unit}|{day.isoformat()}"
            days = [r for r in self.get("unit_days", key) or [] if r != request_id]
            self.set("unit_days", key, days)
            week = f"{nip}|{week_id(day)}"
            held = {r: n for r, n in (self.get("asn_weeks", week) or {}).items() if r != request_id}
            self.set("asn_weeks", week, held)


def refusal(
    tables: HeldTables,
    command: SubmitRequest | ActOnRequest | CommandHead,
    code: str,
    message_id: str,
    message_en: str,
) -> Outcome:
    """A refusal is caused by the command, in the flow of the request it is about."""
    state = tables.requests.get(command.request_id)
    correlation = (state or {}).get("correlation") or command.correlation_id
    return Outcome(
        WfaActionRefused(
            request_id=command.request_id,
            nip=command.nip,
            action=command.kind,
            code=code,
            message_id=message_id,
            message_en=message_en,
        ),
        ACTOR,
        correlation_id=correlation,
        causation_id=command.command_id,
    )


def _usage(tables: HeldTables, nip: str, unit: str, dates: Iterable[date], size: int) -> UsageFacts:
    away: dict[date, int] = {}
    used: dict[tuple[int, int], int] = {}
    for day in dates:
        away[day] = len(tables.unit_days.get(f"{unit}|{day.isoformat()}") or [])
        held = tables.asn_weeks.get(f"{nip}|{week_id(day)}") or {}
        used[week_key(day)] = sum(held.values())
    return UsageFacts(days_used_by_week=used, away_by_date=away, unit_size=size)


def already_submitted(tables: HeldTables, command: SubmitRequest) -> bool:
    """Whether the submission was decided already (a redelivered command)."""
    return tables.requests.get(command.request_id) is not None


def decide_submission(
    tables: HeldTables,
    command: SubmitRequest,
    employee: EmployeeFacts | None,
    reference: ReferenceFacts,
    *,
    now: datetime,
    event_id: str,
) -> Decision:
    """Decide a submission; its ``WfaRequested`` (``event_id``) is caused by the command.

    An eligible request holds its days in the unit and its ISO weeks for the requester.
    """
    if tables.requests.get(command.request_id) is not None:
        return Decision(None, skipped=f"request {command.request_id} already decided")
    if employee is None:
        message = MESSAGES.text("employee_not_on_roster.submit", nip=command.nip)
        return Decision(refusal(tables, command, "employee_not_on_roster", *message))
    if (employee.opd_id, employee.work_unit_id) != (command.opd_id, command.work_unit_id):
        message = MESSAGES.text(
            "work_unit_changed", opd_id=employee.opd_id, work_unit_id=employee.work_unit_id
        )
        return Decision(refusal(tables, command, "work_unit_changed", *message))
    history = reference.policy_history(employee.opd_id)
    unit = unit_key(command.opd_id, command.work_unit_id)
    size = reference.unit_size(command.opd_id, command.work_unit_id)
    policy = history.in_force_on(command.dates[0])
    today = local_today(now, policy.timezone if policy else "WIB")
    decision = evaluate_with_history(
        employee,
        RequestFacts(dates=command.dates),
        history,
        _usage(tables, command.nip, unit, command.dates, size),
        today=today,
    )
    payload = WfaRequested(
        request_id=command.request_id,
        nip=command.nip,
        work_unit_id=command.work_unit_id,
        dates=list(command.dates),
        place=command.place,
        reason=command.reason,
        work_plan=list(command.work_plan),
        decision=decision,
    )
    writes = _Writes(tables)
    writes.set(
        "requests",
        command.request_id,
        {
            "nip": command.nip,
            "unit": unit,
            "opd": command.opd_id,
            "dates": [day.isoformat() for day in command.dates],
            "status": "pending" if decision.eligible else "not_eligible",
            "tz": policy.timezone if policy else "WIB",
            "applied": [command.command_id],
            "correlation": command.correlation_id,
            "requested_event": event_id,
        },
    )
    if decision.eligible:
        writes.hold(command.request_id, command.nip, unit, command.dates)
    outcome = Outcome(
        payload,
        command.actor,
        correlation_id=command.correlation_id,
        causation_id=command.command_id,
    )
    return Decision(outcome, tuple(writes.made))


def supervisor_needed(tables: HeldTables, command: ActOnRequest) -> str | None:
    """The requester whose supervisor of record an approval or rejection needs; None when
    the action needs none (a cancellation) or will not be decided (unknown, applied)."""
    state = tables.requests.get(command.request_id)
    if state is None or command.command_id in state["applied"] or command.kind == "cancel":
        return None
    nip: str = state["nip"]
    return nip


def decide_action(
    tables: HeldTables, command: ActOnRequest, supervisor: str | None, *, now: datetime
) -> Decision:
    """Decide an approval, rejection or cancellation by ``command.actor``; ``supervisor`` is
    the requester's supervisor of record (see :func:`supervisor_needed`).

    A refused action is remembered as applied; a rejection or cancellation releases the days.
    """
    state = tables.requests.get(command.request_id)
    if state is None:
        message = MESSAGES.text("request_not_found.act", request_id=command.request_id)
        return Decision(refusal(tables, command, "request_not_found", *message))
    if command.command_id in state["applied"]:
        return Decision(None, skipped=f"command {command.command_id} already applied")
    dates = [date.fromisoformat(day) for day in state["dates"]]
    refused = check_action(
        command.kind,
        request_id=command.request_id,
        status=state["status"],
        requester_nip=state["nip"],
        first_day=min(dates),
        actor_nip=command.actor,
        supervisor_nip=supervisor,
        today=local_today(now, state["tz"]),
    )
    writes = _Writes(tables)
    if refused is not None:
        outcome = refusal(tables, command, refused.code, refused.message_id, refused.message_en)
        writes.set(
            "requests",
            command.request_id,
            {**state, "applied": [*state["applied"], command.command_id]},
        )
        return Decision(outcome, tuple(writes.made))
    payload: EventPayload
    if command.kind == "approve":
        payload = WfaApproved(
            request_id=command.request_id,
            nip=state["nip"],
            approver_nip=command.actor,
            reason=command.reason,
        )
        status = "approved"
    elif command.kind == "reject":
        payload = WfaRejected(
            request_id=command.request_id,
            nip=state["nip"],
            approver_nip=command.actor,
            reason=command.reason,
        )
        status = "rejected"
    else:
        payload = WfaCancelled(
            request_id=command.request_id, nip=state["nip"], reason=command.reason
        )
        status = "cancelled"
    outcome = Outcome(
        payload,
        command.actor,
        correlation_id=state.get("correlation") or command.correlation_id,
        causation_id=state.get("requested_event") or command.command_id,
    )
    if status in ("rejected", "cancelled"):
        writes.release(command.request_id, state["nip"], state["unit"], dates)
    writes.set(
        "requests",
        command.request_id,
        {**state, "status": status, "applied": [*state["applied"], command.command_id]},
    )
    return Decision(outcome, tuple(writes.made))
