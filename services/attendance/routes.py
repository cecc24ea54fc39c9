"""HTTP edge of attendance: check-ins, check-outs, location pings and device heartbeats.

The caller must be on the roster, in the OPD their token names, and send from the device bound
to their account. The platform derives the mode of the day (an approved WFA, or the office),
measures the position against the WFA location or the office geofence in force, and publishes,
in one batch: the derived facts on the attendance topic, the precise position on the
restricted locations topic, and the anomalies it can decide on receipt.

Everything judged here is in memory (:mod:`services.attendance.facts_directory`, the roster
directory): no store, no Kafka read per request, so the edge runs as several workers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from schemas import new_ulid
from schemas.serialization import record_from_parts
from services.attendance.domain.assessment import (
    Assessment,
    Signal,
    SignalKind,
    assess,
    office_reference,
)
from services.attendance.domain.checkins import HeartbeatCreate, PresenceCreate
from services.attendance.domain.presence_events import DeviceFacts, presence_payloads
from services.attendance.domain.timing import check_receipt_time, work_day
from services.attendance.facts_directory import FactsDirectory
from services.attendance.messages import MESSAGES
from services.runtime.context import component
from services.runtime.edge.caller_scope import (
    CALLER_403,
    CATCH_UP_TIMEOUT_S,
    RETRY_AFTER_S,
    CallerScope,
    rostered,
)
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Role
from services.runtime.edge.routing import body_schema_doc, hot_route, json_body, service_router

router = service_router("/attendance", ["attendance"])

#: who records presence: every employee role (checked before the roster is consulted), on
#: the roster, their token agreeing with it
_employee = rostered(Role.ASN, Role.ATASAN, Role.KEPALA_OPD, Role.ADMIN_BKD, as_employee=True)

RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {
        "description": (
            "Recorded: the event id and type, and what the platform derived (the mode, what "
            "the position was measured against, whether it was met, the anomalies) / Tercatat."
        )
    },
    403: error_response(
        "`device_not_registered` (register the device at POST /attendance/devices first) or "
        "`device_mismatch` (another device is bound to the account) / perangkat belum "
        "terdaftar, atau perangkat lain yang terdaftar. The caller: " + CALLER_403
    ),
    409: error_response(
        "`idempotency_key_reused`: the key was used for another body / Idempotency-Key sudah "
        "dipakai untuk permintaan lain."
    ),
    422: error_response(
        "`invalid_request` (the body), `device_id_required`, `presence_time_in_future` (beyond "
        "the clock tolerance), `offline_record_too_old` (beyond the offline tolerance) or "
        "`employee_not_on_roster` / permintaan tidak valid, ID perangkat wajib, waktu presensi "
        "di masa depan, rekaman luring terlalu lama, atau NIP belum terdaftar."
    ),
    503: error_response(
        "`attendance_facts_unavailable` or `roster_unavailable`: the device binding or the "
        "roster cannot be confirmed up to date / data perangkat atau data pegawai belum dapat "
        "dipastikan terkini."
    ),
}

_KEY_DOC = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Makes a retried call return its first answer instead of recording twice.",
}
_LOCATED_DOC = {
    **body_schema_doc(PresenceCreate, "Where the device is, and when."),
    "parameters": [_KEY_DOC],
}
_HEARTBEAT_DOC = {
    **body_schema_doc(HeartbeatCreate, "The device is in use, and when."),
    "parameters": [_KEY_DOC],
}


def _facts_unavailable() -> ApiError:
    return ApiError(
        503,
        "attendance_facts_unavailable",
        *MESSAGES.text("attendance_facts_unavailable"),
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _check_device(facts: FactsDirectory, nip: str, device_id: str | None) -> None:
    """Refuse a signal that does not come from the device bound to the account."""
    if not facts.thresholds.require_registered_device:
        return
    if device_id is None:
        raise ApiError(
            422,
            "device_id_required",
            *MESSAGES.text("device_id_required"),
        )
    current = facts.current_device(nip)
    if current is None or current.device_id != device_id:
        # a device registered a second ago may not have been read yet
        if not await facts.wait_caught_up(CATCH_UP_TIMEOUT_S):
            raise _facts_unavailable()
        current = facts.current_device(nip)
    if current is None:
        raise ApiError(
            403,
            "device_not_registered",
            *MESSAGES.text("device_not_registered"),
        )
    if current.device_id != device_id:
        raise ApiError(
            403,
            "device_mismatch",
            *MESSAGES.text("device_mismatch"),
        )


async def _assess(facts: FactsDirectory, caller: CallerScope, signal: Signal) -> Assessment:
    entry = caller.employee
    t = facts.thresholds
    for attempt in (1, 2):
        day = work_day(signal.at, entry.opd_id, facts.policy_history(entry.opd_id))
        wfa = facts.approved_wfa(signal.nip, day.work_date)
        unit_fence, opd_fence = facts.geofence(entry.opd_id, entry.work_unit_id)
        office = office_reference(unit_fence, opd_fence, entry.office_location, t)
        # a miss that may be a write of a second ago (the client declares WFA but no approval
        # is known, or nothing says where the office is): wait once for the directory
        missed = signal.location is not None and wfa is None
        missed = missed and (signal.declared_mode == "wfa" or office is None)
        # or an approval whose declared place (on the restricted topic) is not read yet
        missed = missed or (
            signal.location is not None and wfa is not None and wfa.location is None
        )
        if attempt == 2 or not missed or not await facts.wait_caught_up(CATCH_UP_TIMEOUT_S):
            break
    return assess(signal, day, office, wfa, t)


def _answer(event_type: str, signal: Signal, assessment: Assessment) -> dict[str, Any]:
    place = assessment.place
    summary: dict[str, Any] = {
        "work_date": assessment.day.work_date.isoformat(),
        "timezone": assessment.day.timezone,
        "working_day": assessment.day.working_day,
        "late_synced": assessment.late_synced,
        "anomalies": [anomaly.kind for anomaly in assessment.anomalies],
    }
    if signal.kind == "check_in":
        summary["minutes_after_start"] = assessment.minutes_after_start
    if place is not None:
        summary.update(
            derived_mode=place.derived_mode,
            declared_mode=place.declared_mode,
            reference=place.reference,
            reference_id=place.reference_id,
            inside=place.inside,
            distance_band=place.distance_band,
            cell=place.cell,
        )
    return {
        "event_id": signal.event_id,
        "type": event_type,
        "status": "recorded",
        "assessment": summary,
    }


async def _record(
    body: HeartbeatCreate, caller: CallerScope, key: str | None, kind: SignalKind
) -> JSONResponse:
    nip = caller.principal.nip
    ctx = caller.ctx
    assert ctx is not None
    facts = component(ctx, FactsDirectory)

    async def publish() -> dict[str, Any]:
        received_at = datetime.now(UTC)
        await _check_device(facts, nip, body.device_id)
        at = body.at.astimezone(UTC) if body.at is not None else received_at
        check_receipt_time(at, received_at, facts.thresholds)
        event_id = new_ulid()
        located = body if isinstance(body, PresenceCreate) else None

        signal = Signal(
            kind=kind,
            nip=nip,
            event_id=event_id,
            at=at,
            received_at=received_at,
            sent_at=body.sent_at.astimezone(UTC) if body.sent_at is not None else None,
            recorded_offline=body.recorded_offline,
            location=(located.location.lat, located.location.lon) if located else None,
            accuracy_m=located.accuracy_m if located else None,
            declared_mode=located.mode if located else None,
        )
        assessment = await _assess(facts, caller, signal)
        device = DeviceFacts(
            device_id=body.device_id,
            device_seq=body.device_seq,
            mock_location=located.mock_location if located else False,
            location=located.location if located else None,
        )
        outgoing = presence_payloads(
            signal, assessment, device, new_ulid() if located is not None else None
        )
        opd_id = caller.employee.opd_id
        # the morning peak's path: records are written straight from the payloads the domain
        # built field by field from the validated body (their shapes are validated against the
        # contract in tests/unit/test_schemas_fast_records.py)
        await ctx.publisher.send_many(
            [
                record_from_parts(
                    event.event_type,
                    event.payload,
                    event_id=event.event_id,
                    actor=nip,
                    subject=nip,
                    opd_id=opd_id,
                    occurred_at=at,
                    correlation_id=event_id,
                    recorded_at=received_at,
                )
                for event in outgoing
            ]
        )
        return _answer(outgoing[0].event_type, signal, assessment)

    if key is None:  # the common case: no fingerprint to compute
        return JSONResponse(await publish(), status_code=201)
    response, replayed = await ctx.idempotency.run(
        nip, key, {"kind": kind, **body.model_dump(mode="json")}, publish
    )
    return JSONResponse(response, status_code=201, headers=replay_headers(replayed))


async def _presence(
    request: Request, kind: SignalKind, model: type[HeartbeatCreate]
) -> JSONResponse:
    # the hot path of the morning peak: the caller, the body and the key are read by hand,
    # in one step each, rather than through FastAPI's per-parameter resolution
    caller = await _employee(request, request.headers.get("authorization"))
    body = await json_body(request, model)
    return await _record(body, caller, request.headers.get("idempotency-key"), kind)


@router.post(
    "/check-ins",
    status_code=201,
    summary="Check in / Presensi masuk",
    responses=RESPONSES,
    openapi_extra=_LOCATED_DOC,
)
@hot_route
async def check_in(request: Request) -> JSONResponse:
    return await _presence(request, "check_in", PresenceCreate)


@router.post(
    "/check-outs",
    status_code=201,
    summary="Check out / Presensi pulang",
    responses=RESPONSES,
    openapi_extra=_LOCATED_DOC,
)
@hot_route
async def check_out(request: Request) -> JSONResponse:
    return await _presence(request, "check_out", PresenceCreate)


@router.post(
    "/pings",
    status_code=201,
    summary="Location ping while working outside the office / Lokasi berkala di luar kantor",
    responses=RESPONSES,
    openapi_extra=_LOCATED_DOC,
)
@hot_route
async def ping(request: Request) -> JSONResponse:
    return await _presence(request, "ping", PresenceCreate)


@router.post(
    "/heartbeats",
    status_code=201,
    summary="Device heartbeat: the work device is in use / Perangkat kerja sedang dipakai",
    responses=RESPONSES,
    openapi_extra=_HEARTBEAT_DOC,
)
@hot_route
async def heartbeat(request: Request) -> JSONResponse:
    return await _presence(request, "heartbeat", HeartbeatCreate)
