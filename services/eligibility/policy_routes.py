"""HTTP edge of OPD policies: publish a version, read the history, simulate a proposal."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas import new_event
from schemas.events import EligibilityDecision, EmployeeUpdated, OpdPolicyPublished
from schemas.limits import ContractDate, Counter, LongText
from services.eligibility import reference
from services.eligibility.domain.facts import EmployeeFacts, SanctionPeriod
from services.eligibility.domain.policy import OpdPolicy, PolicySettings
from services.eligibility.domain.request_log import as_utc
from services.eligibility.domain.simulation import RecordedRequest, Released, ReplayItem, simulate
from services.eligibility.domain.workflow import local_today
from services.eligibility.reference import REFERENCE, REQUEST_LOG
from services.runtime.deps import Context, CurrentUser, IdempotencyKey, require_roles
from services.runtime.errors import ApiError, error_response
from services.runtime.idempotency import replay_headers
from services.runtime.identity import Principal, Role
from services.runtime.routing import service_router

router = service_router("/policies", ["opd-policies"])

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN_BKD))]
Analyst = Annotated[
    Principal, Depends(require_roles(Role.ADMIN_BKD, Role.KEPALA_OPD, Role.AUDITOR))
]
OpdId = Annotated[str, Path(min_length=1, max_length=64, description="The OPD id.")]

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


@router.get("/{opd_id}", summary="Policy versions of an OPD / Riwayat kebijakan WFA OPD")
async def get_policies(opd_id: OpdId, user: CurrentUser, ctx: Context) -> dict[str, Any]:
    await ctx.replica(REFERENCE).wait_caught_up(5.0)
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
            "Kebijakan harus ditetapkan oleh pejabat dengan NIP, bukan akun sistem.",
            "A policy must be published by a named official with a NIP, not a system account.",
        )
    today = local_today(datetime.now(UTC), body.settings.timezone)
    if body.effective_from < today:
        raise ApiError(
            422,
            "retroactive_policy",
            f"Tanggal berlaku {body.effective_from.isoformat()} sudah lewat; kebijakan tidak "
            "berlaku surut.",
            f"Effective date {body.effective_from.isoformat()} has passed; policies are not "
            "retroactive.",
        )
    policy = OpdPolicy.from_settings(
        opd_id, body.version, body.effective_from, body.settings.model_dump(mode="json")
    )

    async def publish() -> dict[str, Any]:
        replica = ctx.replica(REFERENCE)
        await replica.wait_caught_up(5.0, max_staleness_s=0)
        latest = (await reference.policy_history(ctx.store, opd_id)).latest
        expected = 1 if latest is None else latest.version + 1
        if body.version != expected:
            raise ApiError(
                409,
                "policy_version_conflict",
                f"Versi berikutnya untuk OPD {opd_id} adalah {expected}, bukan {body.version}.",
                f"The next version for OPD {opd_id} is {expected}, not {body.version}.",
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


def _facts(state: dict[str, Any], sanctions: list[SanctionPeriod]) -> EmployeeFacts | None:
    try:
        return EmployeeFacts.from_roster(EmployeeUpdated.model_validate(state), sanctions)
    except ValidationError:
        return None


async def _replay_items(ctx: Context, opd_id: str, body: SimulationCreate) -> list[ReplayItem]:
    rows = await ctx.store.query(
        "SELECT request_id, type, status, body, recorded_at, offset, partition "
        "FROM {db}.request_log WHERE request_id IN ("
        "  SELECT request_id FROM {db}.request_log WHERE opd_id = {opd:String} "
        "  AND type = 'WfaRequested' AND arrayMin(dates) BETWEEN {from:Date} AND {to:Date}) "
        "ORDER BY recorded_at, partition, offset",
        {"opd": opd_id, "from": body.period_from, "to": body.period_to},
    )
    items: list[ReplayItem] = []
    seen: set[str] = set()
    for row in rows:
        payload = json.loads(row["body"])
        if row["type"] == "WfaRequested":
            if row["request_id"] in seen:
                continue  # a redelivered decision
            seen.add(row["request_id"])
            decision = payload.get("decision")
            items.append(
                RecordedRequest(
                    request_id=row["request_id"],
                    nip=payload["nip"],
                    work_unit_id=payload["work_unit_id"],
                    dates=tuple(date.fromisoformat(d) for d in payload["dates"]),
                    recorded_on=local_today(as_utc(row["recorded_at"]), "WIB"),
                    original=None
                    if decision is None
                    else EligibilityDecision.model_validate(decision),
                )
            )
        elif row["status"] in ("rejected", "cancelled"):
            items.append(Released(request_id=row["request_id"]))
    return items


@router.post(
    "/{opd_id}/simulations",
    summary="What-if: replay a past period under a proposed policy / Simulasi kebijakan",
    responses={
        403: error_response(
            "Not an admin, auditor or head of OPD, or the head of another OPD (`other_opd`)."
        ),
    },
)
async def simulate_policy(
    opd_id: OpdId, body: SimulationCreate, user: Analyst, ctx: Context
) -> dict[str, Any]:
    if user.role == Role.KEPALA_OPD and user.opd_id != opd_id:
        raise ApiError(
            403,
            "other_opd",
            f"Kepala OPD hanya dapat mensimulasikan kebijakan OPD-nya sendiri ({user.opd_id}).",
            f"An OPD head may only simulate the policy of their own OPD ({user.opd_id}).",
        )
    await ctx.replica(REFERENCE).wait_caught_up(5.0)
    await ctx.replica(REQUEST_LOG).wait_caught_up(5.0)
    latest = (await reference.policy_history(ctx.store, opd_id)).latest
    proposed = OpdPolicy.from_settings(
        opd_id,
        1 if latest is None else latest.version + 1,
        body.period_from,
        body.settings.model_dump(mode="json"),
    )
    sanctions = await reference.sanctions_by_nip(ctx.store)
    employees = {
        state["nip"]: facts
        for state in await reference.all_employee_states(ctx.store, opd_id)
        if (facts := _facts(state, sanctions.get(state["nip"], []))) is not None
    }
    report = simulate(
        await _replay_items(ctx, opd_id, body),
        employees=employees,
        unit_sizes=await reference.unit_sizes(ctx.store, opd_id),
        proposed=proposed,
        max_examples=body.max_examples,
    )
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
