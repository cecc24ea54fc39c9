"""Who may see what in reporting: the reader's scope as the runtime resolves it from the roster
(:mod:`services.runtime.edge.caller_scope`), turned into the filter reporting's queries take."""

from __future__ import annotations

from kernel.messages import Bilingual
from services.reporting.domain.scope import Scope
from services.reporting.messages import MESSAGES
from services.runtime.edge.caller_scope import PROVINCE_WIDE, CallerScope, Reach, resolve_caller
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Principal
from services.runtime.edge.roster_directory import RosterDirectory

__all__ = ["PROVINCE_WIDE", "outside_scope", "reader_scope", "subject_scope"]


def outside_scope(what: Bilingual) -> ApiError:
    """403: the data asked for is beyond what the reader may see (``what`` they may)."""
    return ApiError(403, "outside_scope", *MESSAGES.text("outside_scope", what=what))


async def reader_scope(
    user: Principal, directory: RosterDirectory, opd_id: str | None, nip: str | None
) -> Scope:
    """Who may see what, filtered as asked (403 ``outside_scope`` beyond it).

    * BKD admins, auditors and ops: the whole province;
    * a head of OPD: the OPD the roster names them head of;
    * a supervisor (atasan): in their OPD, themselves and those they supervise, down the
      chain of command;
    * anyone else: themselves only.
    """
    return _scope(await resolve_caller(user, directory), opd_id, nip)


def _scope(caller: CallerScope, opd_id: str | None, nip: str | None) -> Scope:
    if caller.reach is Reach.PROVINCE:
        return Scope(opd_id=opd_id or "", nip=nip or "")
    if caller.reach is Reach.SELF:
        if nip and nip != caller.nip:
            raise outside_scope(MESSAGES.text("scope.own"))
        return Scope(nip=caller.nip)
    own_opd = caller.opd_id
    if opd_id and opd_id != own_opd:
        raise outside_scope(MESSAGES.text("scope.own_opd"))
    if caller.reach is Reach.OPD:
        return Scope(opd_id=own_opd, nip=nip or "")
    visible = caller.team | {caller.nip}
    if nip and nip not in visible:
        raise outside_scope(MESSAGES.text("scope.supervised"))
    return Scope(opd_id=own_opd, nip=nip or "", nips=visible)


async def subject_scope(user: Principal, directory: RosterDirectory, nip: str) -> Scope:
    """The scope for reading one employee's data: refused (403) when ``nip`` is not visible.

    Everyone reads their own; a head of OPD reads the employees the roster places in the OPD
    they head.
    """
    caller = await resolve_caller(user, directory)
    if nip == caller.nip:
        return Scope(nip=nip)
    scope = _scope(caller, None, nip)
    if caller.reach is Reach.OPD and not caller.sees_entry(nip):
        raise outside_scope(MESSAGES.text("scope.opd_employees"))
    return scope
