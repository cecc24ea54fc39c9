"""Resolving a caller on the roster (pure: the roster index in memory, no broker)."""

from __future__ import annotations

import asyncio

import pytest

from services.eligibility.reference_memory import ReferenceMemory
from services.runtime.edge.caller_scope import CallerScope, Reach, RosterLookup, resolve_caller
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterEntry, RosterIndex

HEAD = "197001011995031001"  # kepala of bappeda
SUPERVISOR = "198001012005011002"  # reports to the head
STAFF = "199001012015031003"  # reports to the supervisor
PEER = "199101012016031004"  # reports to the supervisor
ACTING = "198501012010011005"  # of dishub, named Plt head of kominfo
OTHER_HEAD = "197101011996031006"  # kepala of kominfo's neighbour, dishub


def _entry(
    nip: str,
    opd: str,
    supervisor: str | None = None,
    heads: str | None = None,
    capacity: str | None = None,
) -> RosterEntry:
    return RosterEntry(
        nip=nip,
        name=f"Pegawai {nip[-4:]}",
        opd_id=opd,
        work_unit_id="unit",
        supervisor_nip=supervisor,
        position_category="administrasi",
        employment_type="PNS",
        heads_opd=heads,
        head_capacity=capacity or ("kepala" if heads else None),
    )


class IndexRoster:
    """The roster index as callers are resolved with it, the roster being already read."""

    def __init__(self, *entries: RosterEntry) -> None:
        self.index = RosterIndex()
        for entry in entries:
            self.index.put(entry)
        self.refreshes = 0

    def lookup(self, nip: str) -> RosterEntry | None:
        return self.index.lookup(nip)

    async def refreshed(self, nip: str, timeout_s: float) -> RosterEntry | None:
        self.refreshes += 1
        return self.index.lookup(nip)

    def subordinates(self, supervisor_nip: str, *, transitive: bool = False) -> frozenset[str]:
        return self.index.subordinates(supervisor_nip, transitive=transitive)

    def has_subordinates(self, supervisor_nip: str) -> bool:
        return self.index.has_subordinates(supervisor_nip)


@pytest.fixture
def roster() -> IndexRoster:
    return IndexRoster(
        _entry(HEAD, "bappeda", heads="bappeda"),
        _entry(SUPERVISOR, "bappeda", HEAD),
        _entry(STAFF, "bappeda", SUPERVISOR),
        _entry(PEER, "bappeda", SUPERVISOR),
        _entry(ACTING, "dishub", OTHER_HEAD, heads="dinas-kominfo", capacity="plt"),
        _entry(OTHER_HEAD, "dishub", heads="dishub"),
    )


def _resolve(
    roster: RosterLookup, nip: str, role: Role, opd: str | None, **options: object
) -> CallerScope:
    principal = Principal(nip=nip, role=role, opd_id=opd)
    return asyncio.run(resolve_caller(principal, roster, **options))  # type: ignore[arg-type]


def _refusal(
    roster: RosterLookup, nip: str, role: Role, opd: str | None, **options: object
) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        _resolve(roster, nip, role, opd, **options)
    error = caught.value
    assert error.message_id and error.message_en and error.message_id != error.message_en
    return error.status, error.code


def test_the_head_the_roster_names_sees_their_opd(roster: IndexRoster) -> None:
    head = _resolve(roster, HEAD, Role.KEPALA_OPD, "bappeda")
    assert (head.reach, head.opd_id, head.headed_opd) == (Reach.OPD, "bappeda", "bappeda")
    assert head.sees_opd("bappeda") and not head.sees_opd("dishub")
    assert head.sees(STAFF, "bappeda") and not head.sees(OTHER_HEAD, "dishub")
    assert head.sees_entry(STAFF) and not head.sees_entry(OTHER_HEAD)


def test_a_head_whose_token_claims_another_opd_is_refused(roster: IndexRoster) -> None:
    assert _refusal(roster, HEAD, Role.KEPALA_OPD, "dinas-kominfo") == (403, "opd_mismatch")
    assert _refusal(roster, HEAD, Role.KEPALA_OPD, None) == (403, "missing_opd")


def test_a_kepala_token_for_someone_the_roster_names_head_of_nothing_is_refused(
    roster: IndexRoster,
) -> None:
    for opd in ("bappeda", "dinas-kominfo"):
        assert _refusal(roster, STAFF, Role.KEPALA_OPD, opd) == (403, "role_not_on_roster")
    assert roster.refreshes == 2  # decided on the roster as of now, each time


def test_a_delegate_heads_the_opd_the_roster_names_not_their_own(roster: IndexRoster) -> None:
    acting = _resolve(roster, ACTING, Role.KEPALA_OPD, "dinas-kominfo")
    assert (acting.reach, acting.opd_id, acting.employee.opd_id) == (
        Reach.OPD,
        "dinas-kominfo",
        "dishub",
    )
    assert _refusal(roster, ACTING, Role.KEPALA_OPD, "dishub") == (403, "opd_mismatch")
    # in their own capacity, as an employee of dishub
    assert _resolve(roster, ACTING, Role.ASN, "dishub").reach is Reach.SELF
    assert _refusal(roster, ACTING, Role.ASN, "dinas-kominfo") == (403, "opd_mismatch")


def test_a_supervisor_sees_the_chain_below_them(roster: IndexRoster) -> None:
    supervisor = _resolve(roster, SUPERVISOR, Role.ATASAN, "bappeda")
    assert supervisor.reach is Reach.TEAM and supervisor.team == {STAFF, PEER}
    assert supervisor.sees(STAFF, None) and supervisor.sees(SUPERVISOR, None)
    assert not supervisor.sees(HEAD, "bappeda") and not supervisor.sees_opd("bappeda")
    head_as_supervisor = _resolve(roster, HEAD, Role.ATASAN, "bappeda")
    assert head_as_supervisor.team == {SUPERVISOR, STAFF, PEER}


def test_an_atasan_token_for_someone_no_one_reports_to_is_refused(roster: IndexRoster) -> None:
    assert _refusal(roster, STAFF, Role.ATASAN, "bappeda") == (403, "role_not_on_roster")
    assert _refusal(roster, SUPERVISOR, Role.ATASAN, "dishub") == (403, "opd_mismatch")


def test_an_employee_sees_themselves_and_their_token_must_name_their_opd(
    roster: IndexRoster,
) -> None:
    staff = _resolve(roster, STAFF, Role.ASN, "bappeda")
    assert staff.reach is Reach.SELF and staff.sees(STAFF, "bappeda")
    assert not staff.sees(PEER, "bappeda") and not staff.sees_opd("bappeda")
    assert _refusal(roster, STAFF, Role.ASN, "dishub") == (403, "opd_mismatch")
    # someone the roster does not know reads only their own; acting as an employee, 422
    stranger = "199201012017031007"
    assert _resolve(roster, stranger, Role.ASN, "bappeda").entry is None
    assert _refusal(roster, stranger, Role.ASN, "bappeda", as_employee=True) == (
        422,
        "employee_not_on_roster",
    )
    assert _refusal(roster, stranger, Role.ATASAN, "bappeda") == (403, "employee_not_on_roster")


def test_province_wide_roles_are_not_looked_up_unless_they_act_as_employees(
    roster: IndexRoster,
) -> None:
    for role in (Role.ADMIN_BKD, Role.AUDITOR, Role.OPS):
        scope = _resolve(roster, "198001012005011099", role, None)
        assert scope.reach is Reach.PROVINCE and scope.sees_opd("dishub")
        assert scope.sees(STAFF, "bappeda")
    assert _refusal(roster, STAFF, Role.ADMIN_BKD, "dishub", as_employee=True) == (
        403,
        "opd_mismatch",
    )
    application = _resolve(roster, "system:simpeg", Role.SYSTEM, None)
    assert application.reach is Reach.SELF and not application.sees(STAFF, "bappeda")


def test_eligibility_reference_memory_indexes_heads_from_stored_states() -> None:
    memory = ReferenceMemory()
    state = {
        "nip": HEAD,
        "name": "Kepala",
        "opd_id": "bappeda",
        "work_unit_id": "pimpinan",
        "position": "Kepala Badan",
        "position_category": "administrasi",
        "supervisor_nip": None,
        "employment_type": "PNS",
        "appointment_date": "1995-03-01",
        "office_location": {"lat": -6.2, "lon": 106.8, "address": None},
    }  # as stored before the roster named heads
    memory._set_employee(state)
    memory._set_employee({**state, "nip": STAFF, "supervisor_nip": HEAD})
    entry = memory.roster.lookup(HEAD)
    assert entry is not None and (entry.opd_id, entry.office_location) == ("bappeda", (-6.2, 106.8))
    assert (entry.heads_opd, entry.head_capacity) == (None, None)
    assert memory.roster.heads_of("bappeda") == []
    memory._set_employee({**state, "heads_opd": "bappeda", "head_capacity": "kepala"})
    assert [e.nip for e in memory.roster.heads_of("bappeda")] == [HEAD]
    assert memory.roster.subordinates(HEAD) == {STAFF}
    memory._set_employee(
        {**state, "nip": OTHER_HEAD, "heads_opd": "bappeda", "head_capacity": "plh"}
    )
    memory._set_employee({**state, "nip": ACTING, "heads_opd": "bappeda", "head_capacity": "plt"})
    assert [e.nip for e in memory.roster.heads_of("bappeda")] == [HEAD, ACTING, OTHER_HEAD]
    memory._set_employee(state)  # no longer the head: the index forgets them
    assert [e.nip for e in memory.roster.heads_of("bappeda")] == [ACTING, OTHER_HEAD]
