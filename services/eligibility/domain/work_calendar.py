"""The WFA calendar: date ranges, special windows set by circular, holidays and ISO weeks.

Ready-made data from the domain brief:

- :data:`NATARU_2025` — SE MenPANRB B/531/M.KT.02/2025: flexible work Mon 29 - Wed 31
  December 2025.
- :data:`LEBARAN_2025` — flexible work 24-27 March 2025 and 8 April 2025.
- :data:`NATIONAL_HOLIDAYS_2025` — 25 December 2025 and 1 January 2026 (libur nasional).
- :data:`CUTI_BERSAMA_2025` — 26 December 2025 (cuti bersama, joint leave).

These are only the dates the brief names; BKD admins load the full year's calendar into each
OPD policy (``OpdPolicy.holidays`` / ``OpdPolicy.joint_leave``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.events import NonBlankStr

__all__ = [
    "CUTI_BERSAMA_2025",
    "LEBARAN_2025",
    "NATARU_2025",
    "NATIONAL_HOLIDAYS_2025",
    "DateRange",
    "SpecialWindow",
    "add_years",
    "days_by_week",
    "is_weekend",
    "week_key",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


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


class DateRange(BaseModel):
    """Consecutive days from ``start`` to ``end``, both included."""

    model_config = _FROZEN

    start: date = Field(description="First day of the range.")
    end: date = Field(description="Last day of the range (included).")

    @model_validator(mode="after")
    def _end_not_before_start(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("end must not be before start / akhir tidak boleh sebelum awal")
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
    - Units the OPD marks essential (health, transport, security) stay on site on window days.
    """

    model_config = _FROZEN

    name: NonBlankStr = Field(description='Short name, e.g. "Nataru 2025".')
    dates: tuple[DateRange, ...] = Field(min_length=1, description="Days of the window.")
    max_away_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of a unit that may be away; null: OPD's."
    )
    requires_window: bool = Field(
        default=False,
        description="Inside the window's span, WFA is allowed only on the listed days.",
    )
    legal_basis: str = Field(default="", description="The circular that set the window.")

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
)
"""Natal and Tahun Baru: flexible work Mon 29 - Wed 31 December 2025."""

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

NATIONAL_HOLIDAYS_2025: frozenset[date] = frozenset({date(2025, 12, 25), date(2026, 1, 1)})
"""Libur nasional named in the brief: Natal 25 December 2025, Tahun Baru 1 January 2026."""

CUTI_BERSAMA_2025: frozenset[date] = frozenset({date(2025, 12, 26)})
"""Cuti bersama (joint leave) named in the brief: 26 December 2025."""
