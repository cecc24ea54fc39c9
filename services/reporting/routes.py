"""HTTP edge of reporting: what the projections show, scoped to who is asking."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from services.reporting.queries import list_requests
from services.runtime.deps import Context, CurrentUser
from services.runtime.errors import ApiError
from services.runtime.identity import Principal, Role
from services.runtime.routing import service_router

router = service_router("/reports", ["reports"])

PROVINCE_WIDE = {Role.ADMIN_BKD, Role.AUDITOR, Role.OPS}
OPD_WIDE = {Role.ATASAN, Role.KEPALA_OPD}


def _scope(user: Principal, opd_id: str | None, nip: str | None) -> tuple[str, str]:
    """Who may see what: ASN see themselves, supervisors their OPD, BKD/auditors all."""
    if user.role in PROVINCE_WIDE:
        return opd_id or "", nip or ""
    if user.role in OPD_WIDE:
        if opd_id and opd_id != user.opd_id:
            raise ApiError(
                403,
                "outside_scope",
                "Anda hanya dapat melihat data OPD Anda sendiri.",
                "You may only see data of your own OPD.",
            )
        return user.opd_id or "", nip or ""
    if nip and nip != user.nip:
        raise ApiError(
            403,
            "outside_scope",
            "Anda hanya dapat melihat data Anda sendiri.",
            "You may only see your own data.",
        )
    return "", user.nip


@router.get("/requests", summary="WFA requests and their status / Permohonan WFA dan statusnya")
async def requests(
    user: CurrentUser,
    ctx: Context,
    opd_id: Annotated[str | None, Query(max_length=100)] = None,
    nip: Annotated[str | None, Query(pattern=r"^\d{18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    scoped_opd, scoped_nip = _scope(user, opd_id, nip)
    rows = await list_requests(ctx.store, opd_id=scoped_opd, nip=scoped_nip, limit=limit)
    return {"items": rows, "count": len(rows)}
