"""HTTP edge of attendance: geolocated check-ins and check-outs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from fastapi.responses import JSONResponse

from schemas import EventPayload, new_event, new_ulid
from services.attendance.domain.checkins import (
    PresenceCreate,
    PresenceTimeError,
    to_checked_in,
    to_checked_out,
)
from services.runtime.deps import CallerOpd, Context, IdempotencyKey, require_roles
from services.runtime.errors import ApiError
from services.runtime.idempotency import replay_headers
from services.runtime.identity import Principal, Role
from services.runtime.routing import service_router

router = service_router("/attendance", ["attendance"])

Employee = Annotated[
    Principal, Depends(require_roles(Role.ASN, Role.ATASAN, Role.KEPALA_OPD, Role.ADMIN_BKD))
]
Builder = Callable[..., EventPayload]


async def _record(
    body: PresenceCreate,
    user: Principal,
    opd_id: str,
    ctx: Context,
    key: str | None,
    build: Builder,
) -> JSONResponse:

    async def publish() -> dict[str, str]:
        event_id = new_ulid()
        try:
            payload = build(body, nip=user.nip, event_id=event_id, now=datetime.now(UTC))
        except PresenceTimeError as exc:
            raise ApiError(
                422,
                "invalid_presence_time",
                "Waktu presensi tidak wajar (di masa depan atau lebih dari 24 jam lalu).",
                f"Presence time rejected: {exc}.",
            ) from exc
        envelope = new_event(
            payload, actor=user.nip, subject=user.nip, opd_id=opd_id, event_id=event_id
        )
        await ctx.publisher.publish(envelope)
        return {"event_id": envelope.event_id, "type": envelope.type, "status": "recorded"}

    response, replayed = await ctx.idempotency.run(
        user.nip, key, {"kind": build.__name__, **body.model_dump(mode="json")}, publish
    )
    return JSONResponse(response, status_code=201, headers=replay_headers(replayed))


@router.post("/check-ins", status_code=201, summary="Check in / Presensi masuk")
async def check_in(
    body: PresenceCreate,
    user: Employee,
    opd_id: CallerOpd,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await _record(body, user, opd_id, ctx, idempotency_key, to_checked_in)


@router.post("/check-outs", status_code=201, summary="Check out / Presensi pulang")
async def check_out(
    body: PresenceCreate,
    user: Employee,
    opd_id: CallerOpd,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await _record(body, user, opd_id, ctx, idempotency_key, to_checked_out)
