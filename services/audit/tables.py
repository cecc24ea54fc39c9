"""Audit's archive: every event exactly as it was on the log, with its hash."""

from __future__ import annotations

MIGRATIONS = (
    """
    CREATE TABLE IF NOT EXISTS {db}.event_archive (
        event_id String,
        type LowCardinality(String),
        schema_version UInt16,
        subject String,
        opd_id String,
        actor String,
        correlation_id String,
        causation_id Nullable(String),
        occurred_at DateTime64(3, 'UTC'),
        recorded_at DateTime64(3, 'UTC'),
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64,
        sha256 FixedString(64),
        raw String
    ) ENGINE = ReplacingMergeTree
    ORDER BY (topic, partition, offset)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)
