"""HTTP edge of the roster import (BKD/BKPSDM admins and integrating HR apps).

A province's roster (about 62k rows, some 12 MB of CSV) is parsed, checked, compared and turned
into events in a worker thread: the event loop it would otherwise hold is shared with every
other route and with the decider's faust agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from schemas import KafkaRecord, new_event, new_ulid
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
)
from schemas.limits import ContractDate, Identifier, NonBlankLegalBasis, NonBlankLongText
from schemas.serialization import record_from_parts
from services.eligibility import reference
from services.eligibility.domain.roster import (
    RosterFormat,
    RosterParse,
    parse_roster,
    plan_changes,
)
from services.eligibility.messages import MESSAGES
from services.eligibility.reference import REFERENCE
from services.eligibility.reference_memory import ReferenceMemory
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
PUBLISH_BATCH = 1000
#: batches handed to the producer before the oldest one's acknowledgement is awaited (the
#: broker's round trips overlap instead of adding up)
PUBLISH_IN_FLIGHT = 4
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
    memory = component(ctx, ReferenceMemory)
    async with _import_lock:
        # compare with everything published so far, not with a lagging replica: once it has
        # caught up, its memory holds every NIP's latest state (a store query naming tens of
        # thousands of NIPs costs minutes)
        await replica.wait_caught_up(CATCH_UP_TIMEOUT_S, max_staleness_s=0)
        records = await asyncio.to_thread(
            _change_records, parsed.employees, memory.employees, user.nip
        )
        await _publish_all(ctx, [record for _, record in records])
        applied = (
            await replica.wait_caught_up(CATCH_UP_TIMEOUT_S, max_staleness_s=0) if records else True
        )
    registered = sum(1 for kind, _ in records if kind == "EmployeeRegistered")
    answer = {
        "accepted": len(parsed.rows),
        "rejected": 0,
        "registered": registered,
        "updated": len(records) - registered,
        "unchanged": len(parsed.employees) - len(records),
        "projected": applied,
        "rows": report,
    }
    return _json(await asyncio.to_thread(orjson.dumps, answer), 200)


async def _publish_all(ctx: Context, records: Sequence[KafkaRecord]) -> None:
    """Every record, in batches of :data:`PUBLISH_BATCH` with up to :data:`PUBLISH_IN_FLIGHT`
    awaiting their acknowledgement at once (handed to the producer in order); the first
    failure is raised once the batches in flight have ended."""
    batches = [records[i : i + PUBLISH_BATCH] for i in range(0, len(records), PUBLISH_BATCH)]
    in_flight: list[asyncio.Task[None]] = []
    try:
        for batch in batches:
            if len(in_flight) >= PUBLISH_IN_FLIGHT:
                await in_flight.pop(0)
            in_flight.append(asyncio.create_task(ctx.publisher.send_many(batch)))
            await asyncio.sleep(0)  # its records are handed over before the next batch's
        while in_flight:
            await in_flight.pop(0)
    finally:
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)


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
    report = [
        {
            "line": row.line,
            "nip": row.nip,
            "accepted": row.accepted,
            "reason_id": row.reason_id,
            "reason_en": row.reason_en,
        }
        for row in parsed.rows
    ]
    return parsed, report


def _change_records(
    employees: Sequence[EmployeeRegistered], current: Mapping[str, Mapping[str, Any]], actor: str
) -> list[tuple[str, KafkaRecord]]:
    """(event type, record) of each event that brings the roster to ``employees`` (pure; run
    in a worker thread).

    The payloads are models :func:`plan_changes` has just validated, so each record is written
    straight from its fields (:func:`~schemas.serialization.record_from_parts`) and reads
    exactly as one from ``new_event`` and ``to_record``
    (``tests/unit/test_roster_records.py``).
    """
    now = datetime.now(UTC)
    return [
        (
            change.event_type,
            record_from_parts(
                change.event_type,
                change.model_dump(mode="json"),
                event_id=new_ulid(),
                actor=actor,
                subject=change.nip,
                opd_id=change.opd_id,
                occurred_at=now,
                correlation_id=new_ulid(),
                recorded_at=now,
            ),
        )
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
