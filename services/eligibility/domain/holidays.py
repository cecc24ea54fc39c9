"""National holidays (hari libur nasional) and joint leave (cuti bersama) of Indonesia.

The lists follow the joint decrees of the Minister of Religious Affairs, the Minister of
Manpower and the Minister for Administrative and Bureaucratic Reform (SKB 3 Menteri,
"Keputusan Bersama Menteri Agama, Menteri Ketenagakerjaan, dan Menteri PANRB tentang Hari
Libur Nasional dan Cuti Bersama"), published each year for the next, and their amendments.
Every OPD policy uses them unless it declares a listed day a working day
(``PolicySettings.working_days``); a policy may add regional days (``holidays``,
``joint_leave``).

To update: add the new year's two tables below from the signed SKB (and apply any amendment,
as the 2025 one added 18 August 2025), then extend :data:`KNOWN_YEARS`. Dates of Islamic
holidays are fixed by the SKB; when the Minister of Religious Affairs later moves Idulfitri or
Iduladha by decree (sidang isbat), the table follows the decree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

__all__ = [
    "CUTI_BERSAMA",
    "KNOWN_YEARS",
    "NATIONAL_HOLIDAYS",
    "joint_leave_in",
    "national_holidays_in",
]

_HOLIDAYS_2025 = {
    # SKB No. 1017/2024, 2/2024, 2/2024 (14 October 2024)
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
}
_JOINT_LEAVE_2025 = {
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
}

_HOLIDAYS_2026 = {
    # SKB No. 1497/2025, 2/2025, 5/2025 (19 September 2025)
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
}
_JOINT_LEAVE_2026 = {
    date(2026, 2, 16): "Tahun Baru Imlek 2577 Kongzili",
    date(2026, 3, 18): "Hari Suci Nyepi (Tahun Baru Saka 1948)",
    date(2026, 3, 20): "Idulfitri 1447 Hijriah",
    date(2026, 3, 23): "Idulfitri 1447 Hijriah",
    date(2026, 3, 24): "Idulfitri 1447 Hijriah",
    date(2026, 5, 15): "Kenaikan Yesus Kristus",
    date(2026, 5, 28): "Iduladha 1447 Hijriah",
    date(2026, 12, 24): "Kelahiran Yesus Kristus",
}

_HOLIDAYS_2027 = {
    # Days whose date is fixed by Keppres No. 8/2024 or by the Gregorian and Chinese
    # calendars. The religious holidays of the Hijri, Saka and Buddhist calendars and every
    # cuti bersama day follow the SKB for 2027: add them from it here.
    date(2027, 1, 1): "Tahun Baru 2027 Masehi",
    date(2027, 2, 6): "Tahun Baru Imlek 2578 Kongzili",
    date(2027, 3, 26): "Wafat Yesus Kristus",
    date(2027, 3, 28): "Kebangkitan Yesus Kristus (Paskah)",
    date(2027, 5, 1): "Hari Buruh Internasional",
    date(2027, 5, 6): "Kenaikan Yesus Kristus",
    date(2027, 6, 1): "Hari Lahir Pancasila",
    date(2027, 8, 17): "Proklamasi Kemerdekaan",
    date(2027, 12, 25): "Kelahiran Yesus Kristus",
}
_JOINT_LEAVE_2027: dict[date, str] = {}

KNOWN_YEARS: Final = frozenset({2025, 2026, 2027})
"""Years with a national calendar here; other years need the OPD policy's own lists."""

NATIONAL_HOLIDAYS: Final[Mapping[date, str]] = MappingProxyType(
    {**_HOLIDAYS_2025, **_HOLIDAYS_2026, **_HOLIDAYS_2027}
)
"""Hari libur nasional -> what is commemorated."""

CUTI_BERSAMA: Final[Mapping[date, str]] = MappingProxyType(
    {**_JOINT_LEAVE_2025, **_JOINT_LEAVE_2026, **_JOINT_LEAVE_2027}
)
"""Cuti bersama (joint leave for ASN) -> the holiday it accompanies."""


def national_holidays_in(year: int) -> frozenset[date]:
    return frozenset(day for day in NATIONAL_HOLIDAYS if day.year == year)


def joint_leave_in(year: int) -> frozenset[date]:
    return frozenset(day for day in CUTI_BERSAMA if day.year == year)
