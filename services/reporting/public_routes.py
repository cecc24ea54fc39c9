"""HTTP edge of the public transparency page: per-OPD aggregates, no login.

``GET /public/opds`` (a month) and ``GET /public/opds/days`` (a period) take no token: the
public oversees how the civil service uses WFA. They answer counts and rates per OPD only,
with small groups suppressed (:mod:`services.reporting.domain.disclosure`, k = 10): no NIP,
name, work unit or coordinate is ever part of an answer. Answers may be cached for a minute
(``Cache-Control: public, max-age=60``).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.reporting.domain.disclosure import K, public_days, public_month
from services.reporting.domain.monthly_summary import month_text
from services.reporting.messages import MESSAGES
from services.reporting.public_queries import public_months, public_opd_days
from services.reporting.summary_params import (
    DateFrom,
    DateTo,
    MonthParam,
    checked_period,
    parse_month,
)
from services.runtime.edge.deps import Context
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.routing import service_router

router = service_router("/public", ["public"])

MAX_PUBLIC_DAYS = 92
"""The longest period ``/public/opds/days`` answers (about a quarter)."""
CACHE_CONTROL = "public, max-age=60"

PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: error_response(
        "`invalid_request` (a parameter is missing or malformed), `invalid_month` (not "
        f"YYYY-MM), `invalid_period` (date_to before date_from) or `period_too_long` (more "
        f"than {MAX_PUBLIC_DAYS} days) / parameter, bulan, atau periode tidak valid."
    ),
    503: error_response(
        "`not_ready`: the service is starting; see Retry-After / layanan sedang memulai."
    ),
}


class PublicOpdMonth(BaseModel):
    """One OPD's month as the public sees it; every figure is null when suppressed."""

    opd_id: str = Field(description="Id of the OPD (kept even when suppressed).")
    suppressed: bool = Field(description=f"True when the OPD has fewer than {K} staff.")
    headcount: int | None = Field(description="Staff on the roster.")
    staff_wfa: int | None = Field(description="Staff who worked from anywhere at least once.")
    away_share: float | None = Field(description="WFA employee-days over person-days.")
    compliance_rate: float | None = Field(
        description="WFA days taken with an approved request, over WFA days."
    )
    attendance_rate: float | None = Field(description="Employee-days checked in, over person-days.")
    report_rate: float | None = Field(description="Days with a daily report, over days present.")
    output_wfa: float | None = Field(description="Outputs reported per employee-day on WFA.")
    output_office: float | None = Field(
        description="Outputs reported per employee-day at the office."
    )
    anomalies_by_kind: dict[str, int | None] = Field(
        description="Anomalies detected per kind (null where fewer than k staff are concerned)."
    )
    suppressed_cells: list[str] = Field(
        description=f"Figures of a published OPD left null: they rest on 1 to {K - 1} persons."
    )


class PublicMonth(BaseModel):
    """Every OPD's month, and the province over the published figures."""

    month: str = Field(description="The month, YYYY-MM.")
    k: int = Field(description="The smallest group a published figure may rest on.")
    opds: list[PublicOpdMonth]
    province: dict[str, Any] = Field(
        description="The same figures over the published OPDs, each figure over the OPDs "
        "where it is published (so nothing hidden can be recovered by subtraction)."
    )
    note_id: str = Field(description="How the figures are protected, in Bahasa Indonesia.")
    note_en: str = Field(description="The same in English.")


class PublicDays(BaseModel):
    """Per published OPD and day: the share away and compliance; the province per day."""

    date_from: str
    date_to: str
    k: int
    opds: list[dict[str, Any]] = Field(
        description="Per OPD: `opd_id`, `suppressed`, and `days` (`work_date`, `away_share`, "
        "`compliance_rate`, `suppressed_cells`); empty for a suppressed OPD."
    )
    province: list[dict[str, Any]] = Field(
        description="Per day: the figures over the published OPDs where each is published."
    )
    note_id: str
    note_en: str


def _public(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": CACHE_CONTROL})


@router.get(
    "/opds",
    summary="Public per-OPD figures of a month / Data publik per OPD per bulan",
    response_model=PublicMonth,
    responses=PUBLIC_RESPONSES,
)
async def public_opds(ctx: Context, month: MonthParam) -> JSONResponse:
    """No login. Per OPD: headcount, the share of staff away, compliance, attendance, daily
    reports, outputs per day on WFA and at the office, anomalies by kind. An OPD with fewer
    than 10 staff is suppressed (its figures null); within an OPD, a figure resting on 1 to 9
    persons is null. No NIP, name or location is ever part of the answer."""
    first = parse_month(month)
    months = await public_months(ctx.store, first)
    return _public({"month": month_text(first), **public_month(months)})


@router.get(
    "/opds/days",
    summary="Public per-OPD figures per day / Data publik harian per OPD",
    response_model=PublicDays,
    responses=PUBLIC_RESPONSES,
)
async def public_opd_days_route(ctx: Context, date_from: DateFrom, date_to: DateTo) -> JSONResponse:
    """No login. Per published OPD and day: the share of staff away and the share of WFA days
    with an approved request (null on a day when 1 to 9 staff were away). At most 92 days."""
    period = checked_period(date_from, date_to)
    if (date_to - date_from).days + 1 > MAX_PUBLIC_DAYS:
        raise ApiError(
            422,
            "period_too_long",
            *MESSAGES.text("period_too_long", max_public_days=MAX_PUBLIC_DAYS),
            details=[{"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}],
        )
    days = await public_opd_days(ctx.store, period)
    return _public(
        {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), **public_days(days)}
    )
