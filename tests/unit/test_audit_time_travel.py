"""Time travel folds: an employee's and an OPD's state at an instant, from archived events.

Events go through the real serialization (record bytes → ``read_event``), older payload
versions included, exactly as the audit service reads ``event_archive.raw``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from schemas import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    DailyReportReviewed,
    DailyReportSubmitted,
    DeviceRegistered,
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
    EventPayload,
    GeofenceRetired,
    GeofenceSet,
    GeoPoint,
    HeartbeatReceived,
    LocationPinged,
    OpdPolicyPublished,
    OpdReadinessAssessed,
    PersonalDataAccessed,
    PlaceAssessment,
    ReportOutput,
    SharedPlace,
    SubjectRead,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
    WorkTarget,
    encode_json,
    new_event,
)
from schemas.examples import example_payloads
from schemas.serialization import DecodedEvent, read_event, to_record
from services.audit.domain.time_travel import (
    MAX_EVENTS,
    EmployeeHistory,
    HistoryTooLarge,
    InvalidInstant,
    check_history_size,
    employee_state,
    opd_state,
    parse_as_of,
)

NIP = "199001012020121001"
OTHER = "198505052010012003"
BOSS = "197805152005011002"
OPD = "3273-dinkes"
ELSEWHERE = "3273-bappeda"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
WIB = timezone(timedelta(hours=7))

_ids = itertools.count(1)


def _ulid() -> str:
    return f"01KT{next(_ids):022d}"


def _event(
    payload: EventPayload,
    minutes: float,
    *,
    subject: str = NIP,
    opd: str = OPD,
    event_id: str | None = None,
) -> DecodedEvent:
    """``payload`` recorded ``minutes`` after T0, as its record bytes decode."""
    envelope = new_event(
        payload, actor=subject, subject=subject, opd_id=opd, event_id=event_id or _ulid()
    ).model_copy(update={"recorded_at": T0 + timedelta(minutes=minutes)})
    return read_event(to_record(envelope).value)


def _old(event_type: str, version: int, payload: dict[str, Any], minutes: float) -> DecodedEvent:
    """A record exactly as an older producer wrote it (payload at ``version``)."""
    recorded = (T0 + timedelta(minutes=minutes)).isoformat()
    return read_event(
        encode_json(
            {
                "event_id": _ulid(),
                "type": event_type,
                "schema_version": version,
                "occurred_at": recorded,
                "recorded_at": recorded,
                "actor": NIP,
                "subject": NIP,
                "opd_id": OPD,
                "correlation_id": _ulid(),
                "causation_id": None,
                "payload": payload,
            }
        )
    )


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _registered(
    nip: str = NIP, opd: str = OPD, unit: str = "sekretariat", kind: str = "PNS"
) -> EmployeeRegistered:
    return EmployeeRegistered(
        nip=nip,
        name=f"Pegawai {nip[-4:]}",
        opd_id=opd,
        work_unit_id=unit,
        position="Analis",
        position_category="administrasi",
        supervisor_nip=BOSS,
        employment_type=kind,  # type: ignore[arg-type]
        appointment_date=date(2015, 3, 1),
        orientation_end_date=date(2026, 3, 31),
        home_location=GeoPoint(lat=-6.91, lon=107.61),
    )


def _updated(nip: str = NIP, opd: str = OPD, unit: str = "sekretariat") -> EmployeeUpdated:
    return EmployeeUpdated.model_validate(
        {**_registered(nip, opd, unit).model_dump(), "position": "Analis Ahli Muda"}
    )


def _requested(request_id: str, *days: date, nip: str = NIP) -> WfaRequested:
    return WfaRequested(
        request_id=request_id,
        nip=nip,
        work_unit_id="sekretariat",
        dates=list(days) or [date(2026, 3, 10)],
        place=SharedPlace.of(GeoPoint(lat=-6.9, lon=107.6)),
        reason="Merawat orang tua",
        work_plan=[
            WorkTarget(description="Draf SOP", target=2, unit="dokumen"),
            WorkTarget(description="Rekap data", target=1, unit="laporan"),
        ],
    )


def _approved(request_id: str, nip: str = NIP) -> WfaApproved:
    return WfaApproved(request_id=request_id, nip=nip, approver_nip=BOSS, reason="Silakan")


def _place(mode: str = "office") -> PlaceAssessment:
    return PlaceAssessment(
        derived_mode=mode,  # type: ignore[arg-type]
        reference="none",
        inside=None,
        distance_band="unknown",
        cell="-6.91,107.61",
    )


def _presence(day: date, hour: int) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=WIB)
    return {
        "nip": NIP,
        "at": at,
        "received_at": at,
        "work_date": day,
        "timezone": "WIB",
        "working_day": True,
    }


def _check_in(day: date, hour: int = 7, mode: str = "office", nip: str = NIP) -> CheckedIn:
    return CheckedIn(
        checkin_id=_ulid(),
        location_id=_ulid(),
        place=_place(mode),
        minutes_after_start=(hour - 7) * 60,
        **{**_presence(day, hour), "nip": nip},
    )


def _check_out(day: date, hour: int = 16) -> CheckedOut:
    return CheckedOut(
        checkout_id=_ulid(), location_id=_ulid(), place=_place(), **_presence(day, hour)
    )


def _submitted(report_id: str, revision: int, day: date = date(2026, 3, 2)) -> DailyReportSubmitted:
    return DailyReportSubmitted(
        report_id=report_id,
        revision=revision,
        nip=NIP,
        work_date=day,
        mode="office",
        outputs=[ReportOutput(description="Notulen", quantity=1, unit="dokumen")],
    )


def _reviewed(report_id: str, revision: int, verdict: str) -> DailyReportReviewed:
    return DailyReportReviewed(
        report_id=report_id,
        revision=revision,
        nip=NIP,
        work_date=date(2026, 3, 2),
        reviewer_nip=BOSS,
        verdict=verdict,  # type: ignore[arg-type]
        note="Lengkapi lampiran" if verdict == "returned" else None,
    )


def _anomaly(anomaly_id: str, kind: str, nip: str = NIP) -> AttendanceAnomalyDetected:
    return AttendanceAnomalyDetected(
        anomaly_id=anomaly_id,
        nip=nip,
        kind=kind,  # type: ignore[arg-type]
        work_date=date(2026, 3, 2),
        at=datetime(2026, 3, 2, 9, 0, tzinfo=WIB),
        detected_by="stream",
        evidence={},
        thresholds={},
        message_id="Terdeteksi",
        message_en="Detected",
    )


def _policy(version: int, effective_from: date, cap: int = 2) -> OpdPolicyPublished:
    return OpdPolicyPublished(
        opd_id=OPD,
        version=version,
        effective_from=effective_from,
        settings={"wfa_enabled": True, "weekly_cap_days": cap},
    )


def _readiness(unit: str | None, on: date, infra: int) -> OpdReadinessAssessed:
    return OpdReadinessAssessed(
        assessment_id=_ulid(),
        opd_id=OPD,
        work_unit_id=unit,
        infrastructure_score=infra,
        connectivity_score=70,
        assessed_on=on,
    )


# -- the instant asked for ----------------------------------------------------------------------


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:00:00+07:00", datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        ("2026-03-02T02:00:00Z", datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        ("2026-03-02T02:00:00.250+00:00", datetime(2026, 3, 2, 2, 0, 0, 250000, tzinfo=UTC)),
        ("2026-03-02 09:00:00+07:00", datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00 07:00", datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),  # "+" unencoded
        ("2026-03-02T11:00+09:00", datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
    ],
)
def test_an_instant_with_an_offset_is_read(text: str, expected: datetime) -> None:
    assert parse_as_of(text, NOW) == expected


def test_the_offset_given_is_kept_for_the_day() -> None:
    instant = parse_as_of("2026-03-02T23:30:00+07:00", NOW)
    assert instant.utcoffset() == timedelta(hours=7)
    assert instant.date() == date(2026, 3, 2)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_instant_means_now(text: str | None) -> None:
    assert parse_as_of(text, NOW) is NOW


@pytest.mark.parametrize("text", ["2026-03-02T09:00:00", "2026-03-02", "2026-03-02 09:00"])
def test_a_naive_timestamp_is_refused(text: str) -> None:
    with pytest.raises(InvalidInstant) as caught:
        parse_as_of(text, NOW)
    assert caught.value.naive


@pytest.mark.parametrize(
    "text",
    [
        "kemarin",
        "2026-13-02T09:00:00Z",
        "1709343600",
        "T09:00Z",
        "1899-12-31T23:00:00Z",
        "2101-01-01T00:00:00Z",
        "2100-12-31T23:00:00-05:00",  # 2101 in UTC
        "0001-01-01T00:00:00+00:00",
    ],
)
def test_a_text_that_is_no_timestamp_is_refused(text: str) -> None:
    with pytest.raises(InvalidInstant) as caught:
        parse_as_of(text, NOW)
    assert not caught.value.naive


def test_a_history_longer_than_the_limit_is_refused() -> None:
    check_history_size(MAX_EVENTS)
    with pytest.raises(HistoryTooLarge) as caught:
        check_history_size(MAX_EVENTS + 1)
    assert (caught.value.events, caught.value.limit) == (MAX_EVENTS + 1, MAX_EVENTS)


def test_the_fold_stops_at_the_limit_instead_of_truncating() -> None:
    events = [_event(_anomaly(_ulid(), "late_check_in"), minutes=i) for i in range(4)]
    assert employee_state(NIP, _at(10), events, limit=4)["events_applied"] == 4
    with pytest.raises(HistoryTooLarge):
        employee_state(NIP, _at(10), events, limit=3)


def test_a_naive_as_of_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="offset"):
        EmployeeHistory(as_of=datetime(2026, 3, 2), nip=NIP)


# -- an employee: WFA requests through time -----------------------------------------------------


def test_the_state_before_a_later_approval_is_pending_and_after_it_approved() -> None:
    events = [
        _event(_registered(), 0),
        _event(_requested("R1", date(2026, 3, 10), date(2026, 3, 11)), 10),
        _event(_approved("R1"), 20),
    ]
    before = employee_state(NIP, _at(15), events)
    after = employee_state(NIP, _at(20), events)

    assert [r["status"] for r in before["requests"]] == ["pending"]
    assert before["requests"][0]["decision"] is None
    assert before["events_applied"] == 2
    assert before["last_event"]["type"] == "WfaRequested"
    assert [r["status"] for r in after["requests"]] == ["approved"]
    assert after["requests"][0]["decision"]["by"] == BOSS
    assert after["requests"][0]["dates"] == ["2026-03-10", "2026-03-11"]
    assert after["requests"][0]["targets"] == 2
    assert after["counts"]["requests"] == {"approved": 1}
    assert after["last_event"]["recorded_at"] == _at(20).isoformat()


def test_before_anything_happened_the_employee_is_unknown() -> None:
    events = [_event(_registered(), 10), _event(_requested("R1"), 20)]
    state = employee_state(NIP, _at(5), events)
    assert not state["known"]
    assert state["profile"] is None
    assert state["requests"] == []
    assert state["events_applied"] == 0
    assert state["last_event"] is None


def test_the_cut_is_inclusive_to_the_millisecond() -> None:
    events = [_event(_requested("R1"), 10), _event(_approved("R1"), 10 + 0.5 / 60_000)]
    at_ms = _at(10).replace(microsecond=999)  # same millisecond as both events
    assert [r["status"] for r in employee_state(NIP, at_ms, events)["requests"]] == ["approved"]
    just_before = _at(10) - timedelta(milliseconds=1)
    assert employee_state(NIP, just_before, events)["events_applied"] == 0


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        (
            WfaRejected(request_id="R1", nip=NIP, approver_nip=BOSS, reason="Kuota habis"),
            "rejected",
        ),
        (WfaCancelled(request_id="R1", nip=NIP, reason="Batal"), "cancelled"),
    ],
)
def test_a_rejection_or_cancellation_closes_the_request(
    decision: EventPayload, status: str
) -> None:
    events = [_event(_requested("R1"), 1), _event(decision, 2)]
    request = employee_state(NIP, _at(3), events)["requests"][0]
    assert request["status"] == status
    assert request["decision"]["status"] == status


def test_a_cancellation_after_approval_keeps_the_approval_as_history() -> None:
    events = [
        _event(_requested("R1"), 1),
        _event(_approved("R1"), 2),
        _event(WfaCancelled(request_id="R1", nip=NIP, reason="Sakit"), 3),
    ]
    request = employee_state(NIP, _at(3), events)["requests"][0]
    assert request["status"] == "cancelled"
    assert request["decision"]["previous"]["status"] == "approved"


def test_a_refused_action_is_listed_without_changing_the_status() -> None:
    refused = WfaActionRefused(
        request_id="R1",
        nip=NIP,
        action="approve",
        code="request_not_pending",
        message_id="Sudah dibatalkan",
        message_en="Already cancelled",
    )
    events = [
        _event(_requested("R1"), 1),
        _event(WfaCancelled(request_id="R1", nip=NIP), 2),
        _event(refused, 3),
    ]
    request = employee_state(NIP, _at(4), events)["requests"][0]
    assert request["status"] == "cancelled"
    assert [(r["action"], r["code"]) for r in request["refused_actions"]] == [
        ("approve", "request_not_pending")
    ]


def test_an_approval_whose_request_is_not_archived_still_shows() -> None:
    request = employee_state(NIP, _at(5), [_event(_approved("R9"), 1)])["requests"][0]
    assert (request["request_id"], request["status"], request["dates"]) == ("R9", "approved", [])


def test_requests_are_listed_in_the_order_they_were_made() -> None:
    events = [_event(_requested("R2"), 5), _event(_requested("R1"), 7)]
    state = employee_state(NIP, _at(10), events)
    assert [r["request_id"] for r in state["requests"]] == ["R2", "R1"]


# -- an employee: upcast versions, duplicates, other subjects, unknown types ---------------------


def test_old_payload_versions_fold_at_their_current_version() -> None:
    wfa_v1 = {
        "request_id": "R-OLD",
        "nip": NIP,
        "work_unit_id": "sekretariat",
        "date": "2025-03-10",
        "lat": -6.9147,
        "lon": 107.6098,
        "reason": "Merawat orang tua",
        "work_plan": "Menyusun laporan bulanan",
    }
    checked_in_v1 = {
        "checkin_id": "01KEC000000000000000000001",
        "nip": NIP,
        "at": "2025-03-10T07:31:00+07:00",
        "lat": -6.9147,
        "lon": 107.6098,
        "accuracy_m": 15.0,
        "mode": "wfa",
        "device_id": None,
    }
    report_v1 = {
        "report_id": "RP-OLD",
        "nip": NIP,
        "work_date": "2025-03-10",
        "outputs": [{"description": "Notulen rapat", "quantity": 2, "unit": "dokumen"}],
        "notes": None,
    }
    events = [
        _old("WfaRequested", 1, wfa_v1, 1),
        _old("CheckedIn", 1, checked_in_v1, 2),
        _old("DailyReportSubmitted", 1, report_v1, 3),
    ]
    state = employee_state(NIP, _at(5), events)

    request = state["requests"][0]
    assert (request["dates"], request["targets"], request["status"]) == (
        ["2025-03-10"],
        1,
        "pending",
    )
    day = state["attendance"][0]
    assert (day["work_date"], day["mode"], day["checked_in_at"]) == (
        "2025-03-10",
        "wfa",
        "2025-03-10T07:31:00+07:00",
    )
    report = state["reports"][0]
    assert (report["revision"], report["mode"], report["status"]) == (1, "office", "submitted")
    assert state["not_folded"] == {}


def test_an_event_archived_twice_applies_once() -> None:
    anomaly_id = _ulid()
    first = _event(_anomaly(anomaly_id, "mock_location"), 1, event_id=anomaly_id)
    again = _event(_anomaly(anomaly_id, "mock_location"), 1, event_id=anomaly_id)
    cancel_id = _ulid()
    events = [
        _event(_requested("R1"), 1),
        first,
        again,
        _event(WfaCancelled(request_id="R1", nip=NIP), 2, event_id=cancel_id),
        _event(_approved("R1"), 3),
        _event(WfaCancelled(request_id="R1", nip=NIP), 4, event_id=cancel_id),  # a replay
    ]
    state = employee_state(NIP, _at(5), events)
    assert state["duplicates_skipped"] == 2
    assert state["events_applied"] == 4
    assert state["counts"]["anomalies"] == 1
    assert state["requests"][0]["status"] == "approved"


def test_events_about_someone_else_are_not_applied() -> None:
    events = [
        _event(_registered(OTHER), 1, subject=OTHER),
        _event(_requested("R-OTHER", nip=OTHER), 2, subject=OTHER),
        _event(_requested("R1"), 3),
    ]
    state = employee_state(NIP, _at(5), events)
    assert state["events_applied"] == 1
    assert not state["known"]
    assert [r["request_id"] for r in state["requests"]] == ["R1"]


def test_every_type_is_counted_and_those_without_effect_are_named() -> None:
    payloads = example_payloads()
    payloads.pop("LocationRecorded")  # never archived
    payloads.pop("WfaLocationDeclared")  # never archived either
    events = [_event(p, i) for i, p in enumerate(payloads.values())]
    state = employee_state(NIP, _at(len(events)), events)

    assert state["events_applied"] == len(events)
    assert sum(state["events_by_type"].values()) == len(events)
    assert set(state["events_by_type"]) == set(payloads)
    assert state["not_folded"] == {
        "GeofenceRetired": 1,
        "GeofenceSet": 1,
        "OpdPolicyPublished": 1,
        "OpdReadinessAssessed": 1,
    }


def test_an_undecodable_record_is_counted_not_folded() -> None:
    history = EmployeeHistory(as_of=_at(5), nip=NIP)
    history.add(_event(_requested("R1"), 1))
    history.add_undecodable()
    state = history.state()
    assert (state["undecodable"], state["events_applied"]) == (1, 1)


# -- an employee: profile, sanctions, attendance, reports, the rest ------------------------------


def test_the_profile_is_the_latest_roster_state_without_the_home_position() -> None:
    events = [_event(_registered(), 1), _event(_updated(unit="keuangan"), 5)]
    before = employee_state(NIP, _at(3), events)["profile"]
    after = employee_state(NIP, _at(6), events)["profile"]
    assert (before["position"], before["work_unit_id"]) == ("Analis", "sekretariat")
    assert (after["position"], after["work_unit_id"]) == ("Analis Ahli Muda", "keuangan")
    assert after["registered_at"] == _at(1).isoformat()
    assert after["updated_at"] == _at(5).isoformat()
    assert after["has_home_location"] is True
    assert "-6.91" not in orjson.dumps(after).decode()
    assert after["status"] == "active"
    assert after["in_orientation"] is True  # orientation ends 2026-03-31
    assert not employee_state(NIP, datetime(2026, 4, 1, tzinfo=UTC), events)["profile"][
        "in_orientation"
    ]


def _sanction(starts: date, ends: date | None, sanction_id: str = "S1") -> EventPayload:
    return DisciplinarySanctionImposed(
        sanction_id=sanction_id, nip=NIP, level="sedang", starts_on=starts, ends_on=ends
    )


def _lifted(on: date, sanction_id: str = "S1") -> EventPayload:
    return DisciplinarySanctionLifted(
        sanction_id=sanction_id, nip=NIP, lifted_on=on, reason="Banding"
    )


@pytest.mark.parametrize(
    ("events", "as_of", "status"),
    [
        (
            [_sanction(date(2026, 3, 1), date(2026, 3, 31))],
            NOW,
            "in_force",
        ),
        ([_sanction(date(2026, 3, 5), None)], NOW, "scheduled"),
        (
            [_sanction(date(2026, 1, 1), date(2026, 2, 28))],
            NOW,
            "ended",
        ),
        (
            [_sanction(date(2026, 3, 1), None), _lifted(date(2026, 3, 2))],
            NOW,
            "lifted",
        ),
        (
            [_sanction(date(2026, 3, 1), None), _lifted(date(2026, 3, 20))],
            NOW,
            "in_force",
        ),
    ],
)
def test_a_sanction_is_in_force_on_the_day_of_as_of(
    events: list[EventPayload], as_of: datetime, status: str
) -> None:
    decoded = [_event(_registered(), -10)] + [_event(p, -5 + i) for i, p in enumerate(events)]
    state = employee_state(NIP, as_of, decoded)
    assert [s["status"] for s in state["sanctions"]] == [status]
    in_force = status == "in_force"
    assert state["counts"]["sanctions_in_force"] == int(in_force)
    assert state["profile"]["status"] == ("sanctioned" if in_force else "active")


def test_the_day_of_as_of_is_taken_in_its_own_offset() -> None:
    events = [_event(_sanction(date(2026, 3, 3), None), -60)]
    utc_evening = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # already 3 March in WIB
    assert employee_state(NIP, utc_evening, events)["sanctions"][0]["status"] == "scheduled"
    wib = utc_evening.astimezone(WIB)
    assert employee_state(NIP, wib, events)["sanctions"][0]["status"] == "in_force"


def test_attendance_days_keep_the_first_check_in_and_the_last_check_out() -> None:
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    ping = LocationPinged(
        ping_id=_ulid(), location_id=_ulid(), place=_place("wfa"), **_presence(tuesday, 10)
    )
    heartbeat = HeartbeatReceived(heartbeat_id=_ulid(), **_presence(tuesday, 11))
    events = [
        _event(_check_in(monday, 8), 1),
        _event(_check_in(monday, 7), 2),  # synced late, happened earlier
        _event(_check_out(monday, 15), 3),
        _event(_check_out(monday, 16), 4),
        _event(_check_in(tuesday, 7, mode="wfa"), 5),
        _event(ping, 6),
        _event(heartbeat, 7),
    ]
    state = employee_state(NIP, _at(10), events)
    first, second = state["attendance"]
    assert first["checked_in_at"] == "2026-03-02T07:00:00+07:00"
    assert first["checked_out_at"] == "2026-03-02T16:00:00+07:00"
    assert first["minutes_after_start"] == 0
    assert (second["mode"], second["pings"], second["heartbeats"]) == ("wfa", 1, 1)
    assert state["counts"]["days_present"] == 2
    assert state["counts"]["days_by_mode"] == {"office": 1, "wfa": 1}
    assert state["counts"]["days_without_check_out"] == 1


def test_a_report_returned_then_resubmitted_and_accepted() -> None:
    events = [
        _event(_submitted("RP1", 1), 1),
        _event(_reviewed("RP1", 1, "returned"), 2),
        _event(_submitted("RP1", 2), 3),
        _event(_reviewed("RP1", 2, "accepted"), 4),
    ]
    statuses = [employee_state(NIP, _at(m), events)["reports"][0]["status"] for m in (1, 2, 3, 4)]
    assert statuses == ["submitted", "returned", "submitted", "accepted"]
    final = employee_state(NIP, _at(4), events)
    assert [r["verdict"] for r in final["reports"][0]["reviews"]] == ["returned", "accepted"]
    assert final["reports"][0]["revision"] == 2
    assert final["counts"]["reports"] == {"accepted": 1}


def test_a_late_verdict_on_an_older_revision_does_not_change_the_status() -> None:
    events = [
        _event(_submitted("RP1", 1), 1),
        _event(_submitted("RP1", 2), 2),
        _event(_reviewed("RP1", 1, "returned"), 3),
    ]
    report = employee_state(NIP, _at(4), events)["reports"][0]
    assert (report["status"], report["revision"], len(report["reviews"])) == ("submitted", 2, 1)


def test_anomalies_device_summaries_and_accesses() -> None:
    examples = example_payloads()
    summary = examples["MonthlySummaryPublished"]
    access = PersonalDataAccessed(
        access_id=_ulid(),
        reader_nip=BOSS,
        reader_role="atasan",
        subject_nip=NIP,
        subjects=[SubjectRead(nip=NIP, records=3)],
        data_kind="precise_location",
        route="/attendance/locations/{nip}",
        records=3,
    )
    device = DeviceRegistered(
        registration_id=_ulid(), nip=NIP, device_id="dev-2", platform="android", registered_by=NIP
    )
    events = [
        _event(_anomaly(_ulid(), "late_check_in"), 1),
        _event(_anomaly(_ulid(), "late_check_in"), 2),
        _event(_anomaly(_ulid(), "mock_location"), 3),
        _event(device, 4),
        _event(summary, 5),
        _event(summary.model_copy(update={"days_present": 99}), 6),
        _event(access, 7),
    ]
    state = employee_state(NIP, _at(10), events)
    assert state["counts"]["anomalies_by_kind"] == {"late_check_in": 2, "mock_location": 1}
    assert state["device"]["device_id"] == "dev-2"
    assert [s["days_present"] for s in state["monthly_summaries"]] == [99]
    assert state["counts"]["accesses_by_kind"] == {"precise_location": 1}
    assert state["not_folded"] == {}


def test_a_read_that_listed_the_employee_among_others_is_counted_for_them() -> None:
    def team_read(*nips: str) -> PersonalDataAccessed:
        return PersonalDataAccessed(
            access_id=_ulid(),
            reader_nip=BOSS,
            reader_role="atasan",
            subject_nip=nips[0],
            subjects=[SubjectRead(nip=nip, records=1) for nip in nips],
            data_kind="presence",
            route="/reporting/presence",
            records=len(nips),
        )

    events = [
        _event(team_read(OTHER, NIP), 1, subject=OTHER),  # NIP listed second
        _event(team_read(OTHER), 2, subject=OTHER),  # NIP not listed
        _event(team_read(NIP, OTHER), 3),
    ]
    state = employee_state(NIP, _at(10), events)
    assert state["events_applied"] == 2
    assert state["counts"]["accesses_by_kind"] == {"presence": 2}
    assert employee_state(OTHER, _at(10), events)["counts"]["accesses_by_kind"] == {"presence": 3}


# -- an OPD -------------------------------------------------------------------------------------


def _opd_events() -> list[DecodedEvent]:
    a, b, c = NIP, OTHER, "199202022020122004"
    return [
        _event(_registered(a, unit="sekretariat"), 1, subject=a),
        _event(_registered(b, unit="keuangan", kind="PPPK"), 2, subject=b),
        _event(_registered(c, opd=ELSEWHERE), 3, subject=c, opd=ELSEWHERE),
        _event(_policy(1, date(2026, 1, 1), cap=1), 4, subject=BOSS),
        _event(_policy(2, date(2026, 4, 1), cap=2), 5, subject=BOSS),
        _event(_requested("R1", date(2026, 3, 10), date(2026, 3, 11), nip=a), 10, subject=a),
        _event(_requested("R2", nip=b), 11, subject=b),
        _event(_requested("R3", nip=c), 12, subject=c, opd=ELSEWHERE),
        _event(_approved("R1", nip=a), 20, subject=a),
        _event(_check_in(date(2026, 3, 2), mode="wfa", nip=a), 30, subject=a),
        _event(_check_in(date(2026, 3, 2), nip=b), 31, subject=b),
        _event(_check_in(date(2026, 3, 3), nip=b), 32, subject=b),
        _event(_check_in(date(2026, 3, 2), nip=c), 33, subject=c, opd=ELSEWHERE),
        _event(_anomaly(_ulid(), "late_check_in", nip=b), 34, subject=b),
        _event(_anomaly(_ulid(), "outside_geofence", nip=a), 35, subject=a),
    ]


def test_the_opd_before_a_later_approval_has_it_pending_and_after_it_approved() -> None:
    events = _opd_events()
    before = opd_state(OPD, _at(15), events)
    after = opd_state(OPD, _at(20), events)
    assert before["requests"]["by_status"] == {"pending": 2}
    assert after["requests"]["by_status"] == {"approved": 1, "pending": 1}
    assert (after["requests"]["days_requested"], after["requests"]["days_approved"]) == (3, 2)
    assert after["last_event"]["type"] == "WfaApproved"


def test_the_opd_state_counts_its_own_people_and_signals_only() -> None:
    state = opd_state(OPD, _at(40), _opd_events())
    assert state["employees"] == {
        "count": 2,
        "by_employment_type": {"PNS": 1, "PPPK": 1},
        "work_units": 2,
        "sanctions_in_force": 0,
    }
    assert state["attendance"] == {
        "days_with_presence": 2,
        "employee_days": 3,
        "employee_days_by_mode": {"office": 2, "wfa": 1},
        "check_ins": 3,
        "check_outs": 0,
    }
    assert state["anomalies"] == {
        "total": 2,
        "by_kind": {"late_check_in": 1, "outside_geofence": 1},
    }
    assert state["requests"]["total"] == 2


def test_the_opd_state_names_nobody() -> None:
    text = orjson.dumps(opd_state(OPD, _at(40), _opd_events())).decode()
    for nip in (NIP, OTHER, BOSS):
        assert nip not in text
    assert "Pegawai" not in text


def test_the_policy_in_force_is_the_highest_version_already_effective() -> None:
    events = _opd_events()
    march = opd_state(OPD, datetime(2026, 3, 2, 12, tzinfo=UTC), events)["policy"]
    assert march["in_force"]["version"] == 1
    assert march["in_force"]["settings"]["weekly_cap_days"] == 1
    assert (march["latest_version"], march["versions"]) == (2, 2)
    april = opd_state(OPD, datetime(2026, 4, 1, 0, 30, tzinfo=WIB), events)["policy"]
    assert april["in_force"]["version"] == 2
    before_any = opd_state(OPD, _at(3), events)["policy"]
    assert before_any == {"in_force": None, "latest_version": None, "versions": 0}


def test_an_employee_who_moves_away_leaves_the_head_count_and_one_who_joins_enters() -> None:
    events = [
        _event(_registered(NIP), 1),
        _event(_registered(OTHER, opd=ELSEWHERE), 2, subject=OTHER, opd=ELSEWHERE),
        _event(_updated(NIP, opd=ELSEWHERE), 5, opd=ELSEWHERE),
        _event(_updated(OTHER, opd=OPD), 6, subject=OTHER, opd=ELSEWHERE),
    ]
    assert opd_state(OPD, _at(3), events)["employees"]["count"] == 1
    assert opd_state(OPD, _at(5), events)["employees"]["count"] == 0
    assert opd_state(OPD, _at(6), events)["employees"]["count"] == 1
    assert opd_state(ELSEWHERE, _at(6), events)["employees"]["count"] == 1


def test_the_opd_reports_and_sanctions() -> None:
    events = [
        _event(_registered(), 0),
        _event(_submitted("RP1", 1), 1),
        _event(_submitted("RP2", 1, date(2026, 3, 3)), 2),
        _event(_submitted("RP3", 1, date(2026, 3, 4)), 3),
        _event(_reviewed("RP1", 1, "accepted"), 4),
        _event(_reviewed("RP2", 1, "returned"), 5),
        _event(_sanction(date(2026, 3, 1), None), 6),
    ]
    state = opd_state(OPD, _at(10), events)
    assert state["reports"] == {"submitted": 3, "accepted": 1, "returned": 1, "awaiting_review": 1}
    assert state["employees"]["sanctions_in_force"] == 1


def test_readiness_keeps_the_latest_assessment_of_each_scope() -> None:
    events = [
        _event(_readiness(None, date(2026, 2, 1), 60), 1, subject=BOSS),
        _event(_readiness(None, date(2026, 1, 1), 10), 2, subject=BOSS),  # older, recorded later
        _event(_readiness("keuangan", date(2026, 2, 1), 40), 3, subject=BOSS),
        _event(_readiness("keuangan", date(2026, 2, 1), 45), 4, subject=BOSS),  # same day, later
    ]
    readiness = opd_state(OPD, _at(5), events)["readiness"]
    assert readiness["assessments"] == 4
    assert readiness["opd"]["infrastructure_score"] == 60
    assert readiness["units"]["keuangan"]["infrastructure_score"] == 45


def test_geofences_and_accesses_are_counted() -> None:
    fence = example_payloads()["GeofenceSet"]
    assert isinstance(fence, GeofenceSet)
    fence = fence.model_copy(update={"opd_id": OPD})
    other = fence.model_copy(update={"geofence_id": _ulid()})
    retired = GeofenceRetired(geofence_id=fence.geofence_id, opd_id=OPD)
    access = example_payloads()["PersonalDataAccessed"]
    events = [
        _event(fence, 1, subject=BOSS),
        _event(other, 2, subject=BOSS),
        _event(retired, 3, subject=BOSS),
        _event(access, 4),
    ]
    assert opd_state(OPD, _at(2), events)["geofences"] == {"active": 2}
    state = opd_state(OPD, _at(5), events)
    assert state["geofences"] == {"active": 1}
    assert state["personal_data_accesses"] == 1


def test_events_of_another_opd_are_not_applied() -> None:
    events = [
        _event(_requested("R3", nip=OTHER), 1, subject=OTHER, opd=ELSEWHERE),
        _event(_check_in(date(2026, 3, 2), nip=OTHER), 2, subject=OTHER, opd=ELSEWHERE),
    ]
    state = opd_state(OPD, _at(5), events)
    assert state["events_applied"] == 0
    assert state["requests"]["total"] == 0


def test_unfolded_types_in_an_opd_are_counted() -> None:
    events = [
        _event(example_payloads()["MonthlySummaryPublished"], 1),
        _event(HeartbeatReceived(heartbeat_id=_ulid(), **_presence(date(2026, 3, 2), 9)), 2),
    ]
    state = opd_state(OPD, _at(5), events)
    assert state["events_applied"] == 2
    assert state["not_folded"] == {"HeartbeatReceived": 1, "MonthlySummaryPublished": 1}
