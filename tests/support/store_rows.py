"""The rows of a service's projection tables in an embedded chDB store that no process holds
open, read in a process of their own (an embedded chDB belongs to one process):
``python -m tests.support.store_rows <chdb dir> <database>`` prints them as JSON.

:func:`merged` gives what one table holding the rows of several stores would read with
``FINAL``: the projections of the instances of a consumer group, each of which projected the
partitions it held into a database of its own, as a shared ClickHouse server would hold them.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from services.runtime.store.base import Row
from tests.support.infra import REPO

#: the version column of a ``ReplacingMergeTree(<version>[, is_deleted])`` table
_VERSION = re.compile(r"^ReplacingMergeTree\((\w+)")


@dataclass(frozen=True)
class StoredTable:
    """A projection table as read with ``FINAL``, without its unstable columns."""

    name: str
    sorting_key: tuple[str, ...]
    version: str | None
    """The ``ReplacingMergeTree`` version column (the record's offset for fact tables)."""
    rows: list[Row]


def read_store(path: Path, database: str, timeout_s: float = 300.0) -> dict[str, StoredTable]:
    """Every projection table of the store at ``path``, read by a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.store_rows", str(path), database],
        cwd=REPO,
        capture_output=True,
        timeout=timeout_s,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return {
        name: StoredTable(name, tuple(t["sorting_key"]), t["version"], t["rows"])
        for name, t in orjson.loads(done.stdout).items()
    }


def canonical(row: Row) -> bytes:
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS)


def merged(parts: Sequence[StoredTable]) -> list[Row]:
    """The rows of one ``ReplacingMergeTree`` table holding every part's rows, read with
    ``FINAL``: per sorting key, the row of the highest version (equal rows are one)."""
    kept: dict[tuple[Any, ...], Row] = {}
    for part in parts:
        assert part.version is not None, f"{part.name} is no ReplacingMergeTree"
        for row in part.rows:
            key = tuple(row[c] for c in part.sorting_key)
            held = kept.get(key)
            if held is None or row[part.version] > held[part.version]:
                kept[key] = row
    return list(kept.values())


async def _dump(path: Path, database: str) -> dict[str, Any]:
    from services.runtime.projection.digest import projection_tables, table_rows
    from services.runtime.store.chdb_store import ChdbStore

    store = ChdbStore(path, database)
    try:
        engines = {
            str(r["name"]): str(r["engine_full"])
            for r in await store.query(
                "SELECT name, engine_full FROM system.tables WHERE database = {d:String}",
                {"d": database},
            )
        }
        out: dict[str, Any] = {}
        for table in await projection_tables(store):
            version = _VERSION.match(engines.get(table.name, ""))
            out[table.name] = {
                "sorting_key": [c.strip() for c in table.sorting_key.split(",") if c.strip()],
                "version": version.group(1) if version else None,
                "rows": await table_rows(store, table, 4_000_000_000),
            }
        return out
    finally:
        await store.close()


if __name__ == "__main__":
    tables = asyncio.run(_dump(Path(sys.argv[1]), sys.argv[2]))
    sys.stdout.buffer.write(orjson.dumps(tables, default=str))
