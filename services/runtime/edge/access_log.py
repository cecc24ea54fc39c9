"""The access log (UU PDP): every read of an employee's personal data by someone other than
the employee becomes a ``PersonalDataAccessed`` event on the access topic.

The events are acknowledged by Kafka before the data is answered: when the access cannot be
recorded, :class:`~services.runtime.kafka.broker.PublishUnavailable` propagates and the caller
answers 503 ``kafka_unavailable`` with nothing read. Audit archives and seals the access topic like
every other event topic, and an employee asks it who looked at their data.

What is logged. A read is logged when its answer carries facts about an identified employee
beyond roster data, whatever the format (JSON, CSV, XLSX):

* precise locations (``precise_location``);
* a WFA request's content, alone or in a list: its days, status, location, reason, work plan
  and decision (``wfa_request``);
* daily reports: outputs, attachments, notes, reviews (``daily_report``);
* per-employee attendance: days, weeks, presence, check-in times, worked minutes, anomalies
  (``attendance``), and per-employee months such as the TPP figures (``monthly_summary``);
  the same rows taken as a file are logged with the kind suffixed ``_export``.

One event per read of a data kind through a route, listing in ``subjects`` every employee
whose data is in the answer (each with ``records`` = how many of their records were answered
and ``period_from``/``period_to`` = the days they cover, when known); a read answering
employees of several OPDs makes one event per OPD, and at most 500 subjects go in one event.
The event's envelope is keyed by its first subject. The reader is a person (``reader_nip``)
or an application reading on its own behalf (``reader_app``, its ``system:<app>`` id). The
events are published together before the answer is sent. Not logged:

* the reader's own data;
* roster data alone (NIP, name, work unit, OPD, supervisor): it is the directory every
  colleague sees, not a record about the person's conduct;
* aggregates with no per-employee row: OPD and province figures, public k-anonymous tables,
  scorecards;
* actions (approving, rejecting, reviewing): they are events already, naming their actor;
  the answer to an action is the record the actor just acted on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated, Any, Protocol

from fastapi import Query

from schemas import Envelope, PersonalDataAccessed, SubjectRead, new_event, new_ulid
from schemas.events import MAX_ACCESS_SUBJECTS, NIP_PATTERN
from schemas.limits import LONG_TEXT_MAX_CHARS, LongText
from services.runtime.context import ServiceContext
from services.runtime.edge.identity import Principal

MAX_RECORDS = 1_000_000
"""Largest ``records`` an event carries (the schema's bound)."""

EXPORT_SUFFIX = "_export"

BUILD_OFF_LOOP_FROM = 100
"""Above this many accesses, their events are built in a worker thread (about 0.2 ms each)."""

Purpose = Annotated[
    LongText,
    Query(description="Why the data is read; recorded in the access log when it is not yours."),
]
"""The optional ``purpose`` query parameter of a read of personal data: free text as the
contract's ``PersonalDataAccessed.purpose`` admits it (at most 2000 characters, no control
characters but tab and line breaks), so a purpose the access log could not record is a 422
before anything is read."""


@dataclass(frozen=True)
class Access:
    """One employee's data read by a caller: what (``data_kind``), through which route
    (the route's template, without the query string), how many records, and for which days."""

    subject_nip: str
    opd_id: str
    data_kind: str
    route: str
    records: int
    purpose: str = ""
    period_from: date | None = None
    period_to: date | None = None


def export_kind(data_kind: str, fmt: str) -> str:
    """The data kind of a read answered as ``fmt``: ``attendance`` taken as CSV or XLSX is
    ``attendance_export``; JSON keeps the kind."""
    return data_kind if fmt == "json" else data_kind + EXPORT_SUFFIX


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _days(value: Any) -> list[date]:
    if isinstance(value, list | tuple | set | frozenset):
        return [day for item in value if (day := _day(item)) is not None]
    day = _day(value)
    return [] if day is None else [day]


def _widen(first: date | None, last: date | None, days: Sequence[date]) -> tuple[date | None, ...]:
    if not days:
        return first, last
    low, high = min(days), max(days)
    return (
        low if first is None else min(first, low),
        high if last is None else max(last, high),
    )


def accesses_of_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    data_kind: str,
    route: str,
    opd_of: Callable[[str], str | None] = lambda _nip: None,
    purpose: str = "",
    nip_key: str = "nip",
    day_keys: Sequence[str] = (),
) -> list[Access]:
    """One access per employee whose rows are answered, in order of first appearance.

    ``records`` counts the employee's rows; the period spans every day found under
    ``day_keys`` (a date, an ISO text, or a list of them). The OPD is ``opd_of(nip)`` (the
    roster's), else the row's ``opd_id``, else empty (:func:`record_accesses` then falls back
    to the reader's OPD).
    """
    found: dict[str, Access] = {}
    for row in rows:
        nip = str(row.get(nip_key) or "")
        if not nip:
            continue
        days = [day for key in day_keys for day in _days(row.get(key))]
        known = found.get(nip)
        if known is None:
            opd_id = opd_of(nip) or str(row.get("opd_id") or "")
            first, last = _widen(None, None, days)
            found[nip] = Access(nip, opd_id, data_kind, route, 1, purpose, first, last)
        else:
            first, last = _widen(known.period_from, known.period_to, days)
            found[nip] = replace(
                known, records=known.records + 1, period_from=first, period_to=last
            )
    return list(found.values())


class _Directory(Protocol):
    def lookup(self, nip: str) -> Any: ...


def roster_opd(directory: _Directory) -> Callable[[str], str | None]:
    """The subject's OPD as the roster directory records it (None: not on the roster)."""

    def opd_of(nip: str) -> str | None:
        entry = directory.lookup(nip)
        return None if entry is None else str(entry.opd_id)

    return opd_of


def merged(accesses: Iterable[Access]) -> list[Access]:
    """One access per (subject, data kind, route): records added up, periods joined."""
    found: dict[tuple[str, str, str], Access] = {}
    for access in accesses:
        key = (access.subject_nip, access.data_kind, access.route)
        known = found.get(key)
        if known is None:
            found[key] = access
            continue
        days = [day for day in (access.period_from, access.period_to) if day is not None]
        first, last = _widen(known.period_from, known.period_to, days)
        found[key] = replace(
            known,
            opd_id=known.opd_id or access.opd_id,
            records=known.records + access.records,
            purpose=known.purpose or access.purpose,
            period_from=first,
            period_to=last,
        )
    return list(found.values())


def _subject_read(access: Access) -> SubjectRead:
    return SubjectRead(
        nip=access.subject_nip,
        records=min(max(access.records, 0), MAX_RECORDS),
        period_from=access.period_from,
        period_to=access.period_to,
    )


def is_application(reader: Principal) -> bool:
    """Whether ``reader`` is an application reading on its own behalf (``system:<app>``)
    rather than a person with a NIP."""
    return not re.fullmatch(NIP_PATTERN, reader.nip)


def access_events(
    reader: Principal, accesses: Sequence[Access]
) -> list[tuple[PersonalDataAccessed, str]]:
    """The payloads (each with its subjects' OPD, possibly empty) for what ``reader`` read of
    others' data: their own data is not logged. One event per read of a data kind through a
    route, listing every employee it answered (:data:`MAX_ACCESS_SUBJECTS` at most, and one
    event per subjects' OPD, so each event's OPD is its subjects')."""
    groups: dict[tuple[str, str, str], list[Access]] = {}
    for access in merged(accesses):
        if access.subject_nip == reader.nip:
            continue
        groups.setdefault((access.data_kind, access.route, access.opd_id), []).append(access)
    application = is_application(reader)
    events: list[tuple[PersonalDataAccessed, str]] = []
    for (data_kind, route, opd_id), group in groups.items():
        for start in range(0, len(group), MAX_ACCESS_SUBJECTS):
            chunk = group[start : start + MAX_ACCESS_SUBJECTS]
            days = [d for a in chunk for d in (a.period_from, a.period_to) if d is not None]
            events.append(
                (
                    PersonalDataAccessed(
                        access_id=new_ulid(),
                        reader_nip=None if application else reader.nip,
                        reader_app=reader.nip if application else None,
                        reader_role=reader.role.value,
                        subject_nip=chunk[0].subject_nip,
                        subjects=[_subject_read(access) for access in chunk],
                        data_kind=data_kind,
                        route=route,
                        purpose=next((a.purpose for a in chunk if a.purpose), "")[
                            :LONG_TEXT_MAX_CHARS
                        ],
                        records=min(sum(max(a.records, 0) for a in chunk), MAX_RECORDS),
                        period_from=min(days) if days else None,
                        period_to=max(days) if days else None,
                    ),
                    opd_id,
                )
            )
    return events


def access_envelopes(reader: Principal, accesses: Sequence[Access]) -> list[Envelope]:
    """The events of :func:`access_events`, each keyed by its first subject; the actor is the
    reader (a NIP, or the application's id); the OPD is the subjects', else the reader's."""
    return [
        new_event(
            payload,
            actor=reader.nip,
            subject=payload.subject_nip,
            opd_id=opd_id or reader.opd_id or "unknown",
            event_id=payload.access_id,
        )
        for payload, opd_id in access_events(reader, accesses)
    ]


def require_person(reader: Principal) -> None:
    """Kept for callers of earlier versions: every reader is one the access log can name now,
    a person by their NIP or an application (``system:<app>``) by its id, so nothing is
    refused."""
    return None


async def record_accesses(
    ctx: ServiceContext, reader: Principal, accesses: Sequence[Access]
) -> list[str]:
    """Publish the events of what ``reader`` reads of others' data (one per read of a kind
    through a route, see :func:`access_events`; none for the reader's own data) and wait for
    Kafka's acknowledgement; returns the access ids, in order. An application reading on its
    own behalf is recorded under its id (``reader_app``).

    Raises :class:`~services.runtime.kafka.broker.PublishUnavailable` (answered 503) when Kafka does
    not acknowledge: the caller answers nothing. The events of a large read (an OPD's export)
    are built off the event loop.
    """
    if len(accesses) > BUILD_OFF_LOOP_FROM:
        envelopes = await asyncio.to_thread(access_envelopes, reader, accesses)
    else:
        envelopes = access_envelopes(reader, accesses)
    if envelopes:
        await ctx.publisher.publish_many(envelopes)  # PublishUnavailable: 503, nothing answered
    return [envelope.event_id for envelope in envelopes]


async def record_row_accesses(
    ctx: ServiceContext,
    reader: Principal,
    rows: Iterable[Mapping[str, Any]],
    *,
    data_kind: str,
    route: str,
    opd_of: Callable[[str], str | None] = lambda _nip: None,
    purpose: str = "",
    nip_key: str = "nip",
    day_keys: Sequence[str] = (),
) -> list[str]:
    """:func:`record_accesses` for the rows of an answer (see :func:`accesses_of_rows`)."""
    accesses = accesses_of_rows(
        rows,
        data_kind=data_kind,
        route=route,
        opd_of=opd_of,
        purpose=purpose,
        nip_key=nip_key,
        day_keys=day_keys,
    )
    return await record_accesses(ctx, reader, accesses)
