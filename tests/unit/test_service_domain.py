"""Pure domain logic of the services: commands to events, events to rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from kernel.projection_rows import Position
from kernel.refusal import Refusal
from kernel.thresholds import AttendanceThresholds
from schemas import new_event, to_record
from schemas.envelope import Envelope
from schemas.events import (
    EligibilityDecision,
    GeoPoint,
    SharedPlace,
    WfaApproved,
    WfaRequested,
    WorkTarget,
)
from schemas.serialization import DecodedEvent, read_event
from services.attendance.domain.checkins import PresenceCreate
from services.attendance.domain.timing import check_receipt_time
from services.audit.domain.archive import archive_row
from services.eligibility.domain.requests import WfaRequestCreate, request_id_for
from services.reporting.domain.projection import rows_for
from services.runtime.edge.idempotency import fingerprint
from services.runtime.store.base import rows_to_json_each_row

NIP = "199001012015031001"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _command(**overrides: object) -> WfaRequestCreate:
    data: dict[str, object] = {
        "work_unit_id": "sekretariat",
        "dates": ["2026-12-03", "2026-12-02"],
        "location": {"lat": -6.2, "lon": 106.8},
        "reason": "Menyusun laporan",
        "work_plan": [{"description": "Laporan", "target": 1, "unit": "dokumen"}],
    }
    data.update(overrides)
    # the requested days must lie near today: pin it, so the fixed dates never fall out
    return WfaRequestCreate.model_validate(data, context={"today": NOW.date()})


def _requested(decision: EligibilityDecision | None = None) -> WfaRequested:
    command = _command()
    return WfaRequested(
        request_id="req-1",
        nip=NIP,
        work_unit_id="sekretariat",
        dates=command.dates,
        place=SharedPlace.of(command.location),
        reason=command.reason,
        work_plan=command.work_plan,
        decision=decision,
    )


def test_request_dates_are_sorted_and_must_not_repeat() -> None:
    assert _command().dates == [date(2026, 12, 2), date(2026, 12, 3)]
    with pytest.raises(ValidationError, match="tidak boleh berulang"):
        _command(dates=["2026-12-02", "2026-12-02"])


def test_request_needs_a_measurable_work_plan() -> None:
    with pytest.raises(ValidationError):
        _command(work_plan=[])
    with pytest.raises(ValidationError):
        _command(work_plan=[{"description": "x", "target": 0, "unit": "dokumen"}])


def test_idempotency_key_gives_a_stable_request_id() -> None:
    a = request_id_for(NIP, "k1", "req-random-1")
    assert a == request_id_for(NIP, "k1", "req-random-2")
    assert a != request_id_for(NIP, "k2", "req-random-1")
    assert request_id_for(NIP, None, "req-random-1") == "req-random-1"
    assert fingerprint({"a": 1, "b": [1]}) == fingerprint({"b": [1], "a": 1})


def test_check_in_time_must_be_plausible() -> None:
    command = PresenceCreate(location=GeoPoint(lat=-6.2, lon=106.8), mode="wfa")
    assert command.mode == "wfa" and command.at is None and not command.recorded_offline
    limits = AttendanceThresholds()
    check_receipt_time(NOW, NOW, limits)
    check_receipt_time(NOW - timedelta(days=2), NOW, limits)  # the offline queue: 72 hours
    with pytest.raises(Refusal) as future:
        check_receipt_time(NOW + timedelta(hours=1), NOW, limits)
    assert future.value.code == "presence_time_in_future"
    with pytest.raises(Refusal) as stale:
        check_receipt_time(NOW - timedelta(days=4), NOW, limits)
    assert stale.value.code == "offline_record_too_old"


def _read(envelope: Envelope) -> DecodedEvent:
    return read_event(to_record(envelope).value)


def test_reporting_rows_carry_status_and_kafka_position() -> None:
    requested = new_event(_requested(), actor=NIP, subject=NIP, opd_id="bappeda")
    (table, row), *_days_and_marks = rows_for(_read(requested), Position("wfa.requests.v1", 2, 41))
    assert table == "request_events"
    assert row["status"] == "submitted" and row["offset"] == 41 and row["partition"] == 2
    assert row["dates"] == [date(2026, 12, 2), date(2026, 12, 3)]
    approved = new_event(
        WfaApproved(request_id="req-1", nip=NIP, approver_nip="197001011995031003", reason="ok"),
        actor="197001011995031003",
        subject=NIP,
        opd_id="bappeda",
    )
    (_, row), _mark = rows_for(_read(approved), Position("wfa.requests.v1", 2, 42))
    assert row["status"] == "approved" and row["dates"] == []
    for eligible, status in ((True, "pending"), (False, "not_eligible")):
        decided = _requested(EligibilityDecision(eligible=eligible, policy_version=1, trace=[]))
        envelope = new_event(decided, actor=NIP, subject=NIP, opd_id="bappeda")
        (_, row), *_days_and_marks = rows_for(_read(envelope), Position("wfa.requests.v1", 2, 43))
        assert row["status"] == status


def test_archive_keeps_the_original_bytes_and_their_hash() -> None:
    envelope = new_event(_requested(), actor=NIP, subject=NIP, opd_id="bappeda")
    raw = to_record(envelope).value
    [(table, row), (mark, sealed)] = archive_row(read_event(raw), Position("t", 0, 7), raw)
    assert table == "event_archive"
    assert row["raw"].encode() == raw
    import hashlib

    assert row["sha256"] == hashlib.sha256(raw).hexdigest()
    # the sealer is handed the event's place, id and hash once its row is written
    assert mark == "@sealed"
    assert sealed == {
        "topic": "t",
        "partition": 0,
        "offset": 7,
        "event_id": envelope.event_id,
        "sha256": row["sha256"],
    }


def test_store_rows_encode_dates_and_utc_datetimes() -> None:
    wib = timezone(timedelta(hours=7))
    data = rows_to_json_each_row(
        [
            {
                "d": date(2025, 12, 29),
                "t": datetime(2025, 12, 29, 7, 30, tzinfo=wib),
                "l": [date(2025, 1, 1)],
            }
        ]
    )
    assert data == b'{"d":"2025-12-29","t":"2025-12-29 00:30:00.000","l":["2025-01-01"]}\n'
    with pytest.raises(ValueError, match="naive"):
        rows_to_json_each_row([{"t": datetime(2025, 1, 1)}])


def test_work_target_from_schemas_is_reused() -> None:
    assert WorkTarget(description="x", target=1, unit="dokumen").target == 1
