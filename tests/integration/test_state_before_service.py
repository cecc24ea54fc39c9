"""A decider on a brand-new consumer group holds its caps from the first request it accepts.

The roster and policy are already on the log; the decider's own state topics (its faust table
changelogs) do not exist yet. Requests are fired at the new instance from the moment its port
opens. It must declare its changelogs with the partition count of its commands topic, restore
its tables, and only then take commands: a 503 ``not_ready`` with Retry-After is a fine answer
meanwhile, a decision on state that is not held is not.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support.infra import LocalBroker, own_kafka_broker
from tests.support.processes import _stop, running_services, start_service
from tests.support.province import (
    Opd,
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)

pytestmark = pytest.mark.integration

UNIT_SIZE = 10
SHARE = 0.2


@pytest.fixture(scope="module")
def fresh_broker() -> Iterator[LocalBroker]:
    with own_kafka_broker() as broker:
        yield broker


@pytest.fixture(scope="module")
def opds(fresh_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Opd]:
    """The roster and policy of each test's OPD, already on the log before its decider starts
    (imported through one eligibility instance of its own, stopped before any test runs)."""
    made = {"caps": make_opd({"bidang-data": UNIT_SIZE}), "arsip": make_opd({"bidang-arsip": 5})}
    with running_services(
        fresh_broker.bootstrap,
        tmp_path_factory.mktemp("setup"),
        names=("eligibility",),
        group_suffix="setup",
    ) as setup:
        for opd in made.values():
            import_roster(setup["eligibility"].url, opd)
            publish_policy(setup["eligibility"].url, opd, max_away_share=SHARE, weekly_cap_days=2)
    return made


def _submit_until_taken(url: str, headers: dict[str, str], dates: list[str]) -> dict[str, Any]:
    """POST from the first moment the port opens; retry while refused as not ready."""
    body = {**request_body([]), "dates": dates}
    deadline = time.monotonic() + 240
    with httpx.Client(timeout=60) as client:  # one per poller: a client per call costs CPU
        while time.monotonic() < deadline:
            try:
                response = client.post(f"{url}/wfa/requests", json=body, headers=headers)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            if response.status_code == 503:
                assert response.headers.get("Retry-After"), response.text
                time.sleep(0.1)
                continue
            assert response.status_code == 202, response.text
            answer: dict[str, Any] = response.json()
            while answer.get("status") == "deciding":  # poll the link until decided
                time.sleep(0.5)
                answer = client.get(f"{url}{answer['links']['self']}", headers=headers).json()
            return answer
    raise AssertionError("the request was never taken")


def test_caps_hold_from_the_first_requests_of_a_new_decider(
    fresh_broker: LocalBroker, opds: dict[str, Opd], tmp_path: Path
) -> None:
    opd = opds["caps"]
    staff = opd.units[0].staff
    day = next_weekdays(1, skip_weeks=2)[0].isoformat()
    week = [d.isoformat() for d in next_weekdays(5, skip_weeks=3)]
    proc = start_service(
        "eligibility",
        kafka_bootstrap=fresh_broker.bootstrap,
        data_dir=tmp_path / "fresh",
        group_suffix=uuid.uuid4().hex[:8],
        extra_env={},
    )
    try:
        with ThreadPoolExecutor(max_workers=UNIT_SIZE + 2) as pool:
            same_day = [
                pool.submit(_submit_until_taken, proc.url, asn(nip, opd), [day]) for nip in staff
            ]
            # one ASN asks for three days of one week at once: the weekly cap allows two
            three_days = pool.submit(_submit_until_taken, proc.url, asn(staff[0], opd), week[:3])
            decided = [f.result() for f in same_day]
            over_cap = three_days.result()
    finally:
        _stop(proc)

    statuses = [d["status"] for d in decided]
    assert statuses.count("pending") == int(UNIT_SIZE * SHARE), statuses
    assert statuses.count("not_eligible") == UNIT_SIZE - int(UNIT_SIZE * SHARE), statuses
    assert over_cap["status"] == "not_eligible", over_cap


def test_a_decider_whose_state_topics_cannot_hold_its_state_takes_no_command(
    fresh_broker: LocalBroker, opds: dict[str, Opd], tmp_path: Path
) -> None:
    """Changelogs with another partition count than the commands (as a broker that
    auto-creates topics would make them) can hold nothing: the service must say so and refuse
    commands, not decide without holding."""
    opd = opds["arsip"]
    suffix = uuid.uuid4().hex[:8]
    app_id = f"wfa-eligibility-{suffix}"

    async def create_wrong_changelogs() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=fresh_broker.bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [
                    NewTopic(f"{app_id}-{table}-changelog", 1, 1)
                    for table in ("decider-requests", "decider-unit-days", "decider-asn-weeks")
                ]
            )
        finally:
            await admin.close()

    asyncio.run(create_wrong_changelogs())
    proc = start_service(
        "eligibility",
        kafka_bootstrap=fresh_broker.bootstrap,
        data_dir=tmp_path / "fresh",
        group_suffix=suffix,
        extra_env={},
    )
    try:
        day = next_weekdays(1, skip_weeks=2)[0].isoformat()
        body = {**request_body([]), "dates": [day]}
        deadline = time.monotonic() + 120
        readiness: dict[str, Any] = {}
        answers: list[httpx.Response] = []
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                try:
                    readiness = client.get(f"{proc.url}/ready", timeout=10).json()
                    answers.append(
                        client.post(
                            f"{proc.url}/wfa/requests",
                            json=body,
                            headers=asn(opd.units[0].staff[len(answers) % 5], opd),
                            timeout=30,
                        )
                    )
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if "failed" in readiness:
                    break
                time.sleep(0.5)
    finally:
        _stop(proc)
    assert answers, "the service never answered"
    assert all(a.status_code == 503 for a in answers), [a.text for a in answers]
    assert readiness.get("ready") is False
    assert "decider-requests-changelog" in readiness.get("failed", ""), readiness
