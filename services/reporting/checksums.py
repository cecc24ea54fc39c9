"""Checksums of the projection tables: equal content, equal checksums.

Each table is read de-duplicated (``FINAL``, deleted rows dropped) and summed as
``count()`` and the sum of a 64-bit hash of every row. Only the columns that may differ
between two passes over the same log are left out: the ``version`` of derived rows (the time
it was computed) and their ``is_deleted`` flag (``FINAL`` already drops deleted rows). Facts
keep their Kafka position: the same topics give the same offsets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from services.runtime.store.base import Store

FACT_TABLES = (
    "request_events",
    "request_days",
    "presence_signals",
    "anomalies",
    "report_events",
    "employees",
)
DERIVED_TABLES = ("employee_day", "employee_week", "employee_month", "opd_day", "opd_month")
PROJECTION_TABLES = FACT_TABLES + DERIVED_TABLES
"""Every table the projector writes, facts and derived rows."""

LEFT_OUT = frozenset({"version", "is_deleted"})
"""Columns that may differ between two passes over the same log."""

_COLUMNS_SQL = """
SELECT table, groupArray(name) AS columns
FROM (
    SELECT table, name FROM system.columns
    WHERE database = {database:String} AND has({tables:Array(String)}, table)
    ORDER BY table, position
)
GROUP BY table
"""


@dataclass(frozen=True)
class TableChecksum:
    """A table's de-duplicated content in two numbers."""

    rows: int
    digest: int

    def __str__(self) -> str:
        return f"{self.rows} rows, {self.digest:016x}"


def checksum_sql(table: str, columns: Sequence[str]) -> str:
    """The statement summing ``table``'s rows (pure): ``rows`` and ``digest``."""
    hashed = ", ".join(f"`{c}`" for c in columns if c not in LEFT_OUT)
    return (
        f"SELECT count() AS rows, toString(sum(cityHash64(tuple({hashed})))) AS digest "
        f"FROM {{db}}.{table} FINAL"
    )


async def projection_checksums(
    store: Store, tables: Sequence[str] = PROJECTION_TABLES
) -> dict[str, TableChecksum]:
    """Per table, the checksum of its de-duplicated content."""
    found = await store.query(_COLUMNS_SQL, {"database": store.database, "tables": list(tables)})
    columns = {str(row["table"]): [str(c) for c in row["columns"]] for row in found}
    missing = [t for t in tables if t not in columns]
    if missing:
        raise LookupError(f"no such projection tables: {missing}")
    results = await asyncio.gather(*(store.query(checksum_sql(t, columns[t])) for t in tables))
    return {
        table: TableChecksum(rows=int(rows[0]["rows"]), digest=int(rows[0]["digest"]))
        for table, rows in zip(tables, results, strict=True)
    }
