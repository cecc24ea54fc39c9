"""The caller as the roster knows them: FastAPI dependencies over the roster directory.

A token says who the caller claims to be; the roster says where they work. Routes that act
for the caller's OPD or scope what the caller sees by it take the OPD from the roster, and
refuse a token whose OPD the roster contradicts.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from services.runtime.context import ServiceContext
from services.runtime.deps import (
    CallerOpd,
    Context,
    CurrentUser,
    authenticate,
    check_role,
    opd_of,
)
from services.runtime.errors import ApiError, error_response
from services.runtime.identity import Principal, Role
from services.runtime.roster_directory import (
    RosterDirectory,
    RosterEntry,
    RosterUnavailable,
    roster_directory_of,
)

#: how long a lookup that misses may wait for the directory to read the latest roster records
CATCH_UP_TIMEOUT_S = 5.0
RETRY_AFTER_S = 2


async def roster_directory(ctx: Context) -> RosterDirectory:
    """The service's roster directory (registered with ``register_roster_directory``)."""
    return roster_directory_of(ctx)


Directory = Annotated[RosterDirectory, Depends(roster_directory)]


@dataclass(frozen=True, slots=True)
class RosteredCaller:
    """An authenticated caller whose token agrees with their roster entry."""

    principal: Principal
    entry: RosterEntry
    ctx: ServiceContext | None = None
    """The service the call is for (set by :func:`rostered`)."""


async def find_entry(directory: RosterDirectory, nip: str) -> RosterEntry | None:
    """The roster entry of ``nip`` (None if the roster does not know it), reading the log up to
    now first on a miss; 503 ``roster_unavailable`` when that cannot be confirmed."""
    try:
        return await directory.find(nip, CATCH_UP_TIMEOUT_S)
    except RosterUnavailable as exc:
        raise ApiError(
            503,
            "roster_unavailable",
            "Data pegawai belum dapat dipastikan terkini; coba lagi sebentar lagi.",
            "The roster cannot be confirmed up to date right now; try again shortly.",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        ) from exc


async def caller_entry(
    directory: RosterDirectory, nip: str, token_opd: str, *, unknown_status: int = 422
) -> RosterEntry:
    """The roster entry of ``nip``, checked against the OPD its token names.

    Refuses with ``unknown_status`` / ``employee_not_on_roster`` when the roster does not know
    the NIP, 403 ``opd_mismatch`` when it places the employee in another OPD, and 503
    ``roster_unavailable`` when the directory cannot confirm it has read the roster up to now.
    """
    entry = await find_entry(directory, nip)
    if entry is None:
        raise ApiError(
            unknown_status,
            "employee_not_on_roster",
            f"NIP {nip} belum terdaftar pada data pegawai; hubungi BKD/BKPSDM.",
            f"NIP {nip} is not on the roster yet; contact BKD/BKPSDM.",
        )
    if entry.opd_id != token_opd:
        raise ApiError(
            403,
            "opd_mismatch",
            f"Token untuk OPD {token_opd}, tetapi data pegawai mencatat OPD {entry.opd_id}.",
            f"The token is for OPD {token_opd}, but the roster records OPD {entry.opd_id}.",
        )
    return entry


async def rostered_caller(
    user: CurrentUser, opd_id: CallerOpd, directory: Directory
) -> RosteredCaller:
    """The caller, on the roster, in the OPD their token names (403/422 otherwise)."""
    return RosteredCaller(user, await caller_entry(directory, user.nip, opd_id))


RosterCaller = Annotated[RosteredCaller, Depends(rostered_caller)]


def rostered(*roles: Role) -> Callable[..., Coroutine[Any, Any, RosteredCaller]]:
    """One dependency for a hot route: the caller authenticated, of one of ``roles``, on the
    roster in the OPD their token names. It does in one step what :data:`CurrentUser`,
    ``require_roles`` and :data:`RosterCaller` do in four, which FastAPI resolves per request.
    """

    async def dependency(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> RosteredCaller:
        ctx: ServiceContext = request.app.state.context
        user = check_role(await authenticate(ctx, authorization), roles)
        entry = await caller_entry(roster_directory_of(ctx), user.nip, opd_of(user))
        return RosteredCaller(user, entry, ctx)

    return dependency


#: OpenAPI descriptions of the refusals of :func:`rostered_caller`
ROSTER_CALLER_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: error_response(
        "`forbidden_role`, `missing_opd` (the token names no OPD) or `opd_mismatch` (the "
        "roster places the caller in another OPD) / peran tidak berwenang, token tanpa OPD, "
        "atau OPD token berbeda dengan data pegawai."
    ),
    422: error_response(
        "`invalid_request` (the body) or `employee_not_on_roster` (the caller) / permintaan "
        "tidak valid, atau NIP belum terdaftar pada data pegawai."
    ),
}
