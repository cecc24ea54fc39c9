"""The decider: a faust agent that owns the work units of its partitions.

Commands arrive keyed by work unit (:mod:`services.eligibility.domain.commands`). faust gives
each partition to exactly one instance of the ``wfa-eligibility`` group and the agent runs with
concurrency 1, so one unit's requests are decided strictly one after another. What is held
lives in three faust tables, co-partitioned with the commands (their changelogs are written to
the partition of the command being processed, which is the unit's):

* ``decider-requests``: request id -> requester, unit, days, status, commands already applied;
* ``decider-unit-days``: ``"<opd>/<unit>|<day>"`` -> ids of the requests holding that day;
* ``decider-asn-weeks``: ``"<nip>|<year>-W<week>"`` -> {request id: days held that week}.

A restart or rebalance restores the tables from their changelog topics before the agent takes
the next command. Delivery is at least once: a command seen again is recognised by its request
id (submit) or command id (actions) and not applied twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, TypeVar

from schemas import EventPayload, MalformedEvent, dead_letter_record, new_event
from schemas.events import (
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from services.eligibility import reference
from services.eligibility.domain.commands import (
    ActOnRequest,
    SubmitRequest,
    decode,
)
from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
from services.eligibility.domain.rules import evaluate_with_history
from services.eligibility.domain.work_calendar import week_key
from services.eligibility.domain.workflow import check_action, local_today
from services.runtime.context import ServiceContext
from services.runtime.projection import retry_until_done
from services.runtime.replica import LocalReplica

log = logging.getLogger(__name__)

ACTOR = "system:eligibility-decider"
CATCH_UP_S = 10.0
CACHE_ENTRIES = 100_000
T = TypeVar("T")


def _unit_key(opd_id: str, work_unit_id: str) -> str:
    """Work unit ids are unique within their OPD only."""
    return f"{opd_id}/{work_unit_id}"


def _week_id(day: date) -> str:
    year, week = week_key(day)
    return f"{year}-W{week:02d}"


class Decider:
    """Applies commands to the tables; one instance per service process."""

    def __init__(self, ctx: ServiceContext, reference_replica: LocalReplica) -> None:
        self.ctx = ctx
        self.reference = reference_replica
        partitions = ctx.settings.topic_partitions
        app = ctx.faust_app
        self.requests = app.Table("decider-requests", default=None, partitions=partitions)
        self.unit_days = app.Table("decider-unit-days", default=None, partitions=partitions)
        self.asn_weeks = app.Table("decider-asn-weeks", default=None, partitions=partitions)
        self._cache: dict[tuple[str, str], tuple[int, Any]] = {}

    # the agent ------------------------------------------------------------------------------

    def register(self) -> None:
        app = self.ctx.faust_app
        topic = app.topic(
            self.ctx.settings.commands_topic,
            key_serializer="raw",
            value_serializer="raw",
            partitions=self.ctx.settings.topic_partitions,
        )

        async def decide(stream: Any) -> None:
            async for event in stream.events():
                await self.handle(event.message)

        app.agent(topic, name="eligibility-decider", concurrency=1)(decide)

    async def handle(self, message: Any) -> None:
        try:
            command = decode(message.value)
        except MalformedEvent as exc:
            record = dead_letter_record(
                message.key,
                message.value or b"",
                exc.reason,
                message.topic,
                message.partition,
                message.offset,
            )
            await self.ctx.publisher.send(record)
            log.warning(
                "decider: command %s@%s dead-lettered: %s",
                message.partition,
                message.offset,
                exc.reason,
            )
            return
        if isinstance(command, SubmitRequest):
            await self.submit(command)
        else:
            await self.act(command)

    # publishing -----------------------------------------------------------------------------

    async def _publish(
        self, payload: EventPayload, command: SubmitRequest | ActOnRequest, actor: str
    ) -> None:
        envelope = new_event(
            payload,
            actor=actor,
            subject=command.nip,
            opd_id=command.opd_id,
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )
        await retry_until_done(
            "decider", "publish outcome", partial(self.ctx.publisher.publish, envelope)
        )

    async def _refuse(
        self,
        command: SubmitRequest | ActOnRequest,
        code: str,
        message_id: str,
        message_en: str,
    ) -> None:
        await self._publish(
            WfaActionRefused(
                request_id=command.request_id,
                nip=command.nip,
                action=command.kind,
                code=code,
                message_id=message_id,
                message_en=message_en,
            ),
            command,
            ACTOR,
        )

    # facts ----------------------------------------------------------------------------------

    async def _cached(self, kind: str, key: str, read: Callable[[], Awaitable[T]]) -> T:
        """Reference reads, cached until the reference replica projects its next batch."""
        generation = self.reference.generation
        hit = self._cache.get((kind, key))
        if hit is not None and hit[0] == generation:
            value: T = hit[1]
            return value
        value = await read()
        if len(self._cache) > CACHE_ENTRIES:
            self._cache.clear()
        self._cache[(kind, key)] = (generation, value)
        return value

    async def _employee(self, nip: str) -> EmployeeFacts | None:
        await self.reference.wait_caught_up(CATCH_UP_S)
        store = self.ctx.store
        return await self._cached("employee", nip, partial(reference.employee_facts, store, nip))

    def _usage(self, nip: str, unit: str, dates: Iterable[date], size: int) -> UsageFacts:
        away: dict[date, int] = {}
        used: dict[tuple[int, int], int] = {}
        for day in dates:
            away[day] = len(self.unit_days.get(f"{unit}|{day.isoformat()}") or [])
            held = self.asn_weeks.get(f"{nip}|{_week_id(day)}") or {}
            used[week_key(day)] = sum(held.values())
        return UsageFacts(days_used_by_week=used, away_by_date=away, unit_size=size)

    # submit ---------------------------------------------------------------------------------

    async def submit(self, command: SubmitRequest) -> None:
        if self.requests.get(command.request_id) is not None:
            log.info("decider: request %s already decided; skipped", command.request_id)
            return
        employee = await self._employee(command.nip)
        if employee is None:
            await self._refuse(
                command,
                "employee_not_on_roster",
                f"NIP {command.nip} tidak terdaftar pada data pegawai.",
                f"NIP {command.nip} is not on the roster.",
            )
            return
        if (employee.opd_id, employee.work_unit_id) != (command.opd_id, command.work_unit_id):
            await self._refuse(
                command,
                "work_unit_changed",
                f"Unit kerja pemohon berubah menjadi {employee.opd_id}/{employee.work_unit_id}; "
                "ajukan ulang.",
                f"The requester's work unit changed to {employee.opd_id}/{employee.work_unit_id}; "
                "submit again.",
            )
            return
        store = self.ctx.store
        history = await self._cached(
            "policy", employee.opd_id, partial(reference.policy_history, store, employee.opd_id)
        )
        unit = _unit_key(command.opd_id, command.work_unit_id)
        size = await self._cached(
            "unit",
            unit,
            partial(reference.unit_size, store, command.opd_id, command.work_unit_id),
        )
        policy = history.in_force_on(command.dates[0])
        today = local_today(datetime.now(UTC), policy.timezone if policy else "WIB")
        decision = evaluate_with_history(
            employee,
            RequestFacts(dates=command.dates),
            history,
            self._usage(command.nip, unit, command.dates, size),
            today=today,
        )
        payload = WfaRequested(
            request_id=command.request_id,
            nip=command.nip,
            work_unit_id=command.work_unit_id,
            dates=list(command.dates),
            location=command.location,
            reason=command.reason,
            work_plan=list(command.work_plan),
            decision=decision,
        )
        await self._publish(payload, command, command.actor)
        self.requests[command.request_id] = {
            "nip": command.nip,
            "unit": unit,
            "opd": command.opd_id,
            "dates": [day.isoformat() for day in command.dates],
            "status": "pending" if decision.eligible else "not_eligible",
            "tz": policy.timezone if policy else "WIB",
            "applied": [command.command_id],
        }
        if decision.eligible:
            self._hold(command.request_id, command.nip, unit, command.dates)

    def _hold(self, request_id: str, nip: str, unit: str, dates: Iterable[date]) -> None:
        for day in dates:
            key = f"{unit}|{day.isoformat()}"
            self.unit_days[key] = [*(self.unit_days.get(key) or []), request_id]
            week = f"{nip}|{_week_id(day)}"
            held = dict(self.asn_weeks.get(week) or {})
            held[request_id] = held.get(request_id, 0) + 1
            self.asn_weeks[week] = held

    def _release(self, request_id: str, nip: str, unit: str, dates: Iterable[date]) -> None:
        for day in dates:
            key = f"{unit}|{day.isoformat()}"
            self.unit_days[key] = [r for r in self.unit_days.get(key) or [] if r != request_id]
            week = f"{nip}|{_week_id(day)}"
            held = {r: n for r, n in (self.asn_weeks.get(week) or {}).items() if r != request_id}
            self.asn_weeks[week] = held

    # approve, reject, cancel ----------------------------------------------------------------

    async def act(self, command: ActOnRequest) -> None:
        state = self.requests.get(command.request_id)
        if state is None:
            await self._refuse(
                command,
                "request_not_found",
                f"Permohonan {command.request_id} tidak ditemukan.",
                f"Request {command.request_id} was not found.",
            )
            return
        if command.command_id in state["applied"]:
            log.info("decider: command %s already applied; skipped", command.command_id)
            return
        dates = [date.fromisoformat(day) for day in state["dates"]]
        supervisor = None
        if command.kind != "cancel":
            employee = await self._employee(state["nip"])
            supervisor = employee.supervisor_nip if employee else None
        refusal = check_action(
            command.kind,
            request_id=command.request_id,
            status=state["status"],
            requester_nip=state["nip"],
            first_day=min(dates),
            actor_nip=command.actor,
            supervisor_nip=supervisor,
            today=local_today(datetime.now(UTC), state["tz"]),
        )
        if refusal is not None:
            await self._refuse(command, refusal.code, refusal.message_id, refusal.message_en)
            self.requests[command.request_id] = {
                **state,
                "applied": [*state["applied"], command.command_id],
            }
            return
        outcome: EventPayload
        if command.kind == "approve":
            outcome = WfaApproved(
                request_id=command.request_id,
                nip=state["nip"],
                approver_nip=command.actor,
                reason=command.reason,
            )
            status = "approved"
        elif command.kind == "reject":
            outcome = WfaRejected(
                request_id=command.request_id,
                nip=state["nip"],
                approver_nip=command.actor,
                reason=command.reason,
            )
            status = "rejected"
        else:
            outcome = WfaCancelled(
                request_id=command.request_id, nip=state["nip"], reason=command.reason
            )
            status = "cancelled"
        await self._publish(outcome, command, command.actor)
        if status in ("rejected", "cancelled"):
            self._release(command.request_id, state["nip"], state["unit"], dates)
        self.requests[command.request_id] = {
            **state,
            "status": status,
            "applied": [*state["applied"], command.command_id],
        }


def register_decider(ctx: ServiceContext, reference_replica: LocalReplica) -> Decider:
    decider = Decider(ctx, reference_replica)
    decider.register()
    return decider
