"""Server adapter: a ClickHouse server or cluster through clickhouse-connect (HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlparse

from services.runtime.store.base import (
    Row,
    Store,
    StoreError,
    parse_json_each_row,
    rows_to_json_each_row,
)


class ServerStore(Store):
    def __init__(
        self,
        url: str,
        database: str,
        *,
        username: str | None = None,
        password: str | None = None,
        verify: bool = True,
        ca_cert: str | None = None,
    ) -> None:
        """``username`` and ``password`` (the settings CLICKHOUSE_USER, CLICKHOUSE_PASSWORD)
        override the URL's; ``verify`` and ``ca_cert`` apply to an https:// URL."""
        super().__init__(database)
        import clickhouse_connect

        parsed = urlparse(url)
        secure = parsed.scheme == "https"
        try:
            self._client: Any = clickhouse_connect.get_client(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (8443 if secure else 8123),
                username=username or unquote(parsed.username or "default"),
                password=password or unquote(parsed.password or ""),
                secure=secure,
                verify=verify,
                ca_cert=ca_cert,
            )
        except Exception as exc:
            # the driver's message may quote the URL; the password never leaves this line
            raise StoreError(
                f"cannot reach ClickHouse at {parsed.hostname}: {type(exc).__name__}"
            ) from None

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        def run() -> None:
            self._client.command(self.render(sql), parameters=dict(params or {}) or None)

        try:
            await asyncio.to_thread(run)
        except Exception as exc:
            raise StoreError(str(exc)) from exc

    async def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        def run() -> bytes:
            data: bytes = self._client.raw_query(
                self.render(sql),
                parameters=dict(params or {}) or None,
                settings=dict(self.QUERY_SETTINGS),
                fmt="JSONEachRow",
            )
            return data

        try:
            return parse_json_each_row(await asyncio.to_thread(run))
        except Exception as exc:
            raise StoreError(str(exc)) from exc

    async def insert(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, dedup_token: str | None = None
    ) -> None:
        if not rows:
            return
        await self.insert_encoded(
            table, list(rows[0]), rows_to_json_each_row(rows), dedup_token=dedup_token
        )

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
        settings: dict[str, Any] = {"date_time_input_format": "best_effort"}
        if dedup_token:
            settings["insert_deduplication_token"] = dedup_token

        def run() -> None:
            self._client.raw_insert(
                f"{self.database}.{table}",
                column_names=list(columns),
                insert_block=data,
                settings=settings,
                fmt="JSONEachRow",
            )

        try:
            await asyncio.to_thread(run)
        except Exception as exc:
            raise StoreError(str(exc)) from exc

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.to_thread(self._client.ping))
        except Exception:
            return False

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)
