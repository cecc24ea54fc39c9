"""National holidays (hari libur nasional) and joint leave (cuti bersama) of Indonesia.

Both come from the ``holidays`` package (``holidays.Indonesia``, pinned in ``uv.lock``): its
``PUBLIC`` category is the libur nasional of Keppres 8/2024 at the dates set each year by the
joint decree of the Minister of Religious Affairs, the Minister of Manpower and the Minister for
Administrative and Bureaucratic Reform (SKB 3 Menteri, "Keputusan Bersama ... tentang Hari Libur
Nasional dan Cuti Bersama"); its ``GOVERNMENT`` category is that decree's cuti bersama for ASN,
amendments included (e.g. 18 August 2025, added by SKB 933/2025 for the 80th anniversary of
independence). The package carries the SKB's cuti bersama for every year from 2002 through the
latest decree it has seen (2027 in 0.109), so this module keeps no table of its own:
``tests/unit/test_holidays_library.py`` holds the SKB lists for 2025 and 2026 and checks the
package against them, and that 2027 is complete.

For a year whose SKB is not yet signed, the package gives the holidays fixed by the Gregorian
calendar and estimates for the Hijri, Saka, Buddhist and Chinese ones (named with
"(perkiraan)"), and no cuti bersama; upgrading the package brings the decree's days. When the
Minister of Religious Affairs moves Idulfitri or Iduladha by decree (sidang isbat), or the
package lags behind a new SKB, an OPD policy adds the days (``PolicySettings.holidays``,
``joint_leave``) or declares a national day a working day (``working_days``).

The national calendar starts in :data:`FIRST_YEAR`, the year of Permen PANRB 4/2025; days
before it are in no national list, as before the platform existed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal

import holidays as holiday_library

__all__ = [
    "CUTI_BERSAMA",
    "FIRST_YEAR",
    "NATIONAL_HOLIDAYS",
    "NationalList",
    "joint_leave_in",
    "national_days_in",
    "national_holidays_in",
]

FIRST_YEAR: Final = 2025
"""The first year with a national calendar here (Permen PANRB 4/2025)."""

_Category = Literal["public", "government"]


@lru_cache(maxsize=256)
def _days_of(category: _Category, year: int) -> Mapping[date, str]:
    """The package's days of ``category`` in ``year``, with their Indonesian names."""
    if year < FIRST_YEAR:
        return MappingProxyType({})
    days = holiday_library.country_holidays("ID", years=year, categories=(category,), language="id")
    return MappingProxyType(dict(sorted(days.items())))


class NationalList:
    """One national list (libur nasional, or cuti bersama) over every year: ``day in`` it,
    ``list[day]`` for what it commemorates, :meth:`in_year` for a year's days."""

    __slots__ = ("_category",)

    def __init__(self, category: _Category) -> None:
        self._category: _Category = category

    def in_year(self, year: int) -> Mapping[date, str]:
        """The list's days in ``year`` -> what each commemorates, in date order."""
        return _days_of(self._category, year)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self.in_year(day.year)

    def __getitem__(self, day: date) -> str:
        return self.in_year(day.year)[day]

    def get(self, day: date, default: str | None = None) -> str | None:
        return self.in_year(day.year).get(day, default)

    def __repr__(self) -> str:
        return f"NationalList({self._category!r})"


NATIONAL_HOLIDAYS: Final = NationalList("public")
"""Hari libur nasional -> what is commemorated."""

CUTI_BERSAMA: Final = NationalList("government")
"""Cuti bersama (joint leave for ASN) -> the holiday it accompanies."""


def national_holidays_in(year: int) -> frozenset[date]:
    return frozenset(NATIONAL_HOLIDAYS.in_year(year))


def joint_leave_in(year: int) -> frozenset[date]:
    return frozenset(CUTI_BERSAMA.in_year(year))


def national_days_in(years: Iterable[int]) -> frozenset[date]:
    """Every libur nasional and cuti bersama day of ``years``."""
    return frozenset(
        day
        for year in years
        for day in (*NATIONAL_HOLIDAYS.in_year(year), *CUTI_BERSAMA.in_year(year))
    )
