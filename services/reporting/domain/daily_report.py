"""The daily report (laporan harian): who may submit or review what, and when (pure, no I/O).

The employee submits revision 1 of their report of a work day; the supervisor of record
accepts it or returns it with a note; a returned report is submitted again as the next
revision (see :mod:`services.reporting.domain.report_state`).

Outputs may deliver the targets of the day's approved WFA work plan (``plan_target``, an
index into it): the target amount is copied from the plan. A free ``target`` is allowed on
an office day and for outputs outside the plan.

Nothing here reads a clock: the caller passes ``now`` (or today) and the OPD's time zone. A
refusal is a :class:`~kernel.refusal.Refusal` with its texts in the service's catalog; the
edge answers an invalid one 422, a conflict 409, a forbidden one 403.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kernel.messages import Bilingual
from kernel.refusal import RefusalKind
from schemas.events import ReportAttachment, ReportOutput
from services.reporting.domain.report_state import (
    MEMORY_DAYS,
    ApprovedPlan,
    Content,
    ReportState,
    Verdict,
    local_today,
    outside_memory,
    work_date_of,
)
from services.reporting.messages import MESSAGES

_INVALID = RefusalKind.INVALID
_CONFLICT = RefusalKind.CONFLICT


# submitting ---------------------------------------------------------------------------------


def resolve_outputs(
    outputs: tuple[ReportOutput, ...], plan: ApprovedPlan | None
) -> tuple[ReportOutput, ...]:
    """The outputs as recorded: each linked to the plan carries the plan's target amount.

    Refused (422) when an output names a plan target on a day without an approved WFA plan
    (``no_wfa_plan``), a target the plan does not have (``unknown_plan_target``), a target
    already delivered by another output (``duplicate_plan_target``), another amount than the
    plan's (``plan_target_mismatch``) or another unit (``plan_unit_mismatch``).
    """
    resolved: list[ReportOutput] = []
    linked: dict[int, int] = {}
    for i, output in enumerate(outputs):
        index = output.plan_target
        if index is None:
            resolved.append(output)
            continue
        where = {"output": i, "plan_target": index}
        if plan is None:
            raise MESSAGES.refusal(_INVALID, "no_wfa_plan", [where])
        if index >= len(plan.targets):
            raise MESSAGES.refusal(
                _INVALID,
                "unknown_plan_target",
                [where],
                request_id=plan.request_id,
                count=len(plan.targets),
                last=len(plan.targets) - 1,
            )
        if index in linked:
            raise MESSAGES.refusal(
                _INVALID, "duplicate_plan_target", [where], index=index, output=linked[index]
            )
        linked[index] = i
        target = plan.targets[index]
        if output.target is not None and output.target != target.target:
            raise MESSAGES.refusal(
                _INVALID,
                "plan_target_mismatch",
                [{**where, "plan": target.target}],
                output=i,
                target=output.target,
                plan=target.target,
                unit=target.unit,
            )
        if output.unit.strip().casefold() != target.unit.strip().casefold():
            raise MESSAGES.refusal(
                _INVALID,
                "plan_unit_mismatch",
                [{**where, "plan_unit": target.unit}],
                output=i,
                unit=output.unit,
                plan_unit=target.unit,
            )
        resolved.append(output.model_copy(update={"target": target.target}))
    return tuple(resolved)


def content_for(
    outputs: tuple[ReportOutput, ...],
    attachments: tuple[ReportAttachment, ...],
    notes: str | None,
    plan: ApprovedPlan | None,
) -> Content:
    """What a submission records: mode wfa under an approved plan, office otherwise."""
    return Content(
        mode="office" if plan is None else "wfa",
        request_id=None if plan is None else plan.request_id,
        outputs=resolve_outputs(outputs, plan),
        attachments=attachments,
        notes=notes,
    )


def check_not_future(work_date: date, today: date) -> None:
    """Refuse a report for a day that has not come yet (422 ``report_for_future_day``)."""
    if work_date > today:
        raise MESSAGES.refusal(
            _INVALID,
            "report_for_future_day",
            [{"work_date": work_date.isoformat(), "today": today.isoformat()}],
            work_date=work_date.isoformat(),
            today=today.isoformat(),
        )


def next_revision(
    current: ReportState | None,
    content: Content,
    *,
    work_date: date,
    now: datetime,
    timezone: str,
    deadline_days: int,
) -> int | None:
    """The revision a submission of ``content`` makes, or None when it repeats the revision
    pending review (a retried call: answer it again, publish nothing).

    Refused when the day has not come (422 ``report_for_future_day``), the report awaits
    review with other content (409 ``report_pending_review``), was accepted (409
    ``report_already_accepted``), or is late (422 ``report_too_late``): more than
    ``deadline_days`` after the work day, or after the day it was returned.
    """
    today = local_today(now, timezone)
    check_not_future(work_date, today)
    if current is not None:
        if current.status == "submitted":
            if current.content == content:
                return None
            raise MESSAGES.refusal(
                _CONFLICT,
                "report_pending_review",
                [{"report_id": current.report_id, "revision": current.revision}],
                report_id=current.report_id,
                revision=current.revision,
            )
        if current.status == "accepted":
            raise MESSAGES.refusal(
                _CONFLICT,
                "report_already_accepted",
                [{"report_id": current.report_id, "revision": current.revision}],
                report_id=current.report_id,
            )
    review = current.review if current else None
    returned_on = local_today(review.reviewed_at, timezone) if review else None
    check_deadline(work_date, today, deadline_days, returned_on=returned_on)
    return 1 if current is None else current.revision + 1


def check_deadline(
    work_date: date, today: date, deadline_days: int, *, returned_on: date | None = None
) -> None:
    """Refuse a report made more than ``deadline_days`` after the work day (422
    ``report_too_late``); a returned report counts them from the day it was returned."""
    start = max(work_date, returned_on) if returned_on else work_date
    last = start + timedelta(days=deadline_days)
    if today > last:
        raise MESSAGES.refusal(
            _INVALID,
            "report_too_late",
            [{"work_date": work_date.isoformat(), "last_day": last.isoformat()}],
            work_date=work_date.isoformat(),
            deadline_days=deadline_days,
            start=start.isoformat(),
            last=last.isoformat(),
        )


# reviewing ----------------------------------------------------------------------------------


def check_review(
    current: ReportState,
    *,
    reviewer_nip: str,
    supervisor_nip: str | None,
    verdict: Verdict,
    note: str | None,
    revision: int,
) -> bool:
    """True when the review may be recorded; False when it repeats the review already given
    (a retried call: answer it again, publish nothing).

    Refused when the reviewer is not the author's supervisor of record (403
    ``not_supervisor_of_record``), a return carries no note (422 ``note_required``), the
    revision is not the latest (409 ``stale_revision``) or was reviewed already (409
    ``report_already_reviewed``).
    """
    if supervisor_nip is None or reviewer_nip != supervisor_nip or reviewer_nip == current.nip:
        supervisor = (
            Bilingual(supervisor_nip, supervisor_nip)
            if supervisor_nip
            else MESSAGES.text("supervisor.none_recorded")
        )
        raise MESSAGES.refusal(
            RefusalKind.FORBIDDEN,
            "not_supervisor_of_record",
            supervisor=supervisor,
            report_id=current.report_id,
        )
    if verdict == "returned" and not (note or "").strip():
        raise MESSAGES.refusal(_INVALID, "note_required", [{"loc": ["body", "note"]}])
    if revision != current.revision:
        raise MESSAGES.refusal(
            _CONFLICT,
            "stale_revision",
            [{"revision": revision, "latest": current.revision}],
            revision=revision,
            report_id=current.report_id,
            latest=current.revision,
        )
    given = current.review
    if given is None:
        return True
    if (given.reviewer_nip, given.verdict, given.note) == (reviewer_nip, verdict, note):
        return False
    raise MESSAGES.refusal(
        _CONFLICT,
        "report_already_reviewed",
        [{"revision": revision, "verdict": given.verdict}],
        revision=revision,
        report_id=current.report_id,
        verdict=_VERDICT[given.verdict],
    )


_VERDICT = {
    "accepted": MESSAGES.text("verdict.accepted"),
    "returned": MESSAGES.text("verdict.returned"),
}


def check_reviewable(report_id: str, today: date) -> None:
    """Refuse a review of a report whose work day is more than :data:`MEMORY_DAYS` ago
    (409 ``review_window_closed``)."""
    day = work_date_of(report_id)
    if day is not None and outside_memory(day, today):
        raise MESSAGES.refusal(
            _CONFLICT,
            "review_window_closed",
            report_id=report_id,
            day=day.isoformat(),
            memory_days=MEMORY_DAYS,
        )
