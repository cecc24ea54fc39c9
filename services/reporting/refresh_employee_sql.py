"""The statements computing employee-day, -week and -month rows again (pure text: no I/O).

Each is ONE ``INSERT INTO ... SELECT`` over every key of its table (array parameters, see
:meth:`services.reporting.domain.refresh_scope.RefreshKeys.params`), with the ``version``
parameter: the newest version wins.

An employee-day is one aggregation over its facts: each fact table is aggregated per day in a
branch of a ``UNION ALL`` whose columns the other branches leave empty, and the branches are
merged per day. Only days with at least one fact get a row.
"""

from __future__ import annotations

from services.reporting.refresh_sql import MISSING_CHECK_OUT, SETTINGS, exact_sum

WFA_CAP = 2
"""WFA days a week (Permen PANRB 4/2025 art. 13(1))."""

EXPECTED_MINUTES = 450
"""Minutes expected of a working day with a check-in (37.5 hours over 5 days)."""

_NO_TIME = "toDateTime64(0, 3, 'UTC')"

#: every column of a branch, and what the branches that do not compute it put there
_BRANCH_COLUMNS = {
    "checked_in": "0",
    "first_in": _NO_TIME,
    "first": "tuple(CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(Int32)))",
    "checked_out": "0",
    "last_out": _NO_TIME,
    "signals": "0",
    "working": "0",
    "anomaly_count": "0",
    "violation_count": "0",
    "kinds": "CAST([] AS Array(String))",
    "late_flag": "0",
    "revision_max": "0",
    "stated": "tuple(toUInt16(0), toUInt16(0), toFloat64(0))",
    "review": "tuple(toUInt32(0), '')",
    "requested": "0",
    "approved": "0",
    "best_request": "''",
}


def ordinal(at: str, event_id: str = "event_id") -> str:
    """A fact's place in time as one number: the millisecond, then (to order facts of the same
    millisecond) part of a hash of its event id. Comparing numbers is much cheaper than
    comparing (time, id) tuples."""
    millisecond = f"toUInt128(toUnixTimestamp64Milli({at}))"
    return f"({millisecond} * {_SHIFT_32} + cityHash64({event_id}) % {_SHIFT_32})"


_SHIFT_32 = 4294967296
_REVISION_FIRST = "(bitShiftLeft(toUInt128(revision), 96) + {ordinal})"
"""Orders report events by revision, then time: the revision's bits above the ordinal's."""

_PRESENCE = {
    "checked_in": "countIf(kind = 'check_in') > 0",
    "first_in": "minIf(at, kind = 'check_in')",
    "first": (
        "argMinIf(tuple(toNullable(toString(derived_mode)), minutes_after_start), "
        f"{ordinal('at')}, kind = 'check_in')"
    ),
    "checked_out": "countIf(kind = 'check_out') > 0",
    "last_out": "maxIf(at, kind = 'check_out')",
    "signals": "uniqExactIf(event_id, kind IN ('ping', 'heartbeat'))",
    "working": "max(working_day)",
}

_ANOMALIES = {
    "anomaly_count": "uniqExact(anomaly_id)",
    "violation_count": (
        "uniqExactIf(anomaly_id, kind NOT IN ('late_check_in', 'missing_check_out'))"
    ),
    "kinds": "arraySort(groupUniqArray(toString(kind)))",
    "late_flag": "countIf(kind = 'late_check_in') > 0",
}

_REPORTS = {
    "revision_max": "maxIf(revision, type = 'DailyReportSubmitted')",
    "stated": (
        "argMaxIf((outputs, outputs_with_target, achievement_sum), "
        f"{_REVISION_FIRST.format(ordinal=ordinal('occurred_at'))}, "
        "type = 'DailyReportSubmitted')"
    ),
    "review": (
        "argMaxIf((revision, toString(ifNull(verdict, ''))), "
        f"{_REVISION_FIRST.format(ordinal=ordinal('occurred_at'))}, "
        "type = 'DailyReportReviewed')"
    ),
}

_REQUESTS = {
    "requested": "max(status != 'cancelled')",
    "approved": "max(status = 'approved')",
    "best_request": (
        "argMax(request_id, bitShiftLeft(toUInt128((status = 'approved') * 2 "
        "+ (status != 'cancelled')), 96) + ts)"
    ),
}

_DAY_KEYS = "(nip, work_date) IN day_keys"

#: a decided request per day it covers: its latest status, from its stored events
_REQUEST_DAYS = f"""(
    SELECT req_nip AS nip, work_date, request_id, status, ts, req_opd AS opd_id
    FROM (
        SELECT request_id,
            any(nip) AS req_nip,
            argMax(status, offset) AS status,
            argMaxIf(dates, offset, type = 'WfaRequested') AS req_dates,
            argMaxIf({ordinal("occurred_at")}, offset, type = 'WfaRequested') AS ts,
            argMaxIf(opd_id, offset, type = 'WfaRequested') AS req_opd
        FROM {{db}}.request_events
        WHERE (opd_id, request_id) IN (
            SELECT opd_id, request_id FROM {{db}}.request_days WHERE {_DAY_KEYS}
        )
        GROUP BY request_id
        HAVING countIf(type = 'WfaRequested') > 0
    )
    ARRAY JOIN req_dates AS work_date
    WHERE {_DAY_KEYS.replace("nip", "req_nip")}
)"""


def _branch(name: str, source: str, computed: dict[str, str], latest: str) -> str:
    columns = ",\n        ".join(
        f"{computed.get(column, default)} AS {column}"
        for column, default in _BRANCH_COLUMNS.items()
    )
    return f"""
    SELECT nip, work_date, '{name}' AS source,
        max({latest}) AS latest, argMax(opd_id, {latest}) AS latest_opd,
        {columns}
    FROM {source}
    WHERE {_DAY_KEYS}
    GROUP BY nip, work_date"""


_BRANCHES = "\n    UNION ALL".join(
    (
        _branch("presence_signals", "{db}.presence_signals", _PRESENCE, ordinal("at")),
        _branch("anomalies", "{db}.anomalies", _ANOMALIES, ordinal("at")),
        _branch("report_events", "{db}.report_events", _REPORTS, ordinal("occurred_at")),
        _branch("request_events", _REQUEST_DAYS, _REQUESTS, "ts"),
    )
)

_SOURCE_OF = {
    **dict.fromkeys(_PRESENCE, "presence_signals"),
    **dict.fromkeys(_ANOMALIES, "anomalies"),
    **dict.fromkeys(_REPORTS, "report_events"),
    **dict.fromkeys(_REQUESTS, "request_events"),
}

_MERGED = ",\n        ".join(
    f"max({name}) AS {name}"
    if _BRANCH_COLUMNS[name] in ("0", _NO_TIME)
    else f"argMax({name}, found_{_SOURCE_OF[name]}) AS {name}"
    for name in _BRANCH_COLUMNS
)

_DAY_COLUMNS = (
    "nip, work_date, opd_id, work_unit_id, working_day, wfa_requested, wfa_approved, "
    "request_id, mode, check_in_at, check_out_at, minutes_after_start, late, worked_minutes, "
    "expected_minutes, signals, report_status, report_revision, outputs, outputs_with_target, "
    "achievement_sum, anomalies, violations, anomaly_kinds, version"
)

_EMPLOYEE_DAY = f"""
INSERT INTO {{db}}.employee_day ({_DAY_COLUMNS})
{{keys}}
SELECT
    d.nip,
    d.work_date,
    d.day_opd,
    e.unit,
    if(d.has_presence, d.working = 1, toDayOfWeek(d.work_date) <= 5) AS is_working_day,
    d.requested = 1,
    d.approved = 1,
    if(d.requested = 1, d.best_request, NULL),
    if(d.checked_in = 1, ifNull(tupleElement(d.first, 1), 'office'), 'absent'),
    if(d.checked_in = 1, d.first_in, NULL),
    if(d.checked_out = 1, d.last_out, NULL),
    if(d.checked_in = 1, tupleElement(d.first, 2), NULL),
    d.late_flag = 1,
    if(
        d.checked_in = 1 AND d.checked_out = 1 AND d.last_out > d.first_in,
        intDiv(toUnixTimestamp64Milli(d.last_out) - toUnixTimestamp64Milli(d.first_in), 60000),
        0
    ),
    if(is_working_day AND d.checked_in = 1, {EXPECTED_MINUTES}, 0),
    d.signals,
    multiIf(
        d.revision_max = 0, 'none',
        tupleElement(d.review, 1) = d.revision_max AND tupleElement(d.review, 2) != '',
            tupleElement(d.review, 2),
        'submitted'
    ),
    d.revision_max,
    if(d.revision_max > 0, tupleElement(d.stated, 1), 0),
    if(d.revision_max > 0, tupleElement(d.stated, 2), 0),
    if(d.revision_max > 0, tupleElement(d.stated, 3), 0),
    d.anomaly_count,
    d.violation_count,
    d.kinds,
    {{version:UInt64}}
FROM (
    SELECT nip, work_date,
        argMax(latest_opd, latest) AS day_opd,
        max(source = 'presence_signals') AS has_presence,
        {_MERGED}
    FROM (
        SELECT *,
            source = 'presence_signals' AS found_presence_signals,
            source = 'anomalies' AS found_anomalies,
            source = 'report_events' AS found_report_events,
            source = 'request_events' AS found_request_events
        FROM ({_BRANCHES}
        )
    )
    GROUP BY nip, work_date
) AS d
LEFT JOIN (
    SELECT nip, argMax(work_unit_id, offset) AS unit FROM {{db}}.employees
    WHERE nip IN day_nips GROUP BY nip
) AS e ON e.nip = d.nip
{SETTINGS}"""

EMPLOYEE_DAY_SQL = _EMPLOYEE_DAY.replace(
    "{keys}",
    """WITH {day_nips:Array(String)} AS day_nips,
    arrayZip(day_nips, {day_dates:Array(Date)}) AS day_keys""",
)
"""Employee-days of ``day_nips``/``day_dates`` that have any fact."""

STALE_WORK_UNITS = """
    SELECT d.nip AS nip, d.work_date AS work_date
    FROM (
        SELECT nip, work_date, work_unit_id FROM {db}.employee_day FINAL
        WHERE nip IN {employee_nips:Array(String)}
    ) AS d
    INNER JOIN (
        SELECT nip, argMax(work_unit_id, offset) AS unit FROM {db}.employees
        WHERE nip IN {employee_nips:Array(String)} GROUP BY nip
    ) AS e ON e.nip = d.nip
    WHERE d.work_unit_id != e.unit"""

EMPLOYEE_DAY_WORK_UNITS_SQL = _EMPLOYEE_DAY.replace(
    "{keys}",
    f"WITH day_keys AS ({STALE_WORK_UNITS}\n),\nday_nips AS (SELECT nip FROM day_keys)",
)
"""After roster changes: the stored days of ``employee_nips`` whose work unit is no longer
the roster's (however many: their keys never leave the engine). Nothing else depends on the
work unit, so no other derived row is computed again for them."""


EMPLOYEE_WEEK_SQL = f"""
INSERT INTO {{db}}.employee_week
    (nip, week_start, opd_id, wfa_days, wfa_cap, over_cap, office_days, version)
WITH {{week_nips:Array(String)}} AS week_nips, {{week_starts:Array(Date)}} AS week_starts,
    arrayZip(week_nips, week_starts) AS week_keys
SELECT nip, toMonday(work_date) AS monday,
    argMax(opd_id, work_date),
    countIf(mode = 'wfa') AS wfa,
    {WFA_CAP},
    greatest(wfa, {WFA_CAP}) - {WFA_CAP},
    countIf(mode = 'office'),
    {{version:UInt64}}
FROM {{db}}.employee_day FINAL
WHERE work_date >= arrayMin(week_starts) AND work_date < arrayMax(week_starts) + 7
  AND nip IN week_nips
  AND (nip, toMonday(work_date)) IN week_keys
GROUP BY nip, monday
{SETTINGS}"""
"""Weeks (from Monday) of ``week_nips``/``week_starts``: WFA days against the weekly cap."""

_MONTH_FIGURES = {
    "working_days": "countIf(working_day)",
    "days_present": "countIf(mode != 'absent')",
    "days_wfa": "countIf(mode = 'wfa')",
    "days_wfo": "countIf(mode = 'office')",
    "wfa_days_over_cap": None,
    "worked_minutes": "sum(worked_minutes)",
    "expected_minutes": "sum(expected_minutes)",
    "late_days": "countIf(late)",
    "missing_check_out_days": f"countIf({MISSING_CHECK_OUT})",
    "reports_submitted": "countIf(report_status != 'none')",
    "reports_accepted": "countIf(report_status = 'accepted')",
    "outputs": "sum(outputs)",
    "outputs_with_target": "sum(outputs_with_target)",
    "achievement_sum": exact_sum("achievement_sum"),
    "outputs_wfa": "sumIf(outputs, mode = 'wfa')",
    "outputs_wfo": "sumIf(outputs, mode = 'office')",
    "anomalies": "sum(anomalies)",
    "violations": "sum(violations)",
}
"""Each figure of an employee-month from its days (the weeks give ``wfa_days_over_cap``)."""

_MONTH_SELECTED = ", ".join(
    "w.over" if expr is None else f"d.m_{name}" for name, expr in _MONTH_FIGURES.items()
)

_MONTH_RANGE = """{column} >= first_month AND {column} < end_month AND nip IN month_nips
      AND (nip, toStartOfMonth({column})) IN month_keys"""

EMPLOYEE_MONTH_SQL = f"""
INSERT INTO {{db}}.employee_month (nip, month, opd_id, {", ".join(_MONTH_FIGURES)},
    anomalies_by_kind, version, is_deleted)
WITH {{month_nips:Array(String)}} AS month_nips, {{month_starts:Array(Date)}} AS month_starts,
    arrayZip(month_nips, month_starts) AS month_keys,
    arrayMin(month_starts) AS first_month, addMonths(arrayMax(month_starts), 1) AS end_month
SELECT k.nip, k.month, if(d.found = 1, d.day_opd, w.week_opd),
    {_MONTH_SELECTED},
    mapFromArrays(
        arrayMap(pair -> tupleElement(pair, 1), a.pairs),
        arrayMap(pair -> tupleElement(pair, 2), a.pairs)
    ),
    {{version:UInt64}},
    NOT (d.found = 1 OR w.over > 0)
FROM (
    SELECT tupleElement(key, 1) AS nip, tupleElement(key, 2) AS month
    FROM (SELECT arrayJoin(month_keys) AS key)
) AS k
LEFT JOIN (
    SELECT nip, toStartOfMonth(work_date) AS month, 1 AS found,
        argMax(opd_id, work_date) AS day_opd,
        {", ".join(f"{expr} AS m_{name}" for name, expr in _MONTH_FIGURES.items() if expr)}
    FROM {{db}}.employee_day FINAL
    WHERE {_MONTH_RANGE.format(column="work_date")}
    GROUP BY nip, month
) AS d ON d.nip = k.nip AND d.month = k.month
LEFT JOIN (
    SELECT nip, toStartOfMonth(week_start) AS month, 1 AS found,
        sum(over_cap) AS over, argMax(opd_id, week_start) AS week_opd
    FROM {{db}}.employee_week FINAL
    WHERE {_MONTH_RANGE.format(column="week_start")}
    GROUP BY nip, month
) AS w ON w.nip = k.nip AND w.month = k.month
LEFT JOIN (
    SELECT nip, month, arraySort(groupArray((kind_name, kind_count))) AS pairs
    FROM (
        SELECT nip, toStartOfMonth(work_date) AS month, toString(kind) AS kind_name,
            toUInt32(uniqExact(anomaly_id)) AS kind_count
        FROM {{db}}.anomalies
        WHERE {_MONTH_RANGE.format(column="work_date")}
        GROUP BY nip, month, kind_name
    )
    GROUP BY nip, month
) AS a ON a.nip = k.nip AND a.month = k.month
{SETTINGS}"""
"""Months of ``month_nips``/``month_starts``: the figures of the performance allowance. A week
counts for the month it starts in; a month with no day and no week over the cap starting in
it is written as deleted (``is_deleted``), so that ``FINAL`` drops it."""
