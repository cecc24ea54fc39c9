"""Read-side queries over reporting's derived tables (employee and OPD days, weeks, months).

Every derived table is a ReplacingMergeTree whose newest ``version`` wins, so every read uses
``FINAL``: a row recomputed after a late event replaces the one before it, and nothing is
counted twice. Filters on values that can change (an employee's OPD) apply after ``FINAL``,
to the newest row.

Province-wide reads touch ``opd_month`` only: a few dozen rows a month.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting.domain.scope import Scope
from services.reporting.queries import Page
from services.runtime.store.base import Row, Store

MAX_RANKED_OPDS = 1_000
"""Most OPDs one ranking reads (a province has a few dozen)."""
MAX_OFFENDERS = 20
"""Subordinates listed on a scorecard, worst first."""

_SCOPED = """
      ({opd_id:String} = '' OR opd_id = {opd_id:String})
  AND ({nip:String} = '' OR nip = {nip:String})
  AND ({any_nip:UInt8} = 1 OR has({nips:Array(String)}, nip))
"""

_PAGE = " LIMIT {limit:UInt32} OFFSET {offset:UInt64}"

# employees ------------------------------------------------------------------------------------

_EMPLOYEE_DAYS = (
    """
FROM {db}.employee_day FINAL
WHERE work_date >= {date_from:Date} AND work_date <= {date_to:Date} AND """
    + _SCOPED
)
EMPLOYEE_DAYS_SQL = (
    """
SELECT nip, work_date, opd_id, work_unit_id, working_day, wfa_requested, wfa_approved,
       request_id, mode, check_in_at, check_out_at, minutes_after_start, late, worked_minutes,
       expected_minutes, signals, report_status, report_revision, outputs, outputs_with_target,
       achievement_sum, anomalies, violations, anomaly_kinds
"""
    + _EMPLOYEE_DAYS
    + " ORDER BY work_date, nip"
    + _PAGE
)
EMPLOYEE_DAYS_TOTAL_SQL = "SELECT count() AS total " + _EMPLOYEE_DAYS

_EMPLOYEE_WEEKS = (
    """
FROM {db}.employee_week FINAL
WHERE week_start >= {date_from:Date} AND week_start <= {date_to:Date} AND """
    + _SCOPED
)
EMPLOYEE_WEEKS_SQL = (
    "SELECT nip, week_start, opd_id, wfa_days, wfa_cap, over_cap, office_days "
    + _EMPLOYEE_WEEKS
    + " ORDER BY week_start, nip"
    + _PAGE
)
EMPLOYEE_WEEKS_TOTAL_SQL = "SELECT count() AS total " + _EMPLOYEE_WEEKS

_EMPLOYEE_MONTHS = (
    """
FROM {db}.employee_month FINAL
WHERE month = {month:Date} AND """
    + _SCOPED
)
_EMPLOYEE_MONTH_COLUMNS = """
SELECT nip, month, opd_id, working_days, days_present, days_wfa, days_wfo, wfa_days_over_cap,
       worked_minutes, expected_minutes, late_days, missing_check_out_days, reports_submitted,
       reports_accepted, outputs, outputs_with_target, achievement_sum, outputs_wfa, outputs_wfo,
       anomalies, violations, anomalies_by_kind
"""
EMPLOYEE_MONTHS_SQL = _EMPLOYEE_MONTH_COLUMNS + _EMPLOYEE_MONTHS + " ORDER BY opd_id, nip" + _PAGE
EMPLOYEE_MONTHS_TOTAL_SQL = "SELECT count() AS total " + _EMPLOYEE_MONTHS

MONTH_AFTER_SQL = (
    _EMPLOYEE_MONTH_COLUMNS
    + """
FROM {db}.employee_month FINAL
WHERE month = {month:Date} AND nip > {after:String}
ORDER BY nip
LIMIT {limit:UInt32}
"""
)

OFFENDERS_SQL = (
    _EMPLOYEE_MONTH_COLUMNS
    + """
FROM {db}.employee_month FINAL
WHERE month = {month:Date} AND opd_id = {opd_id:String}
  AND (violations > 0 OR wfa_days_over_cap > 0)
ORDER BY violations DESC, wfa_days_over_cap DESC, nip
LIMIT {limit:UInt32}
"""
)

NAMES_SQL = "SELECT nip, name FROM {db}.employees FINAL WHERE has({nips:Array(String)}, nip)"

HEAD_SQL = """
SELECT nip, name FROM {db}.employees FINAL
WHERE opd_id = {opd_id:String} AND supervisor_nip IS NULL
ORDER BY nip
LIMIT 1
"""

PUBLISHED_SQL = """
SELECT nip, checksum FROM {db}.summaries_published FINAL
WHERE month = {month:Date} AND has({nips:Array(String)}, nip)
"""

# OPDs -----------------------------------------------------------------------------------------

_OPD_SUMS = """
headcount, present, wfa, wfo, wfa_unapproved, late, missing_check_out, reports_submitted,
reports_accepted, anomalies, violations, outputs_wfa, outputs_wfo, achievement_sum_wfa,
with_target_wfa, achievement_sum_wfo, with_target_wfo
"""
_OPD_DAYS = """
FROM {db}.opd_day FINAL
WHERE opd_id = {opd_id:String} AND work_date >= {date_from:Date} AND work_date <= {date_to:Date}
"""
OPD_DAYS_SQL = (
    "SELECT opd_id, work_date, recorded, " + _OPD_SUMS + _OPD_DAYS + " ORDER BY work_date" + _PAGE
)
OPD_DAYS_TOTAL_SQL = "SELECT count() AS total " + _OPD_DAYS

OPD_MONTHS_SQL = (
    "SELECT opd_id, month, working_days, staff_days, wfa_days_over_cap, "
    + _OPD_SUMS
    + """
FROM {db}.opd_month FINAL
WHERE month = {month:Date} AND ({opd_id:String} = '' OR opd_id = {opd_id:String})
ORDER BY opd_id
LIMIT {limit:UInt32}
"""
)


@dataclass(frozen=True)
class Period:
    """The days asked for, both included."""

    date_from: date
    date_to: date

    def params(self) -> dict[str, Any]:
        return {"date_from": self.date_from, "date_to": self.date_to}


async def _page(
    store: Store, rows_sql: str, total_sql: str, params: dict[str, Any], limit: int, offset: int
) -> Page:
    paged = {**params, "limit": limit, "offset": offset}
    items, totals = await asyncio.gather(
        store.query(rows_sql, paged), store.query(total_sql, paged)
    )
    return Page(items=items, total=int(totals[0]["total"]) if totals else 0)


async def employee_days(
    store: Store, scope: Scope, period: Period, *, limit: int, offset: int
) -> Page:
    """``employee_day`` rows of the scope in the period, oldest first."""
    params = {**scope.params(), **period.params()}
    page = await _page(store, EMPLOYEE_DAYS_SQL, EMPLOYEE_DAYS_TOTAL_SQL, params, limit, offset)
    for row in page.items:
        row["check_in_at"] = _utc(row["check_in_at"])
        row["check_out_at"] = _utc(row["check_out_at"])
    return page


async def employee_weeks(
    store: Store, scope: Scope, period: Period, *, limit: int, offset: int
) -> Page:
    """``employee_week`` rows of the scope whose week starts in the period, oldest first."""
    params = {**scope.params(), **period.params()}
    return await _page(store, EMPLOYEE_WEEKS_SQL, EMPLOYEE_WEEKS_TOTAL_SQL, params, limit, offset)


async def employee_months(
    store: Store, scope: Scope, month: date, *, limit: int, offset: int
) -> Page:
    """``employee_month`` rows of the scope for ``month`` (its first day), by OPD and NIP."""
    params = {**scope.params(), "month": month}
    return await _page(store, EMPLOYEE_MONTHS_SQL, EMPLOYEE_MONTHS_TOTAL_SQL, params, limit, offset)


async def months_after(store: Store, month: date, after: str, *, limit: int) -> list[Row]:
    """The next ``limit`` employee-months of ``month`` whose NIP sorts after ``after``."""
    return await store.query(MONTH_AFTER_SQL, {"month": month, "after": after, "limit": limit})


async def offenders(store: Store, opd_id: str, month: date) -> list[Row]:
    """Employee-months of the OPD with violations or WFA days over the cap, worst first."""
    params = {"month": month, "opd_id": opd_id, "limit": MAX_OFFENDERS}
    return await store.query(OFFENDERS_SQL, params)


async def names(store: Store, nips: Collection[str]) -> dict[str, str]:
    """The roster's name of each NIP it knows."""
    if not nips:
        return {}
    rows = await store.query(NAMES_SQL, {"nips": sorted(set(nips))})
    return {row["nip"]: row["name"] for row in rows}


async def head_of_opd(store: Store, opd_id: str) -> Row | None:
    """The head of the OPD as the roster shows it: its employee without a supervisor (the
    lowest NIP if several)."""
    rows = await store.query(HEAD_SQL, {"opd_id": opd_id})
    return rows[0] if rows else None


async def published_checksums(store: Store, month: date, nips: Collection[str]) -> dict[str, str]:
    """The checksum last published for each of ``nips`` in ``month``."""
    if not nips:
        return {}
    rows = await store.query(PUBLISHED_SQL, {"month": month, "nips": sorted(set(nips))})
    return {row["nip"]: row["checksum"] for row in rows}


async def opd_days(store: Store, opd_id: str, period: Period, *, limit: int, offset: int) -> Page:
    """``opd_day`` rows of the OPD in the period, oldest first."""
    params = {"opd_id": opd_id, **period.params()}
    return await _page(store, OPD_DAYS_SQL, OPD_DAYS_TOTAL_SQL, params, limit, offset)


async def opd_months(store: Store, month: date, opd_id: str = "") -> list[Row]:
    """``opd_month`` rows of ``month``: one OPD, or every OPD when ``opd_id`` is empty."""
    params = {"month": month, "opd_id": opd_id, "limit": MAX_RANKED_OPDS}
    return await store.query(OPD_MONTHS_SQL, params)


def _utc(text: str | None) -> str | None:
    """A stored ``DateTime64(3, 'UTC')`` as ISO 8601 in UTC."""
    return None if text is None else text.replace(" ", "T") + "Z"
