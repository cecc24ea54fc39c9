"""Which derived rows a batch's marks reach (pure: no I/O).

An employee-day depends on its own facts only. Its week and month depend on its days; an
OPD-day on the employee-days counted for the OPD that day; an OPD-month on its OPD-days and on
the weeks (counted for the OPD of their latest day) that start in it. A day counts for the OPD
of its latest fact, so when a fact moves it, both the OPD it leaves and the one it joins are
computed again: the OPD it leaves is the one stored before (read before anything is written),
the one it joins is named by a fact of the batch.

Every key set is built here from the marks and what was stored before, and handed to the
statements as arrays: one statement per derived table, whatever the number of keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.reporting.domain.marks import DAY, EMPLOYEE, REQUEST

DayKey = tuple[str, date]
"""(nip, work_date)"""
OpdDay = tuple[str, date]
"""(opd_id, work_date)"""
Marks = dict[str, set[tuple[Any, ...]]]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class MarkedKeys:
    """What the marks name directly."""

    days: frozenset[tuple[str, date, str]] = frozenset()
    """(nip, work_date, opd_id of a fact of the batch)."""
    requests: frozenset[tuple[str, str]] = frozenset()
    """(opd_id, request_id) of decisions, whose days are resolved from the stored request."""
    employees: frozenset[str] = frozenset()
    """NIPs the roster changed."""

    @classmethod
    def from_marks(cls, marks: Marks) -> MarkedKeys:
        return cls(
            days=frozenset(
                (str(nip), as_date(day), str(opd)) for nip, day, opd in marks.get(DAY, ())
            ),
            requests=frozenset((str(opd), str(rid)) for opd, rid in marks.get(REQUEST, ())),
            employees=frozenset(str(nip) for (nip,) in marks.get(EMPLOYEE, ())),
        )

    def __bool__(self) -> bool:
        return bool(self.days or self.requests or self.employees)


@dataclass(frozen=True)
class Stored:
    """What the derived tables held for the marked keys before this refresh wrote anything."""

    day_opds: frozenset[tuple[str, date, str]] = frozenset()
    """(nip, work_date, opd_id) of the marked employee-days already stored."""
    week_opds: frozenset[tuple[str, date, str]] = frozenset()
    """(nip, week_start, opd_id) of their weeks already stored."""
    stale_opd_days: frozenset[OpdDay] = frozenset()
    """OPD-days whose headcount is no longer the roster's."""
    stale_opd_months: frozenset[OpdDay] = frozenset()
    """OPD-months (opd_id, month) whose headcount is no longer the roster's."""


@dataclass(frozen=True)
class RefreshKeys:
    """The keys of every derived row to compute again, per table."""

    employee_days: tuple[DayKey, ...] = ()
    weeks: tuple[DayKey, ...] = ()
    """(nip, week_start)"""
    months: tuple[DayKey, ...] = ()
    """(nip, month)"""
    opd_days: tuple[OpdDay, ...] = ()
    opd_months: tuple[OpdDay, ...] = ()
    """(opd_id, month)"""

    def params(self) -> dict[str, list[Any]]:
        """Every key set as a pair of array parameters."""
        return {
            **_pair(self.employee_days, "day_nips", "day_dates"),
            **_pair(self.weeks, "week_nips", "week_starts"),
            **_pair(self.months, "month_nips", "month_starts"),
            **_pair(self.opd_days, "opd_day_opds", "opd_day_dates"),
            **_pair(self.opd_months, "opd_month_opds", "opd_month_starts"),
        }


def _pair(keys: Iterable[tuple[str, date]], first: str, second: str) -> dict[str, list[Any]]:
    ordered = sorted(keys)
    return {first: [k for k, _ in ordered], second: [d for _, d in ordered]}


def refresh_keys(days: Iterable[tuple[str, date, str]], stored: Stored = Stored()) -> RefreshKeys:
    """Every key to compute again, from the marked days (direct or resolved from requests,
    with the OPD their new fact names) and what was stored before."""
    marked = {(nip, day) for nip, day, _ in days}
    opd_days = {(opd, day) for _, day, opd in days}
    opd_days |= {(opd, day) for _, day, opd in stored.day_opds}
    weeks = {(nip, monday(day)) for nip, day in marked}
    months = {(nip, month_start(day)) for nip, day in marked}
    months |= {(nip, month_start(start)) for nip, start in weeks}
    opd_months = {(opd, month_start(day)) for opd, day in opd_days}
    opd_months |= {(opd, month_start(monday(day))) for opd, day in opd_days}
    opd_months |= {(opd, month_start(start)) for _, start, opd in stored.week_opds}
    opd_days |= stored.stale_opd_days
    opd_months |= stored.stale_opd_months
    return RefreshKeys(
        employee_days=tuple(sorted(marked)),
        weeks=tuple(sorted(weeks)),
        months=tuple(sorted(months)),
        opd_days=tuple(sorted(opd_days)),
        opd_months=tuple(sorted(opd_months)),
    )
