"""The store port: the SQL surface every service uses, whatever engine is behind it.

SQL is written once. ``{db}`` stands for the service's own database and query parameters use
ClickHouse's native ``{name:Type}`` binding, which both adapters support.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson

Row = dict[str, Any]


class StoreError(RuntimeError):
    """The engine refused a statement or could not be reached."""


def _encode_temporal(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime cannot be stored; use a timezone-aware value")
        # "YYYY-MM-DD HH:MM:SS.mmm+00:00" without its offset (isoformat is faster than strftime)
        return value.astimezone(UTC).isoformat(" ", "milliseconds")[:-6]
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored")


_ROW_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_APPEND_NEWLINE


def rows_to_json_each_row(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Encode rows as ClickHouse ``JSONEachRow`` (dates ISO, datetimes UTC to the millisecond).

    orjson writes the rows; dates and datetimes go through :func:`_encode_temporal`, so that a
    naive datetime is refused and an aware one is written in UTC.
    """
    try:
        return b"".join(
            orjson.dumps(row, default=_encode_temporal, option=_ROW_OPTIONS) for row in rows
        )
    except orjson.JSONEncodeError as exc:
        cause = exc.__cause__
        if isinstance(cause, ValueError):
            raise cause from None
        raise ValueError(f"row cannot be stored: {exc}") from exc


def parse_json_each_row(data: bytes | str) -> list[Row]:
    """The rows of a ``JSONEachRow`` result.

    The engine ends every row with a line feed and escapes every line feed inside a string as
    ``\\n``, so a raw ``b"\\n"`` is always a row's end, and nothing else is. Text keeps other
    characters that some readers take for line breaks (U+0085, U+2028, U+2029 raw; ``\\r``,
    ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e`` escaped): ``str.splitlines`` would cut a row at
    them. The rows become one JSON array, parsed in one call.
    """
    raw = data.encode() if isinstance(data, str) else data
    body = raw.rstrip(b"\n")
    if not body:
        return []
    try:
        rows: list[Row] = orjson.loads(b"[" + body.replace(b"\n", b",") + b"]")
    except orjson.JSONDecodeError as exc:
        raise StoreError(f"the engine's answer is not JSONEachRow: {exc}") from exc
    return rows


class Store(ABC):
    """A ClickHouse engine seen through the database one service owns."""

    #: settings applied to every query so both engines return the same JSON shapes, and so
    #: that a query may hold large array parameters (the embedded engine binds them as text)
    QUERY_SETTINGS: Mapping[str, Any] = {
        "output_format_json_quote_64bit_integers": 0,
        "date_time_input_format": "best_effort",
        "max_query_size": 256 << 20,
    }

    def __init__(self, database: str) -> None:
        self.database = database

    def render(self, sql: str) -> str:
        return sql.replace("{db}", self.database)

    @abstractmethod
    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns no rows (DDL, ALTER, ...)."""

    @abstractmethod
    async def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a SELECT and return its rows as dicts."""

    @abstractmethod
    async def insert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        dedup_token: str | None = None,
    ) -> None:
        """Insert rows into ``{db}.table``. With the same ``dedup_token`` a retried insert is
        dropped by the engine (tables set ``non_replicated_deduplication_window``)."""

    @abstractmethod
    async def insert_encoded(
        self,
        table: str,
        columns: Sequence[str],
        data: bytes,
        *,
        dedup_token: str | None = None,
    ) -> None:
        """Insert rows already encoded as ``JSONEachRow`` (see :func:`rows_to_json_each_row`)."""

    @abstractmethod
    async def ping(self) -> bool:
        """True when the engine answers."""

    @abstractmethod
    async def close(self) -> None: ...

    async def migrate(self, statements: Sequence[str]) -> None:
        """Create the database and apply idempotent DDL (``CREATE ... IF NOT EXISTS``)."""
        await self.execute("CREATE DATABASE IF NOT EXISTS {db}")
        for statement in statements:
            await self.execute(statement)
