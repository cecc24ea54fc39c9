"""The daily report (laporan harian): who may submit or review what, and when (pure, no I/O).

The employee submits revision 1 of their report of a work day; the supervisor of record
accepts it or returns it with a note; a returned report is submitted again as the next
revision (see :mod:`services.reporting.domain.report_state`).

Outputs may deliver the targets of the day's approved WFA work plan (``plan_target``, an
index into it): the target amount is copied from the plan. A free ``target`` is allowed on
an office day and for outputs outside the plan.

Nothing here reads a clock: the caller passes ``now`` (or today) and the OPD's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

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


class ReportRefused(Exception):
    """A submission or a review the rules refuse, with its HTTP status and a stable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message_id: str,
        message_en: str,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details = details or []


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
            raise ReportRefused(
                422,
                "no_wfa_plan",
                "Tidak ada permohonan WFA yang disetujui untuk hari itu, sehingga keluaran "
                "tidak dapat dikaitkan dengan target rencana kerja; gunakan target bebas.",
                "No approved WFA request covers that day, so an output cannot be linked to "
                "a work plan target; use a free target instead.",
                [where],
            )
        if index >= len(plan.targets):
            raise ReportRefused(
                422,
                "unknown_plan_target",
                f"Rencana kerja permohonan {plan.request_id} hanya memuat "
                f"{len(plan.targets)} target (indeks 0–{len(plan.targets) - 1}).",
                f"The work plan of request {plan.request_id} has only "
                f"{len(plan.targets)} targets (index 0–{len(plan.targets) - 1}).",
                [where],
            )
        if index in linked:
            raise ReportRefused(
                422,
                "duplicate_plan_target",
                f"Target rencana kerja {index} sudah dilaporkan pada keluaran {linked[index]}.",
                f"Work plan target {index} is already reported by output {linked[index]}.",
                [where],
            )
        linked[index] = i
        target = plan.targets[index]
        if output.target is not None and output.target != target.target:
            raise ReportRefused(
                422,
                "plan_target_mismatch",
                f"Target keluaran {i} ({output.target:g}) berbeda dengan rencana kerja "
                f"({target.target:g} {target.unit}); kosongkan target agar diambil dari rencana.",
                f"The target of output {i} ({output.target:g}) differs from the work plan "
                f"({target.target:g} {target.unit}); leave it empty to take the plan's.",
                [{**where, "plan": target.target}],
            )
        if output.unit.strip().casefold() != target.unit.strip().casefold():
            raise ReportRefused(
                422,
                "plan_unit_mismatch",
                f"Satuan keluaran {i} ({output.unit}) berbeda dengan satuan target rencana "
                f"kerja ({target.unit}).",
                f"The unit of output {i} ({output.unit}) differs from the work plan target's "
                f"({target.unit}).",
                [{**where, "plan_unit": target.unit}],
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
        raise ReportRefused(
            422,
            "report_for_future_day",
            f"Laporan harian untuk {work_date.isoformat()} belum dapat dibuat: hari itu belum "
            f"tiba (hari ini {today.isoformat()}).",
            f"The daily report for {work_date.isoformat()} cannot be made yet: that day has "
            f"not come (today is {today.isoformat()}).",
            [{"work_date": work_date.isoformat(), "today": today.isoformat()}],
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
            raise ReportRefused(
                409,
                "report_pending_review",
                f"Laporan {current.report_id} revisi {current.revision} masih menunggu "
                "pemeriksaan atasan; laporan dapat diajukan lagi setelah dikembalikan.",
                f"Report {current.report_id} revision {current.revision} is awaiting the "
                "supervisor's review; it can be submitted again once returned.",
                [{"report_id": current.report_id, "revision": current.revision}],
            )
        if current.status == "accepted":
            raise ReportRefused(
                409,
                "report_already_accepted",
                f"Laporan {current.report_id} sudah diterima atasan dan tidak dapat diubah.",
                f"Report {current.report_id} was already accepted and cannot be changed.",
                [{"report_id": current.report_id, "revision": current.revision}],
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
        raise ReportRefused(
            422,
            "report_too_late",
            f"Batas waktu laporan harian untuk {work_date.isoformat()} sudah lewat: paling "
            f"lambat {deadline_days} hari setelah {start.isoformat()} ({last.isoformat()}).",
            f"The deadline for the daily report of {work_date.isoformat()} has passed: at "
            f"most {deadline_days} days after {start.isoformat()} ({last.isoformat()}).",
            [{"work_date": work_date.isoformat(), "last_day": last.isoformat()}],
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
        raise ReportRefused(
            403,
            "not_supervisor_of_record",
            f"Hanya atasan langsung yang tercatat ({supervisor_nip or 'belum tercatat'}) "
            f"yang dapat memeriksa laporan {current.report_id}.",
            f"Only the supervisor of record ({supervisor_nip or 'none recorded'}) may review "
            f"report {current.report_id}.",
        )
    if verdict == "returned" and not (note or "").strip():
        raise ReportRefused(
            422,
            "note_required",
            "Laporan yang dikembalikan harus disertai catatan tentang apa yang perlu diperbaiki.",
            "A returned report needs a note saying what to correct.",
            [{"loc": ["body", "note"]}],
        )
    if revision != current.revision:
        raise ReportRefused(
            409,
            "stale_revision",
            f"Revisi {revision} bukan revisi terakhir laporan {current.report_id} "
            f"(revisi terakhir {current.revision}).",
            f"Revision {revision} is not the latest of report {current.report_id} "
            f"(the latest is {current.revision}).",
            [{"revision": revision, "latest": current.revision}],
        )
    given = current.review
    if given is None:
        return True
    if (given.reviewer_nip, given.verdict, given.note) == (reviewer_nip, verdict, note):
        return False
    raise ReportRefused(
        409,
        "report_already_reviewed",
        f"Revisi {revision} laporan {current.report_id} sudah diperiksa "
        f"({_VERDICT_ID[given.verdict]}).",
        f"Revision {revision} of report {current.report_id} was already {given.verdict}.",
        [{"revision": revision, "verdict": given.verdict}],
    )


_VERDICT_ID = {"accepted": "diterima", "returned": "dikembalikan"}


def check_reviewable(report_id: str, today: date) -> None:
    """Refuse a review of a report whose work day is more than :data:`MEMORY_DAYS` ago
    (409 ``review_window_closed``)."""
    day = work_date_of(report_id)
    if day is not None and outside_memory(day, today):
        raise ReportRefused(
            409,
            "review_window_closed",
            f"Laporan {report_id} ({day.isoformat()}) sudah lebih dari {MEMORY_DAYS} hari; "
            "pemeriksaan tidak dapat dicatat lagi.",
            f"Report {report_id} ({day.isoformat()}) is more than {MEMORY_DAYS} days old; a "
            "review can no longer be recorded.",
        )
