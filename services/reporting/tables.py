"""Reporting's ClickHouse tables.

Two layers:

* **Facts**, one row per event, keeping the Kafka position it came from (``request_events``,
  ``presence_signals``, ``anomalies``, ``report_events``, ``employees``; a WFA request also
  has one ``request_days`` row per day it asks for). A replayed event shares its sorting key
  with the first copy, so ``FINAL`` keeps one of them.
* **Derived** rows (``employee_day``, ``employee_week``, ``employee_month``, ``opd_day``,
  ``opd_month``), each a pure function of the facts beneath it. After every batch the
  projector computes again the rows whose keys the batch touched, reading the facts
  de-duplicated, and inserts them with a newer ``version``; ``FINAL`` keeps the newest. Being
  recomputed rather than incremented, they never count an event twice, whatever was replayed.
  Their sorting keys hold no value that can change (a row's OPD can), so a recomputed row
  always replaces the one before it. A month or OPD row left with nothing to count (a day now
  counted for another OPD) is written with ``is_deleted = 1``: ``FINAL`` drops it. See
  :mod:`services.reporting.refresh` for how they are computed.

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
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.report_events (
        event_id String,
        type LowCardinality(String),
        report_id String,
        revision UInt32,
        nip String,
        opd_id String,
        work_date Date,
        mode LowCardinality(String),
        request_id Nullable(String),
        outputs UInt16,
        outputs_with_target UInt16,
        achievement_sum Float64,
        quantity_sum Float64,
        attachments UInt16,
        verdict LowCardinality(Nullable(String)),
        reviewer_nip Nullable(String),
        note Nullable(String),
        occurred_at DateTime64(3, 'UTC'),
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (nip, work_date, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.request_days (
        nip String,
        work_date Date,
        request_id String,
        event_id String,
        opd_id String,
        work_unit_id String,
        occurred_at DateTime64(3, 'UTC'),
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (nip, work_date, request_id, event_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.employees (
        nip String,
        name String,
        opd_id String,
        work_unit_id String,
        position String,
        position_category LowCardinality(String),
        supervisor_nip Nullable(String),
        employment_type LowCardinality(String),
        {_TAIL}
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY nip
    SETTINGS non_replicated_deduplication_window = 10000
    """,
    # ---- derived rows: recomputed for the keys a batch touched; the newest version wins ----
    """
    CREATE TABLE IF NOT EXISTS {db}.employee_day (
        nip String,
        work_date Date,
        opd_id String,
        work_unit_id String,
        working_day Bool,
        wfa_requested Bool,
        wfa_approved Bool,
        request_id Nullable(String),
        mode LowCardinality(String),
        check_in_at Nullable(DateTime64(3, 'UTC')),
        check_out_at Nullable(DateTime64(3, 'UTC')),
        minutes_after_start Nullable(Int32),
        late Bool,
        worked_minutes UInt32,
        expected_minutes UInt32,
        signals UInt32,
        report_status LowCardinality(String),
        report_revision UInt32,
        outputs UInt32,
        outputs_with_target UInt32,
        achievement_sum Float64,
        anomalies UInt32,
        violations UInt32,
        anomaly_kinds Array(LowCardinality(String)),
        version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (work_date, nip)
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.employee_week (
        nip String,
        week_start Date,
        opd_id String,
        wfa_days UInt8,
        wfa_cap UInt8,
        over_cap UInt8,
        office_days UInt8,
        version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (week_start, nip)
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.employee_month (
        nip String,
        month Date,
        opd_id String,
        working_days UInt32,
        days_present UInt32,
        days_wfa UInt32,
        days_wfo UInt32,
        wfa_days_over_cap UInt32,
        worked_minutes UInt32,
        expected_minutes UInt32,
        late_days UInt32,
        missing_check_out_days UInt32,
        reports_submitted UInt32,
        reports_accepted UInt32,
        outputs UInt32,
        outputs_with_target UInt32,
        achievement_sum Float64,
        outputs_wfa UInt32,
        outputs_wfo UInt32,
        anomalies UInt32,
        violations UInt32,
        anomalies_by_kind Map(LowCardinality(String), UInt32),
        version UInt64,
        is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (month, nip)
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.opd_day (
        opd_id String,
        work_date Date,
        headcount UInt32,
        recorded UInt32,
        present UInt32,
        wfa UInt32,
        wfo UInt32,
        wfa_unapproved UInt32,
        late UInt32,
        missing_check_out UInt32,
        reports_submitted UInt32,
        reports_accepted UInt32,
        anomalies UInt32,
        violations UInt32,
        outputs_wfa UInt32,
        outputs_wfo UInt32,
        achievement_sum_wfa Float64,
        with_target_wfa UInt32,
        achievement_sum_wfo Float64,
        with_target_wfo UInt32,
        version UInt64,
        is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (work_date, opd_id)
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.opd_month (
        opd_id String,
        month Date,
        headcount UInt32,
        working_days UInt32,
        staff_days UInt32,
        present UInt32,
        wfa UInt32,
        wfo UInt32,
        wfa_unapproved UInt32,
        wfa_days_over_cap UInt32,
        late UInt32,
        missing_check_out UInt32,
        reports_submitted UInt32,
        reports_accepted UInt32,
        anomalies UInt32,
        violations UInt32,
        outputs_wfa UInt32,
        outputs_wfo UInt32,
        achievement_sum_wfa Float64,
        with_target_wfa UInt32,
        achievement_sum_wfo Float64,
        with_target_wfo UInt32,
        version UInt64,
        is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (month, opd_id)
    """,
    """
    CREATE TABLE IF NOT EXISTS {db}.summaries_published (
        nip String,
        month Date,
        checksum String,
        event_id String,
        published_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree(published_at)
    ORDER BY (month, nip)
    """,
)
