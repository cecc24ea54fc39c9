"""The readiness study's rules: each gives one line with its value, threshold and a
bilingual explanation (pure, no I/O).

A *blocking* line that is not met makes the verdict "belum"; a line that is not blocking (no
history yet, the OPD's current policy) is a caveat the study reports and turns into a
condition of the proposed form. The texts are looked up in the gateway's catalog
(:mod:`services.web.messages`, codes ``readiness.*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kernel.messages import Bilingual, bilingual
from services.web.domain.readiness_inputs import (
    ACHIEVEMENT_WFA,
    ACHIEVEMENT_WFO,
    ATTENDANCE,
    REPORTS,
    Assessment,
    MonthFacts,
    PolicyFacts,
    StudyInputs,
    combined,
)
from services.web.messages import MESSAGES

ELIGIBLE_SHARE_MIN = 0.20
"""Share of positions the task mapping finds suitable for WFA, at least."""
INFRASTRUCTURE_MIN = 60
"""Infrastructure score (staff with a work device and e-office/VPN access), at least."""
CONNECTIVITY_MIN = 60
"""Connectivity score (staff with a connection good enough for video calls), at least."""
ATTENDANCE_MIN = 0.80
"""Share of person-days with a check-in over the months studied, at least."""
REPORT_RATE_MIN = 0.80
"""Share of days present with a daily report over the months studied, at least."""
OUTPUT_RATIO_MIN = 0.90
#: outputs with a target needed on each side (WFA days, office days) before output on WFA days
#: is compared with output at the office: a handful of reports says nothing either way
OUTPUT_SAMPLE_MIN = 10
"""Achievement of targets on WFA days against office days, at least this fraction."""


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    met: bool
    blocking: bool
    message_id: str
    message_en: str
    value: float | int | None
    threshold: float | int | None


@dataclass(frozen=True, slots=True)
class UnitReadiness:
    work_unit_id: str
    headcount: int | None
    eligible: int | None
    infrastructure_score: int | None
    connectivity_score: int | None
    source: str | None
    """Where the scores come from: "unit", "opd" (the OPD-wide assessment) or None."""
    qualifies: bool


def percent(value: float, lang: str = "id") -> str:
    """0.825 -> "82,5%" (id) or "82.5%" (en)."""
    text = f"{value * 100:.1f}".removesuffix(".0")
    return (text.replace(".", ",") if lang == "id" else text) + "%"


def percent_text(value: float) -> Bilingual:
    """:func:`percent` in each language, for a text of the catalog."""
    return bilingual(lambda lang: percent(value, lang))


# positions ------------------------------------------------------------------------------------


def positions_reason(inputs: StudyInputs) -> Reason:
    positions = inputs.positions
    share = positions.eligible_share
    if share is None:
        return Reason(
            "eligible_positions",
            False,
            True,
            *MESSAGES.text("readiness.eligible_positions.none"),
            None,
            ELIGIBLE_SHARE_MIN,
        )
    met = share >= ELIGIBLE_SHARE_MIN
    figures = {
        "share": percent_text(share),
        "eligible": positions.eligible,
        "total": positions.total,
        "minimum": percent_text(ELIGIBLE_SHARE_MIN),
    }
    text = (
        MESSAGES.text("readiness.eligible_positions.met", **figures)
        if met
        else MESSAGES.text("readiness.eligible_positions.unmet", **figures)
    )
    return Reason("eligible_positions", met, True, *text, share, ELIGIBLE_SHARE_MIN)


# infrastructure -------------------------------------------------------------------------------


def opd_assessment(assessments: Sequence[Assessment]) -> Assessment | None:
    return next((a for a in assessments if a.work_unit_id is None), None)


def unit_readiness(inputs: StudyInputs) -> list[UnitReadiness]:
    """Every work unit known (from the positions, else from the assessments), judged by its
    own assessment or else the OPD-wide one. A unit qualifies when it has positions suited to
    WFA (or that is unknown) and both scores reach their thresholds."""
    whole = opd_assessment(inputs.assessments)
    own = {a.work_unit_id: a for a in inputs.assessments if a.work_unit_id is not None}
    known = {u.work_unit_id: u for u in inputs.positions.by_unit}
    ids = list(known) if known else sorted(own)
    units: list[UnitReadiness] = []
    for unit_id in ids:
        positions = known.get(unit_id)
        assessment = own.get(unit_id) or whole
        source = None if assessment is None else ("unit" if unit_id in own else "opd")
        eligible = None if positions is None else positions.eligible
        scores = (
            (None, None)
            if assessment is None
            else (assessment.infrastructure_score, assessment.connectivity_score)
        )
        qualifies = (
            assessment is not None
            and (eligible is None or eligible > 0)
            and assessment.infrastructure_score >= INFRASTRUCTURE_MIN
            and assessment.connectivity_score >= CONNECTIVITY_MIN
        )
        units.append(
            UnitReadiness(
                work_unit_id=unit_id,
                headcount=None if positions is None else positions.headcount,
                eligible=eligible,
                infrastructure_score=scores[0],
                connectivity_score=scores[1],
                source=source,
                qualifies=qualifies,
            )
        )
    return units


def _score_reason(
    code: str,
    label: Bilingual,
    threshold: int,
    whole: int | None,
    unit_scores: Sequence[tuple[str, int]],
) -> Reason:
    """One score against its threshold: the OPD-wide score when only the OPD was assessed,
    else the best work unit (units below the threshold are left out of the form)."""
    if unit_scores:
        value = max(score for _, score in unit_scores)
        below = sorted(unit for unit, score in unit_scores if score < threshold)
        figures = {"label": label, "value": value, "threshold": threshold}
        text = (
            MESSAGES.text("readiness.score.units_below", below=", ".join(below), **figures)
            if below
            else MESSAGES.text("readiness.score.units", **figures)
        )
    elif whole is not None:
        value = whole
        text = MESSAGES.text("readiness.score.opd", label=label, value=value, threshold=threshold)
    else:
        return Reason(
            code,
            False,
            True,
            *MESSAGES.text("readiness.score.none", label=label),
            None,
            threshold,
        )
    return Reason(code, value >= threshold, True, *text, value, threshold)


def infrastructure_reasons(inputs: StudyInputs, units: Sequence[UnitReadiness]) -> list[Reason]:
    if not inputs.assessments:
        return [
            Reason(
                "infrastructure_assessment",
                False,
                True,
                *MESSAGES.text("readiness.infrastructure_assessment.none"),
                0,
                1,
            )
        ]
    whole = opd_assessment(inputs.assessments)
    # per unit only when some unit was assessed on its own; else the OPD-wide assessment
    per_unit = any(u.source == "unit" for u in units)
    assessed = [u for u in units if per_unit and u.source is not None and u.eligible != 0]
    reasons = [
        _score_reason(
            "infrastructure",
            MESSAGES.text("readiness.label.infrastructure"),
            INFRASTRUCTURE_MIN,
            None if whole is None else whole.infrastructure_score,
            [(u.work_unit_id, u.infrastructure_score or 0) for u in assessed],
        ),
        _score_reason(
            "connectivity",
            MESSAGES.text("readiness.label.connectivity"),
            CONNECTIVITY_MIN,
            None if whole is None else whole.connectivity_score,
            [(u.work_unit_id, u.connectivity_score or 0) for u in assessed],
        ),
    ]
    if per_unit:
        qualifying = [u.work_unit_id for u in units if u.qualifies]
        names = ", ".join(qualifying) if qualifying else "-"
        reasons.append(
            Reason(
                "work_units",
                bool(qualifying),
                True,
                *MESSAGES.text(
                    "readiness.work_units",
                    qualifying=len(qualifying),
                    units=len(units),
                    names=names,
                ),
                len(qualifying),
                1,
            )
        )
    return reasons


# history and output ---------------------------------------------------------------------------


def history_reasons(months: Sequence[MonthFacts]) -> list[Reason]:
    measured = [m for m in months if m.has_data]
    if not measured:
        return [
            Reason(
                "history",
                False,
                False,
                *MESSAGES.text("readiness.history.none", months=len(months)),
                None,
                None,
            )
        ]
    return [
        _rate_reason(
            "attendance_compliance",
            combined(measured, ATTENDANCE),
            ATTENDANCE_MIN,
            MESSAGES.text("readiness.label.attendance"),
        ),
        _rate_reason(
            "report_submission",
            combined(measured, REPORTS),
            REPORT_RATE_MIN,
            MESSAGES.text("readiness.label.reports"),
        ),
    ]


def _rate_reason(code: str, value: float | None, threshold: float, label: Bilingual) -> Reason:
    if value is None:
        return Reason(
            code,
            False,
            False,
            *MESSAGES.text("readiness.rate.none", label=label),
            None,
            threshold,
        )
    met = value >= threshold
    return Reason(
        code,
        met,
        True,
        *MESSAGES.text(
            "readiness.rate.measured",
            label=Bilingual(label.id.capitalize(), label.en.capitalize()),
            value=percent_text(value),
            threshold=percent_text(threshold),
        ),
        value,
        threshold,
    )


def _sample(months: Sequence[MonthFacts], key: str) -> int:
    """How many outputs with a target the months measured ``key`` on."""
    return int(
        sum(
            m.measures[key].weight
            for m in months
            if key in m.measures and m.measures[key].value is not None
        )
    )


def output_reason(months: Sequence[MonthFacts]) -> Reason:
    wfa = combined(months, ACHIEVEMENT_WFA)
    office = combined(months, ACHIEVEMENT_WFO)
    if wfa is None or office is None:
        return Reason(
            "output_parity",
            False,
            False,
            *MESSAGES.text("readiness.output.none"),
            None,
            OUTPUT_RATIO_MIN,
        )
    samples = min(_sample(months, ACHIEVEMENT_WFA), _sample(months, ACHIEVEMENT_WFO))
    if samples < OUTPUT_SAMPLE_MIN:
        return Reason(
            "output_parity",
            False,
            False,
            *MESSAGES.text(
                "readiness.output.few",
                wfa=percent_text(wfa),
                office=percent_text(office),
                samples=samples,
                sample_min=OUTPUT_SAMPLE_MIN,
            ),
            None,
            OUTPUT_RATIO_MIN,
        )
    ratio = round(wfa / office, 4) if office > 0 else None
    met = wfa >= OUTPUT_RATIO_MIN * office
    return Reason(
        "output_parity",
        met,
        True,
        *MESSAGES.text(
            "readiness.output.compared",
            wfa=percent_text(wfa),
            office=percent_text(office),
            minimum=percent_text(OUTPUT_RATIO_MIN),
        ),
        ratio,
        OUTPUT_RATIO_MIN,
    )


# the OPD's current policy ---------------------------------------------------------------------


def policy_reason(policy: PolicyFacts | None) -> Reason:
    """Not a blocker: the study informs the choice the policy makes."""
    if policy is None:
        text = MESSAGES.text("readiness.policy.none")
    elif policy.wfa_enabled:
        text = MESSAGES.text("readiness.policy.enabled", version=policy.version)
    else:
        text = MESSAGES.text("readiness.policy.off", version=policy.version)
    enabled = policy is not None and policy.wfa_enabled
    return Reason("policy", enabled, False, *text, int(enabled), 1)
