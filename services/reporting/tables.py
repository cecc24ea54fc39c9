"""Reporting's ClickHouse tables. Rows keep the Kafka position they came from."""

from __future__ import annotations

_TAIL = """
    topic LowCardinality(String),
    partition UInt32,
    offset UInt64
"""

MIGRATIONS = (
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.request_events (
        event_id String,
        type LowCardinality(String),
        request_id String,
        nip String,
        opd_id String,
        work_unit_id String,
        dates Array(Date),
        status LowCardinality(String),
        reason String,
        actor String,
        occurred_at DateTime64(3, 'UTC'),
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (opd_id, request_id, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.presence_events (
        event_id String,
        type LowCardinality(String),
        nip String,
        opd_id String,
        at DateTime64(3, 'UTC'),
        lat Float64,
        lon Float64,
        accuracy_m Nullable(Float64),
        mode LowCardinality(String),
        mock_location Bool,
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (opd_id, nip, at, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)
