"""The declared WFA place is kept precisely only on the restricted locations topic.

A request is submitted through the eligibility API (a process of its own, so its store can be
opened once it stops) on the session's broker, then approved. Neither its events on
``wfa.requests.v1`` nor eligibility's commands topic, eligibility's tables or the audit archive
hold the precise point: they carry its coarse cell (and the address only when the employee
chose to share it). The shared attendance service still judges the day's check-ins against
the precise place, read from ``WfaLocationDeclared`` on the restricted topic.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.topics import LOCATIONS, REQUESTS
from services.runtime.edge.identity import Role
from services.runtime.kafka.log_reading import partitions_of
from services.runtime.store.chdb_store import ChdbStore
from tests.support.devices import register_device
from tests.support.processes import ServiceProcess, SharedPlatform, one_service
from tests.support.province import (
    NATIONAL_DAYS,
    Opd,
    asn,
    import_roster,
    make_opd,
    publish_policy,
    request_body,
    wib_today,
)
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

# the declared places: their 7-decimal digits may appear nowhere but on the restricted topic
PLACES = {
    "near": (-6.1754321, 106.8272123),
    "far": (-6.1854317, 106.8172129),
}
DIGITS = ("1754321", "8272123", "1854317", "8172129")
NEAR = (-6.17551, 106.82731)  # about 10 m from the "near" employee's place
FAR = (-6.16, 106.83)  # about 3.2 km from the "far" employee's place
SECRET_ADDRESS = "Jl. Melati Rahasia 7"
SHARED_ADDRESS = "Perpustakaan Daerah"


def _precise(text: str) -> list[str]:
    return [digits for digits in DIGITS if digits in text]


async def _raw_records(bootstrap: str, topic: str, needles: list[str]) -> list[bytes]:
    """Every record value of ``topic`` (read to its end offsets) that names one of ``needles``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    found: list[bytes] = []
    try:
        partitions = await partitions_of(consumer, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        reached = await consumer.beginning_offsets(partitions)
        deadline = time.monotonic() + 120
        while any(reached[tp] < end for tp, end in ends.items()):
            assert time.monotonic() < deadline, f"{topic} not read to its end in time"
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for messages in batch.values():
                for message in messages:
                    value = message.value or b""
                    if any(needle.encode() in value for needle in needles):
                        found.append(value)
            for tp in partitions:  # past transaction markers too
                reached[tp] = await consumer.position(tp)
    finally:
        await consumer.stop()
    return found


def _submit(url: str, nip: str, opd: Opd, which: str, share: bool) -> dict[str, Any]:
    lat, lon = PLACES[which]
    body = request_body(
        [wib_today()],
        location={"lat": lat, "lon": lon, "address": SHARED_ADDRESS if share else SECRET_ADDRESS},
        share_address=share,
    )
    answer = httpx.post(f"{url}/wfa/requests", json=body, headers=asn(nip, opd), timeout=60)
    assert answer.status_code == 202, answer.text
    request: dict[str, Any] = answer.json()
    failed = [rule["code"] for rule in request["decision"]["trace"] if not rule["passed"]]
    assert request["status"] == "pending", failed
    return request


def _approve(url: str, opd: Opd, request_id: str) -> None:
    answer = httpx.post(
        f"{url}/wfa/requests/{request_id}/approve",
        json={"reason": "Disetujui"},
        headers=bearer(Role.ATASAN, opd.units[0].supervisor, opd.opd_id),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"


def _check_in(url: str, nip: str, opd: Opd, where: tuple[float, float]) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "device_id": f"hp-{nip}",
        "at": (now - timedelta(seconds=20)).isoformat(),
        "sent_at": now.isoformat(),
        "location": {"lat": where[0], "lon": where[1]},
        "accuracy_m": 10,
        "mode": "wfa",
    }
    answer = httpx.post(f"{url}/attendance/check-ins", json=body, headers=asn(nip, opd), timeout=60)
    assert answer.status_code in (200, 201, 202), answer.text
    assessment: dict[str, Any] = answer.json()["assessment"]
    return assessment


async def _store_rows(chdb: Path) -> dict[str, list[dict[str, Any]]]:
    store = ChdbStore(chdb, "wfa_eligibility")
    try:
        tables = await store.query(
            "SELECT name FROM system.tables WHERE database = 'wfa_eligibility'"
        )
        return {
            str(t["name"]): await store.query(f"SELECT * FROM {{db}}.`{t['name']}`") for t in tables
        }
    finally:
        await store.close()


def _archived(audit: ServiceProcess, nip: str, request_id: str) -> list[dict[str, Any]]:
    """The audit archive's export of ``nip``'s trail, once it holds the request's approval."""
    deadline = time.monotonic() + 180
    lines: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{audit.url}/audit/trails/export",
            params={"nip": nip, "format": "jsonl"},
            headers=bearer(Role.AUDITOR, "199001012020011099", None),
            timeout=60,
        )
        if answer.status_code == 200:
            lines = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
            types = {line.get("type") for line in lines if request_id in json.dumps(line)}
            if {"WfaRequested", "WfaApproved"} <= types:
                return lines
        time.sleep(1)
    raise AssertionError(f"audit did not archive request {request_id}: {lines!r}")


def test_no_precise_wfa_place_outside_the_restricted_topic(
    shared_platform: SharedPlatform, kafka_bootstrap: str, tmp_path: Path
) -> None:
    opd = make_opd({"bidang-tempat": 10})
    near_nip, far_nip = opd.units[0].staff[:2]
    today = wib_today()
    requests: dict[str, dict[str, Any]] = {}
    with one_service("eligibility", kafka_bootstrap, tmp_path) as eligibility:
        import_roster(eligibility.url, opd)
        # today is a working day whatever the calendar says, so it can be asked and judged
        publish_policy(
            eligibility.url, opd, working_days=sorted({*NATIONAL_DAYS, today.isoformat()})
        )
        requests["near"] = _submit(eligibility.url, near_nip, opd, "near", share=False)
        requests["far"] = _submit(eligibility.url, far_nip, opd, "far", share=True)
        for request in requests.values():
            _approve(eligibility.url, opd, request["request_id"])
        commands_topic = f"{eligibility.group}.commands.v1"
        data_dir = tmp_path / f"eligibility-{eligibility.port}"

    # the answers: the coarse cell, the address only when shared, never the point
    near, far = requests["near"], requests["far"]
    assert near["place"]["cell"] == "-6.18,106.83" and near["place"]["address"] is None
    assert far["place"]["cell"] == "-6.19,106.82" and far["place"]["address"] == SHARED_ADDRESS
    assert near["place"]["location_id"] and far["place"]["location_id"]
    assert not _precise(json.dumps(requests)) and SECRET_ADDRESS not in json.dumps(requests)
    ids = [near["request_id"], far["request_id"]]

    # the broker: the requests topic and the commands topic hold no point; the restricted one does
    on_requests = asyncio.run(_raw_records(kafka_bootstrap, REQUESTS, ids))
    assert len(on_requests) >= 4  # requested and approved, each
    assert not [v for v in on_requests if _precise(v.decode()) or SECRET_ADDRESS in v.decode()]
    commands = asyncio.run(_raw_records(kafka_bootstrap, commands_topic, ids))
    assert len(commands) >= 4
    assert not [v for v in commands if _precise(v.decode()) or SECRET_ADDRESS in v.decode()]
    restricted = asyncio.run(_raw_records(kafka_bootstrap, LOCATIONS, ids))
    declared = [json.loads(v) for v in restricted if b"WfaLocationDeclared" in v]
    assert {d["payload"]["request_id"] for d in declared} == set(ids)
    assert {
        (d["payload"]["location"]["lat"], d["payload"]["location"]["lon"]) for d in declared
    } == (set(PLACES.values()))

    # eligibility's store (the process has stopped: its files can be opened here)
    chdb = next(path for path in data_dir.rglob("chdb") if path.is_dir())
    tables = asyncio.run(_store_rows(chdb))
    dumped = json.dumps(tables, default=str)
    assert near["request_id"] in json.dumps(tables.get("request_log", []), default=str)
    assert not _precise(dumped), [
        name for name, rows in tables.items() if _precise(json.dumps(rows, default=str))
    ]
    assert SECRET_ADDRESS not in dumped

    # the check-ins of the day are judged against the precise place
    attendance = shared_platform["attendance"]
    for nip in (near_nip, far_nip):
        register_device(attendance.url, nip, opd.opd_id)
    close = _check_in(attendance.url, near_nip, opd, NEAR)
    assert (close["reference"], close["reference_id"]) == ("wfa_location", near["request_id"])
    assert close["derived_mode"] == "wfa" and close["inside"] is True
    assert close["distance_band"] == "within_100m"
    assert "far_from_wfa_location" not in close["anomalies"]
    away = _check_in(attendance.url, far_nip, opd, FAR)
    assert (away["reference"], away["reference_id"]) == ("wfa_location", far["request_id"])
    assert away["inside"] is False and away["distance_band"] == "1km_5km"
    assert "far_from_wfa_location" in away["anomalies"]

    # the audit archive keeps the requests' bytes: without the point
    for nip, request in ((near_nip, near), (far_nip, far)):
        lines = _archived(shared_platform["audit"], nip, request["request_id"])
        text = json.dumps(lines)
        assert not _precise(text) and SECRET_ADDRESS not in text
        assert "WfaLocationDeclared" not in text
