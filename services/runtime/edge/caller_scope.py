"""Who the caller is, and whom they may see: resolved from the roster, never from a claim.

A token says who the caller claims to be (NIP, role, OPD). The roster says where they work,
which OPD they head (``heads_opd``: as its kepala, or as the Plt/Plh delegate the roster names)
and whom they supervise. Every service resolves its callers here, with whatever roster it keeps
(a :class:`RosterLookup`: the :class:`~services.runtime.edge.roster_directory.RosterDirectory`, or
eligibility's reference replica):

* ``admin_bkd``, ``auditor``, ``ops``: the whole province; the roster need not list them.
* ``kepala_opd``: the roster must name the caller head of an OPD, else 403
  ``role_not_on_roster``; the token's OPD must be that OPD, else 403 ``opd_mismatch``. They see
  the employees the roster places in that OPD.
* ``atasan``: the roster must record someone whose supervisor of record is the caller, else 403
  ``role_not_on_roster``; the token's OPD must be the caller's OPD on the roster, else 403
  ``opd_mismatch``. They see those they supervise, down the chain of command.
* ``asn``: when the roster knows them, the token's OPD must be theirs (403 ``opd_mismatch``).
* an application (``system``): no one's personal data through a scope.

Everyone sees themselves. A supervisor or head whose token names no OPD gets 403
``missing_opd``; one the roster does not know gets ``employee_not_on_roster``. The refusals are
decided before any data is read, so a token the roster contradicts never gets data. A caller
who acts as an employee (records presence, submits a request) resolves with ``as_employee``:
then the roster must know them whatever their role (``employee_not_on_roster``, 422 by
default) and their token must name an OPD.

A disagreement is decided on the roster as of now: before refusing, the lookup reads the roster
log up to the present, so an update published a moment ago (a new head) is not refused.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from services.runtime.context import ServiceContext, component
from services.runtime.edge.deps import Context, authenticate, check_role
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import (
    RosterDirectory,
    RosterEntry,
    RosterLookup,
    RosterUnavailable,
)
from services.runtime.messages import MESSAGES

#: how long a lookup that misses (or disagrees) may wait for the roster to be read up to now
CATCH_UP_TIMEOUT_S = 5.0
RETRY_AFTER_S = 2

PROVINCE_WIDE = frozenset({Role.ADMIN_BKD, Role.AUDITOR, Role.OPS})
"""Roles that see the whole province (BKD, auditors, ops)."""


class Reach(StrEnum):
    """How far the caller's sight reaches."""

    PROVINCE = "province"
    OPD = "opd"
    """The head of an OPD: everyone the roster places in it."""
    TEAM = "team"
    """A supervisor: those they supervise, down the chain."""
    SELF = "self"


@dataclass(frozen=True)
class CallerScope:
    """An authenticated caller whose token agrees with the roster, and what they may see."""

    principal: Principal
    reach: Reach
    entry: RosterEntry | None = None
    """The caller's roster entry (None for a province-wide role or an unknown ASN)."""
    roster: RosterLookup | None = field(default=None, repr=False, compare=False)
    ctx: ServiceContext | None = field(default=None, repr=False, compare=False)
    """The service the call is for (set by the FastAPI dependencies)."""

    @property
    def nip(self) -> str:
        return self.principal.nip

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def employee(self) -> RosterEntry:
        """The caller's roster entry: always there for a caller resolved ``as_employee``, a
        supervisor or a head."""
        if self.entry is None:
            raise LookupError(f"{self.nip} was resolved without a roster entry")
        return self.entry

    @property
    def headed_opd(self) -> str:
        """The OPD a head sees ("" for every other reach)."""
        if self.reach is Reach.OPD and self.entry is not None:
            return self.entry.heads_opd or ""
        return ""

    @property
    def opd_id(self) -> str:
        """The OPD the caller acts for: the one they head, else theirs on the roster ("")."""
        if self.headed_opd:
            return self.headed_opd
        return self.entry.opd_id if self.entry is not None else ""

    @cached_property
    def team(self) -> frozenset[str]:
        """Those a supervisor supervises, down the chain (empty for any other reach)."""
        if self.reach is not Reach.TEAM or self.roster is None:
            return frozenset()
        return self.roster.subordinates(self.nip, transitive=True)

    def sees_opd(self, opd_id: str) -> bool:
        """Whether the caller may see the whole of ``opd_id`` (its aggregates, every member)."""
        return self.reach is Reach.PROVINCE or (bool(opd_id) and opd_id == self.headed_opd)

    def sees(self, nip: str, opd_id: str | None) -> bool:
        """Whether the caller may see the data of employee ``nip``, whom the roster (or the
        record read) places in ``opd_id``."""
        if nip == self.nip or self.reach is Reach.PROVINCE:
            return True
        if self.reach is Reach.OPD:
            return opd_id is not None and self.sees_opd(opd_id)
        return self.reach is Reach.TEAM and nip in self.team

    def sees_entry(self, nip: str) -> bool:
        """:meth:`sees` for an employee placed by the caller's roster (False if unknown)."""
        if nip == self.nip or self.reach is Reach.PROVINCE:
            return True
        entry = self.roster.lookup(nip) if self.roster is not None else None
        return entry is not None and self.sees(nip, entry.opd_id)


# refusals -------------------------------------------------------------------------------------


def missing_opd() -> ApiError:
    return ApiError(403, "missing_opd", *MESSAGES.text("missing_opd"))


def not_on_roster(nip: str, status: int) -> ApiError:
    return ApiError(
        status, "employee_not_on_roster", *MESSAGES.text("employee_not_on_roster", nip=nip)
    )


def opd_mismatch(token_opd: str, roster_opd: str, *, as_head: bool = False) -> ApiError:
    details = [{"token_opd": token_opd, "roster_opd": roster_opd}]
    opds = {"token_opd": token_opd, "roster_opd": roster_opd}
    if as_head:
        message = MESSAGES.text("opd_mismatch.head", **opds)
    else:
        message = MESSAGES.text("opd_mismatch", **opds)
    return ApiError(403, "opd_mismatch", *message, details=details)


def role_not_on_roster(role: Role) -> ApiError:
    if role is Role.KEPALA_OPD:
        message = MESSAGES.text("role_not_on_roster.head")
    else:
        message = MESSAGES.text("role_not_on_roster")
    return ApiError(403, "role_not_on_roster", *message, details=[{"role": role.value}])


def roster_unavailable() -> ApiError:
    return ApiError(
        503,
        "roster_unavailable",
        *MESSAGES.text("roster_unavailable"),
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


# resolution -----------------------------------------------------------------------------------


async def _refreshed(roster: RosterLookup, nip: str) -> RosterEntry | None:
    try:
        return await roster.refreshed(nip, CATCH_UP_TIMEOUT_S)
    except RosterUnavailable as exc:
        raise roster_unavailable() from exc


async def find_entry(roster: RosterLookup, nip: str) -> RosterEntry | None:
    """The roster entry of ``nip``, reading the roster up to now first on a miss (None: the
    roster does not know the NIP); 503 ``roster_unavailable`` when that cannot be confirmed."""
    entry = roster.lookup(nip)
    return entry if entry is not None else await _refreshed(roster, nip)


def _disagreement(
    principal: Principal, entry: RosterEntry, roster: RosterLookup, token_opd: str | None
) -> ApiError | None:
    """Why the roster contradicts the token (None: it agrees)."""
    role = principal.role
    if role is Role.KEPALA_OPD:
        if entry.heads_opd is None:
            return role_not_on_roster(role)
        if token_opd != entry.heads_opd:
            return opd_mismatch(token_opd or "", entry.heads_opd, as_head=True)
        return None
    if role is Role.ATASAN and not roster.has_subordinates(principal.nip):
        return role_not_on_roster(role)
    if token_opd is not None and token_opd != entry.opd_id:
        return opd_mismatch(token_opd, entry.opd_id)
    return None


_REACH = {Role.KEPALA_OPD: Reach.OPD, Role.ATASAN: Reach.TEAM}


async def resolve_caller(
    principal: Principal,
    roster: RosterLookup,
    *,
    as_employee: bool = False,
    unknown_status: int = 403,
) -> CallerScope:
    """The caller's scope, or the refusal the module describes (403, 422 or 503)."""
    role = principal.role
    if role is Role.SYSTEM or (role in PROVINCE_WIDE and not as_employee):
        reach = Reach.PROVINCE if role in PROVINCE_WIDE else Reach.SELF
        return CallerScope(principal, reach, roster=roster)
    token_opd = principal.opd_id or None
    if token_opd is None and (as_employee or role in _REACH):
        raise missing_opd()
    entry = await find_entry(roster, principal.nip)
    if entry is None:
        if as_employee or role in _REACH:
            raise not_on_roster(principal.nip, 422 if as_employee else unknown_status)
        return CallerScope(principal, Reach.SELF, roster=roster)  # an ASN only sees themselves
    if _disagreement(principal, entry, roster, token_opd) is not None:
        entry = await _refreshed(roster, principal.nip) or entry  # decide on the roster of now
        refusal = _disagreement(principal, entry, roster, token_opd)
        if refusal is not None:
            raise refusal
    reach = Reach.PROVINCE if role in PROVINCE_WIDE else _REACH.get(role, Reach.SELF)
    return CallerScope(principal, reach, entry, roster=roster)


# FastAPI --------------------------------------------------------------------------------------


async def roster_directory(ctx: Context) -> RosterDirectory:
    """The service's roster directory (registered with ``register_roster_directory``)."""
    return component(ctx, RosterDirectory)


Directory = Annotated[RosterDirectory, Depends(roster_directory)]


def rostered(
    *roles: Role, as_employee: bool = False, unknown_status: int = 403
) -> Callable[..., Coroutine[Any, Any, CallerScope]]:
    """A dependency: the caller authenticated (401), of one of ``roles`` (all when none are
    named; 403 ``forbidden_role`` otherwise, before the roster is consulted), and resolved on
    the roster (:func:`resolve_caller`). One step instead of several FastAPI resolves per
    request, so hot routes use it too."""

    async def dependency(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> CallerScope:
        ctx: ServiceContext = request.app.state.context
        user = await authenticate(ctx, authorization)
        if roles:
            check_role(user, roles)
        scope = await resolve_caller(
            user,
            component(ctx, RosterLookup),
            as_employee=as_employee,
            unknown_status=unknown_status,
        )
        return CallerScope(scope.principal, scope.reach, scope.entry, scope.roster, ctx)

    return dependency


Caller = Annotated[CallerScope, Depends(rostered())]
"""Any authenticated caller, resolved on the roster."""

#: OpenAPI description of the refusals of :func:`resolve_caller`
CALLER_403 = (
    "`opd_mismatch` (the token's OPD is not the caller's on the roster, or for `kepala_opd` "
    "not the OPD the roster names them head of), `role_not_on_roster` (a `kepala_opd` token "
    "for someone the roster names head of no OPD, or an `atasan` token for someone no one "
    "reports to), `missing_opd`, `employee_not_on_roster` or `forbidden_role` / OPD token "
    "berbeda dengan data pegawai, peran tidak tercatat pada data pegawai, token tanpa OPD, "
    "NIP belum terdaftar, atau peran tidak berwenang."
)
CALLER_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: error_response(CALLER_403),
    503: error_response(
        "`roster_unavailable`: the roster cannot be confirmed up to date; retry / data pegawai "
        "belum dapat dipastikan terkini, coba lagi."
    ),
}
