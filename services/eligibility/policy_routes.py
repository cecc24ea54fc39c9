"""HTTP edge of OPD policies: publish a version, read the history, simulate a proposal."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.policy import OpdPolicy, PolicySettings
from schemas import new_event
from schemas.events import OpdPolicyPublished
from schemas.limits import ContractDate, Counter, Identifier, LongText
from services.eligibility import reference
from services.eligibility.domain.workflow import local_today
from services.eligibility.messages import MESSAGES
from services.eligibility.reference import REFERENCE, REQUEST_LOG
from services.eligibility.what_if import requests_for_days_in, run_simulation
from services.runtime.context import component
from services.runtime.edge.caller_scope import CALLER_403, Reach, resolve_caller
from services.runtime.edge.deps import Context, CurrentUser, IdempotencyKey, require_roles
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.idempotency import replay_headers
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router
from services.runtime.projection.replica import LocalReplica

router = service_router("/policies", ["opd-policies"])

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN_BKD))]
Analyst = Annotated[
    Principal, Depends(require_roles(Role.ADMIN_BKD, Role.KEPALA_OPD, Role.AUDITOR))
]
OpdId = Annotated[Identifier, Path(description="The OPD id: one line, 1-128 characters.")]

MAX_SIMULATION_DAYS = 366


class PolicyVersionCreate(BaseModel):
    """A new version of an OPD's policy."""

    model_config = ConfigDict(extra="forbid")

    version: Counter = Field(description="Must be one more than the latest version.")
    effective_from: ContractDate = Field(
        description="First day this version decides; not in the past."
    )
    note: LongText = Field(default="", description="Why this version is set.")
    settings: PolicySettings = Field(description="What the version says.")


class SimulationCreate(BaseModel):
    """A proposed policy and the past period to replay under it."""

    model_config = ConfigDict(extra="forbid")

    period_from: date = Field(description="First requested day of the period to replay.")
    period_to: date = Field(description="Last requested day of the period to replay.")
    settings: PolicySettings = Field(description="The proposed policy.")
    max_examples: int = Field(default=10, ge=0, le=100, description="Changed decisions to list.")

    @model_validator(mode="after")
    def _period(self) -> SimulationCreate:
        if self.period_to < self.period_from:
            raise ValueError("period_to must not be before period_from")
        if (self.period_to - self.period_from).days >= MAX_SIMULATION_DAYS:
            raise ValueError(f"the period is limited to {MAX_SIMULATION_DAYS} days")
        return self


def _version_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": int(row["version"]),
        "effective_from": str(row["effective_from"])[:10],
        "settings": json.loads(row["settings"]),
        "note": row["note"],
        "published_by": row["actor"],
        "published_at": str(row["recorded_at"]),
        "event_id": row["event_id"],
    }


@router.get(
    "/{opd_id}",
    summary="Policy versions of an OPD / Riwayat kebijakan WFA OPD",
    responses={403: error_response(CALLER_403)},
)
async def get_policies(opd_id: OpdId, user: CurrentUser, ctx: Context) -> dict[str, Any]:
    # any caller; a token the roster contradicts: 403
    await resolve_caller(user, component(ctx, RosterLookup))
    await component(ctx, LocalReplica, name=REFERENCE).wait_caught_up(5.0)
    versions = [_version_row(row) for row in await reference.policy_versions(ctx.store, opd_id)]
    history = await reference.policy_history(ctx.store, opd_id)
    today = local_today(datetime.now(UTC), "WIB")
    in_force = history.in_force_on(today)
    return {
        "opd_id": opd_id,
        "in_force_today": in_force.version if in_force else None,
        "versions": versions,
    }


@router.post(
    "/{opd_id}/versions",
    status_code=201,
    summary="Publish a new policy version / Tetapkan versi kebijakan baru",
    responses={
        403: error_response(
            "Not a BKD/BKPSDM admin, or a system account (`named_official_required`)."
        ),
        409: error_response(
            "The version number is not the next one (`policy_version_conflict`), or the "
            "Idempotency-Key was used with another body."
        ),
        422: error_response("Invalid settings, or an effective date in the past."),
    },
)
async def publish_policy(
    opd_id: OpdId,
    body: PolicyVersionCreate,
    user: Admin,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if user.nip.startswith("system:"):
        raise ApiError(
            403,
            "named_official_required",
            *MESSAGES.text("named_official_required"),
        )
    today = local_today(datetime.now(UTC), body.settings.timezone)
    if body.effective_from < today:
        raise ApiError(
            422,
            "retroactive_policy",
            *MESSAGES.text("retroactive_policy", effective_from=body.effective_from.isoformat()),
        )
    policy = OpdPolicy.from_settings(
        opd_id, body.version, body.effective_from, body.settings.model_dump(mode="json")
    )

    async def publish() -> dict[str, Any]:
        replica = component(ctx, LocalReplica, name=REFERENCE)
        await replica.wait_caught_up(5.0, max_staleness_s=0)
        latest = (await reference.policy_history(ctx.store, opd_id)).latest
        expected = 1 if latest is None else latest.version + 1
        if body.version != expected:
            raise ApiError(
                409,
                "policy_version_conflict",
                *MESSAGES.text(
                    "policy_version_conflict",
                    opd_id=opd_id,
                    expected=expected,
                    version=body.version,
                ),
            )
        envelope = new_event(
            OpdPolicyPublished(
                opd_id=opd_id,
                version=policy.version,
                effective_from=policy.effective_from,
                settings=policy.settings(),
                note=body.note,
            ),
            actor=user.nip,
            subject=user.nip,
            opd_id=opd_id,
        )
        await ctx.publisher.publish(envelope)
        await replica.wait_caught_up(10.0, max_staleness_s=0)
        return {
            "opd_id": opd_id,
            "version": policy.version,
            "effective_from": policy.effective_from.isoformat(),
            "event_id": envelope.event_id,
            "settings": policy.settings(),
        }

    answer, replayed = await ctx.idempotency.run(
        user.nip, idempotency_key, body.model_dump(mode="json"), publish
    )
    return JSONResponse(answer, status_code=201, headers=replay_headers(replayed))


@router.post(
    "/{opd_id}/simulations",
    summary="What-if: replay a past period under a proposed policy / Simulasi kebijakan",
    responses={
        403: error_response(
            "Not an admin, auditor or head of OPD, or the head of another OPD (`other_opd`). "
            "The caller: " + CALLER_403
        ),
    },
)
async def simulate_policy(
    opd_id: OpdId, body: SimulationCreate, user: Analyst, ctx: Context
) -> dict[str, Any]:
    # a token the roster contradicts: 403
    caller = await resolve_caller(user, component(ctx, RosterLookup))
    if caller.reach is not Reach.PROVINCE and not caller.sees_opd(opd_id):
        own = caller.headed_opd
        raise ApiError(
            403,
            "other_opd",
            *MESSAGES.text("other_opd", own=own),
        )
    await component(ctx, LocalReplica, name=REFERENCE).wait_caught_up(5.0)
    # every request answered so far (a submission is answered once its outcome is on Kafka)
    await component(ctx, LocalReplica, name=REQUEST_LOG).wait_caught_up(5.0, max_staleness_s=0)
    latest = (await reference.policy_history(ctx.store, opd_id)).latest
    proposed = OpdPolicy.from_settings(
        opd_id,
        1 if latest is None else latest.version + 1,
        body.period_from,
        body.settings.model_dump(mode="json"),
    )
    items = await requests_for_days_in(ctx, opd_id, body.period_from, body.period_to)
    report = await run_simulation(ctx, opd_id, items, proposed, body.max_examples)
    answer = asdict(report)
    answer["period_from"] = body.period_from.isoformat()
    answer["period_to"] = body.period_to.isoformat()
    answer["examples"] = [
        {**example, "dates": [d.isoformat() for d in example["dates"]]}
        for example in answer["examples"]
    ]
    answer["note_id"] = (
        "Simulasi memakai data pegawai saat ini dan hari keputusan asli sebagai 'hari ini'."
    )
    answer["note_en"] = (
        "The simulation uses the current roster and each request's original decision day as "
        "'today'."
    )
    return answer
