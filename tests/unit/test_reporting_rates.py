"""Rates, the WFA-versus-office comparison, the OPD head's scorecard and the ranking (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.reporting.domain.rates import (
    OpdFigures,
    employee_month_rates,
    opd_rates,
    per_hundred,
    productivity,
    ratio,
)
from services.reporting.domain.scorecard import (
    VIOLATIONS_AT_ZERO_SCORE,
    AwayCap,
    cap_in_force,
    grade_of,
    opd_scorecard,
    ranking,
)


def opd_month_row(**overrides: Any) -> dict[str, Any]:
    """An opd_month row: 10 staff over 20 working days, 200 staff-days recorded."""
    row: dict[str, Any] = {
        "opd_id": "opd-x",
        "month": "2026-03-01",
        "headcount": 10,
        "working_days": 20,
        "staff_days": 200,
        "present": 180,
        "wfa": 30,
        "wfo": 150,
        "wfa_unapproved": 3,
        "wfa_days_over_cap": 6,
        "late": 18,
        "missing_check_out": 9,
        "reports_submitted": 162,
        "reports_accepted": 81,
        "anomalies": 12,
        "violations": 4,
        "outputs_wfa": 60,
        "outputs_wfo": 300,
        "achievement_sum_wfa": 18.0,
        "with_target_wfa": 20,
        "achievement_sum_wfo": 72.0,
        "with_target_wfo": 80,
    }
    row.update(overrides)
    return row


def opd_day_row(**overrides: Any) -> dict[str, Any]:
    row = {**opd_month_row(), "recorded": 10, "present": 9, "wfa": 2, "wfo": 7}
    for key in ("working_days", "staff_days", "wfa_days_over_cap", "month"):
        del row[key]
    row.update(overrides)
    return row


# ratios ---------------------------------------------------------------------------------------


def test_ratio_is_none_without_a_denominator_and_rounded_otherwise() -> None:
    assert ratio(1, 0) is None and ratio(0, 0) is None and ratio(3, -1) is None
    assert ratio(0, 5) == 0.0
    assert ratio(1, 3) == 0.3333
    assert ratio(2, 3) == 0.6667
    assert per_hundred(4, 200) == 2.0 and per_hundred(1, 0) is None


def test_rates_of_an_opd_month_come_from_its_sums() -> None:
    figures = OpdFigures.from_month(opd_month_row())
    rates = opd_rates(figures)
    assert figures.person_days == 200
    assert rates.share_away == 0.15  # 30 WFA employee-days of 200
    assert rates.attendance_rate == 0.9  # 180 of 200
    assert rates.late_rate == 0.1  # 18 of 180 present
    assert rates.missing_check_out_rate == 0.05
    assert rates.report_rate == 0.9  # 162 of 180 present
    assert rates.acceptance_rate == 0.5  # 81 of 162
    assert rates.unapproved_wfa_share == 0.1  # 3 of 30
    assert rates.violations_per_100_staff_days == 2.0
    assert rates.achievement == 0.9  # (18 + 72) / (20 + 80)
    assert rates.achievement_wfa == 0.9 and rates.achievement_wfo == 0.9
    assert rates.outputs_per_day_wfa == 2.0 and rates.outputs_per_day_wfo == 2.0


def test_person_days_never_fall_below_the_days_recorded() -> None:
    # the roster now has 5 staff, but 10 worked in the month: no rate above 1
    figures = OpdFigures.from_month(opd_month_row(headcount=5))
    assert figures.person_days == 200
    assert opd_rates(figures).attendance_rate == 0.9


def test_an_opd_day_is_measured_against_its_headcount() -> None:
    rates = opd_rates(OpdFigures.from_day(opd_day_row()))
    assert rates.person_days == 10
    assert rates.share_away == 0.2 and rates.attendance_rate == 0.9


def test_an_empty_opd_has_no_rates_rather_than_zero_or_one() -> None:
    zero = {k: 0 for k in opd_month_row() if k not in ("opd_id", "month")}
    rates = opd_rates(OpdFigures.from_month({**opd_month_row(), **zero}))
    assert rates.person_days == 0
    assert rates.attendance_rate is None and rates.report_rate is None
    assert rates.acceptance_rate is None and rates.achievement is None
    assert rates.violations_per_100_staff_days is None


def test_a_report_on_a_day_without_a_check_in_never_makes_the_report_rate_exceed_one() -> None:
    rates = opd_rates(OpdFigures.from_month(opd_month_row(present=10, reports_submitted=12)))
    assert rates.report_rate == 1.0


def test_the_province_total_adds_every_sum() -> None:
    a = OpdFigures.from_month(opd_month_row())
    b = OpdFigures.from_month(opd_month_row(headcount=4, staff_days=80, present=70, wfa=10))
    total = OpdFigures.total([a, b])
    assert total.headcount == 14 and total.days == 20
    assert total.staff_days == 280 and total.present == 250 and total.wfa == 40
    assert total.person_days == 280
    assert OpdFigures.total([]).person_days == 0


def test_employee_month_rates() -> None:
    row = {
        "working_days": 20,
        "days_present": 16,
        "late_days": 4,
        "worked_minutes": 6750,
        "expected_minutes": 7200,
        "reports_submitted": 16,
        "reports_accepted": 12,
        "achievement_sum": 7.5,
        "outputs_with_target": 10,
        "outputs_wfa": 9,
        "days_wfa": 3,
        "outputs_wfo": 26,
        "days_wfo": 13,
    }
    rates = employee_month_rates(row)
    assert rates == {
        "attendance_rate": 0.8,
        "punctuality_rate": 0.75,
        "worked_share": 0.9375,
        "report_rate": 1.0,
        "acceptance_rate": 0.75,
        "achievement": 0.75,
        "outputs_per_day_wfa": 3.0,
        "outputs_per_day_wfo": 2.0,
    }
    assert employee_month_rates({**row, "days_wfa": 0})["outputs_per_day_wfa"] is None


# WFA against the office -----------------------------------------------------------------------


def test_equal_output_per_day_is_no_gap() -> None:
    result = productivity(OpdFigures.from_month(opd_month_row()))
    assert result.verdict == "no_gap"
    assert result.wfa.outputs_per_day == 2.0 and result.wfo.outputs_per_day == 2.0
    assert result.outputs_per_day_gap == 0.0 and result.outputs_per_day_ratio == 1.0
    assert result.achievement_gap == 0.0
    assert result.message_id != result.message_en


def test_wfa_clearly_behind_the_office_is_a_gap() -> None:
    # 45 outputs on 30 WFA days (1.5 a day) against 2 a day at the office: ratio 0.75
    result = productivity(OpdFigures.from_month(opd_month_row(outputs_wfa=45)))
    assert result.verdict == "wfa_behind"
    assert result.outputs_per_day_ratio == 0.75 and result.outputs_per_day_gap == -0.5


def test_a_lower_achievement_on_wfa_days_is_a_gap_even_with_as_many_outputs() -> None:
    result = productivity(OpdFigures.from_month(opd_month_row(achievement_sum_wfa=14.0)))
    assert result.achievement_gap == -0.2 and result.verdict == "wfa_behind"


def test_within_the_tolerance_is_no_gap_and_beyond_it_wfa_is_ahead() -> None:
    # 1.9 a day against 2: 5% behind, within the 10% tolerance
    assert productivity(OpdFigures.from_month(opd_month_row(outputs_wfa=57))).verdict == "no_gap"
    ahead = productivity(OpdFigures.from_month(opd_month_row(outputs_wfa=75)))
    assert ahead.verdict == "wfa_ahead" and ahead.outputs_per_day_ratio == 1.25


def test_without_days_in_one_mode_there_is_nothing_to_compare() -> None:
    result = productivity(OpdFigures.from_month(opd_month_row(wfa=0, outputs_wfa=0)))
    assert result.verdict == "insufficient_data"
    assert result.wfa.outputs_per_day is None and result.outputs_per_day_gap is None


def test_outputs_only_on_wfa_days_put_wfa_ahead() -> None:
    result = productivity(OpdFigures.from_month(opd_month_row(outputs_wfo=0)))
    assert result.outputs_per_day_ratio is None and result.verdict == "wfa_ahead"


# the scorecard --------------------------------------------------------------------------------


def _component(card: Any, code: str) -> Any:
    [component] = [c for c in card.components if c.code == code]
    return component


def test_scorecard_components_weights_and_total() -> None:
    card = opd_scorecard(OpdFigures.from_month(opd_month_row()), away_cap=0.2)
    assert sum(c.weight for c in card.components) == 100
    expected = {
        "attendance": 0.9,
        "punctuality": 0.9,  # 162 of 180 present on time
        "daily_reports": 0.9,
        "reports_accepted": 0.5,
        "output_achievement": 0.9,
        "wfa_within_weekly_cap": 0.8,  # 6 of 30 WFA days over the cap
        "wfa_approved": 0.9,  # 3 of 30 unapproved
        "violations": 0.8,  # 2 per 100 staff-days, 0 at 10
        "away_share_within_cap": 1.0,  # 15% away, cap 20%
    }
    assert {c.code: c.score for c in card.components} == expected
    weighted = sum(c.weight * expected[c.code] for c in card.components)
    assert card.score == round(weighted, 1) == 84.5
    assert (card.grade, card.grade_id, card.grade_en) == ("B", "Baik", "Good")
    violations = _component(card, "violations")
    assert violations.value == 2.0 and violations.unit == "per_100_staff_days"
    for component in card.components:
        assert component.label_id and component.label_en
        assert component.label_id != component.label_en


def test_a_subordinate_breaking_the_rules_lowers_the_heads_score() -> None:
    clean = opd_scorecard(
        OpdFigures.from_month(opd_month_row(violations=0, wfa_unapproved=0, wfa_days_over_cap=0)),
        0.2,
    )
    broken = opd_scorecard(
        OpdFigures.from_month(opd_month_row(violations=10, wfa_unapproved=0, wfa_days_over_cap=0)),
        0.2,
    )
    assert clean.score is not None and broken.score is not None
    assert broken.score < clean.score
    assert _component(broken, "violations").score == 0.5


def test_violations_at_the_ceiling_score_zero_and_never_below() -> None:
    staff_days = 200
    at_ceiling = int(VIOLATIONS_AT_ZERO_SCORE * staff_days / 100)
    for violations in (at_ceiling, at_ceiling * 3):
        card = opd_scorecard(OpdFigures.from_month(opd_month_row(violations=violations)), 0.2)
        assert _component(card, "violations").score == 0.0


def test_share_away_beyond_the_cap_scores_cap_over_share() -> None:
    card = opd_scorecard(OpdFigures.from_month(opd_month_row(wfa=60, wfo=120)), away_cap=0.2)
    away = _component(card, "away_share_within_cap")
    assert away.value == 0.3 and away.score == 0.6667
    off = opd_scorecard(OpdFigures.from_month(opd_month_row()), away_cap=0.0)
    assert _component(off, "away_share_within_cap").score == 0.0


def test_an_unknown_cap_or_missing_reports_leave_their_components_out() -> None:
    figures = OpdFigures.from_month(opd_month_row(reports_submitted=0, reports_accepted=0))
    card = opd_scorecard(figures, away_cap=None)
    assert _component(card, "away_share_within_cap").score is None
    assert _component(card, "reports_accepted").score is None
    assert _component(card, "daily_reports").score == 0.0
    scored = [c for c in card.components if c.score is not None]
    expected = 100 * sum(c.weight * (c.score or 0) for c in scored) / sum(c.weight for c in scored)
    assert card.score == round(expected, 1)


def test_a_month_without_wfa_keeps_every_wfa_rule() -> None:
    card = opd_scorecard(
        OpdFigures.from_month(
            opd_month_row(wfa=0, wfa_unapproved=0, wfa_days_over_cap=0, outputs_wfa=0)
        ),
        away_cap=0.2,
    )
    for code in ("wfa_within_weekly_cap", "wfa_approved", "away_share_within_cap"):
        assert _component(card, code).score == 1.0


def test_nothing_recorded_has_no_score() -> None:
    zero = {k: 0 for k in opd_month_row() if k not in ("opd_id", "month")}
    card = opd_scorecard(OpdFigures.from_month({**opd_month_row(), **zero}), away_cap=0.2)
    assert card.score is None and card.grade is None
    assert all(c.score is None for c in card.components)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100.0, "A"), (85.0, "A"), (84.9, "B"), (70.0, "B"), (69.9, "C"), (55.0, "C"), (54.9, "D")],
)
def test_grade_boundaries_are_inclusive(score: float, grade: str) -> None:
    found, label_id, label_en = grade_of(score)
    assert found == grade and label_id != label_en
    assert grade_of(0.0)[0] == "D"


# the cap in force -----------------------------------------------------------------------------


def test_the_cap_in_force_is_the_latest_version_effective_by_then() -> None:
    versions = [
        AwayCap(date(2026, 1, 1), wfa_enabled=True, max_away_share=0.2, version=1),
        AwayCap(date(2026, 3, 15), wfa_enabled=True, max_away_share=0.5, version=2),
        AwayCap(date(2026, 6, 1), wfa_enabled=False, max_away_share=0.5, version=3),
    ]
    assert cap_in_force(versions, date(2025, 12, 31)) is None
    assert cap_in_force(versions, date(2026, 3, 14)) == 0.2
    assert cap_in_force(versions, date(2026, 3, 31)) == 0.5
    assert cap_in_force(versions, date(2026, 6, 30)) == 0.0  # WFA off: nobody may be away
    assert cap_in_force([], date(2026, 3, 31)) is None
    # a later version effective from the same day (or earlier) is the one in force
    corrected = [*versions, AwayCap(date(2026, 3, 15), True, 0.3, version=4)]
    assert cap_in_force(corrected, date(2026, 3, 31)) == 0.3


# the ranking ----------------------------------------------------------------------------------


def test_ranking_puts_the_best_first_shares_ranks_on_ties_and_leaves_unscored_last() -> None:
    ranked = ranking(
        [("opd-c", 70.0), ("opd-a", 90.0), ("opd-z", None), ("opd-b", 70.0), ("opd-d", 50.5)]
    )
    assert ranked == [
        ("opd-a", 1),
        ("opd-b", 2),
        ("opd-c", 2),
        ("opd-d", 4),
        ("opd-z", None),
    ]
    assert ranking([]) == []
