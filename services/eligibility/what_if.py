"""Reads behind the what-if simulation: the OPD's roster facts and the requests to replay.

Used by the simulations route (a proposed policy over chosen requested days) and by the
readiness study (the current policy with WFA on, over the requests of the last days). The
simulation itself is pure: :mod:`services.eligibility.domain.simulation`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import ValidationError

from kernel.policy import OpdPolicy
from schemas.events import EligibilityDecision, EmployeeUpdated
from services.eligibility import reference
from services.eligibility.domain.facts import EmployeeFacts, SanctionPeriod
from services.eligibility.domain.request_log import as_utc
from services.eligibility.domain.simulation import (
    RecordedRequest,
    Released,
    ReplayItem,
    SimulationReport,
    simulate,
)
from services.eligibility.domain.workflow import local_today
from services.runtime.context import ServiceContext

__all__ = ["replay_items", "requests_for_days_in", "requests_recorded_in", "run_simulation"]

_HISTORY = (
    "SELECT request_id, type, status, body, recorded_at, offset, partition "
    "FROM {{db}}.request_log WHERE request_id IN ("
    "  SELECT request_id FROM {{db}}.request_log WHERE opd_id = {{opd:String}} "
    "  AND type = 'WfaRequested' AND {where}) "
    "ORDER BY recorded_at, partition, offset"
)


def _facts(state: dict[str, Any], sanctions: list[SanctionPeriod]) -> EmployeeFacts | None:
    try:
        return EmployeeFacts.from_roster(EmployeeUpdated.model_validate(state), sanctions)
    except ValidationError:
        return None


def replay_items(rows: list[dict[str, Any]]) -> list[ReplayItem]:
    """Request-log rows, in log order, as the history the simulation replays."""
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


async def requests_for_days_in(
    ctx: ServiceContext, opd_id: str, period_from: date, period_to: date
) -> list[ReplayItem]:
    """The OPD's requests whose first requested day lies in the period, with their releases."""
    rows = await ctx.store.query(
        _HISTORY.format(where="arrayMin(dates) BETWEEN {from:Date} AND {to:Date}"),
        {"opd": opd_id, "from": period_from, "to": period_to},
    )
    return replay_items(rows)


async def requests_recorded_in(
    ctx: ServiceContext, opd_id: str, period_from: date, period_to: date
) -> list[ReplayItem]:
    """The OPD's requests recorded on a day of the period (WIB), with their releases."""
    rows = await ctx.store.query(
        _HISTORY.format(
            where="toDate(recorded_at, 'Asia/Jakarta') BETWEEN {from:Date} AND {to:Date}"
        ),
        {"opd": opd_id, "from": period_from, "to": period_to},
    )
    return replay_items(rows)


async def run_simulation(
    ctx: ServiceContext,
    opd_id: str,
    items: list[ReplayItem],
    proposed: OpdPolicy,
    max_examples: int,
) -> SimulationReport:
    """Replay ``items`` under ``proposed`` with the OPD's current roster and sanctions."""
    sanctions = await reference.sanctions_by_nip(ctx.store)
    employees = {
        state["nip"]: facts
        for state in await reference.all_employee_states(ctx.store, opd_id)
        if (facts := _facts(state, sanctions.get(state["nip"], []))) is not None
    }
    return simulate(
        items,
        employees=employees,
        unit_sizes=await reference.unit_sizes(ctx.store, opd_id),
        proposed=proposed,
        max_examples=max_examples,
    )
