"""HTTP edge of the roster import (BKD/BKPSDM admins and integrating HR apps).

A province's roster (about 62k rows, some 12 MB of CSV) is parsed, checked, compared and turned
into events in a worker thread: the event loop it would otherwise hold is shared with every
other route and with the decider's faust agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from schemas import Envelope, new_event, new_ulid
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
)
from schemas.limits import ContractDate, Identifier, NonBlankLegalBasis, NonBlankLongText
from services.eligibility import reference
from services.eligibility.domain.roster import (
    RosterFormat,
    RosterParse,
    parse_roster,
    plan_changes,
)
from services.eligibility.messages import MESSAGES
from services.eligibility.reference import REFERENCE
from services.runtime.context import component
from services.runtime.edge.deps import Context, IdempotencyKey, require_roles
from services.runtime.edge.errors import ApiError, error_body, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.routing import service_router
from services.runtime.projection.replica import LocalReplica

router = service_router("/roster", ["roster"])

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN_BKD, Role.SYSTEM))]

#: how long an import waits for its events to reach eligibility's own roster projection
CATCH_UP_TIMEOUT_S = 30.0
#: the largest roster file accepted (a province of 62k ASN is about 12 MB of CSV)
MAX_IMPORT_BYTES = 64 * 1024 * 1024
#: events published per batch, each acknowledged within the publisher's bounded wait
PUBLISH_BATCH = 500
#: the longest sanction id (the lift route's path takes the same)
SANCTION_ID_MAX_CHARS = 80
#: rejected rows a refused import lists; the others are counted: listing every row of a
#: 20 MB file would answer tens of MB
MAX_LISTED_REJECTIONS = 100
#: what a listed row may echo of the file (a NIP is 18 digits; a reason a few sentences)
ECHO_NIP_MAX_CHARS = 40
ECHO_REASON_MAX_CHARS = 600
_import_lock = asyncio.Lock()


@router.post(
    "/imports",
    summary="Import a roster export (CSV or JSON Lines) / Impor data pegawai",
    max_body_size=MAX_IMPORT_BYTES,
    responses={
        413: error_response("The file exceeds 64 MiB."),
        422: error_response(
            "`roster_unreadable`, or `roster_rows_rejected`: nothing applied; `details` lists "
            f"the first {MAX_LISTED_REJECTIONS} rejected rows (line, NIP, reason) and the "
            "message counts them all / baris ditolak, tidak ada yang diterapkan."
        ),
    },
)
async def import_roster(
    request: Request,
    user: Admin,
    ctx: Context,
    format: Annotated[RosterFormat, Query(description="csv or jsonl")] = "csv",
) -> Response:
    content = await request.body()
    # an unreadable file is refused as a whole (422 roster_unreadable)
    parsed, report = await asyncio.to_thread(_parse, content, format)
    if parsed.rejected:
        return _json(orjson.dumps(rejection_body(parsed)), 422)
    replica = component(ctx, LocalReplica, name=REFERENCE)
    async with _import_lock:
        # compare with everything published so far, not with a lagging replica
        await replica.wait_caught_up(CATCH_UP_TIMEOUT_S, max_staleness_s=0)
        current = await reference.employee_states(ctx.store, [e.nip for e in parsed.employees])
        envelopes = await asyncio.to_thread(_change_events, parsed.employees, current, user.nip)
        for start in range(0, len(envelopes), PUBLISH_BATCH):
            await ctx.publisher.publish_many(envelopes[start : start + PUBLISH_BATCH])
        applied = (
            await replica.wait_caught_up(CATCH_UP_TIMEOUT_S, max_staleness_s=0)
            if envelopes
            else True
        )
    registered = sum(1 for e in envelopes if e.type == "EmployeeRegistered")
    answer = {
        "accepted": len(parsed.rows),
        "rejected": 0,
        "registered": registered,
        "updated": len(envelopes) - registered,
        "unchanged": len(parsed.employees) - len(envelopes),
        "projected": applied,
        "rows": report,
    }
    return _json(await asyncio.to_thread(orjson.dumps, answer), 200)


def rejection_body(parsed: RosterParse) -> dict[str, Any]:
    """The refusal of a file with rejected rows: every row counted, the first
    :data:`MAX_LISTED_REJECTIONS` rejected ones listed, each echoing little of the file."""
    rejected = parsed.rejected
    listed = [
        {
            "line": row.line,
            "nip": row.nip[:ECHO_NIP_MAX_CHARS],
            "accepted": False,
            "reason_id": row.reason_id[:ECHO_REASON_MAX_CHARS],
            "reason_en": row.reason_en[:ECHO_REASON_MAX_CHARS],
        }
        for row in rejected[:MAX_LISTED_REJECTIONS]
    ]
    more = len(rejected) - len(listed)
    counts = {"rejected": len(rejected), "rows": len(parsed.rows), "listed": len(listed)}
    if more:
        message = MESSAGES.text("roster_rows_rejected.some_listed", more=more, **counts)
    else:
        message = MESSAGES.text("roster_rows_rejected", **counts)
    message_id, message_en = message
    return error_body("roster_rows_rejected", message_id, message_en, listed)


def _json(body: bytes, status: int) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def _parse(content: bytes, fmt: RosterFormat) -> tuple[RosterParse, list[dict[str, Any]]]:
    """Every row checked, and the per-row report (pure; run in a worker thread)."""
    parsed = parse_roster(content, fmt, today=date.today())
    return parsed, [asdict(row) for row in parsed.rows]


def _change_events(
    employees: Sequence[EmployeeRegistered], current: dict[str, dict[str, Any]], actor: str
) -> list[Envelope]:
    """The events that bring the roster to ``employees`` (pure; run in a worker thread)."""
    return [
        new_event(change, actor=actor, subject=change.nip, opd_id=change.opd_id)
        for change in plan_changes(employees, current)
    ]


# sanctions ----------------------------------------------------------------------------------


class SanctionCreate(BaseModel):
    """A disciplinary sanction (PP 94/2021) imposed on an ASN."""

    model_config = ConfigDict(extra="forbid")

    sanction_id: Annotated[Identifier, Field(max_length=SANCTION_ID_MAX_CHARS)] | None = Field(
        default=None, description="Id from the HR app; generated if absent."
    )
    nip: str = Field(pattern=r"^[0-9]{18}$", description="NIP of the sanctioned ASN.")
    level: Literal["ringan", "sedang", "berat"] = Field(description="Level under PP 94/2021.")
    starts_on: ContractDate = Field(description="First day in force.")
    ends_on: ContractDate | None = Field(
        default=None, description="Last day in force; null: open-ended."
    )
    basis: NonBlankLegalBasis = Field(default="PP 94/2021", description="Decree or legal basis.")


class SanctionLift(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lifted_on: ContractDate = Field(description="Day from which the sanction no longer applies.")
    reason: Annotated[NonBlankLongText, Field(min_length=3)] = Field(
        description="Why it was lifted (at least 3 characters)."
    )


async def _publish_reference(ctx: Context, envelope: Any) -> bool:
    await ctx.publisher.publish(envelope)
    return await component(ctx, LocalReplica, name=REFERENCE).wait_caught_up(
        CATCH_UP_TIMEOUT_S, max_staleness_s=0
    )


@router.post(
    "/sanctions",
    status_code=201,
    summary="Record a disciplinary sanction / Catat hukuman disiplin",
    responses={
        409: error_response("The Idempotency-Key was used with another body."),
        422: error_response("Unknown NIP or inconsistent dates."),
    },
)
async def impose_sanction(
    body: SanctionCreate, user: Admin, ctx: Context, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    if body.ends_on is not None and body.ends_on < body.starts_on:
        raise ApiError(
            422,
            "sanction_dates",
            *MESSAGES.text("sanction_dates"),
        )
    state = (await reference.employee_states(ctx.store, [body.nip])).get(body.nip)
    if state is None:
        raise ApiError(
            422,
            "employee_not_on_roster",
            *MESSAGES.text("employee_not_on_roster", nip=body.nip),
        )

    async def publish() -> dict[str, Any]:
        sanction_id = body.sanction_id or f"san-{new_ulid().lower()}"
        envelope = new_event(
            DisciplinarySanctionImposed(
                sanction_id=sanction_id,
                nip=body.nip,
                level=body.level,
                starts_on=body.starts_on,
                ends_on=body.ends_on,
                basis=body.basis,
            ),
            actor=user.nip,
            subject=body.nip,
            opd_id=state["opd_id"],
        )
        projected = await _publish_reference(ctx, envelope)
        return {"sanction_id": sanction_id, "event_id": envelope.event_id, "projected": projected}

    answer, replayed = await ctx.idempotency.run(
        user.nip, idempotency_key, body.model_dump(mode="json"), publish
    )
    return JSONResponse(answer, status_code=201, headers=replay_headers(replayed))


@router.post(
    "/sanctions/{sanction_id}/lift",
    summary="Lift a disciplinary sanction / Cabut hukuman disiplin",
    responses={404: error_response("No sanction in force with that id (`sanction_not_found`).")},
)
async def lift_sanction(
    sanction_id: Annotated[str, Path(min_length=1, max_length=SANCTION_ID_MAX_CHARS)],
    body: SanctionLift,
    user: Admin,
    ctx: Context,
) -> dict[str, Any]:
    row = await reference.sanction_row(ctx.store, sanction_id)
    if row is None:
        raise ApiError(
            404,
            "sanction_not_found",
            *MESSAGES.text("sanction_not_found", sanction_id=sanction_id),
        )
    state = (await reference.employee_states(ctx.store, [row["nip"]])).get(row["nip"], {})
    envelope = new_event(
        DisciplinarySanctionLifted(
            sanction_id=sanction_id, nip=row["nip"], lifted_on=body.lifted_on, reason=body.reason
        ),
        actor=user.nip,
        subject=row["nip"],
        opd_id=state.get("opd_id", "unknown"),
    )
    projected = await _publish_reference(ctx, envelope)
    return {"sanction_id": sanction_id, "event_id": envelope.event_id, "projected": projected}
