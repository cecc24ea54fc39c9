"""Read-side queries behind the public transparency page: counts per OPD, never a person.

Every query here groups by OPD (and day) and returns counts and sums only; no NIP, name or
position leaves the engine. The figures come from the derived ``opd_month`` / ``opd_day``
rows; the persons each figure rests on (for the suppression of small groups, see
:mod:`services.reporting.domain.disclosure`) are counted from ``employee_day``, the rows the
OPD rows are summed from, so both agree on which OPD a day counts for.
"""

from __future__ import annotations

import asyncio
from datetime import date

from services.reporting.domain.disclosure import OpdDay, OpdMonth
from services.reporting.domain.rates import OpdFigures
from services.reporting.summary_params import month_end
from services.reporting.summary_queries import Period, opd_months
from services.runtime.store.base import Store

MAX_PUBLIC_ROWS = 100_000
"""Most OPD-days one public read returns (a province has a few dozen OPDs)."""

STAFF_SQL = """
SELECT opd_id,
    uniqExactIf(nip, mode = 'wfa') AS staff_wfa,
    uniqExactIf(nip, mode = 'office') AS staff_office,
    uniqExactIf(nip, mode != 'absent') AS staff_present,
    uniqExactIf(nip, report_status != 'none') AS staff_reporting
FROM {db}.employee_day FINAL
WHERE work_date >= {date_from:Date} AND work_date <= {date_to:Date}
GROUP BY opd_id
"""
"""Per OPD: how many staff worked from anywhere, at the office, checked in, reported."""

ANOMALY_SQL = """
SELECT opd_id, toString(kind) AS kind, uniqExact(anomaly_id) AS anomalies,
    uniqExact(nip) AS persons
FROM {db}.anomalies
WHERE work_date >= {date_from:Date} AND work_date <= {date_to:Date}
GROUP BY opd_id, kind
"""
"""Per OPD and kind: the anomalies detected, and how many staff they concern (a replayed
anomaly keeps its id: it is counted once)."""

DAYS_SQL = """
SELECT opd_id, work_date, headcount, recorded, present, wfa, wfo, wfa_unapproved, late,
    missing_check_out, reports_submitted, reports_accepted, anomalies, violations, outputs_wfa,
    outputs_wfo, achievement_sum_wfa, with_target_wfa, achievement_sum_wfo, with_target_wfo
FROM {db}.opd_day FINAL
WHERE work_date >= {date_from:Date} AND work_date <= {date_to:Date}
ORDER BY opd_id, work_date
LIMIT {limit:UInt32}
"""


async def public_months(store: Store, month: date) -> list[OpdMonth]:
    """Every OPD's month (``month`` is its first day) with the staff behind its figures."""
    period = Period(month, month_end(month))
    rows, staff, anomalies = await asyncio.gather(
        opd_months(store, month),
        store.query(STAFF_SQL, period.params()),
        store.query(ANOMALY_SQL, period.params()),
    )
    staff_of = {row["opd_id"]: row for row in staff}
    kinds: dict[str, dict[str, tuple[int, int]]] = {}
    for row in anomalies:
        kinds.setdefault(row["opd_id"], {})[row["kind"]] = (
            int(row["anomalies"]),
            int(row["persons"]),
        )
    months = []
    for row in rows:
        opd_id = row["opd_id"]
        counted = staff_of.get(opd_id, {})
        months.append(
            OpdMonth(
                opd_id=opd_id,
                figures=OpdFigures.from_month(row),
                staff_wfa=int(counted.get("staff_wfa", 0)),
                staff_office=int(counted.get("staff_office", 0)),
                staff_present=int(counted.get("staff_present", 0)),
                staff_reporting=int(counted.get("staff_reporting", 0)),
                anomalies=kinds.get(opd_id, {}),
            )
        )
    return months


async def public_opd_days(store: Store, period: Period) -> list[OpdDay]:
    """Every OPD's days in the period."""
    rows = await store.query(DAYS_SQL, {**period.params(), "limit": MAX_PUBLIC_ROWS})
    return [
        OpdDay(
            opd_id=row["opd_id"],
            work_date=str(row["work_date"]),
            figures=OpdFigures.from_day(row),
        )
        for row in rows
    ]
