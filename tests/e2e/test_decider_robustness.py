"""The decider on a real broker: no command is lost or stuck, causality as documented, and a
request is readable only by those allowed to see it.

Poison commands are sent straight to the decider's commands topic, the way a buggy or older
edge could send them (built without validation), so the test does not depend on what the HTTP
edge accepts.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas import Envelope, new_ulid
from schemas.events import GeoPoint, SharedPlace, WorkTarget
from schemas.serialization import HEADER_DLQ_REASON
from schemas.topics import DEAD_LETTER, REQUESTS
from services.eligibility.domain.commands import ActOnRequest, SubmitRequest, encode
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    Opd,
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

INTERNAL_CODES = {"internal_error", "invalid_command", "invalid_outcome", "outcome_too_large"}


@pytest.fixture(scope="module")
def group(shared_platform: SharedPlatform) -> str:
    return shared_platform.group("eligibility")


@pytest.fixture(scope="module")
def eligibility(shared_platform: SharedPlatform) -> ServiceProcess:
    return shared_platform["eligibility"]


@pytest.fixture(scope="module")
def opd(eligibility: ServiceProcess) -> Opd:
    opd = make_opd({"bidang-data": 10})
    import_roster(eligibility.url, opd)
    publish_policy(eligibility.url, opd)
    return opd


def _submit_command(opd: Opd, nip: str, dates: list[date]) -> SubmitRequest:
    """A submission as sent, whether or not a decider can read it."""
    body = request_body(dates)
    return SubmitRequest.model_construct(
        command_id=new_ulid(),
        correlation_id=new_ulid(),
        request_id=f"req-{new_ulid().lower()}",
        work_unit_id=opd.units[0].unit_id,
        nip=nip,
        opd_id=opd.opd_id,
        actor=nip,
        issued_at=datetime.now(UTC),
        dates=tuple(dates),
        place=SharedPlace.of(GeoPoint.model_validate(body["location"])),
        reason=body["reason"],
        work_plan=tuple(WorkTarget.model_validate(target) for target in body["work_plan"]),
    )


def _send(bootstrap: str, topic: str, command: SubmitRequest | ActOnRequest) -> tuple[bytes, bytes]:
    key, value = encode(command)

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=4 * 1024 * 1024)
        await producer.start()
        try:
            await producer.send_and_wait(topic, value=value, key=key)
        finally:
            await producer.stop()

    asyncio.run(send())
    return key, value


def _events_of(bootstrap: str, request_id: str) -> list[Envelope]:
    def keep(envelope: Envelope) -> bool:
        return envelope.payload.get("request_id") == request_id

    return asyncio.run(read_events(bootstrap, REQUESTS, keep, idle_ms=2000))


def _dead_letters(bootstrap: str, value: bytes) -> list[dict[str, bytes]]:
    """Headers of the dead-letter records that park ``value``."""

    async def read() -> list[dict[str, bytes]]:
        consumer = AIOKafkaConsumer(
            DEAD_LETTER, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        found: list[dict[str, bytes]] = []
        try:
            while batch := await consumer.getmany(timeout_ms=2000):
                for messages in batch.values():
                    found += [dict(m.headers) for m in messages if m.value == value]
            return found
        finally:
            await consumer.stop()

    return asyncio.run(read())


def _refusal(events: list[Envelope]) -> Envelope:
    (refusal,) = {e.event_id: e for e in events if e.type == "WfaActionRefused"}.values()
    return refusal


def _assert_refused_and_dead_lettered(
    bootstrap: str, command: SubmitRequest | ActOnRequest, value: bytes
) -> Envelope:
    refusal = _refusal(_events_of(bootstrap, command.request_id))
    assert refusal.payload["code"] in INTERNAL_CODES
    assert refusal.payload["message_id"] and refusal.payload["message_en"]
    assert refusal.event_id == refusal.causation_id == command.command_id
    assert refusal.correlation_id == command.correlation_id
    [parked] = _dead_letters(bootstrap, value)
    assert parked[HEADER_DLQ_REASON].decode().startswith(refusal.payload["code"])
    return refusal


def _decided_soon(url: str, nip: str, opd: Opd, dates: list[date]) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/wfa/requests", json=request_body(dates), headers=asn(nip, opd), timeout=60
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    # "deciding" would mean the decider did not answer within the edge's wait: stuck
    assert body["status"] == "pending", body
    return body


def test_an_undecidable_command_is_refused_and_the_partition_keeps_deciding(
    eligibility: ServiceProcess, opd: Opd, kafka_bootstrap: str, group: str
) -> None:
    """A command beyond every bound (hundreds of days) used to be retried forever, blocking
    every later command; it is refused as soon as it is read."""
    staff = opd.units[0].staff
    days: list[date] = []
    day = date.today() + timedelta(days=30)
    while len(days) < 600:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    poison = _submit_command(opd, staff[0], days)
    _, value = _send(kafka_bootstrap, f"{group}.commands.v1", poison)

    # same unit, same partition, sent after the poison command
    _decided_soon(eligibility.url, staff[1], opd, next_weekdays(1, skip_weeks=2))
    _assert_refused_and_dead_lettered(kafka_bootstrap, poison, value)

    poll = httpx.get(
        f"{eligibility.url}/wfa/requests/{poison.request_id}",
        headers=asn(staff[0], opd),
        timeout=30,
    )
    assert poll.status_code == 200, poll.text
    assert poll.json()["status"] == "refused"
    assert poll.json()["refusal"]["code"] in INTERNAL_CODES


def test_a_command_the_decider_cannot_read_is_recorded_not_dropped(
    eligibility: ServiceProcess, opd: Opd, kafka_bootstrap: str, group: str
) -> None:
    """31 December 9999 lies beyond the contract's dates (it used to overflow the calendar
    inside the rules); such a command used to vanish (offset committed, nothing published) and
    its poll link answered 404 forever."""
    staff = opd.units[0].staff
    doomed = _submit_command(opd, staff[2], [date(9999, 12, 31)])
    _, value = _send(kafka_bootstrap, f"{group}.commands.v1", doomed)
    _decided_soon(eligibility.url, staff[3], opd, next_weekdays(1, skip_weeks=3))
    refusal = _assert_refused_and_dead_lettered(kafka_bootstrap, doomed, value)
    assert refusal.payload["code"] == "invalid_command"
    assert refusal.payload["action"] == "submit"

    poll = httpx.get(
        f"{eligibility.url}/wfa/requests/{doomed.request_id}",
        headers=asn(staff[2], opd),
        timeout=30,
    )
    assert poll.status_code == 200, poll.text
    body = poll.json()
    assert body["status"] == "refused" and body["refusal"]["code"] == "invalid_command"
    assert body["refusal"]["message_id"] and body["refusal"]["message_en"]
    approve = httpx.post(
        f"{eligibility.url}/wfa/requests/{doomed.request_id}/approve",
        json={},
        headers=bearer(Role.ATASAN, opd.units[0].supervisor, opd.opd_id),
        timeout=30,
    )
    assert approve.status_code == 409 and approve.json()["error"]["code"] == "request_refused"


def test_a_request_and_what_follows_share_one_correlation_and_name_their_cause(
    eligibility: ServiceProcess, opd: Opd, kafka_bootstrap: str, group: str
) -> None:
    unit = opd.units[0]
    nip = unit.staff[4]
    submitted = _decided_soon(eligibility.url, nip, opd, next_weekdays(1, skip_weeks=4))
    request_id = submitted["request_id"]
    url = f"{eligibility.url}/wfa/requests/{request_id}"
    supervisor = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    approved = httpx.post(f"{url}/approve", json={"reason": "Ok"}, headers=supervisor, timeout=60)
    assert approved.status_code == 200, approved.text
    # an approval by someone else that reaches the decider: refused there, in the same flow
    stray = ActOnRequest(
        kind="approve",
        command_id=new_ulid(),
        correlation_id=new_ulid(),
        request_id=request_id,
        work_unit_id=unit.unit_id,
        nip=nip,
        opd_id=opd.opd_id,
        actor=unit.staff[5],
        issued_at=datetime.now(UTC),
    )
    _send(kafka_bootstrap, f"{group}.commands.v1", stray)
    cancelled = httpx.post(f"{url}/cancel", json={}, headers=asn(nip, opd), timeout=60)
    assert cancelled.status_code == 200, cancelled.text

    events = {e.event_id: e for e in _events_of(kafka_bootstrap, request_id)}.values()
    by_type = {e.type: e for e in events}
    assert set(by_type) == {"WfaRequested", "WfaApproved", "WfaActionRefused", "WfaCancelled"}
    requested = by_type["WfaRequested"]
    assert {e.correlation_id for e in events} == {submitted["correlation_id"]}
    assert requested.causation_id == requested.event_id  # the submit command's id
    assert by_type["WfaApproved"].causation_id == requested.event_id
    assert by_type["WfaCancelled"].causation_id == requested.event_id
    refusal = by_type["WfaActionRefused"]
    assert refusal.payload["code"] == "not_supervisor_of_record"
    assert refusal.event_id == refusal.causation_id == stray.command_id


def test_a_request_not_yours_to_see_is_indistinguishable_from_an_unknown_one(
    eligibility: ServiceProcess, opd: Opd
) -> None:
    staff = opd.units[0].staff
    request_id = _decided_soon(eligibility.url, staff[6], opd, next_weekdays(1, skip_weeks=5))[
        "request_id"
    ]
    unknown_id = f"req-{new_ulid().lower()}"
    stranger = asn(staff[7], opd)
    hidden = httpx.get(f"{eligibility.url}/wfa/requests/{request_id}", headers=stranger)
    unknown = httpx.get(f"{eligibility.url}/wfa/requests/{unknown_id}", headers=stranger)
    assert hidden.status_code == unknown.status_code == 404
    hidden_error, unknown_error = hidden.json()["error"], unknown.json()["error"]
    assert hidden_error["code"] == unknown_error["code"] == "request_not_found"
    assert hidden_error["message_en"] == unknown_error["message_en"].replace(unknown_id, request_id)
    own = httpx.get(f"{eligibility.url}/wfa/requests/{request_id}", headers=asn(staff[6], opd))
    assert own.status_code == 200
