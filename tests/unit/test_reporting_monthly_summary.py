"""An employee month as the TPP feed publishes it: payload, checksum and event id (pure)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import orjson
from ulid import ULID

from schemas import new_event, to_record
from schemas.serialization import read_event
from services.reporting.domain.monthly_summary import (
    figures_checksum,
    month_text,
    monthly_summary,
    summary_event_id,
    summary_figures,
)

NIP = "199001012015011001"


def month_row(**overrides: Any) -> dict[str, Any]:
    """An ``employee_month`` row as the store returns it."""
    row: dict[str, Any] = {
        "nip": NIP,
        "month": "2026-03-01",
        "opd_id": "dinas-kominfo",
        "working_days": 20,
        "days_present": 19,
        "days_wfa": 4,
        "days_wfo": 15,
        "wfa_days_over_cap": 1,
        "worked_minutes": 8100,
        "expected_minutes": 8550,
        "late_days": 2,
        "missing_check_out_days": 1,
        "reports_submitted": 18,
        "reports_accepted": 17,
        "outputs": 40,
        "outputs_with_target": 3,
        "achievement_sum": 2.0,
        "outputs_wfa": 9,
        "outputs_wfo": 31,
        "anomalies": 3,
        "violations": 1,
        "anomalies_by_kind": {"late_check_in": 2, "outside_geofence": 1, "mock_location": 0},
    }
    row.update(overrides)
    return row


def test_the_summary_carries_the_month_figures() -> None:
    summary = monthly_summary(month_row())
    assert summary.nip == NIP and summary.opd_id == "dinas-kominfo"
    assert summary.month == "2026-03"
    assert (summary.working_days, summary.days_present) == (20, 19)
    assert (summary.days_wfa, summary.days_wfo, summary.wfa_days_over_cap) == (4, 15, 1)
    assert (summary.worked_minutes, summary.expected_minutes) == (8100, 8550)
    assert (summary.late_days, summary.missing_check_out_days) == (2, 1)
    assert (summary.reports_submitted, summary.reports_accepted) == (18, 17)
    assert summary.outputs == 40 and summary.anomalies == 3
    assert summary.output_achievement == 0.6667  # 2.0 over 3 outputs with a target
    # kinds without an anomaly are left out
    assert summary.anomalies_by_kind == {"late_check_in": 2, "outside_geofence": 1}


def test_the_checksum_is_sha256_of_the_figures_as_canonical_json() -> None:
    summary = monthly_summary(month_row())
    figures = summary.model_dump(mode="json", exclude={"checksum"})
    canonical = orjson.dumps(figures, option=orjson.OPT_SORT_KEYS)
    assert summary.checksum == hashlib.sha256(canonical).hexdigest()
    assert summary.checksum == figures_checksum(summary_figures(month_row()))


def test_equal_figures_give_an_equal_checksum_and_any_change_another() -> None:
    first = monthly_summary(month_row()).checksum
    # the same month read again: another order of keys, a sum added in another order
    again = month_row(achievement_sum=2.0 + 1e-12)
    again["anomalies_by_kind"] = {"outside_geofence": 1, "late_check_in": 2}
    assert monthly_summary(again).checksum == first
    for change in (
        {"reports_accepted": 18},
        {"days_wfa": 5},
        {"achievement_sum": 2.5},
        {"opd_id": "bappeda"},
        {"anomalies_by_kind": {"late_check_in": 3, "outside_geofence": 1}},
    ):
        assert monthly_summary(month_row(**change)).checksum != first, change


def test_no_output_with_a_target_has_no_achievement() -> None:
    summary = monthly_summary(month_row(outputs_with_target=0, achievement_sum=0.0))
    assert summary.output_achievement is None


def test_the_event_id_follows_from_nip_month_and_checksum() -> None:
    summary = monthly_summary(month_row())
    event_id = summary_event_id(summary)
    assert event_id == summary_event_id(monthly_summary(month_row()))
    assert summary_event_id(monthly_summary(month_row(outputs=41))) != event_id
    assert summary_event_id(monthly_summary(month_row(nip="199201012015012002"))) != event_id
    assert summary_event_id(monthly_summary(month_row(month="2026-04-01"))) != event_id
    # a ULID timed at the first instant of the month
    assert ULID.from_str(event_id).datetime == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_summary_travels_as_a_contract_event() -> None:
    summary = monthly_summary(month_row())
    envelope = new_event(
        summary,
        actor="198001012005011001",
        subject=summary.nip,
        opd_id=summary.opd_id,
        event_id=summary_event_id(summary),
    )
    record = to_record(envelope)
    assert record.topic == "wfa.summaries.v1" and record.key == NIP.encode()
    decoded = read_event(record.value)
    assert decoded.envelope.event_id == summary_event_id(summary)
    assert decoded.payload == summary


def test_month_text() -> None:
    assert month_text(date(2026, 3, 1)) == "2026-03"
    assert month_text(date(1999, 12, 31)) == "1999-12"
