"""HTTP edge of attendance: geolocated check-ins and check-outs.

The caller must be on the roster, in the OPD their token names; the event carries the OPD
the roster records, never one taken from the token alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from schemas import EventPayload, new_event, new_ulid
from services.attendance.domain.checkins import (
    PresenceCreate,
    PresenceTimeError,
    to_checked_in,
    to_checked_out,
)
from services.runtime.errors import ApiError, error_response
from services.runtime.idempotency import replay_headers
from services.runtime.identity import Role
from services.runtime.roster_caller import ROSTER_CALLER_RESPONSES, RosteredCaller, rostered
from services.runtime.routing import body_schema_doc, json_body, service_router

router = service_router("/attendance", ["attendance"])

#: who records presence: every employee role (checked before the roster is consulted), on
#: the roster in the OPD their token names
_employee = rostered(Role.ASN, Role.ATASAN, Role.KEPALA_OPD, Role.ADMIN_BKD)
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
    body: PresenceCreate, caller: RosteredCaller, key: str | None, build: Builder
) -> JSONResponse:
    nip = caller.principal.nip
    ctx = caller.ctx
    assert ctx is not None

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

    if key is None:  # the common case: no fingerprint to compute
        return JSONResponse(await publish(), status_code=201)
    response, replayed = await ctx.idempotency.run(
        nip, key, {"kind": build.__name__, **body.model_dump(mode="json")}, publish
    )
    return JSONResponse(response, status_code=201, headers=replay_headers(replayed))


_BODY_DOC = body_schema_doc(PresenceCreate, "Where the device is, and when.")
_KEY_DOC = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Makes a retried call return its first answer instead of recording twice.",
}


async def _presence(request: Request, build: Builder) -> JSONResponse:
    # the hot path of the morning peak: the caller, the body and the key are read by hand,
    # in one step each, rather than through FastAPI's per-parameter resolution
    caller = await _employee(request, request.headers.get("authorization"))
    body = await json_body(request, PresenceCreate)
    return await _record(body, caller, request.headers.get("idempotency-key"), build)


@router.post(
    "/check-ins",
    status_code=201,
    summary="Check in / Presensi masuk",
    responses=RESPONSES,
    openapi_extra={**_BODY_DOC, "parameters": [_KEY_DOC]},
)
async def check_in(request: Request) -> JSONResponse:
    return await _presence(request, to_checked_in)


@router.post(
    "/check-outs",
    status_code=201,
    summary="Check out / Presensi pulang",
    responses=RESPONSES,
    openapi_extra={**_BODY_DOC, "parameters": [_KEY_DOC]},
)
async def check_out(request: Request) -> JSONResponse:
    return await _presence(request, to_checked_out)
