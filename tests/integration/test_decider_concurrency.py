"""Caps hold under concurrency: 240 requests fired at once at two eligibility instances.

Both instances are real uvicorn processes in one consumer group on a real Kafka broker, each
with its own chDB. Every staff member of four units asks for every day of one week (plus a
two-day request), so each unit and day is wildly oversubscribed. Afterwards the decisions on
the requests topic must show, for every unit and day, exactly the number of staff the policy
allows away, and for every ASN at most two days in the week.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kernel.policy import allowed_away
from schemas import Envelope
from schemas.topics import REQUESTS
from tests.support.event_log import read_events
from tests.support.processes import ServiceProcess, _stop, start_service, wait_ready
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

UNITS = 4
STAFF_PER_UNIT = 10
SHARE = 0.2
WEEKLY_CAP = 2


@pytest.fixture(scope="module")
def instances(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServiceProcess]]:
    data_dir: Path = tmp_path_factory.mktemp("concurrency")
    suffix = uuid.uuid4().hex[:8]
    procs = [
        start_service(
            "eligibility",
            kafka_bootstrap=kafka_bootstrap,
            data_dir=data_dir / f"instance-{i}",
            group_suffix=suffix,
            extra_env={},
        )
        for i in range(2)
    ]
    try:
        wait_ready(procs)
        yield procs
    finally:
        for proc in procs:
            _stop(proc)


async def _fire(jobs: list[tuple[str, dict[str, str], dict[str, Any]]]) -> list[httpx.Response]:
    # a fresh connection per request: a pooled one may be closed by the server's keep-alive
    # timeout just as it is reused (the client would see a ReadError, not an answer)
    limits = httpx.Limits(max_connections=120, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=180, limits=limits) as client:
        return await asyncio.gather(
            *(client.post(url, json=body, headers=headers) for url, headers, body in jobs)
        )


def _decisions(bootstrap: str, request_ids: set[str]) -> list[dict[str, Any]]:
    def keep(envelope: Envelope) -> bool:
        return envelope.type == "WfaRequested" and envelope.payload["request_id"] in request_ids

    return [e.payload for e in asyncio.run(read_events(bootstrap, REQUESTS, keep))]


def _ready_everywhere(instances: list[ServiceProcess], opd: Opd) -> None:
    """Both instances see the roster before the burst (the import waited on one of them)."""
    probe = opd.units[0].staff[0]
    for proc in instances:
        response = httpx.get(f"{proc.url}/policies/{opd.opd_id}", headers=asn(probe, opd))
        assert response.status_code == 200 and response.json()["versions"], response.text


def test_caps_hold_with_240_concurrent_requests_at_two_instances(
    instances: list[ServiceProcess], kafka_bootstrap: str
) -> None:
    opd = make_opd({f"unit-{i}": STAFF_PER_UNIT for i in range(UNITS)})
    import_roster(instances[0].url, opd)
    publish_policy(instances[1].url, opd, max_away_share=SHARE, weekly_cap_days=WEEKLY_CAP)
    _ready_everywhere(instances, opd)
    week = next_weekdays(5, skip_weeks=2)

    jobs: list[tuple[str, dict[str, str], dict[str, Any]]] = []
    for unit in opd.units:
        for nip in unit.staff:
            for days in ([d] for d in week):
                jobs.append((nip, {}, request_body(days)))
            jobs.append((nip, {}, request_body(week[:2])))
    fired = [
        (f"{instances[i % 2].url}/wfa/requests", asn(nip, opd), body)
        for i, (nip, _, body) in enumerate(jobs)
    ]
    assert len(fired) >= 200
    responses = asyncio.run(_fire(fired))

    assert all(r.status_code == 202 for r in responses), [
        r.text for r in responses if r.status_code != 202
    ][:3]
    request_ids = {r.json()["request_id"] for r in responses}
    assert len(request_ids) == len(fired)
    decisions = _decisions(kafka_bootstrap, request_ids)
    assert {d["request_id"] for d in decisions} == request_ids
    assert len(decisions) == len(request_ids), "a request was decided twice"

    unit_of = {nip: unit.unit_id for unit in opd.units for nip in unit.staff}
    away: Counter[tuple[str, str]] = Counter()
    per_asn: defaultdict[str, set[str]] = defaultdict(set)
    for decision in decisions:
        assert decision["decision"] is not None
        if decision["decision"]["eligible"]:
            for day in decision["dates"]:
                away[(decision["work_unit_id"], day)] += 1
                assert day not in per_asn[decision["nip"]], "a day held twice"
                per_asn[decision["nip"]].add(day)
        else:
            codes = {r["code"] for r in decision["decision"]["trace"] if not r["passed"]}
            assert codes <= {"WEEKLY_CAP", "UNIT_AWAY_SHARE"}, codes

    allowed = allowed_away(SHARE, STAFF_PER_UNIT + 1)  # staff plus their supervisor
    assert allowed == 2
    for unit in opd.units:
        for day in week:
            assert away[(unit.unit_id, day.isoformat())] == allowed, (unit.unit_id, day)
    assert max(len(days) for days in per_asn.values()) <= WEEKLY_CAP
    assert set(unit_of.values()) == {u.unit_id for u in opd.units}

    served = Counter(r.url.port for r in responses)
    assert len(served) == 2, "both instances took requests"
