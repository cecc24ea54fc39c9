"""Trails by ASN, OPD, supervisor, period and event type; exports with proofs; the access log.

Auditors and BKD read every trail and anyone's access log, and each such read of someone
else's data is itself recorded on the access log (``PersonalDataAccessed``, acknowledged by
Kafka before the answer). Anyone else reads only their own trail and their own access log,
which is not recorded. Nothing here writes to the archive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import StreamingResponse

from schemas.limits import LongText
from services.audit.domain import trail
from services.audit.domain.trail import Period, TrailFilter
from services.audit.proofs import bundle_for, inclusion_for, public_key
from services.audit.sealer import Sealer
from services.runtime.context import component
from services.runtime.edge.access_log import Access, record_accesses
from services.runtime.edge.caller_scope import resolve_caller
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.identity import Principal
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router
from services.runtime.store.base import Row

router = service_router("/audit", ["audit"])

TRAILS_ROUTE = "/audit/trails"
EXPORT_ROUTE = "/audit/trails/export"
ACCESS_LOG_ROUTE = "/audit/access-log"

#: rows read from the archive, and proven, per round of an export
EXPORT_BATCH = 500

NIP = r"^[0-9]{18}$"
NipQuery = Annotated[str | None, Query(pattern=NIP, description="Subject's NIP / NIP pegawai")]
OpdQuery = Annotated[
    str | None,
    Query(max_length=100, pattern=r"^[A-Za-z0-9._-]+$", description="OPD of the events"),
]
SupervisorQuery = Annotated[
    str | None,
    Query(pattern=NIP, description="NIP of the actor: the events that supervisor acted on"),
]
TypeQuery = Annotated[str | None, Query(max_length=100, description="Event type of the contract")]
FromQuery = Annotated[
    str | None,
    Query(alias="from", max_length=40, description="Date or ISO date-time (recorded_at)"),
]
ToQuery = Annotated[
    str | None,
    Query(alias="to", max_length=40, description="Date (inclusive) or ISO date-time (exclusive)"),
]
AfterQuery = Annotated[
    str | None, Query(max_length=60, description="The previous page's 'next' value")
]
PurposeQuery = Annotated[
    LongText,
    Query(max_length=500, description="Why the data is read (kept on the access log)"),
]


def _filters(
    reader: Principal,
    nip: str | None,
    opd_id: str | None,
    supervisor: str | None,
    event_type: str | None,
    since: str | None,
    until: str | None,
) -> TrailFilter:
    requested = TrailFilter(nip, opd_id, supervisor, event_type, trail.parse_period(since, until))
    return trail.scope_trail(reader, requested)


async def _record(
    ctx: Context,
    reader: Principal,
    rows: Sequence[Row],
    *,
    data_kind: str,
    route: str,
    purpose: str,
    period: Period,
) -> None:
    """Log the read of every employee in ``rows`` other than the reader (503 when Kafka
    cannot acknowledge it: nothing is answered then)."""
    accesses = [
        Access(
            subject_nip=nip,
            opd_id=opd,
            data_kind=data_kind,
            route=route,
            records=count,
            purpose=purpose,
            period_from=period.first_day,
            period_to=period.last_day,
        )
        for nip, (opd, count) in trail.subjects_of(rows).items()
    ]
    await record_accesses(ctx, reader, accesses)


@router.get(
    "/trails",
    summary="Trail of archived events / Jejak peristiwa terarsip",
    description=(
        "Archived events, oldest first, with their payloads. Filters: `nip` (the subject), "
        "`opd_id`, `supervisor` (events that NIP acted on: the envelope's actor), `type`, "
        "`from`/`to` on recorded_at (a date covers its whole day, UTC). Pages: pass the "
        "answer's `next` as `after`. Auditors and BKD read every trail (each read of someone "
        "else's data is logged); anyone else reads only their own trail."
    ),
)
async def trails(
    user: CurrentUser,
    ctx: Context,
    nip: NipQuery = None,
    opd_id: OpdQuery = None,
    supervisor: SupervisorQuery = None,
    type: TypeQuery = None,
    since: FromQuery = None,
    until: ToQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: AfterQuery = None,
    purpose: PurposeQuery = "",
) -> dict[str, Any]:
    await resolve_caller(user, component(ctx, RosterLookup))  # a token the roster contradicts: 403
    filters = _filters(user, nip, opd_id, supervisor, type, since, until)
    cursor = trail.decode_cursor(after)
    sql, params = trail.trail_query(filters, cursor, limit)
    rows = await ctx.store.query(sql, params)
    await _record(
        ctx,
        user,
        rows,
        data_kind="audit_trail",
        route=TRAILS_ROUTE,
        purpose=purpose,
        period=filters.period,
    )
    return {
        "filters": filters.described(),
        "items": [trail.trail_item(row) for row in rows],
        "count": len(rows),
        "next": trail.next_cursor(rows, limit),
    }


async def _trail_rows(ctx: Context, filters: TrailFilter, limit: int) -> list[Row]:
    rows: list[Row] = []
    cursor: trail.Cursor | None = None
    while len(rows) < limit:
        size = min(EXPORT_BATCH * 2, limit - len(rows))
        sql, params = trail.trail_query(filters, cursor, size)
        page = await ctx.store.query(sql, params)
        rows.extend(page)
        if len(page) < size:
            break
        cursor = trail.Cursor(int(page[-1]["recorded_ms"]), str(page[-1]["event_id"]))
    return rows


def _batches(rows: Sequence[Row]) -> list[Sequence[Row]]:
    return [rows[i : i + EXPORT_BATCH] for i in range(0, len(rows), EXPORT_BATCH)]


async def _entries(
    ctx: Context, rows: Sequence[Row], tree_size: int | None
) -> AsyncIterator[dict[str, Any]]:
    for batch in _batches(rows):
        ids = [str(row["event_id"]) for row in batch]
        proofs = (
            await inclusion_for(ctx, ids, tree_size)
            if tree_size is not None
            else dict.fromkeys(ids)
        )
        for row in batch:
            yield trail.export_entry(row, proofs.get(str(row["event_id"])))


_MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "bundle": "application/json",
}
_SUFFIXES = {"jsonl": "jsonl", "csv": "csv", "bundle": "json"}


@router.get(
    "/trails/export",
    summary="Export a trail with proofs / Ekspor jejak beserta bukti",
    description=(
        "The events of a trail (same filters as /audit/trails, at most `limit`), each with its "
        "RFC 9162 inclusion proof in the log of the last signed checkpoint, for checking "
        "offline with verify_proofs.py and the public key. `format=jsonl`: a header line "
        "(checkpoint, public_key, origin, filters), then one line per event; `csv`: one row per "
        "event, with the checkpoint; `bundle`: the verify_proofs.py JSON bundle. An event not "
        "sealed yet has `sealed: false` and no proof (and is listed under `unsealed` in a "
        "bundle)."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export / Ekspor",
            "content": {"application/x-ndjson": {}, "text/csv": {}, "application/json": {}},
        }
    },
)
async def export(
    user: CurrentUser,
    ctx: Context,
    format: Annotated[Literal["jsonl", "csv", "bundle"], Query()] = "jsonl",
    nip: NipQuery = None,
    opd_id: OpdQuery = None,
    supervisor: SupervisorQuery = None,
    type: TypeQuery = None,
    since: FromQuery = None,
    until: ToQuery = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
    purpose: PurposeQuery = "",
) -> StreamingResponse:
    await resolve_caller(user, component(ctx, RosterLookup))  # a token the roster contradicts: 403
    filters = _filters(user, nip, opd_id, supervisor, type, since, until)
    rows = await _trail_rows(ctx, filters, limit)
    await _record(
        ctx,
        user,
        rows,
        data_kind="audit_export",
        route=EXPORT_ROUTE,
        purpose=purpose,
        period=filters.period,
    )
    sealer = component(ctx, Sealer)
    latest = sealer.latest  # every proof of the export leads to this one checkpoint
    tree_size = latest.checkpoint.tree_size if latest else None
    checkpoint = {"text": latest.text, "signature": latest.signature} if latest else None
    generated_at = datetime.now(UTC)

    async def jsonl() -> AsyncIterator[bytes]:
        header = trail.jsonl_header(
            filters=filters,
            checkpoint=checkpoint,
            public_key=public_key(ctx),
            origin=sealer.origin,
            generated_at=generated_at,
            limit=limit,
        )
        yield trail.jsonl_line(header)
        async for entry in _entries(ctx, rows, tree_size):
            yield trail.jsonl_line(entry)

    async def csv() -> AsyncIterator[bytes]:
        yield trail.csv_header().encode("utf-8")
        async for entry in _entries(ctx, rows, tree_size):
            yield trail.csv_row(entry, checkpoint).encode("utf-8")

    async def bundle() -> AsyncIterator[bytes]:
        if tree_size is None:  # nothing sealed yet
            unsealed = [str(row["event_id"]) for row in rows]
            answer: dict[str, Any] = {
                "public_key": public_key(ctx),
                "checkpoints": [],
                "unsealed": unsealed,
            }
        else:
            answer = await bundle_for(ctx, [dict(row) for row in rows], tree_size)
        answer.update(origin=sealer.origin, filters=filters.described())
        yield trail.jsonl_line(answer)

    body = {"jsonl": jsonl, "csv": csv, "bundle": bundle}[format]()
    filename = f"audit-trail-{generated_at:%Y%m%dT%H%M%SZ}.{_SUFFIXES[format]}"
    return StreamingResponse(
        body,
        media_type=_MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Event-Count": str(len(rows)),
        },
    )


@router.get(
    "/access-log",
    summary="Who read an employee's data / Siapa yang membaca data pegawai",
    description=(
        "The PersonalDataAccessed events whose subjects include `nip`, newest first: when, "
        "the reader's NIP, name (from the roster) and role, or the application that read on "
        "its own behalf (reader_app), what was read (data_kind), through which route, why, "
        "how many of the employee's records and for which days, and how many employees that "
        "read answered. An employee reads their own (the default); auditors and BKD any "
        "employee's, and that read is itself logged."
    ),
)
async def access_log(
    user: CurrentUser,
    ctx: Context,
    nip: NipQuery = None,
    since: FromQuery = None,
    until: ToQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: AfterQuery = None,
    purpose: PurposeQuery = "",
) -> dict[str, Any]:
    await resolve_caller(user, component(ctx, RosterLookup))  # a token the roster contradicts: 403
    subject = trail.scope_access_log(user, nip)
    period = trail.parse_period(since, until)
    cursor = trail.decode_cursor(after)
    filters = TrailFilter(nip=subject, event_type=trail.ACCESS_EVENT_TYPE, period=period)
    sql, params = trail.trail_query(filters, cursor, limit, newest_first=True, listed_subject=True)
    rows = await ctx.store.query(sql, params)
    roster = component(ctx, RosterLookup)
    names: dict[str, str | None] = {}
    for reader in trail.reader_nips(rows):
        entry = roster.lookup(reader)
        names[reader] = entry.name if entry is not None else None
    if subject != user.nip:
        read = Access(
            subject_nip=subject,
            opd_id=str(rows[0]["opd_id"]) if rows else "",
            data_kind="access_log",
            route=ACCESS_LOG_ROUTE,
            records=len(rows),
            purpose=purpose,
            period_from=period.first_day,
            period_to=period.last_day,
        )
        await record_accesses(ctx, user, [read])
    return {
        "nip": subject,
        "items": [trail.access_item(row, subject, names) for row in rows],
        "count": len(rows),
        "next": trail.next_cursor(rows, limit),
    }
