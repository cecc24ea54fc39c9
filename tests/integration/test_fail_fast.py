"""With Kafka away, writes answer 503 at once and nothing refused is published later.

The real broker is stopped while check-ins keep arriving, with and without Idempotency-Keys.
Every answer must come within a bounded time (the publish timeout, not the length of the
outage), a refusal carries Retry-After and a bilingual message, and once the broker is back
the topic holds every check-in answered 201 and none answered 503 was published after its
refusal. (A record the broker wrote as it went away, its acknowledgement lost with it, is
below the log's end at the restart: no client can know of that one.)
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import MalformedEvent, envelope_from_bytes
from schemas.topics import ATTENDANCE
from tests.support.infra import LocalBroker, own_kafka_broker
from tests.support.processes import ServiceProcess, running_services
from tests.support.province import Opd, asn, import_roster, make_opd

pytestmark = pytest.mark.integration

PUBLISH_TIMEOUT_S = 2.0
#: an answer may take the publish timeout plus scheduling on a loaded machine, never the outage
ANSWER_BOUND_S = PUBLISH_TIMEOUT_S + 10.0


@dataclass
class Answer:
    marker: str
    keyed: bool
    status: int
    elapsed: float
    retry_after: str | None
    body: dict[str, object]


@pytest.fixture(scope="module")
def broker() -> Iterator[LocalBroker]:
    with own_kafka_broker() as own:
        yield own


@pytest.fixture(scope="module")
def services(
    broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    with running_services(
        broker.bootstrap,
        tmp_path_factory.mktemp("failfast"),
        names=("eligibility", "attendance"),
        group_suffix=uuid.uuid4().hex[:8],
        extra_env={
            "KAFKA_PUBLISH_TIMEOUT_S": str(PUBLISH_TIMEOUT_S),
            # each check-in carries its own device id as a marker; binding is tested elsewhere
            "ATTENDANCE_REQUIRE_REGISTERED_DEVICE": "false",
        },
    ) as procs:
        yield procs


def _check_in(marker: str) -> dict[str, object]:
    return {
        "location": {"lat": -6.18, "lon": 106.82, "address": "Balai Kota"},
        "mode": "office",
        "device_id": marker,
    }


async def _load(url: str, opd: Opd, stop: threading.Event, run: str) -> list[Answer]:
    answers: list[Answer] = []
    staff = [nip for unit in opd.units for nip in unit.staff]
    counter = 0

    async def worker(client: httpx.AsyncClient, n: int) -> None:
        nonlocal counter
        while not stop.is_set():
            counter += 1
            marker = f"{run}-{n}-{counter}"
            keyed = counter % 2 == 0
            headers = asn(staff[counter % len(staff)], opd)
            if keyed:
                headers["Idempotency-Key"] = f"key-{marker}"
            started = time.monotonic()
            try:
                response = await client.post(
                    f"{url}/attendance/check-ins", json=_check_in(marker), headers=headers
                )
            except httpx.HTTPError as exc:  # the test fails on these below
                answers.append(
                    Answer(marker, keyed, 0, time.monotonic() - started, None, {"error": str(exc)})
                )
                continue
            answers.append(
                Answer(
                    marker,
                    keyed,
                    response.status_code,
                    time.monotonic() - started,
                    response.headers.get("Retry-After"),
                    response.json(),
                )
            )
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(worker(client, n) for n in range(12)))
    return answers


def test_writes_fail_fast_while_kafka_is_away_and_nothing_refused_is_published(
    broker: LocalBroker, services: dict[str, ServiceProcess]
) -> None:
    opd = make_opd({"bidang-umum": 6})
    import_roster(services["eligibility"].url, opd)
    url = services["attendance"].url
    run = uuid.uuid4().hex[:8]
    stop = threading.Event()
    result: list[Answer] = []

    def drive() -> None:
        result.extend(asyncio.run(_load(url, opd, stop, run)))

    loader = threading.Thread(target=drive)
    loader.start()
    try:
        time.sleep(3)  # under load with the broker up
        broker.stop()
        time.sleep(PUBLISH_TIMEOUT_S * 4)  # under load with the broker away
    finally:
        stop.set()
        loader.join(timeout=180)
    broker.start()
    # what the log held when the broker came back, before any new write is accepted: a
    # refused record found below these offsets was written by the broker as it went away,
    # its acknowledgement lost with it (no client can know); one above them was published
    # after its refusal, which must never happen
    at_restart = asyncio.run(_end_offsets(broker.bootstrap, ATTENDANCE))

    assert result, "the load produced no answers"
    assert all(a.status in (201, 503) for a in result), {a.status for a in result}
    refused = [a for a in result if a.status == 503]
    recorded = [a for a in result if a.status == 201]
    assert recorded, "nothing was recorded while the broker was up"
    assert refused, "no write was refused while the broker was away"
    assert any(a.keyed for a in refused) and any(not a.keyed for a in refused)
    for answer in refused:
        assert answer.retry_after is not None and int(answer.retry_after) > 0
        error = answer.body["error"]
        assert isinstance(error, dict) and error["code"] == "kafka_unavailable"
        assert error["message_id"] and error["message_en"]
    slowest = max(a.elapsed for a in result)
    assert slowest < ANSWER_BOUND_S, f"an answer took {slowest:.1f}s"

    # back again: writes are accepted once more
    deadline = time.monotonic() + 90
    while True:
        again = httpx.post(
            f"{url}/attendance/check-ins",
            json=_check_in(f"{run}-after"),
            headers=asn(opd.units[0].staff[0], opd),
            timeout=30,
        )
        if again.status_code == 201:
            break
        assert again.status_code == 503, again.text
        assert time.monotonic() < deadline, "writes still refused 90 s after Kafka came back"
        time.sleep(1)

    published = asyncio.run(_positions(broker.bootstrap, ATTENDANCE, run))
    assert {a.marker for a in recorded} <= published.keys()
    later = {
        a.marker
        for a in refused
        if a.marker in published and published[a.marker][1] >= at_restart[published[a.marker][0]]
    }
    assert not later, f"refused check-ins were published after the refusal: {sorted(later)}"


async def _end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """The end offset of every partition of ``topic`` now."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()  # subscribed: the topic's metadata is fetched at start
    try:
        numbers = consumer.partitions_for_topic(topic) or set()
        assert numbers, f"no partitions known for {topic}"
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in numbers])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def _positions(bootstrap: str, topic: str, run: str) -> dict[str, tuple[int, int]]:
    """The check-ins of this run on ``topic``: marker (device id) -> (partition, offset)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: dict[str, tuple[int, int]] = {}
    try:
        while batch := await consumer.getmany(timeout_ms=3000):
            for messages in batch.values():
                for message in messages:
                    try:
                        envelope = envelope_from_bytes(message.value)
                    except MalformedEvent:
                        continue
                    marker = str(envelope.payload.get("device_id", ""))
                    if marker.startswith(run):
                        found.setdefault(marker, (message.partition, message.offset))
        return found
    finally:
        await consumer.stop()
