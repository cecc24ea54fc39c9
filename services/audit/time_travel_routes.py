"""Time travel: an employee's or an OPD's state as it stood at a given time.

The state is folded from the archive (``event_archive``), never from a service's live
projection: every archived event recorded at or before ``at`` that concerns the employee
(envelope ``subject``) or the OPD (envelope ``opd_id``, plus the roster events of anyone who
belonged to it), in archive order (recorded_at, topic, partition, offset). Rows are read a page
at a time and decoded once, with the contract's upcasters, off the event loop. An OPD's state
is folded forward from the latest snapshot of it before ``at``
(:mod:`services.audit.time_travel_snapshots`), so a year of a large OPD answers in seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Path, Query, Response

from kernel.messages import Bilingual
from schemas.events import NIP_PATTERN
from schemas.exceptions import MalformedEvent
from schemas.limits import LongText
from schemas.serialization import read_event
from services.audit.domain.time_travel import (
    MAX_EVENTS,
    OPD_MAX_EVENTS,
    EmployeeHistory,
    HistoryTooLarge,
    InvalidInstant,
    OpdHistory,
    check_history_size,
    parse_as_of,
)
from services.audit.domain.trail import LISTS_SUBJECT
from services.audit.messages import MESSAGES
from services.audit.time_travel_snapshots import fold_opd_history
from services.runtime.context import ServiceContext, component
from services.runtime.edge.access_log import Access, record_accesses
from services.runtime.edge.caller_scope import CALLER_403, Reach, resolve_caller
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router

router = service_router("/audit", ["audit"])

EMPLOYEE_ROUTE = "/audit/time-travel/employees/{nip}"
OPD_ROUTE = "/audit/time-travel/opds/{opd_id}"
DATA_KIND = "employee_state"
PAGE_ROWS = 10_000
"""Archived rows read per query; the fold keeps the state, never the rows."""

_READ_ANY = (Role.AUDITOR, Role.ADMIN_BKD)

_AT_DOC = (
    "The instant, ISO 8601 with a UTC offset (e.g. 2026-03-02T09:00:00+07:00 or ...Z); "
    "now when omitted. A timestamp without an offset is refused."
)

RESPONSES: dict[int | str, dict[str, Any]] = {
    403: error_response(
        "`time_travel_forbidden`: auditors and BKD read any state; an employee their own; the "
        "head of an OPD (as the roster names them) their OPD / auditor dan BKD membaca semua; "
        "pegawai hanya miliknya sendiri; kepala OPD hanya OPD-nya. The caller: " + CALLER_403
    ),
    422: error_response(
        "`naive_instant`, `invalid_instant` or `history_too_large` / waktu tanpa zona waktu, "
        "waktu tidak valid, atau riwayat terlalu panjang."
    ),
    503: error_response(
        "`kafka_unavailable`: the access could not be recorded, so nothing is answered / akses "
        "tidak dapat dicatat, sehingga tidak ada data yang diberikan."
    ),
}


def _as_of(at: str | None) -> datetime:
    try:
        return parse_as_of(at, datetime.now(UTC))
    except InvalidInstant as exc:
        if exc.naive:
            raise ApiError(
                422,
                "naive_instant",
                *MESSAGES.text("naive_instant", at=at),
                details=[{"loc": ["query", "at"], "value": at}],
            ) from exc
        raise ApiError(
            422,
            "invalid_instant",
            *MESSAGES.text("invalid_instant", at=at),
            details=[{"loc": ["query", "at"], "value": at}],
        ) from exc


def _forbidden(what: Bilingual) -> ApiError:
    return ApiError(
        403, "time_travel_forbidden", *MESSAGES.text("time_travel_forbidden", what=what)
    )


def _too_large(exc: HistoryTooLarge) -> ApiError:
    return ApiError(
        422,
        "history_too_large",
        *MESSAGES.text("history_too_large", limit=exc.limit),
        details=[{"events": exc.events, "limit": exc.limit}],
    )


def _utc_text(instant: datetime) -> str:
    """``instant`` as the archive's DateTime64(3, 'UTC') text, to the millisecond."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _fold_page(history: EmployeeHistory | OpdHistory, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        try:
            event = read_event(row["raw"].encode("utf-8"))
        except MalformedEvent:
            history.add_undecodable()
            continue
        history.add(event)


async def _fold_archive(
    ctx: ServiceContext,
    where: str,
    params: Mapping[str, Any],
    history: EmployeeHistory | OpdHistory,
) -> None:
    """Fold the archived rows matching ``where`` into ``history``, page by page, in archive
    order; refuse (422) a history longer than the limit before reading any of it."""
    counted = await ctx.store.query(
        f"SELECT count() AS n FROM {{db}}.event_archive FINAL WHERE {where}", params
    )
    try:
        check_history_size(int(counted[0]["n"]) if counted else 0, history.limit)
        after: dict[str, Any] = {
            "first": 1,
            "r": "1970-01-01 00:00:00.000",
            "t": "",
            "p": 0,
            "o": 0,
        }
        while True:
            rows = await ctx.store.query(
                "SELECT toString(recorded_at) AS r, topic AS t, partition AS p, offset AS o, raw "
                f"FROM {{db}}.event_archive FINAL WHERE {where} "
                "AND ({first:UInt8} = 1 OR (recorded_at, topic, partition, offset) > "
                "({r:DateTime64(3, 'UTC')}, {t:String}, {p:UInt32}, {o:UInt64})) "
                "ORDER BY recorded_at, topic, partition, offset LIMIT {rows:UInt32}",
                {**params, **after, "rows": PAGE_ROWS},
            )
            if not rows:
                return
            await asyncio.to_thread(_fold_page, history, rows)
            last = rows[-1]
            after = {"first": 0, "r": last["r"], "t": last["t"], "p": last["p"], "o": last["o"]}
            if len(rows) < PAGE_ROWS:
                return
    except HistoryTooLarge as exc:
        raise _too_large(exc) from exc


async def fold_employee(ctx: ServiceContext, history: EmployeeHistory) -> None:
    """Fold the archived events about ``history.nip`` up to ``history.as_of``."""
    await _fold_archive(
        ctx,
        f"{LISTS_SUBJECT} AND recorded_at <= {{at:DateTime64(3, 'UTC')}}",
        {"nip": history.nip, "at": _utc_text(history.as_of)},
        history,
    )


async def fold_opd(ctx: ServiceContext, history: OpdHistory) -> None:
    """Fold the archived events of OPD ``history.opd_id`` up to ``history.as_of``, with the
    roster events of everyone who was ever in it (a move is filed under either OPD), forward
    from the latest snapshot before the instant (:mod:`services.audit.time_travel_snapshots`)."""
    try:
        await fold_opd_history(ctx.store, history)
    except HistoryTooLarge as exc:
        raise _too_large(exc) from exc


def _json(state: dict[str, Any]) -> Response:
    return Response(orjson.dumps(state), media_type="application/json")


@router.get(
    EMPLOYEE_ROUTE.removeprefix("/audit"),
    summary="An employee as they stood at a time / Keadaan pegawai pada suatu waktu",
    responses=RESPONSES,
)
async def employee_at(
    ctx: Context,
    reader: CurrentUser,
    nip: Annotated[str, Path(pattern=NIP_PATTERN, description="NIP of the employee.")],
    at: Annotated[str | None, Query(max_length=64, description=_AT_DOC)] = None,
    purpose: Annotated[LongText, Query(description="Why the state is read.")] = "",
) -> Response:
    # a token the roster contradicts: 403
    await resolve_caller(reader, component(ctx, RosterLookup))
    if reader.nip != nip and reader.role not in _READ_ANY:
        raise _forbidden(MESSAGES.text("history_of.employee", nip=nip))
    as_of = _as_of(at)
    history = EmployeeHistory(as_of=as_of, limit=MAX_EVENTS, nip=nip)
    await fold_employee(ctx, history)
    state = history.state()
    state["access_id"] = await _record_read(ctx, reader, nip, state, purpose, as_of)
    return _json(state)


async def _record_read(
    ctx: ServiceContext,
    reader: Principal,
    nip: str,
    state: dict[str, Any],
    purpose: str,
    as_of: datetime,
) -> str | None:
    """Record an auditor's or BKD's read of someone's state (acknowledged before answering)."""
    if reader.nip == nip:
        return None
    profile = state.get("profile") or {}
    access = Access(
        subject_nip=nip,
        opd_id=str(profile.get("opd_id") or ""),
        data_kind=DATA_KIND,
        route=EMPLOYEE_ROUTE,
        records=int(state["events_applied"]),
        purpose=purpose,
        period_to=as_of.date(),
    )
    ids = await record_accesses(ctx, reader, [access])  # PublishUnavailable: 503, no answer
    return ids[0] if ids else None


@router.get(
    OPD_ROUTE.removeprefix("/audit"),
    summary="An OPD as it stood at a time / Keadaan OPD pada suatu waktu",
    responses=RESPONSES,
)
async def opd_at(
    ctx: Context,
    reader: CurrentUser,
    opd_id: Annotated[
        str, Path(min_length=1, max_length=128, description="Id of the OPD, e.g. dinas-kominfo.")
    ],
    at: Annotated[str | None, Query(max_length=64, description=_AT_DOC)] = None,
) -> Response:
    caller = await resolve_caller(reader, component(ctx, RosterLookup))  # a contradicted token: 403
    own_opd = caller.reach is Reach.OPD and caller.sees_opd(opd_id)  # the roster's head
    if not own_opd and reader.role not in _READ_ANY:
        raise _forbidden(MESSAGES.text("history_of.opd", opd_id=opd_id))
    as_of = _as_of(at)
    history = OpdHistory(as_of=as_of, limit=OPD_MAX_EVENTS, opd_id=opd_id)
    await fold_opd(ctx, history)
    return _json(history.state())
