"""What reporting derives at read time from the sums of :mod:`tests.support.week_model`:
rates, the WFA-versus-office comparison, the OPD head's scorecard and the checksum of a TPP
summary (pure, no I/O). Each follows the meaning the reporting design gives it; rates are
exact here (the API rounds them to 4 decimals).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.support.week_model import month_text, ratio


def opd_rates(row: dict[str, Any], days: int, staff_days: int) -> dict[str, float | None]:
    """What an OPD's sums mean (days: 1 for a day, the month's working days for a month)."""
    person_days = max(row["headcount"] * days, staff_days)
    present, submitted = row["present"], row["reports_submitted"]
    return {
        "share_away": ratio(row["wfa"], person_days),
        "attendance_rate": ratio(present, person_days),
        "late_rate": ratio(row["late"], present),
        "missing_check_out_rate": ratio(row["missing_check_out"], present),
        "report_rate": ratio(submitted, max(present, submitted)),
        "acceptance_rate": ratio(row["reports_accepted"], submitted),
        "unapproved_wfa_share": ratio(row["wfa_unapproved"], row["wfa"]),
        "violations_per_100_staff_days": (
            None if staff_days <= 0 else 100 * row["violations"] / staff_days
        ),
        "achievement_wfa": ratio(row["achievement_sum_wfa"], row["with_target_wfa"]),
        "achievement_wfo": ratio(row["achievement_sum_wfo"], row["with_target_wfo"]),
        "outputs_per_day_wfa": ratio(row["outputs_wfa"], row["wfa"]),
        "outputs_per_day_wfo": ratio(row["outputs_wfo"], row["wfo"]),
    }


def employee_rates(row: dict[str, Any]) -> dict[str, float | None]:
    present, submitted = row["days_present"], row["reports_submitted"]
    return {
        "attendance_rate": ratio(present, row["working_days"]),
        "report_rate": ratio(submitted, max(present, submitted)),
        "acceptance_rate": ratio(row["reports_accepted"], submitted),
        "achievement": ratio(row["achievement_sum"], row["outputs_with_target"]),
        "outputs_per_day_wfa": ratio(row["outputs_wfa"], row["days_wfa"]),
        "outputs_per_day_wfo": ratio(row["outputs_wfo"], row["days_wfo"]),
    }


PRODUCTIVITY_TOLERANCE = 0.10


def productivity(row: dict[str, Any]) -> dict[str, Any]:
    """WFA days against office days of an OPD month."""
    wfa_rate = ratio(row["outputs_wfa"], row["wfa"])
    wfo_rate = ratio(row["outputs_wfo"], row["wfo"])
    wfa_ach = ratio(row["achievement_sum_wfa"], row["with_target_wfa"])
    wfo_ach = ratio(row["achievement_sum_wfo"], row["with_target_wfo"])
    relative = None if wfa_rate is None or not wfo_rate else wfa_rate / wfo_rate
    gap = None if wfa_ach is None or wfo_ach is None else wfa_ach - wfo_ach
    if not row["wfa"] or not row["wfo"]:
        verdict = "insufficient_data"
    elif (relative is not None and relative < 1 - PRODUCTIVITY_TOLERANCE) or (
        gap is not None and gap < -PRODUCTIVITY_TOLERANCE
    ):
        verdict = "wfa_behind"
    elif (
        (relative is None and row["outputs_wfa"] > 0)  # outputs on WFA days, none at the office
        or (relative is not None and relative > 1 + PRODUCTIVITY_TOLERANCE)
        or (gap is not None and gap > PRODUCTIVITY_TOLERANCE)
    ):
        verdict = "wfa_ahead"
    else:
        verdict = "no_gap"
    return {
        "wfa_days": row["wfa"],
        "wfa_outputs": row["outputs_wfa"],
        "wfa_outputs_per_day": wfa_rate,
        "wfa_achievement": wfa_ach,
        "wfo_days": row["wfo"],
        "wfo_outputs": row["outputs_wfo"],
        "wfo_outputs_per_day": wfo_rate,
        "wfo_achievement": wfo_ach,
        "outputs_per_day_gap": (
            None if wfa_rate is None or wfo_rate is None else wfa_rate - wfo_rate
        ),
        "outputs_per_day_ratio": relative,
        "achievement_gap": gap,
        "verdict": verdict,
    }


SCORECARD_WEIGHTS = {
    "attendance": 15,
    "punctuality": 10,
    "daily_reports": 15,
    "reports_accepted": 10,
    "output_achievement": 15,
    "wfa_within_weekly_cap": 10,
    "wfa_approved": 10,
    "violations": 10,
    "away_share_within_cap": 5,
}
"""The head's accountability scorecard: each component's weight (of 100)."""


def scorecard(row: dict[str, Any], away_cap: float | None) -> dict[str, Any]:
    """Each component's (value, score) and the weighted total (0..100) of an OPD month."""
    rates = opd_rates(row, row["working_days"], row["staff_days"])
    wfa = row["wfa"]
    within = 1.0 if wfa == 0 else (wfa - min(row["wfa_days_over_cap"], wfa)) / wfa
    approved = 1.0 if wfa == 0 else (wfa - row["wfa_unapproved"]) / wfa
    per_100 = rates["violations_per_100_staff_days"]
    achievement = ratio(
        row["achievement_sum_wfa"] + row["achievement_sum_wfo"],
        row["with_target_wfa"] + row["with_target_wfo"],
    )
    away = rates["share_away"]
    away_score = None
    if away is not None and away_cap is not None:
        away_score = 1.0 if away <= away_cap else away_cap / away
    values: dict[str, tuple[float | None, float | None]] = {
        "attendance": (rates["attendance_rate"],) * 2,
        "punctuality": (ratio(row["present"] - row["late"], row["present"]),) * 2,
        "daily_reports": (rates["report_rate"],) * 2,
        "reports_accepted": (rates["acceptance_rate"],) * 2,
        "output_achievement": (None if achievement is None else min(1.0, achievement),) * 2,
        "wfa_within_weekly_cap": (within, within),
        "wfa_approved": (approved, approved),
        "violations": (
            per_100,
            None if per_100 is None else max(0.0, 1 - per_100 / 10),
        ),
        "away_share_within_cap": (away, away_score),
    }
    scored = {code: score for code, (_, score) in values.items() if score is not None}
    weights = sum(SCORECARD_WEIGHTS[code] for code in scored)
    total = (
        None
        if not weights
        else 100 * sum(SCORECARD_WEIGHTS[c] * s for c, s in scored.items()) / weights
    )
    return {"components": values, "score": total}


SUMMARY_FIGURES = (
    "nip",
    "opd_id",
    "working_days",
    "days_present",
    "days_wfa",
    "days_wfo",
    "wfa_days_over_cap",
    "worked_minutes",
    "expected_minutes",
    "late_days",
    "missing_check_out_days",
    "reports_submitted",
    "reports_accepted",
    "outputs",
    "anomalies",
    "anomalies_by_kind",
)
"""The figures of ``MonthlySummaryPublished`` taken from an employee-month as they are."""


def summary_checksum(row: dict[str, Any]) -> str:
    """SHA-256 of a TPP summary's figures as canonical JSON (keys sorted, no spaces), the
    achievement rounded to 4 decimals."""
    figures = {key: row[key] for key in SUMMARY_FIGURES}
    figures["month"] = month_text(row["month"])
    with_target = row["outputs_with_target"]
    figures["output_achievement"] = (
        None if not with_target else round(row["achievement_sum"] / with_target, 4)
    )
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
