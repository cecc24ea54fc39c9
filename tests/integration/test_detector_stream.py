"""The stream detector on the real broker: each anomaly kind from a crafted track, honest
tracks beside them raising nothing, and a synthetic day of 5,000 ASN with a planted cluster.

Events are published as the attendance API would (the contract's envelopes, keyed by NIP);
the detector runs as its own process; anomalies are read back from ``wfa.attendance.v1``.
Every test waits until the detector has committed past everything it published (so honest
tracks have been judged too) before it asserts.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from schemas import new_event
from schemas.events import (
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    HeartbeatReceived,
    LocationRecorded,
    PlaceAssessment,
)
from schemas.ids import new_ulid
from schemas.serialization import KafkaRecord, read_event, to_record
from schemas.topics import ATTENDANCE, LOCATIONS
from services.detector.restricted import day_cell_topic
from tests.support.presence_events import pinged_position
from tests.support.processes import ServiceProcess, detector_from_now
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

SWEEP_S = 1.0
WAIT_S = 240.0
OPD = f"opd-detector-{uuid.uuid4().hex[:8]}"
RNG = random.Random(uuid.uuid4().int)
#: a base position of this run, so that coordinates never meet those of earlier runs
BASE = (-6.2 + RNG.uniform(-0.4, 0.4), 106.8 + RNG.uniform(-0.4, 0.4))
DAY = date.today() - timedelta(days=3)
COORDINATES = re.compile(r"-?\d+\.\d+,-?\d+\.\d+")


@pytest.fixture(scope="module")
def detector(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A detector that judges what this module sends, not the session's whole history."""
    data: Path = tmp_path_factory.mktemp("detector")
    with detector_from_now(
        kafka_bootstrap, data, {"ATTENDANCE_SWEEP_INTERVAL_S": str(SWEEP_S)}
    ) as detector:
        yield detector, detector.group


# building events ----------------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time of ``day`` in WIB (UTC+7), in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC) - timedelta(
        hours=7
    )


def location(
    nip: str,
    when: datetime,
    lat: float,
    lon: float,
    *,
    day: date = DAY,
    mock: bool = False,
    device_seq: int | None = None,
) -> KafkaRecord:
    return to_record(
        pinged_position(nip, OPD, when, lat, lon, day=day, mock=mock, device_seq=device_seq)
    )


def _place() -> PlaceAssessment:
    return PlaceAssessment(
        derived_mode="office",
        reference="none",
        inside=None,
        distance_band="unknown",
        cell=f"{BASE[0]:.2f},{BASE[1]:.2f}",
    )


def presence(
    kind: str,
    nip: str,
    when: datetime,
    *,
    day: date = DAY,
    minutes: int | None = 0,
    device_seq: int | None = None,
    working_day: bool = True,
) -> KafkaRecord:
    common: dict[str, Any] = {
        "nip": nip,
        "at": when,
        "received_at": when + timedelta(seconds=1),
        "work_date": day,
        "timezone": "WIB",
        "working_day": working_day,
        "device_id": "dev-1",
        "device_seq": device_seq,
    }
    payload: Any
    if kind == "in":
        payload = CheckedIn(
            **common,
            place=_place(),
            location_id=new_ulid(),
            checkin_id=new_ulid(),
            minutes_after_start=minutes,
        )
    elif kind == "out":
        payload = CheckedOut(
            **common, place=_place(), location_id=new_ulid(), checkout_id=new_ulid()
        )
    else:
        payload = HeartbeatReceived(**common, heartbeat_id=new_ulid())
    return to_record(new_event(payload, actor=nip, subject=nip, opd_id=OPD, occurred_at=when))


# talking to the broker ----------------------------------------------------------------------


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()  # fetches the metadata of the topics
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in consumer.partitions_for_topic(topic) or set()
        ]
        assert partitions, f"no partitions found for {topics}"
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def publish(bootstrap: str, records: list[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    try:
        sent = [
            await producer.send(r.topic, key=r.key, value=r.value, headers=r.headers)
            for r in records
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def caught_up(bootstrap: str, group: str, proc: ServiceProcess) -> None:
    """Wait until the detector committed past the current end of its inputs, then past the
    end its repartition topic had by then."""
    for topics in ([LOCATIONS, ATTENDANCE], [day_cell_topic(group)]):
        target = await end_offsets(bootstrap, topics)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        deadline = time.monotonic() + WAIT_S
        try:
            while True:
                committed = await admin.list_consumer_group_offsets(group)
                behind = {
                    tp: end
                    for tp, end in target.items()
                    if end > 0 and (committed.get(tp) is None or committed[tp].offset < end)
                }
                if not behind:
                    break
                assert proc.process.poll() is None, proc.log_tail()
                assert time.monotonic() < deadline, f"detector behind on {behind}"
                await asyncio.sleep(0.2)
        finally:
            await admin.close()


async def stream_anomalies(
    bootstrap: str, since: dict[TopicPartition, int], nips: set[str]
) -> dict[str, list[AttendanceAnomalyDetected]]:
    """Anomalies the detector published about ``nips`` after ``since``."""
    keys = {nip.encode() for nip in nips}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    found: dict[str, list[AttendanceAnomalyDetected]] = defaultdict(list)
    try:
        consumer.assign(list(since))
        for tp, offset in since.items():
            consumer.seek(tp, offset)
        while batch := await consumer.getmany(timeout_ms=2000, max_records=5000):
            for messages in batch.values():
                for message in messages:
                    if message.key not in keys:
                        continue
                    payload = read_event(message.value).payload
                    if (
                        isinstance(payload, AttendanceAnomalyDetected)
                        and payload.detected_by == "stream"
                    ):
                        found[payload.nip].append(payload)
        return found
    finally:
        await consumer.stop()


async def run_tracks(
    bootstrap: str, detector: Any, records: list[KafkaRecord], nips: set[str], settle_s: float = 0
) -> dict[str, list[AttendanceAnomalyDetected]]:
    proc, group = detector
    since = await end_offsets(bootstrap, [ATTENDANCE])
    await publish(bootstrap, records)
    await caught_up(bootstrap, group, proc)
    if settle_s:
        await asyncio.sleep(settle_s)  # sweeps after everything was read
    return await stream_anomalies(bootstrap, since, nips)


def kinds(found: dict[str, list[AttendanceAnomalyDetected]], nip: str) -> set[str]:
    return {a.kind for a in found.get(nip, [])}


def near(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point about ``metres`` away (GPS noise)."""
    d = metres / 111_000
    return lat + RNG.uniform(-d, d), lon + RNG.uniform(-d, d)


# the fake-GPS kinds -----------------------------------------------------------------------


async def test_fake_gps_kinds_from_crafted_tracks(kafka_bootstrap: str, detector: Any) -> None:
    mock, jump, jump_late, static, honest_move, honest_still = (new_nip() for _ in range(6))
    sharers = [new_nip() for _ in range(3)]
    neighbour = new_nip()
    lat, lon = BASE
    records = [
        # the OS reported a mocked location
        location(mock, at(DAY, 8), *near(lat, lon, 30), mock=True),
        # Jakarta to Surabaya (about 660 km) in half an hour
        location(jump, at(DAY, 8), lat, lon),
        location(jump, at(DAY, 8, 30), lat - 1.06, lon + 5.9),
        # the same, arriving out of order (the later point first, from the offline queue)
        location(jump_late, at(DAY, 9), lat - 1.06, lon + 5.9),
        location(jump_late, at(DAY, 8, 45), lat + 0.001, lon),
        # four points over three hours, all on one exact coordinate
        *[location(static, at(DAY, h), lat + 0.0123, lon + 0.0456) for h in (8, 9, 10, 11)],
        # honest: home, then the office 15 km away an hour later, noisy all day
        location(honest_move, at(DAY, 7), lat + 0.1, lon + 0.05),
        *[location(honest_move, at(DAY, h), *near(lat, lon, 20)) for h in (8, 10, 12, 15)],
        # honest: sitting still all day, with the noise every real GPS has
        *[
            location(honest_still, at(DAY, h), *near(lat + 0.03, lon, 8))
            for h in (8, 9, 10, 11, 14)
        ],
        # three different ASN on one exact coordinate on one day, a neighbour a metre away
        *[
            location(nip, at(DAY, 7 + i), lat - 0.0311, lon + 0.0222)
            for i, nip in enumerate(sharers)
        ],
        location(neighbour, at(DAY, 9), lat - 0.03111, lon + 0.0222),
    ]
    nips = {mock, jump, jump_late, static, honest_move, honest_still, neighbour, *sharers}
    found = await run_tracks(kafka_bootstrap, detector, records, nips)

    assert kinds(found, mock) == {"mock_location"}
    assert kinds(found, jump) == {"impossible_travel"}
    assert kinds(found, jump_late) == {"impossible_travel"}
    assert kinds(found, static) == {"static_coordinates"}
    for nip in sharers:
        assert kinds(found, nip) == {"shared_coordinates"}, nip
    for nip in (honest_move, honest_still, neighbour):
        assert kinds(found, nip) == set(), (nip, found.get(nip))

    travel = found[jump][0]
    assert travel.evidence["speed_kmh"] > 1000  # type: ignore[operator]
    assert 600_000 < travel.evidence["distance_m"] < 720_000  # type: ignore[operator]
    assert travel.thresholds["impossible_speed_kmh"] == 300.0
    assert "km" in travel.message_id and "km" in travel.message_en
    shared = found[sharers[0]][0]
    assert shared.evidence["people"] == 3
    assert shared.work_date == DAY
    static_found = found[static][0]
    assert static_found.evidence["points"] == 4
    for anomalies in found.values():
        for anomaly in anomalies:  # positions in evidence are coarse cells (0.01°) only
            for value in anomaly.evidence.values():
                if isinstance(value, str) and COORDINATES.fullmatch(value):
                    assert all(len(part.split(".")[1]) <= 2 for part in value.split(",")), value


# lateness, missing check-out, the device sequence -----------------------------------------


async def test_workday_kinds_from_crafted_days(kafka_bootstrap: str, detector: Any) -> None:
    late, on_time, open_day, closed_day, open_today, tampered, repeated, honest_seq = (
        new_nip() for _ in range(8)
    )
    past = date.today() - timedelta(days=5)
    future = date.today() + timedelta(days=1)
    records = [
        presence("in", late, at(DAY, 8, 37), minutes=37),
        presence("in", on_time, at(DAY, 7, 55), minutes=-5),
        presence("in", on_time, at(DAY, 9, 30), minutes=90),  # not the first check-in
        presence("in", open_day, at(past, 7, 58), day=past),
        presence("in", closed_day, at(past, 7, 50), day=past),
        presence("out", closed_day, at(past, 16, 5), day=past),
        presence("in", open_today, at(future, 7, 50), day=future),
        # the sequence goes up while the device's time goes back 10 minutes
        presence("in", tampered, at(DAY, 8), device_seq=1),
        presence("hb", tampered, at(DAY, 7, 50), device_seq=2),
        # one sequence number used twice with different times
        presence("in", repeated, at(DAY, 8), device_seq=5),
        presence("hb", repeated, at(DAY, 9), device_seq=6),
        presence("hb", repeated, at(DAY, 9, 30), device_seq=6),
        # honest: increasing numbers and times, a check-out, heartbeats
        *[
            presence("hb" if i else "in", honest_seq, at(DAY, 8 + i), device_seq=10 + i)
            for i in range(4)
        ],
        presence("out", honest_seq, at(DAY, 16), device_seq=14),
        # every day above closed with a check-out, except open_day's and open_today's
        *[presence("out", nip, at(DAY, 16, 30)) for nip in (late, on_time, tampered, repeated)],
    ]
    nips = {late, on_time, open_day, closed_day, open_today, tampered, repeated, honest_seq}
    found = await run_tracks(kafka_bootstrap, detector, records, nips, settle_s=4 * SWEEP_S)

    assert kinds(found, late) == {"late_check_in"}
    assert found[late][0].evidence["minutes_after_start"] == 37
    assert kinds(found, open_day) == {"missing_check_out"}
    assert found[open_day][0].work_date == past
    assert kinds(found, tampered) == {"sequence_tampering"}
    assert found[tampered][0].evidence["pattern"] == "time_went_back"
    assert kinds(found, repeated) == {"sequence_tampering"}
    assert found[repeated][0].evidence["pattern"] == "repeated_seq"
    for nip in (on_time, closed_day, open_today, honest_seq):
        assert kinds(found, nip) == set(), (nip, found.get(nip))
    assert found[open_day][0].evidence["timezone"] == "WIB"


# the scale test ---------------------------------------------------------------------------


async def test_day_of_5000_asn_flags_exactly_the_planted_30(
    kafka_bootstrap: str, detector: Any
) -> None:
    day = date.today() - timedelta(days=2)
    offices = [
        (BASE[0] + RNG.uniform(-0.2, 0.2), BASE[1] + RNG.uniform(-0.2, 0.2)) for _ in range(5)
    ]
    honest = [new_nip() for _ in range(4_970)]
    planted = [new_nip() for _ in range(30)]
    # a spoofing app sends one fixed position, as typed into it: six decimals at most
    spoofed = (round(BASE[0] + 0.0777, 6), round(BASE[1] - 0.0555, 6))
    records: list[KafkaRecord] = []
    holders: dict[str, set[str]] = defaultdict(set)

    def noisy(nip: str, point: tuple[float, float], metres: float) -> tuple[float, float]:
        """GPS noise around ``point``, drawn again in the rare case that two other people
        already stand on the very same coordinate (six decimals): honest noise never crowds."""
        while True:
            lat, lon = near(*point, metres)
            cell = f"{lat:.6f},{lon:.6f}"
            if len(holders[cell] - {nip}) < 2:
                holders[cell].add(nip)
                return lat, lon

    for i, nip in enumerate(honest):
        office = offices[i % len(offices)]
        home = (office[0] + RNG.uniform(-0.05, 0.05), office[1] + RNG.uniform(-0.05, 0.05))
        records.append(
            location(nip, at(day, 6, RNG.randint(0, 59)), *noisy(nip, home, 15), day=day)
        )
        for hour in RNG.sample(range(8, 17), RNG.randint(1, 3)):
            when = at(day, hour, RNG.randint(0, 59))
            records.append(location(nip, when, *noisy(nip, office, 40), day=day))
    for i, nip in enumerate(planted):
        records.append(location(nip, at(day, 7, i), *spoofed, day=day))
        records.append(location(nip, at(day, 12, i), *spoofed, day=day))
    RNG.shuffle(records)
    # the honest noise alone never puts three people on one exact coordinate
    cells: dict[str, set[bytes]] = defaultdict(set)
    for record in records:
        payload = read_event(record.value).payload
        assert isinstance(payload, LocationRecorded)
        cells[f"{payload.location.lat:.6f},{payload.location.lon:.6f}"].add(record.key)
    crowded = {cell for cell, people in cells.items() if len(people) >= 3}
    assert crowded == {f"{spoofed[0]:.6f},{spoofed[1]:.6f}"}

    found = await run_tracks(kafka_bootstrap, detector, records, {*honest, *planted})
    shared = {
        nip
        for nip, anomalies in found.items()
        if any(a.kind == "shared_coordinates" for a in anomalies)
    }
    assert shared == set(planted)
    assert all(len({a.anomaly_id for a in found[nip]}) == 1 for nip in planted)
    assert set(found) == set(planted), sorted(set(found) - set(planted))[:5]
