"""The readiness study of an OPD: "layak, dalam bentuk ini: ..." or "belum, karena: ..."
(pure, no I/O).

:func:`assess` applies the rules of :mod:`services.web.domain.readiness_rules` to what the
services know (:class:`~services.web.domain.readiness_inputs.StudyInputs`). The OPD is ready
(*layak*) when every blocking line is met; the study then proposes a form: how many days a
week, how large a share of a unit away a day, which work units, and on what conditions.
Otherwise (*belum*) it names the lines that failed. Its texts are looked up in the gateway's
catalog (:mod:`services.web.messages`, codes ``readiness.*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from kernel.messages import Bilingual
from services.web.domain.readiness_inputs import (
    ACCEPTANCE,
    ACHIEVEMENT,
    ACHIEVEMENT_WFA,
    ACHIEVEMENT_WFO,
    ATTENDANCE,
    OUTPUTS_PER_DAY_WFA,
    OUTPUTS_PER_DAY_WFO,
    REPORTS,
    SHARE_AWAY,
    Assessment,
    StudyInputs,
    combined,
)
from services.web.domain.readiness_rules import (
    ATTENDANCE_MIN,
    CONNECTIVITY_MIN,
    ELIGIBLE_SHARE_MIN,
    INFRASTRUCTURE_MIN,
    OUTPUT_RATIO_MIN,
    REPORT_RATE_MIN,
    Reason,
    UnitReadiness,
    history_reasons,
    infrastructure_reasons,
    opd_assessment,
    output_reason,
    percent_text,
    policy_reason,
    positions_reason,
    unit_readiness,
)
from services.web.messages import MESSAGES

WEEKLY_CAP_DAYS = 2
"""Days a week the form allows (Permen PANRB 4/2025 art. 13(1))."""
REDUCED_WEEKLY_CAP_DAYS = 1
"""Days a week while infrastructure or connectivity is below :data:`FULL_CAP_SCORE`."""
FULL_CAP_SCORE = 75
DEFAULT_MAX_AWAY_SHARE = 0.25
"""Share of a unit's staff away a day, when the OPD's policy sets none."""

Verdict = Literal["layak", "belum"]


@dataclass(frozen=True, slots=True)
class Form:
    """The form in which WFA is feasible."""

    weekly_cap_days: int
    max_away_share: float
    units: list[str]
    """The work units that qualify; empty when the whole OPD was assessed as one."""
    conditions_id: list[str]
    conditions_en: list[str]


@dataclass(frozen=True, slots=True)
class Study:
    opd_id: str
    verdict: Verdict
    headline_id: str
    headline_en: str
    form: Form | None
    reasons: list[Reason]
    positions: dict[str, Any]
    infrastructure: dict[str, Any]
    history: list[dict[str, Any]]
    productivity: dict[str, Any]
    what_if: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def assess(inputs: StudyInputs) -> Study:
    """The study of one OPD."""
    units = unit_readiness(inputs)
    output = output_reason(inputs.months)
    reasons = [
        positions_reason(inputs),
        *infrastructure_reasons(inputs, units),
        *history_reasons(inputs.months),
        output,
        policy_reason(inputs.policy),
    ]
    failed = [r for r in reasons if r.blocking and not r.met]
    form = None if failed else _form(inputs, units, reasons)
    if form is None:
        clauses = Bilingual.join(
            "; ", (Bilingual(_clause(r.message_id), _clause(r.message_en)) for r in failed)
        )
        headline_id, headline_en = MESSAGES.text("readiness.headline.not_yet", clauses=clauses)
    else:
        headline_id, headline_en = _form_headline(form)
    return Study(
        opd_id=inputs.opd_id,
        verdict="belum" if form is None else "layak",
        headline_id=headline_id,
        headline_en=headline_en,
        form=form,
        reasons=reasons,
        positions=_positions(inputs),
        infrastructure=_infrastructure(inputs, units),
        history=_history(inputs),
        productivity=_productivity(inputs, output),
        what_if=None if inputs.what_if is None else dict(inputs.what_if),
    )


def _clause(message: str) -> str:
    text = message.rstrip(".")
    return text[:1].lower() + text[1:]


# the form -------------------------------------------------------------------------------------


def _form(inputs: StudyInputs, units: Sequence[UnitReadiness], reasons: list[Reason]) -> Form:
    qualifying = [u for u in units if u.qualifies]
    whole = opd_assessment(inputs.assessments)
    scores = [min(u.infrastructure_score or 0, u.connectivity_score or 0) for u in qualifying] or (
        [min(whole.infrastructure_score, whole.connectivity_score)] if whole else []
    )
    reduced = bool(scores) and min(scores) < FULL_CAP_SCORE
    cap = REDUCED_WEEKLY_CAP_DAYS if reduced else WEEKLY_CAP_DAYS
    policy = inputs.policy
    share = (
        policy.max_away_share
        if policy is not None and policy.max_away_share is not None
        else DEFAULT_MAX_AWAY_SHARE
    )
    conditions: list[Bilingual] = [_positions_condition(inputs)]
    left_out = [u.work_unit_id for u in units if not u.qualifies and u.eligible != 0]
    if left_out:
        conditions.append(
            MESSAGES.text(
                "readiness.condition.units_left_out",
                threshold=INFRASTRUCTURE_MIN,
                units=", ".join(left_out),
            )
        )
    if reduced:
        conditions.append(
            MESSAGES.text(
                "readiness.condition.reduced_cap",
                reduced_days=REDUCED_WEEKLY_CAP_DAYS,
                full_cap_score=FULL_CAP_SCORE,
                cap_days=WEEKLY_CAP_DAYS,
            )
        )
    conditions.extend(_caveat_conditions(inputs, reasons))
    conditions.append(MESSAGES.text("readiness.condition.every_day"))
    return Form(
        weekly_cap_days=cap,
        max_away_share=share,
        units=[u.work_unit_id for u in qualifying],
        conditions_id=[text_id for text_id, _ in conditions],
        conditions_en=[text_en for _, text_en in conditions],
    )


def _positions_condition(inputs: StudyInputs) -> Bilingual:
    categories = [
        str(c.get("category"))
        for c in inputs.positions.by_category
        if c.get("eligible") is True and c.get("category")
    ]
    if categories:
        return MESSAGES.text(
            "readiness.condition.positions_listed", categories=", ".join(categories)
        )
    return MESSAGES.text("readiness.condition.positions")


def _caveat_conditions(inputs: StudyInputs, reasons: list[Reason]) -> list[Bilingual]:
    unmet = {r.code for r in reasons if not r.met and not r.blocking}
    found: list[Bilingual] = []
    if unmet & {"history", "attendance_compliance", "report_submission"}:
        found.append(
            MESSAGES.text(
                "readiness.condition.trial",
                months=len(inputs.months),
                attendance_min=percent_text(ATTENDANCE_MIN),
                report_min=percent_text(REPORT_RATE_MIN),
            )
        )
    if "output_parity" in unmet:
        found.append(
            MESSAGES.text(
                "readiness.condition.compare_output", minimum=percent_text(OUTPUT_RATIO_MIN)
            )
        )
    if "policy" in unmet:
        found.append(MESSAGES.text("readiness.condition.publish_policy"))
    return found


def _form_headline(form: Form) -> Bilingual:
    where = (
        MESSAGES.text("readiness.where.units", units=", ".join(form.units))
        if form.units
        else MESSAGES.text("readiness.where.opd")
    )
    day_unit = (
        MESSAGES.text("readiness.unit.day")
        if form.weekly_cap_days == 1
        else MESSAGES.text("readiness.unit.days")
    )
    return MESSAGES.text(
        "readiness.headline.feasible",
        days=form.weekly_cap_days,
        day_unit=day_unit,
        share=percent_text(form.max_away_share),
        where=where,
    )


# the study's sections -------------------------------------------------------------------------


def _positions(inputs: StudyInputs) -> dict[str, Any]:
    positions = inputs.positions
    return {
        "total": positions.total,
        "eligible": positions.eligible,
        "eligible_share": positions.eligible_share,
        "threshold": ELIGIBLE_SHARE_MIN,
        "by_category": [dict(c) for c in positions.by_category],
        "by_unit": [asdict(u) for u in positions.by_unit],
    }


def _infrastructure(inputs: StudyInputs, units: Sequence[UnitReadiness]) -> dict[str, Any]:
    whole = opd_assessment(inputs.assessments)
    return {
        "infrastructure_score": _opd_score(whole, units, "infrastructure_score"),
        "connectivity_score": _opd_score(whole, units, "connectivity_score"),
        "thresholds": {
            "infrastructure_score": INFRASTRUCTURE_MIN,
            "connectivity_score": CONNECTIVITY_MIN,
            "full_cap_score": FULL_CAP_SCORE,
        },
        "opd": None if whole is None else asdict(whole),
        "units": [asdict(u) for u in units],
        "assessments": [asdict(a) for a in inputs.assessments],
    }


def _opd_score(whole: Assessment | None, units: Sequence[UnitReadiness], key: str) -> int | None:
    """The OPD-wide assessment's score, else the units' scores weighted by headcount."""
    if whole is not None:
        return int(getattr(whole, key))
    scored = [(getattr(u, key), u.headcount or 1) for u in units if getattr(u, key) is not None]
    weight = sum(w for _, w in scored)
    return round(sum(s * w for s, w in scored) / weight) if weight else None


def _history(inputs: StudyInputs) -> list[dict[str, Any]]:
    keys = (
        ATTENDANCE,
        REPORTS,
        ACCEPTANCE,
        SHARE_AWAY,
        ACHIEVEMENT,
        ACHIEVEMENT_WFA,
        ACHIEVEMENT_WFO,
        OUTPUTS_PER_DAY_WFA,
        OUTPUTS_PER_DAY_WFO,
    )
    return [
        {
            "month": month.month,
            "has_data": month.has_data,
            "headcount": month.headcount,
            "wfa_days": month.wfa_days,
            "wfo_days": month.wfo_days,
            **{key: month.value(key) for key in keys},
        }
        for month in inputs.months
    ]


def _productivity(inputs: StudyInputs, output: Reason) -> dict[str, Any]:
    """WFA days against office days over the months studied, in reporting's shape."""
    months = inputs.months
    if output.value is None and not output.blocking:
        verdict = "insufficient_data"
    else:
        verdict = "no_gap" if output.met else "wfa_behind"
    return {
        "months": sum(1 for m in months if m.has_data),
        "wfa": {
            "days": sum(m.wfa_days for m in months),
            "outputs_per_day": combined(months, OUTPUTS_PER_DAY_WFA),
            "achievement": combined(months, ACHIEVEMENT_WFA),
        },
        "wfo": {
            "days": sum(m.wfo_days for m in months),
            "outputs_per_day": combined(months, OUTPUTS_PER_DAY_WFO),
            "achievement": combined(months, ACHIEVEMENT_WFO),
        },
        "achievement_ratio": output.value,
        "threshold": OUTPUT_RATIO_MIN,
        "verdict": verdict,
        "message_id": output.message_id,
        "message_en": output.message_en,
    }
