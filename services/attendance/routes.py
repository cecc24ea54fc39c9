"""HTTP edge of attendance: geolocated check-ins and check-outs.

The caller must be on the roster, in the OPD their token names; the event carries the OPD
the roster records, never one taken from the token alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends
from fastapi.responses import JSONResponse

from schemas import EventPayload, new_event, new_ulid
from services.attendance.domain.checkins import (
    PresenceCreate,
    PresenceTimeError,
    to_checked_in,
    to_checked_out,
)
from services.runtime.deps import Context, IdempotencyKey, require_roles
from services.runtime.errors import ApiError, error_response
from services.runtime.idempotency import replay_headers
from services.runtime.identity import Role
from services.runtime.roster_caller import ROSTER_CALLER_RESPONSES, RosterCaller, RosteredCaller
from services.runtime.routing import service_router

router = service_router("/attendance", ["attendance"])

#: who records presence: every employee role (checked before the roster is consulted)
EMPLOYEES = Depends(require_roles(Role.ASN, Role.ATASAN, Role.KEPALA_OPD, Role.ADMIN_BKD))
Builder = Callable[..., EventPayload]

RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Recorded: the event id and type / Tercatat."},
    **ROSTER_CALLER_RESPONSES,
    409: error_response(
        "`idempotency_key_reused`: the key was used for another body / Idempotency-Key sudah "
        "dipakai untuk permintaan lain."
    ),
    422: error_response(
        "`invalid_request` (the body), `invalid_presence_time` (in the future or more than 24 "
        "hours ago) or `employee_not_on_roster` (the caller) / permintaan tidak valid, waktu "
        "presensi tidak wajar, atau NIP belum terdaftar pada data pegawai."
    ),
}


async def _record(
    body: PresenceCreate, caller: RosteredCaller, ctx: Context, key: str | None, build: Builder
) -> JSONResponse:
    nip = caller.principal.nip

    async def publish() -> dict[str, str]:
        event_id = new_ulid()
        try:
            payload = build(body, nip=nip, event_id=event_id, now=datetime.now(UTC))
        except PresenceTimeError as exc:
            raise ApiError(
                422,
                "invalid_presence_time",
                "Waktu presensi tidak wajar (di masa depan atau lebih dari 24 jam lalu).",
                f"Presence time rejected: {exc}.",
            ) from exc
        envelope = new_event(
            payload, actor=nip, subject=nip, opd_id=caller.entry.opd_id, event_id=event_id
        )
        await ctx.publisher.publish(envelope)
        return {"event_id": envelope.event_id, "type": envelope.type, "status": "recorded"}

    response, replayed = await ctx.idempotency.run(
        nip, key, {"kind": build.__name__, **body.model_dump(mode="json")}, publish
    )
    return JSONResponse(response, status_code=201, headers=replay_headers(replayed))


@router.post(
    "/check-ins",
    status_code=201,
    summary="Check in / Presensi masuk",
    responses=RESPONSES,
    dependencies=[EMPLOYEES],
)
async def check_in(
    body: PresenceCreate,
    caller: RosterCaller,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await _record(body, caller, ctx, idempotency_key, to_checked_in)


@router.post(
    "/check-outs",
    status_code=201,
    summary="Check out / Presensi pulang",
    responses=RESPONSES,
    dependencies=[EMPLOYEES],
)
async def check_out(
    body: PresenceCreate,
    caller: RosterCaller,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await _record(body, caller, ctx, idempotency_key, to_checked_out)
