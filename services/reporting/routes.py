"""HTTP edge of reporting: what the projections show, scoped to who is asking.

The scope comes from the roster, not from the token alone: a supervisor or head of OPD sees
the OPD the roster records for them, and only when their token names that same OPD.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from services.reporting.queries import RequestFilter, requests_page
from services.runtime.deps import Context, CurrentUser, caller_opd
from services.runtime.errors import ApiError, error_response
from services.runtime.identity import Principal, Role
from services.runtime.roster_caller import Directory, caller_entry
from services.runtime.roster_directory import RosterDirectory
from services.runtime.routing import service_router

router = service_router("/reports", ["reports"])

PROVINCE_WIDE = {Role.ADMIN_BKD, Role.AUDITOR, Role.OPS}
OPD_WIDE = {Role.ATASAN, Role.KEPALA_OPD}
MAX_OFFSET = 10_000_000


def _outside_scope(what_id: str, what_en: str) -> ApiError:
    return ApiError(
        403,
        "outside_scope",
        f"Anda hanya dapat melihat data {what_id}.",
        f"You may only see data of {what_en}.",
    )


async def _scope(
    user: Principal, directory: RosterDirectory, opd_id: str | None, nip: str | None
) -> RequestFilter:
    """Who may see what.

    * BKD admins, auditors and ops: the whole province, filtered as asked;
    * a head of OPD: the OPD the roster records for them;
    * a supervisor (atasan): in that OPD, themselves and the employees they supervise,
      directly or down the chain of command;
    * anyone else: themselves only.
    """
    if user.role in PROVINCE_WIDE:
        return RequestFilter(opd_id=opd_id or "", nip=nip or "")
    if user.role in OPD_WIDE:
        token_opd = await caller_opd(user)
        entry = await caller_entry(directory, user.nip, token_opd, unknown_status=403)
        if opd_id and opd_id != entry.opd_id:
            raise _outside_scope("OPD Anda sendiri", "your own OPD")
        if user.role is Role.KEPALA_OPD:
            return RequestFilter(opd_id=entry.opd_id, nip=nip or "")
        visible = directory.subordinates(user.nip, transitive=True) | {user.nip}
        if nip and nip not in visible:
            raise _outside_scope(
                "Anda sendiri dan pegawai yang Anda bawahi", "yourself and those you supervise"
            )
        return RequestFilter(opd_id=entry.opd_id, nip=nip or "", nips=visible)
    if nip and nip != user.nip:
        raise _outside_scope("Anda sendiri", "your own")
    return RequestFilter(nip=user.nip)


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
    where = await _scope(user, directory, opd_id, nip)
    page = await requests_page(ctx.store, where, limit=limit, offset=offset)
    following = offset + len(page.items)
    return {
        "items": page.items,
        "count": len(page.items),
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < page.total else None,
    }
