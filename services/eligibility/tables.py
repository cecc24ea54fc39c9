"""Eligibility's ClickHouse tables: the local replicas of roster, policies, readiness
assessments and request log.

Every instance keeps its own full copy (see :mod:`services.runtime.projection.replica`); the
decider's own state (days held per ASN and week, staff away per unit and day) lives in faust tables.
"""

from __future__ import annotations

from services.runtime.projection import replica

MIGRATIONS = (
    *replica.MIGRATIONS,
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
    """
    CREATE TABLE IF NOT EXISTS {db}.policies (
        opd_id String,
        version UInt32,
        effective_from Date,
        settings String,
        note String,
        actor String,
        recorded_at DateTime64(3, 'UTC'),
        event_id String,
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (opd_id, version)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.readiness_assessments (
        assessment_id String,
        opd_id String,
        work_unit_id String,
        infrastructure_score UInt8,
        connectivity_score UInt8,
        note String,
        assessed_on Date,
        actor String,
        recorded_at DateTime64(3, 'UTC'),
        event_id String,
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (opd_id, work_unit_id, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.request_log (
        request_id String,
        nip String,
        opd_id String,
        work_unit_id String,
        type LowCardinality(String),
        status LowCardinality(String),
        dates Array(Date),
        eligible Nullable(UInt8),
        policy_version Nullable(UInt32),
        body String,
        actor String,
        event_id String,
        correlation_id String,
        causation_id Nullable(String),
        recorded_at DateTime64(3, 'UTC'),
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (request_id, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)
