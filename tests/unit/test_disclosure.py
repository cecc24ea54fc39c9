"""The public figures' suppression of small groups, k = 10 (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from services.reporting.domain.disclosure import (
    ANOMALY_KINDS,
    DAY_CELLS,
    MONTH_CELLS,
    K,
    OpdDay,
    OpdMonth,
    combine_months,
    hidden,
    public_days,
    public_month,
)
from services.reporting.domain.rates import OpdFigures
from services.reporting.domain.team_day import Member, team_day


def figures(**overrides: Any) -> OpdFigures:
    """An OPD-month: 20 staff over 20 working days."""
    base: dict[str, Any] = {
        "headcount": 20,
        "days": 20,
        "staff_days": 400,
        "present": 360,
        "wfa": 60,
        "wfo": 300,
        "wfa_unapproved": 6,
        "wfa_days_over_cap": 0,
        "late": 10,
        "missing_check_out": 2,
        "reports_submitted": 300,
        "reports_accepted": 250,
        "anomalies": 14,
        "violations": 0,
        "outputs_wfa": 120,
        "outputs_wfo": 450,
        "achievement_sum_wfa": 40.0,
        "with_target_wfa": 50,
        "achievement_sum_wfo": 200.0,
        "with_target_wfo": 250,
    }
    return OpdFigures(**{**base, **overrides})


def month(opd_id: str = "opd-a", **overrides: Any) -> OpdMonth:
    fig = figures(**overrides.pop("figures", {}))
    base: dict[str, Any] = {
        "staff_wfa": 12,
        "staff_office": 18,
        "staff_present": 19,
        "staff_reporting": 17,
        "anomalies": {"late_check_in": (10, 10), "mock_location": (4, 2)},
    }
    return OpdMonth(opd_id=opd_id, figures=fig, **{**base, **overrides})


def by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {opd["opd_id"]: opd for opd in answer["opds"]}


FIGURE_KEYS = (
    "headcount",
    "staff_wfa",
    "away_share",
    "compliance_rate",
    "attendance_rate",
    "report_rate",
    "output_wfa",
    "output_office",
)


def test_k_is_ten_and_a_group_of_one_to_nine_is_hidden() -> None:
    assert K == 10
    assert not hidden(0)
    assert all(hidden(n) for n in range(1, 10))
    assert not hidden(10)
    assert not hidden(11)


def test_an_opd_of_nine_is_suppressed_whole_and_one_of_ten_is_published() -> None:
    nine = month("opd-nine", figures={"headcount": 9}, staff_wfa=9)
    ten = month("opd-ten", figures={"headcount": 10, "staff_days": 200}, staff_wfa=10)
    opds = by_id(public_month([nine, ten]))
    assert opds["opd-nine"]["suppressed"] is True
    assert all(opds["opd-nine"][key] is None for key in FIGURE_KEYS)
    assert set(opds["opd-nine"]["anomalies_by_kind"]) == set(ANOMALY_KINDS)
    assert all(value is None for value in opds["opd-nine"]["anomalies_by_kind"].values())
    published = opds["opd-ten"]
    assert published["suppressed"] is False
    assert published["headcount"] == 10
    assert published["staff_wfa"] == 10
    # 60 WFA days over 10 staff x 20 days, 54 of 60 approved
    assert published["away_share"] == 0.3
    assert published["compliance_rate"] == 0.9
    assert published["output_wfa"] == 2.0
    assert published["output_office"] == 1.5


def test_an_empty_opd_is_suppressed() -> None:
    empty = month("opd-empty", figures={"headcount": 0}, staff_wfa=0)
    assert by_id(public_month([empty]))["opd-empty"]["suppressed"] is True


def test_a_cell_of_nine_persons_is_null_with_its_rates_and_ten_is_shown() -> None:
    nine = by_id(public_month([month(staff_wfa=9)]))["opd-a"]
    assert nine["suppressed"] is False
    for key in ("staff_wfa", "away_share", "compliance_rate", "output_wfa"):
        assert nine[key] is None, key
        assert key in nine["suppressed_cells"]
    # figures resting on other groups stay
    assert nine["attendance_rate"] == 0.9
    assert nine["output_office"] == 1.5
    ten = by_id(public_month([month(staff_wfa=10)]))["opd-a"]
    assert ten["staff_wfa"] == 10 and ten["away_share"] == 0.15
    assert "away_share" not in ten["suppressed_cells"]


def test_zero_cells_are_published_as_zero() -> None:
    nobody_away = month(
        staff_wfa=0,
        figures={"wfa": 0, "wfa_unapproved": 0, "outputs_wfa": 0},
        anomalies={},
    )
    shown = by_id(public_month([nobody_away]))["opd-a"]
    assert shown["staff_wfa"] == 0
    assert shown["away_share"] == 0.0
    assert shown["compliance_rate"] is None  # no WFA day: nothing to measure
    assert shown["output_wfa"] is None
    assert shown["suppressed_cells"] == []
    assert shown["anomalies_by_kind"] == dict.fromkeys(ANOMALY_KINDS, 0)


def test_anomaly_kinds_resting_on_few_staff_are_hidden() -> None:
    shown = by_id(public_month([month()]))["opd-a"]
    assert shown["anomalies_by_kind"]["late_check_in"] == 10
    assert shown["anomalies_by_kind"]["mock_location"] is None  # 4 anomalies, 2 staff
    assert "anomalies.mock_location" in shown["suppressed_cells"]
    assert shown["anomalies_by_kind"]["impossible_travel"] == 0


def test_province_totals_add_up_published_figures_only() -> None:
    big = month("opd-big", figures={"headcount": 40}, staff_wfa=25)
    small_cells = month(
        "opd-mid",
        figures={"headcount": 12, "wfa": 10, "wfa_unapproved": 5},
        staff_wfa=4,
        anomalies={"late_check_in": (12, 11), "mock_location": (3, 3)},
    )
    hidden_opd = month("opd-tiny", figures={"headcount": 6}, staff_wfa=6)
    answer = public_month([big, small_cells, hidden_opd])
    province = answer["province"]
    assert province["opds_published"] == 2 and province["opds_suppressed"] == 1
    assert province["headcount"] == 52  # 40 + 12: the suppressed OPD's 6 never count
    # staff_wfa: only opd-big shows it; the total equals what is shown, nothing to subtract
    assert province["staff_wfa"] == 25
    assert province["away_share"] == by_id(answer)["opd-big"]["away_share"]
    kinds = province["anomalies_by_kind"]
    assert kinds["late_check_in"] == 10 + 12
    assert kinds["mock_location"] is None  # shown by no OPD (2 and 3 staff)
    # every province figure is exactly the figure over the OPDs where it is shown
    opds = by_id(answer)
    for cell in MONTH_CELLS:
        name = cell.name
        shown = [
            m
            for m in (big, small_cells)
            if name not in opds[m.opd_id]["suppressed_cells"] and not opds[m.opd_id]["suppressed"]
        ]
        expected = cell.value(combine_months(shown)) if shown else None
        if name.startswith("anomalies."):
            assert kinds[name.split(".", 1)[1]] == expected, name
        else:
            assert province[name] == expected, name


def test_a_suppressed_opd_cannot_be_recovered_by_subtraction() -> None:
    published = [month(f"opd-{n}", figures={"headcount": 15 + n}) for n in range(3)]
    secret = month("opd-secret", figures={"headcount": 5, "wfa": 50}, staff_wfa=5)
    with_secret = public_month([*published, secret])
    without = public_month(published)
    assert with_secret["province"] | {"opds_suppressed": 0} == without["province"]


def test_no_personal_key_in_a_public_month() -> None:
    answer = public_month([month(), month("opd-b", figures={"headcount": 3})])
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(answer)
    for forbidden in ("nip", "name", "lat", "lon", "location", "coordinates"):
        assert forbidden not in keys
    assert "10" in answer["note_en"] and "10" in answer["note_id"]


def day(opd_id: str, work_date: str, **overrides: Any) -> OpdDay:
    base = {"headcount": 20, "days": 1, "staff_days": 20, "present": 18, "wfa": 10, "wfo": 8}
    base.update({"wfa_unapproved": 1, "reports_submitted": 10, "outputs_wfa": 0})
    base.update(overrides)
    return OpdDay(opd_id, work_date, replace(figures(), **base))


def test_days_suppress_small_opds_and_small_days() -> None:
    rows = [
        day("opd-a", "2026-03-02"),
        day("opd-a", "2026-03-03", wfa=4, wfa_unapproved=0),
        day("opd-a", "2026-03-04", wfa=0, wfa_unapproved=0),
        day("opd-b", "2026-03-02", headcount=9, wfa=9),
        day("opd-c", "2026-03-02", headcount=30, wfa=12, wfa_unapproved=3),
    ]
    answer = public_days(rows)
    opds = by_id(answer)
    assert opds["opd-b"] == {"opd_id": "opd-b", "suppressed": True, "days": []}
    days_a = {d["work_date"]: d for d in opds["opd-a"]["days"]}
    assert days_a["2026-03-02"]["away_share"] == 0.5
    assert days_a["2026-03-02"]["compliance_rate"] == 0.9
    assert days_a["2026-03-03"]["away_share"] is None
    assert days_a["2026-03-03"]["compliance_rate"] is None
    assert days_a["2026-03-03"]["suppressed_cells"] == ["away_share", "compliance_rate"]
    assert days_a["2026-03-04"]["away_share"] == 0.0
    province = {p["work_date"]: p for p in answer["province"]}
    # 2026-03-02: opd-a (10 of 20) and opd-c (12 of 30); opd-b's 9 never count
    assert province["2026-03-02"]["opds_published"] == 2
    assert province["2026-03-02"]["away_share"] == round(22 / 50, 4)
    assert province["2026-03-02"]["compliance_rate"] == round(18 / 22, 4)
    # 2026-03-03: the only OPD hides its figure, so the province has none to show
    assert province["2026-03-03"]["away_share"] is None
    assert {cell.name for cell in DAY_CELLS} == {"away_share", "compliance_rate"}


def test_an_opd_with_a_day_under_k_is_suppressed_for_the_period() -> None:
    rows = [day("opd-a", "2026-03-02"), day("opd-a", "2026-03-03", headcount=9)]
    assert by_id(public_days(rows))["opd-a"]["suppressed"] is True


@pytest.mark.parametrize("staff", [0, 10, 25])
def test_a_published_month_keeps_its_opd_id_and_figures(staff: int) -> None:
    shown = by_id(public_month([month(staff_wfa=staff)]))["opd-a"]
    assert shown["opd_id"] == "opd-a" and shown["headcount"] == 20
    assert shown["staff_wfa"] == staff


# the team's day -----------------------------------------------------------------------------


def test_a_team_day_marks_members_without_records_absent() -> None:
    members = [Member("1" * 18, "Ani", "unit-b"), Member("2" * 18, "Budi", "unit-a")]
    rows = [
        {
            "nip": "2" * 18,
            "work_unit_id": "unit-a",
            "working_day": True,
            "mode": "wfa",
            "wfa_requested": True,
            "wfa_approved": True,
            "check_in_at": "2026-03-02T00:30:00.000Z",
            "check_out_at": None,
            "late": False,
            "worked_minutes": 0,
            "report_status": "submitted",
            "anomaly_kinds": ["missing_check_out", "missing_check_out"],
            "anomalies": 1,
        },
        {
            "nip": "3" * 18,
            "work_unit_id": "unit-c",
            "working_day": True,
            "mode": "office",
            "wfa_requested": False,
            "wfa_approved": False,
            "check_in_at": "2026-03-02T00:40:00.000Z",
            "check_out_at": "2026-03-02T09:00:00.000Z",
            "late": True,
            "worked_minutes": 500,
            "report_status": "none",
            "anomaly_kinds": [],
            "anomalies": 0,
        },
    ]
    answer = team_day(members, rows, date(2026, 3, 2))
    items = {item["nip"]: item for item in answer["items"]}
    assert [item["nip"] for item in answer["items"]] == ["2" * 18, "1" * 18, "3" * 18]
    assert items["1" * 18]["mode"] == "absent" and items["1" * 18]["check_in"] is None
    assert items["2" * 18]["anomalies"] == ["missing_check_out"]
    assert items["3" * 18]["name"] is None  # no longer on the team's roster
    assert answer["totals"] == {
        "headcount": 3,
        "wfa": 1,
        "office": 1,
        "absent": 1,
        "checked_in": 2,
        "approved_wfa": 1,
        "reports_submitted": 1,
        "anomalies": 1,
    }
