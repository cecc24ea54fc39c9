"""Privacy and geofence rules without I/O: polygons, partitions, day windows, archive topics,
the purge cutoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aiokafka.partitioner import murmur2

from kernel.geometry import LatLon, PolygonProblem, polygon_problems
from schemas import Envelope, GeofenceRetired, GeofenceSet, GeoPoint, new_event
from schemas.events import CircleShape
from schemas.topics import ACCESS, DEVICES, GEOFENCES, LOCATIONS, RESTRICTED_TOPICS
from services.attendance.geofence_routes import fold_geofences, polygon_texts
from services.attendance.location_reader import day_window, partition_for_key
from services.attendance.purge import cutoff_ms, restricted_topics
from services.audit.domain.archive import archived_topics
from services.runtime.settings import Settings

ADMIN = "198001012005011001"


def _points(*pairs: tuple[float, float]) -> list[LatLon]:
    return list(pairs)


def test_a_simple_polygon_passes() -> None:
    square = _points((-6.1, 106.8), (-6.1, 106.9), (-6.2, 106.9), (-6.2, 106.8))
    assert polygon_problems(square) == []


def test_a_triangle_passes_and_a_concave_polygon_too() -> None:
    assert polygon_problems(_points((0, 0), (0, 1), (1, 0))) == []
    arrow = _points((0, 0), (2, 1), (0, 2), (1, 1))
    assert polygon_problems(arrow) == []


def test_a_bow_tie_intersects_itself() -> None:
    bow_tie = _points((0, 0), (1, 1), (1, 0), (0, 1))
    assert polygon_problems(bow_tie) == [PolygonProblem("edges_cross", first_edge=1, second_edge=3)]
    assert polygon_texts(bow_tie) == ["edge 1 crosses edge 3: the polygon intersects itself"]


def test_fewer_than_three_distinct_points_are_refused() -> None:
    assert polygon_texts(_points((0, 0), (0, 0), (1, 1))) == ["needs at least 3 distinct points"]


def test_collinear_points_have_no_area() -> None:
    collinear = _points((0, 0), (1, 1), (2, 2))
    assert polygon_problems(collinear) == [PolygonProblem("no_area")]
    assert polygon_texts(collinear) == ["the points lie on one line: the polygon has no area"]


def test_repeated_consecutive_points_are_refused() -> None:
    repeated = _points((0, 0), (1, 0), (1, 0), (0, 1))
    assert polygon_texts(repeated) == ["consecutive points repeat"]


def test_the_partition_is_the_producers_murmur2() -> None:
    # the Java client's murmur2 (as aiokafka's producer): positive hash modulo the count
    for nip in ("199001012015031001", "198512302010122002", "197707072002071003"):
        key = nip.encode()
        expected = (murmur2(key) & 0x7FFFFFFF) % 6
        assert partition_for_key(key, [5, 4, 3, 2, 1, 0]) == expected


def test_the_day_window_covers_every_indonesian_time_zone() -> None:
    day = date(2026, 3, 2)
    window = day_window(day, late_sync=timedelta(hours=72))
    assert window.start_ms is not None and window.stop_ms is not None
    wit_start = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)  # 00:00 WIT (UTC+9)
    wib_end = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 24:00 WIB (UTC+7)
    assert window.start_ms <= wit_start.timestamp() * 1000
    late = wib_end + timedelta(hours=72)
    assert window.stop_ms >= late.timestamp() * 1000
    assert window.stop_ms - window.start_ms < (24 + 28 + 72 + 1) * 3_600_000


def _set(geofence_id: str, opd: str, unit: str | None) -> tuple[Envelope, GeofenceSet]:
    payload = GeofenceSet(
        geofence_id=geofence_id,
        opd_id=opd,
        work_unit_id=unit,
        name="Balai Kota",
        shape=CircleShape(center=GeoPoint(lat=-6.18, lon=106.82), radius_m=150),
        set_by=ADMIN,
    )
    return new_event(payload, actor=ADMIN, subject=ADMIN, opd_id=opd), payload


def _retire(geofence_id: str, opd: str, unit: str | None) -> tuple[Envelope, GeofenceRetired]:
    payload = GeofenceRetired(geofence_id=geofence_id, opd_id=opd, work_unit_id=unit)
    return new_event(payload, actor=ADMIN, subject=ADMIN, opd_id=opd), payload


def test_one_geofence_per_scope_and_retirement_by_id() -> None:
    events = [
        _set("g1", "opd-a", None),
        _set("g2", "opd-a", "unit-1"),
        _set("g3", "opd-a", None),  # replaces g1
        _retire("g1", "opd-a", None),  # no longer in force: nothing happens
        _set("g4", "opd-b", None),
        _retire("g4", "opd-b", None),
    ]
    assert sorted(fold_geofences(events)) == ["g2", "g3"]


def test_audit_never_archives_restricted_topics_but_archives_the_new_ones() -> None:
    topics = archived_topics()
    assert LOCATIONS in RESTRICTED_TOPICS
    assert not set(topics) & RESTRICTED_TOPICS
    assert {ACCESS, DEVICES, GEOFENCES} <= set(topics)


def test_the_purge_covers_every_restricted_topic_and_cuts_at_the_retention() -> None:
    settings = Settings(LOCATION_RETENTION_DAYS=0.5)  # type: ignore[call-arg]
    topics = restricted_topics(settings)
    assert LOCATIONS in topics
    assert len(topics) > len(RESTRICTED_TOPICS)  # the detector's own topics too
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert cutoff_ms(now, settings.location_retention_ms) == int(
        datetime(2026, 3, 2, 0, 0, tzinfo=UTC).timestamp() * 1000
    )
