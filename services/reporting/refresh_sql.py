"""SQL a refresh reads before it writes, and fragments its statements share (pure text).

Keys travel as pairs of array parameters (see
:meth:`services.reporting.domain.refresh_scope.RefreshKeys.params`) and are matched as
constant tuple sets, which the engine turns into ranges of the tables' sorting keys. Facts
are read without ``FINAL``: every aggregate over them ignores a row stored twice (min, max,
argMax by position, distinct counts), so a replayed event is never counted again.
"""

from __future__ import annotations

RESOLVE_REQUESTS_SQL = """
SELECT nip, arrayJoin(dates) AS work_date, opd_id
FROM {db}.request_events
WHERE (opd_id, request_id) IN arrayZip({request_opds:Array(String)}, {request_ids:Array(String)})
  AND type = 'WfaRequested'
"""
"""The days of decided requests, from the stored request (a decision does not repeat them)."""

STORED_SQL = """
SELECT 'day' AS what, nip AS key, work_date AS day, opd_id
FROM {db}.employee_day FINAL
WHERE (work_date, nip) IN arrayZip({day_dates:Array(Date)}, {day_nips:Array(String)})
UNION ALL
SELECT 'week' AS what, nip AS key, week_start AS day, opd_id
FROM {db}.employee_week FINAL
WHERE (week_start, nip) IN arrayZip({week_starts:Array(Date)}, {week_nips:Array(String)})
"""
"""The OPD each marked employee-day and its week were counted for, before this refresh."""

HEADCOUNTS = """
heads AS (
    SELECT staff_opd AS opd_id, count() AS headcount
    FROM (SELECT nip, argMax(opd_id, offset) AS staff_opd FROM {db}.employees GROUP BY nip)
    GROUP BY staff_opd
)"""
"""``heads (opd_id, headcount)``: employees per OPD in the roster as it is now."""

ROSTER_STALE_SQL = (
    "WITH"
    + HEADCOUNTS
    + """
SELECT 'opd_day' AS what, o.opd_id AS key, o.work_date AS day
FROM {db}.opd_day AS o FINAL LEFT JOIN heads AS h ON h.opd_id = o.opd_id
WHERE o.headcount != h.headcount
UNION ALL
SELECT 'opd_month' AS what, o.opd_id AS key, o.month AS day
FROM {db}.opd_month AS o FINAL LEFT JOIN heads AS h ON h.opd_id = o.opd_id
WHERE o.headcount != h.headcount
"""
)
"""After roster changes: OPD rows whose headcount is no longer the roster's."""

MISSING_CHECK_OUT = (
    "(check_in_at IS NOT NULL AND check_out_at IS NULL) OR has(anomaly_kinds, 'missing_check_out')"
)
"""An employee-day checked in but never out, or flagged so by the detector."""


def exact_sum(column: str, condition: str | None = None) -> str:
    """A sum of floats in exact arithmetic: the same result in whatever order rows are read."""
    if condition is None:
        return f"toFloat64(sum(toDecimal128({column}, 9)))"
    return f"toFloat64(sumIf(toDecimal128({column}, 9), {condition}))"


def in_keys(columns: str, first: str, second: str) -> str:
    """``(a, b) IN`` the constant pairs of two array parameters."""
    return f"({columns}) IN arrayZip({first}, {second})"


SETTINGS = "\nSETTINGS max_query_size = 268435456"
"""The keys travel as literals on the embedded engine: let a statement hold many of them."""
