"""The decider's decision, pure: outcomes and what a command holds, against plain tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from kernel.policy import PolicyHistory
from schemas import new_ulid
from schemas.events import (
    GeoPoint,
    SharedPlace,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRequested,
    WorkTarget,
)
from services.eligibility.domain.commands import ActOnRequest, SubmitRequest
from services.eligibility.domain.decision import (
    ACTOR,
    Decision,
    already_submitted,
    decide_action,
    decide_submission,
    supervisor_needed,
    week_id,
)
from tests.support.eligibility_facts import employee, policy

ASN = "199001012015031001"
SUPERVISOR = "198001012005011002"
MON, TUE = date(2026, 12, 7), date(2026, 12, 8)
NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)
UNIT = "bappeda/sekretariat"


@dataclass
class Tables:
    """The three tables as plain dicts (the decider's are staged faust tables)."""

    requests: dict[str, Any] = field(default_factory=dict)
    unit_days: dict[str, Any] = field(default_factory=dict)
    asn_weeks: dict[str, Any] = field(default_factory=dict)

    def apply(self, decision: Decision) -> None:
        for table, key, value in decision.writes:
            getattr(self, table)[key] = value


class Reference:
    def policy_history(self, opd_id: str) -> PolicyHistory:
        return PolicyHistory(opd_id=opd_id, policies=(policy(),))

    def unit_size(self, opd_id: str, work_unit_id: str) -> int:
        return 10


def _submit(request_id: str = "req-1", dates: tuple[date, ...] = (MON, TUE)) -> SubmitRequest:
    return SubmitRequest(
        command_id=new_ulid(),
        correlation_id=new_ulid(),
        request_id=request_id,
        work_unit_id="sekretariat",
        nip=ASN,
        opd_id="bappeda",
        actor=ASN,
        issued_at=NOW,
        dates=dates,
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan",
        work_plan=(WorkTarget(description="Draf laporan", target=1, unit="dokumen"),),
    )


def _act(kind: str, actor: str, request_id: str = "req-1") -> ActOnRequest:
    return ActOnRequest.model_validate(
        {
            "kind": kind,
            "command_id": new_ulid(),
            "correlation_id": new_ulid(),
            "request_id": request_id,
            "work_unit_id": "sekretariat",
            "nip": ASN,
            "opd_id": "bappeda",
            "actor": actor,
            "issued_at": NOW,
        }
    )


def _submitted(tables: Tables) -> tuple[SubmitRequest, str]:
    command = _submit()
    event_id = new_ulid()
    decision = decide_submission(
        tables, command, employee(), Reference(), now=NOW, event_id=event_id
    )
    tables.apply(decision)
    return command, event_id


def test_an_eligible_submission_is_requested_and_holds_its_days_and_week() -> None:
    tables = Tables()
    command = _submit()
    decision = decide_submission(tables, command, employee(), Reference(), now=NOW, event_id="ev-1")
    assert decision.outcome is not None
    assert isinstance(decision.outcome.payload, WfaRequested)
    assert decision.outcome.payload.decision is not None
    assert decision.outcome.payload.decision.eligible
    assert (decision.outcome.actor, decision.outcome.causation_id) == (ASN, command.command_id)
    tables.apply(decision)
    assert tables.requests["req-1"]["status"] == "pending"
    assert tables.requests["req-1"]["requested_event"] == "ev-1"
    assert tables.unit_days[f"{UNIT}|{MON.isoformat()}"] == ["req-1"]
    # two days of one ISO week: the week is written twice, the second read back from the first
    assert tables.asn_weeks[f"{ASN}|{week_id(MON)}"] == {"req-1": 2}
    assert already_submitted(tables, command)
    again = decide_submission(tables, command, employee(), Reference(), now=NOW, event_id="x")
    assert again.outcome is None and not again.writes


def test_a_requester_off_the_roster_is_refused_and_nothing_is_held() -> None:
    tables = Tables()
    decision = decide_submission(tables, _submit(), None, Reference(), now=NOW, event_id="e")
    assert decision.outcome is not None and not decision.writes
    refused = decision.outcome.payload
    assert isinstance(refused, WfaActionRefused) and refused.code == "employee_not_on_roster"
    assert decision.outcome.actor == ACTOR


def test_the_supervisor_approves_and_a_cancellation_releases_the_days() -> None:
    tables = Tables()
    _, requested = _submitted(tables)
    approve = _act("approve", SUPERVISOR)
    assert supervisor_needed(tables, approve) == ASN
    approved = decide_action(tables, approve, SUPERVISOR, now=NOW)
    assert approved.outcome is not None and isinstance(approved.outcome.payload, WfaApproved)
    assert approved.outcome.causation_id == requested
    tables.apply(approved)
    assert tables.requests["req-1"]["status"] == "approved"
    assert decide_action(tables, approve, SUPERVISOR, now=NOW).outcome is None  # applied
    cancel = _act("cancel", ASN)
    assert supervisor_needed(tables, cancel) is None
    cancelled = decide_action(tables, cancel, None, now=NOW)
    assert cancelled.outcome is not None and isinstance(cancelled.outcome.payload, WfaCancelled)
    tables.apply(cancelled)
    assert tables.unit_days[f"{UNIT}|{MON.isoformat()}"] == []
    assert tables.asn_weeks[f"{ASN}|{week_id(MON)}"] == {}
    assert tables.requests["req-1"]["status"] == "cancelled"


def test_a_refused_action_is_remembered_and_an_unknown_request_refused() -> None:
    tables = Tables()
    _submitted(tables)
    stranger = _act("approve", "199202022016042002")
    refused = decide_action(tables, stranger, SUPERVISOR, now=NOW)
    assert refused.outcome is not None
    payload = refused.outcome.payload
    assert isinstance(payload, WfaActionRefused) and payload.code == "not_supervisor_of_record"
    tables.apply(refused)
    assert stranger.command_id in tables.requests["req-1"]["applied"]
    assert tables.requests["req-1"]["status"] == "pending"
    unknown = decide_action(tables, _act("cancel", ASN, "req-x"), None, now=NOW)
    assert unknown.outcome is not None
    assert isinstance(unknown.outcome.payload, WfaActionRefused)
    assert unknown.outcome.payload.code == "request_not_found"
