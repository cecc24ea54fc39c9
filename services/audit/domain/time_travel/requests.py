"""WFA requests as they stood: requested, decided, refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.events import (
    EventPayload,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from services.audit.domain.time_travel.history import iso

__all__ = ["Request", "fold_request"]


_REQUEST_STATUS = {
    WfaRequested: "pending",
    WfaApproved: "approved",
    WfaRejected: "rejected",
    WfaCancelled: "cancelled",
}


@dataclass
class Request:
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
            "requested_at": iso(self.requested_at),
            "decision": self.decision,
            "refused_actions": self.refused,
        }


def fold_request(requests: dict[str, Request], payload: EventPayload, at: datetime) -> bool:
    if isinstance(payload, WfaActionRefused):
        request = requests.setdefault(payload.request_id, Request(payload.request_id))
        request.refused.append(
            {"action": payload.action, "code": payload.code, "at": at.isoformat()}
        )
        return True
    status = _REQUEST_STATUS.get(type(payload))
    if status is None:
        return False
    request_id: str = payload.request_id  # type: ignore[attr-defined]
    request = requests.setdefault(request_id, Request(request_id))
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
