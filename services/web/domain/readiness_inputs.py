"""What a readiness study is decided on, read from the services' answers (pure, no I/O).

Eligibility's ``GET /policies/{opd}/readiness`` gives the policy, the positions under the
task mapping, the infrastructure assessments and the what-if simulation; reporting's
``GET /reporting/opds/{opd}/days`` gives each complete day's sums and rates, which
:func:`month_from_days` combines into months (weighted by their denominators). Every key is
read tolerantly: a missing or malformed one is "not known", never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# measures of a month, each a rate and the weight (its denominator) it is averaged with
ATTENDANCE = "attendance_rate"
REPORTS = "report_rate"
ACCEPTANCE = "acceptance_rate"
SHARE_AWAY = "share_away"
ACHIEVEMENT = "achievement"
ACHIEVEMENT_WFA = "achievement_wfa"
ACHIEVEMENT_WFO = "achievement_wfo"
OUTPUTS_PER_DAY_WFA = "outputs_per_day_wfa"
OUTPUTS_PER_DAY_WFO = "outputs_per_day_wfo"


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    version: int | None
    wfa_enabled: bool
    weekly_cap_days: int | None
    max_away_share: float | None
    eligible_categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitPositions:
    work_unit_id: str
    headcount: int
    eligible: int | None
    """Positions of the unit eligible under the task mapping (None: not known)."""


@dataclass(frozen=True, slots=True)
class PositionFacts:
    total: int
    eligible: int
    by_category: tuple[Mapping[str, Any], ...] = ()
    by_unit: tuple[UnitPositions, ...] = ()

    @property
    def eligible_share(self) -> float | None:
        return round(self.eligible / self.total, 4) if self.total > 0 else None


@dataclass(frozen=True, slots=True)
class Assessment:
    work_unit_id: str | None
    """None: the assessment covers the whole OPD."""
    infrastructure_score: int
    connectivity_score: int
    note: str = ""
    assessed_on: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    value: float | None
    weight: float


@dataclass(frozen=True, slots=True)
class MonthFacts:
    month: str
    has_data: bool
    headcount: int | None = None
    wfa_days: int = 0
    wfo_days: int = 0
    measures: Mapping[str, Measure] = field(default_factory=dict)

    def value(self, key: str) -> float | None:
        measure = self.measures.get(key)
        return None if measure is None else measure.value


@dataclass(frozen=True, slots=True)
class StudyInputs:
    opd_id: str
    policy: PolicyFacts | None
    positions: PositionFacts
    assessments: tuple[Assessment, ...]
    months: tuple[MonthFacts, ...]
    what_if: Mapping[str, Any] | None = None


# tolerant readers ----------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _sum(data: Mapping[str, Any], *keys: str) -> float | None:
    values = [_float(data.get(key)) for key in keys]
    return None if any(v is None for v in values) else sum(v or 0.0 for v in values)


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def policy_from(data: Any) -> PolicyFacts | None:
    if not isinstance(data, Mapping):
        return None
    return PolicyFacts(
        version=_int(data.get("version")),
        wfa_enabled=data.get("wfa_enabled") is True,
        weekly_cap_days=_int(data.get("weekly_cap_days")),
        max_away_share=_float(data.get("max_away_share")),
        eligible_categories=tuple(str(c) for c in _list(data.get("eligible_categories"))),
    )


def positions_from(data: Any) -> PositionFacts:
    data = _map(data)
    units = tuple(
        UnitPositions(
            work_unit_id=str(unit["work_unit_id"]),
            headcount=_int(unit.get("headcount")) or 0,
            eligible=_int(unit.get("eligible")),
        )
        for unit in _list(data.get("by_unit"))
        if isinstance(unit, Mapping) and unit.get("work_unit_id")
    )
    categories = tuple(c for c in _list(data.get("by_category")) if isinstance(c, Mapping))
    return PositionFacts(
        total=_int(data.get("total")) or 0,
        eligible=_int(data.get("eligible")) or 0,
        by_category=categories,
        by_unit=units,
    )


def assessments_from(items: Any) -> tuple[Assessment, ...]:
    found: list[Assessment] = []
    for item in _list(items):
        if not isinstance(item, Mapping):
            continue
        infrastructure = _int(item.get("infrastructure_score"))
        connectivity = _int(item.get("connectivity_score"))
        if infrastructure is None or connectivity is None:
            continue
        unit = item.get("work_unit_id")
        found.append(
            Assessment(
                work_unit_id=str(unit) if unit else None,
                infrastructure_score=infrastructure,
                connectivity_score=connectivity,
                note=str(item.get("note") or ""),
                assessed_on=str(item["assessed_on"]) if item.get("assessed_on") else None,
            )
        )
    return tuple(found)


def month_from(month: str, summary: Mapping[str, Any] | None) -> MonthFacts:
    """One month of an OPD from reporting's summary (None: nothing recorded that month)."""
    if summary is None:
        return MonthFacts(month=month, has_data=False)
    rates = _map(summary.get("rates"))
    wfa, wfo = _int(summary.get("wfa")) or 0, _int(summary.get("wfo")) or 0
    present = _int(summary.get("present")) or 0
    submitted = _int(summary.get("reports_submitted")) or 0

    def measure(key: str, weight: float | None) -> Measure:
        return Measure(_float(rates.get(key)), 1.0 if weight is None else weight)

    return MonthFacts(
        month=month,
        has_data=True,
        headcount=_int(summary.get("headcount")),
        wfa_days=wfa,
        wfo_days=wfo,
        measures={
            ATTENDANCE: measure(ATTENDANCE, _float(rates.get("person_days"))),
            REPORTS: measure(REPORTS, float(max(present, submitted)) or None),
            ACCEPTANCE: measure(ACCEPTANCE, float(submitted) or None),
            SHARE_AWAY: measure(SHARE_AWAY, _float(rates.get("person_days"))),
            ACHIEVEMENT: measure(ACHIEVEMENT, _sum(summary, "with_target_wfa", "with_target_wfo")),
            ACHIEVEMENT_WFA: measure(ACHIEVEMENT_WFA, _float(summary.get("with_target_wfa"))),
            ACHIEVEMENT_WFO: measure(ACHIEVEMENT_WFO, _float(summary.get("with_target_wfo"))),
            OUTPUTS_PER_DAY_WFA: measure(OUTPUTS_PER_DAY_WFA, float(wfa) or None),
            OUTPUTS_PER_DAY_WFO: measure(OUTPUTS_PER_DAY_WFO, float(wfo) or None),
        },
    )


def month_from_days(month: str, days: Sequence[Mapping[str, Any]]) -> MonthFacts:
    """One month of an OPD from reporting's rows of its complete days (none: no history).

    Each day is read like a month; the month's rate of each measure is the days' rates weighted
    by their denominators, so the sums are divided, never an average of averages."""
    facts = [month_from(month, day) for day in days if isinstance(day, Mapping)]
    if not facts:
        return MonthFacts(month=month, has_data=False)
    measures: dict[str, Measure] = {}
    for key in {key for fact in facts for key in fact.measures}:
        weights = [
            fact.measures[key].weight
            for fact in facts
            if key in fact.measures and fact.measures[key].value is not None
        ]
        measures[key] = Measure(combined(facts, key), sum(weights))
    headcounts = [fact.headcount for fact in facts if fact.headcount is not None]
    return MonthFacts(
        month=month,
        has_data=True,
        headcount=max(headcounts) if headcounts else None,
        wfa_days=sum(fact.wfa_days for fact in facts),
        wfo_days=sum(fact.wfo_days for fact in facts),
        measures=measures,
    )


def combined(months: Iterable[MonthFacts], key: str) -> float | None:
    """The months' rate for ``key`` together: each month weighted by its denominator (so the
    sums are divided, never an average of averages); None when no month measured it."""
    total = weight = 0.0
    for month in months:
        measure = month.measures.get(key)
        if measure is None or measure.value is None or measure.weight <= 0:
            continue
        total += measure.value * measure.weight
        weight += measure.weight
    return round(total / weight, 4) if weight > 0 else None


def inputs_from(
    opd_id: str,
    readiness: Mapping[str, Any] | None,
    months: Sequence[MonthFacts],
) -> StudyInputs:
    """The study's inputs from eligibility's readiness answer and reporting's months."""
    data = readiness or {}
    what_if = data.get("what_if")
    return StudyInputs(
        opd_id=opd_id,
        policy=policy_from(data.get("policy")),
        positions=positions_from(data.get("positions")),
        assessments=assessments_from(data.get("assessments")),
        months=tuple(months),
        what_if=what_if if isinstance(what_if, Mapping) else None,
    )
