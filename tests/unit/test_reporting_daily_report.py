"""The daily report's rules: ids, plan targets, revisions, deadlines, reviews (pure, no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kernel.refusal import Refusal
from schemas import (
    DailyReportReviewed,
    DailyReportSubmitted,
    EventPayload,
    OpdPolicyPublished,
    WfaApproved,
    WfaCancelled,
    WfaRequested,
    new_event,
)
from schemas.events import GeoPoint, ReportAttachment, ReportOutput, SharedPlace, WorkTarget
from services.reporting.domain.daily_report import (
    check_review,
    check_reviewable,
    content_for,
    next_revision,
    resolve_outputs,
)
from services.reporting.domain.report_state import (
    MEMORY_DAYS,
    ApprovedPlan,
    Content,
    ReportState,
    Review,
    local_today,
    report_id_for,
    review_event_id,
    submission_event_id,
    with_review,
    with_submission,
    work_date_of,
)
from services.reporting.reports_directory import ReportsDirectory
from services.runtime.edge.errors import REFUSAL_STATUS

NIP = "199001012015011001"
SUPERVISOR = "198001012005011002"
DAY = date(2026, 12, 7)  # a Monday
NOON_WIB = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
PLAN = ApprovedPlan(
    "req-1",
    (
        WorkTarget(description="Draf SOP", target=2, unit="dokumen"),
        WorkTarget(description="Rapat koordinasi", target=1, unit="kegiatan"),
    ),
)
SHA = "a" * 64


def out(quantity: float = 1, unit: str = "dokumen", **fields: object) -> ReportOutput:
    return ReportOutput.model_validate(
        {"description": "Draf SOP pelayanan", "quantity": quantity, "unit": unit, **fields}
    )


def refusal(call: object) -> Refusal:
    assert callable(call)
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value


def status_of(refused: Refusal) -> int:
    """The HTTP status the edge answers the refusal with."""
    return REFUSAL_STATUS[refused.kind]


def state(revision: int = 1, review: Review | None = None, **content: object) -> ReportState:
    report_id = report_id_for(NIP, DAY)
    fields: dict[str, object] = {
        "mode": "office",
        "request_id": None,
        "outputs": (out(target=3.0),),
        "attachments": (),
        "notes": None,
        **content,
    }
    return ReportState(
        report_id=report_id,
        nip=NIP,
        opd_id="opd-x",
        work_date=DAY,
        revision=revision,
        content=Content(**fields),  # type: ignore[arg-type]
        event_id=submission_event_id(report_id, revision),
        submitted_at=NOON_WIB,
        review=review,
    )


def review(
    verdict: str = "returned", note: str | None = "Lengkapi", at: datetime = NOON_WIB
) -> Review:
    return Review("ev-review", SUPERVISOR, verdict, note, at)  # type: ignore[arg-type]


# ids ------------------------------------------------------------------------------------------


def test_a_report_keeps_one_id_per_employee_and_day_and_each_revision_its_own_event_ids() -> None:
    report_id = report_id_for(NIP, DAY)
    assert report_id == report_id_for(NIP, DAY)
    assert report_id != report_id_for(NIP, DAY + timedelta(days=1))
    assert report_id != report_id_for(SUPERVISOR, DAY)
    assert work_date_of(report_id) == DAY
    assert work_date_of("not-a-ulid") is None
    assert work_date_of("7ZZZZZZZZZZZZZZZZZZZZZZZZZ") is None  # a ULID past year 9999
    ids = {
        submission_event_id(report_id, 1),
        review_event_id(report_id, 1),
        submission_event_id(report_id, 2),
        review_event_id(report_id, 2),
    }
    assert len(ids) == 4
    assert submission_event_id(report_id, 2) == submission_event_id(report_id, 2)
    # they sort in the order they happen: submit 1, review 1, submit 2, review 2
    assert sorted(ids) == [
        submission_event_id(report_id, 1),
        review_event_id(report_id, 1),
        submission_event_id(report_id, 2),
        review_event_id(report_id, 2),
    ]


def test_today_is_the_opds_own() -> None:
    late_evening_utc = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)  # 23:30 WIB, 00:30 WITA
    assert local_today(late_evening_utc, "WIB") == DAY
    assert local_today(late_evening_utc, "WITA") == DAY + timedelta(days=1)
    assert local_today(late_evening_utc, "WIT") == DAY + timedelta(days=1)
    assert local_today(late_evening_utc, "unknown") == DAY  # Asia/Jakarta


# outputs against the plan -----------------------------------------------------------------------


def test_an_output_linked_to_the_plan_carries_the_plans_target() -> None:
    resolved = resolve_outputs(
        (out(1.5, plan_target=0), out(1, unit="Kegiatan", plan_target=1), out(4, target=5)),
        PLAN,
    )
    assert [o.target for o in resolved] == [2.0, 1.0, 5.0]
    assert [o.plan_target for o in resolved] == [0, 1, None]
    assert resolved[2] == out(4, target=5)  # a free target is kept as given
    content = content_for(resolved, (), None, PLAN)
    assert (content.mode, content.request_id) == ("wfa", "req-1")
    office = content_for((out(1, target=2),), (), "catatan", None)
    assert (office.mode, office.request_id, office.notes) == ("office", None, "catatan")


@pytest.mark.parametrize(
    ("outputs", "plan", "code"),
    [
        ((out(plan_target=0),), None, "no_wfa_plan"),
        ((out(plan_target=2),), PLAN, "unknown_plan_target"),
        ((out(plan_target=0), out(plan_target=0)), PLAN, "duplicate_plan_target"),
        ((out(plan_target=0, target=3),), PLAN, "plan_target_mismatch"),
        ((out(unit="laporan", plan_target=0),), PLAN, "plan_unit_mismatch"),
    ],
)
def test_outputs_that_do_not_fit_the_plan_are_refused(
    outputs: tuple[ReportOutput, ...], plan: ApprovedPlan | None, code: str
) -> None:
    refused = refusal(lambda: resolve_outputs(outputs, plan))
    assert (status_of(refused), refused.code) == (422, code)
    assert refused.message_id and refused.message_en and refused.message_id != refused.message_en
    assert refused.details and "output" in refused.details[0]


# revisions and deadlines ----------------------------------------------------------------------


def _next(
    current: ReportState | None, content: Content, now: datetime, deadline: int = 5
) -> int | None:
    return next_revision(
        current, content, work_date=DAY, now=now, timezone="WIB", deadline_days=deadline
    )


def test_a_first_submission_is_revision_one_within_the_deadline_only() -> None:
    content = state().content
    assert _next(None, content, NOON_WIB) == 1
    last_evening = datetime(2026, 12, 12, 16, 59, tzinfo=UTC)  # 23:59 WIB on day + 5
    assert _next(None, content, last_evening) == 1
    too_late = refusal(lambda: _next(None, content, last_evening + timedelta(minutes=2)))
    assert (status_of(too_late), too_late.code) == (422, "report_too_late")
    assert too_late.details == [{"work_date": "2026-12-07", "last_day": "2026-12-12"}]
    yesterday = NOON_WIB - timedelta(days=1)
    future = refusal(lambda: _next(None, content, yesterday))
    assert (status_of(future), future.code) == (422, "report_for_future_day")
    # the deadline can be zero days: the work day itself only
    assert _next(None, content, NOON_WIB, deadline=0) == 1
    late = refusal(lambda: _next(None, content, NOON_WIB + timedelta(days=1), deadline=0))
    assert late.code == "report_too_late"


def test_a_pending_report_is_repeated_never_revised_and_an_accepted_one_is_final() -> None:
    pending = state()
    assert _next(pending, pending.content, NOON_WIB) is None  # a retry: nothing new
    changed = replace(pending.content, notes="tambahan")
    refused = refusal(lambda: _next(pending, changed, NOON_WIB))
    assert (status_of(refused), refused.code) == (409, "report_pending_review")
    accepted = state(review=review("accepted", None))
    for content in (accepted.content, changed):
        final = refusal(lambda c=content: _next(accepted, c, NOON_WIB))  # type: ignore[misc]
        assert (status_of(final), final.code) == (409, "report_already_accepted")


def test_a_returned_report_is_resubmitted_as_the_next_revision_counted_from_its_return() -> None:
    returned_late = NOON_WIB + timedelta(days=4)
    returned = state(revision=2, review=review(at=returned_late))
    assert _next(returned, returned.content, NOON_WIB + timedelta(days=4)) == 3
    # eight days after the work day, but four after the return: still in time
    assert _next(returned, returned.content, NOON_WIB + timedelta(days=8)) == 3
    refused = refusal(lambda: _next(returned, returned.content, NOON_WIB + timedelta(days=10)))
    assert refused.code == "report_too_late"


# reviews ----------------------------------------------------------------------------------------


def _review(current: ReportState, **overrides: object) -> bool:
    fields: dict[str, object] = {
        "reviewer_nip": SUPERVISOR,
        "supervisor_nip": SUPERVISOR,
        "verdict": "accepted",
        "note": None,
        "revision": current.revision,
        **overrides,
    }
    return check_review(current, **fields)  # type: ignore[arg-type]


def test_only_the_supervisor_of_record_reviews_the_latest_revision_once() -> None:
    pending = state(revision=2)
    assert _review(pending) is True
    assert _review(pending, verdict="returned", note="Tambahkan lampiran") is True
    cases = [
        ({"reviewer_nip": NIP}, 403, "not_supervisor_of_record"),
        ({"supervisor_nip": None}, 403, "not_supervisor_of_record"),
        ({"reviewer_nip": NIP, "supervisor_nip": NIP}, 403, "not_supervisor_of_record"),
        ({"verdict": "returned", "note": "  "}, 422, "note_required"),
        ({"verdict": "returned"}, 422, "note_required"),
        ({"revision": 1}, 409, "stale_revision"),
        ({"revision": 3}, 409, "stale_revision"),
    ]
    for overrides, status, code in cases:
        refused = refusal(lambda o=overrides: _review(pending, **o))  # type: ignore[misc]
        assert (status_of(refused), refused.code) == (status, code), overrides
    reviewed = state(revision=2, review=review("returned", "Lengkapi"))
    # the same review again is a retry; another one is refused
    assert _review(reviewed, verdict="returned", note="Lengkapi") is False
    again = refusal(lambda: _review(reviewed))
    assert (status_of(again), again.code) == (409, "report_already_reviewed")


def test_reviews_close_after_the_days_kept() -> None:
    report_id = report_id_for(NIP, DAY)
    check_reviewable(report_id, DAY + timedelta(days=MEMORY_DAYS))
    check_reviewable("unknown-id", DAY + timedelta(days=400))
    closed = refusal(lambda: check_reviewable(report_id, DAY + timedelta(days=MEMORY_DAYS + 1)))
    assert (status_of(closed), closed.code) == (409, "review_window_closed")


# folding the events -----------------------------------------------------------------------------


def test_a_duplicate_record_or_an_old_revision_never_undoes_a_review() -> None:
    first = state(revision=1)
    reviewed = with_review(first, 1, review())
    assert reviewed is not None and reviewed.status == "returned"
    assert with_submission(reviewed, first) is reviewed  # the same event delivered again
    assert with_review(reviewed, 2, review("accepted", None)) is reviewed  # no such revision
    second = state(revision=2)
    assert with_submission(reviewed, second) is second
    assert with_submission(second, first) is second
    assert second.status == "submitted" and second.answer()["review"] is None
    assert with_review(None, 1, review()) is None


# the directory ----------------------------------------------------------------------------------


def _apply(directory: ReportsDirectory, payload: EventPayload, opd_id: str = "opd-x") -> str:
    envelope = new_event(payload, actor=NIP, subject=NIP, opd_id=opd_id)
    directory.apply(envelope, payload)
    return envelope.event_id


def _requested(request_id: str, days: list[date]) -> WfaRequested:
    return WfaRequested(
        request_id=request_id,
        nip=NIP,
        work_unit_id="bidang-data",
        dates=days,
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun SOP",
        work_plan=list(PLAN.targets),
    )


def test_the_directory_keeps_approved_plans_until_withdrawn() -> None:
    today = datetime.now(UTC).date()
    days = [today, today + timedelta(days=1)]
    directory = ReportsDirectory(["127.0.0.1:1"], "unit")
    _apply(directory, _requested("req-a", days))
    assert directory.approved_plan(NIP, today) is None  # requested, not approved
    _apply(directory, WfaApproved(request_id="req-a", nip=NIP, approver_nip=SUPERVISOR))
    plan = directory.approved_plan(NIP, days[1])
    assert plan is not None and plan.request_id == "req-a" and plan.targets == PLAN.targets
    _apply(directory, WfaCancelled(request_id="req-a", nip=NIP))
    assert directory.approved_plan(NIP, today) is None
    old = today - timedelta(days=MEMORY_DAYS + 1)
    _apply(directory, _requested("req-old", [old]))
    _apply(directory, WfaApproved(request_id="req-old", nip=NIP, approver_nip=SUPERVISOR))
    assert directory.approved_plan(NIP, old) is None  # beyond the days kept


def test_the_directory_folds_reports_and_knows_each_opds_zone() -> None:
    today = datetime.now(UTC).date()
    directory = ReportsDirectory(["127.0.0.1:1"], "unit")
    report_id = report_id_for(NIP, today)
    submitted = DailyReportSubmitted(
        report_id=report_id,
        revision=1,
        nip=NIP,
        work_date=today,
        mode="office",
        outputs=[out(target=2)],
        attachments=[ReportAttachment(name="sop.pdf", size_bytes=10, sha256=SHA)],
    )
    event_id = _apply(directory, submitted)
    found = directory.report(NIP, today)
    assert found is not None and found is directory.report_by_id(report_id)
    assert (found.revision, found.status, found.event_id, found.opd_id) == (
        1,
        "submitted",
        event_id,
        "opd-x",
    )
    reviewed = DailyReportReviewed(
        report_id=report_id,
        revision=1,
        nip=NIP,
        work_date=today,
        reviewer_nip=SUPERVISOR,
        verdict="accepted",
    )
    _apply(directory, reviewed)
    after = directory.report(NIP, today)
    assert after is not None and after.status == "accepted"
    directory.sweep(today + timedelta(days=MEMORY_DAYS + 1))
    assert directory.report(NIP, today) is None and directory.report_by_id(report_id) is None

    assert directory.timezone("opd-x", today) == "WIB"
    for version, start, zone in ((1, date(2026, 1, 1), "WITA"), (2, date(2026, 12, 1), "WIT")):
        _apply(
            directory,
            OpdPolicyPublished(
                opd_id="opd-x", version=version, effective_from=start, settings={"timezone": zone}
            ),
        )
    assert directory.timezone("opd-x", date(2026, 11, 30)) == "WITA"
    assert directory.timezone("opd-x", date(2026, 12, 1)) == "WIT"
    assert directory.timezone("opd-x", date(2025, 6, 1)) == "WITA"  # before any: the first
