"""The readiness study's rules: each gives one line with its value, threshold and a
bilingual explanation (pure, no I/O).

A *blocking* line that is not met makes the verdict "belum"; a line that is not blocking (no
history yet, the OPD's current policy) is a caveat the study reports and turns into a
condition of the proposed form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


# positions ------------------------------------------------------------------------------------


def positions_reason(inputs: StudyInputs) -> Reason:
    positions = inputs.positions
    share = positions.eligible_share
    if share is None:
        return Reason(
            "eligible_positions",
            False,
            True,
            "Belum ada data jabatan OPD ini untuk dipetakan tugasnya.",
            "No positions of this OPD are recorded for the task mapping.",
            None,
            ELIGIBLE_SHARE_MIN,
        )
    met = share >= ELIGIBLE_SHARE_MIN
    counts = f"{positions.eligible}/{positions.total}"
    if met:
        text_id = (
            f"{percent(share)} jabatan ({counts}) sesuai untuk WFA menurut pemetaan tugas "
            f"(minimal {percent(ELIGIBLE_SHARE_MIN)})."
        )
        text_en = (
            f"{percent(share, 'en')} of positions ({counts}) suit WFA under the task mapping "
            f"(at least {percent(ELIGIBLE_SHARE_MIN, 'en')})."
        )
    else:
        text_id = (
            f"terlalu sedikit jabatan yang sesuai untuk WFA: {percent(share)} ({counts}), "
            f"minimal {percent(ELIGIBLE_SHARE_MIN)}."
        )
        text_en = (
            f"too few positions suit WFA: {percent(share, 'en')} ({counts}), at least "
            f"{percent(ELIGIBLE_SHARE_MIN, 'en')}."
        )
    return Reason("eligible_positions", met, True, text_id, text_en, share, ELIGIBLE_SHARE_MIN)


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
    label: tuple[str, str],
    threshold: int,
    whole: int | None,
    unit_scores: Sequence[tuple[str, int]],
) -> Reason:
    """One score against its threshold: the OPD-wide score when only the OPD was assessed,
    else the best work unit (units below the threshold are left out of the form)."""
    if unit_scores:
        value = max(score for _, score in unit_scores)
        below = sorted(unit for unit, score in unit_scores if score < threshold)
        where_id = "tertinggi di antara unit kerja"
        where_en = "Best {label} score among the work units"
        extra_id = f"; di bawah ambang (dikecualikan): {', '.join(below)}" if below else ""
        extra_en = f"; below the threshold (left out): {', '.join(below)}" if below else ""
    elif whole is not None:
        value = whole
        where_id, where_en, extra_id, extra_en = "OPD", "The OPD's {label} score", "", ""
    else:
        return Reason(
            code,
            False,
            True,
            f"tidak ada penilaian {label[0]} untuk unit kerja yang memiliki jabatan sesuai WFA.",
            f"no {label[1]} assessment covers the work units with positions suited to WFA.",
            None,
            threshold,
        )
    met = value >= threshold
    return Reason(
        code,
        met,
        True,
        f"Skor {label[0]} {where_id}: {value} (minimal {threshold}){extra_id}.",
        f"{where_en.format(label=label[1])}: {value} (at least {threshold}){extra_en}.",
        value,
        threshold,
    )


def infrastructure_reasons(inputs: StudyInputs, units: Sequence[UnitReadiness]) -> list[Reason]:
    if not inputs.assessments:
        return [
            Reason(
                "infrastructure_assessment",
                False,
                True,
                "belum ada penilaian kesiapan infrastruktur dan konektivitas yang tercatat.",
                "no infrastructure and connectivity assessment is recorded.",
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
            ("infrastruktur", "infrastructure"),
            INFRASTRUCTURE_MIN,
            None if whole is None else whole.infrastructure_score,
            [(u.work_unit_id, u.infrastructure_score or 0) for u in assessed],
        ),
        _score_reason(
            "connectivity",
            ("konektivitas", "connectivity"),
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
                f"Unit kerja yang memenuhi kedua ambang dan memiliki jabatan sesuai WFA: "
                f"{len(qualifying)} dari {len(units)} ({names}).",
                f"Work units meeting both thresholds with positions suited to WFA: "
                f"{len(qualifying)} of {len(units)} ({names}).",
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
                f"Belum ada riwayat kehadiran dan laporan dalam {len(months)} bulan terakhir; "
                "kepatuhan dipantau selama uji coba.",
                f"No attendance or report history in the last {len(months)} months; "
                "compliance is to be watched during a trial.",
                None,
                None,
            )
        ]
    return [
        _rate_reason(
            "attendance_compliance",
            combined(measured, ATTENDANCE),
            ATTENDANCE_MIN,
            ("kepatuhan kehadiran (hari dengan check-in)", "attendance (days checked in)"),
        ),
        _rate_reason(
            "report_submission",
            combined(measured, REPORTS),
            REPORT_RATE_MIN,
            ("laporan harian yang dikirim", "daily reports submitted"),
        ),
    ]


def _rate_reason(
    code: str, value: float | None, threshold: float, label: tuple[str, str]
) -> Reason:
    if value is None:
        return Reason(
            code,
            False,
            False,
            f"Belum ada data {label[0]} untuk dinilai.",
            f"No data on {label[1]} to assess yet.",
            None,
            threshold,
        )
    met = value >= threshold
    return Reason(
        code,
        met,
        True,
        f"{label[0].capitalize()}: {percent(value)} (minimal {percent(threshold)}).",
        f"{label[1].capitalize()}: {percent(value, 'en')} (at least {percent(threshold, 'en')}).",
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
            "Belum ada perbandingan capaian output hari WFA dan hari di kantor.",
            "No comparison yet of output achievement on WFA days and office days.",
            None,
            OUTPUT_RATIO_MIN,
        )
    samples = min(_sample(months, ACHIEVEMENT_WFA), _sample(months, ACHIEVEMENT_WFO))
    if samples < OUTPUT_SAMPLE_MIN:
        return Reason(
            "output_parity",
            False,
            False,
            f"Capaian output hari WFA {percent(wfa)} dan hari di kantor {percent(office)} belum "
            f"dapat dibandingkan: baru {samples} output bertarget (minimal {OUTPUT_SAMPLE_MIN} "
            "di tiap sisi); dipantau selama uji coba.",
            f"Output achievement on WFA days {percent(wfa, 'en')} and office days "
            f"{percent(office, 'en')} cannot be compared yet: only {samples} outputs with a "
            f"target (at least {OUTPUT_SAMPLE_MIN} on each side); to be watched during a trial.",
            None,
            OUTPUT_RATIO_MIN,
        )
    ratio = round(wfa / office, 4) if office > 0 else None
    met = wfa >= OUTPUT_RATIO_MIN * office
    return Reason(
        "output_parity",
        met,
        True,
        f"Capaian output hari WFA {percent(wfa)} terhadap hari di kantor {percent(office)} "
        f"(minimal {percent(OUTPUT_RATIO_MIN)} dari capaian di kantor).",
        f"Output achievement on WFA days {percent(wfa, 'en')} against office days "
        f"{percent(office, 'en')} (at least {percent(OUTPUT_RATIO_MIN, 'en')} of the office's).",
        ratio,
        OUTPUT_RATIO_MIN,
    )


# the OPD's current policy ---------------------------------------------------------------------


def policy_reason(policy: PolicyFacts | None) -> Reason:
    """Not a blocker: the study informs the choice the policy makes."""
    if policy is None:
        text_id = "OPD ini belum menerbitkan kebijakan WFA; kajian ini menjadi dasar keputusannya."
        text_en = "This OPD has published no WFA policy yet; this study informs that decision."
    elif policy.wfa_enabled:
        text_id = f"Kebijakan OPD (versi {policy.version}) mengaktifkan WFA."
        text_en = f"The OPD's policy (version {policy.version}) enables WFA."
    else:
        text_id = (
            f"Kebijakan OPD (versi {policy.version}) tidak mengaktifkan WFA; kajian ini menjadi "
            "dasar untuk memutuskannya."
        )
        text_en = (
            f"The OPD's policy (version {policy.version}) leaves WFA off; this study informs "
            "that decision."
        )
    enabled = policy is not None and policy.wfa_enabled
    return Reason("policy", enabled, False, text_id, text_en, int(enabled), 1)
