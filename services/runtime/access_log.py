"""The access log (UU PDP): every read of an employee's personal data by someone other than
the employee becomes a ``PersonalDataAccessed`` event on the access topic.

The events are acknowledged by Kafka before the data is answered: when the access cannot be
recorded, :class:`~services.runtime.kafka.PublishUnavailable` propagates and the caller answers
503 with nothing read. Audit archives and seals the access topic like every other event topic,
and an employee asks it who looked at their data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from schemas import PersonalDataAccessed, new_event, new_ulid
from schemas.limits import LONG_TEXT_MAX_CHARS
from services.runtime.context import ServiceContext
from services.runtime.identity import Principal


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


def access_events(reader: Principal, accesses: Sequence[Access]) -> list[PersonalDataAccessed]:
    """The payloads for what ``reader`` read of others' data (their own data is not logged)."""
    return [
        PersonalDataAccessed(
            access_id=new_ulid(),
            reader_nip=reader.nip,
            reader_role=reader.role.value,
            subject_nip=access.subject_nip,
            data_kind=access.data_kind,
            route=access.route,
            purpose=access.purpose[:LONG_TEXT_MAX_CHARS],
            records=min(max(access.records, 0), 1_000_000),
            period_from=access.period_from,
            period_to=access.period_to,
        )
        for access in accesses
        if access.subject_nip != reader.nip
    ]


async def record_accesses(
    ctx: ServiceContext, reader: Principal, accesses: Sequence[Access]
) -> list[str]:
    """Publish one event per employee whose data ``reader`` reads (not for the reader's own
    data) and wait for Kafka's acknowledgement; returns the access ids, in order."""
    by_subject = {access.subject_nip: access for access in accesses}
    payloads = access_events(reader, accesses)
    envelopes = [
        new_event(
            payload,
            actor=reader.nip,
            subject=payload.subject_nip,
            opd_id=by_subject[payload.subject_nip].opd_id or reader.opd_id or "unknown",
            event_id=payload.access_id,
        )
        for payload in payloads
    ]
    if envelopes:
        await ctx.publisher.publish_many(envelopes)  # PublishUnavailable: 503, nothing answered
    return [payload.access_id for payload in payloads]
