"""HTTP edge of eligibility: turns requests into commands and events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from schemas import new_event, new_ulid
from services.eligibility.domain.requests import WfaRequestCreate, request_id_for, to_event
from services.runtime.deps import CallerOpd, Context, IdempotencyKey, require_roles
from services.runtime.identity import Principal, Role

router = APIRouter(prefix="/wfa/requests", tags=["wfa-requests"])

AsnUser = Annotated[Principal, Depends(require_roles(Role.ASN, Role.ATASAN, Role.KEPALA_OPD))]


@router.post(
    "",
    status_code=202,
    summary="Submit a WFA request / Ajukan permohonan WFA",
    responses={202: {"description": "Accepted; the request is on the event log."}},
)
async def submit_request(
    body: WfaRequestCreate,
    user: AsnUser,
    ctx: Context,
    opd_id: CallerOpd,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:

    async def publish() -> dict[str, str]:
        request_id = request_id_for(user.nip, idempotency_key, f"req-{new_ulid().lower()}")
        envelope = new_event(
            to_event(body, nip=user.nip, request_id=request_id),
            actor=user.nip,
            subject=user.nip,
            opd_id=opd_id,
        )
        await ctx.publisher.publish(envelope)
        return {
            "request_id": request_id,
            "event_id": envelope.event_id,
            "correlation_id": envelope.correlation_id,
            "status": "submitted",
        }

    response, replayed = await ctx.idempotency.run(
        user.nip, idempotency_key, body.model_dump(mode="json"), publish
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(response, status_code=202, headers=headers)
