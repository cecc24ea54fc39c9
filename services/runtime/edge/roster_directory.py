"""An in-memory directory of the roster, kept by each process from the roster topic.

Every service that must know who an employee is (their OPD, work unit, supervisor, and the OPD
they head if the roster names them head or Plt/Plh of one) keeps its own
:class:`RosterDirectory`: an aiokafka consumer without a group, assigned every
partition of :data:`schemas.topics.ROSTER`, reading from the beginning. Records are decoded
through the contract (:func:`schemas.decode_event`, so old versions are upcast), and each
``EmployeeRegistered`` / ``EmployeeUpdated`` replaces the employee's entry. Other roster
events (sanctions) are not needed here and are passed over; records that cannot be decoded
are skipped with a log line (the projectors park them on the dead-letter topic).

The directory is a :class:`~services.runtime.kafka.topic_memory.TopicMemory` (a service
component): it is ``ready()`` once it has read the log up to the end offsets as they were
when it started.
A lookup that misses can call :meth:`RosterDirectory.wait_caught_up` to read its own writes
(an employee registered a second ago).

Each entry also keeps the roster's ``office_location`` as a (lat, lon) pair: attendance
measures check-ins against it when no geofence is set. About 62k employees take some 30 MB:
entries are slotted dataclasses and the repeated strings (OPD, work unit, category, supervisor
NIP) are interned.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas import EmployeeRegistered, EmployeeUpdated, Envelope, EventPayload
from schemas.topics import ROSTER
from services.runtime.context import ServiceContext, register
from services.runtime.kafka.topic_memory import TopicMemory


class RosterUnavailable(Exception):
    """The directory could not confirm that it has read the roster up to now."""


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """What the roster records about one employee (the latest registration or update)."""

    nip: str
    name: str
    opd_id: str
    work_unit_id: str
    supervisor_nip: str | None
    position_category: str
    employment_type: str
    office_location: tuple[float, float] | None = None
    """(lat, lon) of the employee's office as the roster records it, if any."""
    heads_opd: str | None = None
    """The OPD the roster names this employee head of (kepala, or a Plt/Plh delegate, who may
    belong to another OPD), if any."""
    head_capacity: str | None = None
    """``kepala``, ``plt`` or ``plh`` when ``heads_opd`` is set."""

    @classmethod
    def from_event(cls, payload: EmployeeRegistered | EmployeeUpdated) -> RosterEntry:
        return cls(
            nip=payload.nip,
            name=payload.name,
            opd_id=sys.intern(payload.opd_id),
            work_unit_id=sys.intern(payload.work_unit_id),
            supervisor_nip=_intern(payload.supervisor_nip),
            position_category=sys.intern(payload.position_category),
            employment_type=sys.intern(payload.employment_type),
            office_location=_office(payload),
            heads_opd=_intern(payload.heads_opd),
            head_capacity=_intern(payload.head_capacity),
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> RosterEntry:
        """The entry of a roster state as stored (a payload's JSON; fields added to the
        contract since it was written are null)."""
        office = state.get("office_location")
        return cls(
            nip=str(state["nip"]),
            name=str(state["name"]),
            opd_id=sys.intern(str(state["opd_id"])),
            work_unit_id=sys.intern(str(state["work_unit_id"])),
            supervisor_nip=_intern(state.get("supervisor_nip")),
            position_category=sys.intern(str(state["position_category"])),
            employment_type=sys.intern(str(state["employment_type"])),
            office_location=None if not office else (float(office["lat"]), float(office["lon"])),
            heads_opd=_intern(state.get("heads_opd")),
            head_capacity=_intern(state.get("head_capacity")),
        )


def _office(payload: EmployeeRegistered | EmployeeUpdated) -> tuple[float, float] | None:
    office = payload.office_location
    return None if office is None else (office.lat, office.lon)


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


class RosterIndex:
    """The entries by NIP, with the reverse indexes by supervisor, by OPD and by the OPD each
    head heads (no I/O)."""

    def __init__(self) -> None:
        self._by_nip: dict[str, RosterEntry] = {}
        self._by_supervisor: dict[str, set[str]] = {}
        self._by_opd: dict[str, set[str]] = {}
        self._by_headed_opd: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._by_nip)

    def put(self, entry: RosterEntry) -> None:
        """Record ``entry`` as the employee's current state, replacing any earlier one."""
        previous = self._by_nip.get(entry.nip)
        if previous is not None:
            _discard(self._by_opd, previous.opd_id, previous.nip)
            if previous.supervisor_nip is not None:
                _discard(self._by_supervisor, previous.supervisor_nip, previous.nip)
            if previous.heads_opd is not None:
                _discard(self._by_headed_opd, previous.heads_opd, previous.nip)
        self._by_nip[entry.nip] = entry
        self._by_opd.setdefault(entry.opd_id, set()).add(entry.nip)
        if entry.supervisor_nip is not None:
            self._by_supervisor.setdefault(entry.supervisor_nip, set()).add(entry.nip)
        if entry.heads_opd is not None:
            self._by_headed_opd.setdefault(entry.heads_opd, set()).add(entry.nip)

    def lookup(self, nip: str) -> RosterEntry | None:
        return self._by_nip.get(nip)

    def subordinates(self, supervisor_nip: str, *, transitive: bool = False) -> frozenset[str]:
        """NIPs whose supervisor of record is ``supervisor_nip``.

        With ``transitive``, also their subordinates, and so on down the chain of command
        (never the supervisor themselves, even if the roster records a cycle).
        """
        direct = self._by_supervisor.get(supervisor_nip, set())
        if not transitive:
            return frozenset(direct)
        found: set[str] = set()
        pending = list(direct)
        while pending:
            nip = pending.pop()
            if nip in found or nip == supervisor_nip:
                continue
            found.add(nip)
            pending.extend(self._by_supervisor.get(nip, ()))
        return frozenset(found)

    def in_opd(self, opd_id: str) -> frozenset[str]:
        """NIPs of the employees the roster places in ``opd_id``."""
        return frozenset(self._by_opd.get(opd_id, ()))

    def has_subordinates(self, supervisor_nip: str) -> bool:
        """Whether anyone's supervisor of record is ``supervisor_nip``."""
        return bool(self._by_supervisor.get(supervisor_nip))

    def heads_of(self, opd_id: str) -> list[RosterEntry]:
        """Those the roster names head of ``opd_id``: the appointed head (kepala) first, then
        the delegates (Plt, then Plh), each by NIP."""
        entries = (self._by_nip[nip] for nip in self._by_headed_opd.get(opd_id, ()))
        return sorted(entries, key=lambda e: (_CAPACITY_ORDER.get(e.head_capacity or "", 9), e.nip))


_CAPACITY_ORDER = {"kepala": 0, "plt": 1, "plh": 2}


def _discard(index: dict[str, set[str]], key: str, nip: str) -> None:
    members = index.get(key)
    if members is None:
        return
    members.discard(nip)
    if not members:
        del index[key]


class RosterLookup:
    """What resolving a caller needs of a roster kept in memory
    (:func:`services.runtime.edge.caller_scope.resolve_caller`).

    The roster a service resolves its callers with is its registered part of this type
    (``component(ctx, RosterLookup)``): the :class:`RosterDirectory`, or eligibility's roster
    of its reference replica.
    """

    def lookup(self, nip: str) -> RosterEntry | None:
        """The employee's entry as last read (no waiting)."""
        raise NotImplementedError

    async def refreshed(self, nip: str, timeout_s: float) -> RosterEntry | None:
        """The employee's entry once the roster is read up to now; raises
        :class:`RosterUnavailable` when that cannot be confirmed within ``timeout_s``."""
        raise NotImplementedError

    def subordinates(self, supervisor_nip: str, *, transitive: bool = False) -> frozenset[str]:
        """NIPs whose supervisor of record is ``supervisor_nip`` (and theirs, transitively)."""
        raise NotImplementedError

    def has_subordinates(self, supervisor_nip: str) -> bool:
        """Whether anyone's supervisor of record is ``supervisor_nip``."""
        raise NotImplementedError


class RosterDirectory(TopicMemory, RosterLookup):
    """The roster of every OPD, read from the roster topic into memory (a service component)."""

    name = "roster-directory"

    def __init__(self, bootstrap: list[str], client_id: str, *, topic: str = ROSTER) -> None:
        super().__init__(bootstrap, client_id, (topic,))
        self.topic = topic
        self.index = RosterIndex()

    def apply(self, envelope: Envelope, payload: EventPayload) -> None:
        if isinstance(payload, EmployeeRegistered | EmployeeUpdated):
            self.index.put(RosterEntry.from_event(payload))

    # lookups ----------------------------------------------------------------------------------

    def lookup(self, nip: str) -> RosterEntry | None:
        """The employee's current entry, or None if the directory has not seen the NIP."""
        return self.index.lookup(nip)

    async def find(self, nip: str, timeout_s: float = 5.0) -> RosterEntry | None:
        """The employee's entry, reading the log up to now first if the NIP is not known yet.

        Returns None only once the directory has confirmed it is caught up; raises
        :class:`RosterUnavailable` when it cannot confirm that in ``timeout_s``.
        """
        entry = self.index.lookup(nip)
        if entry is not None:
            return entry
        return await self.refreshed(nip, timeout_s)

    async def refreshed(self, nip: str, timeout_s: float = 5.0) -> RosterEntry | None:
        """The employee's entry once the log is read up to now (:class:`RosterUnavailable`
        when that cannot be confirmed in ``timeout_s``)."""
        if not await self.wait_caught_up(timeout_s):
            raise RosterUnavailable(f"roster not confirmed up to date within {timeout_s}s")
        return self.index.lookup(nip)

    def subordinates(self, supervisor_nip: str, *, transitive: bool = False) -> frozenset[str]:
        return self.index.subordinates(supervisor_nip, transitive=transitive)

    def in_opd(self, opd_id: str) -> frozenset[str]:
        return self.index.in_opd(opd_id)

    def has_subordinates(self, supervisor_nip: str) -> bool:
        return self.index.has_subordinates(supervisor_nip)

    def heads_of(self, opd_id: str) -> list[RosterEntry]:
        return self.index.heads_of(opd_id)

    def __len__(self) -> int:
        return len(self.index)


def register_roster_directory(ctx: ServiceContext) -> RosterDirectory:
    """Declare the service's roster directory; the host starts it with the other components
    (find it with ``component(ctx, RosterDirectory)``)."""
    settings = ctx.settings
    return register(
        ctx,
        RosterDirectory(settings.kafka_servers, f"{settings.service_name}-{RosterDirectory.name}"),
    )
