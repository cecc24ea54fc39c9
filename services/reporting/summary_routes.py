"""HTTP edge of the per-employee projections: days, weeks, the month, and the TPP list.

Each read is scoped to who is asking (:mod:`services.reporting.reader_scope`): an employee
sees their own, a supervisor their subordinates, a head of OPD their OPD, BKD admins,
auditors and ops everything. Every list is paged and can be had as JSON, CSV or XLSX
(``format``), with the same rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from kernel.messages import Bilingual
from services.reporting import export_columns as columns
from services.reporting.domain.monthly_summary import month_text, monthly_summary
from services.reporting.domain.rates import employee_month_rates, ratio
from services.reporting.exports import Format
from services.reporting.messages import MESSAGES
from services.reporting.queries import Page
from services.reporting.reader_scope import reader_scope, subject_scope
from services.reporting.summary_answer import Export, answer, answer_one
from services.reporting.summary_params import (
    PARAMS_422,
    DateFrom,
    DateTo,
    FormatParam,
    LimitParam,
    MonthParam,
    OffsetParam,
    checked_period,
    page_limit,
    parse_month,
)
from services.reporting.summary_queries import (
    employee_days,
    employee_months,
    employee_weeks,
    names,
    published_checksums,
)
from services.runtime.edge.access_log import (
    Access,
    Purpose,
    export_kind,
    record_accesses,
    record_row_accesses,
    roster_opd,
)
from services.runtime.edge.caller_scope import CALLER_403, Directory
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.identity import Principal
from services.runtime.edge.roster_directory import RosterDirectory
from services.runtime.edge.routing import service_router
from services.runtime.store.base import Row

router = service_router("/reporting", ["reporting"])

NipPath = Annotated[str, Path(pattern=r"^[0-9]{18}$", description="NIP of the employee.")]

SCOPE_403 = error_response(
    "`outside_scope` (another OPD or employee) / di luar cakupan. The caller: " + CALLER_403
)
FILE_200 = {
    "description": "The page as JSON, or the rows as a file (format=csv|xlsx) / Baris data.",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    },
}
ACCESS_503 = error_response(
    "`kafka_unavailable`: the read of another employee's data could not be recorded in the "
    "access log, so nothing is answered / akses tidak dapat dicatat, tidak ada data yang "
    "diberikan."
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: FILE_200,
    403: SCOPE_403,
    422: PARAMS_422,
    503: ACCESS_503,
}

DAYS_ROUTE = "/reporting/employees/{nip}/days"
WEEKS_ROUTE = "/reporting/employees/{nip}/weeks"
SUMMARY_ROUTE = "/reporting/employees/{nip}/summary"
TPP_ROUTE = "/reporting/tpp"


class SummaryPage(BaseModel):
    """One page of a reporting list."""

    items: list[dict[str, Any]] = Field(description="The rows on this page.")
    count: int = Field(description="How many rows are on this page.")
    total: int = Field(description="How many rows match, across all pages.")
    limit: int = Field(description="The page size.")
    offset: int = Field(description="How many matching rows come before this page.")
    next_offset: int | None = Field(
        description="The `offset` of the next page; null when this is the last one."
    )


def month_end(first: date) -> date:
    """The last day of the month starting on ``first``."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def no_data(what: Bilingual, details: list[Any]) -> ApiError:
    """404: nothing is recorded for what was asked."""
    return ApiError(404, "no_data", *MESSAGES.text("no_data", what=what), details=details)


async def _record_subject(
    ctx: Context,
    user: Principal,
    directory: RosterDirectory,
    nip: str,
    *,
    kind: str,
    fmt: Format,
    route: str,
    records: int,
    purpose: str,
    period: tuple[date, date],
) -> None:
    """Record the read of one employee's rows (not the reader's own); 503 when it cannot."""
    access = Access(
        subject_nip=nip,
        opd_id=roster_opd(directory)(nip) or "",
        data_kind=export_kind(kind, fmt),
        route=route,
        records=records,
        purpose=purpose,
        period_from=period[0],
        period_to=period[1],
    )
    await record_accesses(ctx, user, [access])


async def _with_names(ctx: Context, rows: list[Row]) -> None:
    known = await names(ctx.store, {row["nip"] for row in rows})
    for row in rows:
        row["name"] = known.get(row["nip"], "")


# days and weeks -------------------------------------------------------------------------------


async def _employee_rows(
    read: Callable[..., Awaitable[Page]],
    export: Export,
    *,
    route: str,
    user: Principal,
    ctx: Context,
    directory: RosterDirectory,
    nip: str,
    date_from: date,
    date_to: date,
    fmt: Format,
    limit: int | None,
    offset: int,
    purpose: str,
    each: Callable[[Row], None] | None = None,
) -> Any:
    """The employee route recipe: the period and the reader's scope checked, a page of the
    employee's rows read, named (and ``each`` applied), the read recorded, then answered."""
    period = checked_period(date_from, date_to)
    scope = await subject_scope(user, directory, nip)
    size = page_limit(fmt, limit)
    page = await read(ctx.store, scope, period, limit=size, offset=offset)
    await _with_names(ctx, page.items)
    if each is not None:
        for row in page.items:
            each(row)
    await _record_subject(
        ctx,
        user,
        directory,
        nip,
        kind="attendance",
        fmt=fmt,
        route=route,
        records=len(page.items),
        purpose=purpose,
        period=(date_from, date_to),
    )
    return await answer(fmt, page, export, limit=size, offset=offset)


def _achievement(row: Row) -> None:
    row["achievement"] = ratio(row["achievement_sum"], row["outputs_with_target"])


@router.get(
    DAYS_ROUTE.removeprefix("/reporting"),
    summary="An employee's days / Hari kerja pegawai",
    response_model=SummaryPage,
    responses=RESPONSES,
)
async def employee_days_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    nip: NipPath,
    date_from: DateFrom,
    date_to: DateTo,
    fmt: FormatParam = "json",
    limit: LimitParam = None,
    offset: OffsetParam = 0,
    purpose: Purpose = "",
) -> Any:
    """Per work day: mode (WFA, office or absent), whether WFA was requested and approved,
    check-in and check-out (UTC), worked minutes, the daily report's state, outputs and their
    achievement, and anomalies."""
    export = Export(columns.EMPLOYEE_DAYS, f"hari-kerja-{nip}-{date_from}-{date_to}", "Hari kerja")
    return await _employee_rows(
        employee_days,
        export,
        route=DAYS_ROUTE,
        user=user,
        ctx=ctx,
        directory=directory,
        nip=nip,
        date_from=date_from,
        date_to=date_to,
        fmt=fmt,
        limit=limit,
        offset=offset,
        purpose=purpose,
        each=_achievement,
    )


@router.get(
    WEEKS_ROUTE.removeprefix("/reporting"),
    summary="An employee's weeks: WFA days against the cap / Hari WFA per minggu",
    response_model=SummaryPage,
    responses=RESPONSES,
)
async def employee_weeks_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    nip: NipPath,
    date_from: DateFrom,
    date_to: DateTo,
    fmt: FormatParam = "json",
    limit: LimitParam = None,
    offset: OffsetParam = 0,
    purpose: Purpose = "",
) -> Any:
    """Per week (starting on the Monday in the period): WFA days used against the weekly cap
    (2, Permen PANRB 4/2025 art. 13(1)), days over it, and office days."""
    export = Export(columns.EMPLOYEE_WEEKS, f"minggu-wfa-{nip}-{date_from}-{date_to}", "Minggu WFA")
    return await _employee_rows(
        employee_weeks,
        export,
        route=WEEKS_ROUTE,
        user=user,
        ctx=ctx,
        directory=directory,
        nip=nip,
        date_from=date_from,
        date_to=date_to,
        fmt=fmt,
        limit=limit,
        offset=offset,
        purpose=purpose,
    )


# the month ------------------------------------------------------------------------------------


@router.get(
    SUMMARY_ROUTE.removeprefix("/reporting"),
    summary="An employee's month / Ringkasan bulanan pegawai",
    responses={**RESPONSES, 404: error_response("`no_data`: nothing recorded that month.")},
)
async def employee_summary_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    nip: NipPath,
    month: MonthParam,
    fmt: FormatParam = "json",
    purpose: Purpose = "",
) -> Any:
    """The month's figures (attendance, WFA days, reports, outputs, anomalies), their rates
    and the checksum the TPP feed publishes them under."""
    first = parse_month(month)
    scope = await subject_scope(user, directory, nip)
    page = await employee_months(ctx.store, scope, first, limit=1, offset=0)
    if not page.items:
        raise no_data(MESSAGES.text("no_data.employee_month"), [nip, month])
    row = page.items[0]
    await _with_names(ctx, [row])
    rates = employee_month_rates(row)
    summary = {
        **row,
        "output_achievement": rates["achievement"],
        "rates": rates,
        "checksum": monthly_summary(row).checksum,
    }
    await _record_subject(
        ctx,
        user,
        directory,
        nip,
        kind="monthly_summary",
        fmt=fmt,
        route=SUMMARY_ROUTE,
        records=1,
        purpose=purpose,
        period=(first, month_end(first)),
    )
    export = Export(
        columns.EMPLOYEE_MONTH, f"ringkasan-{nip}-{month_text(first)}", "Ringkasan bulanan"
    )
    return await answer_one(fmt, summary, export, rows=[{**summary, **rates}])


# TPP ------------------------------------------------------------------------------------------


@router.get(
    TPP_ROUTE.removeprefix("/reporting"),
    summary="Employee months for the TPP allowance / Data bulanan untuk TPP",
    response_model=SummaryPage,
    responses=RESPONSES,
)
async def tpp_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    month: MonthParam,
    opd_id: Annotated[str | None, Query(max_length=100)] = None,
    fmt: FormatParam = "json",
    limit: LimitParam = None,
    offset: OffsetParam = 0,
    purpose: Purpose = "",
) -> Any:
    """Every employee-month in scope as the TPP feed publishes it (``MonthlySummaryPublished``
    figures and checksum), by OPD and NIP; ``published`` tells whether these very figures were
    published already (``POST /reporting/tpp/{month}/publish``)."""
    first = parse_month(month)
    scope = await reader_scope(user, directory, opd_id, None)
    size = page_limit(fmt, limit)
    page = await employee_months(ctx.store, scope, first, limit=size, offset=offset)
    nips = [row["nip"] for row in page.items]
    known = await names(ctx.store, nips)
    sent = await published_checksums(ctx.store, first, nips)
    items: list[Row] = []
    for row in page.items:
        summary = monthly_summary(row).model_dump(mode="json")
        summary["name"] = known.get(row["nip"], "")
        summary["published"] = sent.get(row["nip"]) == summary["checksum"]
        items.append(summary)
    await record_row_accesses(
        ctx,
        user,
        [{"nip": nip, "day": (first, month_end(first))} for nip in nips],
        data_kind=export_kind("monthly_summary", fmt),
        route=TPP_ROUTE,
        opd_of=roster_opd(directory),
        purpose=purpose,
        day_keys=("day",),
    )
    listed = Page(items=items, total=page.total)
    export = Export(
        columns.TPP,
        f"tpp-{month_text(first)}" + (f"-{scope.opd_id}" if scope.opd_id else ""),
        f"TPP {month_text(first)}",
    )
    return await answer(fmt, listed, export, limit=size, offset=offset)
