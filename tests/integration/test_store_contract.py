"""One contract for the store port, run on every engine available.

chDB always runs; a ClickHouse server joins when ``CLICKHOUSE_URL`` is set (or testcontainers
can start one where a Docker daemon answers).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.runtime.store.base import Store, StoreError, rows_to_json_each_row
from services.runtime.store.chdb_store import ChdbStore
from tests.support.infra import docker_available

pytestmark = pytest.mark.integration

TABLE = """
CREATE TABLE IF NOT EXISTS {db}.things (
    id String,
    n UInt64,
    big UInt64,
    day Date,
    at DateTime64(3, 'UTC'),
    tags Array(String),
    note Nullable(String),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id
SETTINGS non_replicated_deduplication_window = 100
"""

ROWS = [
    {
        "id": "a",
        "n": 1,
        "big": 2**63,
        "day": date(2025, 12, 29),
        "at": datetime(2025, 12, 29, 0, 30, tzinfo=UTC),
        "tags": ["x", "y"],
        "note": None,
        "version": 1,
    },
    {
        "id": "b",
        "n": 2,
        "big": 5,
        "day": date(2025, 12, 30),
        "at": datetime(2025, 12, 30, 8, 0, 0, 123000, tzinfo=UTC),
        "tags": [],
        "note": "catatan",
        "version": 1,
    },
]


def _server_url() -> Iterator[str | None]:
    url = os.environ.get("CLICKHOUSE_URL")
    if url:
        yield url
    elif docker_available():
        from testcontainers.clickhouse import ClickHouseContainer

        with ClickHouseContainer("clickhouse/clickhouse-server:25.8") as ch:
            yield f"http://{ch.username}:{ch.password}@{ch.get_container_host_ip()}:{ch.get_exposed_port(8123)}"
    else:
        yield None


@pytest.fixture(scope="module")
def server_url() -> Iterator[str | None]:
    yield from _server_url()


ENGINES = ["chdb"] + (["server"] if os.environ.get("CLICKHOUSE_URL") or docker_available() else [])


@pytest.fixture(params=ENGINES)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, server_url: str | None
) -> AsyncIterator[Store]:
    database = f"contract_{uuid.uuid4().hex[:8]}"
    if request.param == "chdb":
        engine: Store = ChdbStore(tmp_path / "chdb", database)
    else:
        assert server_url is not None
        from services.runtime.store.server_store import ServerStore

        engine = ServerStore(server_url, database)
    await engine.migrate([TABLE])
    try:
        yield engine
    finally:
        if request.param == "server":
            await engine.execute("DROP DATABASE IF EXISTS {db}")
        await engine.close()


async def test_insert_then_query_round_trips_types(store: Store) -> None:
    await store.insert("things", ROWS)
    rows = await store.query("SELECT * FROM {db}.things FINAL ORDER BY id")
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["big"] == 2**63  # 64-bit integers come back as numbers on both engines
    assert rows[0]["day"] == "2025-12-29"
    assert rows[0]["at"] == "2025-12-29 00:30:00.000"
    assert rows[1]["at"] == "2025-12-30 08:00:00.123"
    assert rows[0]["tags"] == ["x", "y"]
    assert rows[0]["note"] is None and rows[1]["note"] == "catatan"


async def test_parameters_are_bound_not_interpolated(store: Store) -> None:
    await store.insert("things", ROWS)
    hostile = "a' OR '1'='1"
    tricky = "back\\slash\ttab\nnewline"
    assert await store.query("SELECT {s:String} AS s", {"s": tricky}) == [{"s": tricky}]
    assert (
        await store.query("SELECT id FROM {db}.things WHERE id = {id:String}", {"id": hostile})
        == []
    )
    rows = await store.query(
        "SELECT id FROM {db}.things WHERE day >= {d:Date} ORDER BY id", {"d": "2025-12-30"}
    )
    assert rows == [{"id": "b"}]
    rows = await store.query(
        "SELECT id FROM {db}.things WHERE has({ids:Array(String)}, id) ORDER BY id",
        {"ids": ["b", "it's"]},
    )
    assert rows == [{"id": "b"}]
    rows = await store.query(
        "SELECT id FROM {db}.things WHERE day = {d:Date}", {"d": date(2025, 12, 29)}
    )
    assert rows == [{"id": "a"}]


async def test_concurrent_queries_keep_their_own_parameters(store: Store) -> None:
    values = [f"v-{i}" for i in range(40)]
    answers = await asyncio.gather(
        *(
            store.query("SELECT {v:String} AS v, {n:UInt32} AS n", {"v": v, "n": i})
            for i, v in enumerate(values)
        )
    )
    assert [a[0]["v"] for a in answers] == values
    assert [a[0]["n"] for a in answers] == list(range(40))


async def test_same_dedup_token_inserts_once(store: Store) -> None:
    await store.insert("things", ROWS, dedup_token="things:t-0-0-1")
    await store.insert("things", ROWS, dedup_token="things:t-0-0-1")
    rows = await store.query("SELECT count() AS c FROM {db}.things")
    assert rows == [{"c": 2}]
    await store.insert("things", ROWS, dedup_token="things:t-0-2-3")
    assert await store.query("SELECT count() AS c FROM {db}.things") == [{"c": 4}]


async def test_replacing_merge_tree_final_keeps_latest_version(store: Store) -> None:
    await store.insert("things", ROWS)
    await store.insert("things", [{**ROWS[0], "n": 99, "version": 2}])
    rows = await store.query("SELECT id, n FROM {db}.things FINAL ORDER BY id")
    assert rows == [{"id": "a", "n": 99}, {"id": "b", "n": 2}]
    latest = await store.query("SELECT argMax(n, version) AS n FROM {db}.things WHERE id = 'a'")
    assert latest == [{"n": 99}]


async def test_bad_sql_raises_store_error_and_store_stays_usable(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.query("SELECT no_such_column FROM {db}.things")
    assert await store.ping() is True


async def test_migrate_is_idempotent(store: Store) -> None:
    await store.migrate([TABLE])
    await store.migrate([TABLE])
    assert await store.query("SELECT count() AS c FROM {db}.things") == [{"c": 0}]


async def test_row_text_is_stored_verbatim_even_when_it_looks_like_sql(store: Store) -> None:
    note = "{db}.things -- it's a \\ back\nslash"
    await store.insert("things", [{**ROWS[0], "note": note}], dedup_token="things:it's-0")
    rows = await store.query("SELECT note FROM {db}.things")
    assert rows == [{"note": note}]


async def test_pre_encoded_rows_insert_once_per_dedup_token(store: Store) -> None:
    data = rows_to_json_each_row(ROWS)
    await store.insert_encoded("things", list(ROWS[0]), data, dedup_token="things:e-0-0-1")
    await store.insert_encoded("things", list(ROWS[0]), data, dedup_token="things:e-0-0-1")
    rows = await store.query("SELECT id, at, tags FROM {db}.things ORDER BY id")
    assert rows == [
        {"id": "a", "at": "2025-12-29 00:30:00.000", "tags": ["x", "y"]},
        {"id": "b", "at": "2025-12-30 08:00:00.123", "tags": []},
    ]
