"""HTTP edge of the request workflow: submit, read, approve, reject, cancel.

The edge checks what it can answer at once (roster membership, the supervisor of record, the
request's status) and turns the call into a command for the decider, keyed by work unit. It
then waits briefly for the outcome event (see :func:`_dispatch`); if the decider is slow the
answer is 202 with a link to poll. A command's outcome is the event whose id is
the command id; a submission the decider refused answers 409 with the refusal's code, and its
poll link answers with the refusal (status ``refused``).

Reading, approving, rejecting or cancelling a request that is not the caller's to see answers
the same 404 as an unknown id, so the API does not tell who may probe which ids exist; a caller
who may see the request but not take the action (the requester approving it) gets 403.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Body, Depends, Path
from fastapi.responses import JSONResponse as _StarletteJson
from pydantic import BaseModel, ConfigDict, Field

from kernel.projection_rows import Position
from schemas import Envelope, KafkaRecord, decode_payload, new_event, new_ulid
from schemas.events import SharedPlace, WfaLocationDeclared, WfaRequested
from schemas.limits import LongText
from schemas.topics import REQUESTS
from services.eligibility import reference
from services.eligibility.domain.commands import ActOnRequest, SubmitRequest, encode
from services.eligibility.domain.request_log import (
    RequestView,
    fold,
    request_log_rows,
    requested_view,
)
from services.eligibility.domain.requests import WfaRequestCreate, request_id_for
from services.eligibility.domain.rules import explained
from services.eligibility.domain.workflow import Action, check_action, local_today
from services.eligibility.messages import MESSAGES
from services.eligibility.published_outcomes import PublishedOutcomes
from services.eligibility.reference import REFERENCE, REQUEST_LOG
from services.eligibility.reference_memory import ReferenceMemory
from services.runtime.context import ServiceContext, component
from services.runtime.edge.access_log import Access, Purpose, record_accesses
from services.runtime.edge.caller_scope import CALLER_403, CallerScope, resolve_caller
from services.runtime.edge.deps import Context, CurrentUser, IdempotencyKey, require_roles
from services.runtime.edge.errors import ApiError, error_response, refused
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router
from services.runtime.projection.replica import LocalReplica

router = service_router("/wfa/requests", ["wfa-requests"])

AsnUser = Annotated[Principal, Depends(require_roles(Role.ASN, Role.ATASAN, Role.KEPALA_OPD))]

#: how long a call waits for the decider's outcome before answering 202
OUTCOME_WAIT_S = 10.0

RequestId = Annotated[str, Path(min_length=1, max_length=80, description="The request id.")]


class ActionBody(BaseModel):
    """A note for an approval or a cancellation; a rejection requires one."""

    model_config = ConfigDict(extra="forbid")

    reason: LongText = Field(default="", description="Why; required to reject.")


class JSONResponse(_StarletteJson):
    """The same compact UTF-8 JSON as Starlette's, written by orjson (the answers here are
    already plain JSON values)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# helpers ------------------------------------------------------------------------------------


async def send_command(ctx: ServiceContext, command: SubmitRequest | ActOnRequest) -> None:
    key, value = encode(command)
    await ctx.publisher.send(
        KafkaRecord(topic=ctx.settings.commands_topic, key=key, value=value, headers=[])
    )


async def _employee_state(ctx: ServiceContext, nip: str) -> dict[str, Any] | None:
    memory = component(ctx, ReferenceMemory)
    state = memory.employee_state(nip)
    if state is None and await component(ctx, LocalReplica, name=REFERENCE).wait_caught_up(5.0):
        state = memory.employee_state(nip)
    return state


def _not_found(request_id: str) -> ApiError:
    return ApiError(
        404,
        "request_not_found",
        *MESSAGES.text("request_not_found", request_id=request_id),
    )


async def _view(ctx: ServiceContext, request_id: str) -> RequestView:
    view = await reference.request_view(ctx.store, request_id)
    # not found: maybe just submitted (answered once on Kafka), so wait for all published so far
    replica = component(ctx, LocalReplica, name=REQUEST_LOG)
    if view is None and await replica.wait_caught_up(5.0, max_staleness_s=0):
        view = await reference.request_view(ctx.store, request_id)
    if view is None:
        raise _not_found(request_id)
    return view


async def _supervisor_of(ctx: ServiceContext, nip: str) -> str | None:
    """The requester's supervisor of record on the roster (None: none recorded)."""
    state = await _employee_state(ctx, nip)
    supervisor = state.get("supervisor_nip") if state else None
    return str(supervisor) if supervisor else None


async def _caller(ctx: ServiceContext, user: Principal) -> CallerScope:
    """The caller resolved on the roster: a token the roster contradicts is refused (403)."""
    return await resolve_caller(user, component(ctx, RosterLookup))


def _sees_without_supervisor(caller: CallerScope, view: RequestView) -> bool:
    """The requester, the head the roster names of the request's OPD, BKD, auditors, ops, and
    (with an ``atasan`` token) those above the requester in the chain of command."""
    return caller.sees(view.nip, view.opd_id)


async def _may_read(ctx: ServiceContext, caller: CallerScope, view: RequestView) -> bool:
    """Those of :func:`_sees_without_supervisor`, and the requester's supervisor of record."""
    if _sees_without_supervisor(caller, view):
        return True
    return await _supervisor_of(ctx, view.nip) == caller.nip


Outcome = tuple[str, dict[str, Any], Envelope | None]
"""(type, payload, envelope) of the event the decider published for a command; the envelope
is there when the call awaited the event (not when a replay found it already projected)."""


async def _dispatch(
    ctx: ServiceContext,
    caller: str,
    idempotency_key: str | None,
    fingerprint_body: Any,
    build: Callable[[], SubmitRequest | ActOnRequest],
    *,
    readable: bool = True,
    before: Callable[[SubmitRequest | ActOnRequest], Awaitable[None]] | None = None,
) -> tuple[dict[str, str], bool, Outcome | None]:
    """Send the command ``build`` makes (once per Idempotency-Key) and wait for its outcome.

    Returns what was accepted, whether it was a replay, and the outcome (None: not within
    ``OUTCOME_WAIT_S``). A new command's waiter is registered before it is sent; a replay
    looks in the request log first, as its outcome may be long projected.

    ``readable``: the answer is read from the request log, so wait until the outcome is
    projected there. Otherwise the answer is made from the outcome event itself, and the
    decider of this process (when it owns the command's partition) wakes the waiter as soon
    as Kafka has acknowledged the outcome (:mod:`services.eligibility.published_outcomes`);
    the request log's projection wakes it in any case.

    ``before``: what must be published before the command is sent (a submission's precise
    place, on the restricted locations topic); a replay publishes nothing again.
    """
    replica = component(ctx, LocalReplica, name=REQUEST_LOG)
    outcomes = None if readable else component(ctx, PublishedOutcomes, None)
    waiting: list[tuple[str, asyncio.Future[Envelope]]] = []

    def expect(command_id: str) -> asyncio.Future[Envelope]:
        future = replica.expect(command_id)
        if outcomes is not None:
            outcomes.watch(command_id, future)
        waiting.append((command_id, future))
        return future

    async def send() -> dict[str, str]:
        command = build()
        if before is not None:
            await before(command)
        expect(command.command_id)
        await send_command(ctx, command)
        return {
            "request_id": command.request_id,
            "command_id": command.command_id,
            "correlation_id": command.correlation_id,
        }

    try:
        accepted, replayed = await ctx.idempotency.run(
            caller, idempotency_key, fingerprint_body, send
        )
        if not waiting:
            command_id = accepted["command_id"]
            expect(command_id)
            row = await reference.outcome_of(ctx.store, command_id)
            if row is not None:
                return accepted, replayed, (str(row["type"]), json.loads(row["body"]), None)
        # None (202, poll) after OUTCOME_WAIT_S, or once Kafka is known to be away: the
        # command is recorded and is decided when the broker is back
        envelope = await ctx.publisher.wait_while_reachable(waiting[0][1], OUTCOME_WAIT_S)
        if envelope is None:
            return accepted, replayed, None
        return accepted, replayed, (envelope.type, envelope.payload, envelope)
    finally:
        for command_id, future in waiting:
            replica.forget(command_id, future)
            if outcomes is not None:
                outcomes.forget(command_id, future)


def _requested_view(envelope: Envelope) -> RequestView | None:
    """The view of a request whose only event so far is ``envelope`` (its ``WfaRequested``).

    The submission's answer is made from the outcome event itself, which Kafka holds: the
    request log holds the same event once projected, and a read that does not find the request
    there waits until the log is (:func:`_view`), so a read that follows agrees.
    """
    payload = decode_payload(envelope)
    if isinstance(payload, WfaRequested):
        return requested_view(envelope, payload)
    rows = [row for _, row in request_log_rows(envelope, Position(REQUESTS, 0, 0))]
    return fold(rows)


def _refused(payload: dict[str, Any]) -> ApiError:
    return ApiError(409, payload["code"], payload["message_id"], payload["message_en"])


def _decided(view: RequestView) -> dict[str, Any]:
    answer = view.public()
    if view.decision is not None:
        answer.update(explained(view.decision))
    answer["links"] = {"self": f"/wfa/requests/{view.request_id}"}
    return answer


def _pending(request_id: str, what: str) -> JSONResponse:
    return JSONResponse(
        {
            "request_id": request_id,
            "status": what,
            "message_id": "Sedang diproses; periksa kembali tautan di bawah.",
            "message_en": "Being processed; check the link below again.",
            "links": {"self": f"/wfa/requests/{request_id}"},
        },
        status_code=202,
        headers={"Location": f"/wfa/requests/{request_id}"},
    )


# submit -------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=202,
    summary="Submit a WFA request / Ajukan permohonan WFA",
    responses={
        202: {"description": "Recorded; the body carries the decision when it is ready."},
        403: error_response(CALLER_403),
        409: error_response(
            "The decider refused the submission (e.g. `employee_not_on_roster`, "
            "`work_unit_changed`, `outcome_too_large`, `internal_error`); or the "
            "Idempotency-Key was used with another body."
        ),
        422: error_response("Invalid body, or the caller is not on the roster."),
    },
)
async def submit_request(
    body: WfaRequestCreate,
    user: AsnUser,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    # on the roster, the token agreeing with it (checked after the body, as it always was)
    entry = (await resolve_caller(user, component(ctx, RosterLookup), as_employee=True)).employee
    unit = entry.work_unit_id
    if body.work_unit_id is not None and body.work_unit_id != unit:
        raise ApiError(
            422,
            "work_unit_mismatch",
            *MESSAGES.text("work_unit_mismatch", work_unit_id=body.work_unit_id, unit=unit),
        )

    def build() -> SubmitRequest:
        return SubmitRequest(
            command_id=new_ulid(),
            correlation_id=new_ulid(),
            request_id=request_id_for(user.nip, idempotency_key, f"req-{new_ulid().lower()}"),
            work_unit_id=unit,
            nip=user.nip,
            opd_id=entry.opd_id,
            actor=user.nip,
            issued_at=datetime.now(UTC),
            dates=tuple(body.dates),
            place=SharedPlace.of(
                body.location, location_id=new_ulid(), share_address=body.share_address
            ),
            reason=body.reason,
            work_plan=tuple(body.work_plan),
        )

    async def declare(command: SubmitRequest | ActOnRequest) -> None:
        # the precise place goes only to the restricted locations topic (retention, purge);
        # the command and the request carry its id and coarse cell
        assert isinstance(command, SubmitRequest) and command.place.location_id is not None
        declared = WfaLocationDeclared(
            location_id=command.place.location_id,
            request_id=command.request_id,
            nip=command.nip,
            dates=list(command.dates),
            location=body.location,
        )
        await ctx.publisher.publish(
            new_event(
                declared,
                actor=user.nip,
                subject=user.nip,
                opd_id=entry.opd_id,
                correlation_id=command.correlation_id,
                causation_id=command.command_id,
                event_id=declared.location_id,
            )
        )

    accepted, replayed, outcome = await _dispatch(
        ctx,
        user.nip,
        idempotency_key,
        body.model_dump(mode="json"),
        build,
        readable=False,
        before=declare,
    )
    if outcome is None:
        return _pending(accepted["request_id"], "deciding")
    if outcome[0] != "WfaRequested":
        raise _refused(outcome[1])
    headers = {"Location": f"/wfa/requests/{accepted['request_id']}", **replay_headers(replayed)}
    view = _requested_view(outcome[2]) if outcome[2] else None
    if view is None:
        view = await _view(ctx, accepted["request_id"])
    answer = {**_decided(view), "correlation_id": accepted["correlation_id"]}
    return JSONResponse(answer, status_code=202, headers=headers)


# read ---------------------------------------------------------------------------------------


READ_ROUTE = "/wfa/requests/{request_id}"


@router.get(
    READ_ROUTE.removeprefix("/wfa/requests"),
    summary="A request, its decision and history / Status permohonan",
    responses={
        403: error_response(CALLER_403),
        404: error_response(
            "Unknown id, or a request the caller may not see (the same answer for both)."
        ),
        503: error_response(
            "`kafka_unavailable`: the read of another employee's request could not be "
            "recorded in the access log, so nothing is answered / akses tidak dapat dicatat, "
            "tidak ada data yang diberikan."
        ),
    },
)
async def get_request(
    request_id: RequestId,
    user: CurrentUser,
    ctx: Context,
    purpose: Purpose = "",
) -> dict[str, Any]:
    caller = await _caller(ctx, user)
    view = await _view(ctx, request_id)
    if not await _may_read(ctx, caller, view):
        raise _not_found(request_id)
    # the subject's OPD on the roster
    state = component(ctx, ReferenceMemory).employee_state(view.nip)
    access = Access(
        subject_nip=view.nip,
        opd_id=str(state["opd_id"]) if state else view.opd_id,
        data_kind="wfa_request",
        route=READ_ROUTE,
        records=1,
        purpose=purpose,
        period_from=min(view.dates, default=None),
        period_to=max(view.dates, default=None),
    )
    await record_accesses(ctx, user, [access])  # anyone but the requester; 503 when unrecorded
    return _decided(view)


# approve, reject, cancel ----------------------------------------------------------------------


async def _act(
    ctx: ServiceContext,
    user: Principal,
    request_id: str,
    action: Action,
    reason: str,
    idempotency_key: str | None,
) -> JSONResponse:
    caller = await _caller(ctx, user)
    view = await _view(ctx, request_id)
    # approve and reject need the supervisor of record anyway; cancel only for a stranger
    sees = _sees_without_supervisor(caller, view)
    supervisor = await _supervisor_of(ctx, view.nip) if action != "cancel" or not sees else None
    if not sees and supervisor != user.nip:
        raise _not_found(request_id)
    fingerprint_body = {"action": action, "request": request_id, "reason": reason}
    if ctx.idempotency.recorded(user.nip, idempotency_key, fingerprint_body) is not None:
        # a retry: its first call changed the state the checks below look at; answer it again
        _, replayed, outcome = await _dispatch(
            ctx, user.nip, idempotency_key, fingerprint_body, _never_built
        )
        return await _answer(ctx, request_id, outcome, replayed)
    if view.refusal is not None:
        raise ApiError(
            409,
            "request_refused",
            *MESSAGES.text(
                "request_refused",
                request_id=request_id,
                refusal_code=view.refusal["code"],
                action=_NOTHING_TO[action],
            ),
        )
    history = component(ctx, ReferenceMemory).policy_history(view.opd_id)
    policy = history.in_force_on(min(view.dates))
    refusal = check_action(
        action,
        request_id=request_id,
        status=view.status,
        requester_nip=view.nip,
        first_day=min(view.dates),
        actor_nip=user.nip,
        supervisor_nip=supervisor,
        today=local_today(datetime.now(UTC), policy.timezone if policy else "WIB"),
    )
    if refusal is not None:
        raise refused(refusal)

    def build() -> ActOnRequest:
        return ActOnRequest(
            kind=action,
            command_id=new_ulid(),
            correlation_id=view.correlation_id or new_ulid(),
            request_id=request_id,
            work_unit_id=view.work_unit_id,
            nip=view.nip,
            opd_id=view.opd_id,
            actor=user.nip,
            issued_at=datetime.now(UTC),
            reason=reason,
        )

    _, replayed, outcome = await _dispatch(ctx, user.nip, idempotency_key, fingerprint_body, build)
    return await _answer(ctx, request_id, outcome, replayed)


async def _answer(
    ctx: ServiceContext, request_id: str, outcome: Outcome | None, replayed: bool
) -> JSONResponse:
    if outcome is None:
        return _pending(request_id, "processing")
    if outcome[0] == "WfaActionRefused":
        raise _refused(outcome[1])
    return JSONResponse(_decided(await _view(ctx, request_id)), headers=replay_headers(replayed))


def _never_built() -> ActOnRequest:
    raise AssertionError("a recorded Idempotency-Key is replayed, never run again")


_NOTHING_TO = {
    "approve": MESSAGES.text("nothing_to.approve"),
    "reject": MESSAGES.text("nothing_to.reject"),
    "cancel": MESSAGES.text("nothing_to.cancel"),
}
"""The action there is nothing to do, as a refusal says it."""

_ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Applied; the body is the request as it now stands."},
    202: {"description": "Sent; the decider has not answered yet. Poll the link."},
    404: error_response(
        "Unknown request id, or a request the caller may not see (the same answer for both)."
    ),
    409: error_response(
        "The request is not in a state that allows the action (e.g. `request_not_pending`, "
        "`request_expired`, `too_late_to_cancel`, `request_refused`), or the decider refused "
        "it; or the Idempotency-Key was used with another body."
    ),
}

_SUPERVISOR_ROLES = require_roles(Role.ATASAN, Role.KEPALA_OPD, Role.ADMIN_BKD, Role.ASN)


@router.post(
    "/{request_id}/approve",
    summary="Approve as the supervisor of record / Setujui sebagai atasan langsung",
    responses={
        **_ACTION_RESPONSES,
        403: error_response(
            "The caller may see the request but is not its supervisor of record "
            "(`not_supervisor_of_record`). The caller: " + CALLER_403
        ),
    },
)
async def approve_request(
    request_id: RequestId,
    user: Annotated[Principal, Depends(_SUPERVISOR_ROLES)],
    ctx: Context,
    body: Annotated[ActionBody, Body()] = ActionBody(),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await _act(ctx, user, request_id, "approve", body.reason, idempotency_key)


@router.post(
    "/{request_id}/reject",
    summary="Reject as the supervisor of record / Tolak sebagai atasan langsung",
    responses={
        **_ACTION_RESPONSES,
        403: error_response(
            "The caller may see the request but is not its supervisor of record "
            "(`not_supervisor_of_record`). The caller: " + CALLER_403
        ),
    },
)
async def reject_request(
    request_id: RequestId,
    user: Annotated[Principal, Depends(_SUPERVISOR_ROLES)],
    ctx: Context,
    body: ActionBody,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if len(body.reason.strip()) < 3:
        raise ApiError(
            422,
            "reason_required",
            *MESSAGES.text("reason_required"),
        )
    return await _act(ctx, user, request_id, "reject", body.reason, idempotency_key)


@router.post(
    "/{request_id}/cancel",
    summary="Cancel your request before its first day / Batalkan permohonan",
    responses={
        **_ACTION_RESPONSES,
        403: error_response(
            "The caller may see the request but is not its requester (`not_requester`). The "
            "caller: " + CALLER_403
        ),
    },
)
async def cancel_request(
    request_id: RequestId,
    user: AsnUser,
    ctx: Context,
    body: Annotated[ActionBody, Body()] = ActionBody(),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await _act(ctx, user, request_id, "cancel", body.reason, idempotency_key)
