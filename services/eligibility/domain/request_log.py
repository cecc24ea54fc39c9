"""The request log: events of the requests topic as rows, and a request's current state.

Pure: :func:`request_log_rows` maps one event to a row of ``request_log``; :func:`fold`
replays the rows of one request into a :class:`RequestView`.

A submission the decider refused (``WfaActionRefused`` with ``action="submit"``, e.g. the
requester left the roster, or the request could not be decided) has no ``WfaRequested``; its
request is ``refused`` and its view carries the refusal, so polling it answers the refusal
instead of "not found".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from kernel.projection_rows import Position, TableRows
from schemas import Envelope, decode_payload, upcast
from schemas.events import (
    EligibilityDecision,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)

Status = Literal[
    "submitted", "pending", "not_eligible", "approved", "rejected", "cancelled", "refused"
]

#: statuses whose days count against the weekly cap and the unit's share
HOLDING: frozenset[str] = frozenset({"pending", "approved"})


def status_after(payload: Any) -> Status | None:
    """The status an event leaves its request in (None: the event changes no status)."""
    if isinstance(payload, WfaRequested):
        if payload.decision is None:
            return "submitted"
        return "pending" if payload.decision.eligible else "not_eligible"
    if isinstance(payload, WfaApproved):
        return "approved"
    if isinstance(payload, WfaRejected):
        return "rejected"
    if isinstance(payload, WfaCancelled):
        return "cancelled"
    if isinstance(payload, WfaActionRefused) and payload.action == "submit":
        return "refused"
    return None


def request_log_rows(envelope: Envelope, position: Position, raw: bytes = b"") -> TableRows:
    payload = decode_payload(envelope)
    if not isinstance(
        payload, (WfaRequested, WfaApproved, WfaRejected, WfaCancelled, WfaActionRefused)
    ):
        return []
    requested = payload if isinstance(payload, WfaRequested) else None
    decision = requested.decision if requested is not None else None
    row = {
        "request_id": payload.request_id,
        "nip": payload.nip,
        "opd_id": envelope.opd_id,
        "work_unit_id": requested.work_unit_id if requested else "",
        "type": envelope.type,
        "status": status_after(payload) or "",
        "dates": list(requested.dates) if requested else [],
        "eligible": None if decision is None else int(decision.eligible),
        "policy_version": None if decision is None else decision.policy_version,
        "body": json.dumps(payload.model_dump(mode="json"), sort_keys=True),
        "actor": envelope.actor,
        "event_id": envelope.event_id,
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "recorded_at": envelope.recorded_at,
        **position.columns(),
    }
    return [("request_log", row)]


@dataclass(frozen=True)
class HistoryEntry:
    type: str
    actor: str
    recorded_at: datetime
    event_id: str
    causation_id: str | None
    body: dict[str, Any]


@dataclass(frozen=True)
class RequestView:
    """A request as its events left it."""

    request_id: str
    nip: str
    opd_id: str
    work_unit_id: str
    dates: tuple[date, ...]
    status: Status
    decision: EligibilityDecision | None
    requested_at: datetime
    history: tuple[HistoryEntry, ...] = field(default=())
    correlation_id: str | None = None
    work_plan: tuple[dict[str, Any], ...] = ()
    """The measurable targets the employee planned for the days (their daily reports'
    targets); empty for a refused submission."""
    place: dict[str, Any] | None = None
    """Where the employee intends to work from, as others may know it: the coarse cell, the
    address the employee chose to share, and the id of the restricted record of the precise
    place (which check-ins are measured against)."""
    reason: str = ""
    """The flow id every event of the request shares (the one its submission created)."""
    refusal: dict[str, str] | None = None
    """For a ``refused`` submission: its ``code``, ``message_id`` and ``message_en``."""

    @property
    def holds_days(self) -> bool:
        return self.status in HOLDING

    def public(self) -> dict[str, Any]:
        """The JSON shape the API answers with."""
        answer: dict[str, Any] = {
            "request_id": self.request_id,
            "nip": self.nip,
            "opd_id": self.opd_id,
            "work_unit_id": self.work_unit_id,
            "dates": [d.isoformat() for d in self.dates],
            "status": self.status,
            "requested_at": self.requested_at.isoformat(),
            "decision": None if self.decision is None else self.decision.model_dump(mode="json"),
            "reason": self.reason,
            "place": self.place,
            "work_plan": list(self.work_plan),
            "history": [
                {
                    "type": h.type,
                    "actor": h.actor,
                    "recorded_at": h.recorded_at.isoformat(),
                    "event_id": h.event_id,
                    **{
                        k: v
                        for k, v in h.body.items()
                        if k in ("reason", "code", "message_id", "message_en", "action")
                    },
                }
                for h in self.history
            ],
        }
        if self.refusal is not None:
            answer["refusal"] = dict(self.refusal)
        return answer


def as_utc(value: Any) -> datetime:
    """A ``recorded_at`` column value as an aware datetime (the store keeps UTC).

    Cut to the millisecond the store keeps, so a view folded from fresh events and one read
    back from the store answer the same instant.
    """
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _submit_refusal(row: Mapping[str, Any]) -> bool:
    return bool(row["type"] == WfaActionRefused.event_type and row["status"] == "refused")


def fold(rows: Iterable[Mapping[str, Any]]) -> RequestView | None:
    """The state of one request from its ``request_log`` rows (any order; None: unknown).

    Rows of one event seen twice (a redelivered outcome, before the table merges) count once.
    """
    unique = {str(row["event_id"]): row for row in rows}
    ordered = sorted(unique.values(), key=lambda row: (int(row["offset"]), str(row["event_id"])))
    base = next((row for row in ordered if row["type"] == WfaRequested.event_type), None)
    if base is None:
        return _refused(ordered)
    requested = WfaRequested.model_validate(_current_body(json.loads(base["body"])))
    status: Status = "submitted"
    history: list[HistoryEntry] = []
    for row in ordered:
        if row["status"] and not _submit_refusal(row):
            status = row["status"]
        history.append(_entry(row))
    return RequestView(
        request_id=requested.request_id,
        nip=requested.nip,
        opd_id=str(base["opd_id"]),
        work_unit_id=requested.work_unit_id,
        dates=tuple(requested.dates),
        status=status,
        decision=requested.decision,
        requested_at=as_utc(base["recorded_at"]),
        history=tuple(history),
        correlation_id=base.get("correlation_id"),
        work_plan=tuple(target.model_dump(mode="json") for target in requested.work_plan),
        place=requested.place.model_dump(mode="json"),
        reason=requested.reason,
    )


def _current_body(body: dict[str, Any]) -> dict[str, Any]:
    """A ``WfaRequested`` body as the current version has it: a row projected before the
    precise place was kept apart holds the v3 ``location``, read as its coarse cell."""
    if "location" in body and "place" not in body:
        return upcast(WfaRequested.event_type, 3, body)[1]
    return body


def requested_view(envelope: Envelope, requested: WfaRequested) -> RequestView:
    """The view of a request whose only event so far is ``envelope``, its ``WfaRequested``
    (``requested``, the payload already decoded): the same as :func:`fold` of the event's
    row, without writing the row's JSON body and reading it back."""
    body = requested.model_dump(mode="json")
    return RequestView(
        request_id=requested.request_id,
        nip=requested.nip,
        opd_id=str(envelope.opd_id),
        work_unit_id=requested.work_unit_id,
        dates=tuple(requested.dates),
        status=status_after(requested) or "submitted",
        decision=requested.decision,
        requested_at=as_utc(envelope.recorded_at),
        history=(
            HistoryEntry(
                type=envelope.type,
                actor=envelope.actor,
                recorded_at=as_utc(envelope.recorded_at),
                event_id=envelope.event_id,
                causation_id=envelope.causation_id,
                body=dict(sorted(body.items())),
            ),
        ),
        correlation_id=envelope.correlation_id,
        work_plan=tuple(body["work_plan"]),
        place=body["place"],
        reason=requested.reason,
    )


def _entry(row: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        type=str(row["type"]),
        actor=str(row["actor"]),
        recorded_at=as_utc(row["recorded_at"]),
        event_id=str(row["event_id"]),
        causation_id=row.get("causation_id"),
        body=json.loads(row["body"]),
    )


def _refused(ordered: list[Mapping[str, Any]]) -> RequestView | None:
    """The view of a submission refused by the decider (None: no such refusal)."""
    refusal = next((row for row in ordered if _submit_refusal(row)), None)
    if refusal is None:
        return None
    body = WfaActionRefused.model_validate(json.loads(refusal["body"]))
    return RequestView(
        request_id=body.request_id,
        nip=body.nip,
        opd_id=str(refusal["opd_id"]),
        work_unit_id=str(refusal["work_unit_id"]),
        dates=(),
        status="refused",
        decision=None,
        requested_at=as_utc(refusal["recorded_at"]),
        history=(_entry(refusal),),
        correlation_id=refusal.get("correlation_id"),
        refusal={
            "code": body.code,
            "message_id": body.message_id,
            "message_en": body.message_en,
        },
    )
