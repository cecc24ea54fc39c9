"""``/ops/projections``: what a service's projections hold, for a replay to compare with.

Every service with a store answers, to ``ops``, ``auditor`` and ``admin_bkd``:

* ``GET /ops/projections``: per projection table its row count and digest
  (:mod:`services.runtime.projection.digest`), the tables and columns left out and why, and
  the consumers that fill the tables with how far each has read (a replica's stored positions;
  a consumer group's committed offsets are read from Kafka by the caller);
* ``GET /ops/projections/{table}?limit=``: rows of one table, to show what differs. Rows
  about an employee are personal data: their reads are recorded in the access log.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Path, Query

from services.runtime.context import ServiceContext, components
from services.runtime.edge.access_log import Purpose, record_row_accesses
from services.runtime.edge.deps import Context, require_roles
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.routing import service_router
from services.runtime.messages import MESSAGES
from services.runtime.projection.digest import (
    NOT_PROJECTIONS,
    projection_digests,
    projection_tables,
    table_rows,
)
from services.runtime.projection.replica import LocalReplica
from services.runtime.projection.stream import StreamProjector

router = service_router("/ops", ["ops"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPS, Role.AUDITOR, Role.ADMIN_BKD))]

MAX_ROWS = 10_000
_NIP = re.compile(r"[0-9]{18}")
#: columns naming the employee a row is about, in order of preference
_SUBJECT_COLUMNS = ("nip", "subject", "subject_nip")


async def _replica_positions(ctx: ServiceContext) -> dict[str, dict[str, int]]:
    rows = await ctx.store.query(
        "SELECT replica, topic, partition, max(next_offset) AS next_offset "
        "FROM {db}.replica_positions GROUP BY replica, topic, partition"
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        found.setdefault(str(row["replica"]), {})[f"{row['topic']}:{row['partition']}"] = int(
            row["next_offset"]
        )
    return found


async def consumers(ctx: ServiceContext) -> list[dict[str, Any]]:
    """The consumers that fill the service's projections, and how far each has read."""
    found: list[dict[str, Any]] = [
        {
            "name": projector.name,
            "kind": "group",
            "group_id": projector.group_id,
            "topics": list(projector.topics),
        }
        for projector in components(ctx, StreamProjector)
    ]
    replicas = components(ctx, LocalReplica)
    if replicas:
        positions = await _replica_positions(ctx)
        for replica in replicas:
            found.append(
                {
                    "name": replica.name,
                    "kind": "replica",
                    "topics": list(replica.topics),
                    "positions": positions.get(replica.name, {}),
                }
            )
    return found


@router.get(
    "/projections",
    summary="Row counts and digests of this service's projections",
    description=(
        "Per projection table (read with FINAL): `rows` and `digest`, the sum of cityHash64 of "
        "every row's columns modulo 2^64. A rebuild from offset 0 must give the same. Also the "
        "tables and columns left out (with why) and the consumers that fill the tables."
    ),
)
async def projections(ctx: Context, _: Reader) -> dict[str, Any]:
    tables = await projection_tables(ctx.store)
    present = await _table_names(ctx)
    return {
        "service": ctx.settings.service_name,
        "database": ctx.store.database,
        "tables": [d.as_json() for d in await projection_digests(ctx.store)],
        "excluded_tables": {
            name: reason for name, reason in NOT_PROJECTIONS.items() if name in present
        },
        "excluded_columns": {
            t.name: dict(t.excluded_columns) for t in tables if t.excluded_columns
        },
        "consumers": await consumers(ctx),
    }


async def _table_names(ctx: ServiceContext) -> set[str]:
    rows = await ctx.store.query(
        "SELECT name FROM system.tables WHERE database = {database:String}",
        {"database": ctx.store.database},
    )
    return {str(row["name"]) for row in rows}


@router.get(
    "/projections/{table}",
    summary="Rows of one projection table",
    description=(
        "Up to `limit` rows read with FINAL, by sorting key, without the columns left out of "
        "the digest. Reads of rows about an employee are recorded in the access log, under the "
        "reader's NIP, or the application's id (`system:<app>`) for an application's token."
    ),
    responses={404: error_response("No such projection table / Tabel proyeksi tidak ada.")},
)
async def rows(
    ctx: Context,
    reader: Reader,
    table: Annotated[str, Path(max_length=200)],
    purpose: Purpose = "",
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
) -> dict[str, Any]:
    known = {t.name: t for t in await projection_tables(ctx.store)}
    found = known.get(table)
    if found is None:
        raise ApiError(
            404,
            "unknown_projection",
            *MESSAGES.text("unknown_projection", table=table),
            details=sorted(known),
        )
    answer = await table_rows(ctx.store, found, limit)
    subject = next((c for c in _SUBJECT_COLUMNS if c in found.columns), None)
    if subject is not None:
        await record_row_accesses(
            ctx,
            reader,
            [row for row in answer if _NIP.fullmatch(str(row.get(subject) or ""))],
            data_kind="projection_rows",
            route="/ops/projections/{table}",
            purpose=purpose,
            nip_key=subject,
            day_keys=[c for c in ("work_date",) if c in found.columns],
        )
    return {"table": table, "columns": list(found.columns), "rows": answer}
