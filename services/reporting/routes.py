"""HTTP edge of reporting's WFA requests, scoped to who is asking (see ``reader_scope``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from schemas.limits import ContractDate
from services.reporting.queries import RequestFilter, requests_page
from services.reporting.reader_scope import reader_scope
from services.reporting.summary_params import checked_period
from services.runtime.edge.access_log import Purpose, record_row_accesses, roster_opd
from services.runtime.edge.caller_scope import CALLER_403, Directory
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import error_response
from services.runtime.edge.routing import service_router

router = service_router("/reports", ["reports"])

MAX_OFFSET = 10_000_000

RequestStatus = Literal["submitted", "pending", "not_eligible", "approved", "rejected", "cancelled"]
"""A request's status as it stands: ``pending`` (eligible, waiting for the supervisor),
``not_eligible`` (refused by the rules), ``approved``, ``rejected``, ``cancelled``, or
``submitted`` (recorded before decisions were part of the request)."""


class RequestsPage(BaseModel):
    """One page of WFA requests, newest first."""

    items: list[dict[str, Any]] = Field(description="The requests on this page.")
    count: int = Field(description="How many requests are on this page.")
    total: int = Field(description="How many requests match, across all pages.")
    limit: int = Field(description="The page size asked for.")
    offset: int = Field(description="How many matching requests come before this page.")
    next_offset: int | None = Field(
        description="The `offset` of the next page; null when this is the last one."
    )


REQUESTS_ROUTE = "/reports/requests"


@router.get(
    REQUESTS_ROUTE.removeprefix("/reports"),
    summary="WFA requests and their status / Permohonan WFA dan statusnya",
    response_model=RequestsPage,
    responses={
        403: error_response(
            "`outside_scope` (another OPD or employee) / di luar cakupan. The caller: " + CALLER_403
        ),
        422: error_response(
            "`invalid_request` (a query parameter is malformed, or an unknown status) or "
            "`invalid_period` (date_to before date_from) / parameter atau periode tidak valid."
        ),
        503: error_response(
            "`roster_unavailable`: the roster cannot be confirmed up to date; retry / data "
            "pegawai belum dapat dipastikan terkini, coba lagi. `kafka_unavailable`: the reads "
            "of others' requests could not be recorded in the access log, so nothing is "
            "answered / akses tidak dapat dicatat."
        ),
    },
)
async def requests(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    opd_id: Annotated[str | None, Query(max_length=100)] = None,
    nip: Annotated[str | None, Query(pattern=r"^[0-9]{18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    status: Annotated[
        list[RequestStatus] | None,
        Query(
            description="Only requests in these statuses (repeat the parameter for several), "
            "e.g. `pending`: waiting for the supervisor's approval.",
        ),
    ] = None,
    date_from: Annotated[
        ContractDate | None, Query(description="Only requests with a day on or after this one.")
    ] = None,
    date_to: Annotated[
        ContractDate | None,
        Query(description="Only requests with a day on or before this one."),
    ] = None,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """The requests the caller may see, newest first; each with the employee's name when the
    roster knows it. A request matches the period when any of its days is in it."""
    if date_from is not None and date_to is not None and date_from > date_to:
        checked_period(date_from, date_to)  # 422 invalid_period
    for day in (date_from, date_to):
        if day is not None:
            checked_period(day, day)  # 422 invalid_period outside the days a Date holds
    scope = await reader_scope(user, directory, opd_id, nip)
    where = RequestFilter(
        scope, tuple(sorted(set(status or ()))), date_from=date_from, date_to=date_to
    )
    page = await requests_page(ctx.store, where, limit=limit, offset=offset)
    for item in page.items:
        entry = directory.lookup(item["nip"])
        item["name"] = entry.name if entry is not None else None
    await record_row_accesses(
        ctx,
        user,
        page.items,
        data_kind="wfa_request",
        route=REQUESTS_ROUTE,
        opd_of=roster_opd(directory),
        purpose=purpose,
        day_keys=("dates",),
    )
    return page.answer(limit=limit, offset=offset)
