"""Audit's archive (every event exactly as it was on the log, with its hash) and its seal:
the leaves of the log in order and the signed, chained blocks (see ``domain/seal.py``)."""

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
    """
    CREATE TABLE IF NOT EXISTS {db}.seal_leaves (
        leaf_index UInt64,
        block UInt64,
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64,
        event_id String,
        sha256 FixedString(64)
    ) ENGINE = ReplacingMergeTree
    ORDER BY leaf_index
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.seal_blocks (
        block UInt64,
        first_index UInt64,
        size UInt64,
        tree_size UInt64,
        ranges String,
        block_root FixedString(64),
        prev_head FixedString(64),
        head FixedString(64),
        tree_root FixedString(64),
        checkpoint String,
        signature String,
        public_key String,
        sealed_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree
    ORDER BY block
    """,
    # the hashes of the tree nodes each block completes (domain/sealed_tree.py), base64
    "ALTER TABLE {db}.seal_blocks ADD COLUMN IF NOT EXISTS nodes String DEFAULT ''",
)
