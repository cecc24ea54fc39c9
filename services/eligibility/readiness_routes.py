"""HTTP edge of the readiness study's inputs: infrastructure and connectivity assessments of an
OPD or a work unit, the positions the task mapping finds fit for WFA, and the what-if of
switching WFA on under the statutory cap.

The study itself (the verdict "layak, dalam bentuk ini" / "belum, karena ...") is composed
from this answer and reporting's history by the web layer.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from kernel.policy import MAX_WEEKLY_CAP_DAYS, OpdPolicy, default_policy
from kernel.positions import ADMINISTRATIVE_CATEGORIES
from schemas import new_event, new_ulid
from schemas.events import OpdReadinessAssessed
from schemas.limits import ContractDate, Identifier, LongText, Percent
from services.eligibility.domain.readiness_positions import count_positions
from services.eligibility.domain.workflow import local_today
from services.eligibility.messages import MESSAGES
from services.eligibility.reference import REFERENCE, REQUEST_LOG
from services.eligibility.reference_memory import ReferenceMemory
from services.eligibility.what_if import requests_recorded_in, run_simulation
from services.runtime.context import component
from services.runtime.edge.caller_scope import CALLER_403, Reach, resolve_caller
from services.runtime.edge.deps import Context, IdempotencyKey, require_roles
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router
from services.runtime.projection.replica import LocalReplica

router = service_router("/policies", ["readiness"])

Assessor = Annotated[Principal, Depends(require_roles(Role.ADMIN_BKD, Role.KEPALA_OPD))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.ADMIN_BKD, Role.AUDITOR, Role.OPS, Role.KEPALA_OPD)),
]
OpdId = Annotated[Identifier, Path(description="The OPD id: one line, 1-128 characters.")]

WHAT_IF_DAYS = 90
"""The what-if replays the requests recorded over this many days, today included."""
WHAT_IF_EXAMPLES = 5

StrictPercent = Annotated[Percent, Field(strict=True)]


class ReadinessAssessmentCreate(BaseModel):
    """An assessment of the infrastructure and connectivity of an OPD or one work unit."""

    model_config = ConfigDict(extra="forbid")

    work_unit_id: Identifier | None = Field(
        default=None, description="The work unit assessed; omitted or null for the whole OPD."
    )
    infrastructure_score: StrictPercent = Field(
        description="Share of staff (0-100%) with a work device and access to e-office or VPN."
    )
    connectivity_score: StrictPercent = Field(
        description="Share of staff (0-100%) with a connection good enough for video calls."
    )
    note: LongText = Field(default="", description="How it was assessed, or what is missing.")
    assessed_on: ContractDate | None = Field(
        default=None, description="Day of the assessment; today when omitted; not in the future."
    )


async def _own_opd(ctx: Context, user: Principal, opd_id: str) -> None:
    """BKD, auditors and ops: any OPD; a head: the OPD the roster names them head of (403
    ``other_opd`` for another; a token the roster contradicts is refused first)."""
    caller = await resolve_caller(user, component(ctx, RosterLookup))
    if caller.reach is not Reach.PROVINCE and not caller.sees_opd(opd_id):
        own = caller.headed_opd
        raise ApiError(
            403,
            "other_opd",
            *MESSAGES.text("other_opd.own_opd", own=own),
        )


def _known_opd(memory: ReferenceMemory, opd_id: str) -> list[tuple[str, str]]:
    """The OPD's ``(unit, category)`` positions; 404 if it has neither roster nor policy."""
    positions = memory.opd_positions(opd_id)
    if not positions and not memory.policy_history(opd_id).policies:
        raise ApiError(
            404,
            "unknown_opd",
            *MESSAGES.text("unknown_opd", opd_id=opd_id),
        )
    return positions


def _policy_in_force(memory: ReferenceMemory, opd_id: str) -> tuple[OpdPolicy | None, date]:
    """The version in force today (else the latest, not yet in force) and today locally."""
    history = memory.policy_history(opd_id)
    zone = history.latest.timezone if history.latest is not None else "WIB"
    today = local_today(datetime.now(UTC), zone)
    return history.in_force_on(today) or history.latest, today


@router.post(
    "/{opd_id}/readiness",
    status_code=201,
    summary="Record a readiness assessment / Catat penilaian kesiapan infrastruktur",
    responses={
        403: error_response(
            "Not a BKD/BKPSDM admin or head of OPD, the head of another OPD (`other_opd`), or "
            "a system account (`named_official_required`). The caller: " + CALLER_403
        ),
        404: error_response("The OPD has neither a roster nor a policy (`unknown_opd`)."),
        409: error_response("The Idempotency-Key was used with another body."),
        422: error_response(
            "Invalid body, a work unit not on the OPD's roster (`unknown_work_unit`), or an "
            "assessment dated in the future (`future_assessment`)."
        ),
    },
)
async def assess_readiness(
    opd_id: OpdId,
    body: ReadinessAssessmentCreate,
    user: Assessor,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    await _own_opd(ctx, user, opd_id)
    if user.nip.startswith("system:"):
        raise ApiError(
            403,
            "named_official_required",
            *MESSAGES.text("named_official_required.assess_readiness"),
        )
    replica = component(ctx, LocalReplica, name=REFERENCE)
    await replica.wait_caught_up(5.0)
    memory = component(ctx, ReferenceMemory)
    positions = _known_opd(memory, opd_id)
    unit = body.work_unit_id
    if unit is not None and unit not in {work_unit for work_unit, _ in positions}:
        raise ApiError(
            422,
            "unknown_work_unit",
            *MESSAGES.text("unknown_work_unit", unit=unit, opd_id=opd_id),
            details=[{"field": "work_unit_id", "value": unit}],
        )
    _, today = _policy_in_force(memory, opd_id)
    assessed_on = body.assessed_on or today
    if assessed_on > today:
        raise ApiError(
            422,
            "future_assessment",
            *MESSAGES.text("future_assessment", assessed_on=assessed_on.isoformat()),
            details=[{"field": "assessed_on", "value": assessed_on.isoformat()}],
        )

    async def publish() -> dict[str, Any]:
        assessment_id = new_ulid()
        envelope = new_event(
            OpdReadinessAssessed(
                assessment_id=assessment_id,
                opd_id=opd_id,
                work_unit_id=unit,
                infrastructure_score=body.infrastructure_score,
                connectivity_score=body.connectivity_score,
                note=body.note,
                assessed_on=assessed_on,
            ),
            actor=user.nip,
            subject=user.nip,
            opd_id=opd_id,
        )
        await ctx.publisher.publish(envelope)
        await replica.wait_caught_up(10.0, max_staleness_s=0)
        return {
            "assessment_id": assessment_id,
            "event_id": envelope.event_id,
            "opd_id": opd_id,
            "work_unit_id": unit,
            "assessed_on": assessed_on.isoformat(),
        }

    answer, replayed = await ctx.idempotency.run(
        user.nip, idempotency_key, body.model_dump(mode="json"), publish
    )
    return JSONResponse(answer, status_code=201, headers=replay_headers(replayed))


def _policy_json(policy: OpdPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {
        "version": policy.version,
        "effective_from": policy.effective_from.isoformat(),
        "wfa_enabled": policy.wfa_enabled,
        "weekly_cap_days": policy.weekly_cap_days,
        "max_away_share": policy.max_away_share,
        "eligible_categories": sorted(policy.eligible_categories),
    }


async def _what_if(
    ctx: Context, opd_id: str, policy: OpdPolicy | None, today: date
) -> dict[str, Any]:
    """The current policy (or the default) with WFA on and the statutory weekly cap, over the
    requests recorded in the last :data:`WHAT_IF_DAYS` days."""
    base = policy or default_policy(opd_id)
    latest = component(ctx, ReferenceMemory).policy_history(opd_id).latest
    period_from = today - timedelta(days=WHAT_IF_DAYS - 1)
    proposed = OpdPolicy.from_settings(
        opd_id,
        1 if latest is None else latest.version + 1,
        period_from,
        {**base.settings(), "wfa_enabled": True, "weekly_cap_days": MAX_WEEKLY_CAP_DAYS},
    )
    await component(ctx, LocalReplica, name=REQUEST_LOG).wait_caught_up(5.0)
    items = await requests_recorded_in(ctx, opd_id, period_from, today)
    report = await run_simulation(ctx, opd_id, items, proposed, WHAT_IF_EXAMPLES)
    answer = asdict(report)
    answer["examples"] = [
        {**example, "dates": [d.isoformat() for d in example["dates"]]}
        for example in answer["examples"]
    ]
    return {
        "period_from": period_from.isoformat(),
        "period_to": today.isoformat(),
        "basis": "recorded",
        "proposal": {
            "wfa_enabled": True,
            "weekly_cap_days": MAX_WEEKLY_CAP_DAYS,
            "max_away_share": proposed.max_away_share,
        },
        "requests": report.replayed,
        "eligible_now": report.eligible_before,
        "eligible_under": report.eligible_after,
        **answer,
        "note_id": (
            f"Permohonan WFA yang tercatat dalam {WHAT_IF_DAYS} hari terakhir diputar ulang di "
            f"bawah kebijakan OPD saat ini dengan WFA aktif dan paling banyak "
            f"{MAX_WEEKLY_CAP_DAYS} hari per minggu, dengan data pegawai saat ini."
        ),
        "note_en": (
            f"The WFA requests recorded over the last {WHAT_IF_DAYS} days replayed under the "
            f"OPD's current policy with WFA on and at most {MAX_WEEKLY_CAP_DAYS} days a week, "
            "with the current roster."
        ),
    }


@router.get(
    "/{opd_id}/readiness",
    summary="Readiness study inputs of an OPD / Bahan kajian kesiapan WFA OPD",
    responses={
        403: error_response(
            "Not a BKD/BKPSDM admin, auditor, ops or head of OPD, or the head of another OPD "
            "(`other_opd`). The caller: " + CALLER_403
        ),
        404: error_response("The OPD has neither a roster nor a policy (`unknown_opd`)."),
    },
)
async def get_readiness(opd_id: OpdId, user: Reader, ctx: Context) -> dict[str, Any]:
    await _own_opd(ctx, user, opd_id)
    await component(ctx, LocalReplica, name=REFERENCE).wait_caught_up(5.0)
    memory = component(ctx, ReferenceMemory)
    positions = _known_opd(memory, opd_id)
    policy, today = _policy_in_force(memory, opd_id)
    eligible = policy.eligible_categories if policy is not None else ADMINISTRATIVE_CATEGORIES
    return {
        "opd_id": opd_id,
        "generated_on": today.isoformat(),
        "policy": _policy_json(policy),
        "positions": count_positions(positions, eligible).as_json(),
        "assessments": [a.as_json() for a in memory.assessments(opd_id)],
        "what_if": await _what_if(ctx, opd_id, policy, today),
    }
