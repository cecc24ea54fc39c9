"""What-if simulation of a proposed OPD policy: pure, no I/O, no clock reads.

Before changing its WFA policy, a regional government replays the requests recorded in a past
period under the *proposed* policy and sees how many decisions would change, with examples.

:func:`simulate` walks the history in order:

- a :class:`RecordedRequest` of the proposed policy's OPD is re-evaluated with
  :func:`~services.eligibility.domain.rules.evaluate` on the day it was decided, against the
  days held *in the simulation* (requests found eligible under the proposal and not released
  since), never against the days held in the real history;
- a :class:`Released` item (cancellation, rejection) frees the days of that request;
- a request recorded again under the same id replaces its earlier holding (it was re-decided).

Usage is rebuilt per request from the simulated holdings only, without the request itself:
``days_used_by_week`` counts the distinct days the ASN holds in each ISO week of the request
and ``away_by_date`` the other staff of the request's work unit holding each requested day.
The request is decided in the work unit it was recorded in, whatever the roster says today.

Requests that cannot be replayed are skipped, hold no days and are counted by reason:

==========================  ==================================================================
``employee_not_on_roster``  the NIP is not in ``employees``
``other_opd``               the employee belongs to another OPD than the proposed policy
``no_recorded_decision``    the request was recorded without a decision to compare with
``no_dates``                the request lists no day
==========================  ==================================================================
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from kernel.date_text import format_dates
from kernel.messages import Bilingual, bilingual
from kernel.policy import OpdPolicy
from kernel.work_calendar import week_key
from schemas.events import EligibilityDecision, RuleOutcome
from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
from services.eligibility.domain.rules import RULE_ORDER, evaluate, failed_codes
from services.eligibility.messages import MESSAGES

__all__ = [
    "SKIP_EMPLOYEE_NOT_ON_ROSTER",
    "SKIP_NO_DATES",
    "SKIP_NO_RECORDED_DECISION",
    "SKIP_OTHER_OPD",
    "ChangedDecision",
    "RecordedRequest",
    "Released",
    "ReplayItem",
    "SimulationReport",
    "simulate",
]

SKIP_EMPLOYEE_NOT_ON_ROSTER: Final = "employee_not_on_roster"
SKIP_OTHER_OPD: Final = "other_opd"
SKIP_NO_RECORDED_DECISION: Final = "no_recorded_decision"
SKIP_NO_DATES: Final = "no_dates"

_SKIP_LABELS: Final[dict[str, Bilingual]] = {
    SKIP_EMPLOYEE_NOT_ON_ROSTER: MESSAGES.text("simulation.skip.employee_not_on_roster"),
    SKIP_OTHER_OPD: MESSAGES.text("simulation.skip.other_opd"),
    SKIP_NO_RECORDED_DECISION: MESSAGES.text("simulation.skip.no_recorded_decision"),
    SKIP_NO_DATES: MESSAGES.text("simulation.skip.no_dates"),
}


# --------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A WFA request as recorded in the history, with the decision made at the time."""

    request_id: str
    nip: str
    work_unit_id: str
    dates: tuple[date, ...]
    recorded_on: date
    """Day the request was decided; used as ``today`` when replaying."""
    original: EligibilityDecision | None
    """The decision recorded at the time (None: recorded without one)."""


@dataclass(frozen=True, slots=True)
class Released:
    """The request was cancelled or rejected at this point of the history: its days are free."""

    request_id: str


ReplayItem = RecordedRequest | Released


@dataclass(frozen=True, slots=True)
class ChangedDecision:
    """A replayed request whose eligibility differs under the proposed policy."""

    request_id: str
    nip: str
    work_unit_id: str
    dates: tuple[date, ...]
    before_eligible: bool
    after_eligible: bool
    before_failed: tuple[str, ...]
    """Failed rule codes of the original decision."""
    after_failed: tuple[str, ...]
    """Failed rule codes under the proposed policy."""
    message_id: str
    """What changed and why, in Bahasa Indonesia."""
    message_en: str
    """The same in English."""


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """How the decisions of a past period would change under a proposed policy."""

    opd_id: str
    policy_version: int
    replayed: int
    """Requests re-evaluated (``unchanged + changed``)."""
    unchanged: int
    changed: int
    """``newly_eligible + newly_ineligible``."""
    newly_eligible: int
    newly_ineligible: int
    skipped: int
    """Requests that could not be replayed (sum of ``skipped_reasons``)."""
    skipped_reasons: dict[str, int]
    """Stable reason code -> number of skipped requests."""
    rules_newly_failing: dict[str, int]
    """Rule code -> replayed requests where it fails under the proposal but passed originally."""
    examples: tuple[ChangedDecision, ...]
    """At most ``max_examples`` changed decisions, in replay order."""
    summary_id: str
    summary_en: str
    eligible_before: int = 0
    """Replayed requests the recorded decision found eligible."""
    eligible_after: int = 0
    """Replayed requests eligible under the proposed policy."""


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------


def simulate(
    items: Sequence[ReplayItem],
    *,
    employees: Mapping[str, EmployeeFacts],
    unit_sizes: Mapping[str, int],
    proposed: OpdPolicy,
    max_examples: int = 10,
) -> SimulationReport:
    """Replay ``items`` in order under ``proposed`` and report the decisions that change.

    ``employees`` maps NIP to roster facts. ``unit_sizes`` maps work unit to head count; a
    unit missing from it counts the proposed OPD's employees in that unit (at least 1).
    """
    if max_examples < 0:
        raise ValueError("max_examples must not be negative / max_examples tidak boleh negatif")
    roster_sizes = Counter(
        facts.work_unit_id for facts in employees.values() if facts.opd_id == proposed.opd_id
    )
    holdings = _Holdings()
    skipped: Counter[str] = Counter()
    newly_failing: Counter[str] = Counter()
    examples: list[ChangedDecision] = []
    replayed = newly_eligible = newly_ineligible = eligible_before = eligible_after = 0

    for item in items:
        if isinstance(item, Released):
            holdings.release(item.request_id)
            continue
        # a request decided again replaces whatever it held before
        holdings.release(item.request_id)
        reason = _skip_reason(item, employees, proposed)
        if reason is not None:
            skipped[reason] += 1
            continue
        original = item.original
        assert original is not None
        employee = employees[item.nip]
        if employee.work_unit_id != item.work_unit_id:
            employee = employee.model_copy(update={"work_unit_id": item.work_unit_id})
        days = tuple(sorted(set(item.dates)))
        size = unit_sizes.get(item.work_unit_id, max(1, roster_sizes[item.work_unit_id]))
        decision = evaluate(
            employee,
            RequestFacts(dates=days),
            proposed,
            holdings.usage(item.nip, item.work_unit_id, days, size),
            today=item.recorded_on,
        )
        replayed += 1
        eligible_before += original.eligible
        if decision.eligible:
            eligible_after += 1
            holdings.hold(item.request_id, item.nip, item.work_unit_id, days)

        before_failed = tuple(failed_codes(original))
        after_failed = tuple(failed_codes(decision))
        newly_failing.update(code for code in after_failed if code not in before_failed)
        if original.eligible == decision.eligible:
            continue
        if decision.eligible:
            newly_eligible += 1
        else:
            newly_ineligible += 1
        if len(examples) < max_examples:
            examples.append(_changed(item, days, original, decision, proposed.version))

    changed = newly_eligible + newly_ineligible
    skipped_reasons = dict(sorted(skipped.items()))
    counts = (replayed, changed, newly_eligible, newly_ineligible)
    summary = _summary(proposed, *counts, skipped)
    return SimulationReport(
        opd_id=proposed.opd_id,
        policy_version=proposed.version,
        replayed=replayed,
        unchanged=replayed - changed,
        changed=changed,
        newly_eligible=newly_eligible,
        newly_ineligible=newly_ineligible,
        skipped=sum(skipped.values()),
        skipped_reasons=skipped_reasons,
        rules_newly_failing=dict(sorted(newly_failing.items(), key=_rule_order_key)),
        examples=tuple(examples),
        summary_id=summary.id,
        summary_en=summary.en,
        eligible_before=eligible_before,
        eligible_after=eligible_after,
    )


def _skip_reason(
    item: RecordedRequest, employees: Mapping[str, EmployeeFacts], proposed: OpdPolicy
) -> str | None:
    employee = employees.get(item.nip)
    if employee is None:
        return SKIP_EMPLOYEE_NOT_ON_ROSTER
    if employee.opd_id != proposed.opd_id:
        return SKIP_OTHER_OPD
    if item.original is None:
        return SKIP_NO_RECORDED_DECISION
    if not item.dates:
        return SKIP_NO_DATES
    return None


_RULE_INDEX: Final[dict[str, int]] = {code.value: index for index, code in enumerate(RULE_ORDER)}


def _rule_order_key(entry: tuple[str, int]) -> tuple[int, str]:
    """Known rules in evaluation order, then any other code alphabetically."""
    return _RULE_INDEX.get(entry[0], len(_RULE_INDEX)), entry[0]


@dataclass(frozen=True, slots=True)
class _Hold:
    nip: str
    work_unit_id: str
    dates: tuple[date, ...]


@dataclass(slots=True)
class _Holdings:
    """Days held in the simulation, indexed for building ``UsageFacts``."""

    by_request: dict[str, _Hold] = field(default_factory=dict)
    own: Counter[tuple[str, date]] = field(default_factory=Counter)
    """(nip, day) -> held requests of the ASN on that day."""
    away: dict[tuple[str, date], Counter[str]] = field(default_factory=dict)
    """(work unit, day) -> nip -> held requests of that ASN on that day."""

    def hold(self, request_id: str, nip: str, work_unit_id: str, days: Iterable[date]) -> None:
        held = _Hold(nip, work_unit_id, tuple(days))
        self.by_request[request_id] = held
        for day in held.dates:
            self.own[(nip, day)] += 1
            self.away.setdefault((work_unit_id, day), Counter())[nip] += 1

    def release(self, request_id: str) -> None:
        held = self.by_request.pop(request_id, None)
        if held is None:
            return
        for day in held.dates:
            self.own[(held.nip, day)] -= 1
            if self.own[(held.nip, day)] <= 0:
                del self.own[(held.nip, day)]
            staff = self.away[(held.work_unit_id, day)]
            staff[held.nip] -= 1
            if staff[held.nip] <= 0:
                del staff[held.nip]

    def usage(
        self, nip: str, work_unit_id: str, days: tuple[date, ...], unit_size: int
    ) -> UsageFacts:
        """Usage seen by a request of ``nip`` for ``days``, the request itself not counted."""
        weeks = sorted({week_key(day) for day in days})
        used = {
            week: sum(
                1
                for weekday in range(1, 8)
                if self.own[(nip, date.fromisocalendar(week[0], week[1], weekday))] > 0
            )
            for week in weeks
        }
        away = {
            day: sum(
                1
                for other, count in self.away.get((work_unit_id, day), Counter()).items()
                if count > 0 and other != nip
            )
            for day in days
        }
        return UsageFacts(
            days_used_by_week={week: n for week, n in used.items() if n},
            away_by_date={day: n for day, n in away.items() if n},
            unit_size=unit_size,
        )


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def _verdict(eligible: bool) -> Bilingual:
    if eligible:
        return MESSAGES.text("simulation.eligible")
    return MESSAGES.text("simulation.not_eligible")


def _rule_texts(outcomes: Iterable[RuleOutcome]) -> Bilingual:
    return Bilingual.join(
        "; ",
        (
            MESSAGES.text(
                "simulation.rule",
                code=outcome.code,
                message=Bilingual(outcome.message_id.rstrip(". "), outcome.message_en.rstrip(". ")),
            )
            for outcome in outcomes
        ),
    )


def _change_message(
    item: RecordedRequest,
    days: tuple[date, ...],
    original: EligibilityDecision,
    decision: EligibilityDecision,
    version: int,
) -> Bilingual:
    before_failed = failed_codes(original)
    if decision.eligible:
        # the rules that refused the request now pass: quote their new messages
        reasons = [outcome for outcome in decision.trace if outcome.code in before_failed]
    else:
        reasons = [outcome for outcome in decision.trace if not outcome.passed]
    detail = _rule_texts(reasons)
    was = _verdict(original.eligible)
    if not original.eligible:
        was = MESSAGES.text("simulation.failing", verdict=was, codes=", ".join(before_failed))
    request = {
        "request_id": item.request_id,
        "nip": item.nip,
        "days": bilingual(lambda lang: format_dates(days, lang)),
        "was": was,
        "version": version,
    }
    if not decision.eligible:
        return MESSAGES.text("simulation.now_not_eligible", detail=detail, **request)
    if detail.id:
        return MESSAGES.text("simulation.now_eligible", detail=detail, **request)
    return MESSAGES.text("simulation.now_eligible.no_detail", **request)


def _changed(
    item: RecordedRequest,
    days: tuple[date, ...],
    original: EligibilityDecision,
    decision: EligibilityDecision,
    version: int,
) -> ChangedDecision:
    message = _change_message(item, days, original, decision, version)
    return ChangedDecision(
        request_id=item.request_id,
        nip=item.nip,
        work_unit_id=item.work_unit_id,
        dates=days,
        before_eligible=original.eligible,
        after_eligible=decision.eligible,
        before_failed=tuple(failed_codes(original)),
        after_failed=tuple(failed_codes(decision)),
        message_id=message.id,
        message_en=message.en,
    )


def _summary(
    proposed: OpdPolicy,
    replayed: int,
    changed: int,
    newly_eligible: int,
    newly_ineligible: int,
    skipped: Counter[str],
) -> Bilingual:
    text = MESSAGES.text(
        "simulation.summary",
        opd_id=proposed.opd_id,
        version=proposed.version,
        replayed=replayed,
        changed=changed,
        newly_eligible=newly_eligible,
        newly_ineligible=newly_ineligible,
    )
    total_skipped = sum(skipped.values())
    if not total_skipped:
        return text
    reasons = Bilingual.join(
        ", ",
        (
            MESSAGES.text(
                "simulation.skip_count",
                label=_SKIP_LABELS.get(code, Bilingual(code, code)),
                count=count,
            )
            for code, count in sorted(skipped.items())
        ),
    )
    more = MESSAGES.text("simulation.summary.skipped", skipped=total_skipped, reasons=reasons)
    return Bilingual(text.id + more.id, text.en + more.en)
