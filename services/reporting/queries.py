"""Read-side queries over reporting's tables."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting.domain.scope import Scope
from services.runtime.store.base import Row, Store

#: one row per WFA request that matches the scope; ``{nips}`` applies unless ``{any_nip}``
_MATCHING_REQUESTS = """
SELECT
    request_id,
    any(nip) AS nip,
    any(opd_id) AS opd_id,
    argMaxIf(work_unit_id, offset, type = 'WfaRequested') AS work_unit_id,
    argMaxIf(dates, offset, type = 'WfaRequested') AS dates,
    argMax(status, offset) AS status,
    argMax(reason, offset) AS last_reason,
    min(occurred_at) AS requested_at,
    max(occurred_at) AS updated_at
FROM (
    SELECT * FROM {db}.request_events FINAL
    WHERE ({opd_id:String} = '' OR opd_id = {opd_id:String})
      AND ({nip:String} = '' OR nip = {nip:String})
      AND ({any_nip:UInt8} = 1 OR has({nips:Array(String)}, nip))
)
GROUP BY request_id
HAVING countIf(type = 'WfaRequested') > 0
"""

#: the matching requests in the statuses asked for (all when ``statuses`` is empty) with any
#: day in the period asked for (any day when ``any_date``)
_FILTERED_REQUESTS = (
    "SELECT * FROM ("
    + _MATCHING_REQUESTS
    + """)
WHERE (empty({statuses:Array(String)}) OR has({statuses:Array(String)}, status))
  AND ({any_date:UInt8} = 1
       OR arrayExists(d -> d >= {date_from:Date} AND d <= {date_to:Date}, dates))
"""
)

PAGE_SQL = (
    "SELECT * FROM ("
    + _FILTERED_REQUESTS
    + ") ORDER BY requested_at DESC, request_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}"
)

TOTAL_SQL = "SELECT count() AS total FROM (" + _FILTERED_REQUESTS + ")"


@dataclass(frozen=True)
class RequestFilter:
    """Which requests a reader may see and asked for: the scope, the statuses (any when
    empty) and the days (a request with any day from ``date_from`` to ``date_to``)."""

    scope: Scope
    statuses: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def params(self) -> dict[str, Any]:
        any_date = self.date_from is None and self.date_to is None
        return {
            **self.scope.params(),
            "statuses": list(self.statuses),
            "any_date": 1 if any_date else 0,
            "date_from": self.date_from or FIRST_DAY,
            "date_to": self.date_to or LAST_DAY,
        }


FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2149, 6, 6)
"""The days a ClickHouse ``Date`` holds: an open end of a period."""


@dataclass(frozen=True)
class Page:
    """One page of a list and how many items match in all."""

    items: list[Row]
    total: int

    def answer(self, *, limit: int, offset: int) -> dict[str, Any]:
        """The page as every reporting list answers it (``next_offset`` None on the last)."""
        following = offset + len(self.items)
        return {
            "items": self.items,
            "count": len(self.items),
            "total": self.total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if following < self.total else None,
        }


async def requests_page(store: Store, where: RequestFilter, *, limit: int, offset: int = 0) -> Page:
    """One page of the matching requests, newest first, and how many match in all."""
    params = _params(where, limit=limit, offset=offset)
    items, totals = await asyncio.gather(
        store.query(PAGE_SQL, params), store.query(TOTAL_SQL, params)
    )
    return Page(items=items, total=int(totals[0]["total"]) if totals else 0)


async def list_requests(store: Store, *, opd_id: str, nip: str, limit: int) -> list[Row]:
    """The first ``limit`` requests of an OPD and/or employee ("" means any), newest first."""
    params = _params(RequestFilter(Scope(opd_id=opd_id, nip=nip)), limit=limit, offset=0)
    return await store.query(PAGE_SQL, params)


def _params(where: RequestFilter, *, limit: int, offset: int) -> dict[str, Any]:
    return {**where.params(), "limit": limit, "offset": offset}
