"""Office geofences as data: admin_bkd sets and retires them per OPD or work unit.

One geofence applies per OPD and one per work unit; setting one again replaces it.

``POST /attendance/geofences`` publishes ``GeofenceSet`` (a circle, or a simple polygon),
``DELETE /attendance/geofences/{id}`` publishes ``GeofenceRetired``, and
``GET /attendance/geofences?opd_id=`` lists those in force, folded from the geofences topic
(one partition, so changes are in order). Where none is set, check-ins are measured against
the roster's ``office_location`` with the default radius.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, assert_never

from aiokafka.errors import KafkaError
from fastapi import Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from kernel.geometry import LatLon, PolygonProblem, polygon_problems
from schemas import (
    Envelope,
    EventPayload,
    GeofenceRetired,
    GeofenceSet,
    new_event,
    new_ulid,
)
from schemas.events import GeofenceShape, PolygonShape
from schemas.limits import Identifier, LongText, ShortText
from schemas.topics import GEOFENCES
from services.attendance.location_reader import LogReadFailed, read_keyed
from services.attendance.messages import MESSAGES
from services.runtime.context import ServiceContext, component
from services.runtime.edge.caller_scope import CALLER_403, CATCH_UP_TIMEOUT_S, resolve_caller
from services.runtime.edge.deps import Context, IdempotencyKey, authenticate, check_role
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterDirectory, RosterLookup
from services.runtime.edge.routing import service_router

router = service_router("/attendance", ["geofences"])

_SETTERS = (Role.ADMIN_BKD,)
#: roles that may list the geofences of any OPD; others list their own OPD's
_PROVINCE_READERS = frozenset({Role.ADMIN_BKD, Role.AUDITOR, Role.OPS, Role.SYSTEM})

# -- the routes ------------------------------------------------------------------------------------


class GeofenceCreate(BaseModel):
    """An office geofence for an OPD, or for one of its work units."""

    model_config = ConfigDict(extra="forbid")

    opd_id: Identifier = Field(description="The OPD it belongs to.")
    work_unit_id: Identifier | None = Field(
        None, description="The work unit it applies to; empty for the whole OPD."
    )
    name: ShortText = Field(description="Name of the office, e.g. the building.")
    shape: GeofenceShape = Field(description="A circle (center, radius_m) or a polygon (points).")


RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Set: the GeofenceSet event / Geofence ditetapkan."},
    403: error_response("`forbidden_role`: admin_bkd only / hanya admin BKD."),
    404: error_response("`geofence_not_found` / geofence tidak ditemukan atau sudah dicabut."),
    409: error_response("`idempotency_key_reused` / Idempotency-Key sudah dipakai."),
    422: error_response(
        "`invalid_request`, `invalid_geofence` (a polygon that is not simple), `unknown_opd` or "
        "`unknown_work_unit` / geofence tidak valid, OPD atau unit kerja tidak dikenal."
    ),
}


def _unavailable(exc: Exception) -> ApiError:
    return ApiError(
        503,
        "geofences_unavailable",
        *MESSAGES.text("geofences_unavailable"),
        details=[str(exc)],
        headers={"Retry-After": "5"},
    )


async def geofences_in_force(ctx: ServiceContext) -> dict[str, tuple[Envelope, GeofenceSet]]:
    """Every geofence in force by id: the latest GeofenceSet of each, less those retired."""
    try:
        events = await read_keyed(
            ctx.settings.kafka_servers, GEOFENCES, None, client_id="attendance-geofence-read"
        )
    except (LogReadFailed, KafkaError, OSError) as exc:
        raise _unavailable(exc) from exc
    return fold_geofences(events)


def fold_geofences(
    events: Sequence[tuple[Envelope, EventPayload]],
) -> dict[str, tuple[Envelope, GeofenceSet]]:
    """The geofences in force after ``events``, by id (no I/O).

    One geofence applies per OPD, or per work unit: a new one for the same scope replaces the
    earlier one; a retirement removes the geofence it names if it is still the one in force.
    """
    by_scope: dict[tuple[str, str | None], tuple[Envelope, GeofenceSet]] = {}
    for envelope, payload in events:
        if isinstance(payload, GeofenceSet):
            by_scope[(payload.opd_id, payload.work_unit_id)] = (envelope, payload)
        elif isinstance(payload, GeofenceRetired):
            scope = (payload.opd_id, payload.work_unit_id)
            current = by_scope.get(scope)
            if current is not None and current[1].geofence_id == payload.geofence_id:
                del by_scope[scope]
    return {fence.geofence_id: (envelope, fence) for envelope, fence in by_scope.values()}


def _admin_nip(caller: Principal) -> str:
    if caller.nip.isdigit():
        return caller.nip
    raise ApiError(
        403,
        "forbidden_role",
        *MESSAGES.text("forbidden_role"),
    )


async def _check_scope(ctx: ServiceContext, opd_id: str, work_unit_id: str | None) -> None:
    directory = component(ctx, RosterDirectory)
    staff = directory.in_opd(opd_id)
    if not staff and await directory.wait_caught_up(CATCH_UP_TIMEOUT_S):
        staff = directory.in_opd(opd_id)
    if not staff:
        raise ApiError(
            422,
            "unknown_opd",
            *MESSAGES.text("unknown_opd", opd_id=opd_id),
        )
    if work_unit_id is None:
        return
    units = {entry.work_unit_id for nip in staff if (entry := directory.lookup(nip)) is not None}
    if work_unit_id not in units:
        raise ApiError(
            422,
            "unknown_work_unit",
            *MESSAGES.text("unknown_work_unit", work_unit_id=work_unit_id, opd_id=opd_id),
        )


def _check_shape(shape: GeofenceShape) -> None:
    if not isinstance(shape, PolygonShape):
        return
    problems = polygon_texts([(point.lat, point.lon) for point in shape.points])
    if problems:
        raise ApiError(
            422,
            "invalid_geofence",
            *MESSAGES.text("invalid_geofence"),
            details=problems,
        )


def polygon_texts(points: Sequence[LatLon]) -> list[str]:
    """Why ``points`` is not a simple polygon, in the words of the 422's details (English);
    empty when it is one."""
    return [_problem_text(problem) for problem in polygon_problems(points)]


def _problem_text(problem: PolygonProblem) -> str:
    match problem.code:
        case "too_few_points":
            return MESSAGES.say("invalid_geofence.too_few_points", "en")
        case "repeated_point":
            return MESSAGES.say("invalid_geofence.repeated_point", "en")
        case "edges_cross":
            return MESSAGES.say(
                "invalid_geofence.edges_cross",
                "en",
                first_edge=problem.first_edge,
                second_edge=problem.second_edge,
            )
        case "no_area":
            return MESSAGES.say("invalid_geofence.no_area", "en")
        case "not_valid":
            return MESSAGES.say("invalid_geofence.not_valid", "en", reason=problem.reason)
        case unknown:
            assert_never(unknown)


def _not_found(geofence_id: str) -> ApiError:
    return ApiError(
        404,
        "geofence_not_found",
        *MESSAGES.text("geofence_not_found", geofence_id=geofence_id),
    )


def _view(envelope: Envelope, payload: GeofenceSet) -> dict[str, Any]:
    return {
        "geofence_id": payload.geofence_id,
        "opd_id": payload.opd_id,
        "work_unit_id": payload.work_unit_id,
        "name": payload.name,
        "shape": payload.shape.model_dump(mode="json"),
        "set_by": payload.set_by,
        "set_at": envelope.recorded_at.isoformat(),
    }


@router.post(
    "/geofences",
    status_code=201,
    summary="Set an office geofence / Tetapkan geofence kantor",
    responses=RESPONSES,
)
async def set_geofence(
    body: GeofenceCreate,
    ctx: Context,
    key: IdempotencyKey = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    caller = check_role(await authenticate(ctx, authorization), _SETTERS)
    admin_nip = _admin_nip(caller)
    _check_shape(body.shape)
    await _check_scope(ctx, body.opd_id, body.work_unit_id)

    async def publish() -> dict[str, Any]:
        replaced = [
            fence.geofence_id
            for _, fence in (await geofences_in_force(ctx)).values()
            if (fence.opd_id, fence.work_unit_id) == (body.opd_id, body.work_unit_id)
        ]
        geofence_id = new_ulid()
        payload = GeofenceSet(
            geofence_id=geofence_id,
            opd_id=body.opd_id,
            work_unit_id=body.work_unit_id,
            name=body.name,
            shape=body.shape,
            set_by=admin_nip,
        )
        envelope = new_event(payload, actor=admin_nip, subject=admin_nip, opd_id=body.opd_id)
        await ctx.publisher.publish(envelope)
        return {
            "event_id": envelope.event_id,
            "type": envelope.type,
            "geofence_id": geofence_id,
            "replaces": replaced[0] if replaced else None,
            "status": "set",
        }

    response, replayed = await ctx.idempotency.run(
        caller.nip, key, {"kind": "set_geofence", **body.model_dump(mode="json")}, publish
    )
    return JSONResponse(response, status_code=201, headers=replay_headers(replayed))


@router.delete(
    "/geofences/{geofence_id}",
    summary="Retire a geofence / Cabut geofence",
    responses={200: {"description": "Retired / Dicabut."}, **RESPONSES},
)
async def retire_geofence(
    ctx: Context,
    geofence_id: Annotated[str, Path(max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")],
    reason: Annotated[LongText, Query(description="Why it is retired; may be empty.")] = "",
    key: IdempotencyKey = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    caller = check_role(await authenticate(ctx, authorization), _SETTERS)
    admin_nip = _admin_nip(caller)

    async def publish() -> dict[str, Any]:
        current = (await geofences_in_force(ctx)).get(geofence_id)
        if current is None:
            raise _not_found(geofence_id)
        fence = current[1]
        payload = GeofenceRetired(
            geofence_id=geofence_id,
            opd_id=fence.opd_id,
            work_unit_id=fence.work_unit_id,
            reason=reason,
        )
        envelope = new_event(payload, actor=admin_nip, subject=admin_nip, opd_id=fence.opd_id)
        await ctx.publisher.publish(envelope)
        return {
            "event_id": envelope.event_id,
            "type": envelope.type,
            "geofence_id": geofence_id,
            "status": "retired",
        }

    response, replayed = await ctx.idempotency.run(
        caller.nip, key, {"kind": "retire_geofence", "id": geofence_id, "reason": reason}, publish
    )
    return JSONResponse(response, status_code=200, headers=replay_headers(replayed))


@router.get(
    "/geofences",
    summary="Geofences in force / Geofence yang berlaku",
    responses={
        200: {"description": "Geofences in force / Geofence yang berlaku."},
        403: error_response(
            "`opd_mismatch`: only your own OPD's (the one you head, for a head), unless "
            "admin_bkd, auditor or ops / hanya OPD sendiri. The caller: " + CALLER_403
        ),
        422: error_response(
            "`employee_not_on_roster` (the caller) or `invalid_request` / NIP belum terdaftar."
        ),
    },
)
async def list_geofences(
    ctx: Context,
    opd_id: Annotated[str | None, Query(max_length=128, pattern=r"^[A-Za-z0-9._-]+$")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    caller = await authenticate(ctx, authorization)
    if caller.role not in _PROVINCE_READERS:
        own = (await resolve_caller(caller, component(ctx, RosterLookup), as_employee=True)).opd_id
        if opd_id is not None and opd_id != own:
            raise ApiError(
                403,
                "opd_mismatch",
                *MESSAGES.text("opd_mismatch", own=own),
            )
        opd_id = own
    fences = await geofences_in_force(ctx)
    items = [
        _view(envelope, fence)
        for envelope, fence in fences.values()
        if opd_id is None or fence.opd_id == opd_id
    ]
    return {"opd_id": opd_id, "items": items, "count": len(items)}
