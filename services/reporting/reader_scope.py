"""Who may see what in reporting: the reader's scope, from the roster, not the token alone.

A supervisor or head of OPD sees the OPD the roster records for them, and only when their
token names that same OPD.
"""

from __future__ import annotations

from services.reporting.domain.scope import Scope
from services.runtime.deps import caller_opd
from services.runtime.errors import ApiError
from services.runtime.identity import Principal, Role
from services.runtime.roster_caller import caller_entry
from services.runtime.roster_directory import RosterDirectory

PROVINCE_WIDE = {Role.ADMIN_BKD, Role.AUDITOR, Role.OPS}
OPD_WIDE = {Role.ATASAN, Role.KEPALA_OPD}


def outside_scope(what_id: str, what_en: str) -> ApiError:
    return ApiError(
        403,
        "outside_scope",
        f"Anda hanya dapat melihat data {what_id}.",
        f"You may only see data of {what_en}.",
    )


async def reader_scope(
    user: Principal, directory: RosterDirectory, opd_id: str | None, nip: str | None
) -> Scope:
    """Who may see what.

    * BKD admins, auditors and ops: the whole province, filtered as asked;
    * a head of OPD: the OPD the roster records for them;
    * a supervisor (atasan): in that OPD, themselves and the employees they supervise,
      directly or down the chain of command;
    * anyone else: themselves only.
    """
    if user.role in PROVINCE_WIDE:
        return Scope(opd_id=opd_id or "", nip=nip or "")
    if user.role in OPD_WIDE:
        token_opd = await caller_opd(user)
        entry = await caller_entry(directory, user.nip, token_opd, unknown_status=403)
        if opd_id and opd_id != entry.opd_id:
            raise outside_scope("OPD Anda sendiri", "your own OPD")
        if user.role is Role.KEPALA_OPD:
            return Scope(opd_id=entry.opd_id, nip=nip or "")
        visible = directory.subordinates(user.nip, transitive=True) | {user.nip}
        if nip and nip not in visible:
            raise outside_scope(
                "Anda sendiri dan pegawai yang Anda bawahi", "yourself and those you supervise"
            )
        return Scope(opd_id=entry.opd_id, nip=nip or "", nips=visible)
    if nip and nip != user.nip:
        raise outside_scope("Anda sendiri", "your own")
    return Scope(nip=user.nip)


async def subject_scope(user: Principal, directory: RosterDirectory, nip: str) -> Scope:
    """The scope for reading one employee's data: refused (403) when ``nip`` is not visible.

    A head of OPD reads only employees the roster places in their OPD.
    """
    scope = await reader_scope(user, directory, None, nip)
    if user.role is Role.KEPALA_OPD:
        entry = directory.lookup(nip)
        if entry is None or entry.opd_id != scope.opd_id:
            raise outside_scope("pegawai di OPD Anda", "employees of your OPD")
    return scope
