"""Decisions over HTTP (one eligibility instance) beside the pure rules engine alone."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from pathlib import Path

import httpx

from tests.bench.common import Figure, Measure, percentile, rate


def rules_alone(count: int) -> float:
    """Decisions with a full bilingual trace per second, no I/O."""
    from kernel.policy import default_policy
    from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
    from services.eligibility.domain.rules import evaluate

    policy = default_policy("bench-opd", effective_from=date(2025, 1, 1)).model_copy(
        update={"wfa_enabled": True}
    )
    employee = EmployeeFacts(
        nip="199001012015031001",
        opd_id="bench-opd",
        work_unit_id="bidang-data",
        position_category="administrasi",
        supervisor_nip="197001011995031003",
        appointment_date=date(2015, 3, 1),
    )
    request = RequestFacts(dates=(date(2025, 12, 2), date(2025, 12, 4)))
    usage = UsageFacts(away_by_date={date(2025, 12, 2): 3}, unit_size=40)
    started = time.perf_counter()
    for _ in range(count):
        evaluate(employee, request, policy, usage, today=date(2025, 12, 1))
    return rate(count, time.perf_counter() - started)


def _over_http(bootstrap: str, data_dir: Path, staff: int) -> Measure:
    from services.runtime.edge.identity import Role
    from tests.support.processes import _stop, start_service, wait_ready
    from tests.support.province import (
        asn,
        import_roster,
        make_opd,
        next_weekdays,
        publish_policy,
        request_body,
    )
    from tests.support.tokens import bearer

    proc = start_service(
        "eligibility",
        kafka_bootstrap=bootstrap,
        data_dir=data_dir,
        group_suffix=f"bench-{uuid.uuid4().hex[:8]}",
        extra_env={"ACCESS_LOG": "off"},
    )
    try:
        wait_ready([proc])
        opd = make_opd({f"unit-{i}": staff // 4 for i in range(4)})
        import_roster(proc.url, opd)
        publish_policy(proc.url, opd)
        week = next_weekdays(5, skip_weeks=2)
        jobs = [(nip, request_body([day])) for u in opd.units for nip in u.staff for day in week]
        latencies: list[float] = []

        async def one(client: httpx.AsyncClient, nip: str, body: object) -> httpx.Response:
            started = time.perf_counter()
            answer = await client.post(f"{proc.url}/wfa/requests", json=body, headers=asn(nip, opd))
            latencies.append((time.perf_counter() - started) * 1000)
            return answer

        async def fire() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=len(jobs))
            async with httpx.AsyncClient(timeout=300, limits=limits) as client:
                return await asyncio.gather(*(one(client, nip, b) for nip, b in jobs))

        started = time.perf_counter()
        answers = asyncio.run(fire())
        ids = [a.json()["request_id"] for a in answers if a.status_code == 202]
        waiting = {i for i, a in zip(ids, answers, strict=False) if "decision" not in a.json()}
        auditor = bearer(Role.AUDITOR, "198505052010012002", None)
        while waiting and time.perf_counter() - started < 300:
            for request_id in list(waiting):
                got = httpx.get(f"{proc.url}/wfa/requests/{request_id}", headers=auditor)
                if got.status_code == 200 and got.json()["decision"] is not None:
                    waiting.discard(request_id)
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        decided = len(ids) - len(waiting)
        return Measure(
            "eligibility over HTTP, all at once",
            [rate(decided, elapsed)],
            unit="decisions/s",
            p50_ms=percentile(latencies, 50),
            p99_ms=percentile(latencies, 99),
            errors=len(jobs) - decided,
            note=f"{len(jobs)} sent, {len(ids)} accepted, {decided} decided in {elapsed:.1f}s",
        )
    finally:
        _stop(proc)


def bench_decisions(bootstrap: str, data_dir: Path, *, staff: int, runs: int) -> Figure:
    ours = _over_http(bootstrap, data_dir, staff)
    engine = Measure(
        "rules engine alone", [rules_alone(5_000) for _ in range(runs)], unit="decisions/s"
    )
    return Figure(
        f"decisions over HTTP, {staff * 5} requests at once",
        ours,
        [engine],
        target="≥ 200/s per instance at p99 ≤ 500 ms",
    )
