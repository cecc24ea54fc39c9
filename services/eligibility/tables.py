"""Eligibility's ClickHouse tables: the roster state it decides with."""

from __future__ import annotations

from services.runtime import idempotency

MIGRATIONS = (
    *idempotency.MIGRATIONS,
    """
    CREATE TABLE IF NOT EXISTS {db}.employees (
        nip String,
        opd_id String,
        work_unit_id String,
        supervisor_nip Nullable(String),
        position_category String,
        state String,
        event_id String,
        type LowCardinality(String),
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY nip
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.sanctions (
        sanction_id String,
        nip String,
        level LowCardinality(String),
        starts_on Date,
        ends_on Nullable(Date),
        lifted_on Nullable(Date),
        event_id String,
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (nip, sanction_id, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)
