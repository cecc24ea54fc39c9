"""The four services as real processes over HTTP, on a real Kafka broker and chDB.

Flow: a WFA request posted to eligibility becomes WfaRequested on Kafka; reporting projects it
into ClickHouse and shows it; audit archives it byte for byte.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.topics import DEAD_LETTER, REQUESTS
from services.runtime.edge.identity import Role
from tests.support.devices import presence_body, register_device
from tests.support.event_log import wait_caught_up
from tests.support.http_checks import poll
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import Opd, import_roster, make_opd, next_weekdays, publish_policy
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

AUDITOR = "198505052010012002"
ROSTER_READERS = {"attendance", "reporting", "audit"}


@pytest.fixture(scope="module")
def services(shared_platform: SharedPlatform) -> dict[str, ServiceProcess]:
    return shared_platform.procs


@pytest.fixture(scope="module")
def province(services: dict[str, ServiceProcess]) -> Opd:
    opd = make_opd({"bidang-aplikasi": 4})
    import_roster(services["eligibility"].url, opd)
    publish_policy(services["eligibility"].url, opd)
    return opd


DAYS = [d.isoformat() for d in next_weekdays(2, skip_weeks=1)]


def request_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "work_unit_id": "bidang-aplikasi",
        "dates": DAYS,
        "location": {"lat": -6.2, "lon": 106.8, "address": "Jl. Kebon Sirih 1, Jakarta"},
        "reason": "Menyusun laporan evaluasi aplikasi",
        "work_plan": [{"description": "Draf laporan evaluasi", "target": 1, "unit": "dokumen"}],
    }
    body.update(overrides)
    return body


def test_every_service_is_healthy_and_ready(services: dict[str, ServiceProcess]) -> None:
    for proc in services.values():
        assert httpx.get(f"{proc.url}/health").json()["status"] == "ok"
        ready = httpx.get(f"{proc.url}/ready").json()
        assert ready["ready"] is True and ready["kafka"] is True, ready
        assert ready["service"] == proc.name
        assert all(ready["checks"].values()), ready
        # attendance keeps no store; it reads the roster into memory, as reporting and audit do
        assert ready["store"] is (None if proc.name == "attendance" else True)
        assert ("roster-directory" in ready["checks"]) is (proc.name in ROSTER_READERS)


def test_request_flows_to_reporting_and_audit(
    services: dict[str, ServiceProcess], province: Opd, nip_index: int = 0, week: int = 1
) -> None:
    days = [d.isoformat() for d in next_weekdays(2, skip_weeks=week)]
    nip = province.units[0].staff[nip_index]
    asn = bearer(Role.ASN, nip, province.opd_id)
    posted = httpx.post(
        f"{services['eligibility'].url}/wfa/requests", json=request_body(dates=days), headers=asn
    )
    assert posted.status_code == 202, posted.text
    request_id = posted.json()["request_id"]
    assert posted.json()["status"] == "pending"
    event_id = posted.json()["history"][0]["event_id"]

    supervisor = bearer(Role.ATASAN, province.units[0].supervisor, province.opd_id)
    shown = poll(
        lambda: httpx.get(
            f"{services['reporting'].url}/reports/requests", headers=supervisor
        ).json(),
        lambda body: any(item["request_id"] == request_id for item in body["items"]),
    )
    item = next(item for item in shown["items"] if item["request_id"] == request_id)
    assert item["nip"] == nip
    assert item["status"] == "pending"
    assert item["dates"] == days

    auditor = bearer(Role.AUDITOR, AUDITOR, None)
    archived = poll(
        lambda: httpx.get(f"{services['audit'].url}/audit/events/{event_id}", headers=auditor),
        lambda r: r.status_code == 200,
    ).json()
    assert archived["type"] == "WfaRequested"
    assert archived["subject"] == nip
    assert archived["topic"] == REQUESTS
    assert archived["verified"] is True


def test_retried_request_with_idempotency_key_is_not_duplicated(
    services: dict[str, ServiceProcess], province: Opd, shared_platform: SharedPlatform
) -> None:
    nip = province.units[0].staff[1]
    asn = {**bearer(Role.ASN, nip, province.opd_id), "Idempotency-Key": "retry-1"}
    url = f"{services['eligibility'].url}/wfa/requests"
    first = httpx.post(url, json=request_body(), headers=asn)
    second = httpx.post(url, json=request_body(), headers=asn)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    conflict = httpx.post(url, json=request_body(reason="Alasan lain sama sekali"), headers=asn)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"

    head = bearer(Role.KEPALA_OPD, province.head, province.opd_id)
    poll(
        lambda: httpx.get(f"{services['reporting'].url}/reports/requests", headers=head).json(),
        lambda body: any(i["request_id"] == first.json()["request_id"] for i in body["items"]),
    )
    # a duplicate, if any, is on the log by now: reporting has read past all of it
    wait_caught_up(
        shared_platform.kafka_bootstrap,
        f"{shared_platform.group('reporting')}.reporting-projector",
        (REQUESTS,),
    )
    body = httpx.get(f"{services['reporting'].url}/reports/requests", headers=head).json()
    assert [i["request_id"] for i in body["items"]].count(first.json()["request_id"]) == 1


def test_bad_input_gets_bilingual_4xx(services: dict[str, ServiceProcess]) -> None:
    url = f"{services['eligibility'].url}/wfa/requests"
    unauthenticated = httpx.post(url, json=request_body())
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["message_id"]

    asn = bearer(Role.ASN, AUDITOR)
    invalid = httpx.post(
        url, json=request_body(dates=[], location={"lat": 200, "lon": 0}), headers=asn
    )
    assert invalid.status_code == 422
    error = invalid.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message_id"] and error["message_en"]
    assert {tuple(d["loc"][-2:]) for d in error["details"]} >= {
        ("body", "dates"),
        ("location", "lat"),
    }

    auditor_only = httpx.get(f"{services['audit'].url}/audit/events", headers=asn)
    assert auditor_only.status_code == 403
    assert auditor_only.json()["error"]["code"] == "forbidden_role"


def test_check_in_is_recorded_and_archived(
    services: dict[str, ServiceProcess], province: Opd
) -> None:
    nip = province.units[0].staff[2]
    asn = bearer(Role.ASN, nip, province.opd_id)
    register_device(services["attendance"].url, nip, province.opd_id)
    posted = httpx.post(
        f"{services['attendance'].url}/attendance/check-ins",
        json=presence_body(nip, accuracy_m=12, mode="office"),
        headers=asn,
    )
    assert posted.status_code == 201, posted.text
    event_id = posted.json()["event_id"]
    auditor = bearer(Role.AUDITOR, AUDITOR, None)
    archived = poll(
        lambda: httpx.get(f"{services['audit'].url}/audit/events/{event_id}", headers=auditor),
        lambda r: r.status_code == 200,
    ).json()
    assert archived["type"] == "CheckedIn"


async def _publish_garbage_and_read_dead_letter(bootstrap: str, marker: bytes) -> list[Any]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(REQUESTS, key=marker, value=b"{not json " + marker)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        DEAD_LETTER,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"dlq-reader-{uuid.uuid4().hex}",
    )
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(found) < 3:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                found.extend(r for r in records if r.key == marker)
    finally:
        await consumer.stop()
    return found


def test_malformed_event_goes_to_dead_letter_and_projection_continues(
    services: dict[str, ServiceProcess], province: Opd, kafka_bootstrap: str
) -> None:
    marker = uuid.uuid4().hex.encode()
    dead = asyncio.run(_publish_garbage_and_read_dead_letter(kafka_bootstrap, marker))
    # eligibility (its request log), reporting and audit all read the requests topic and each
    # refuses the record
    assert len(dead) == 3
    for record in dead:
        headers = dict(record.headers)
        assert b"not valid JSON" in headers["dlq_reason"]
        assert headers["dlq_source_topic"] == REQUESTS.encode()
        assert record.value == b"{not json " + marker
    for proc in services.values():
        assert proc.process.poll() is None, f"{proc.name} crashed:\n{proc.log_tail()}"
    test_request_flows_to_reporting_and_audit(services, province, nip_index=3, week=3)
