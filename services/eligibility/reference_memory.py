"""The roster, the OPD policies and the readiness assessments held in memory, kept current by
the reference replica.

Every command the decider takes and every submission the edge checks needs the requester's
roster state, their sanctions, their OPD's policy versions and their unit's head count. Reading
them from the store per call makes the store the bottleneck under load, so the reference
replica hands every projected batch to a :class:`ReferenceMemory` as well
(:meth:`services.runtime.projection.replica.LocalReplica.follow`): it loads what the store
holds when the replica starts, then applies each batch right after the batch is written,
before the replica reports the batch as projected. A reader that waits for the replica
(:meth:`~services.runtime.projection.replica.LocalReplica.wait_caught_up`) therefore sees in
memory what it would have read from the store.

Applying a batch is idempotent: the state of a NIP, a sanction row or a policy version is
replaced by the later event, so a batch replayed after a crash leaves the same state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from kernel.policy import OpdPolicy, PolicyHistory
from schemas import Envelope, MalformedEvent, decode_payload
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
    OpdPolicyPublished,
    OpdReadinessAssessed,
)
from services.eligibility.domain.facts import EmployeeFacts
from services.eligibility.domain.readiness import (
    Assessment,
    AssessmentKey,
    latest_assessments,
    newer,
)
from services.eligibility.reference import sanction_periods
from services.runtime.edge.roster_directory import (
    RosterEntry,
    RosterIndex,
    RosterLookup,
    RosterUnavailable,
)
from services.runtime.projection.replica import LocalReplica
from services.runtime.store import Store

Unit = tuple[str, str]
"""(OPD id, work unit id): unit ids are unique within their OPD only."""


class ReferenceMemory:
    """Roster states, sanctions, policy versions and unit head counts, by key."""

    def __init__(self) -> None:
        self.employees: dict[str, dict[str, Any]] = {}
        """NIP -> the latest roster state (the payload of its last roster event, as JSON)."""
        self.roster = RosterIndex()
        """The same states as roster entries, with the chain of command and the heads."""
        self._units: dict[str, Unit] = {}
        self._unit_sizes: dict[Unit, int] = {}
        self._sanctions: dict[str, dict[tuple[str, bool], dict[str, Any]]] = {}
        """NIP -> (sanction id, lifted) -> row, as the ``sanctions`` table keeps them."""
        self._policies: dict[str, dict[int, OpdPolicy]] = {}
        self._histories: dict[str, PolicyHistory] = {}
        self._assessments: dict[str, dict[AssessmentKey, Assessment]] = {}
        """OPD id -> (OPD, unit or None) -> the assessment that counts."""

    # reading ----------------------------------------------------------------------------------

    def employee_state(self, nip: str) -> dict[str, Any] | None:
        return self.employees.get(nip)

    def employee_facts(self, nip: str) -> EmployeeFacts | None:
        state = self.employees.get(nip)
        if state is None:
            return None
        employee = EmployeeUpdated.model_validate(state)
        rows = list((self._sanctions.get(nip) or {}).values())
        return EmployeeFacts.from_roster(employee, sanction_periods(rows))

    def unit_size(self, opd_id: str, work_unit_id: str) -> int:
        """Head count of a work unit (at least 1, as a share of it is computed)."""
        return max(1, self._unit_sizes.get((opd_id, work_unit_id), 0))

    def policy_history(self, opd_id: str) -> PolicyHistory:
        history = self._histories.get(opd_id)
        if history is None:
            versions = self._policies.get(opd_id) or {}
            history = PolicyHistory(
                opd_id=opd_id, policies=tuple(versions[v] for v in sorted(versions))
            )
            self._histories[opd_id] = history
        return history

    def opd_positions(self, opd_id: str) -> list[tuple[str, str]]:
        """``(work_unit_id, position_category)`` of every employee of the OPD."""
        return [
            (str(state["work_unit_id"]), str(state["position_category"]))
            for state in self.employees.values()
            if state["opd_id"] == opd_id
        ]

    def assessments(self, opd_id: str) -> list[Assessment]:
        """The assessment that counts for the OPD and for each assessed unit of it."""
        return latest_assessments((self._assessments.get(opd_id) or {}).values())

    # writing ----------------------------------------------------------------------------------

    async def load(self, store: Store) -> None:
        """Everything the store holds (called before the replica consumes anything)."""
        employees = await store.query(
            "SELECT nip, argMax(state, offset) AS state FROM {db}.employees GROUP BY nip"
        )
        for row in employees:
            self._set_employee(json.loads(row["state"]))
        sanctions = await store.query(
            "SELECT sanction_id, nip, starts_on, ends_on, lifted_on FROM {db}.sanctions"
        )
        for row in sanctions:
            self._set_sanction(row)
        policies = await store.query(
            "SELECT opd_id, version, argMax(effective_from, offset) AS effective_from, "
            "argMax(settings, offset) AS settings FROM {db}.policies GROUP BY opd_id, version"
        )
        assessments = await store.query(
            "SELECT assessment_id, opd_id, work_unit_id, infrastructure_score, "
            "connectivity_score, note, assessed_on, actor, recorded_at, event_id "
            "FROM {db}.readiness_assessments"
        )
        for row in assessments:
            self._set_assessment(_assessment_from_row(row))
        for row in policies:
            effective_from = row["effective_from"]
            if not isinstance(effective_from, date):
                effective_from = date.fromisoformat(str(effective_from)[:10])
            self._set_policy(
                OpdPolicy.from_settings(
                    row["opd_id"], int(row["version"]), effective_from, json.loads(row["settings"])
                )
            )

    def apply(self, envelopes: Sequence[Envelope]) -> None:
        """The events of one projected batch, in log order."""
        for envelope in envelopes:
            try:
                payload = decode_payload(envelope)
            except MalformedEvent:
                continue  # the projector dead-lettered it; nothing was written
            if isinstance(payload, (EmployeeRegistered, EmployeeUpdated)):
                self._set_employee(payload.model_dump(mode="json"))
            elif isinstance(payload, DisciplinarySanctionImposed):
                self._set_sanction(
                    {
                        "sanction_id": payload.sanction_id,
                        "nip": payload.nip,
                        "starts_on": payload.starts_on,
                        "ends_on": payload.ends_on,
                        "lifted_on": None,
                    }
                )
            elif isinstance(payload, DisciplinarySanctionLifted):
                self._set_sanction(
                    {
                        "sanction_id": payload.sanction_id,
                        "nip": payload.nip,
                        "starts_on": payload.lifted_on,
                        "ends_on": payload.lifted_on,
                        "lifted_on": payload.lifted_on,
                    }
                )
            elif isinstance(payload, OpdReadinessAssessed):
                self._set_assessment(
                    Assessment(
                        assessment_id=payload.assessment_id,
                        opd_id=payload.opd_id,
                        work_unit_id=payload.work_unit_id,
                        infrastructure_score=payload.infrastructure_score,
                        connectivity_score=payload.connectivity_score,
                        note=payload.note,
                        assessed_on=payload.assessed_on,
                        assessed_by=envelope.actor,
                        # as the store keeps it, so a restart orders them the same way
                        recorded_at=_to_millisecond(envelope.recorded_at),
                        event_id=envelope.event_id,
                    )
                )
            elif isinstance(payload, OpdPolicyPublished):
                try:
                    policy = OpdPolicy.from_settings(
                        payload.opd_id, payload.version, payload.effective_from, payload.settings
                    )
                except (ValidationError, ValueError):
                    continue  # dead-lettered by the projector as well
                self._set_policy(policy)

    def _set_employee(self, state: dict[str, Any]) -> None:
        nip = str(state["nip"])
        unit = (str(state["opd_id"]), str(state["work_unit_id"]))
        before = self._units.get(nip)
        if before != unit:
            if before is not None:
                self._unit_sizes[before] -= 1
            self._unit_sizes[unit] = self._unit_sizes.get(unit, 0) + 1
            self._units[nip] = unit
        self.employees[nip] = state
        self.roster.put(RosterEntry.from_state(state))

    def _set_sanction(self, row: dict[str, Any]) -> None:
        key = (str(row["sanction_id"]), row["lifted_on"] is not None)
        self._sanctions.setdefault(str(row["nip"]), {})[key] = row

    def _set_assessment(self, assessment: Assessment) -> None:
        latest = self._assessments.setdefault(assessment.opd_id, {})
        if newer(assessment, latest.get(assessment.key)):
            latest[assessment.key] = assessment

    def _set_policy(self, policy: OpdPolicy) -> None:
        self._policies.setdefault(policy.opd_id, {})[policy.version] = policy
        self._histories.pop(policy.opd_id, None)


def _to_millisecond(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _assessment_from_row(row: dict[str, Any]) -> Assessment:
    recorded_at = row["recorded_at"]
    if not isinstance(recorded_at, datetime):
        recorded_at = datetime.fromisoformat(str(recorded_at))
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=UTC)
    assessed_on = row["assessed_on"]
    if not isinstance(assessed_on, date):
        assessed_on = date.fromisoformat(str(assessed_on)[:10])
    return Assessment(
        assessment_id=str(row["assessment_id"]),
        opd_id=str(row["opd_id"]),
        work_unit_id=str(row["work_unit_id"]) or None,
        infrastructure_score=int(row["infrastructure_score"]),
        connectivity_score=int(row["connectivity_score"]),
        note=str(row["note"]),
        assessed_on=assessed_on,
        assessed_by=str(row["actor"]),
        recorded_at=recorded_at,
        event_id=str(row["event_id"]),
    )


class ReferenceRoster(RosterLookup):
    """The roster of the reference replica as callers are resolved with it
    (:class:`services.runtime.edge.caller_scope.RosterLookup`): a component with nothing to run,
    registered so that ``component(ctx, RosterLookup)`` finds it."""

    name = "reference-roster"

    def __init__(self, memory: ReferenceMemory, replica: LocalReplica) -> None:
        self._memory = memory
        self._replica = replica

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def ready(self) -> bool:
        return True  # the replica it reads reports its own readiness

    def lookup(self, nip: str) -> RosterEntry | None:
        return self._memory.roster.lookup(nip)

    async def refreshed(self, nip: str, timeout_s: float) -> RosterEntry | None:
        if not await self._replica.wait_caught_up(timeout_s):
            raise RosterUnavailable(f"roster not confirmed up to date within {timeout_s}s")
        return self._memory.roster.lookup(nip)

    def subordinates(self, supervisor_nip: str, *, transitive: bool = False) -> frozenset[str]:
        return self._memory.roster.subordinates(supervisor_nip, transitive=transitive)

    def has_subordinates(self, supervisor_nip: str) -> bool:
        return self._memory.roster.has_subordinates(supervisor_nip)
