"""Read-side queries over reporting's tables."""

from __future__ import annotations

from typing import Any

from services.runtime.store.base import Row, Store

REQUESTS_SQL = """
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
)
GROUP BY request_id
HAVING countIf(type = 'WfaRequested') > 0
ORDER BY requested_at DESC, request_id
LIMIT {limit:UInt32}
"""


async def list_requests(store: Store, *, opd_id: str, nip: str, limit: int) -> list[Row]:
    params: dict[str, Any] = {"opd_id": opd_id, "nip": nip, "limit": limit}
    return await store.query(REQUESTS_SQL, params)
