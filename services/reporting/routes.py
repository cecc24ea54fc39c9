"""HTTP edge of reporting's WFA requests, scoped to who is asking (see ``reader_scope``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from services.reporting.queries import requests_page
from services.reporting.reader_scope import reader_scope
from services.runtime.deps import Context, CurrentUser
from services.runtime.errors import error_response
from services.runtime.roster_caller import Directory
from services.runtime.routing import service_router

router = service_router("/reports", ["reports"])

MAX_OFFSET = 10_000_000


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


@router.get(
    "/requests",
    summary="WFA requests and their status / Permohonan WFA dan statusnya",
    response_model=RequestsPage,
    responses={
        403: error_response(
            "`outside_scope` (another OPD or employee), `missing_opd` (a supervisor's or "
            "head's token names no OPD), `opd_mismatch` (the roster places the caller in "
            "another OPD) or `employee_not_on_roster` (a supervisor or head the roster does "
            "not know) / di luar cakupan, token tanpa OPD, OPD token berbeda dengan data "
            "pegawai, atau pemanggil belum terdaftar."
        ),
        422: error_response(
            "`invalid_request`: a query parameter is malformed / parameter tidak valid."
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
) -> dict[str, Any]:
    where = await reader_scope(user, directory, opd_id, nip)
    page = await requests_page(ctx.store, where, limit=limit, offset=offset)
    return page.answer(limit=limit, offset=offset)
