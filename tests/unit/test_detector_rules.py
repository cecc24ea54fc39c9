"""The detector's rules on plain values: no broker, no faust."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kernel.thresholds import AttendanceThresholds
from schemas.ids import derived_ulid
from services.detector.domain.shared_cells import day_cell_key, observe_in_cell
from services.detector.domain.track import LocationPoint, observe_point
from services.detector.domain.workdays import (
    PresenceSignal,
    day_deadline,
    observe_signal,
    overdue_check_outs,
)
from services.detector.restricted import restricted_internal_topics
from services.runtime.settings import Settings

T = AttendanceThresholds()
DAY = date(2026, 3, 3)
H = 3_600_000
BASE_MS = int(datetime(2026, 3, 3, 1, 0, tzinfo=UTC).timestamp() * 1000)


def point(nip: str, hour: float, lat: float, lon: float, eid: str, **kw: object) -> LocationPoint:
    return LocationPoint(
        event_id=eid,
        nip=nip,
        opd_id="opd",
        work_date=DAY,
        at_ms=BASE_MS + int(hour * H),
        lat=lat,
        lon=lon,
        **kw,  # type: ignore[arg-type]
    )


def test_impossible_travel_judged_by_time_not_arrival() -> None:
    state, found = observe_point(None, point("1", 2, -6.2, 106.8, "b"), T)
    assert found == []
    state, found = observe_point(state, point("1", 1.5, -7.25, 112.7, "a"), T)
    assert [f.kind for f in found] == ["impossible_travel"]
    assert found[0].evidence["speed_kmh"] > 1000  # type: ignore[operator]
    assert found[0].seed.endswith("|a")
    again, found_again = observe_point(state, point("1", 1.5, -7.25, 112.7, "a"), T)
    assert again is None and found_again == []  # a redelivered point changes nothing


def test_noise_and_plausible_trips_are_not_travel() -> None:
    state, found = observe_point(None, point("1", 0, -6.2, 106.8, "a"), T)
    state, found2 = observe_point(state, point("1", 1, -6.3, 106.85, "b"), T)  # ~12 km/h
    state, found3 = observe_point(state, point("1", 1.001, -6.3001, 106.85, "c"), T)
    assert found == found2 == found3 == []


def test_static_once_per_day_and_only_when_never_moving() -> None:
    state = None
    kinds: list[str] = []
    for i, hour in enumerate((0, 1, 2, 3, 4)):
        state, found = observe_point(state, point("1", hour, -6.1234567, 106.7654321, str(i)), T)
        kinds += [f.kind for f in found]
    assert kinds == ["static_coordinates"]
    moving = None
    for i, hour in enumerate((0, 1, 2, 3)):
        moving, found = observe_point(moving, point("2", hour, -6.12 + i * 1e-5, 106.7, str(i)), T)
        assert found == []


def test_mock_location_is_per_signal() -> None:
    _, found = observe_point(None, point("1", 0, -6.2, 106.8, "m", mock_location=True), T)
    assert [f.kind for f in found] == ["mock_location"]
    assert "cell" in found[0].evidence and found[0].evidence["cell"] == "-6.20,106.80"


def test_shared_cell_flags_everyone_once_when_the_count_is_reached() -> None:
    state = None
    flagged: list[str] = []
    for i in range(5):
        p = point(f"n{i}", i, -6.2000001, 106.8000001, f"e{i}")
        assert day_cell_key(p, 6) == "2026-03-03|-6.200000,106.800000"
        state, found = observe_in_cell(state, p, T)
        flagged += [f.nip for f in found]
    assert flagged == ["n0", "n1", "n2", "n3", "n4"]
    same, found = observe_in_cell(state, point("n0", 9, -6.2, 106.8, "x"), T)
    assert same is None and found == []
    ids = {f.anomaly_id for f in observe_in_cell(None, point("z", 0, 1, 1, "q"), T)[1]}
    assert ids == set()


def test_once_a_day_ids_do_not_depend_on_the_signal() -> None:
    a = observe_in_cell(
        {"people": {"x": ["o", 0, "e", False], "y": ["o", 0, "f", False]}},
        point("z", 1, 0, 0, "s1"),
        T,
    )[1]
    b = observe_in_cell(
        {"people": {"x": ["o", 0, "e", False], "y": ["o", 0, "f", False]}},
        point("z", 5, 0, 0, "s2"),
        T,
    )[1]
    assert [f.anomaly_id for f in a] == [f.anomaly_id for f in b]
    midnight = int(datetime(2026, 3, 3, tzinfo=UTC).timestamp() * 1000)
    assert a[0].anomaly_id == derived_ulid("shared_coordinates|x|2026-03-03", midnight)


def signal(kind: str, eid: str, hour: float, **kw: object) -> PresenceSignal:
    return PresenceSignal(
        kind=kind,  # type: ignore[arg-type]
        event_id=eid,
        nip="1",
        opd_id="opd",
        at_ms=BASE_MS + int(hour * H),
        work_date=DAY,
        timezone="WITA",
        working_day=True,
        **kw,  # type: ignore[arg-type]
    )


def test_late_only_for_the_first_check_in() -> None:
    state, found = observe_signal(None, signal("check_in", "a", 0, minutes_after_start=0), T)
    assert found == []
    _, found = observe_signal(state, signal("check_in", "b", 2, minutes_after_start=120), T)
    assert found == []
    _, found = observe_signal(None, signal("check_in", "c", 0, minutes_after_start=15), T)
    assert [f.kind for f in found] == ["late_check_in"]


def test_missing_check_out_after_local_midnight() -> None:
    state, _ = observe_signal(None, signal("check_in", "a", 0), T)
    assert state is not None
    deadline = day_deadline(DAY, "WITA", 0)
    assert deadline == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    before, found = overdue_check_outs(state, "1", datetime(2026, 3, 3, 15, 59, tzinfo=UTC), T)
    assert before is None and found == []
    after, found = overdue_check_outs(state, "1", deadline, T)
    assert [f.kind for f in found] == ["missing_check_out"]
    assert after is not None and overdue_check_outs(after, "1", deadline, T)[1] == []
    closed, _ = observe_signal(state, signal("check_out", "b", 8), T)
    assert closed is not None and overdue_check_outs(closed, "1", deadline, T)[1] == []


def test_a_day_synced_after_it_ended_waits_one_sweep_for_its_check_out() -> None:
    synced = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # the day ended at 16:00 UTC the day before
    received_ms = int(synced.timestamp() * 1000)
    state, _ = observe_signal(None, signal("check_in", "a", 0, received_ms=received_ms), T)
    assert state is not None
    soon = synced + timedelta(seconds=T.sweep_interval_s - 1)
    assert overdue_check_outs(state, "1", soon, T) == (None, [])
    closed, _ = observe_signal(state, signal("check_out", "b", 8, received_ms=received_ms), T)
    assert closed is not None
    later = synced + timedelta(seconds=T.sweep_interval_s)
    assert overdue_check_outs(closed, "1", later, T)[1] == []
    _, found = overdue_check_outs(state, "1", later, T)
    assert [f.kind for f in found] == ["missing_check_out"]


def hb(eid: str, hour: float, seq: int) -> PresenceSignal:
    return signal("heartbeat", eid, hour, device_id="d", device_seq=seq)


def test_sequence_tampering() -> None:
    state, found = observe_signal(None, hb("a", 1, 1), T)
    state, found = observe_signal(state, hb("b", 0.5, 2), T)
    assert [f.evidence["pattern"] for f in found] == ["time_went_back"]
    state, found = observe_signal(state, hb("c", 2, 2), T)
    assert [f.evidence["pattern"] for f in found] == ["repeated_seq"]
    _, found = observe_signal(state, hb("d", 3, 3), T)
    assert found == []
    # less than a minute back is clock noise, not tampering
    ok, _ = observe_signal(None, hb("e", 1, 1), T)
    _, found = observe_signal(ok, hb("f", 0.99, 2), T)
    assert found == []


def test_restricted_internal_topics_follow_the_detector_group() -> None:
    own = Settings(SERVICE_NAME="detector", KAFKA_GROUP_ID="wfa-detector-x")  # type: ignore[call-arg]
    assert restricted_internal_topics(own) == [
        "wfa-detector-x-day-cell-repartition",
        "wfa-detector-x-tracks-changelog",
        "wfa-detector-x-cells-changelog",
    ]
    other = Settings(SERVICE_NAME="attendance", KAFKA_GROUP_ID="wfa-attendance-y")  # type: ignore[call-arg]
    assert restricted_internal_topics(other)[0] == "wfa-detector-day-cell-repartition"
