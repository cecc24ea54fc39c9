"""Read-side queries over reporting's attendance tables (anomalies and presence signals)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from services.reporting.domain.scope import Scope
from services.reporting.queries import Page
from services.runtime.store.base import Row, Store

#: ClickHouse's Date range: the bounds of an open period
FIRST_DATE = date(1970, 1, 1)
LAST_DATE = date(2149, 6, 6)

MAX_DAY_SIGNALS = 20_000
"""Most signals read for one employee-day (a heartbeat a minute makes 1,440)."""
MAX_DAY_ANOMALIES = 1_000

_SCOPED = """
      ({opd_id:String} = '' OR opd_id = {opd_id:String})
  AND ({nip:String} = '' OR nip = {nip:String})
  AND ({any_nip:UInt8} = 1 OR has({nips:Array(String)}, nip))
"""

_MATCHING_ANOMALIES = (
    """
FROM {db}.anomalies FINAL
WHERE """
    + _SCOPED
    + """
  AND ({kind:String} = '' OR kind = {kind:String})
  AND work_date >= {date_from:Date} AND work_date <= {date_to:Date}
"""
)

_ANOMALY_COLUMNS = """
SELECT anomaly_id, nip, opd_id, work_date, at, kind, detected_by, evidence, thresholds,
       source_event_ids, message_id, message_en
"""

ANOMALY_PAGE_SQL = (
    _ANOMALY_COLUMNS
    + _MATCHING_ANOMALIES
    + "ORDER BY at DESC, anomaly_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}"
)
ANOMALY_TOTAL_SQL = "SELECT count() AS total " + _MATCHING_ANOMALIES

DAY_SIGNALS_SQL = (
    """
SELECT event_id, kind, at, timezone, working_day, derived_mode, inside, distance_band,
       late_synced
FROM {db}.presence_signals FINAL
WHERE """
    + _SCOPED
    + """
  AND work_date = {work_date:Date}
ORDER BY at, event_id
LIMIT {limit:UInt32}
"""
)


@dataclass(frozen=True)
class AnomalyFilter:
    """Which anomalies were asked for, within the reader's scope."""

    scope: Scope
    kind: str = ""
    date_from: date = FIRST_DATE
    date_to: date = LAST_DATE


async def anomalies_page(
    store: Store, where: AnomalyFilter, *, limit: int, offset: int = 0
) -> Page:
    """One page of the matching anomalies, newest first, and how many match in all."""
    params = {
        **where.scope.params(),
        "kind": where.kind,
        "date_from": where.date_from,
        "date_to": where.date_to,
        "limit": limit,
        "offset": offset,
    }
    items, totals = await asyncio.gather(
        store.query(ANOMALY_PAGE_SQL, params), store.query(ANOMALY_TOTAL_SQL, params)
    )
    return Page(
        items=[_anomaly(row) for row in items], total=int(totals[0]["total"]) if totals else 0
    )


async def day_signals(store: Store, scope: Scope, work_date: date) -> list[Row]:
    """The presence signals of the scope (one employee) on ``work_date``, oldest first."""
    params = {**scope.params(), "work_date": work_date, "limit": MAX_DAY_SIGNALS}
    return await store.query(DAY_SIGNALS_SQL, params)


async def day_anomalies(store: Store, scope: Scope, work_date: date) -> list[Row]:
    """The anomalies of the scope (one employee) on ``work_date``, newest first."""
    where = AnomalyFilter(scope=scope, date_from=work_date, date_to=work_date)
    page = await anomalies_page(store, where, limit=MAX_DAY_ANOMALIES)
    return page.items


def _anomaly(row: Row) -> dict[str, Any]:
    return {
        **row,
        "at": _utc(row["at"]),
        "evidence": orjson.loads(row["evidence"]),
        "thresholds": orjson.loads(row["thresholds"]),
    }


def _utc(text: str) -> str:
    """A stored ``DateTime64(3, 'UTC')`` as ISO 8601 in UTC."""
    return text.replace(" ", "T") + "Z"
