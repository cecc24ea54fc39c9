"""OPD policy, calendar constants and working time: pure value objects."""

from __future__ import annotations

from datetime import date, time

import pytest
from pydantic import ValidationError

from kernel.date_text import format_date, format_share, format_week
from kernel.policy import (
    CUTI_BERSAMA_2025,
    LEBARAN_2025,
    NATARU_2025,
    NATIONAL_HOLIDAYS_2025,
    DateRange,
    OpdPolicy,
    SpecialWindow,
    default_policy,
)
from kernel.positions import ADMINISTRATIVE_CATEGORIES
from kernel.working_time import (
    RAMADAN_WORKING_TIME,
    REGULAR_WORKING_TIME,
    UTC_OFFSET_HOURS,
    WorkingTime,
)


def test_default_policy_keeps_wfa_off_with_the_statutory_defaults() -> None:
    policy = default_policy("bappeda")
    assert (policy.opd_id, policy.version, policy.wfa_enabled) == ("bappeda", 1, False)
    assert policy.weekly_cap_days == 2
    assert policy.max_away_share == 0.2
    assert policy.eligible_categories == ADMINISTRATIVE_CATEGORIES
    assert policy.cap_exempt_categories == frozenset()
    assert policy.timezone == "WIB"
    assert policy.window_only is False
    assert policy.windows == (NATARU_2025, LEBARAN_2025)
    assert policy.effective_from == date.min


def test_calendar_constants_from_the_brief() -> None:
    assert NATARU_2025.days() == [date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)]
    assert LEBARAN_2025.days() == [
        date(2025, 3, 24),
        date(2025, 3, 25),
        date(2025, 3, 26),
        date(2025, 3, 27),
        date(2025, 4, 8),
    ]
    assert NATARU_2025.legal_basis == "SE MenPANRB B/531/M.KT.02/2025"
    assert NATARU_2025.weekly_cap_days == 3  # the SE allowed all three days of one week
    assert {date(2025, 12, 25), date(2025, 1, 1)} <= NATIONAL_HOLIDAYS_2025
    assert len(NATIONAL_HOLIDAYS_2025) == 17  # SKB: 17 libur nasional in 2025
    assert {date(2025, 12, 26), date(2025, 8, 18)} <= CUTI_BERSAMA_2025
    assert len(CUTI_BERSAMA_2025) == 11  # SKB: 10 cuti bersama, plus 18 August 2025


def test_non_working_reasons() -> None:
    policy = default_policy("bappeda")
    assert policy.non_working_reason(date(2025, 12, 25)) == "holiday"
    assert policy.non_working_reason(date(2025, 12, 26)) == "joint_leave"
    assert policy.non_working_reason(date(2025, 12, 27)) == "weekend"
    assert policy.non_working_reason(date(2025, 12, 29)) is None


def test_window_override_and_restriction() -> None:
    summit = SpecialWindow(
        name="KTT",
        dates=[DateRange(start=date(2023, 9, 4), end=date(2023, 9, 7))],
        max_away_share=0.75,
    )
    policy = OpdPolicy(opd_id="x", version=1, effective_from=date(2023, 1, 1), windows=[summit])
    assert policy.away_share_on(date(2023, 9, 5)) == 0.75
    assert policy.away_share_on(date(2023, 9, 8)) == 0.2
    lebaran = default_policy("x")
    assert lebaran.restricting_window(date(2025, 4, 2)) == LEBARAN_2025
    assert lebaran.restricting_window(date(2025, 4, 8)) is None
    assert lebaran.restricting_window(date(2025, 4, 9)) is None


def test_policy_validation() -> None:
    base = {"opd_id": "x", "version": 1, "effective_from": date(2025, 1, 1)}
    with pytest.raises(ValidationError):
        OpdPolicy.model_validate({**base, "weekly_cap_days": 3})  # art. 13(1): at most 2
    with pytest.raises(ValidationError):
        OpdPolicy.model_validate({**base, "version": 0})
    with pytest.raises(ValidationError):
        OpdPolicy.model_validate({**base, "max_away_share": 1.5})
    with pytest.raises(ValidationError, match="unique"):
        OpdPolicy.model_validate({**base, "windows": [NATARU_2025, NATARU_2025]})
    overlapping = NATARU_2025.model_copy(update={"name": "Nataru copy"})
    with pytest.raises(ValidationError, match="overlap"):
        OpdPolicy.model_validate({**base, "windows": [NATARU_2025, overlapping]})
    with pytest.raises(ValidationError):
        DateRange(start=date(2025, 1, 2), end=date(2025, 1, 1))
    with pytest.raises(ValidationError):
        SpecialWindow(name="empty", dates=[])


def test_working_time_perpres_21_2023() -> None:
    regular = REGULAR_WORKING_TIME
    assert regular.start == time(7, 30)
    assert regular.daily_net_minutes == 450
    assert [regular.end_on(day) for day in range(5)] == [time(16, 0)] * 4 + [time(16, 30)]
    assert RAMADAN_WORKING_TIME.start == time(8, 0)
    assert RAMADAN_WORKING_TIME.daily_net_minutes == 390
    assert WorkingTime(checkins_per_day=2).checkins_per_day == 2
    with pytest.raises(ValueError, match="not a working day"):
        regular.end_on(5)
    assert UTC_OFFSET_HOURS == {"WIB": 7, "WITA": 8, "WIT": 9}


def test_texts_for_people() -> None:
    assert format_date(date(2025, 12, 29), "id", weekday=True) == "Senin, 29 Desember 2025"
    assert format_date(date(2025, 12, 29), "en", weekday=True) == "Monday, 29 December 2025"
    assert format_week((2026, 1), "id") == (
        "minggu 2026-W01 (29 Desember 2025 s.d. 4 Januari 2026)"
    )
    assert format_share(0.2, "id") == "20%"
    assert format_share(0.125, "id") == "12,5%"
    assert format_share(0.125, "en") == "12.5%"
