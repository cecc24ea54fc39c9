"""HTTP edge of audit: auditors and BKD read the archived history, event by event.

Only auditors and BKD (admin_bkd) read the raw archive; employees read their own trail and
access log through ``/audit/trails`` and ``/audit/access-log``. Audit has no write routes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import Depends, Query

from schemas.events import NIP_PATTERN
from services.audit.messages import MESSAGES
from services.runtime.context import ServiceContext
from services.runtime.edge.access_log import Purpose, record_row_accesses
from services.runtime.edge.deps import Context, require_roles
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.routing import service_router

router = service_router("/audit", ["audit"])

Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.ADMIN_BKD))]

_COLUMNS = (
    "event_id, type, schema_version, subject, opd_id, actor, correlation_id, causation_id, "
    "occurred_at, recorded_at, topic, partition, offset, sha256"
)


async def _record(
    ctx: ServiceContext,
    reader: Principal,
    rows: list[dict[str, Any]],
    data_kind: str,
    route: str,
    purpose: str,
) -> None:
    """Archived events about employees are their personal data: one access per employee
    whose events are answered (events about an OPD or an application are not)."""
    about_people = [row for row in rows if re.fullmatch(NIP_PATTERN, str(row["subject"]))]
    await record_row_accesses(
        ctx,
        reader,
        about_people,
        data_kind=data_kind,
        route=route,
        purpose=purpose,
        nip_key="subject",
        day_keys=("recorded_at",),
    )


@router.get("/events", summary="Archived events / Arsip peristiwa")
async def events(
    reader: Auditor,
    ctx: Context,
    subject: Annotated[str | None, Query(pattern=r"^\d{18}$")] = None,
    type: Annotated[str | None, Query(max_length=100)] = None,
    correlation_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    purpose: Purpose = "",
) -> dict[str, Any]:
    rows = await ctx.store.query(
        f"SELECT {_COLUMNS} FROM {{db}}.event_archive FINAL "
        "WHERE ({subject:String} = '' OR subject = {subject:String}) "
        "AND ({type:String} = '' OR type = {type:String}) "
        "AND ({corr:String} = '' OR correlation_id = {corr:String}) "
        "ORDER BY recorded_at, event_id LIMIT {limit:UInt32}",
        {
            "subject": subject or "",
            "type": type or "",
            "corr": correlation_id or "",
            "limit": limit,
        },
    )
    await _record(ctx, reader, rows, "audit_events", "/audit/events", purpose)
    return {"items": rows, "count": len(rows)}


@router.get(
    "/events/{event_id}", summary="One archived event, verified / Satu peristiwa, terverifikasi"
)
async def event(
    event_id: str, reader: Auditor, ctx: Context, purpose: Purpose = ""
) -> dict[str, Any]:
    rows = await ctx.store.query(
        f"SELECT {_COLUMNS}, raw FROM {{db}}.event_archive FINAL "
        "WHERE event_id = {event_id:String} ORDER BY offset LIMIT 1",
        {"event_id": event_id},
    )
    if not rows:
        raise ApiError(
            404,
            "event_not_found",
            *MESSAGES.text("event_not_found.event", event_id=event_id),
        )
    row = rows[0]
    await _record(ctx, reader, rows, "audit_event", "/audit/events/{event_id}", purpose)
    row["verified"] = hashlib.sha256(row["raw"].encode()).hexdigest() == row["sha256"]
    return row
