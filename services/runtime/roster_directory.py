"""An in-memory directory of the roster, kept by each process from the roster topic.

Every service that must know who an employee is (their OPD, work unit and supervisor) keeps
its own :class:`RosterDirectory`: an aiokafka consumer without a group, assigned every
partition of :data:`schemas.topics.ROSTER`, reading from the beginning. Records are decoded
through the contract (:func:`schemas.decode_event`, so old versions are upcast), and each
``EmployeeRegistered`` / ``EmployeeUpdated`` replaces the employee's entry. Other roster
events (sanctions) are not needed here and are passed over; records that cannot be decoded
are skipped with a log line (the projectors park them on the dead-letter topic).

The directory is a service component (:class:`services.runtime.context.Component`): it is
``ready()`` once it has read the log up to the end offsets as they were when it started.
A lookup that misses can call :meth:`RosterDirectory.wait_caught_up` to read its own writes
(an employee registered a second ago).

About 62k employees take some 30 MB: entries are slotted dataclasses and the repeated
strings (OPD, work unit, category, supervisor NIP) are interned.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import EmployeeRegistered, EmployeeUpdated, MalformedEvent, decode_event
from schemas.topics import ROSTER
from services.runtime.log_reading import log_reader, partitions_of, stop_reading

if TYPE_CHECKING:
    from services.runtime.context import ServiceContext

log = logging.getLogger(__name__)

_FETCH_TIMEOUT_MS = 500
_FETCH_MAX_RECORDS = 2000


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
        )


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


class RosterIndex:
    """The entries by NIP, with the reverse indexes by supervisor and by OPD (no I/O)."""

    def __init__(self) -> None:
        self._by_nip: dict[str, RosterEntry] = {}
        self._by_supervisor: dict[str, set[str]] = {}
        self._by_opd: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._by_nip)

    def put(self, entry: RosterEntry) -> None:
        """Record ``entry`` as the employee's current state, replacing any earlier one."""
        previous = self._by_nip.get(entry.nip)
        if previous is not None:
            _discard(self._by_opd, previous.opd_id, previous.nip)
            if previous.supervisor_nip is not None:
                _discard(self._by_supervisor, previous.supervisor_nip, previous.nip)
        self._by_nip[entry.nip] = entry
        self._by_opd.setdefault(entry.opd_id, set()).add(entry.nip)
        if entry.supervisor_nip is not None:
            self._by_supervisor.setdefault(entry.supervisor_nip, set()).add(entry.nip)

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


def _discard(index: dict[str, set[str]], key: str, nip: str) -> None:
    members = index.get(key)
    if members is None:
        return
    members.discard(nip)
    if not members:
        del index[key]


class RosterDirectory:
    """The roster of every OPD, read from the roster topic into memory (a service component)."""

    name = "roster-directory"

    def __init__(self, bootstrap: list[str], client_id: str, *, topic: str = ROSTER) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self.topic = topic
        self.index = RosterIndex()
        self._consumer: AIOKafkaConsumer | None = None
        self._probe: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._next: dict[TopicPartition, int] = {}
        self._ends_at_start: dict[TopicPartition, int] = {}
        self._progress = asyncio.Condition()
        self._ends_request: tuple[float, asyncio.Task[dict[TopicPartition, int]]] | None = None
        self.skipped = 0
        """Records that could not be decoded (each logged)."""

    # lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        consumer = log_reader(self._bootstrap, self._client_id)
        # end offsets come from a consumer of their own: the reading one is usually inside a
        # long poll, and a request on it would wait for that poll to end
        probe = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id=f"{self._client_id}-probe",
        )
        await consumer.start()
        try:
            await probe.start()
            partitions = await partitions_of(consumer, self.topic)
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            self._ends_at_start = await probe.end_offsets(partitions)
        except BaseException:
            await probe.stop()
            await consumer.stop()
            raise
        self._next = dict.fromkeys(partitions, 0)
        self._consumer, self._probe = consumer, probe
        self._task = asyncio.create_task(self._run(), name=f"{self.name}-{self.topic}")
        log.info(
            "roster directory reading %s (%d partitions, %d records at start)",
            self.topic,
            len(partitions),
            sum(self._ends_at_start.values()),
        )

    async def stop(self) -> None:
        await stop_reading(self._task, self._consumer, self._probe)
        self._task = None
        self._consumer = self._probe = None

    def ready(self) -> bool:
        """True once the log has been read up to where it ended when the directory started."""
        if self._consumer is None:
            return False
        return self._reached(self._ends_at_start)

    # reading the log --------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(
                    timeout_ms=_FETCH_TIMEOUT_MS, max_records=_FETCH_MAX_RECORDS
                )
                for tp, messages in batches.items():
                    for message in messages:
                        self._apply(message.value, tp, message.offset)
                    if messages:
                        async with self._progress:
                            self._next[tp] = messages[-1].offset + 1
                            self._progress.notify_all()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep reading from the last position reached
                log.exception("roster directory: batch failed; resuming from the last position")
                await asyncio.sleep(1.0)
                for tp, offset in self._next.items():
                    self._consumer.seek(tp, offset)

    def _apply(self, value: bytes | None, tp: TopicPartition, offset: int) -> None:
        if value is None:
            self._skip(tp, offset, "empty record value")
            return
        try:
            _, payload = decode_event(value)
        except MalformedEvent as exc:
            self._skip(tp, offset, exc.reason)
            return
        if isinstance(payload, EmployeeRegistered | EmployeeUpdated):
            self.index.put(RosterEntry.from_event(payload))

    def _skip(self, tp: TopicPartition, offset: int, reason: str) -> None:
        self.skipped += 1
        log.warning(
            "roster directory: skipped %s-%d@%d: %s", tp.topic, tp.partition, offset, reason
        )

    def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self._next.get(tp, 0) >= end for tp, end in ends.items())

    # catching up ------------------------------------------------------------------------------

    async def wait_caught_up(self, timeout_s: float = 5.0) -> bool:
        """Wait until every roster record published before this call has been read.

        Concurrent callers share one end-offsets request, provided it was sent after they
        called, so a burst of lookups that miss costs the broker one or two requests.
        Returns False when the broker does not answer or the log is not read in time.
        """
        if self._probe is None:
            return False
        called = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s):
                ends = await self._end_offsets(sent_after=called)
                async with self._progress:
                    await self._progress.wait_for(lambda: self._reached(ends))
        except TimeoutError:
            return False
        except Exception as exc:
            log.warning("roster directory: end offsets unavailable (%s)", exc)
            return False
        return True

    async def _end_offsets(self, *, sent_after: float) -> dict[TopicPartition, int]:
        while True:
            request = self._ends_request
            if request is not None and request[0] >= sent_after:
                return await asyncio.shield(request[1])
            if request is not None and not request[1].done():
                # sent before this call: its answer may predate a write the caller relies on
                await asyncio.wait([request[1]])
                continue
            assert self._probe is not None
            task = asyncio.create_task(self._probe.end_offsets(list(self._next)))
            task.add_done_callback(_consume_exception)
            self._ends_request = (time.monotonic(), task)

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
        if not await self.wait_caught_up(timeout_s):
            raise RosterUnavailable(f"roster not confirmed up to date within {timeout_s}s")
        return self.index.lookup(nip)

    def subordinates(self, supervisor_nip: str, *, transitive: bool = False) -> frozenset[str]:
        return self.index.subordinates(supervisor_nip, transitive=transitive)

    def in_opd(self, opd_id: str) -> frozenset[str]:
        return self.index.in_opd(opd_id)

    def __len__(self) -> int:
        return len(self.index)


def _consume_exception(task: asyncio.Task[dict[TopicPartition, int]]) -> None:
    # a shared request may fail with nobody left waiting for it; do not log it as unretrieved
    if not task.cancelled():
        task.exception()


def register_roster_directory(ctx: ServiceContext) -> RosterDirectory:
    """Declare the service's roster directory; the host starts it with the other components."""
    settings = ctx.settings
    directory = RosterDirectory(
        settings.kafka_servers, f"{settings.service_name}-{RosterDirectory.name}"
    )
    ctx.components.append(directory)
    return directory


def roster_directory_of(ctx: ServiceContext) -> RosterDirectory:
    """The roster directory registered on ``ctx`` (see :func:`register_roster_directory`)."""
    for component in ctx.components:
        if isinstance(component, RosterDirectory):
            return component
    raise LookupError("no roster directory is registered for this service")
