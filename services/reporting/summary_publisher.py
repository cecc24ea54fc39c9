"""The TPP feed: ``POST /reporting/tpp/{month}/publish`` publishes employee months.

Provinces pay the performance allowance (TPP) from attendance and output data in their own
apps. For every employee-month whose figures changed since they were last published (a late
report, a review, an anomaly), the publisher sends a ``MonthlySummaryPublished`` on
``wfa.summaries.v1`` and then records its checksum in ``summaries_published``; figures that
did not change are not sent again.

Safe to run again, and to retry:

* the event id follows from (NIP, month, checksum): a summary published twice (a crash after
  the send, before the record; two publishes at once) is the same event, kept once by a
  consumer that keeps events by id;
* an ``Idempotency-Key`` returns the first answer to a retried call.

The month is read in slices of :data:`PUBLISH_SLICE` employees, by NIP; each slice is sent
with one ``publish_many`` (one round of acknowledgements) before it is recorded.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from schemas import new_event, new_ulid
from schemas.events import MonthlySummaryPublished
from services.reporting.domain.monthly_summary import (
    month_text,
    monthly_summary,
    summary_event_id,
)
from services.reporting.summary_params import parse_month
from services.reporting.summary_queries import months_after, published_checksums
from services.runtime.context import ServiceContext
from services.runtime.edge.deps import Context, IdempotencyKey, require_roles
from services.runtime.edge.errors import error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.routing import service_router

log = logging.getLogger(__name__)

router = service_router("/reporting", ["reporting"])

PUBLISH_SLICE = 5_000
"""Employee-months read, sent and recorded together."""

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN_BKD))]


class PublishOutcome(BaseModel):
    """What a publish of a month did."""

    month: str = Field(description="The month, YYYY-MM.")
    published: int = Field(description="Employee-months sent: new, or whose figures changed.")
    unchanged: int = Field(description="Employee-months whose figures were published already.")
    invalid: int = Field(
        description="Employee-months that do not fit the event contract (logged, not sent)."
    )
    correlation_id: str = Field(description="Shared by every event this publish sent.")


@dataclass
class _Tally:
    published: int = 0
    unchanged: int = 0
    invalid: int = 0
    correlation_id: str = field(default_factory=new_ulid)


_locks: dict[str, asyncio.Lock] = {}


async def publish_month(ctx: ServiceContext, month: date, actor: str) -> _Tally:
    """Publish every employee-month of ``month`` whose checksum differs from the last one
    recorded; one publish of a month at a time in this process."""
    lock = _locks.setdefault(month.isoformat(), asyncio.Lock())
    async with lock:
        tally = _Tally()
        after = ""
        while True:
            rows = await months_after(ctx.store, month, after, limit=PUBLISH_SLICE)
            if not rows:
                break
            after = rows[-1]["nip"]
            await _publish_slice(ctx, month, actor, rows, tally)
            if len(rows) < PUBLISH_SLICE:
                break
        return tally


async def _publish_slice(
    ctx: ServiceContext, month: date, actor: str, rows: list[dict[str, Any]], tally: _Tally
) -> None:
    summaries: list[MonthlySummaryPublished] = []
    for row in rows:
        try:
            summaries.append(monthly_summary(row))
        except ValidationError as exc:
            tally.invalid += 1
            log.warning("TPP summary of %s %s not published: %s", row.get("nip"), month, exc)
    sent = await published_checksums(ctx.store, month, [s.nip for s in summaries])
    changed = [s for s in summaries if sent.get(s.nip) != s.checksum]
    tally.unchanged += len(summaries) - len(changed)
    if not changed:
        return
    envelopes = [
        new_event(
            summary,
            actor=actor,
            subject=summary.nip,
            opd_id=summary.opd_id,
            correlation_id=tally.correlation_id,
            event_id=summary_event_id(summary),
        )
        for summary in changed
    ]
    await ctx.publisher.publish_many(envelopes)
    now = datetime.now(UTC)
    await ctx.store.insert(
        "summaries_published",
        [
            {
                "nip": envelope.subject,
                "month": month,
                "checksum": summary.checksum,
                "event_id": envelope.event_id,
                "published_at": now,
            }
            for summary, envelope in zip(changed, envelopes, strict=True)
        ],
    )
    tally.published += len(changed)


@router.post(
    "/tpp/{month}/publish",
    summary="Publish the month for the TPP apps / Terbitkan data bulanan untuk TPP",
    response_model=PublishOutcome,
    responses={
        403: error_response("`forbidden_role`: only admin_bkd publishes / hanya admin_bkd."),
        409: error_response("`idempotency_key_reused` / kunci idempotensi dipakai ulang."),
        422: error_response("`invalid_month`: not YYYY-MM / bulan tidak valid."),
        503: error_response("`kafka_unavailable`: nothing recorded, retry / coba lagi."),
    },
)
async def publish_route(
    ctx: Context,
    user: Admin,
    month: Annotated[str, Path(max_length=16, description="The month, YYYY-MM.")],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Send a ``MonthlySummaryPublished`` on ``wfa.summaries.v1`` for every employee-month of
    ``month`` that is new or whose figures changed since it was last published; answer how
    many were sent and how many were unchanged."""
    first = parse_month(month)

    async def publish() -> dict[str, Any]:
        tally = await publish_month(ctx, first, user.nip)
        return PublishOutcome(
            month=month_text(first),
            published=tally.published,
            unchanged=tally.unchanged,
            invalid=tally.invalid,
            correlation_id=tally.correlation_id,
        ).model_dump()

    body = {"kind": "publish_tpp", "month": month_text(first)}
    response, replayed = await ctx.idempotency.run(user.nip, key, body, publish)
    return JSONResponse(response, headers=replay_headers(replayed))
