"""Precise locations (UU PDP): who may read them, the access log, and the purge.

Attendance (and, for the purge, reporting and audit) run as real processes on a real broker.
Precise positions are published as ``LocationRecorded`` on the restricted topic with their
derived ``CheckedIn`` beside them, exactly as the attendance edge records them.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas import (
    EmployeeRegistered,
    Envelope,
    new_event,
)
from schemas.topics import ACCESS
from services.attendance.purge import purge_precise_locations
from services.runtime.edge.identity import Role
from services.runtime.kafka.broker import EventPublisher, topic_partitions
from services.runtime.settings import Settings
from tests.support.event_log import read_events
from tests.support.infra import own_kafka_broker
from tests.support.presence_events import check_in_with_position
from tests.support.processes import ServiceProcess, SharedPlatform, running_services
from tests.support.province import new_nip
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

ROUTE = "/attendance/locations/{nip}"


def _today() -> date:
    return datetime.now(UTC).date()


def _employee(
    nip: str, opd: str, unit: str, supervisor: str | None, heads: str | None = None
) -> Envelope:
    """A registration; ``heads`` names the OPD the roster records them head of."""
    payload = EmployeeRegistered(
        nip=nip,
        name=f"Pegawai {nip[-4:]}",
        opd_id=opd,
        work_unit_id=unit,
        position="Analis",
        position_category="administrasi",
        supervisor_nip=supervisor,
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
        heads_opd=heads,
        head_capacity="kepala" if heads else None,
    )
    return new_event(payload, actor="198001012005011001", subject=nip, opd_id=opd)


async def _publish(bootstrap: str, envelopes: list[Envelope]) -> None:
    publisher = EventPublisher([bootstrap], "test-location-privacy", publish_timeout_s=20)
    await publisher.start()
    try:
        await publisher.publish_many(envelopes)
    finally:
        await publisher.stop()


def _read(url: str, nip: str, headers: dict[str, str], day: date) -> httpx.Response:
    return httpx.get(
        f"{url}/attendance/locations/{nip}",
        params={"date": day.isoformat(), "purpose": "pembinaan pegawai"},
        headers=headers,
        timeout=60,
    )


def _get(url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=30)


# -- who may read ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def attendance(shared_platform: SharedPlatform) -> ServiceProcess:
    return shared_platform["attendance"]


async def test_only_the_owner_and_the_supervisor_of_record_read_and_every_other_read_is_logged(
    kafka_bootstrap: str, attendance: ServiceProcess
) -> None:
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    head, supervisor, other_supervisor, staff = new_nip(), new_nip(), new_nip(), new_nip()
    other_staff = new_nip()
    day = _today()
    await _publish(
        kafka_bootstrap,
        [
            _employee(head, opd, "pimpinan", None, heads=opd),
            _employee(supervisor, opd, "bidang-a", head),
            _employee(other_supervisor, opd, "bidang-b", head),
            _employee(staff, opd, "bidang-a", supervisor),
            _employee(other_staff, opd, "bidang-b", other_supervisor),
            *check_in_with_position(staff, opd, day, -6.1754321, 106.8271234),
            *check_in_with_position(staff, opd, day, -6.1754999, 106.8271999),
        ],
    )
    url = attendance.url

    own = _read(url, staff, bearer(Role.ASN, staff, opd), day)
    assert own.status_code == 200, own.text
    assert own.json()["count"] == 2
    assert {item["lat"] for item in own.json()["items"]} == {-6.1754321, -6.1754999}
    assert own.json()["access_id"] is None

    boss = _read(url, staff, bearer(Role.ATASAN, supervisor, opd), day)
    assert boss.status_code == 200, boss.text
    assert boss.json()["count"] == 2
    access_id = boss.json()["access_id"]
    assert access_id

    refused = [
        bearer(Role.ATASAN, other_supervisor, opd),  # a supervisor, not of record
        bearer(Role.KEPALA_OPD, head, opd),  # the head of the OPD
        bearer(Role.ADMIN_BKD, "198001012005011001", None),
        bearer(Role.AUDITOR, new_nip(), None),
        bearer(Role.ASN, new_nip(), opd),
    ]
    for headers in refused:
        answer = _read(url, staff, headers, day)
        assert answer.status_code == 403, answer.text
        error = answer.json()["error"]
        assert error["code"] == "location_access_denied"
        assert error["message_id"] and error["message_en"]
        assert "items" not in answer.json()

    # another day is empty; a malformed date is a bilingual 422
    other_day = _read(url, staff, bearer(Role.ASN, staff, opd), date(2020, 1, 2))
    assert other_day.status_code == 200 and other_day.json()["count"] == 0
    bad = _get(f"{url}/attendance/locations/{staff}?date=2026-13-01", bearer(Role.ASN, staff, opd))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"

    accesses = await read_events(
        kafka_bootstrap, ACCESS, lambda e: e.subject == staff, idle_ms=2000
    )
    assert [e.event_id for e in accesses] == [access_id]  # the owner's reads left nothing
    access = accesses[0]
    payload = access.payload
    assert access.actor == supervisor
    assert payload["reader_nip"] == supervisor
    assert payload["reader_role"] == "atasan"
    assert payload["subject_nip"] == staff
    assert payload["route"] == ROUTE
    assert payload["data_kind"] == "precise_location"
    assert payload["records"] == 2
    assert payload["purpose"] == "pembinaan pegawai"
    assert payload["period_from"] == payload["period_to"] == day.isoformat()


# -- the purge ------------------------------------------------------------------------------------

RETENTION_S = 25
OLD = (-7.7654321, 110.3456789)
NEW = (-7.7612345, 110.3412345)


def _texts(point: tuple[float, float]) -> list[bytes]:
    return [repr(point[0]).encode(), repr(point[1]).encode()]


async def _every_topic_holding(bootstrap: str, needles: list[bytes]) -> dict[str, int]:
    """Records of every topic on the broker, read from the beginning, holding a needle."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = sorted(await admin.list_topics())
    finally:
        await admin.close()
    found: dict[str, int] = {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        counts = await topic_partitions([bootstrap], topics)
        parts = [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        # read up to the end each partition had when asked: what is on the broker now
        pending = {tp for tp in parts if ends[tp] > 0}
        deadline = time.monotonic() + 120
        while pending:
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for tp, messages in batch.items():
                for message in messages:
                    raw = (message.key or b"") + (message.value or b"")
                    raw += b"".join(v for _, v in message.headers or ())
                    if message.offset < ends[tp] and any(needle in raw for needle in needles):
                        found[tp.topic] = found.get(tp.topic, 0) + 1
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
            assert time.monotonic() < deadline, f"partitions not read to their end: {pending}"
    finally:
        await consumer.stop()
    assert topics, "the broker lists no topic"
    return found


_DUMP = """
import sys
from chdb import session
s = session.Session(sys.argv[1])
tables = s.query(
    "SELECT database, name FROM system.tables WHERE database NOT IN "
    "('system', 'INFORMATION_SCHEMA', 'information_schema') AND engine NOT LIKE '%View%'",
    "TSV",
).bytes().decode().split("\\n")
count = 0
for line in filter(None, tables):
    database, name = line.split("\\t")
    sys.stdout.write(f"== {database}.{name}\\n")
    sys.stdout.write(s.query(f"SELECT * FROM `{database}`.`{name}`", "TSV").bytes().decode())
    count += 1
sys.stdout.write(f"== tables {count}\\n")
"""


def _store_dump(service: ServiceProcess) -> str:
    """Every row of every table of a stopped service's chDB store, as text."""
    path = service.log_path.parent / f"{service.name}-{service.port}" / service.name / "chdb"
    assert path.exists(), path
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_archived(audit: ServiceProcess, nip: str, event_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{audit.url}/audit/events",
            params={"subject": nip},
            headers=bearer(Role.AUDITOR, new_nip(), None),
            timeout=30,
        )
        if answer.status_code == 200 and any(
            item["event_id"] == event_id for item in answer.json()["items"]
        ):
            return
        time.sleep(1)
    raise AssertionError(f"audit did not archive {event_id}")


async def test_after_the_purge_no_precise_location_older_than_the_retention_exists_anywhere(
    tmp_path: Path,
) -> None:
    retention_days = RETENTION_S / 86_400
    nip, opd, day = new_nip(), f"opd-{uuid.uuid4().hex[:8]}", _today()
    with own_kafka_broker() as broker:
        env = {
            "LOCATION_RETENTION_DAYS": repr(retention_days),
            "LOCATION_PURGE_ENABLED": "false",
        }
        with running_services(
            broker.bootstrap,
            tmp_path,
            names=("attendance", "reporting", "audit"),
            group_suffix="purge",
            extra_env=env,
        ) as procs:
            old = check_in_with_position(nip, opd, day, *OLD)
            await _publish(broker.bootstrap, [_employee(nip, opd, "bidang-a", None), *old])
            # the broker stamped the old check-in's records before this instant
            past_retention = time.time() + RETENTION_S + 2
            _wait_archived(procs["audit"], nip, old[0].event_id)
            owner = bearer(Role.ASN, nip, opd)
            before = _read(procs["attendance"].url, nip, owner, day).json()
            assert [item["lat"] for item in before["items"]] == [OLD[0]]
            assert await _every_topic_holding(broker.bootstrap, _texts(OLD))

            # until the old check-in is past the retention (the checks above took part of it)
            await asyncio.sleep(max(0.0, past_retention - time.time()))
            new = check_in_with_position(nip, opd, day, *NEW)
            await _publish(broker.bootstrap, new)
            settings = Settings(  # type: ignore[call-arg]
                KAFKA_BOOTSTRAP=broker.bootstrap, LOCATION_RETENTION_DAYS=retention_days
            )
            report = await purge_precise_locations(settings)
            assert report.deleted >= 1
            assert not report.errors, report.errors

            after = _read(procs["attendance"].url, nip, owner, day)
            assert after.status_code == 200, after.text
            assert [item["lat"] for item in after.json()["items"]] == [NEW[0]]

            assert await _every_topic_holding(broker.bootstrap, _texts(OLD)) == {}
            _wait_archived(procs["audit"], nip, new[0].event_id)
            stopped = [procs["reporting"], procs["audit"]]
        # the services are stopped: their embedded stores can be opened and read whole
        for service in stopped:
            dump = _store_dump(service)
            assert "== tables 0" not in dump, f"{service.name} has no tables"
            for needle in (*_texts(OLD), *_texts(NEW)):
                assert needle.decode() not in dump, f"{service.name} holds {needle!r}"
        assert new[0].event_id in _store_dump(procs["audit"])
