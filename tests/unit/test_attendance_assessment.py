"""Deriving where an employee should be, whether a signal met it, and the edge anomalies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from kernel.geometry import Circle, Polygon
from kernel.policy import OpdPolicy, PolicyHistory, default_policy
from kernel.refusal import Refusal
from kernel.thresholds import AttendanceThresholds
from kernel.working_time import WorkingTime
from schemas.events import AttendanceAnomalyDetected, CheckedIn, GeoPoint, LocationRecorded
from schemas.ids import derived_ulid
from services.attendance.domain.assessment import (
    ApprovedWfa,
    Assessment,
    Fence,
    Reference,
    Signal,
    assess,
    office_reference,
)
from services.attendance.domain.presence_events import DeviceFacts, presence_events
from services.attendance.domain.timing import (
    WorkDay,
    check_receipt_time,
    minutes_after_start,
    work_day,
)

NIP = "199001012015031001"
OPD = "dinas-uji"
T = AttendanceThresholds()
OFFICE = (-6.1816, 106.8289)
HOME = (-6.26037, 106.78042)  # about 10 km south-west of the office
TUESDAY = date(2026, 12, 1)
SATURDAY = date(2026, 12, 5)
# 07:25 WIB on Tuesday
CHECK_IN_AT = datetime(2026, 12, 1, 0, 25, tzinfo=UTC)


def _signal(
    location: tuple[float, float] | None = OFFICE,
    *,
    at: datetime = CHECK_IN_AT,
    received_at: datetime | None = None,
    sent_at: datetime | None = None,
    declared: str | None = None,
    kind: str = "check_in",
    offline: bool = False,
) -> Signal:
    return Signal(
        kind=kind,  # type: ignore[arg-type]
        nip=NIP,
        event_id="01KSIGNAL0000000000000000A",
        at=at,
        received_at=received_at or at + timedelta(seconds=1),
        sent_at=sent_at,
        recorded_offline=offline,
        location=location,
        accuracy_m=8.0,
        declared_mode=declared,  # type: ignore[arg-type]
    )


def _day(at: datetime = CHECK_IN_AT, history: PolicyHistory | None = None) -> WorkDay:
    return work_day(at, OPD, history)


def _office() -> Reference:
    reference = office_reference(None, None, OFFICE, T)
    assert reference is not None
    return reference


def _kinds(assessment: Assessment) -> list[str]:
    return [anomaly.kind for anomaly in assessment.anomalies]


# where the employee should be --------------------------------------------------------------


def test_the_geofence_in_force_is_the_units_then_the_opds_then_the_roster_office() -> None:
    unit = Fence("gf-unit", Circle(OFFICE, 50.0))
    opd = Fence("gf-opd", Polygon(((0.0, 0.0), (0.0, 1.0), (1.0, 1.0))))
    chosen = office_reference(unit, opd, OFFICE, T)
    assert chosen is not None and chosen.reference_id == "gf-unit"
    assert chosen.thresholds == {"geofence": "circle", "radius_m": 50.0}
    chosen = office_reference(None, opd, OFFICE, T)
    assert chosen is not None and chosen.reference_id == "gf-opd"
    assert chosen.thresholds == {"geofence": "polygon", "vertices": 3}
    fallback = office_reference(None, None, OFFICE, T)
    assert fallback is not None and fallback.reference_id is None
    assert fallback.shape == Circle(OFFICE, T.office_radius_m)
    assert office_reference(None, None, None, T) is None


def test_an_honest_office_check_in_raises_nothing() -> None:
    assessment = assess(_signal(declared="office"), _day(), _office(), None, T)
    place = assessment.place
    assert place is not None
    assert (place.derived_mode, place.declared_mode) == ("office", "office")
    assert (place.reference, place.inside, place.distance_band) == (
        "office_geofence",
        True,
        "within_100m",
    )
    assert place.cell == "-6.18,106.83"
    assert assessment.anomalies == ()
    assert assessment.minutes_after_start == -5
    assert assessment.late_synced is False


def test_an_approved_wfa_day_is_measured_against_the_wfa_location() -> None:
    wfa = ApprovedWfa("req-1", HOME)
    near_home = (HOME[0] + 0.002, HOME[1])  # about 220 m
    assessment = assess(_signal(near_home, declared="wfa"), _day(), _office(), wfa, T)
    place = assessment.place
    assert place is not None
    assert (place.derived_mode, place.reference, place.reference_id) == (
        "wfa",
        "wfa_location",
        "req-1",
    )
    assert (place.inside, place.distance_band) == (True, "100m_500m")
    assert assessment.anomalies == ()


def test_outside_the_geofence_on_an_office_day() -> None:
    assessment = assess(_signal(HOME), _day(), _office(), None, T)
    assert _kinds(assessment) == ["outside_geofence"]
    anomaly = assessment.anomalies[0]
    assert anomaly.evidence["distance_band"] == "5km_20km"
    distance = anomaly.evidence["distance_m"]
    assert isinstance(distance, int) and distance % 10 == 0 and 9_000 < distance < 11_000
    assert anomaly.thresholds == {
        "geofence": "roster_office_location",
        "office_radius_m": T.office_radius_m,
    }
    assert str(distance) in anomaly.message_id and str(distance) in anomaly.message_en
    assert not any(isinstance(v, float) and abs(v) in (abs(HOME[0]), abs(HOME[1]))
                   for v in anomaly.evidence.values())  # fmt: skip


def test_outside_a_polygon_geofence() -> None:
    square = Polygon(((-6.1826, 106.8279), (-6.1826, 106.8299), (-6.1806, 106.8299),
                      (-6.1806, 106.8279)))  # fmt: skip
    office = office_reference(None, Fence("gf-square", square), None, T)
    inside = assess(_signal(OFFICE), _day(), office, None, T)
    assert inside.anomalies == () and inside.place is not None and inside.place.inside
    outside = assess(_signal((-6.1796, 106.8289)), _day(), office, None, T)
    assert _kinds(outside) == ["outside_geofence"]
    assert outside.anomalies[0].evidence["distance_m"] == 110
    assert outside.anomalies[0].evidence["reference_id"] == "gf-square"


def test_far_from_the_approved_wfa_location() -> None:
    wfa = ApprovedWfa("req-2", HOME)
    assessment = assess(_signal(OFFICE, declared="wfa"), _day(), _office(), wfa, T)
    assert _kinds(assessment) == ["far_from_wfa_location"]
    anomaly = assessment.anomalies[0]
    assert anomaly.evidence["reference_id"] == "req-2"
    assert anomaly.thresholds == {"wfa_radius_m": T.wfa_radius_m}


def test_remote_without_approval() -> None:
    assessment = assess(_signal(HOME, declared="wfa"), _day(), _office(), None, T)
    assert sorted(_kinds(assessment)) == ["outside_geofence", "remote_without_approval"]
    # at the office, declaring WFA without approval is still remote without approval
    at_office = assess(_signal(OFFICE, declared="wfa"), _day(), _office(), None, T)
    assert _kinds(at_office) == ["remote_without_approval"]


def test_mode_mismatch() -> None:
    wfa = ApprovedWfa("req-3", HOME)
    assessment = assess(_signal(HOME, declared="office"), _day(), _office(), wfa, T)
    assert _kinds(assessment) == ["mode_mismatch"]
    assert assessment.anomalies[0].evidence["reference_id"] == "req-3"


def test_no_reference_means_no_place_anomaly() -> None:
    assessment = assess(_signal(HOME), _day(), None, None, T)
    place = assessment.place
    assert place is not None
    assert (place.reference, place.inside, place.distance_band) == ("none", None, "unknown")
    assert assessment.anomalies == ()


def test_nobody_is_expected_anywhere_on_a_non_working_day() -> None:
    saturday = datetime.combine(SATURDAY, time(9, 0), tzinfo=UTC)
    day = _day(saturday)
    assert day.working_day is False
    assessment = assess(_signal(HOME, at=saturday, declared="wfa"), day, _office(), None, T)
    assert assessment.anomalies == ()
    assert assessment.minutes_after_start is None


# the device clock and the offline queue ------------------------------------------------------


def test_clock_tampering_sent_at_far_from_the_receipt() -> None:
    received = CHECK_IN_AT + timedelta(seconds=2)
    honest = assess(_signal(sent_at=received, received_at=received), _day(), _office(), None, T)
    assert honest.anomalies == ()
    skewed = received - timedelta(seconds=T.clock_skew_tolerance_s + 60)
    tampered = assess(_signal(sent_at=skewed, received_at=received), _day(), _office(), None, T)
    assert _kinds(tampered) == ["clock_tampering"]
    assert tampered.anomalies[0].evidence["sent_vs_receipt_s"] == -(T.clock_skew_tolerance_s + 60)


def test_clock_tampering_event_after_sending() -> None:
    received = CHECK_IN_AT + timedelta(seconds=2)
    sent = CHECK_IN_AT - timedelta(minutes=1)  # "sent" a minute before it happened
    assessment = assess(_signal(sent_at=sent, received_at=received), _day(), _office(), None, T)
    assert _kinds(assessment) == ["clock_tampering"]
    assert assessment.anomalies[0].evidence["at_after_sent_s"] == 60


def test_an_offline_record_within_tolerance_is_late_synced_and_honest() -> None:
    received = CHECK_IN_AT + timedelta(hours=30)
    check_receipt_time(CHECK_IN_AT, received, T)  # accepted
    signal = _signal(received_at=received, sent_at=received, offline=True)
    assessment = assess(signal, _day(), _office(), None, T)
    assert assessment.late_synced is True
    assert assessment.anomalies == ()
    assert assessment.day.work_date == TUESDAY
    # received late but not flagged offline: late-synced all the same
    late = assess(_signal(received_at=CHECK_IN_AT + timedelta(minutes=10)), _day(), _office(),
                  None, T)  # fmt: skip
    assert late.late_synced is True


def test_too_old_or_future_device_times_are_refused() -> None:
    with pytest.raises(Refusal) as too_old:
        check_receipt_time(CHECK_IN_AT, CHECK_IN_AT + timedelta(hours=73), T)
    assert too_old.value.code == "offline_record_too_old"
    assert "72" in too_old.value.message_id and "72" in too_old.value.message_en
    with pytest.raises(Refusal) as future:
        check_receipt_time(CHECK_IN_AT + timedelta(minutes=10), CHECK_IN_AT, T)
    assert future.value.code == "presence_time_in_future"
    check_receipt_time(CHECK_IN_AT + timedelta(minutes=4), CHECK_IN_AT, T)


# local time zones --------------------------------------------------------------------------


def _history(timezone: str, start: time = time(7, 30)) -> PolicyHistory:
    policy = OpdPolicy.from_settings(
        OPD,
        1,
        date(2026, 1, 1),
        {"timezone": timezone, "working_time": WorkingTime(start=start).model_dump(mode="json")},
    )
    return PolicyHistory(opd_id=OPD, policies=(policy,))


@pytest.mark.parametrize(
    ("zone", "minutes"), [("WIB", 15), ("WITA", 75), ("WIT", 135)]
)  # fmt: skip
def test_minutes_after_start_in_the_opds_time_zone(zone: str, minutes: int) -> None:
    at = datetime(2026, 12, 1, 0, 45, tzinfo=UTC)  # 07:45 WIB, 08:45 WITA, 09:45 WIT
    day = _day(at, _history(zone))
    assert (day.timezone, day.work_date, day.working_day) == (zone, TUESDAY, True)
    assert minutes_after_start(at, day) == minutes


def test_the_work_date_is_the_local_date() -> None:
    # 23:30 UTC on Monday is already Tuesday in WIB, WITA and WIT
    at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert _day(at, _history("WIB")).work_date == TUESDAY
    # 16:30 UTC on Monday: Monday 23:30 WIB, Tuesday 00:30 WITA
    evening = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert _day(evening, _history("WIB")).work_date == date(2026, 11, 30)
    assert _day(evening, _history("WITA")).work_date == TUESDAY
    # no policy published: the default (WIB)
    assert _day(evening).policy == default_policy(OPD)


# events --------------------------------------------------------------------------------------


def test_events_carry_derived_facts_and_the_precise_position_only_in_the_restricted_one() -> None:
    signal = _signal(HOME, declared="wfa")
    assessment = assess(signal, _day(), _office(), None, T)
    device = DeviceFacts("hp-1", 7, False, GeoPoint(lat=HOME[0], lon=HOME[1]))
    events = presence_events(signal, assessment, device, "01KLOCATION000000000000000")
    checked_in, recorded, *anomalies = events
    assert isinstance(checked_in, CheckedIn) and isinstance(recorded, LocationRecorded)
    assert checked_in.location_id == recorded.location_id == "01KLOCATION000000000000000"
    assert recorded.source_event_id == checked_in.checkin_id == signal.event_id
    assert recorded.location.lat == HOME[0]
    assert str(HOME[0]) not in checked_in.model_dump_json()
    assert checked_in.place.cell == "-6.26,106.78"
    assert checked_in.device_seq == 7 and checked_in.minutes_after_start == -5
    assert {a.kind for a in anomalies if isinstance(a, AttendanceAnomalyDetected)} == {
        "outside_geofence",
        "remote_without_approval",
    }
    for anomaly in anomalies:
        assert isinstance(anomaly, AttendanceAnomalyDetected)
        assert anomaly.detected_by == "edge" and anomaly.source_event_ids == [signal.event_id]
        seed = f"{anomaly.kind}|{NIP}|{TUESDAY.isoformat()}|{signal.event_id}"
        assert anomaly.anomaly_id == derived_ulid(seed, int(signal.at.timestamp() * 1000))
        assert str(HOME[0]) not in anomaly.model_dump_json()


def test_a_heartbeat_has_no_place() -> None:
    signal = _signal(None, kind="heartbeat")
    assessment = assess(signal, _day(), _office(), None, T)
    assert assessment.place is None and assessment.anomalies == ()
    events = presence_events(signal, assessment, DeviceFacts("hp-1"), None)
    assert [type(e).__name__ for e in events] == ["HeartbeatReceived"]
