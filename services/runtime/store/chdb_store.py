"""Embedded adapter: the ClickHouse engine in process (chDB), one data path per service.

One process owns one path. Sessions are thread-safe, so queries run in worker threads and
never block the event loop. Query parameters are bound here, as typed literals
(``CAST('…' AS Type)``), because chDB's server-side parameters belong to the shared session and
concurrent queries would see each other's values.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from services.runtime.store.base import (
    Row,
    Store,
    StoreError,
    parse_json_each_row,
    rows_to_json_each_row,
)


def _settings_clause(settings: Mapping[str, Any]) -> str:
    parts = []
    for key, value in settings.items():
        if isinstance(value, str):
            literal = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        else:
            literal = str(value)
        parts.append(f"{key}={literal}")
    return ", ".join(parts)


def _literal(value: Any) -> str:
    """A value inside a ClickHouse text literal (array elements are quoted)."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_literal(v) for v in value) + "]"
    return (
        _param_text(value) if not isinstance(value, (date, datetime)) else f"'{_param_text(value)}'"
    )


def _param_text(value: Any) -> str:
    """chDB takes query parameters as text in ClickHouse's escaped format."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return _literal(value)
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}")


def bind(sql: str, params: Mapping[str, Any]) -> str:
    """``sql`` with every ``{name:Type}`` replaced by a typed, escaped literal."""

    def literal(match: re.Match[str]) -> str:
        name, type_ = match.group(1), match.group(2)
        if name not in params:
            raise StoreError(f"query parameter {name!r} is not set")
        value = params[name]
        if value is None:
            return f"CAST(NULL AS Nullable({type_}))"
        return f"CAST({_literal(value)} AS {type_})"

    return _PARAM.sub(literal, sql)


class ChdbStore(Store):
    def __init__(self, path: Path, database: str) -> None:
        super().__init__(database)
        from chdb import session  # imported lazily: loading the engine is heavy

        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._session: Any = session.Session(str(path))  # type: ignore[no-untyped-call]
        self._closed = False

    def _run(self, sql: str, fmt: str, params: Mapping[str, Any] | None) -> bytes:
        statement = bind(self.render(sql), params) if params else self.render(sql)
        return self._run_statement(statement, fmt)

    def _run_statement(self, statement: str, fmt: str) -> bytes:
        if self._closed:
            raise StoreError("store is closed")
        try:
            result = self._session.query(statement, fmt)
        except Exception as exc:  # chDB raises plain RuntimeError for SQL errors
            raise StoreError(str(exc)) from exc
        data: bytes = result.bytes() if result is not None else b""
        return data

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        await asyncio.to_thread(self._run, sql, "CSV", params)

    async def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        statement = f"{sql.rstrip().rstrip(';')} SETTINGS {_settings_clause(self.QUERY_SETTINGS)}"
        return parse_json_each_row(
            await asyncio.to_thread(self._run, statement, "JSONEachRow", params)
        )

    async def insert(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, dedup_token: str | None = None
    ) -> None:
        if not rows:
            return
        columns = list(rows[0])

        def run() -> None:  # encoding too runs off the event loop
            self._insert_sync(table, columns, rows_to_json_each_row(rows), dedup_token)

        await asyncio.to_thread(run)

    async def insert_encoded(
        self,
        table: str,
        columns: Sequence[str],
        data: bytes,
        *,
        dedup_token: str | None = None,
    ) -> None:
        if not data:
            return
        await asyncio.to_thread(self._insert_sync, table, columns, data, dedup_token)

    def _insert_sync(
        self, table: str, columns: Sequence[str], data: bytes, dedup_token: str | None
    ) -> None:
        settings: dict[str, Any] = {"date_time_input_format": "best_effort"}
        if dedup_token:
            settings["insert_deduplication_token"] = dedup_token
        names = ", ".join(f"`{c}`" for c in columns)
        head = self.render(
            f"INSERT INTO {{db}}.{table} ({names}) SETTINGS {_settings_clause(settings)} "
            "FORMAT JSONEachRow\n"
        )
        # the rows follow the rendered head: their text is never searched for ``{db}``
        self._run_statement(head + data.decode(), "CSV")

    async def ping(self) -> bool:
        try:
            await self.query("SELECT 1 AS ok")
        except StoreError:
            return False
        return True

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await asyncio.to_thread(self._session.close)
