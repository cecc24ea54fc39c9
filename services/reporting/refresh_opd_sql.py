"""The statements computing OPD-day and OPD-month rows again (pure text: no I/O).

Each is ONE ``INSERT INTO ... SELECT`` over every key of its table (array parameters, see
:meth:`services.reporting.domain.refresh_scope.RefreshKeys.params`), with the ``version``
parameter: the newest version wins. A key left without any employee-day (a day now counted
for another OPD) is written as deleted (``is_deleted``): ``FINAL`` drops it, as if it had
never been there, which is what a pass that saw every fact at once would leave.
"""

from __future__ import annotations

from services.reporting.refresh_sql import HEADCOUNTS, MISSING_CHECK_OUT, SETTINGS, exact_sum

_DAY_FIGURES = {
    "present": "countIf(mode != 'absent')",
    "wfa": "countIf(mode = 'wfa')",
    "wfo": "countIf(mode = 'office')",
    "wfa_unapproved": "countIf(mode = 'wfa' AND NOT wfa_approved)",
    "late": "countIf(late)",
    "missing_check_out": f"countIf({MISSING_CHECK_OUT})",
    "reports_submitted": "countIf(report_status != 'none')",
    "reports_accepted": "countIf(report_status = 'accepted')",
    "anomalies": "sum(anomalies)",
    "violations": "sum(violations)",
    "outputs_wfa": "sumIf(outputs, mode = 'wfa')",
    "outputs_wfo": "sumIf(outputs, mode = 'office')",
    "achievement_sum_wfa": exact_sum("achievement_sum", "mode = 'wfa'"),
    "with_target_wfa": "sumIf(outputs_with_target, mode = 'wfa')",
    "achievement_sum_wfo": exact_sum("achievement_sum", "mode = 'office'"),
    "with_target_wfo": "sumIf(outputs_with_target, mode = 'office')",
}
"""Each figure of an OPD-day from its employee-days; an OPD-month sums them over its days."""

_FIGURES = ", ".join(_DAY_FIGURES)

OPD_DAY_SQL = f"""
INSERT INTO {{db}}.opd_day (opd_id, work_date, headcount, recorded, {_FIGURES}, version,
    is_deleted)
WITH {{opd_day_dates:Array(Date)}} AS opd_day_dates,
    arrayZip({{opd_day_opds:Array(String)}}, opd_day_dates) AS opd_day_keys,{HEADCOUNTS}
SELECT k.opd_id, k.work_date, h.headcount, a.n_recorded,
    {", ".join(f"a.n_{name}" for name in _DAY_FIGURES)},
    {{version:UInt64}}, a.n_recorded = 0
FROM (
    SELECT tupleElement(key, 1) AS opd_id, tupleElement(key, 2) AS work_date
    FROM (SELECT arrayJoin(opd_day_keys) AS key)
) AS k
LEFT JOIN (
    SELECT opd_id, work_date, count() AS n_recorded,
        {", ".join(f"{expr} AS n_{name}" for name, expr in _DAY_FIGURES.items())}
    FROM {{db}}.employee_day FINAL
    WHERE work_date IN opd_day_dates AND (opd_id, work_date) IN opd_day_keys
    GROUP BY opd_id, work_date
) AS a ON a.opd_id = k.opd_id AND a.work_date = k.work_date
LEFT JOIN heads AS h ON h.opd_id = k.opd_id
{SETTINGS}"""
"""OPD-days of ``opd_day_opds``/``opd_day_dates`` from their employee-days."""

_MONTH_RANGE = """{column} >= first_month AND {column} < end_month
      AND (opd_id, toStartOfMonth({column})) IN opd_month_keys"""

OPD_MONTH_SQL = f"""
INSERT INTO {{db}}.opd_month (opd_id, month, headcount, working_days, staff_days,
    {_FIGURES.replace("wfa_unapproved, ", "wfa_unapproved, wfa_days_over_cap, ")},
    version, is_deleted)
WITH {{opd_month_starts:Array(Date)}} AS opd_month_starts,
    arrayZip({{opd_month_opds:Array(String)}}, opd_month_starts) AS opd_month_keys,
    arrayMin(opd_month_starts) AS first_month,
    addMonths(arrayMax(opd_month_starts), 1) AS end_month,{HEADCOUNTS}
SELECT k.opd_id, k.month, h.headcount, d.n_working_days, d.n_staff_days,
    {
    ", ".join(
        f"d.n_{name}" + (", o.n_over" if name == "wfa_unapproved" else "") for name in _DAY_FIGURES
    )
},
    {{version:UInt64}}, d.found = 0 AND o.n_over = 0
FROM (
    SELECT tupleElement(key, 1) AS opd_id, tupleElement(key, 2) AS month
    FROM (SELECT arrayJoin(opd_month_keys) AS key)
) AS k
LEFT JOIN (
    SELECT opd_id, toStartOfMonth(work_date) AS month, 1 AS found,
        count() AS n_working_days, sum(recorded) AS n_staff_days,
        {
    ", ".join(
        (exact_sum(name) if name.startswith("achievement") else f"sum({name})") + f" AS n_{name}"
        for name in _DAY_FIGURES
    )
}
    FROM {{db}}.opd_day FINAL
    WHERE {_MONTH_RANGE.format(column="work_date")}
    GROUP BY opd_id, month
) AS d ON d.opd_id = k.opd_id AND d.month = k.month
LEFT JOIN (
    SELECT opd_id, toStartOfMonth(week_start) AS month, sum(over_cap) AS n_over
    FROM {{db}}.employee_week FINAL
    WHERE {_MONTH_RANGE.format(column="week_start")}
    GROUP BY opd_id, month
) AS o ON o.opd_id = k.opd_id AND o.month = k.month
LEFT JOIN heads AS h ON h.opd_id = k.opd_id
{SETTINGS}"""
"""OPD-months of ``opd_month_opds``/``opd_month_starts``: sums of their OPD-days, and the WFA
days over the cap of the weeks starting in them (counted for the OPD of the week)."""
