"""Pure workflow rules, decider commands, the request-log fold and sanction periods."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kernel.policy import OpdPolicy, default_policy
from kernel.projection_rows import Position
from kernel.refusal import RefusalKind
from schemas import MalformedEvent, new_event
from schemas.events import (
    EligibilityDecision,
    GeoPoint,
    SharedPlace,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRequested,
    WorkTarget,
)
from services.eligibility.domain.commands import ActOnRequest, SubmitRequest, decode, encode
from services.eligibility.domain.request_log import fold, request_log_rows, requested_view
from services.eligibility.domain.workflow import check_action, local_today
from services.eligibility.reference import sanction_periods

ASN = "199001012015031001"
SUPERVISOR = "197001011995031003"
OTHER = "199205172019032002"
DAY = date(2026, 12, 7)


def _check(action: str, *, status: str = "pending", actor: str = SUPERVISOR, today: date = DAY):
    return check_action(
        action,  # type: ignore[arg-type]
        request_id="req-1",
        status=status,
        requester_nip=ASN,
        first_day=DAY,
        actor_nip=actor,
        supervisor_nip=SUPERVISOR,
        today=today,
    )


def test_only_the_supervisor_of_record_may_approve_or_reject() -> None:
    assert _check("approve") is None
    assert _check("reject") is None
    for actor in (OTHER, ASN):
        refusal = _check("approve", actor=actor)
        assert refusal is not None and refusal.kind is RefusalKind.FORBIDDEN
        assert refusal.code == "not_supervisor_of_record"
        assert SUPERVISOR in refusal.message_id and SUPERVISOR in refusal.message_en
    nobody = check_action(
        "approve",
        request_id="req-1",
        status="pending",
        requester_nip=ASN,
        first_day=DAY,
        actor_nip=SUPERVISOR,
        supervisor_nip=None,
        today=DAY,
    )
    assert nobody is not None and nobody.kind is RefusalKind.FORBIDDEN


@pytest.mark.parametrize("status", ["approved", "rejected", "cancelled", "not_eligible"])
def test_only_a_pending_request_is_approved(status: str) -> None:
    refusal = _check("approve", status=status)
    assert refusal is not None and (refusal.kind, refusal.code) == (
        RefusalKind.CONFLICT,
        "request_not_pending",
    )


def test_approval_after_the_first_day_is_refused() -> None:
    refusal = _check("approve", today=date(2026, 12, 8))
    assert refusal is not None and refusal.code == "request_expired"


def test_the_requester_cancels_before_the_day() -> None:
    assert _check("cancel", actor=ASN, today=date(2026, 12, 6)) is None
    assert _check("cancel", actor=ASN, status="approved", today=date(2026, 12, 6)) is None
    on_the_day = _check("cancel", actor=ASN, today=DAY)
    assert on_the_day is not None and on_the_day.code == "too_late_to_cancel"
    stranger = _check("cancel", actor=OTHER, today=date(2026, 12, 1))
    assert stranger is not None and stranger.kind is RefusalKind.FORBIDDEN
    twice = _check("cancel", actor=ASN, status="cancelled", today=date(2026, 12, 1))
    assert twice is not None and twice.code == "request_not_cancellable"


def test_local_today_follows_the_time_zone() -> None:
    late = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)  # 23:30 WIB, 00:30 WITA
    assert local_today(late, "WIB") == date(2026, 12, 6)
    assert local_today(late, "WITA") == date(2026, 12, 7)


def _submit() -> SubmitRequest:
    return SubmitRequest(
        command_id="01JCMD",
        correlation_id="01JCOR",
        request_id="req-1",
        work_unit_id="bidang-data",
        nip=ASN,
        opd_id="diskominfo",
        actor=ASN,
        issued_at=datetime(2026, 12, 1, tzinfo=UTC),
        dates=(DAY,),
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan",
        work_plan=(WorkTarget(description="Laporan", target=1, unit="dokumen"),),
    )


def test_commands_are_keyed_by_work_unit_and_round_trip() -> None:
    key, value = encode(_submit())
    assert key == b"diskominfo/bidang-data"
    assert decode(value) == _submit()
    act = ActOnRequest(
        kind="approve",
        command_id="01JCMD2",
        correlation_id="01JCOR",
        request_id="req-1",
        work_unit_id="bidang-data",
        nip=ASN,
        opd_id="diskominfo",
        actor=SUPERVISOR,
        issued_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert decode(encode(act)[1]) == act


@pytest.mark.parametrize("value", [b"", b"{not json", b'{"kind": "launch"}'])
def test_malformed_commands_are_refused_with_a_reason(value: bytes) -> None:
    with pytest.raises(MalformedEvent) as caught:
        decode(value)
    assert caught.value.reason


def _rows_of(*payloads: object) -> list[dict[str, object]]:
    rows = []
    for offset, payload in enumerate(payloads):
        envelope = new_event(payload, actor=ASN, subject=ASN, opd_id="diskominfo")  # type: ignore[arg-type]
        rows += [row for _, row in request_log_rows(envelope, Position("t", 0, offset))]
    return rows


def test_the_request_log_folds_into_the_current_status() -> None:
    decision = EligibilityDecision(eligible=True, policy_version=1, trace=[])
    command = _submit()
    requested = WfaRequested(
        request_id="req-1",
        nip=ASN,
        work_unit_id="bidang-data",
        dates=[DAY],
        place=command.place,
        reason=command.reason,
        work_plan=list(command.work_plan),
        decision=decision,
    )
    refused = WfaActionRefused(
        request_id="req-1",
        nip=ASN,
        action="cancel",
        code="too_late_to_cancel",
        message_id="terlambat",
        message_en="too late",
    )
    approved = WfaApproved(request_id="req-1", nip=ASN, approver_nip=SUPERVISOR)
    rows = _rows_of(requested, approved, refused)
    view = fold(reversed(rows))
    assert view is not None
    assert (view.status, view.work_unit_id, view.dates) == ("approved", "bidang-data", (DAY,))
    assert [h.type for h in view.history] == ["WfaRequested", "WfaApproved", "WfaActionRefused"]
    assert view.public()["history"][2]["code"] == "too_late_to_cancel"
    cancelled = fold(_rows_of(requested, WfaCancelled(request_id="req-1", nip=ASN)))
    assert cancelled is not None and cancelled.status == "cancelled" and not cancelled.holds_days
    assert fold(_rows_of(approved)) is None


@pytest.mark.parametrize("eligible", [True, False, None])
def test_a_fresh_request_is_viewed_as_the_fold_of_its_row(eligible: bool | None) -> None:
    command = _submit()
    requested = WfaRequested(
        request_id="req-9",
        nip=ASN,
        work_unit_id="bidang-data",
        dates=[DAY],
        place=command.place,
        reason=command.reason,
        work_plan=list(command.work_plan),
        decision=None
        if eligible is None
        else EligibilityDecision(eligible=eligible, policy_version=2, trace=[]),
    )
    envelope = new_event(requested, actor=ASN, subject=ASN, opd_id="diskominfo")
    rows = [row for _, row in request_log_rows(envelope, Position("t", 0, 7))]
    folded = fold(rows)
    assert folded is not None
    assert requested_view(envelope, requested) == folded
    assert requested_view(envelope, requested).public() == folded.public()


def test_sanction_periods_end_the_day_before_they_are_lifted() -> None:
    rows = [
        {"sanction_id": "s1", "starts_on": "2026-01-01", "ends_on": None, "lifted_on": None},
        {
            "sanction_id": "s1",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-01",
            "lifted_on": "2026-03-01",
        },
        {
            "sanction_id": "s2",
            "starts_on": "2026-05-01",
            "ends_on": "2026-06-30",
            "lifted_on": None,
        },
        {"sanction_id": "s3", "starts_on": "2026-09-01", "ends_on": None, "lifted_on": None},
        {
            "sanction_id": "s3",
            "starts_on": "2026-08-01",
            "ends_on": "2026-08-01",
            "lifted_on": "2026-08-01",
        },
    ]
    periods = sanction_periods(rows)
    assert [(p.starts_on, p.ends_on) for p in periods] == [
        (date(2026, 1, 1), date(2026, 2, 28)),
        (date(2026, 5, 1), date(2026, 6, 30)),
    ]


def test_policy_settings_round_trip_through_the_event() -> None:
    policy = default_policy("diskominfo", effective_from=date(2026, 12, 1)).model_copy(
        update={"wfa_enabled": True, "max_away_share": 0.3}
    )
    again = OpdPolicy.from_settings("diskominfo", 1, date(2026, 12, 1), policy.settings())
    assert again == policy
    with pytest.raises(ValueError, match="must not carry"):
        OpdPolicy.from_settings("x", 1, DAY, {"version": 3})
