"""HTTP edge of the team's day: who is on WFA, who checked in, anomalies, reports.

``GET /reporting/team?date=`` answers for the caller's team, as the roster draws it:

* a supervisor (atasan): the employees they supervise, directly or down the chain;
* a head of OPD: their OPD;
* BKD admins, auditors and ops: the OPD named by ``opd_id`` (required);
* anyone else: themselves.

Scoping follows :func:`services.reporting.reader_scope.reader_scope`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from schemas.limits import ContractDate
from services.reporting.domain.team_day import Member, team_day
from services.reporting.messages import MESSAGES
from services.reporting.reader_scope import PROVINCE_WIDE, reader_scope
from services.reporting.summary_params import checked_period
from services.reporting.summary_queries import employee_days
from services.reporting.summary_routes import SCOPE_403
from services.runtime.edge.access_log import Purpose, record_row_accesses, roster_opd
from services.runtime.edge.caller_scope import Directory
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.identity import Role
from services.runtime.edge.routing import service_router

router = service_router("/reporting", ["reporting"])

MAX_TEAM = 20_000
"""Most employee-days one team read returns (an OPD has at most a few thousand staff)."""


class TeamMemberDay(BaseModel):
    """One member's day."""

    nip: str
    name: str | None = Field(description="The roster's name; null if no longer on it.")
    work_unit_id: str
    working_day: bool
    mode: str = Field(description="wfa, office or absent (no check-in).")
    requested_wfa: bool
    approved_wfa: bool = Field(description="An approved WFA request covers the day.")
    check_in: str | None = Field(description="First check-in, ISO 8601 UTC.")
    check_out: str | None = Field(description="Last check-out, ISO 8601 UTC.")
    late: bool
    worked_minutes: int
    report_status: str = Field(description="none, submitted, accepted or returned.")
    anomalies: list[str] = Field(description="Kinds of the anomalies detected that day.")
    anomaly_count: int


class TeamDay(BaseModel):
    """The team's day and its totals."""

    date: str
    items: list[TeamMemberDay]
    totals: dict[str, int] = Field(
        description="headcount, wfa, office, absent, checked_in, approved_wfa, "
        "reports_submitted, anomalies."
    )


TEAM_ROUTE = "/reporting/team"


@router.get(
    TEAM_ROUTE.removeprefix("/reporting"),
    summary="My team's day / Hari kerja tim saya",
    response_model=TeamDay,
    responses={
        403: SCOPE_403,
        422: error_response(
            "`invalid_request` (a parameter is malformed), `invalid_period` (a day outside "
            "the calendar) or `opd_required` (BKD, auditors and ops name the OPD) / parameter "
            "tidak valid, atau OPD wajib disebutkan."
        ),
        503: error_response(
            "`roster_unavailable`: the roster cannot be confirmed up to date; retry / data "
            "pegawai belum dapat dipastikan terkini, coba lagi. `kafka_unavailable`: the "
            "reads could not be recorded in the access log, so nothing is answered / akses "
            "tidak dapat dicatat."
        ),
    },
)
async def team_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    day: Annotated[ContractDate, Query(alias="date", description="The day, YYYY-MM-DD.")],
    opd_id: Annotated[
        str | None,
        Query(max_length=100, description="The OPD (BKD, auditors, ops: required)."),
    ] = None,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Each member's mode (WFA, office, absent), approved WFA, check-in and check-out,
    minutes worked, the daily report's status and the anomalies of the day, with totals."""
    period = checked_period(day, day)
    if user.role in PROVINCE_WIDE and not opd_id:
        raise ApiError(
            422,
            "opd_required",
            *MESSAGES.text("opd_required"),
        )
    scope = await reader_scope(user, directory, opd_id, None)
    if scope.nips is not None:  # a supervisor: those they supervise
        nips = set(scope.nips) - ({user.nip} if user.role is Role.ATASAN else set())
    elif scope.nip:
        nips = {scope.nip}
    else:
        nips = set(directory.in_opd(scope.opd_id))
    members = []
    for nip in nips:
        entry = directory.lookup(nip)
        members.append(
            Member(nip, entry.name, entry.work_unit_id) if entry else Member(nip, None, "")
        )
    page = await employee_days(ctx.store, scope, period, limit=MAX_TEAM, offset=0)
    rows = [row for row in page.items if scope.nips is None or row["nip"] in nips]
    answer = team_day(members, rows, day)
    await record_row_accesses(  # every member's day is answered, rows or not
        ctx,
        user,
        [{"nip": item["nip"], "day": day} for item in answer["items"]],
        data_kind="attendance",
        route=TEAM_ROUTE,
        opd_of=roster_opd(directory),
        purpose=purpose,
        day_keys=("day",),
    )
    return answer
