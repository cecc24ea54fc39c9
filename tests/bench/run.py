"""Benchmarks: ``make bench``. Prints each figure beside the committed baseline.

python -m tests.bench.run                 # compare with tests/bench/baseline.json
python -m tests.bench.run --save-baseline # record this machine's figures as the baseline
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from schemas import envelope_from_bytes, new_event, to_record
from schemas.events import GeoPoint, WfaRequested, WorkTarget
from schemas.topics import REQUESTS, TOPICS
from services.reporting.domain.projection import rows_for
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting import make_faust_app
from services.runtime.kafka import EventPublisher, ensure_topics
from services.runtime.projection import Projector
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.support.infra import kafka_broker

BASELINE = Path(__file__).with_name("baseline.json")
NIP = "199001012015031001"


def _envelope(i: int) -> Any:
    payload = WfaRequested(
        request_id=f"req-{i}",
        nip=NIP,
        work_unit_id="sekretariat",
        dates=[date(2026, 12, 1)],
        location=GeoPoint(lat=-6.2, lon=106.8),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )
    return new_event(payload, actor=NIP, subject=NIP, opd_id="bappeda")


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_serialization(n: int = 20_000) -> float:
    envelopes = [_envelope(i) for i in range(n)]
    start = time.perf_counter()
    for envelope in envelopes:
        envelope_from_bytes(to_record(envelope).value)
    return _rate(n, time.perf_counter() - start)


async def bench_projection(n: int = 20_000, batch: int = 500) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(SERVICE_NAME="reporting", WFA_DATA_DIR=Path(tmp))  # type: ignore[call-arg]
        ctx = ServiceContext(settings=settings, faust_app=make_faust_app(settings))
        ctx._store = ChdbStore(Path(tmp) / "chdb", "wfa_reporting")
        await ctx.store.migrate(MIGRATIONS)
        projector = Projector(ctx, "bench", rows_for)
        messages = [
            SimpleNamespace(
                message=SimpleNamespace(
                    topic=REQUESTS,
                    partition=0,
                    offset=i,
                    key=NIP.encode(),
                    value=to_record(_envelope(i)).value,
                )
            )
            for i in range(n)
        ]
        start = time.perf_counter()
        for i in range(0, n, batch):
            await projector.handle(messages[i : i + batch])
        elapsed = time.perf_counter() - start
        await ctx.store.close()
        return _rate(n, elapsed)


async def bench_publish(bootstrap: str, n: int = 5_000) -> tuple[float, float]:
    await ensure_topics([bootstrap], TOPICS, partitions=6, replication=1)
    publisher = EventPublisher([bootstrap], "bench")
    await publisher.start()
    await publisher.publish(_envelope(-1))  # warm up metadata and the producer id
    try:
        envelopes = [_envelope(i) for i in range(n)]
        start = time.perf_counter()
        for envelope in envelopes[:500]:
            await publisher.publish(envelope)  # one request acknowledged at a time (HTTP path)
        sequential = _rate(500, time.perf_counter() - start)
        start = time.perf_counter()
        await asyncio.gather(*(publisher.publish(e) for e in envelopes))
        concurrent = _rate(n, time.perf_counter() - start)
        return sequential, concurrent
    finally:
        await publisher.stop()


def bench_rules(n: int = 5_000) -> float:
    """Pure rules engine: decisions with a full bilingual trace per second."""
    from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
    from services.eligibility.domain.policy import default_policy
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
    for _ in range(n):
        evaluate(employee, request, policy, usage, today=date(2025, 12, 1))
    return _rate(n, time.perf_counter() - started)


def bench_decisions(bootstrap: str, n_staff: int = 40) -> float:
    """HTTP requests decided per second by one eligibility instance, 5 per ASN, all at once."""
    import httpx

    from services.runtime.identity import Role
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

    with tempfile.TemporaryDirectory() as tmp:
        proc = start_service(
            "eligibility",
            kafka_bootstrap=bootstrap,
            data_dir=Path(tmp),
            group_suffix=f"bench-{time.time_ns()}",
            extra_env={},
        )
        try:
            wait_ready([proc])
            opd = make_opd({f"unit-{i}": n_staff // 4 for i in range(4)})
            import_roster(proc.url, opd)
            publish_policy(proc.url, opd)
            week = next_weekdays(5, skip_weeks=2)
            jobs = [
                (nip, request_body([day])) for u in opd.units for nip in u.staff for day in week
            ]

            async def fire() -> list[httpx.Response]:
                async with httpx.AsyncClient(timeout=300) as client:
                    return await asyncio.gather(
                        *(
                            client.post(f"{proc.url}/wfa/requests", json=b, headers=asn(nip, opd))
                            for nip, b in jobs
                        )
                    )

            started = time.perf_counter()
            answers = asyncio.run(fire())
            ids = [a.json()["request_id"] for a in answers if a.status_code == 202]
            waiting = {i for i, a in zip(ids, answers, strict=False) if "decision" not in a.json()}
            admin_headers = bearer(Role.AUDITOR, "198505052010012002", None)
            while waiting and time.perf_counter() - started < 300:
                for request_id in list(waiting):
                    got = httpx.get(f"{proc.url}/wfa/requests/{request_id}", headers=admin_headers)
                    if got.status_code == 200 and got.json()["decision"] is not None:
                        waiting.discard(request_id)
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            print(f"  {len(ids)} accepted, {len(ids) - len(waiting)} decided in {elapsed:.1f}s")
            return _rate(len(ids) - len(waiting), elapsed)
        finally:
            _stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args()
    results: dict[str, float] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("serialize+decode envelopes (events/s)", bench_serialization),
        ("project into chDB, batches of 500 (rows/s)", lambda: asyncio.run(bench_projection())),
        ("rules engine decisions, full trace (decisions/s)", bench_rules),
    ]
    for name, step in steps:
        print(f"running: {name} ...", flush=True)
        results[name] = step()
    print("running: publish to a real Kafka broker ...", flush=True)
    with kafka_broker() as bootstrap:
        seq, conc = asyncio.run(bench_publish(bootstrap))
        results["publish acks=all, one at a time (events/s)"] = seq
        results["publish acks=all, 5000 concurrent (events/s)"] = conc
        print("running: 200 concurrent WFA requests at one eligibility instance ...", flush=True)
        results["requests decided over HTTP, 200 at once (decisions/s)"] = bench_decisions(
            bootstrap
        )

    baseline: dict[str, float] = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    print(f"\n{'benchmark':<48} {'now':>12} {'baseline':>12} {'ratio':>7}")
    for name, value in results.items():
        base = baseline.get(name)
        ratio = f"{value / base:6.2f}x" if base else "     -"
        base_text = f"{base:12,.0f}" if base else f"{'-':>12}"
        print(f"{name:<48} {value:12,.0f} {base_text} {ratio}")
    if args.save_baseline:
        BASELINE.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        print(f"\nbaseline saved to {BASELINE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
