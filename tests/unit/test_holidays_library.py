"""The national calendar from the ``holidays`` package against the SKB 3 Menteri lists.

The expected lists are the signed decrees for 2025 (SKB No. 1017/2024, 2/2024, 2/2024 of
14 October 2024, with its amendment SKB No. 933/2025, 1/2025, 3/2025 of 7 August 2025) and for
2026 (SKB No. 1497/2025, 2/2025, 5/2025 of 19 September 2025), as the platform's own table held
them before the package replaced it.
"""

from __future__ import annotations

from datetime import date

import pytest

from kernel.holidays import (
    CUTI_BERSAMA,
    FIRST_YEAR,
    NATIONAL_HOLIDAYS,
    joint_leave_in,
    national_days_in,
    national_holidays_in,
)

SKB_HOLIDAYS = {
    2025: {
        date(2025, 1, 1): "Tahun Baru 2025 Masehi",
        date(2025, 1, 27): "Isra Mikraj Nabi Muhammad SAW",
        date(2025, 1, 29): "Tahun Baru Imlek 2576 Kongzili",
        date(2025, 3, 29): "Hari Suci Nyepi (Tahun Baru Saka 1947)",
        date(2025, 3, 31): "Idulfitri 1446 Hijriah",
        date(2025, 4, 1): "Idulfitri 1446 Hijriah",
        date(2025, 4, 18): "Wafat Yesus Kristus",
        date(2025, 4, 20): "Kebangkitan Yesus Kristus (Paskah)",
        date(2025, 5, 1): "Hari Buruh Internasional",
        date(2025, 5, 12): "Hari Raya Waisak 2569 BE",
        date(2025, 5, 29): "Kenaikan Yesus Kristus",
        date(2025, 6, 1): "Hari Lahir Pancasila",
        date(2025, 6, 6): "Iduladha 1446 Hijriah",
        date(2025, 6, 27): "1 Muharam Tahun Baru Islam 1447 Hijriah",
        date(2025, 8, 17): "Proklamasi Kemerdekaan",
        date(2025, 9, 5): "Maulid Nabi Muhammad SAW",
        date(2025, 12, 25): "Kelahiran Yesus Kristus",
    },
    2026: {
        date(2026, 1, 1): "Tahun Baru 2026 Masehi",
        date(2026, 1, 16): "Isra Mikraj Nabi Muhammad SAW",
        date(2026, 2, 17): "Tahun Baru Imlek 2577 Kongzili",
        date(2026, 3, 19): "Hari Suci Nyepi (Tahun Baru Saka 1948)",
        date(2026, 3, 21): "Idulfitri 1447 Hijriah",
        date(2026, 3, 22): "Idulfitri 1447 Hijriah",
        date(2026, 4, 3): "Wafat Yesus Kristus",
        date(2026, 4, 5): "Kebangkitan Yesus Kristus (Paskah)",
        date(2026, 5, 1): "Hari Buruh Internasional",
        date(2026, 5, 14): "Kenaikan Yesus Kristus",
        date(2026, 5, 27): "Iduladha 1447 Hijriah",
        date(2026, 5, 31): "Hari Raya Waisak 2570 BE",
        date(2026, 6, 1): "Hari Lahir Pancasila",
        date(2026, 6, 16): "1 Muharam Tahun Baru Islam 1448 Hijriah",
        date(2026, 8, 17): "Proklamasi Kemerdekaan",
        date(2026, 8, 25): "Maulid Nabi Muhammad SAW",
        date(2026, 12, 25): "Kelahiran Yesus Kristus",
    },
}

SKB_JOINT_LEAVE = {
    2025: {
        date(2025, 1, 28): "Tahun Baru Imlek 2576 Kongzili",
        date(2025, 3, 28): "Hari Suci Nyepi (Tahun Baru Saka 1947)",
        date(2025, 4, 2): "Idulfitri 1446 Hijriah",
        date(2025, 4, 3): "Idulfitri 1446 Hijriah",
        date(2025, 4, 4): "Idulfitri 1446 Hijriah",
        date(2025, 4, 7): "Idulfitri 1446 Hijriah",
        date(2025, 5, 13): "Hari Raya Waisak 2569 BE",
        date(2025, 5, 30): "Kenaikan Yesus Kristus",
        date(2025, 6, 9): "Iduladha 1446 Hijriah",
        # amendment: SKB No. 933/2025, 1/2025, 3/2025 (7 August 2025), HUT ke-80 RI
        date(2025, 8, 18): "Peringatan HUT ke-80 Kemerdekaan RI",
        date(2025, 12, 26): "Kelahiran Yesus Kristus",
    },
    2026: {
        date(2026, 2, 16): "Tahun Baru Imlek 2577 Kongzili",
        date(2026, 3, 18): "Hari Suci Nyepi (Tahun Baru Saka 1948)",
        date(2026, 3, 20): "Idulfitri 1447 Hijriah",
        date(2026, 3, 23): "Idulfitri 1447 Hijriah",
        date(2026, 3, 24): "Idulfitri 1447 Hijriah",
        date(2026, 5, 15): "Kenaikan Yesus Kristus",
        date(2026, 5, 28): "Iduladha 1447 Hijriah",
        date(2026, 12, 24): "Kelahiran Yesus Kristus",
    },
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_package_gives_the_skb_libur_nasional(year: int) -> None:
    assert national_holidays_in(year) == set(SKB_HOLIDAYS[year])
    assert len(national_holidays_in(year)) == 17


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_package_gives_the_skb_cuti_bersama(year: int) -> None:
    assert joint_leave_in(year) == set(SKB_JOINT_LEAVE[year])


def test_the_2025_amendment_and_the_names() -> None:
    assert date(2025, 8, 18) in CUTI_BERSAMA  # added by the August 2025 amendment
    assert "Kemerdekaan" in CUTI_BERSAMA[date(2025, 8, 18)]
    assert "Idul Fitri" in NATIONAL_HOLIDAYS[date(2026, 3, 21)]
    assert CUTI_BERSAMA.get(date(2026, 3, 21)) is None
    assert NATIONAL_HOLIDAYS.get(date(2026, 3, 23), "none") == "none"


def test_2027_has_indonesias_holidays_and_its_cuti_bersama() -> None:
    days = NATIONAL_HOLIDAYS.in_year(2027)
    names = " | ".join(days.values())
    for fixed in ((1, 1), (5, 1), (6, 1), (8, 17), (12, 25)):
        assert date(2027, *fixed) in NATIONAL_HOLIDAYS
    assert "Kemerdekaan" in days[date(2027, 8, 17)]
    assert "Natal" in days[date(2027, 12, 25)]
    for holiday in ("Idul Fitri", "Idul Adha", "Nyepi", "Waisak", "Imlek", "Isra Mikraj"):
        assert holiday in names, holiday
    idul_fitri = [day for day, name in days.items() if name.startswith("Hari Raya Idul Fitri")]
    assert idul_fitri and all(day.month == 3 for day in idul_fitri)
    # the SKB for 2027: cuti bersama around Idulfitri, Iduladha, Christmas and more
    leave = CUTI_BERSAMA.in_year(2027)
    assert len(leave) >= 5
    assert date(2027, 12, 24) in leave
    assert any("Idul Fitri" in name for name in leave.values())


def test_later_years_have_a_calendar_and_earlier_ones_none() -> None:
    assert {date(2030, 1, 1), date(2030, 8, 17), date(2030, 12, 25)} <= national_holidays_in(2030)
    assert national_holidays_in(FIRST_YEAR - 1) == frozenset()
    assert joint_leave_in(FIRST_YEAR - 1) == frozenset()
    assert date(2024, 12, 25) not in NATIONAL_HOLIDAYS


def test_a_day_is_in_one_national_list_at_most() -> None:
    for year in range(FIRST_YEAR, 2031):
        assert not national_holidays_in(year) & joint_leave_in(year), year
    assert national_days_in([2026]) == national_holidays_in(2026) | joint_leave_in(2026)
    assert "2026-12-25" not in NATIONAL_HOLIDAYS  # only dates are in a list
