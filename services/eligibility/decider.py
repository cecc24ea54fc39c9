"""The decider: a faust agent that owns the work units of its partitions.

Commands arrive keyed by work unit (:mod:`services.eligibility.domain.commands`). faust gives
each partition to exactly one instance of the ``wfa-eligibility`` group and the agent runs with
concurrency 1, so one unit's requests are decided strictly one after another. What is held
lives in three faust tables, co-partitioned with the commands (their changelogs are written to
the partition of the command being processed, which is the unit's):

* ``decider-requests``: request id -> requester, unit, days, status, commands already applied;
* ``decider-unit-days``: ``"<opd>/<unit>|<day>"`` -> ids of the requests holding that day;
* ``decider-asn-weeks``: ``"<nip>|<year>-W<week>"`` -> {request id: days held that week}.

What a command decides (its outcome and what it holds) is pure and lives in
:mod:`services.eligibility.domain.decision`; this module is the loop around it: batches,
facts, publishing, retries and the dead-letter topic. A restart or rebalance restores the
tables from their changelog topics before the agent takes the next command. Delivery is at
least once: a command seen again is recognised by its request id (submit) or command id
(actions) and not applied twice.

Every command ends as exactly one recorded outcome, published with ``event_id`` = the command
id (a fresh ULID minted at the edge): a re-decided command re-publishes the same event id,
which the request log collapses, and the edge waits for the event whose id is its command id.
Causality follows the envelope's contract: the ``WfaRequested`` is caused by the submit command,
the approval, rejection or cancellation by the ``WfaRequested`` event, and every event of one
request shares the correlation id the submit created.

Each command is handled inside its own try (:mod:`services.eligibility.decider_failures`):
Kafka being away is waited out with backoff; any deterministic failure becomes a
``WfaActionRefused`` with an internal code, and the command goes to the dead-letter topic with
the reason. A record that does not decode as a command (e.g. beyond the contract's bounds) is
refused with ``invalid_command`` when it still names its command and request, and goes to the
dead-letter topic in any case. No command is acknowledged with nothing after it, and none
blocks its partition.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import faust
from aiokafka.errors import MessageSizeTooLargeError
from faust import streams

from schemas import Envelope, KafkaRecord, MalformedEvent, dead_letter_record, new_event, new_ulid
from schemas.envelope import ULID_PATTERN
from schemas.serialization import record_from_parts, to_record
from services.eligibility.decider_failures import (
    INVALID_COMMAND,
    failure_of,
    invalid_command,
)
from services.eligibility.domain.commands import (
    ActOnRequest,
    CommandHead,
    SubmitRequest,
    decode,
    head_of,
)
from services.eligibility.domain.decision import (
    Decision,
    Outcome,
    already_submitted,
    decide_action,
    decide_submission,
    refusal,
    supervisor_needed,
)
from services.eligibility.domain.facts import EmployeeFacts
from services.eligibility.published_outcomes import PublishedOutcomes
from services.eligibility.reference_memory import ReferenceMemory
from services.runtime import metrics, tracing
from services.runtime.context import Port, Publisher, ServiceContext, provide
from services.runtime.kafka.broker import is_transient, with_request_id
from services.runtime.logs import request_of
from services.runtime.projection.replica import LocalReplica
from services.runtime.projection.staged_table import StagedTable, processing
from services.runtime.settings import Settings

log = logging.getLogger(__name__)

DECIDER_AGENT = "eligibility-decider"
CATCH_UP_S = 10.0
#: commands decided together before their outcomes are published: at most this many,
#: gathered for at most this long
BATCH_MAX = 500
BATCH_WITHIN_S = 0.01
#: an outcome larger than this is refused when queued (the broker's default limit is 1 MiB)
OUTCOME_MAX_BYTES = 900_000
#: backoff while Kafka (or a store server) is away: first wait, then doubling up to the cap
RETRY_FIRST_S = 0.2
RETRY_MAX_S = 10.0
Command = SubmitRequest | ActOnRequest

_ULID = re.compile(ULID_PATTERN)


def outcome_event_id(command: Command | CommandHead) -> str | None:
    """The event id of the command's outcome: the command id (None: not a ULID, a fresh one)."""
    return command.command_id if _ULID.match(command.command_id) else None


def outcome_record(envelope: Envelope) -> KafkaRecord:
    """The record of an outcome the decider has just built (:func:`~schemas.new_event`).

    Its payload was validated when its model was made and its envelope when it was wrapped,
    so the contract's record builder for hot paths writes it without validating the payload a
    third time; a consumer reads it exactly as one from :func:`~schemas.serialization.to_record`
    (``tests/unit/test_eligibility_decider_failures.py`` compares both). One larger than the
    contract's events may be is built as before, and refused as too large when queued.
    """
    try:
        return _hot_record(envelope)
    except MalformedEvent:
        return to_record(envelope)


def _hot_record(envelope: Envelope) -> KafkaRecord:
    return record_from_parts(
        envelope.type,
        envelope.payload,
        event_id=envelope.event_id,
        actor=envelope.actor,
        subject=envelope.subject,
        opd_id=envelope.opd_id,
        occurred_at=envelope.occurred_at,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
        recorded_at=envelope.recorded_at,
    )


@dataclass(frozen=True, slots=True)
class Queued:
    """An outcome queued while its command is decided, published when the batch ends."""

    record: KafkaRecord
    envelope: Envelope
    event: Any
    """The faust event of the command (what the command holds is written under it)."""
    command: Command | CommandHead


class Decider:
    """Applies commands to the tables; one instance per service process."""

    def __init__(
        self,
        settings: Settings,
        app: faust.App,
        publisher: Port[Publisher],
        reference_replica: LocalReplica,
        outcomes: PublishedOutcomes | None = None,
    ) -> None:
        """``app``: the service's faust app, which runs the decider's agent over its tables;
        ``publisher`` takes the outcomes (open by the first command); ``outcomes`` is told of
        every outcome Kafka has acknowledged, so the edge of this process answers at once."""
        self.settings = settings
        self.app = app
        self.publisher = publisher
        self.reference = reference_replica
        partitions = settings.topic_partitions
        self.requests = StagedTable(
            app.Table("decider-requests", default=None, partitions=partitions)
        )
        self.unit_days = StagedTable(
            app.Table("decider-unit-days", default=None, partitions=partitions)
        )
        self.asn_weeks = StagedTable(
            app.Table("decider-asn-weeks", default=None, partitions=partitions)
        )
        self._tables = (self.requests, self.unit_days, self.asn_weeks)
        self._outbox: list[Queued] = []
        """Outcomes of the batch being decided, in order, not yet published."""
        self.outcomes = outcomes or PublishedOutcomes()
        """The edge's waiters, woken once an outcome is acknowledged."""
        self.memory = next(f for f in reference_replica.followers if isinstance(f, ReferenceMemory))
        self._published = False
        """Whether the command being decided has queued its outcome (concurrency is 1)."""
        self.refused_internally = 0
        self.dead_lettered = 0

    # the agent ------------------------------------------------------------------------------

    def register(self) -> None:
        app = self.app
        topic = app.topic(
            self.settings.commands_topic,
            key_serializer="raw",
            value_serializer="raw",
            partitions=self.settings.topic_partitions,
        )

        async def decide(stream: Any) -> None:
            async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
                await self.handle_batch(events)

        app.agent(topic, name=DECIDER_AGENT, concurrency=1)(decide)

    async def handle_batch(self, events: Sequence[Any]) -> None:
        """Decide commands in order, then publish their outcomes, then write what they hold.

        Each command is decided against the state its predecessors left (staged writes are
        read back), its outcome is queued; the outcomes are published together and awaited,
        and only then are the staged writes sent to the tables' changelogs and the commands
        acknowledged (faust acks the batch when this returns). A crash before the outcomes are
        acknowledged leaves nothing held, and the commands are decided again, with the same
        event ids; a crash after leaves outcomes whose commands are redelivered and skipped or
        decided again, exactly as when each outcome was awaited on its own.

        An outcome Kafka refuses for good (not an outage) holds nothing: the commands before
        it keep what they hold, its command is refused and dead-lettered
        (:meth:`_unpublishable`), and the commands after it, decided against its holds, are
        decided again without them. No command is acknowledged without a recorded outcome
        (or a dead-letter record), and no hold is written whose outcome is not on Kafka.

        The waiters of the outcomes Kafka acknowledged are woken last (:attr:`outcomes`).
        """
        started = time.perf_counter()
        pending = list(events)
        try:
            while pending:
                refused = None
                try:
                    for event in pending:
                        await self._decide(event)
                    published, refused = await self._flush_outcomes()
                    if refused is None:
                        done, rest = pending, []
                    else:
                        at = next(i for i, e in enumerate(pending) if e is refused[0].event)
                        done, rest = pending[:at], pending[at + 1 :]
                    for table in self._tables:
                        table.commit(done)
                    self.outcomes.acknowledged(published)
                finally:
                    self._outbox.clear()
                    for table in self._tables:
                        table.discard()
                if refused is not None:
                    await self._unpublishable(*refused)
                    if rest:
                        log.warning(
                            "decider: %d commands after %s decided again",
                            len(rest),
                            _position(refused[0].event),
                        )
                pending = rest
        except BaseException:
            # faust acknowledges every event of the batch when this returns or raises (also
            # when the agent is cancelled, as on shutdown): the commands not decided must not
            # be, or their offsets are committed and they are never decided. One more
            # reference keeps each unacknowledged; it is taken again after a restart.
            for event in pending:
                event.message.incref()
            log.warning(
                "decider: batch interrupted; %s left unacknowledged",
                " ".join(_position(event) for event in pending),
            )
            raise
        observe_decisions(self.settings.commands_topic, len(events), started)

    async def _decide(self, event: Any) -> None:
        """Decide one command of the batch, as the event faust is processing."""
        with processing(event), request_of(event.message):
            active = tracing.tracer()  # None while tracing is off
            if active is None:
                await self.handle(event.message)
                return
            with tracing.record_span(active, DECIDER_AGENT, event.message, self.settings.group_id):
                await self.handle(event.message)

    async def _flush_outcomes(self) -> tuple[list[Envelope], tuple[Queued, Exception] | None]:
        """Publish the queued outcomes in order, retried as a whole while Kafka is away.

        Returns those Kafka acknowledged, and (the outcome, the error) for the first outcome
        Kafka refused for good (None: all were published). The outcomes after
        that one are not published: their commands are decided again.
        """
        if not self._outbox:
            return [], None
        queued = list(self._outbox)
        try:
            await self._until_acknowledged(
                "publish outcomes",
                partial(self.publisher.get().send_many, [entry.record for entry in queued]),
            )
            return [entry.envelope for entry in queued], None
        except Exception:  # sizes are checked when queued; one by one, in order, if not
            log.exception("decider: %d outcomes refused together; one by one", len(queued))
            published: list[Envelope] = []
            for entry in queued:
                try:
                    await self._until_acknowledged(
                        "publish outcome", partial(self.publisher.get().send, entry.record)
                    )
                except Exception as exc:
                    log.exception(
                        "decider: outcome of command %s (%s of %s) not published",
                        entry.command.command_id,
                        entry.command.kind,
                        entry.command.request_id,
                    )
                    return published, (entry, exc)
                published.append(entry.envelope)
            return published, None

    async def _unpublishable(self, refused: Queued, exc: Exception) -> None:
        """A command whose outcome Kafka refused for good: refused, and dead-lettered (its
        refusal is published at once; if Kafka refuses it too, the dead-letter record is
        what is left of the command)."""
        command, message = refused.command, refused.event.message
        failure = failure_of(exc, kind=command.kind, request_id=command.request_id)
        with processing(refused.event), request_of(message):
            try:
                await self._refuse(command, failure.code, failure.message_id, failure.message_en)
                (queued,) = self._outbox
                await self._until_acknowledged(
                    "publish refusal", partial(self.publisher.get().send, queued.record)
                )
                self.refused_internally += 1
                self.outcomes.acknowledged([queued.envelope])
            except Exception:
                log.exception("decider: refusal of command %s not published", command.command_id)
            finally:
                self._outbox.clear()
            await self._dead_letter(message, f"{failure.code}: {failure.reason}")

    async def handle(self, message: Any) -> None:
        """Decide one command record; never raises, so faust never drops or loops on it."""
        try:
            command = decode(message.value)
        except MalformedEvent as exc:
            await self._unreadable(message, exc.reason)
            return
        delay = RETRY_FIRST_S
        while True:
            self._published = False
            try:
                if isinstance(command, SubmitRequest):
                    await self.submit(command)
                else:
                    await self.act(command)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    log.warning(
                        "decider: command %s waits (%s); retrying in %.1fs",
                        command.command_id,
                        exc,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
                    continue
                await self._fail(command, message, exc)
                return

    async def _fail(self, command: Command, message: Any, exc: Exception) -> None:
        """Record a deterministic failure: a refusal (unless an outcome is out) and the DLQ."""
        failure = failure_of(exc, kind=command.kind, request_id=command.request_id)
        log.error(
            "decider: command %s (%s of %s) cannot be decided: %s",
            command.command_id,
            command.kind,
            command.request_id,
            failure.reason,
            exc_info=exc,
        )
        if not self._published:
            try:
                await self._refuse(command, failure.code, failure.message_id, failure.message_en)
                self.refused_internally += 1
            except Exception:
                log.exception("decider: refusal of command %s not published", command.command_id)
        await self._dead_letter(message, f"{failure.code}: {failure.reason}")

    async def _unreadable(self, message: Any, reason: str) -> None:
        """A record that is no valid command: refused if it names one, and dead-lettered."""
        head = head_of(message.value)
        if head is not None:
            message_id, message_en = invalid_command(head.kind, head.request_id)
            try:
                await self._refuse(head, INVALID_COMMAND, message_id, message_en)
                self.refused_internally += 1
            except Exception:
                log.exception("decider: refusal of command %s not published", head.command_id)
            reason = f"{INVALID_COMMAND}: {reason}"
        await self._dead_letter(message, reason)

    async def _dead_letter(self, message: Any, reason: str) -> None:
        record = dead_letter_record(
            message.key,
            message.value or b"",
            reason,
            message.topic,
            message.partition,
            message.offset,
            consumer=DECIDER_AGENT,
        )
        try:
            await self._until_acknowledged(
                "dead-letter", partial(self.publisher.get().send, record)
            )
        except Exception:
            log.exception(
                "decider: command %s@%s could not be dead-lettered",
                message.partition,
                message.offset,
            )
            return
        self.dead_lettered += 1
        metrics.DEAD_LETTERS.labels(DECIDER_AGENT).inc()
        log.warning(
            "decider: command %s@%s dead-lettered: %s", message.partition, message.offset, reason
        )

    # publishing -----------------------------------------------------------------------------

    @staticmethod
    async def _until_acknowledged(what: str, action: Callable[[], Awaitable[Any]]) -> None:
        """Run ``action`` until Kafka acknowledges it; a deterministic failure is raised."""
        delay = RETRY_FIRST_S
        while True:
            try:
                await action()
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("decider: %s failed (%s); retrying in %.1fs", what, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    async def _publish(
        self, outcome: Outcome, command: Command | CommandHead, event_id: str
    ) -> None:
        """Queue the command's outcome under ``event_id`` (the command id when it is a ULID).

        Queued outcomes are published when the batch ends (:meth:`handle_batch`).
        """
        envelope = new_event(
            outcome.payload,
            actor=outcome.actor,
            subject=command.nip,
            opd_id=command.opd_id,
            correlation_id=outcome.correlation_id,
            causation_id=outcome.causation_id,
            event_id=event_id,
        )
        record = with_request_id(outcome_record(envelope))  # the command's request id
        size = len(record.value or b"")
        if size > OUTCOME_MAX_BYTES:
            raise MessageSizeTooLargeError(f"the outcome is {size} bytes")
        self._outbox.append(Queued(record, envelope, streams.current_event(), command))
        self._published = True

    async def _refuse(
        self,
        command: Command | CommandHead,
        code: str,
        message_id: str,
        message_en: str,
    ) -> None:
        """Queue a refusal of the command, in the flow of the request it is about."""
        outcome = refusal(self, command, code, message_id, message_en)
        await self._publish(outcome, command, outcome_event_id(command) or new_ulid())

    # deciding -------------------------------------------------------------------------------

    async def _employee(self, nip: str) -> EmployeeFacts | None:
        await self.reference.wait_caught_up(CATCH_UP_S)
        return self.memory.employee_facts(nip)

    async def _apply(self, command: Command, decision: Decision, event_id: str) -> None:
        """Queue the decision's outcome, then stage its table writes (none if not queued)."""
        if decision.outcome is None:
            log.info(
                "decider: command %s (%s of %s) at %s: %s; skipped",
                command.command_id,
                command.kind,
                command.request_id,
                _position(),
                decision.skipped,
            )
            return
        await self._publish(decision.outcome, command, event_id)
        log.info(
            "decider: command %s (%s of %s) at %s decided: %s",
            command.command_id,
            command.kind,
            command.request_id,
            _position(),
            type(decision.outcome.payload).__name__,
        )
        for table, key, value in decision.writes:
            getattr(self, table)[key] = value

    async def submit(self, command: SubmitRequest) -> None:
        """Decide a submission (see :func:`.decision.decide_submission`)."""
        if already_submitted(self, command):
            log.info(
                "decider: command %s (submit of %s) at %s: request already decided; skipped",
                command.command_id,
                command.request_id,
                _position(),
            )
            return
        employee = await self._employee(command.nip)
        event_id = outcome_event_id(command) or new_ulid()
        decision = decide_submission(
            self, command, employee, self.memory, now=datetime.now(UTC), event_id=event_id
        )
        await self._apply(command, decision, event_id)

    async def act(self, command: ActOnRequest) -> None:
        """Decide an approval, rejection or cancellation (see
        :func:`.decision.decide_action`)."""
        requester = supervisor_needed(self, command)
        supervisor = None
        if requester is not None:
            employee = await self._employee(requester)
            supervisor = employee.supervisor_nip if employee else None
        decision = decide_action(self, command, supervisor, now=datetime.now(UTC))
        await self._apply(command, decision, outcome_event_id(command) or new_ulid())


def _position(event: Any = None) -> str:
    """``<partition>@<offset>`` of ``event`` (default: the command being decided), for logs."""
    event = event if event is not None else streams.current_event()
    return "-" if event is None else f"{event.message.partition}@{event.message.offset}"


def observe_decisions(topic: str, commands: int, started: float) -> None:
    """The figures of one decided batch of ``commands`` begun at ``started``."""
    metrics.DECISIONS.inc(commands)
    metrics.DECIDER_BATCH_COMMANDS.observe(commands)
    metrics.DECISION_SECONDS.observe(time.perf_counter() - started)
    metrics.EVENTS_CONSUMED.labels(DECIDER_AGENT, topic).inc(commands)


def register_decider(ctx: ServiceContext, reference_replica: LocalReplica) -> Decider:
    outcomes = provide(ctx, PublishedOutcomes())  # the edge waits on it
    metrics.set_probe(metrics.DECIDER_QUEUE, outcomes.waiting)
    decider = Decider(ctx.settings, ctx.faust_app, ctx.publisher_port, reference_replica, outcomes)
    decider.register()
    return decider
