"""The WFA eligibility rules engine: pure decisions with a full, bilingual, explained trace."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import pytest
from pydantic import ValidationError

from kernel.policy import (
    DateRange,
    OpdPolicy,
    PolicyHistory,
    SpecialWindow,
    allowed_away,
    default_policy,
)
from schemas.events import EligibilityDecision, EmployeeRegistered, RuleOutcome
from services.eligibility.domain.rules import (
    RULE_ORDER,
    EmployeeFacts,
    RequestFacts,
    RuleCode,
    SanctionPeriod,
    UsageFacts,
    days_by_week,
    evaluate,
    evaluate_with_history,
    explain,
    failed_codes,
    summarize,
    week_key,
)
from tests.support.eligibility_facts import employee, policy

TODAY = date(2025, 12, 1)
MON_8_DEC, TUE_9_DEC, WED_10_DEC = date(2025, 12, 8), date(2025, 12, 9), date(2025, 12, 10)
NATARU_DAY = date(2025, 12, 29)
CHRISTMAS, CUTI_BERSAMA = date(2025, 12, 25), date(2025, 12, 26)


def usage(**overrides: object) -> UsageFacts:
    data: dict[str, object] = {"unit_size": 10}
    data.update(overrides)
    return UsageFacts.model_validate(data)


def decide(
    days: Iterable[date],
    *,
    who: EmployeeFacts | None = None,
    under: OpdPolicy | None = None,
    held: UsageFacts | None = None,
    today: date = TODAY,
) -> EligibilityDecision:
    return evaluate(
        who or employee(),
        RequestFacts(dates=tuple(days)),
        under or policy(),
        held or usage(),
        today=today,
    )


def outcome(decision: EligibilityDecision, code: RuleCode) -> RuleOutcome:
    (found,) = [item for item in decision.trace if item.code == code]
    return found


def only_failure(decision: EligibilityDecision) -> RuleOutcome:
    assert not decision.eligible
    (failed,) = [item for item in decision.trace if not item.passed]
    return failed


# --------------------------------------------------------------------------------------------
# The trace
# --------------------------------------------------------------------------------------------


def test_an_ordinary_request_passes_every_rule_in_the_fixed_order() -> None:
    decision = decide([MON_8_DEC, TUE_9_DEC])
    assert decision.eligible
    assert decision.policy_version == 1
    assert [item.code for item in decision.trace] == [code.value for code in RULE_ORDER]
    assert all(item.passed for item in decision.trace)


def _everything_fails() -> EligibilityDecision:
    return decide(
        [CHRISTMAS, date(2025, 12, 27), NATARU_DAY],
        who=employee(
            position_category="dokter",
            supervisor_nip=None,
            work_unit_id="rsud_igd",
            sanctions=[SanctionPeriod(date(2025, 1, 1))],
            appointment_date=date(2025, 6, 1),
            orientation_end_date=None,
        ),
        under=policy(wfa_enabled=False, window_only=True),
        today=date(2025, 12, 28),
    )


SAMPLE_DECISIONS: dict[str, Callable[[], EligibilityDecision]] = {
    "eligible": lambda: decide([MON_8_DEC]),
    "everything-fails": _everything_fails,
    "no-policy": lambda: evaluate(
        employee(), RequestFacts(dates=(MON_8_DEC,)), None, usage(), today=TODAY
    ),
}


@pytest.mark.parametrize("sample", sorted(SAMPLE_DECISIONS))
def test_every_outcome_is_explained_in_both_languages_with_a_legal_basis(sample: str) -> None:
    decision = SAMPLE_DECISIONS[sample]()
    assert [item.code for item in decision.trace] == [code.value for code in RULE_ORDER]
    for item in decision.trace:
        assert item.message_id.strip() and item.message_en.strip() and item.legal_basis.strip()
        assert item.message_id != item.message_en
    lines_id, lines_en = explain(decision, "id"), explain(decision, "en")
    assert len(lines_id) == len(lines_en) == len(decision.trace)
    assert all("Dasar hukum:" in line for line in lines_id)
    assert all("Legal basis:" in line for line in lines_en)


def test_everything_failing_is_reported_not_just_the_first_failure() -> None:
    decision = _everything_fails()
    # 25 + 27 Dec are in W52 and 29 Dec in W01 (within the cap); 10 staff, nobody away
    passing = {RuleCode.POLICY_IN_FORCE, RuleCode.WEEKLY_CAP, RuleCode.UNIT_AWAY_SHARE}
    assert failed_codes(decision) == [code.value for code in RULE_ORDER if code not in passing]
    assert summarize(decision, "en").startswith("The WFA request is not eligible: WFA_ENABLED")


def test_explain_and_summarize_an_eligible_decision() -> None:
    decision = decide([MON_8_DEC])
    assert explain(decision, "id")[1].startswith("[LULUS] WFA_ENABLED: OPD bappeda")
    assert explain(decision, "en")[1].startswith("[PASS] WFA_ENABLED: OPD bappeda")
    assert summarize(decision, "id") == "Permohonan WFA memenuhi syarat (kebijakan versi 1)."
    assert failed_codes(decision) == []


# --------------------------------------------------------------------------------------------
# Cases from the domain brief
# --------------------------------------------------------------------------------------------


def test_newly_appointed_asn_in_orientation_is_refused() -> None:
    new_hire = employee(appointment_date=date(2025, 3, 1), orientation_end_date=date(2026, 2, 28))
    failed = only_failure(decide([MON_8_DEC], who=new_hire))
    assert failed.code == RuleCode.NOT_NEW_HIRE
    assert "28 Februari 2026" in failed.message_id and "1 March 2026" in failed.message_en
    # the last day of orientation still counts as orientation; the day after is free
    assert not decide([date(2026, 2, 27)], who=new_hire).eligible
    assert decide([date(2026, 3, 2)], who=new_hire).eligible


def test_without_an_orientation_end_the_first_year_counts_as_new() -> None:
    new_hire = employee(appointment_date=date(2025, 2, 3), orientation_end_date=None)
    failed = only_failure(decide([MON_8_DEC], who=new_hire))
    assert failed.code == RuleCode.NOT_NEW_HIRE
    assert "3 Februari 2026" in failed.message_id
    assert not decide([date(2026, 2, 2)], who=new_hire).eligible
    assert decide([date(2026, 2, 3)], who=new_hire).eligible


@pytest.mark.parametrize(
    "category",
    [
        "dokter",
        "guru",
        "dosen",
        "damkar",
        "layanan_tatap_muka",
        "pengawasan_lapangan",
        "peralatan_khusus",
    ],
)
def test_professions_and_face_to_face_work_are_refused(category: str) -> None:
    failed = only_failure(decide([MON_8_DEC], who=employee(position_category=category)))
    assert failed.code == RuleCode.POSITION_ELIGIBLE
    assert f"'{category}'" in failed.message_id and f"'{category}'" in failed.message_en


def test_a_category_outside_the_opd_task_mapping_is_refused() -> None:
    failed = only_failure(decide([MON_8_DEC], who=employee(position_category="protokol")))
    assert failed.code == RuleCode.POSITION_ELIGIBLE
    assert "pemetaan tugas" in failed.message_id
    narrowed = policy(eligible_categories=["perencanaan"])
    assert not decide([MON_8_DEC], under=narrowed).eligible
    planner = employee(position_category="perencanaan")
    assert decide([MON_8_DEC], who=planner, under=narrowed).eligible


def test_a_policy_can_never_make_a_doctor_eligible() -> None:
    with pytest.raises(ValidationError, match="never be eligible"):
        policy(eligible_categories=["administrasi", "dokter"])


def test_third_wfa_day_in_one_week_is_refused_while_two_pass() -> None:
    assert decide([MON_8_DEC, TUE_9_DEC]).eligible
    failed = only_failure(decide([MON_8_DEC, TUE_9_DEC, WED_10_DEC]))
    assert failed.code == RuleCode.WEEKLY_CAP
    assert "2025-W50" in failed.message_id and "batas 2 hari" in failed.message_id
    assert "total 3" in failed.message_en
    # days already held in that week count too
    held = usage(days_used_by_week={(2025, 50): 2})
    assert only_failure(decide([WED_10_DEC], held=held)).code == RuleCode.WEEKLY_CAP
    # ...but not those of another week
    assert decide([WED_10_DEC], held=usage(days_used_by_week={(2025, 49): 2})).eligible


def test_cap_exempt_category_ignores_the_weekly_cap() -> None:
    field_duty = employee(position_category="tugas_luar")
    exempting = policy(
        eligible_categories=["administrasi", "tugas_luar"], cap_exempt_categories=["tugas_luar"]
    )
    held = usage(days_used_by_week={(2025, 50): 2})
    decision = decide(
        [MON_8_DEC, TUE_9_DEC, WED_10_DEC], who=field_duty, under=exempting, held=held
    )
    assert decision.eligible
    assert "dikecualikan" in outcome(decision, RuleCode.WEEKLY_CAP).message_id
    # the exemption is by category: an administrator under the same policy is still capped
    assert not decide([MON_8_DEC, TUE_9_DEC, WED_10_DEC], under=exempting).eligible


def test_nataru_window_day_passes_for_an_admin_and_is_refused_for_an_essential_unit() -> None:
    decision = decide([NATARU_DAY])
    assert decision.eligible
    assert "SE MenPANRB B/531/M.KT.02/2025" in outcome(decision, RuleCode.WITHIN_WINDOW).legal_basis

    failed = only_failure(decide([NATARU_DAY], who=employee(work_unit_id="rsud_igd")))
    assert failed.code == RuleCode.ESSENTIAL_UNIT_WINDOW
    assert "Nataru 2025" in failed.message_id and "29 Desember 2025" in failed.message_id
    assert "SE MenPANRB B/531/M.KT.02/2025" in failed.legal_basis
    # outside the window the essential unit follows the ordinary rules
    assert decide([MON_8_DEC], who=employee(work_unit_id="rsud_igd")).eligible


def test_holiday_and_cuti_bersama_are_not_working_days() -> None:
    christmas = only_failure(decide([CHRISTMAS]))
    assert christmas.code == RuleCode.WORKING_DAY
    assert "25 Desember 2025 adalah hari libur nasional" in christmas.message_id
    assert "national holiday" in christmas.message_en
    joint = only_failure(decide([CUTI_BERSAMA]))
    assert joint.code == RuleCode.WORKING_DAY
    assert "26 Desember 2025 adalah cuti bersama" in joint.message_id
    new_year = only_failure(decide([date(2026, 1, 1)]))
    assert new_year.code == RuleCode.WORKING_DAY


def test_weekends_are_not_working_days() -> None:
    failed = only_failure(decide([date(2025, 12, 6), date(2025, 12, 7)]))
    assert failed.code == RuleCode.WORKING_DAY
    assert "Sabtu" in failed.message_id and "Minggu" in failed.message_id
    assert "Saturday" in failed.message_en and "Sunday" in failed.message_en


def test_an_opd_that_left_wfa_off_refuses_everything() -> None:
    off = policy(wfa_enabled=False)
    for days in ([MON_8_DEC], [NATARU_DAY], [MON_8_DEC, TUE_9_DEC]):
        failed = only_failure(decide(days, under=off))
        assert failed.code == RuleCode.WFA_ENABLED
        assert "bukan hak" in failed.message_id and "not a right" in failed.message_en
        assert "bukan hak" in failed.legal_basis
    # and the statutory default of a new OPD is off
    assert only_failure(decide([MON_8_DEC], under=default_policy("bappeda"))).code == (
        RuleCode.WFA_ENABLED
    )


def test_sanctioned_asn_is_refused_until_the_sanction_ends_and_eligible_after() -> None:
    sanctioned = employee(sanctions=[SanctionPeriod(date(2025, 11, 3), date(2025, 12, 8))])
    failed = only_failure(decide([MON_8_DEC], who=sanctioned))
    assert failed.code == RuleCode.NO_SANCTION
    assert "8 Desember 2025" in failed.message_id and "PP No. 94/2021" in failed.legal_basis
    assert decide([TUE_9_DEC], who=sanctioned).eligible


def test_an_open_ended_sanction_refuses_every_later_day() -> None:
    sanctioned = employee(sanctions=[(date(2025, 11, 3), None)])
    failed = only_failure(decide([date(2026, 6, 2)], who=sanctioned))
    assert "tanpa batas akhir" in failed.message_id and "open-ended" in failed.message_en
    assert decide([date(2025, 10, 31)], who=sanctioned, today=date(2025, 10, 1)).eligible


def test_unit_share_of_20_percent_lets_2_of_10_be_away_and_refuses_the_third() -> None:
    assert decide([MON_8_DEC], held=usage(away_by_date={MON_8_DEC: 1})).eligible  # 2nd
    failed = only_failure(decide([MON_8_DEC], held=usage(away_by_date={MON_8_DEC: 2})))  # 3rd
    assert failed.code == RuleCode.UNIT_AWAY_SHARE
    assert "2 dari 10" in failed.message_id and "20% = 2 orang" in failed.message_id
    assert "ke-3" in failed.message_id and "number 3" in failed.message_en
    # another day is not affected
    assert decide([TUE_9_DEC], held=usage(away_by_date={MON_8_DEC: 2})).eligible


def test_unit_share_floors_and_may_allow_nobody() -> None:
    assert allowed_away(0.2, 10) == 2
    assert allowed_away(0.2, 14) == 2
    assert allowed_away(0.29, 100) == 29
    assert allowed_away(0.2, 4) == 0
    failed = only_failure(decide([MON_8_DEC], held=usage(unit_size=4)))
    assert failed.code == RuleCode.UNIT_AWAY_SHARE
    assert "= 0" in failed.message_en


def test_dki_style_75_percent_override_in_a_window() -> None:
    summit = SpecialWindow(
        name="KTT ASEAN 2023",
        dates=[DateRange(start=date(2023, 9, 4), end=date(2023, 9, 7))],
        max_away_share=0.75,
    )
    dki = policy(opd_id="bappeda", windows=[summit], effective_from=date(2023, 1, 1))
    summit_day, ordinary_day = date(2023, 9, 5), date(2023, 9, 12)
    today = date(2023, 9, 1)
    held = usage(away_by_date={summit_day: 6, ordinary_day: 6})
    decision = decide([summit_day], under=dki, held=held, today=today)
    assert decision.eligible  # 7th of 10 under floor(0.75 * 10) = 7
    assert "75%" in outcome(decision, RuleCode.UNIT_AWAY_SHARE).message_id
    assert "KTT ASEAN 2023" in outcome(decision, RuleCode.UNIT_AWAY_SHARE).message_id
    full = usage(away_by_date={summit_day: 7})
    assert only_failure(decide([summit_day], under=dki, held=full, today=today)).code == (
        RuleCode.UNIT_AWAY_SHARE
    )
    # the ordinary 20% applies outside the window
    failed = only_failure(decide([ordinary_day], under=dki, held=held, today=today))
    assert failed.code == RuleCode.UNIT_AWAY_SHARE and "20%" in failed.message_en


def test_the_policy_version_in_force_on_the_requested_day_decides() -> None:
    history = PolicyHistory(
        opd_id="bappeda",
        policies=[
            policy(version=1, effective_from=date(2025, 1, 1), wfa_enabled=False),
            policy(version=2, effective_from=date(2025, 12, 15)),
            policy(version=3, effective_from=date(2026, 3, 1), weekly_cap_days=1),
        ],
    )
    assert history.in_force_on(date(2024, 12, 31)) is None
    assert history.in_force_on(date(2025, 12, 14)).version == 1  # type: ignore[union-attr]
    assert history.in_force_on(date(2025, 12, 15)).version == 2  # type: ignore[union-attr]

    def by_history(*days: date) -> EligibilityDecision:
        return evaluate_with_history(
            employee(), RequestFacts(dates=days), history, usage(), today=TODAY
        )

    before = by_history(MON_8_DEC)
    assert before.policy_version == 1
    assert only_failure(before).code == RuleCode.WFA_ENABLED
    after = by_history(NATARU_DAY, date(2025, 12, 30))
    assert after.eligible and after.policy_version == 2
    stricter = by_history(date(2026, 3, 2), date(2026, 3, 3))
    assert stricter.policy_version == 3
    assert only_failure(stricter).code == RuleCode.WEEKLY_CAP
    # days spread over two versions must be asked for separately
    split = by_history(date(2025, 12, 12), date(2025, 12, 15))
    assert outcome(split, RuleCode.POLICY_IN_FORCE).passed is False
    assert "versi 1" in outcome(split, RuleCode.POLICY_IN_FORCE).message_id
    # before any version there is no policy at all
    nothing = by_history(date(2024, 12, 2))
    assert nothing.policy_version is None
    assert {"POLICY_IN_FORCE", "WFA_ENABLED"} <= set(failed_codes(nothing))


def test_history_picks_the_highest_version_not_the_latest_effective_day() -> None:
    history = PolicyHistory(
        opd_id="bappeda",
        policies=[
            policy(version=1, effective_from=date(2025, 6, 1)),
            policy(version=2, effective_from=date(2025, 1, 1), wfa_enabled=False),
        ],
    )
    in_force = history.in_force_on(date(2025, 7, 1))
    assert in_force is not None and in_force.version == 2
    assert history.latest is not None and history.latest.version == 2
    grown = history.with_policy(policy(version=3, effective_from=date(2025, 8, 1)))
    assert grown.in_force_on(date(2025, 8, 1)).version == 3  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="unique"):
        grown.with_policy(policy(version=3, effective_from=date(2025, 9, 1)))
    with pytest.raises(ValidationError):
        PolicyHistory(opd_id="dishub", policies=[policy()])


def test_a_policy_must_be_in_force_and_belong_to_the_opd() -> None:
    no_policy = evaluate(employee(), RequestFacts(dates=(MON_8_DEC,)), None, usage(), today=TODAY)
    assert no_policy.policy_version is None
    assert failed_codes(no_policy) == ["POLICY_IN_FORCE", "WFA_ENABLED"]
    other = only_failure(decide([MON_8_DEC], under=policy(opd_id="dishub")))
    assert other.code == RuleCode.POLICY_IN_FORCE and "dishub" in other.message_en
    early = only_failure(decide([MON_8_DEC], under=policy(effective_from=date(2025, 12, 9))))
    assert early.code == RuleCode.POLICY_IN_FORCE and "9 December 2025" in early.message_en


# --------------------------------------------------------------------------------------------
# Windows, supervisor, dates
# --------------------------------------------------------------------------------------------


def test_window_only_policy_allows_only_window_days() -> None:
    only_windows = policy(window_only=True)
    assert decide([NATARU_DAY, date(2025, 12, 31)], under=only_windows).eligible
    failed = only_failure(decide([MON_8_DEC], under=only_windows))
    assert failed.code == RuleCode.WITHIN_WINDOW
    assert "8 Desember 2025" in failed.message_id


def test_a_requires_window_window_allows_only_its_listed_days_inside_its_span() -> None:
    # 2 April 2025 is cuti bersama; declared a working day here, the window alone guards it
    lebaran_policy = policy(working_days=[date(2025, 4, 2)])
    today = date(2025, 3, 1)
    assert decide(
        [date(2025, 3, 24), date(2025, 3, 25)], under=lebaran_policy, today=today
    ).eligible
    failed = only_failure(decide([date(2025, 4, 2)], under=lebaran_policy, today=today))
    assert failed.code == RuleCode.WITHIN_WINDOW
    assert "Lebaran 2025" in failed.message_id and "8 April 2025" in failed.message_en
    assert decide([date(2025, 4, 9)], under=lebaran_policy, today=today).eligible


def test_a_supervisor_must_be_recorded_and_not_the_asn() -> None:
    missing = only_failure(decide([MON_8_DEC], who=employee(supervisor_nip=None)))
    assert missing.code == RuleCode.SUPERVISOR_ASSIGNED
    self_approval = only_failure(
        decide([MON_8_DEC], who=employee(supervisor_nip="199001012015031001"))
    )
    assert self_approval.code == RuleCode.SUPERVISOR_ASSIGNED


def test_past_days_are_refused_and_today_is_allowed() -> None:
    assert decide([MON_8_DEC], today=MON_8_DEC).eligible
    failed = only_failure(decide([MON_8_DEC], today=TUE_9_DEC))
    assert failed.code == RuleCode.DATE_NOT_PAST
    assert "8 Desember 2025" in failed.message_id


def test_request_days_are_sorted_and_must_not_repeat() -> None:
    assert RequestFacts(dates=(TUE_9_DEC, MON_8_DEC)).dates == (MON_8_DEC, TUE_9_DEC)
    with pytest.raises(ValidationError, match="tidak boleh berulang"):
        RequestFacts(dates=(MON_8_DEC, MON_8_DEC))
    with pytest.raises(ValidationError):
        RequestFacts(dates=())


def test_facts_and_policies_are_frozen() -> None:
    with pytest.raises(ValidationError):
        policy().wfa_enabled = False  # type: ignore[misc]
    with pytest.raises(ValidationError):
        employee().opd_id = "dishub"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        employee(unknown_field=1)


def test_week_helpers_use_iso_weeks() -> None:
    assert week_key(NATARU_DAY) == (2026, 1)
    assert week_key(CUTI_BERSAMA) == (2025, 52)
    assert days_by_week([MON_8_DEC, TUE_9_DEC, NATARU_DAY, NATARU_DAY]) == {
        (2025, 50): 2,
        (2026, 1): 1,
    }


def test_a_request_over_two_weeks_is_capped_per_week() -> None:
    fri, mon, tue, wed = date(2025, 12, 12), date(2025, 12, 15), date(2025, 12, 16), MON_8_DEC
    assert decide([wed, fri, mon, tue]).eligible  # 2 in W50, 2 in W51
    held = usage(days_used_by_week={(2025, 51): 1})
    failed = only_failure(decide([fri, mon, tue], held=held))
    assert "2025-W51" in failed.message_id and "2025-W50" not in failed.message_id


def test_employee_facts_from_a_roster_event() -> None:
    registered = EmployeeRegistered(
        nip="199001012015031001",
        name="Andi Pratama, S.E.",
        opd_id="bappeda",
        work_unit_id="sekretariat",
        position="Perencana Ahli Pertama",
        position_category="perencanaan",
        supervisor_nip="198001012005011002",
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
        orientation_end_date=date(2016, 2, 29),
    )
    facts = EmployeeFacts.from_roster(registered, [SanctionPeriod(date(2025, 12, 1))])
    assert facts == employee(position_category="perencanaan", sanctions=[(date(2025, 12, 1), None)])
    with pytest.raises(ValidationError):
        employee(sanctions=[(date(2025, 12, 2), date(2025, 12, 1))])
