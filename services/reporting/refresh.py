"""Computing again the derived rows written batches touched: the projector's ``after_write``.

The marks of the batches (see :mod:`services.reporting.domain.marks`) name employee-days,
decided requests and employees. From them and from what the derived tables held before
(read first), :func:`services.reporting.domain.refresh_scope.refresh_keys` names every
derived row to compute again; then ONE ``INSERT INTO ... SELECT`` per derived table computes
them from the facts, in this order (each reads what the one before wrote): employee_day,
employee_week, employee_month, opd_day, opd_month.

Every statement's ``version`` is the time it starts, taken just before it: the newest version
read every fact written before it, so whatever runs last, and however often, leaves the same
rows. A crash before the batch is committed replays it, and this runs again with its marks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any

from kernel.projection_rows import Marks
from services.reporting.domain.refresh_scope import (
    MarkedKeys,
    RefreshKeys,
    Stored,
    as_date,
    refresh_keys,
)
from services.reporting.refresh_employee_sql import (
    EMPLOYEE_DAY_SQL,
    EMPLOYEE_DAY_WORK_UNITS_SQL,
    EMPLOYEE_MONTH_SQL,
    EMPLOYEE_WEEK_SQL,
)
from services.reporting.refresh_opd_sql import OPD_DAY_SQL, OPD_MONTH_SQL
from services.reporting.refresh_sql import RESOLVE_REQUESTS_SQL, ROSTER_STALE_SQL, STORED_SQL
from services.runtime.store.base import Row, Store

log = logging.getLogger(__name__)

Clock = Callable[[], int]

STATEMENTS: tuple[tuple[str, str, str], ...] = (
    ("employee_day", EMPLOYEE_DAY_SQL, "day_nips"),
    ("employee_week", EMPLOYEE_WEEK_SQL, "week_nips"),
    ("employee_month", EMPLOYEE_MONTH_SQL, "month_nips"),
    ("opd_day", OPD_DAY_SQL, "opd_day_opds"),
    ("opd_month", OPD_MONTH_SQL, "opd_month_opds"),
)
"""(derived table, statement, the parameter that is empty when it has no key), in order."""


async def refresh(store: Store, marks: Marks, *, clock: Clock = time.time_ns) -> RefreshKeys:
    """Compute again every derived row ``marks`` reach (idempotent: safe to run again).

    The version of each statement is ``clock()`` just before it runs."""
    marked = MarkedKeys.from_marks(marks)
    if not marked:
        return RefreshKeys()
    days = await marked_days(store, marked)
    keys = refresh_keys(days, await stored_before(store, days, marked.employees))
    params = keys.params()
    if marked.employees:
        await _run(
            store,
            "employee_day",
            EMPLOYEE_DAY_WORK_UNITS_SQL,
            {"employee_nips": sorted(marked.employees), "version": clock()},
        )
    for table, statement, key_param in STATEMENTS:
        if not params[key_param]:
            continue
        await _run(store, table, statement, {**params, "version": clock()})
    return keys


async def _run(store: Store, table: str, statement: str, params: dict[str, Any]) -> None:
    started = time.perf_counter()
    await store.execute(statement, params)
    log.debug("refreshed %s in %.1f ms", table, (time.perf_counter() - started) * 1000)


async def marked_days(store: Store, marked: MarkedKeys) -> set[tuple[str, date, str]]:
    """The marked days, with the days of decided requests resolved from the stored request."""
    days = set(marked.days)
    if marked.requests:
        ordered = sorted(marked.requests)
        rows = await store.query(
            RESOLVE_REQUESTS_SQL,
            {
                "request_opds": [opd for opd, _ in ordered],
                "request_ids": [request for _, request in ordered],
            },
        )
        days |= {(str(r["nip"]), as_date(r["work_date"]), str(r["opd_id"])) for r in rows}
    return days


async def stored_before(
    store: Store, days: set[tuple[str, date, str]], employees: frozenset[str]
) -> Stored:
    """What the derived tables held for the marked keys, before anything is written."""
    first = refresh_keys(days).params()
    rows: list[Row] = []
    if first["day_nips"]:
        rows = await store.query(
            STORED_SQL,
            {name: first[name] for name in ("day_nips", "day_dates", "week_nips", "week_starts")},
        )
    stale: list[Row] = []
    if employees:
        stale = await store.query(ROSTER_STALE_SQL)
    return Stored(
        day_opds=_triples(r for r in rows if r["what"] == "day"),
        week_opds=_triples(r for r in rows if r["what"] == "week"),
        stale_opd_days=_pairs(r for r in stale if r["what"] == "opd_day"),
        stale_opd_months=_pairs(r for r in stale if r["what"] == "opd_month"),
    )


def _triples(rows: Iterable[Row]) -> frozenset[tuple[str, date, str]]:
    return frozenset((str(r["key"]), as_date(r["day"]), str(r["opd_id"])) for r in rows)


def _pairs(rows: Iterable[Row]) -> frozenset[tuple[str, date]]:
    return frozenset((str(r["key"]), as_date(r["day"])) for r in rows)


def after_write(store: Callable[[], Store]) -> Callable[[Marks], Awaitable[None]]:
    """The projector's ``after_write`` step, on the store the service opens at start."""

    async def step(marks: Marks) -> None:
        await refresh(store(), marks)

    return step
