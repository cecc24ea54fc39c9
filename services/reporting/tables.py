"""Reporting's ClickHouse tables. Rows keep the Kafka position they came from.

Attendance is kept as derived facts only: no table has a column of precise coordinates (the
coarse ``cell`` of about 1 km is the finest position reporting holds). Rows of the same event
(a replay, or an anomaly detected and published again under its deterministic id) share their
sorting key, so ``FINAL`` keeps one of them.
"""

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
    # presence once kept precise coordinates; they live only on the restricted topic now
    "DROP TABLE IF EXISTS {db}.presence_events",
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.presence_signals (
        event_id String,
        type LowCardinality(String),
        kind LowCardinality(String),
        nip String,
        opd_id String,
        work_date Date,
        at DateTime64(3, 'UTC'),
        received_at DateTime64(3, 'UTC'),
        timezone LowCardinality(String),
        working_day Bool,
        derived_mode LowCardinality(Nullable(String)),
        declared_mode LowCardinality(Nullable(String)),
        reference LowCardinality(Nullable(String)),
        reference_id Nullable(String),
        inside Nullable(Bool),
        distance_band LowCardinality(Nullable(String)),
        cell Nullable(String),
        mock_location Bool,
        late_synced Bool,
        device_id Nullable(String),
        device_seq Nullable(UInt64),
        minutes_after_start Nullable(Int32),
        location_id Nullable(String),
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (nip, work_date, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.anomalies (
        event_id String,
        anomaly_id String,
        nip String,
        opd_id String,
        work_date Date,
        at DateTime64(3, 'UTC'),
        kind LowCardinality(String),
        detected_by LowCardinality(String),
        evidence String,
        thresholds String,
        source_event_ids Array(String),
        message_id String,
        message_en String,
        recorded_at DateTime64(3, 'UTC'),
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (nip, work_date, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)
