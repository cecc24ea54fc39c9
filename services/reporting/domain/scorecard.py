"""The OPD head's accountability scorecard and the ranking of OPDs (pure, no I/O).

The head of an OPD answers for the subordinates: what they do, or fail to do, over a month
shows on the head's scorecard. The card is a weighted mean of components, each a score from 0
to 1 computed from the OPD's month (:class:`~services.reporting.domain.rates.OpdFigures`):

======================  ======  ===========================================================
component               weight  score
======================  ======  ===========================================================
attendance                  15  employee-days with a check-in / person-days
punctuality                 10  days present without a late check-in / days present
daily_reports               15  days with a daily report / days present
reports_accepted            10  reports accepted / reports submitted
output_achievement          15  mean achievement of the outputs that had a target
wfa_within_weekly_cap       10  WFA days within the weekly cap (2, art. 13(1)) / WFA days
wfa_approved                10  WFA days under an approved request / WFA days
violations                  10  1 - violations per 100 staff-days / 10 (0 from 10 up)
away_share_within_cap        5  1 while the mean share of staff on WFA stays within the
                                OPD's policy cap, else cap / share
======================  ======  ===========================================================

A component with nothing to measure (no reports submitted, no policy known) has no score and
is left out: the total is the weighted mean of the components that have one, on 0..100. The
WFA components score 1 in a month without WFA days (nothing was breached).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kernel.messages import Bilingual
from services.reporting.domain.rates import OpdFigures, opd_rates, per_hundred, ratio
from services.reporting.messages import MESSAGES

VIOLATIONS_AT_ZERO_SCORE = 10.0
"""Violations per 100 staff-days at which the violations component scores 0."""

Unit = Literal["share", "per_100_staff_days"]
Grade = Literal["A", "B", "C", "D"]

GRADES: tuple[tuple[float, Grade, str, str], ...] = (
    (85.0, "A", *MESSAGES.text("grade.A")),
    (70.0, "B", *MESSAGES.text("grade.B")),
    (55.0, "C", *MESSAGES.text("grade.C")),
    (0.0, "D", *MESSAGES.text("grade.D")),
)
"""(lowest score, grade, label in Bahasa Indonesia, label in English), best first."""


@dataclass(frozen=True, slots=True)
class Component:
    """One measure of the scorecard."""

    code: str
    label_id: str
    label_en: str
    value: float | None
    """The measure itself, in ``unit``; None when there is nothing to measure."""
    unit: Unit
    score: float | None
    """0..1 (1 is best); None leaves the component out of the total."""
    weight: int


@dataclass(frozen=True, slots=True)
class Scorecard:
    """The components of an OPD's month and their weighted total."""

    components: tuple[Component, ...]
    score: float | None
    """0..100, one decimal; None when no component could be scored."""
    grade: Grade | None
    grade_id: str | None
    grade_en: str | None


@dataclass(frozen=True, slots=True)
class AwayCap:
    """What a version of an OPD's policy says about staff away (from ``OpdPolicyPublished``)."""

    effective_from: date
    wfa_enabled: bool
    max_away_share: float
    version: int = 1

    @property
    def share(self) -> float:
        """The share of staff that may be away: none while WFA is off."""
        return self.max_away_share if self.wfa_enabled else 0.0


def cap_in_force(versions: Sequence[AwayCap], day: date) -> float | None:
    """The share of staff that may be away on ``day``: that of the highest version effective
    on or before it (as the eligibility engine picks it); None when none is in force."""
    in_force = [v for v in versions if v.effective_from <= day]
    if not in_force:
        return None
    return max(in_force, key=lambda v: (v.version, v.effective_from)).share


def _share_component(code: str, label: Bilingual, value: float | None, weight: int) -> Component:
    return Component(code, label.id, label.en, value, "share", value, weight)


def opd_scorecard(figures: OpdFigures, away_cap: float | None) -> Scorecard:
    """The scorecard of an OPD's month, judged against ``away_cap`` (None if unknown)."""
    f = figures
    rates = opd_rates(f)
    measured = f.person_days > 0
    punctual = ratio(f.present - f.late, f.present)
    within_cap = _compliance(f.wfa - min(f.wfa_days_over_cap, f.wfa), f.wfa, measured)
    approved = _compliance(f.wfa - f.wfa_unapproved, f.wfa, measured)
    violations = per_hundred(f.violations, f.staff_days)
    violations_score = (
        None
        if violations is None
        else round(max(0.0, 1 - violations / VIOLATIONS_AT_ZERO_SCORE), 4)
    )
    away = rates.share_away if measured else None
    components = (
        _share_component(
            "attendance", MESSAGES.text("scorecard.attendance"), rates.attendance_rate, 15
        ),
        _share_component("punctuality", MESSAGES.text("scorecard.punctuality"), punctual, 10),
        _share_component(
            "daily_reports", MESSAGES.text("scorecard.daily_reports"), rates.report_rate, 15
        ),
        _share_component(
            "reports_accepted",
            MESSAGES.text("scorecard.reports_accepted"),
            rates.acceptance_rate,
            10,
        ),
        _share_component(
            "output_achievement",
            MESSAGES.text("scorecard.output_achievement"),
            None if rates.achievement is None else min(1.0, rates.achievement),
            15,
        ),
        _share_component(
            "wfa_within_weekly_cap",
            MESSAGES.text("scorecard.wfa_within_weekly_cap"),
            within_cap,
            10,
        ),
        _share_component("wfa_approved", MESSAGES.text("scorecard.wfa_approved"), approved, 10),
        Component(
            "violations",
            *MESSAGES.text("scorecard.violations"),
            violations,
            "per_100_staff_days",
            violations_score,
            10,
        ),
        Component(
            "away_share_within_cap",
            *MESSAGES.text("scorecard.away_share_within_cap"),
            away,
            "share",
            _away_score(away, away_cap),
            5,
        ),
    )
    return _scored(components)


def _compliance(kept: int, total: int, measured: bool) -> float | None:
    """The share of ``total`` days that kept a rule: 1 when there were none to keep."""
    if not measured:
        return None
    return 1.0 if total == 0 else ratio(kept, total)


def _away_score(share: float | None, cap: float | None) -> float | None:
    if share is None or cap is None:
        return None
    if share <= cap:
        return 1.0
    return round(cap / share, 4)


def _scored(components: tuple[Component, ...]) -> Scorecard:
    scored = [c for c in components if c.score is not None]
    weights = sum(c.weight for c in scored)
    if not weights:
        return Scorecard(components, None, None, None, None)
    total = round(100 * sum(c.weight * (c.score or 0.0) for c in scored) / weights, 1)
    return Scorecard(components, total, *grade_of(total))


def grade_of(score: float) -> tuple[Grade, str, str]:
    """The grade of a total score and its labels (Bahasa Indonesia, English)."""
    for lowest, grade, label_id, label_en in GRADES:
        if score >= lowest:
            return grade, label_id, label_en
    return GRADES[-1][1:]


# ranking --------------------------------------------------------------------------------------


def ranking(scores: Sequence[tuple[str, float | None]]) -> list[tuple[str, int | None]]:
    """OPDs in ranking order with their rank: best score first, ties sharing a rank (1, 2, 2,
    4) and listed by OPD id; OPDs without a score come last, unranked."""
    ordered = sorted(scores, key=lambda item: (item[1] is None, -(item[1] or 0.0), item[0]))
    ranked: list[tuple[str, int | None]] = []
    previous: float | None = None
    rank = 0
    for position, (opd_id, score) in enumerate(ordered, start=1):
        if score is None:
            ranked.append((opd_id, None))
            continue
        if score != previous:
            rank, previous = position, score
        ranked.append((opd_id, rank))
    return ranked
