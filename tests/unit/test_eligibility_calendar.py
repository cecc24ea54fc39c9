"""The national calendar (SKB 3 Menteri) and a special window's own weekly cap."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from kernel.holidays import (
    CUTI_BERSAMA,
    NATIONAL_HOLIDAYS,
    joint_leave_in,
    national_holidays_in,
)
from kernel.policy import NATARU_2025, DateRange, OpdPolicy, SpecialWindow
from kernel.work_calendar import week_key
from schemas.events import EligibilityDecision
from services.eligibility.domain.rules import (
    RequestFacts,
    RuleCode,
    UsageFacts,
    evaluate,
    failed_codes,
)
from tests.support.eligibility_facts import employee, policy

NATARU_DAYS = [date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)]


def decide(
    days: list[date], under: OpdPolicy, *, held: dict[tuple[int, int], int] | None = None
) -> EligibilityDecision:
    return evaluate(
        employee(),
        RequestFacts(dates=tuple(days)),
        under,
        UsageFacts(days_used_by_week=held or {}, unit_size=10),
        today=date(2025, 12, 1),
    )


# the national calendar ----------------------------------------------------------------------


def test_christmas_2026_is_a_holiday_without_any_policy_listing_it() -> None:
    plain = policy(holidays=[], joint_leave=[])
    assert plain.non_working_reason(date(2026, 12, 25)) == "holiday"
    assert plain.non_working_reason(date(2026, 12, 24)) == "joint_leave"
    assert plain.non_working_reason(date(2026, 12, 23)) is None
    decision = evaluate(
        employee(),
        RequestFacts(dates=(date(2026, 12, 25),)),
        plain,
        UsageFacts(unit_size=10),
        today=date(2026, 12, 1),
    )
    assert failed_codes(decision) == [RuleCode.WORKING_DAY]


def test_the_skb_lists_for_2025_2026_and_2027() -> None:
    assert len(national_holidays_in(2025)) == 17 and len(joint_leave_in(2025)) == 11
    assert len(national_holidays_in(2026)) == 17 and len(joint_leave_in(2026)) == 8
    assert joint_leave_in(2026) == {
        date(2026, 2, 16),
        date(2026, 3, 18),
        date(2026, 3, 20),
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 5, 15),
        date(2026, 5, 28),
        date(2026, 12, 24),
    }
    assert NATIONAL_HOLIDAYS[date(2026, 3, 21)] == "Hari Raya Idul Fitri"
    assert "Kemerdekaan" in CUTI_BERSAMA[date(2025, 8, 18)]  # the August 2025 amendment
    for fixed in ((1, 1), (5, 1), (6, 1), (8, 17), (12, 25)):
        assert date(2027, *fixed) in NATIONAL_HOLIDAYS
    for year in (2025, 2026, 2027):
        assert not national_holidays_in(year) & joint_leave_in(year)


def test_a_policy_adds_days_and_declares_national_days_working() -> None:
    regional = date(2026, 6, 22)  # e.g. the anniversary of Jakarta
    custom = policy(holidays=[regional], working_days=[date(2026, 12, 24)])
    assert custom.non_working_reason(regional) == "holiday"
    assert custom.non_working_reason(date(2026, 12, 24)) is None
    assert custom.non_working_reason(date(2026, 12, 25)) == "holiday"
    with pytest.raises(ValidationError, match="working days"):
        policy(holidays=[regional], working_days=[regional])


def test_policies_published_before_the_calendar_existed_still_decode() -> None:
    old_settings = {
        "wfa_enabled": True,
        "holidays": ["2025-12-25", "2026-01-01"],
        "joint_leave": ["2025-12-26"],
        "windows": [
            {
                "name": "Nataru 2025",
                "dates": [{"start": "2025-12-29", "end": "2025-12-31"}],
                "requires_window": True,
                "legal_basis": "SE MenPANRB B/531/M.KT.02/2025",
            }
        ],
    }
    old = OpdPolicy.from_settings("bappeda", 1, date(2025, 1, 1), old_settings)
    assert old.working_days == frozenset() and old.windows[0].weekly_cap_days is None
    assert old.non_working_reason(date(2026, 12, 25)) == "holiday"
    assert "working_days" in old.settings() and old.settings()["working_days"] == []


# a window's own weekly cap --------------------------------------------------------------------


def test_the_three_nataru_days_of_one_week_are_grantable_under_a_window_cap_of_3() -> None:
    assert len({week_key(day) for day in NATARU_DAYS}) == 1
    decision = decide(NATARU_DAYS, policy())
    assert decision.eligible, failed_codes(decision)
    cap = next(rule for rule in decision.trace if rule.code == RuleCode.WEEKLY_CAP)
    assert "Nataru 2025" in cap.message_id and "Nataru 2025" in cap.message_en


def test_without_a_window_cap_the_policy_cap_of_2_holds_for_window_days() -> None:
    plain_nataru = NATARU_2025.model_copy(update={"weekly_cap_days": None})
    decision = decide(NATARU_DAYS, policy(windows=[plain_nataru]))
    assert failed_codes(decision) == [RuleCode.WEEKLY_CAP]


def test_a_window_cap_counts_days_already_held_that_week() -> None:
    week = week_key(NATARU_DAYS[0])
    assert decide(NATARU_DAYS[2:], policy(), held={week: 2}).eligible
    assert failed_codes(decide(NATARU_DAYS[2:], policy(), held={week: 3})) == [RuleCode.WEEKLY_CAP]


def test_days_outside_the_window_keep_the_policy_cap() -> None:
    friday = date(2026, 1, 2)  # same ISO week as Nataru 2025, outside its span
    assert week_key(friday) == week_key(NATARU_DAYS[0])
    decision = decide([*NATARU_DAYS[:2], friday], policy())
    assert failed_codes(decision) == [RuleCode.WEEKLY_CAP]


def test_a_window_cap_above_two_needs_its_circular_and_stays_within_a_week() -> None:
    days = (DateRange(start=date(2026, 3, 9), end=date(2026, 3, 13)),)
    SpecialWindow(name="ok", dates=days, weekly_cap_days=5, legal_basis="SE MenPANRB X/2026")
    SpecialWindow(name="tighter", dates=days, weekly_cap_days=1)
    with pytest.raises(ValidationError, match="legal_basis"):
        SpecialWindow(name="no basis", dates=days, weekly_cap_days=3)
    with pytest.raises(ValidationError):
        SpecialWindow(name="six", dates=days, weekly_cap_days=6, legal_basis="SE")
