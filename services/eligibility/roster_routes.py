"""HTTP edge of the roster import (BKD/BKPSDM admins and integrating HR apps)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from schemas import new_event
from services.eligibility.domain.roster import RosterFileError, parse_roster, plan_changes
from services.runtime.deps import Context, require_roles
from services.runtime.errors import ApiError
from services.runtime.identity import Principal, Role

router = APIRouter(prefix="/roster", tags=["roster"])

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN_BKD, Role.SYSTEM))]

#: how long an import waits for its events to reach eligibility's own roster projection
CATCH_UP_TIMEOUT_S = 30.0
MAX_BYTES = 50 * 1024 * 1024
_import_lock = asyncio.Lock()


async def _current_states(ctx: Context, nips: list[str]) -> dict[str, dict[str, Any]]:
    if not nips:
        return {}
    rows = await ctx.store.query(
        "SELECT nip, argMax(state, offset) AS state FROM {db}.employees "
        "WHERE has({nips:Array(String)}, nip) GROUP BY nip",
        {"nips": nips},
    )
    return {row["nip"]: json.loads(row["state"]) for row in rows}


async def _wait_projected(ctx: Context, event_ids: list[str]) -> bool:
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while time.monotonic() < deadline:
        rows = await ctx.store.query(
            "SELECT count() AS c FROM {db}.employees WHERE has({ids:Array(String)}, event_id)",
            {"ids": event_ids},
        )
        if rows[0]["c"] >= len(event_ids):
            return True
        await asyncio.sleep(0.2)
    return False


@router.post(
    "/imports",
    summary="Import a roster export (CSV or JSON Lines) / Impor data pegawai",
    responses={422: {"description": "Rows were rejected; nothing was applied."}},
)
async def import_roster(
    request: Request,
    user: Admin,
    ctx: Context,
    format: Annotated[Literal["csv", "jsonl"], Query(description="csv or jsonl")] = "csv",
) -> JSONResponse:
    content = await request.body()
    if len(content) > MAX_BYTES:
        raise ApiError(413, "roster_too_large", "Berkas melebihi 50 MB.", "The file exceeds 50 MB.")
    try:
        parsed = parse_roster(content, format, today=date.today())
    except RosterFileError as exc:
        raise ApiError(422, "roster_unreadable", exc.message_id, exc.message_en) from exc
    report = [asdict(row) for row in parsed.rows]
    if parsed.rejected:
        raise ApiError(
            422,
            "roster_rows_rejected",
            f"{len(parsed.rejected)} baris ditolak; tidak ada data yang diterapkan.",
            f"{len(parsed.rejected)} rows were rejected; nothing was applied.",
            details=report,
        )
    async with _import_lock:
        current = await _current_states(ctx, [e.nip for e in parsed.employees])
        changes = plan_changes(parsed.employees, current)
        envelopes = [
            new_event(change, actor=user.nip, subject=change.nip, opd_id=change.opd_id)
            for change in changes
        ]
        for envelope in envelopes:
            await ctx.publisher.publish(envelope)
        applied = await _wait_projected(ctx, [e.event_id for e in envelopes]) if envelopes else True
    registered = sum(1 for e in envelopes if e.type == "EmployeeRegistered")
    return JSONResponse(
        {
            "accepted": len(parsed.rows),
            "rejected": 0,
            "registered": registered,
            "updated": len(envelopes) - registered,
            "unchanged": len(parsed.employees) - len(envelopes),
            "projected": applied,
            "rows": report,
        }
    )
