"""Reporting keeps no precise coordinate: not in its columns, not in its rows.

A day of v3 presence (derived facts only) and an old v2 check-in that still carries its
precise position are published on the attendance topic; reporting projects them as a real
process (its projector starting at the log's end, so that it reads them and not the session's
whole history). Once it shows them, the process is stopped and its ClickHouse files are opened and
inspected: no column can hold a coordinate, and the precise digits appear in no row.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas import new_event
from schemas.events import CheckedIn
from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER
from services.runtime.store.chdb_store import ChdbStore
from tests.support.presence_events import place, roster_events, signal, utc
from tests.support.processes import running_services
from tests.support.province import admin, make_opd
from tests.support.seeding import publish
from tests.support.week_driver import start_at_end

pytestmark = pytest.mark.e2e

DAY = date(2026, 3, 9)
PRECISE_LAT, PRECISE_LON = -6.1754321, 106.8272123
OUTPUT_MEASURES = {
    "achievement_sum",
    "achievement_sum_wfa",
    "achievement_sum_wfo",
    "quantity_sum",
}
"""The only floating-point columns: sums of reported outputs, never a position."""
COORDINATE_NAMES = {"lat", "lon", "latitude", "longitude", "location", "accuracy_m", "address"}


def _old_check_in(nip: str, opd_id: str) -> bytes:
    """A CheckedIn as version 2 stored it: with the precise position and the declared mode."""
    at = utc(DAY, 7, 45)
    current = new_event(
        CheckedIn(
            nip=nip,
            at=at,
            received_at=at,
            work_date=DAY,
            timezone="WIB",
            working_day=True,
            place=place(),
            location_id="ci-old",
            checkin_id="ci-old",
        ),
        actor=nip,
        subject=nip,
        opd_id=opd_id,
        occurred_at=at,
    )
    stored = json.loads(current.model_dump_json())
    stored["schema_version"] = 2
    stored["payload"] = {
        "nip": nip,
        "at": at.isoformat(),
        "location": {"lat": PRECISE_LAT, "lon": PRECISE_LON, "address": "Jl. Medan Merdeka"},
        "accuracy_m": 7.5,
        "mode": "wfa",
        "mock_location": False,
        "checkin_id": "ci-old",
    }
    return json.dumps(stored).encode()


async def _publish(bootstrap: str, nip: str, opd_id: str, roster: list[Any]) -> None:
    signals = [
        signal("ping", nip, opd_id, utc(DAY, 8)),
        signal("heartbeat", nip, opd_id, utc(DAY, 8, 5)),
        signal("check_out", nip, opd_id, utc(DAY, 8, 10)),
    ]
    await publish(bootstrap, [*roster, *signals], client_name="privacy")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(ATTENDANCE, _old_check_in(nip, opd_id), key=nip.encode())
    finally:
        await producer.stop()


def _wait_for_signals(url: str, nip: str, count: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = httpx.get(
            f"{url}/reporting/presence/{nip}",
            params={"date": DAY.isoformat()},
            headers=admin(),
            timeout=30,
        )
        body = response.json()
        if response.status_code == 200 and body["signals"] == count:
            return body
        time.sleep(0.5)
    raise AssertionError(f"reporting did not show {count} signals: {body!r}")


async def test_no_reporting_table_keeps_a_precise_coordinate(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    opd = make_opd({"bidang-privasi": 1})
    nip = opd.units[0].staff[0]
    # the projector's group starts at the log's end: reporting projects what is published
    # below, not the session's whole history (which it would read before it is ready)
    suffix = uuid.uuid4().hex[:8]
    await asyncio.to_thread(
        start_at_end,
        kafka_bootstrap,
        f"wfa-reporting-{suffix}.reporting-projector",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
    )
    with running_services(
        kafka_bootstrap, tmp_path, names=("reporting",), group_suffix=suffix
    ) as procs:
        reporting = procs["reporting"]
        await _publish(kafka_bootstrap, nip, opd.opd_id, roster_events(opd))
        body = _wait_for_signals(reporting.url, nip, count=4)
        assert body["signals_by_kind"] == {"check_in": 1, "ping": 1, "heartbeat": 1, "check_out": 1}
        assert "1754321" not in json.dumps(body)
        data_path = tmp_path / f"reporting-{reporting.port}" / "reporting" / "chdb"
    # the process has stopped: its files can be opened here
    store = ChdbStore(data_path, "wfa_reporting")
    try:
        columns = await store.query(
            "SELECT table, name, type FROM system.columns WHERE database = 'wfa_reporting'"
        )
        tables = {c["table"] for c in columns}
        assert {"presence_signals", "anomalies", "request_events"} <= tables
        assert "presence_events" not in tables
        assert not [c for c in columns if c["name"] in COORDINATE_NAMES]
        floats = {c["name"] for c in columns if "Float" in c["type"]}
        assert floats <= OUTPUT_MEASURES, "no column but the output measures can hold a coordinate"
        for table in sorted(tables):
            rows = await store.query(f"SELECT * FROM {{db}}.{table}")
            dumped = json.dumps(rows)
            assert "1754321" not in dumped and "8272123" not in dumped, table
        [old] = await store.query(
            "SELECT cell, derived_mode FROM {db}.presence_signals FINAL WHERE event_id IN "
            "(SELECT event_id FROM {db}.presence_signals WHERE kind = 'check_in' "
            "AND nip = {nip:String})",
            {"nip": nip},
        )
        assert old == {"cell": "-6.18,106.83", "derived_mode": "wfa"}
    finally:
        await store.close()
