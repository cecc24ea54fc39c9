"""HTTP edge of the daily report (laporan harian): submit, review, read.

* ``POST /reports/daily``: an employee reports their own work day (the token names who; a
  body naming someone else is refused). Outputs may deliver the targets of the day's approved
  WFA work plan. A returned report is submitted again as the next revision.
* ``POST /reports/daily/{report_id}/review``: the author's supervisor of record accepts the
  latest revision, or returns it with a note.
* ``GET /reports/daily/{nip}/{work_date}``: the report as it stands, for those who may see
  the employee's data (see :func:`services.reporting.reader_scope.subject_scope`).

Each decision is taken on the reports directory caught up with the log, one at a time per
report in this process; event ids follow from the report and its revision, so a retried call
(with the same ``Idempotency-Key``, or the same body without one) never publishes a second
revision or a second review.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from schemas import DailyReportReviewed, DailyReportSubmitted, new_event
from schemas.events import NIP_PATTERN, Nip, ReportAttachment, ReportOutput
from schemas.limits import (
    IDENTIFIER_MAX_CHARS,
    MAX_REPORT_ATTACHMENTS,
    MAX_REPORT_OUTPUTS,
    ContractDate,
    Counter,
    LongText,
)
from services.reporting.domain.daily_report import (
    check_review,
    check_reviewable,
    content_for,
    next_revision,
)
from services.reporting.domain.report_state import (
    ReportState,
    Review,
    outside_memory,
    report_id_for,
    review_event_id,
    submission_event_id,
    with_review,
)
from services.reporting.messages import MESSAGES
from services.reporting.reader_scope import subject_scope
from services.reporting.reports_directory import ReportsDirectory
from services.runtime.context import ServiceContext, component
from services.runtime.edge.access_log import Access, Purpose, record_accesses, roster_opd
from services.runtime.edge.caller_scope import (
    CALLER_403,
    CATCH_UP_TIMEOUT_S,
    CallerScope,
    Directory,
    find_entry,
    resolve_caller,
    rostered,
)
from services.runtime.edge.deps import Context, CurrentUser, IdempotencyKey, authenticate
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Role
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router

router = service_router("/reports/daily", ["daily-reports"])

Author = Annotated[
    CallerScope, Depends(rostered(Role.ASN, Role.ATASAN, Role.KEPALA_OPD, as_employee=True))
]
ReportId = Annotated[
    str, Path(min_length=1, max_length=IDENTIFIER_MAX_CHARS, description="Id of the report.")
]


class DailyReportCreate(BaseModel):
    """The caller's report of one work day."""

    model_config = ConfigDict(extra="forbid")

    work_date: ContractDate = Field(description="The work day reported (not in the future).")
    outputs: list[ReportOutput] = Field(
        min_length=1,
        max_length=MAX_REPORT_OUTPUTS,
        description=(
            "Outputs delivered; `plan_target` links one to a target of the day's approved WFA "
            "work plan (its amount is copied from the plan), `target` sets a free one."
        ),
    )
    attachments: list[ReportAttachment] = Field(
        default_factory=list,
        max_length=MAX_REPORT_ATTACHMENTS,
        description="Supporting files by reference (name, size, SHA-256).",
    )
    notes: LongText | None = Field(None, description="Free-text remarks.")
    nip: Nip | None = Field(
        None,
        description="Not needed: the token names the author. Another employee's NIP is refused.",
    )


class DailyReportReview(BaseModel):
    """The supervisor's verdict on the latest revision."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["accepted", "returned"] = Field(description="accepted, or returned.")
    note: LongText | None = Field(None, description="What to correct; required to return.")
    revision: Counter = Field(description="The revision reviewed: must be the latest.")


_NOT_FOUND = error_response("`report_not_found` / laporan tidak ditemukan.")
_UNAVAILABLE = error_response(
    "`reports_unavailable` or `kafka_unavailable`: nothing was recorded, retry / tidak ada "
    "yang tercatat, coba lagi."
)


def _report_not_found(what: str) -> ApiError:
    return ApiError(
        404,
        "report_not_found",
        *MESSAGES.text("report_not_found", what=what),
    )


class _PerReport:
    """One decision at a time per report in this process (no lock across reports)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, report_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(report_id, (asyncio.Lock(), 0))
        self._locks[report_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[report_id]
            if users == 1:
                del self._locks[report_id]
            else:
                self._locks[report_id] = (lock, users - 1)


_PER_REPORT = _PerReport()


def _wait_s(ctx: ServiceContext) -> float:
    """How long a write waits for the log: no longer than a publish may take."""
    return min(CATCH_UP_TIMEOUT_S, ctx.publisher.publish_timeout_s)


async def _caught_up(ctx: ServiceContext, reports: ReportsDirectory) -> None:
    """Read every record published so far before deciding (503 when that cannot be done).

    With Kafka known to be away the write is refused at once (``kafka_unavailable``); when
    the log cannot be read in time, the publisher asks the broker, so an absent one is
    answered ``kafka_unavailable`` within the publish timeout and every later write at once.
    """
    ctx.publisher.check_available()
    if not await reports.wait_caught_up(_wait_s(ctx)):
        await ctx.publisher.confirm_reachable()  # PublishUnavailable: 503 kafka_unavailable
        raise ApiError(
            503,
            "reports_unavailable",
            *MESSAGES.text("reports_unavailable"),
            headers={"Retry-After": "2"},
        )


def _answer(state: ReportState) -> dict[str, Any]:
    return {
        **state.answer(),
        "links": {
            "self": f"/reports/daily/{state.nip}/{state.work_date.isoformat()}",
            "review": f"/reports/daily/{state.report_id}/review",
        },
    }


# submit -------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    summary="Submit the daily report / Kirim laporan harian",
    responses={
        201: {"description": "Recorded (or the same revision again, `Idempotent-Replayed`)."},
        403: error_response(
            "`not_your_report` (the body names another employee) / bukan laporan Anda. The "
            "caller: " + CALLER_403
        ),
        409: error_response(
            "`report_pending_review`, `report_already_accepted` or `idempotency_key_reused` / "
            "laporan menunggu pemeriksaan, sudah diterima, atau kunci idempotensi terpakai."
        ),
        422: error_response(
            "`invalid_request`, `employee_not_on_roster`, `report_for_future_day`, "
            "`report_too_late`, `no_wfa_plan`, `unknown_plan_target`, `duplicate_plan_target`, "
            "`plan_target_mismatch` or `plan_unit_mismatch` / laporan tidak dapat diterima."
        ),
        503: _UNAVAILABLE,
    },
)
async def submit_report(
    body: DailyReportCreate, ctx: Context, caller: Author, key: IdempotencyKey = None
) -> JSONResponse:
    nip = caller.principal.nip
    if body.nip is not None and body.nip != nip:
        raise ApiError(
            403,
            "not_your_report",
            *MESSAGES.text("not_your_report"),
            details=[{"nip": body.nip}],
        )
    opd_id = caller.employee.opd_id
    reports = component(ctx, ReportsDirectory)
    repeated = False

    async def submit() -> dict[str, Any]:
        nonlocal repeated
        async with _PER_REPORT.hold(report_id_for(nip, body.work_date)):
            await _caught_up(ctx, reports)
            current = reports.report(nip, body.work_date)
            plan = reports.approved_plan(nip, body.work_date)
            notes = body.notes if body.notes and body.notes.strip() else None
            content = content_for(tuple(body.outputs), tuple(body.attachments), notes, plan)
            revision = next_revision(
                current,
                content,
                work_date=body.work_date,
                now=datetime.now(UTC),
                timezone=reports.timezone(opd_id, body.work_date),
                deadline_days=ctx.settings.report_deadline_days,
            )
            if revision is None:
                assert current is not None
                repeated = True
                return _answer(current)
            report_id = current.report_id if current else report_id_for(nip, body.work_date)
            payload = DailyReportSubmitted(
                report_id=report_id,
                revision=revision,
                nip=nip,
                work_date=body.work_date,
                mode=content.mode,
                request_id=content.request_id,
                outputs=list(content.outputs),
                attachments=list(content.attachments),
                notes=content.notes,
            )
            returned = current.review if current else None
            envelope = new_event(
                payload,
                actor=nip,
                subject=nip,
                opd_id=opd_id,
                event_id=submission_event_id(report_id, revision),
                correlation_id=report_id,
                causation_id=returned.event_id if returned else None,
            )
            await ctx.publisher.publish(envelope)
            await reports.wait_caught_up(_wait_s(ctx))  # so reads here agree at once
            return _answer(
                ReportState(
                    report_id=report_id,
                    nip=nip,
                    opd_id=opd_id,
                    work_date=body.work_date,
                    revision=revision,
                    content=content,
                    event_id=envelope.event_id,
                    submitted_at=envelope.occurred_at,
                )
            )

    fingerprint = {"kind": "submit_daily_report", **body.model_dump(mode="json", exclude={"nip"})}
    response, replayed = await ctx.idempotency.run(nip, key, fingerprint, submit)
    return JSONResponse(response, status_code=201, headers=replay_headers(replayed or repeated))


# review -------------------------------------------------------------------------------------


@router.post(
    "/{report_id}/review",
    summary="Accept or return a daily report / Terima atau kembalikan laporan harian",
    responses={
        200: {"description": "Recorded; the report as it now stands."},
        403: error_response(
            "`not_supervisor_of_record` / hanya atasan langsung yang tercatat. The caller: "
            + CALLER_403
        ),
        404: _NOT_FOUND,
        409: error_response(
            "`stale_revision`, `report_already_reviewed`, `review_window_closed` or "
            "`idempotency_key_reused` / revisi bukan yang terakhir atau sudah diperiksa."
        ),
        422: error_response("`invalid_request` or `note_required` / catatan wajib diisi."),
        503: _UNAVAILABLE,
    },
)
async def review_report(
    report_id: ReportId,
    body: DailyReportReview,
    ctx: Context,
    key: IdempotencyKey = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    caller = await authenticate(ctx, authorization)
    # a token the roster contradicts: 403
    await resolve_caller(caller, component(ctx, RosterLookup))
    reports = component(ctx, ReportsDirectory)
    repeated = False

    async def review() -> dict[str, Any]:
        nonlocal repeated
        async with _PER_REPORT.hold(report_id):
            await _caught_up(ctx, reports)
            current = reports.report_by_id(report_id)
            if current is None:
                check_reviewable(report_id, datetime.now(UTC).date())
                raise _report_not_found(report_id)
            author = await find_entry(component(ctx, RosterLookup), current.nip)
            fresh = check_review(
                current,
                reviewer_nip=caller.nip,
                supervisor_nip=author.supervisor_nip if author else None,
                verdict=body.verdict,
                note=body.note,
                revision=body.revision,
            )
            if not fresh:
                repeated = True
                return _answer(current)
            payload = DailyReportReviewed(
                report_id=current.report_id,
                revision=current.revision,
                nip=current.nip,
                work_date=current.work_date,
                reviewer_nip=caller.nip,
                verdict=body.verdict,
                note=body.note,
            )
            envelope = new_event(
                payload,
                actor=caller.nip,
                subject=current.nip,
                opd_id=current.opd_id,
                event_id=review_event_id(current.report_id, current.revision),
                correlation_id=current.report_id,
                causation_id=current.event_id,
            )
            await ctx.publisher.publish(envelope)
            await reports.wait_caught_up(_wait_s(ctx))  # so reads here agree at once
            reviewed = Review(
                event_id=envelope.event_id,
                reviewer_nip=caller.nip,
                verdict=body.verdict,
                note=body.note,
                reviewed_at=envelope.occurred_at,
            )
            state = with_review(current, current.revision, reviewed)
            assert state is not None
            return _answer(state)

    fingerprint = {"kind": "review_daily_report", "report_id": report_id, **body.model_dump()}
    response, replayed = await ctx.idempotency.run(caller.nip, key, fingerprint, review)
    return JSONResponse(response, status_code=200, headers=replay_headers(replayed or repeated))


# read ---------------------------------------------------------------------------------------


READ_ROUTE = "/reports/daily/{nip}/{work_date}"


@router.get(
    READ_ROUTE.removeprefix("/reports/daily"),
    summary="A daily report as it stands / Laporan harian",
    responses={
        403: error_response("`outside_scope` / di luar cakupan Anda. The caller: " + CALLER_403),
        404: error_response(
            "`report_not_found`, or `report_archived` (older than the days kept here: see "
            "/reporting/employees/{nip}/days) / laporan tidak ditemukan atau sudah diarsipkan."
        ),
        503: error_response(
            "`kafka_unavailable`: the read of another employee's report could not be recorded "
            "in the access log, so nothing is answered / akses tidak dapat dicatat."
        ),
    },
)
async def get_report(
    nip: Annotated[str, Path(pattern=NIP_PATTERN, description="NIP of the employee.")],
    work_date: Annotated[ContractDate, Path(description="The work day (YYYY-MM-DD).")],
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    purpose: Purpose = "",
) -> dict[str, Any]:
    await subject_scope(user, directory, nip)
    if outside_memory(work_date, datetime.now(UTC).date()):
        raise ApiError(
            404,
            "report_archived",
            *MESSAGES.text("report_archived", work_date=work_date.isoformat(), nip=nip),
        )
    reports = component(ctx, ReportsDirectory)
    state = reports.report(nip, work_date)
    if state is None and await reports.wait_caught_up(CATCH_UP_TIMEOUT_S):
        state = reports.report(nip, work_date)
    if state is None:
        raise _report_not_found(f"{nip} {work_date.isoformat()}")
    access = Access(
        subject_nip=nip,
        opd_id=roster_opd(directory)(nip) or state.opd_id,
        data_kind="daily_report",
        route=READ_ROUTE,
        records=1,
        purpose=purpose,
        period_from=work_date,
        period_to=work_date,
    )
    await record_accesses(ctx, user, [access])  # anyone but the author; 503 when unrecorded
    return _answer(state)
