"""Digests of a service's projections, to compare a live store with one rebuilt from the log.

Projections are disposable: replaying every topic a service reads from offset 0 into a fresh
database must give the same tables. To compare two stores that cannot be opened by the same
process (an embedded chDB belongs to one), each side reduces every projection table to

* ``rows``: how many rows it holds as read with ``FINAL`` (duplicates of a replayed event
  share their sorting key and are merged; rows marked ``is_deleted`` are dropped), and
* ``digest``: the sum, modulo 2**64, of ``cityHash64`` of each row's tuple of columns. A sum
  does not depend on the order of the rows, and unlike an XOR two equal rows do not cancel.

Not everything a service stores is a projection of the log. :data:`NOT_PROJECTIONS` names the
tables left out, and :data:`UNSTABLE_COLUMNS` the columns that record *when* a row was
computed rather than what the log says; each with the reason.

The comparison itself (:func:`compare_digests`, :func:`row_differences`) is pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from services.runtime.store.base import Row, Store

NOT_PROJECTIONS: Mapping[str, str] = {
    "replica_positions": (
        "where each local replica stopped reading: the reader's bookmark, not content of the "
        "log (a rebuild that reads the same records writes other batch boundaries)"
    ),
    "summaries_published": (
        "which monthly summaries POST /reporting/tpp/{month}/publish sent, and when: a record "
        "of calls made to the service, not of the topics reporting reads"
    ),
    "seal_leaves": (
        "the sealed log: which block each event was sealed in follows when the batches "
        "arrived and the seal timer, so a rebuild seals the same events into other blocks; "
        "its integrity is checked by the verify command, not by a replay"
    ),
    "seal_blocks": (
        "the sealed log's blocks and signed checkpoints carry their sealing time and follow "
        "the batches as they arrived (see seal_leaves)"
    ),
}
"""Tables a service keeps that are not a pure function of the topics it reads."""

_COMPUTED_AT = (
    "the time the row was computed (ReplacingMergeTree version): FINAL keeps the newest, "
    "whose values, not whose time, are the projection"
)

UNSTABLE_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "employee_day": {"version": _COMPUTED_AT},
    "employee_week": {"version": _COMPUTED_AT},
    "employee_month": {"version": _COMPUTED_AT},
    "opd_day": {"version": _COMPUTED_AT},
    "opd_month": {"version": _COMPUTED_AT},
}
"""Per table, the columns left out of its digest and rows."""

#: engines whose rows ``FINAL`` merges
_FINAL_ENGINES = ("ReplacingMergeTree", "CollapsingMergeTree", "VersionedCollapsingMergeTree")


@dataclass(frozen=True)
class ProjectionTable:
    """A projection table of a service's database: its columns and sorting key."""

    name: str
    engine: str
    columns: tuple[str, ...]
    sorting_key: str
    excluded_columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The table to select from (with ``FINAL`` when its engine merges rows)."""
        final = " FINAL" if any(self.engine.endswith(e) for e in _FINAL_ENGINES) else ""
        return f"{{db}}.`{self.name}`{final}"

    @property
    def column_list(self) -> str:
        return ", ".join(f"`{c}`" for c in self.columns)


@dataclass(frozen=True)
class TableDigest:
    """One table reduced to its row count and order-independent digest."""

    table: str
    rows: int
    digest: str

    def as_json(self) -> dict[str, Any]:
        return {"table": self.table, "rows": self.rows, "digest": self.digest}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableDigest:
        return cls(table=str(data["table"]), rows=int(data["rows"]), digest=str(data["digest"]))


Status = Literal["equal", "differs", "only_live", "only_replayed"]


@dataclass(frozen=True)
class TableComparison:
    """A table on both sides: live and replayed counts and whether they are the same."""

    table: str
    live_rows: int | None
    replayed_rows: int | None
    status: Status

    @property
    def equal(self) -> bool:
        return self.status == "equal"


@dataclass(frozen=True)
class RowDiff:
    """Rows found on one side only (a row present twice on one side and once on the other
    is listed once)."""

    only_live: list[Row]
    only_replayed: list[Row]

    @property
    def empty(self) -> bool:
        return not self.only_live and not self.only_replayed


# ----------------------------------------------------------------------------------------------
# pure comparison
# ----------------------------------------------------------------------------------------------


def compare_digests(
    live: Iterable[TableDigest], replayed: Iterable[TableDigest]
) -> list[TableComparison]:
    """Every table of either side, by name: equal when rows and digest are the same."""
    live_by = {d.table: d for d in live}
    replayed_by = {d.table: d for d in replayed}
    comparisons = []
    for table in sorted({*live_by, *replayed_by}):
        a, b = live_by.get(table), replayed_by.get(table)
        status: Status
        if a is None:
            status = "only_replayed"
        elif b is None:
            status = "only_live"
        elif (a.rows, a.digest) == (b.rows, b.digest):
            status = "equal"
        else:
            status = "differs"
        comparisons.append(
            TableComparison(
                table,
                None if a is None else a.rows,
                None if b is None else b.rows,
                status,
            )
        )
    return comparisons


def _canonical(row: Mapping[str, Any]) -> bytes:
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def row_differences(live: Sequence[Row], replayed: Sequence[Row]) -> RowDiff:
    """The rows of each side the other does not have, counting repeats (a multiset diff)."""
    live_count = Counter(_canonical(r) for r in live)
    replayed_count = Counter(_canonical(r) for r in replayed)
    only_live = live_count - replayed_count
    only_replayed = replayed_count - live_count

    def pick(rows: Sequence[Row], wanted: Counter[bytes]) -> list[Row]:
        picked = []
        for row in rows:
            key = _canonical(row)
            if wanted[key] > 0:
                wanted[key] -= 1
                picked.append(row)
        return picked

    return RowDiff(pick(live, only_live), pick(replayed, only_replayed))


# ----------------------------------------------------------------------------------------------
# reading a store
# ----------------------------------------------------------------------------------------------


async def projection_tables(store: Store) -> list[ProjectionTable]:
    """The projection tables of the store's database, by name (see :data:`NOT_PROJECTIONS`)."""
    tables = await store.query(
        "SELECT name, engine, sorting_key FROM system.tables "
        "WHERE database = {database:String} AND NOT is_temporary ORDER BY name",
        {"database": store.database},
    )
    columns = await store.query(
        "SELECT table, name FROM system.columns "
        "WHERE database = {database:String} AND default_kind NOT IN ('ALIAS', 'EPHEMERAL') "
        "ORDER BY table, position",
        {"database": store.database},
    )
    by_table: dict[str, list[str]] = {}
    for column in columns:
        by_table.setdefault(str(column["table"]), []).append(str(column["name"]))
    found = []
    for table in tables:
        name = str(table["name"])
        if name in NOT_PROJECTIONS or name.startswith(".inner"):
            continue
        excluded = UNSTABLE_COLUMNS.get(name, {})
        found.append(
            ProjectionTable(
                name=name,
                engine=str(table["engine"]),
                columns=tuple(c for c in by_table.get(name, []) if c not in excluded),
                sorting_key=str(table["sorting_key"] or ""),
                excluded_columns=excluded,
            )
        )
    return found


async def table_digest(store: Store, table: ProjectionTable) -> TableDigest:
    rows = await store.query(
        f"SELECT count() AS rows, toString(sum(cityHash64(tuple({table.column_list})))) "
        f"AS digest FROM {table.source}"
    )
    return TableDigest(table.name, int(rows[0]["rows"]), str(rows[0]["digest"]))


async def projection_digests(store: Store) -> list[TableDigest]:
    """Every projection table of ``store`` reduced to its count and digest."""
    return [await table_digest(store, table) for table in await projection_tables(store)]


async def table_rows(store: Store, table: ProjectionTable, limit: int) -> list[Row]:
    """Up to ``limit`` rows of ``table`` as read with ``FINAL``, by sorting key (then by the
    row's hash), without its unstable columns: the same rows on both sides of a comparison."""
    order = ", ".join(
        p for p in (table.sorting_key, f"cityHash64(tuple({table.column_list}))") if p
    )
    return await store.query(
        f"SELECT {table.column_list} FROM {table.source} ORDER BY {order} LIMIT {{limit:UInt32}}",
        {"limit": limit},
    )
