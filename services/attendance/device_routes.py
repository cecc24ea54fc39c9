"""Device binding: explicit, audited registrations of each employee's work device.

An employee registers their own device; admin_bkd may register one for an employee of any
OPD, the head of an OPD (kepala_opd) for their OPD's staff. Each registration is a
``DeviceRegistered`` event naming the device it replaces and who registered it. The history
is visible to the employee, their supervisor of record, the head of their OPD and admin_bkd.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from schemas import DeviceRegistered, new_event, new_ulid
from schemas.events import NIP_PATTERN, Nip
from schemas.limits import DeviceId, LongText, ShortText
from services.attendance.facts_directory import DeviceRecord, FactsDirectory
from services.attendance.messages import MESSAGES
from services.runtime.context import ServiceContext, component
from services.runtime.edge.access_log import Access, Purpose, record_accesses
from services.runtime.edge.caller_scope import (
    CALLER_403,
    CATCH_UP_TIMEOUT_S,
    CallerScope,
    Reach,
    find_entry,
    not_on_roster,
    resolve_caller,
)
from services.runtime.edge.deps import Context, IdempotencyKey, authenticate, check_role
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterEntry, RosterLookup
from services.runtime.edge.routing import service_router

router = service_router("/attendance", ["devices"])

_REGISTRANTS = (Role.ASN, Role.ATASAN, Role.KEPALA_OPD, Role.ADMIN_BKD)


class DeviceRegistration(BaseModel):
    """A work device to bind to an account; it replaces the account's current device."""

    model_config = ConfigDict(extra="forbid")

    device_id: Annotated[DeviceId, Field(min_length=1)] = Field(
        description="Stable id of the device (e.g. the app's installation id)."
    )
    platform: Literal["android", "ios", "web", "windows", "macos", "linux", "other"] = Field(
        description="Operating system or client of the device."
    )
    label: ShortText | None = Field(None, description="Human name, e.g. the model.")
    reason: LongText = Field("", description="Why a device is replaced; may be empty.")
    nip: Nip | None = Field(
        None,
        description=(
            "Whose device it is: empty for the caller's own; another employee's NIP only for "
            "admin_bkd (any OPD) or the head of the employee's OPD."
        ),
    )


RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Registered: the DeviceRegistered event / Perangkat terdaftar."},
    200: {"description": "Already the registered device: nothing recorded / Sudah terdaftar."},
    403: error_response(
        "`device_registration_forbidden` / tidak berwenang mendaftarkan perangkat pegawai ini. "
        "The caller: " + CALLER_403
    ),
    409: error_response("`idempotency_key_reused` / Idempotency-Key sudah dipakai."),
    422: error_response(
        "`invalid_request` or `employee_not_on_roster` / permintaan tidak valid, atau NIP belum "
        "terdaftar pada data pegawai."
    ),
}

HISTORY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Registrations, oldest first / Riwayat pendaftaran perangkat."},
    403: error_response(
        "`device_history_forbidden`: only the employee, their supervisor of record, the head "
        "of their OPD and admin_bkd / hanya pegawai, atasan langsung, kepala OPD, admin BKD. "
        "The caller: " + CALLER_403
    ),
    404: error_response("`employee_not_found` / NIP tidak ada pada data pegawai."),
    503: error_response(
        "`kafka_unavailable`: someone else's devices are answered only once the access is "
        "recorded / akses tidak dapat dicatat; tidak ada data yang diberikan."
    ),
}


async def _find(ctx: ServiceContext, nip: str) -> RosterEntry | None:
    return await find_entry(component(ctx, RosterLookup), nip)


def _forbidden_registration(nip: str) -> ApiError:
    return ApiError(
        403,
        "device_registration_forbidden",
        *MESSAGES.text("device_registration_forbidden", nip=nip),
    )


async def _subject_of_registration(ctx: ServiceContext, caller: Principal, nip: str) -> RosterEntry:
    """The roster entry of the employee whose device ``caller`` registers (403/422 otherwise).

    The caller is resolved on the roster first: a token the roster contradicts is refused
    whoever's device it names."""
    own = nip == caller.nip
    scope = await resolve_caller(caller, component(ctx, RosterLookup), as_employee=own)
    if own:
        return scope.employee
    if caller.role not in (Role.ADMIN_BKD, Role.KEPALA_OPD):
        raise _forbidden_registration(nip)
    subject = await _find(ctx, nip)
    if caller.role is Role.KEPALA_OPD:  # the head the roster names, for that OPD's staff
        if subject is None or not scope.sees(nip, subject.opd_id):
            raise _forbidden_registration(nip)
        return subject
    if subject is None:
        raise not_on_roster(nip, 422)
    return subject


async def device_history(ctx: ServiceContext, nip: str) -> list[DeviceRecord]:
    """Every registration of the employee's devices, oldest first, from the attendance facts
    directory (caught up with the log first, so a registration made a moment ago is seen)."""
    directory = component(ctx, FactsDirectory)
    if not await directory.wait_caught_up(CATCH_UP_TIMEOUT_S):
        raise _devices_unavailable("the devices topic is not caught up")
    return list(directory.devices(nip))


def _devices_unavailable(reason: str) -> ApiError:
    return ApiError(
        503,
        "devices_unavailable",
        *MESSAGES.text("devices_unavailable"),
        details=[reason],
        headers={"Retry-After": "5"},
    )


def _registered_by(caller: Principal) -> str:
    if caller.nip.isdigit():
        return caller.nip
    raise ApiError(
        403,
        "device_registration_forbidden",
        *MESSAGES.text("device_registration_forbidden.registered_by"),
    )


@router.post(
    "/devices",
    status_code=201,
    summary="Register a work device / Daftarkan perangkat kerja",
    responses=RESPONSES,
)
async def register_device(
    body: DeviceRegistration,
    ctx: Context,
    key: IdempotencyKey = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    caller = check_role(await authenticate(ctx, authorization), _REGISTRANTS)
    registered_by = _registered_by(caller)
    nip = body.nip or caller.nip
    subject = await _subject_of_registration(ctx, caller, nip)

    async def register() -> dict[str, Any]:
        history = await device_history(ctx, nip)
        current = history[-1].device_id if history else None
        if current == body.device_id:
            return {"status": "already_registered", "device_id": current, "nip": nip}
        registration_id = new_ulid()
        payload = DeviceRegistered(
            registration_id=registration_id,
            nip=nip,
            device_id=body.device_id,
            label=body.label,
            platform=body.platform,
            replaces=current,
            registered_by=registered_by,
            reason=body.reason,
        )
        envelope = new_event(
            payload,
            actor=registered_by,
            subject=nip,
            opd_id=subject.opd_id,
            event_id=registration_id,
        )
        await ctx.publisher.publish(envelope)
        return {
            "status": "registered",
            "event_id": envelope.event_id,
            "type": envelope.type,
            "nip": nip,
            "device_id": body.device_id,
            "replaces": current,
            "registered_by": registered_by,
        }

    response, replayed = await ctx.idempotency.run(
        caller.nip, key, {"kind": "register_device", **body.model_dump(mode="json")}, register
    )
    status = 200 if response.get("status") == "already_registered" else 201
    return JSONResponse(response, status_code=status, headers=replay_headers(replayed))


def _history_denied(nip: str) -> ApiError:
    return ApiError(
        403,
        "device_history_forbidden",
        *MESSAGES.text("device_history_forbidden", nip=nip),
    )


async def _may_see_history(ctx: ServiceContext, caller: Principal, nip: str) -> None:
    scope = await resolve_caller(caller, component(ctx, RosterLookup))
    if caller.nip == nip:
        return
    subject = await _find(ctx, nip)
    if caller.role is Role.ADMIN_BKD:
        if subject is None:
            raise ApiError(
                404,
                "employee_not_found",
                *MESSAGES.text("employee_not_found", nip=nip),
            )
        return
    if subject is None:
        raise _history_denied(nip)
    if subject.supervisor_nip is not None and subject.supervisor_nip == caller.nip:
        return
    if _heads_opd_of(scope, subject):
        return
    raise _history_denied(nip)


def _heads_opd_of(scope: CallerScope, subject: RosterEntry) -> bool:
    """Whether the roster names the caller head of the subject's OPD."""
    return scope.reach is Reach.OPD and scope.sees(subject.nip, subject.opd_id)


def _history_item(registration: DeviceRecord) -> dict[str, Any]:
    return {
        "registration_id": registration.registration_id,
        "device_id": registration.device_id,
        "platform": registration.platform,
        "label": registration.label,
        "replaces": registration.replaces,
        "registered_by": registration.registered_by,
        "registered_at": registration.registered_at.isoformat(),
    }


@router.get(
    "/devices/{nip}",
    summary="Device registrations of an employee / Riwayat perangkat pegawai",
    responses=HISTORY_RESPONSES,
)
async def list_devices(
    ctx: Context,
    nip: Annotated[str, Path(pattern=NIP_PATTERN, description="NIP of the employee.")],
    authorization: Annotated[str | None, Header()] = None,
    purpose: Purpose = "",
) -> dict[str, Any]:
    caller = await authenticate(ctx, authorization)
    await _may_see_history(ctx, caller, nip)
    history = await device_history(ctx, nip)
    items = [_history_item(r) for r in history]
    entry = component(ctx, RosterLookup).lookup(nip)
    await record_accesses(  # someone else's devices: logged before the answer
        ctx,
        caller,
        [
            Access(
                nip,
                entry.opd_id if entry is not None else "",
                "device_history",
                "/attendance/devices/{nip}",
                len(items),
                purpose,
            )
        ],
    )
    return {
        "nip": nip,
        "current": items[-1]["device_id"] if items else None,
        "items": items,
        "count": len(items),
    }
