"""With Kafka away, writes answer 503 at once and nothing refused is published later.

The real broker is stopped while check-ins keep arriving, with and without Idempotency-Keys.
Every answer must come within a bounded time (the publish timeout, not the length of the
outage), a refusal carries Retry-After and a bilingual message, and once the broker is back
the topic holds every check-in answered 201 and none answered 503 was published after its
refusal. (A record the broker wrote as it went away, its acknowledgement lost with it, is
below the log's end at the restart: no client can know of that one.)

Writes that read the log before they publish (daily reports and their reviews, the review
list, whose reads are logged) and WFA requests, which wait for the decider's outcome, are
stopped the same way: once a service knows Kafka is away, each of them is refused at once,
and none waits longer than about twice the publish timeout.

A read that must be recorded in the access log (a supervisor reading an employee's daily
report) is refused while Kafka is away, with no data; the employee's own read, which needs no
record, is answered.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import MalformedEvent, envelope_from_bytes
from schemas.topics import ATTENDANCE
from services.runtime.edge.identity import Role
from services.runtime.kafka.broker import EventPublisher, PublishUnavailable
from tests.support import seeding
from tests.support.infra import LocalBroker, own_kafka_broker
from tests.support.processes import ServiceProcess, running_services
from tests.support.province import (
    Opd,
    asn,
    import_roster,
    make_opd,
    new_nip,
    next_weekdays,
    publish_policy,
    request_body,
    wib_today,
)
from tests.support.reporting_events import employee, output, report
from tests.support.tokens import bearer

pytestmark = pytest.mark.integration

CLIENT_LIMITS = httpx.Limits(keepalive_expiry=1.0)
"""A pooled connection idle for a second is not reused: uvicorn closes idle ones after 5 s, and
a request sent on a connection the server is closing fails in the client, not the service."""

PUBLISH_TIMEOUT_S = 2.0
#: an answer may take the publish timeout plus scheduling on a loaded machine, never the outage
ANSWER_BOUND_S = PUBLISH_TIMEOUT_S + 10.0
#: a write that waits on the log (or on an outcome) first, then finds Kafka away: two publish
#: timeouts and scheduling; less than the 5 s catch-up and the 10 s outcome waits it replaces
FOUND_AWAY_BOUND_S = 2 * PUBLISH_TIMEOUT_S + 3.0
#: once a service knows Kafka is away, a write is refused before it waits for anything: the
#: median answer stays well under the publish timeout
AT_ONCE_S = 1.5


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
        names=("eligibility", "attendance", "reporting"),
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
                    Answer(
                        marker,
                        keyed,
                        0,
                        time.monotonic() - started,
                        None,
                        {"error": f"{type(exc).__name__}: {exc}"},
                    )
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

    async with httpx.AsyncClient(timeout=120, limits=CLIENT_LIMITS) as client:
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


# writes that wait on the log or on an outcome -------------------------------------------------


@dataclass
class Timed:
    service: str
    kind: str
    sent: float
    """``time.monotonic()`` when the request was sent."""
    status: int
    elapsed: float
    retry_after: str | None
    body: dict[str, object]


#: what each kind of write may answer while the broker is up
ANSWERED_WHILE_UP = {
    "report": {201, 409, 422},  # recorded, pending review / accepted, or a day not reportable
    "review": {404},  # an unknown report
    "reviews": {200},
    "wfa": {202, 409},  # decided (or pending), or refused by the decider
}
SERVICE_OF = {
    "report": "reporting",
    "review": "reporting",
    "reviews": "reporting",
    "wfa": "eligibility",
}


async def _write_load(
    urls: dict[str, str], opd: Opd, stop: threading.Event, run: str
) -> list[Timed]:
    answers: list[Timed] = []
    unit = opd.units[0]
    supervisor = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    yesterday = (wib_today() - timedelta(days=1)).isoformat()
    weeks = iter(range(1, 10_000))

    def request(
        kind: str, n: int, counter: int
    ) -> tuple[str, str, dict[str, object] | None, dict[str, str]]:
        nip = unit.staff[(n * 7 + counter) % len(unit.staff)]
        if kind == "report":
            output: dict[str, object] = {
                "description": f"Keluaran {run}",
                "quantity": 1,
                "unit": "dokumen",
                "target": 1,
            }
            body: dict[str, object] = {"work_date": yesterday, "outputs": [output]}
            return "POST", f"{urls['reporting']}/reports/daily", body, asn(nip, opd)
        if kind == "review":
            review: dict[str, object] = {"verdict": "accepted", "revision": 1}
            path = f"/reports/daily/rpt-{run}-{n}-{counter}/review"
            return "POST", f"{urls['reporting']}{path}", review, supervisor
        if kind == "reviews":
            return "GET", f"{urls['reporting']}/reports/reviews", None, supervisor
        days = next_weekdays(1, skip_weeks=next(weeks) % 40 + 1)
        return "POST", f"{urls['eligibility']}/wfa/requests", request_body(days), asn(nip, opd)

    async def worker(client: httpx.AsyncClient, n: int) -> None:
        kind = ("report", "review", "reviews", "wfa")[n % 4]
        counter = 0
        while not stop.is_set():
            counter += 1
            method, url, body, headers = request(kind, n, counter)
            sent = time.monotonic()
            try:
                response = await client.request(method, url, json=body, headers=headers)
            except httpx.HTTPError as exc:  # the test fails on these below
                answers.append(
                    Timed(
                        SERVICE_OF[kind],
                        kind,
                        sent,
                        0,
                        0.0,
                        None,
                        {"error": f"{type(exc).__name__}: {exc}"},
                    )
                )
                continue
            answers.append(
                Timed(
                    SERVICE_OF[kind],
                    kind,
                    sent,
                    response.status_code,
                    time.monotonic() - sent,
                    response.headers.get("Retry-After"),
                    response.json(),
                )
            )
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(timeout=120, limits=CLIENT_LIMITS) as client:
        await asyncio.gather(*(worker(client, n) for n in range(12)))
    return answers


def _until_accepted(send: Callable[[], httpx.Response], statuses: set[int]) -> None:
    deadline = time.monotonic() + 90
    while True:
        answer = send()
        if answer.status_code in statuses:
            return
        assert answer.status_code == 503, answer.text
        assert time.monotonic() < deadline, (
            f"still refused 90 s after Kafka came back: {answer.text}"
        )
        time.sleep(1)


def test_report_writes_and_wfa_requests_fail_fast_while_kafka_is_away(
    broker: LocalBroker, services: dict[str, ServiceProcess]
) -> None:
    opd = make_opd({"bidang-laporan": 8})
    eligibility = services["eligibility"].url
    import_roster(eligibility, opd)
    publish_policy(eligibility, opd)
    urls = {"reporting": services["reporting"].url, "eligibility": eligibility}
    staff = opd.units[0].staff[0]
    # Kafka may just be back from the test before: wait until both services take writes
    _until_accepted(
        lambda: httpx.get(
            f"{urls['reporting']}/reports/reviews",
            headers=bearer(Role.ATASAN, opd.units[0].supervisor, opd.opd_id),
            timeout=60,
        ),
        {200},
    )
    _until_accepted(
        lambda: httpx.post(
            f"{eligibility}/wfa/requests",
            json=request_body(next_weekdays(1, skip_weeks=45)),
            headers=asn(staff, opd),
            timeout=60,
        ),
        {202, 409},
    )
    run = uuid.uuid4().hex[:8]
    stop = threading.Event()
    result: list[Timed] = []

    def drive() -> None:
        result.extend(asyncio.run(_write_load(urls, opd, stop, run)))

    loader = threading.Thread(target=drive)
    loader.start()
    try:
        time.sleep(3)  # under load with the broker up
        stopped_at = time.monotonic()
        broker.stop()
        time.sleep(PUBLISH_TIMEOUT_S * 4)  # under load with the broker away
    finally:
        stop.set()
        loader.join(timeout=180)
    broker.start()

    assert result, "the load produced no answers"
    for kind in ANSWERED_WHILE_UP:
        answers = [a for a in result if a.kind == kind]
        assert answers, f"no {kind} answered"
        allowed = ANSWERED_WHILE_UP[kind] | {503}
        assert {a.status for a in answers} <= allowed, (
            kind,
            [a.body for a in answers if a.status not in allowed][:3],
        )
        assert any(a.status != 503 for a in answers), f"no {kind} answered while the broker was up"
        assert any(a.status == 503 for a in answers), f"no {kind} refused while the broker was away"
    for answer in result:
        assert answer.elapsed < FOUND_AWAY_BOUND_S, (
            f"{answer.kind} took {answer.elapsed:.1f}s ({answer.status}, sent "
            f"{answer.sent - stopped_at:+.1f}s from the stop)"
        )
        if answer.status == 503:
            assert answer.retry_after is not None and int(answer.retry_after) > 0
            error = answer.body["error"]
            assert isinstance(error, dict) and error["code"] == "kafka_unavailable", (
                answer.kind,
                error,
            )
            assert error["message_id"] and error["message_en"]
    for service in ("reporting", "eligibility"):
        refusals = [a for a in result if a.service == service and a.status == 503]
        known_away = min(a.sent + a.elapsed for a in refusals)
        later = [a for a in result if a.service == service and a.sent > known_away + 0.5]
        assert later, f"{service}: nothing sent once Kafka was known to be away"
        assert {a.status for a in later} == {503}, service
        # a write that waited for the publish timeout takes at least PUBLISH_TIMEOUT_S; one
        # refused at once takes scheduling only, which a loaded machine can stretch for a few
        # (every one stays under FOUND_AWAY_BOUND_S, checked above)
        times = sorted(a.elapsed for a in later)
        typical = times[len(times) // 2]
        assert typical < AT_ONCE_S, (
            f"{service}: half the writes took {typical:.1f}s or more once Kafka was known away "
            f"(slowest {times[-1]:.1f}s of {len(times)})"
        )

    # back again: both take writes once more
    _until_accepted(
        lambda: httpx.get(
            f"{urls['reporting']}/reports/reviews",
            headers=bearer(Role.ATASAN, opd.units[0].supervisor, opd.opd_id),
            timeout=60,
        ),
        {200},
    )
    _until_accepted(
        lambda: httpx.post(
            f"{eligibility}/wfa/requests",
            json=request_body(next_weekdays(1, skip_weeks=46)),
            headers=asn(staff, opd),
            timeout=60,
        ),
        {202, 409},
    )


def test_waiting_for_an_outcome_ends_once_kafka_is_found_away(broker: LocalBroker) -> None:
    """A call that published a command and waits for its outcome answers "being processed"
    within two publish timeouts of an outage, and at once when Kafka is already known away."""

    async def scenario() -> None:
        publisher = EventPublisher(
            [broker.bootstrap],
            f"wait-test-{uuid.uuid4().hex[:6]}",
            publish_timeout_s=PUBLISH_TIMEOUT_S,
        )
        await publisher.start()
        loop = asyncio.get_running_loop()
        try:
            decided: asyncio.Future[str] = loop.create_future()
            loop.call_later(0.3, decided.set_result, "WfaRequested")
            assert await publisher.wait_while_reachable(decided, 10.0) == "WfaRequested"

            never: asyncio.Future[str] = loop.create_future()
            started = time.monotonic()
            assert await publisher.wait_while_reachable(never, 1.5 * PUBLISH_TIMEOUT_S) is None
            assert time.monotonic() - started >= 1.5 * PUBLISH_TIMEOUT_S - 0.1  # the broker is up
            assert publisher.available

            await asyncio.to_thread(broker.stop)
            started = time.monotonic()
            assert await publisher.wait_while_reachable(never, 60.0) is None
            assert time.monotonic() - started < FOUND_AWAY_BOUND_S
            assert not publisher.available
            with pytest.raises(PublishUnavailable):
                publisher.check_available()
            started = time.monotonic()
            assert await publisher.wait_while_reachable(never, 60.0) is None
            assert time.monotonic() - started < AT_ONCE_S  # no wait for the publish timeout
            assert not never.done()  # left to its owner, never cancelled here
        finally:
            await publisher.stop()

    try:
        asyncio.run(scenario())
    finally:
        broker.start()


def _until_answered(url: str, headers: dict[str, str]) -> httpx.Response:
    """GET until reporting has projected what the test published (not 404) and takes reads
    again (not 503: Kafka may just be back from the test before)."""
    deadline = time.monotonic() + 180
    while True:
        answer = httpx.get(url, headers=headers, timeout=60)
        if answer.status_code not in (404, 503) or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_when_the_access_cannot_be_recorded_nothing_is_answered(
    broker: LocalBroker, services: dict[str, ServiceProcess]
) -> None:
    """Kafka away: the supervisor's read is refused (503) with no data; the employee's own
    read, which needs no record, is answered."""
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    head, supervisor, staff = new_nip(), new_nip(), new_nip()
    day = datetime.now(UTC).date()
    seeded = [
        employee(head, opd, "pimpinan", None),
        employee(supervisor, opd, "bidang-a", head),
        employee(staff, opd, "bidang-a", supervisor),
        report(staff, opd, day, [output(2, 2)], datetime.now(UTC)),
    ]
    asyncio.run(seeding.publish(broker.bootstrap, seeded, client_name="access-away"))
    url = f"{services['reporting'].url}/reports/daily/{staff}/{day.isoformat()}"
    own = bearer(Role.ASN, staff, opd)
    boss = bearer(Role.ATASAN, supervisor, opd)
    assert _until_answered(url, own).status_code == 200
    before = _until_answered(url, boss)
    assert before.status_code == 200, before.text
    assert before.json()["outputs"][0]["quantity"] == 2

    broker.stop()
    try:
        refused = httpx.get(url, headers=boss, timeout=120)
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert body["error"]["code"] == "kafka_unavailable"
        assert body["error"]["message_id"] and body["error"]["message_en"]
        assert "outputs" not in body and "report_id" not in body
        mine = httpx.get(url, headers=own, timeout=120)
        assert mine.status_code == 200, mine.text
        assert mine.json()["outputs"][0]["quantity"] == 2
    finally:
        broker.start()
