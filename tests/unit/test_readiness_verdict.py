"""The readiness study's verdict: one case per outcome, from the services' real answer
shapes (reporting's month summary is built with reporting's own rate functions)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from services.reporting.domain.rates import OpdFigures, opd_rates, productivity
from services.web.domain.readiness import DEFAULT_MAX_AWAY_SHARE, Study, assess
from services.web.domain.readiness_inputs import (
    ATTENDANCE,
    combined,
    inputs_from,
    month_from,
    month_from_days,
)
from services.web.readiness_route import last_months

MONTHS = ["2026-09", "2026-10", "2026-11"]


def summary(
    *,
    headcount: int = 20,
    days: int = 20,
    present: int = 380,
    reports: int = 370,
    wfa: int = 60,
    wfo: int = 320,
    achievement_wfa: float = 0.95,
    achievement_wfo: float = 1.0,
) -> dict[str, Any]:
    """An answer of reporting's ``GET /reporting/opds/{opd}/summary`` for one month."""
    row: dict[str, Any] = {
        "opd_id": "dinas-kominfo",
        "month": "2026-11-01",
        "headcount": headcount,
        "working_days": days,
        "staff_days": present,
        "present": present,
        "wfa": wfa,
        "wfo": wfo,
        "wfa_unapproved": 0,
        "wfa_days_over_cap": 0,
        "late": 10,
        "missing_check_out": 2,
        "reports_submitted": reports,
        "reports_accepted": reports - 5,
        "anomalies": 1,
        "violations": 0,
        "outputs_wfa": wfa * 2,
        "outputs_wfo": wfo * 2,
        "achievement_sum_wfa": achievement_wfa * 50,
        "with_target_wfa": 50,
        "achievement_sum_wfo": achievement_wfo * 200,
        "with_target_wfo": 200,
    }
    figures = OpdFigures.from_month(row)
    return {
        **row,
        "rates": asdict(opd_rates(figures)),
        "productivity": asdict(productivity(figures)),
    }


def readiness(
    *,
    total: int = 20,
    eligible: int = 10,
    units: list[tuple[str, int, int]] | None = None,
    assessments: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An answer of eligibility's ``GET /policies/{opd}/readiness``."""
    if units is None:
        units = [("bidang-aplikasi", 12, 8), ("sekretariat", 8, 2)]
    if assessments is None:
        assessments = [opd_assessment(80, 80)]
    return {
        "opd_id": "dinas-kominfo",
        "policy": policy,
        "positions": {
            "total": total,
            "eligible": eligible,
            "eligible_share": eligible / total if total else None,
            "by_category": [
                {"category": "administrasi", "count": eligible, "eligible": True},
                {"category": "pelayanan", "count": total - eligible, "eligible": False},
            ],
            "by_unit": [
                {"work_unit_id": unit, "headcount": head, "eligible": n} for unit, head, n in units
            ],
        },
        "assessments": assessments,
        "what_if": {"requests": 12, "eligible_now": 0, "eligible_under": 9, "changed": 9},
    }


def opd_assessment(
    infrastructure: int, connectivity: int, unit: str | None = None
) -> dict[str, Any]:
    return {
        "work_unit_id": unit,
        "infrastructure_score": infrastructure,
        "connectivity_score": connectivity,
        "note": "",
        "assessed_on": "2026-11-02",
    }


ENABLED = {
    "version": 3,
    "wfa_enabled": True,
    "weekly_cap_days": 2,
    "max_away_share": 0.5,
    "eligible_categories": ["administrasi"],
}


def study(
    eligibility: dict[str, Any] | None = None,
    months: list[dict[str, Any] | None] | None = None,
) -> Study:
    answers = [summary()] * 3 if months is None else months
    return assess(
        inputs_from(
            "dinas-kominfo",
            readiness(policy=ENABLED) if eligibility is None else eligibility,
            [
                month_from_days(month, [] if answer is None else [answer])
                for month, answer in zip(MONTHS, answers, strict=True)
            ],
        )
    )


def reason(result: Study, code: str) -> dict[str, Any]:
    found = [r for r in result.as_json()["reasons"] if r["code"] == code]
    assert len(found) == 1, [r["code"] for r in result.as_json()["reasons"]]
    line: dict[str, Any] = found[0]
    return line


# layak ----------------------------------------------------------------------------------------


def test_ready_opd_gets_the_full_form() -> None:
    result = study()
    assert result.verdict == "layak"
    assert result.form is not None
    assert result.form.weekly_cap_days == 2
    assert result.form.max_away_share == 0.5  # from the OPD's policy
    assert result.form.units == ["bidang-aplikasi", "sekretariat"]
    assert result.headline_id.startswith("Layak, dalam bentuk ini: WFA paling banyak 2 hari")
    assert "50%" in result.headline_id
    assert result.headline_en.startswith("Feasible, in this form:")
    assert all(r.met for r in result.reasons)
    assert len(result.form.conditions_id) == len(result.form.conditions_en) >= 2
    assert "administrasi" in result.form.conditions_id[0]
    body = result.as_json()
    assert body["what_if"]["eligible_under"] == 9
    assert body["positions"]["eligible_share"] == 0.5
    assert body["infrastructure"]["infrastructure_score"] == 80
    assert [m["month"] for m in body["history"]] == MONTHS


def test_infrastructure_below_75_allows_one_day_a_week() -> None:
    result = study(readiness(policy=ENABLED, assessments=[opd_assessment(90, 70)]))
    assert result.verdict == "layak"
    assert result.form is not None and result.form.weekly_cap_days == 1
    assert any("75" in c for c in result.form.conditions_id)
    assert "1 day a week" in result.headline_en


def test_units_below_the_threshold_are_left_out_of_the_form() -> None:
    assessments = [
        opd_assessment(80, 85, unit="bidang-aplikasi"),
        opd_assessment(40, 90, unit="sekretariat"),
    ]
    result = study(readiness(policy=ENABLED, assessments=assessments))
    assert result.verdict == "layak"
    assert result.form is not None and result.form.units == ["bidang-aplikasi"]
    assert any("sekretariat" in c for c in result.form.conditions_id)
    infrastructure = reason(result, "infrastructure")
    assert infrastructure["value"] == 80 and infrastructure["threshold"] == 60
    assert "sekretariat" in infrastructure["message_id"]
    units = {u["work_unit_id"]: u for u in result.as_json()["infrastructure"]["units"]}
    assert units["bidang-aplikasi"]["qualifies"] and not units["sekretariat"]["qualifies"]
    assert units["sekretariat"]["source"] == "unit"


def test_a_unit_without_suited_positions_is_not_proposed() -> None:
    eligibility = readiness(policy=ENABLED, units=[("bidang-aplikasi", 12, 10), ("gudang", 8, 0)])
    result = study(eligibility)
    assert result.form is not None and result.form.units == ["bidang-aplikasi"]


def test_no_policy_uses_the_default_share_and_is_not_a_blocker() -> None:
    result = study(readiness(policy=None))
    assert result.verdict == "layak"
    assert result.form is not None and result.form.max_away_share == DEFAULT_MAX_AWAY_SHARE
    line = reason(result, "policy")
    assert line["met"] is False and line["blocking"] is False


def test_wfa_left_off_is_a_line_not_a_blocker() -> None:
    policy = {**ENABLED, "wfa_enabled": False, "max_away_share": 0.2}
    result = study(readiness(policy=policy))
    assert result.verdict == "layak"
    assert result.form is not None and result.form.max_away_share == 0.2
    assert reason(result, "policy")["met"] is False
    assert any("mengaktifkan WFA" in c for c in result.form.conditions_id)


def test_no_history_is_a_caveat_and_a_condition() -> None:
    result = study(months=[None, None, None])
    assert result.verdict == "layak"
    history = reason(result, "history")
    assert history["met"] is False and history["blocking"] is False
    output = reason(result, "output_parity")
    assert output["blocking"] is False and output["value"] is None
    assert result.form is not None
    assert any("uji coba 3 bulan" in c for c in result.form.conditions_id)
    assert result.as_json()["productivity"]["verdict"] == "insufficient_data"


# belum ----------------------------------------------------------------------------------------


def test_too_few_eligible_positions() -> None:
    result = study(readiness(policy=ENABLED, total=20, eligible=3))
    assert result.verdict == "belum"
    assert result.form is None
    line = reason(result, "eligible_positions")
    assert line["met"] is False and line["value"] == 0.15 and line["threshold"] == 0.2
    assert result.headline_id.startswith("Belum, karena: terlalu sedikit jabatan")
    assert result.headline_en.startswith("Not yet, because: too few positions")


def test_no_positions_recorded() -> None:
    result = study(readiness(policy=ENABLED, total=0, eligible=0, units=[]))
    assert result.verdict == "belum"
    assert reason(result, "eligible_positions")["value"] is None


def test_no_infrastructure_assessment() -> None:
    result = study(readiness(policy=ENABLED, assessments=[]))
    assert result.verdict == "belum"
    line = reason(result, "infrastructure_assessment")
    assert line["met"] is False and line["blocking"] is True
    assert "penilaian kesiapan infrastruktur" in result.headline_id


def test_connectivity_below_the_threshold() -> None:
    result = study(readiness(policy=ENABLED, assessments=[opd_assessment(90, 45)]))
    assert result.verdict == "belum"
    line = reason(result, "connectivity")
    assert line["met"] is False and line["value"] == 45 and line["threshold"] == 60
    assert reason(result, "infrastructure")["met"] is True
    assert result.headline_en == "Not yet, because: the OPD's connectivity score: 45 (at least 60)."
    # judged as one OPD: no line per work unit
    assert "work_units" not in {r.code for r in result.reasons}


def test_no_unit_meets_both_thresholds() -> None:
    assessments = [
        opd_assessment(80, 40, unit="bidang-aplikasi"),
        opd_assessment(40, 80, unit="sekretariat"),
    ]
    result = study(readiness(policy=ENABLED, assessments=assessments))
    assert reason(result, "infrastructure")["met"] is True
    assert reason(result, "connectivity")["met"] is True
    assert reason(result, "work_units")["met"] is False
    assert result.verdict == "belum"


def test_low_attendance_compliance() -> None:
    result = study(months=[summary(present=250, reports=250)] * 3)
    assert result.verdict == "belum"
    line = reason(result, "attendance_compliance")
    assert line["met"] is False and line["value"] == 0.625 and line["threshold"] == 0.8
    assert "62,5%" in line["message_id"] and "62.5%" in line["message_en"]


def test_reports_not_submitted() -> None:
    result = study(months=[summary(reports=200)] * 3)
    assert result.verdict == "belum"
    assert reason(result, "report_submission")["met"] is False
    assert reason(result, "attendance_compliance")["met"] is True


def test_wfa_output_behind_the_office() -> None:
    result = study(months=[summary(achievement_wfa=0.7, achievement_wfo=0.95)] * 3)
    assert result.verdict == "belum"
    line = reason(result, "output_parity")
    assert line["met"] is False and line["blocking"] is True
    assert line["value"] == round(0.7 / 0.95, 4)
    assert result.as_json()["productivity"]["verdict"] == "wfa_behind"


def test_a_handful_of_outputs_is_a_caveat_not_a_verdict_on_output() -> None:
    few = summary(achievement_wfa=0.5, achievement_wfo=0.95)
    few["with_target_wfa"] = 3  # three outputs with a target on WFA days in the whole history
    result = study(months=[None, None, few])
    line = reason(result, "output_parity")
    assert line["met"] is False and line["blocking"] is False
    assert "3 output bertarget" in line["message_id"]
    assert result.verdict == "layak"


def test_days_make_a_month_weighted_by_their_denominators() -> None:
    # a day where 2 of 10 checked in and a day where all 30 did: 32 / 40, not (20% + 100%) / 2
    low = summary(headcount=10, days=1, present=2, reports=2, wfa=0, wfo=2)
    high = summary(headcount=30, days=1, present=30, reports=30, wfa=0, wfo=30)
    month = month_from_days("2026-11", [low, high])
    assert month.has_data and month.headcount == 30
    assert month.value(ATTENDANCE) == round(32 / 40, 4)
    assert month_from_days("2026-12", []).has_data is False


def test_every_failed_line_is_named() -> None:
    eligibility = readiness(policy=ENABLED, eligible=2, assessments=[])
    result = study(eligibility, months=[summary(present=200, reports=100)] * 3)
    failed = {r.code for r in result.reasons if r.blocking and not r.met}
    assert failed == {
        "eligible_positions",
        "infrastructure_assessment",
        "attendance_compliance",
        "report_submission",
    }
    assert result.headline_id.count(";") == 3


# reading the answers --------------------------------------------------------------------------


def test_missing_or_malformed_keys_are_unknown_not_errors() -> None:
    garbage: dict[str, Any] = {
        "policy": "on",
        "positions": {"total": "many", "by_unit": [None, {"headcount": 3}]},
        "assessments": [{"infrastructure_score": "high"}, 7],
        "what_if": [],
    }
    result = study(garbage, months=[{"rates": None}, None, {}])
    assert result.verdict == "belum"
    assert result.what_if is None
    assert result.as_json()["positions"]["total"] == 0


def test_months_are_combined_from_their_sums() -> None:
    small = month_from("2026-10", summary(headcount=2, days=10, present=10))  # 10 / 20
    large = month_from("2026-11", summary(headcount=20, days=20, present=400))  # 400 / 400
    assert small.value(ATTENDANCE) == 0.5
    # the sums divided (410 / 420), not the average of the two rates (0.75)
    assert combined([small, large], ATTENDANCE) == round(410 / 420, 4)


def test_last_months_cross_the_year() -> None:
    assert last_months(date(2026, 2, 10), 3) == ["2025-12", "2026-01", "2026-02"]
    assert last_months(date(2026, 11, 30), 1) == ["2026-11"]
