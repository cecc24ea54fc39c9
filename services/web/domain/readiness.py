"""The readiness study of an OPD: "layak, dalam bentuk ini: ..." or "belum, karena: ..."
(pure, no I/O).

:func:`assess` applies the rules of :mod:`services.web.domain.readiness_rules` to what the
services know (:class:`~services.web.domain.readiness_inputs.StudyInputs`). The OPD is ready
(*layak*) when every blocking line is met; the study then proposes a form: how many days a
week, how large a share of a unit away a day, which work units, and on what conditions.
Otherwise (*belum*) it names the lines that failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

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
    percent,
    policy_reason,
    positions_reason,
    unit_readiness,
)

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
        headline_id = "Belum, karena: " + "; ".join(_clause(r.message_id) for r in failed) + "."
        headline_en = "Not yet, because: " + "; ".join(_clause(r.message_en) for r in failed) + "."
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
    conditions: list[tuple[str, str]] = [_positions_condition(inputs)]
    left_out = [u.work_unit_id for u in units if not u.qualifies and u.eligible != 0]
    if left_out:
        conditions.append(
            (
                "Unit kerja berikut tetap bekerja di kantor sampai skor infrastruktur dan "
                f"konektivitasnya mencapai {INFRASTRUCTURE_MIN}: {', '.join(left_out)}.",
                "These work units stay at the office until their infrastructure and "
                f"connectivity scores reach {INFRASTRUCTURE_MIN}: {', '.join(left_out)}.",
            )
        )
    if reduced:
        conditions.append(
            (
                f"Paling banyak {REDUCED_WEEKLY_CAP_DAYS} hari per minggu sampai skor "
                f"infrastruktur dan konektivitas mencapai {FULL_CAP_SCORE}; sesudahnya "
                f"{WEEKLY_CAP_DAYS} hari (Permen PANRB 4/2025 pasal 13 ayat 1).",
                f"At most {REDUCED_WEEKLY_CAP_DAYS} day a week until the infrastructure and "
                f"connectivity scores reach {FULL_CAP_SCORE}; then {WEEKLY_CAP_DAYS} days "
                "(Permen PANRB 4/2025 art. 13(1)).",
            )
        )
    conditions.extend(_caveat_conditions(inputs, reasons))
    conditions.append(
        (
            "Setiap hari WFA: disetujui atasan langsung, check-in dan check-out berlokasi, dan "
            "laporan harian terhadap rencana kerja.",
            "Every WFA day: approved by the direct supervisor, located check-in and check-out, "
            "and a daily report against the work plan.",
        )
    )
    return Form(
        weekly_cap_days=cap,
        max_away_share=share,
        units=[u.work_unit_id for u in qualifying],
        conditions_id=[text_id for text_id, _ in conditions],
        conditions_en=[text_en for _, text_en in conditions],
    )


def _positions_condition(inputs: StudyInputs) -> tuple[str, str]:
    categories = [
        str(c.get("category"))
        for c in inputs.positions.by_category
        if c.get("eligible") is True and c.get("category")
    ]
    if categories:
        listed = ", ".join(categories)
        return (
            f"Hanya jabatan yang sesuai menurut pemetaan tugas (kategori: {listed}).",
            f"Only positions the task mapping finds suitable (categories: {listed}).",
        )
    return (
        "Hanya jabatan yang sesuai menurut pemetaan tugas.",
        "Only positions the task mapping finds suitable.",
    )


def _caveat_conditions(inputs: StudyInputs, reasons: list[Reason]) -> list[tuple[str, str]]:
    unmet = {r.code for r in reasons if not r.met and not r.blocking}
    months = len(inputs.months)
    found: list[tuple[str, str]] = []
    if unmet & {"history", "attendance_compliance", "report_submission"}:
        found.append(
            (
                f"Mulai dengan uji coba {months} bulan, lalu tinjau kepatuhan kehadiran "
                f"(minimal {percent(ATTENDANCE_MIN)}) dan laporan harian "
                f"(minimal {percent(REPORT_RATE_MIN)}).",
                f"Start with a {months}-month trial, then review attendance (at least "
                f"{percent(ATTENDANCE_MIN, 'en')}) and daily reports (at least "
                f"{percent(REPORT_RATE_MIN, 'en')}).",
            )
        )
    if "output_parity" in unmet:
        found.append(
            (
                "Bandingkan capaian output hari WFA dengan hari di kantor selama uji coba "
                f"(minimal {percent(OUTPUT_RATIO_MIN)} dari capaian di kantor).",
                "Compare output achievement on WFA days with office days during the trial "
                f"(at least {percent(OUTPUT_RATIO_MIN, 'en')} of the office's).",
            )
        )
    if "policy" in unmet:
        found.append(
            (
                "Terbitkan kebijakan OPD yang mengaktifkan WFA dengan batas di atas.",
                "Publish an OPD policy that enables WFA within the limits above.",
            )
        )
    return found


def _form_headline(form: Form) -> tuple[str, str]:
    share_id, share_en = percent(form.max_away_share), percent(form.max_away_share, "en")
    if form.units:
        where_id = "unit kerja " + ", ".join(form.units)
        where_en = "these work units: " + ", ".join(form.units)
    else:
        where_id, where_en = "seluruh OPD", "the whole OPD"
    days_en = "day" if form.weekly_cap_days == 1 else "days"
    return (
        f"Layak, dalam bentuk ini: WFA paling banyak {form.weekly_cap_days} hari per minggu, "
        f"paling banyak {share_id} staf unit kerja per hari, di {where_id}.",
        f"Feasible, in this form: WFA on at most {form.weekly_cap_days} {days_en} a week, at "
        f"most {share_en} of a work unit's staff away a day, in {where_en}.",
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
