"""The WFA calendar: date ranges, special windows set by circular, holidays and ISO weeks.

Ready-made windows:

- :data:`NATARU_2025` — SE MenPANRB B/531/M.KT.02/2025: flexible work Mon 29 - Wed 31
  December 2025, all three days in one ISO week (its own weekly cap of 3).
- :data:`LEBARAN_2025` — flexible work 24-27 March 2025 and 8 April 2025.

National holidays and cuti bersama (SKB 3 Menteri) come from :mod:`kernel.holidays`;
:data:`NATIONAL_HOLIDAYS_2025` and :data:`CUTI_BERSAMA_2025` are that year's days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.holidays import joint_leave_in, national_holidays_in
from schemas.limits import ContractDate, LegalBasis, ShortText

__all__ = [
    "CUTI_BERSAMA_2025",
    "LEBARAN_2025",
    "NATARU_2025",
    "NATIONAL_HOLIDAYS_2025",
    "STATUTORY_WEEKLY_CAP_DAYS",
    "WORKING_DAYS_PER_WEEK",
    "DateRange",
    "SpecialWindow",
    "add_years",
    "days_by_week",
    "is_weekend",
    "week_key",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

STATUTORY_WEEKLY_CAP_DAYS: Final = 2
"""Permen PANRB 4/2025 art. 13(1): location flexibility on at most 2 working days a week."""

WORKING_DAYS_PER_WEEK: Final = 5
"""The most a window set by circular may allow in one week (Monday to Friday)."""


def week_key(day: date) -> tuple[int, int]:
    """The ISO ``(year, week)`` of ``day``; 29 December 2025 is ``(2026, 1)``."""
    iso = day.isocalendar()
    return iso.year, iso.week


def days_by_week(days: Iterable[date]) -> dict[tuple[int, int], int]:
    """How many distinct ``days`` fall in each ISO week, e.g. to build ``UsageFacts``."""
    return dict(Counter(week_key(day) for day in set(days)))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a non-leap year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def is_weekend(day: date) -> bool:
    """Saturday or Sunday."""
    return day.weekday() >= 5


MAX_RANGE_DAYS: Final = 366
"""Days one date range may span (a window set by circular lasts days or weeks)."""

MAX_WINDOW_RANGES: Final = 31
"""Date ranges one special window may list."""


class DateRange(BaseModel):
    """Consecutive days from ``start`` to ``end``, both included."""

    model_config = _FROZEN

    start: ContractDate = Field(description="First day of the range.")
    end: ContractDate = Field(description="Last day of the range (included).")

    @model_validator(mode="after")
    def _end_not_before_start(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("end must not be before start / akhir tidak boleh sebelum awal")
        if (self.end - self.start).days >= MAX_RANGE_DAYS:
            raise ValueError(
                f"a range spans at most {MAX_RANGE_DAYS} days / rentang paling panjang "
                f"{MAX_RANGE_DAYS} hari"
            )
        return self

    @classmethod
    def single(cls, day: date) -> DateRange:
        """A range of one day."""
        return cls(start=day, end=day)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def days(self) -> Iterator[date]:
        """Every day of the range in order."""
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)


class SpecialWindow(BaseModel):
    """Days on which a circular (surat edaran) sets special WFA arrangements.

    - ``max_away_share`` overrides the OPD's share of a unit that may be away on window days
      (e.g. DKI allowed 75% during the 2023 ASEAN summit); ``None`` keeps the OPD's share.
    - ``requires_window``: inside the window's span (first to last day) WFA is allowed only on
      the listed days, e.g. between 24 March and 8 April 2025 only on the Lebaran days.
    - ``weekly_cap_days`` is the window's own cap on WFA days per ISO week, for requests whose
      days in that week are all window days; ``None`` keeps the OPD's cap. Above the
      statutory 2 days only with the circular that allows it (``legal_basis``), e.g. Nataru
      2025 allowed all three days 29-31 December, which fall in one week.
    - Units the OPD marks essential (health, transport, security) stay on site on window days.
    """

    model_config = _FROZEN

    name: ShortText = Field(description='Short name, e.g. "Nataru 2025".')
    dates: tuple[DateRange, ...] = Field(
        min_length=1, max_length=MAX_WINDOW_RANGES, description="Days of the window."
    )
    max_away_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of a unit that may be away; null: OPD's."
    )
    requires_window: bool = Field(
        default=False,
        description="Inside the window's span, WFA is allowed only on the listed days.",
    )
    legal_basis: LegalBasis = Field(default="", description="The circular that set the window.")
    weekly_cap_days: int | None = Field(
        default=None,
        ge=1,
        le=WORKING_DAYS_PER_WEEK,
        description=(
            "WFA days per ISO week for window days; null: the OPD's cap. More than 2 only "
            "with the circular that allows it in legal_basis."
        ),
    )

    @model_validator(mode="after")
    def _cap_above_statute_needs_a_circular(self) -> SpecialWindow:
        cap = self.weekly_cap_days
        if cap is not None and cap > STATUTORY_WEEKLY_CAP_DAYS and not self.legal_basis.strip():
            raise ValueError(
                f"window {self.name!r}: a weekly cap above {STATUTORY_WEEKLY_CAP_DAYS} days needs "
                "the circular that allows it in legal_basis / batas mingguan di atas 2 hari "
                "memerlukan surat edaran yang mengizinkannya"
            )
        return self

    def __contains__(self, day: object) -> bool:
        return any(day in span for span in self.dates)

    @property
    def first_day(self) -> date:
        return min(span.start for span in self.dates)

    @property
    def last_day(self) -> date:
        return max(span.end for span in self.dates)

    def spans(self, day: date) -> bool:
        """Whether ``day`` is between the first and the last day of the window."""
        return self.first_day <= day <= self.last_day

    def days(self) -> list[date]:
        """Every listed day, ascending, without repeats."""
        return sorted({day for span in self.dates for day in span.days()})


NATARU_2025 = SpecialWindow(
    name="Nataru 2025",
    dates=(DateRange(start=date(2025, 12, 29), end=date(2025, 12, 31)),),
    requires_window=True,
    legal_basis="SE MenPANRB B/531/M.KT.02/2025",
    weekly_cap_days=3,
)
"""Natal and Tahun Baru: flexible work Mon 29 - Wed 31 December 2025, all three days."""

LEBARAN_2025 = SpecialWindow(
    name="Lebaran 2025",
    dates=(
        DateRange(start=date(2025, 3, 24), end=date(2025, 3, 27)),
        DateRange.single(date(2025, 4, 8)),
    ),
    requires_window=True,
    legal_basis="Surat Edaran MenPANRB tentang fleksibilitas kerja ASN, Idulfitri 1446 H (2025)",
)
"""Idulfitri 1446 H: flexible work 24-27 March 2025 and 8 April 2025."""

NATIONAL_HOLIDAYS_2025: frozenset[date] = national_holidays_in(2025)
"""Libur nasional 2025 (SKB 3 Menteri)."""

CUTI_BERSAMA_2025: frozenset[date] = joint_leave_in(2025)
"""Cuti bersama 2025 (SKB 3 Menteri and its August 2025 amendment)."""
