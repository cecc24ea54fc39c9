"""Reads of eligibility's local replicas: roster, sanctions, policy versions, request log."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from kernel.policy import OpdPolicy, PolicyHistory
from schemas.events import EmployeeUpdated
from services.eligibility.domain.facts import EmployeeFacts, SanctionPeriod
from services.eligibility.domain.request_log import RequestView, fold
from services.runtime.store import Store

REFERENCE = "eligibility-reference"
"""Replica of the roster and policy topics."""
REQUEST_LOG = "eligibility-requests"
"""Replica of the requests topic."""


#: NIPs named in one query: a literal array of tens of thousands makes ClickHouse's analysis
#: of the query itself take minutes
NIPS_PER_QUERY = 1000


async def employee_states(store: Store, nips: list[str]) -> dict[str, dict[str, Any]]:
    """The latest roster state of each known NIP."""
    states: dict[str, dict[str, Any]] = {}
    for start in range(0, len(nips), NIPS_PER_QUERY):
        rows = await store.query(
            "SELECT nip, argMax(state, offset) AS state FROM {db}.employees "
            "WHERE nip IN {nips:Array(String)} GROUP BY nip",
            {"nips": nips[start : start + NIPS_PER_QUERY]},
        )
        states.update((row["nip"], json.loads(row["state"])) for row in rows)
    return states


async def all_employee_states(store: Store, opd_id: str | None = None) -> list[dict[str, Any]]:
    rows = await store.query(
        "SELECT nip, argMax(state, offset) AS state, argMax(opd_id, offset) AS opd "
        "FROM {db}.employees GROUP BY nip"
    )
    return [json.loads(row["state"]) for row in rows if opd_id is None or row["opd"] == opd_id]


def sanction_periods(rows: list[dict[str, Any]]) -> list[SanctionPeriod]:
    """Imposed and lifted rows of sanctions combined into the days each is in force."""
    imposed: dict[str, dict[str, Any]] = {}
    lifted: dict[str, date] = {}
    for row in rows:
        if row["lifted_on"] is not None:
            lifted[row["sanction_id"]] = _day(row["lifted_on"])
        else:
            imposed[row["sanction_id"]] = row
    periods = []
    for sanction_id, row in sorted(imposed.items()):
        starts = _day(row["starts_on"])
        ends = _day(row["ends_on"]) if row["ends_on"] is not None else None
        if sanction_id in lifted:
            last = lifted[sanction_id] - timedelta(days=1)
            ends = last if ends is None else min(ends, last)
        if ends is not None and ends < starts:
            continue  # lifted before it began
        periods.append(SanctionPeriod(starts, ends))
    return periods


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def sanctions_of(store: Store, nip: str) -> list[SanctionPeriod]:
    rows = await store.query(
        "SELECT sanction_id, starts_on, ends_on, lifted_on FROM {db}.sanctions "
        "WHERE nip = {nip:String}",
        {"nip": nip},
    )
    return sanction_periods(rows)


async def sanctions_by_nip(store: Store) -> dict[str, list[SanctionPeriod]]:
    rows = await store.query(
        "SELECT nip, sanction_id, starts_on, ends_on, lifted_on FROM {db}.sanctions"
    )
    by_nip: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_nip.setdefault(row["nip"], []).append(row)
    return {nip: sanction_periods(nip_rows) for nip, nip_rows in by_nip.items()}


async def sanction_row(store: Store, sanction_id: str) -> dict[str, Any] | None:
    rows = await store.query(
        "SELECT sanction_id, nip, starts_on, ends_on, lifted_on FROM {db}.sanctions "
        "WHERE sanction_id = {id:String} AND lifted_on IS NULL LIMIT 1",
        {"id": sanction_id},
    )
    return rows[0] if rows else None


async def employee_facts(store: Store, nip: str) -> EmployeeFacts | None:
    state = (await employee_states(store, [nip])).get(nip)
    if state is None:
        return None
    employee = EmployeeUpdated.model_validate(state)
    return EmployeeFacts.from_roster(employee, await sanctions_of(store, nip))


_UNITS = (
    "SELECT nip, argMax(opd_id, offset) AS opd, argMax(work_unit_id, offset) AS unit "
    "FROM {db}.employees GROUP BY nip"
)


async def unit_size(store: Store, opd_id: str, work_unit_id: str) -> int:
    """Head count of a work unit; unit ids are only unique within their OPD."""
    rows = await store.query(
        f"SELECT count() AS c FROM ({_UNITS}) "
        "WHERE opd = {opd:String} AND unit = {unit:String}",
        {"opd": opd_id, "unit": work_unit_id},
    )
    return max(1, int(rows[0]["c"]))


async def unit_sizes(store: Store, opd_id: str) -> dict[str, int]:
    rows = await store.query(
        f"SELECT unit, count() AS c FROM ({_UNITS}) WHERE opd = {{opd:String}} GROUP BY unit",
        {"opd": opd_id},
    )
    return {row["unit"]: int(row["c"]) for row in rows}


async def policy_history(store: Store, opd_id: str) -> PolicyHistory:
    rows = await store.query(
        "SELECT version, argMax(effective_from, offset) AS effective_from, "
        "argMax(settings, offset) AS settings FROM {db}.policies "
        "WHERE opd_id = {opd:String} GROUP BY version ORDER BY version",
        {"opd": opd_id},
    )
    policies = tuple(
        OpdPolicy.from_settings(
            opd_id, int(row["version"]), _day(row["effective_from"]), json.loads(row["settings"])
        )
        for row in rows
    )
    return PolicyHistory(opd_id=opd_id, policies=policies)


async def policy_versions(store: Store, opd_id: str) -> list[dict[str, Any]]:
    """Every version with who published it, when and why."""
    return await store.query(
        "SELECT version, argMax(effective_from, offset) AS effective_from, "
        "argMax(settings, offset) AS settings, argMax(note, offset) AS note, "
        "argMax(actor, offset) AS actor, argMax(recorded_at, offset) AS recorded_at, "
        "argMax(event_id, offset) AS event_id FROM {db}.policies "
        "WHERE opd_id = {opd:String} GROUP BY version ORDER BY version",
        {"opd": opd_id},
    )


_LOG_COLUMNS = (
    "request_id, nip, opd_id, work_unit_id, type, status, body, actor, event_id, "
    "correlation_id, causation_id, recorded_at, offset"
)


async def request_view(store: Store, request_id: str) -> RequestView | None:
    rows = await store.query(
        f"SELECT {_LOG_COLUMNS} FROM {{db}}.request_log WHERE request_id = {{id:String}}",
        {"id": request_id},
    )
    return fold(rows)


async def outcome_of(store: Store, command_id: str) -> dict[str, Any] | None:
    """The outcome of a command, if it is projected yet.

    The decider publishes a command's outcome with the command id as its event id.
    """
    rows = await store.query(
        f"SELECT {_LOG_COLUMNS} FROM {{db}}.request_log "
        "WHERE event_id = {id:String} ORDER BY offset LIMIT 1",
        {"id": command_id},
    )
    return rows[0] if rows else None
