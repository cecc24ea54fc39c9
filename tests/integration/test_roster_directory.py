"""The roster directory on a real broker: it reads the roster topic from the beginning, is
ready once caught up, applies updates, skips unreadable records, and reads its own writes."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date

import pytest
from aiokafka import AIOKafkaProducer

from schemas import EmployeeRegistered, EmployeeUpdated, new_event, to_record
from schemas.topics import ROSTER, TOPICS
from services.runtime.edge.roster_directory import RosterDirectory
from services.runtime.kafka.broker import ensure_topics
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

ADMIN = "198001012005011001"


def _employee(
    cls: type[EmployeeRegistered] | type[EmployeeUpdated],
    nip: str,
    opd_id: str,
    *,
    unit: str = "sekretariat",
    supervisor: str | None = None,
) -> EmployeeRegistered | EmployeeUpdated:
    return cls(
        nip=nip,
        name=f"Pegawai {nip[-4:]}",
        opd_id=opd_id,
        work_unit_id=unit,
        position="Analis",
        position_category="administrasi",
        supervisor_nip=supervisor,
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
    )


async def _publish(
    producer: AIOKafkaProducer, *payloads: EmployeeRegistered | EmployeeUpdated
) -> None:
    for payload in payloads:
        record = to_record(
            new_event(payload, actor=ADMIN, subject=payload.nip, opd_id=payload.opd_id)
        )
        await producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=record.headers
        )


async def _until_ready(directory: RosterDirectory, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not directory.ready():
        assert time.monotonic() < deadline, "directory never caught up"
        await asyncio.sleep(0.05)


async def _scenario(bootstrap: str) -> None:
    await ensure_topics([bootstrap], TOPICS, partitions=6, replication=1)
    opd, other = f"opd-{uuid.uuid4().hex[:8]}", f"opd-{uuid.uuid4().hex[:8]}"
    head, staff, mover = new_nip(), new_nip(), new_nip()
    garbage_key = uuid.uuid4().hex.encode()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    directory = RosterDirectory([bootstrap], f"test-roster-{uuid.uuid4().hex[:8]}")
    try:
        await _publish(
            producer,
            _employee(EmployeeRegistered, head, opd),
            _employee(EmployeeRegistered, staff, opd, supervisor=head),
            _employee(EmployeeRegistered, mover, opd, supervisor=head),
            _employee(EmployeeUpdated, mover, other, unit="bidang-data"),
        )
        # an unreadable record in the same partition as the head's: skipped, not fatal
        await producer.send_and_wait(ROSTER, key=head.encode(), value=b"{not json " + garbage_key)

        assert not directory.ready()
        await directory.start()
        await _until_ready(directory)

        # everything published before the start is there once ready, updates applied
        entry = directory.lookup(staff)
        assert entry is not None
        assert (entry.opd_id, entry.work_unit_id, entry.supervisor_nip) == (
            opd,
            "sekretariat",
            head,
        )
        moved = directory.lookup(mover)
        assert moved is not None
        assert (moved.opd_id, moved.work_unit_id, moved.supervisor_nip) == (
            other,
            "bidang-data",
            None,
        )
        assert directory.in_opd(opd) == {head, staff}
        assert directory.in_opd(other) == {mover}
        assert directory.subordinates(head) == {staff}
        assert directory.skipped >= 1

        # read-your-writes: registered after the start, visible after wait_caught_up
        late, under_staff = new_nip(), new_nip()
        await _publish(
            producer,
            _employee(EmployeeRegistered, late, other, supervisor=head),
            _employee(EmployeeRegistered, under_staff, opd, supervisor=staff),
            _employee(EmployeeUpdated, staff, opd, unit="bidang-aplikasi", supervisor=head),
        )
        assert await directory.wait_caught_up(10.0)
        found = directory.lookup(late)
        assert found is not None and found.opd_id == other
        updated = directory.lookup(staff)
        assert updated is not None and updated.work_unit_id == "bidang-aplikasi"
        assert directory.subordinates(head) == {staff, late}
        assert directory.subordinates(head, transitive=True) == {staff, late, under_staff}
        assert directory.in_opd(other) == {mover, late}

        # find() catches up by itself on a miss; a NIP nobody registered stays unknown
        latest = new_nip()
        await _publish(producer, _employee(EmployeeRegistered, latest, opd))
        entry = await directory.find(latest)
        assert entry is not None and entry.nip == latest
        assert await directory.find(new_nip()) is None

        # many concurrent misses share the end-offset requests and all succeed
        results = await asyncio.gather(*(directory.wait_caught_up(10.0) for _ in range(50)))
        assert all(results)
    finally:
        await directory.stop()
        await producer.stop()
    assert not directory.ready()


def test_roster_directory_catches_up_and_reads_its_own_writes(kafka_bootstrap: str) -> None:
    asyncio.run(_scenario(kafka_bootstrap))
