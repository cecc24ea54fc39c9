"""Check-ins over HTTP beside a bare FastAPI → Kafka endpoint, both as real uvicorn processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson

from schemas import new_event, new_ulid
from schemas.events import DeviceRegistered, EmployeeRegistered
from schemas.examples import _employee_fields
from schemas.topics import TOPICS, TopicSpec
from services.runtime.edge.identity import Role
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from tests.bench.bare_app import TOPIC as BARE_TOPIC
from tests.bench.common import Figure, Measure, percentile
from tests.bench.load import LoadResult, run_load
from tests.support.infra import REPO, free_port
from tests.support.processes import _stop, start_service, wait_ready
from tests.support.province import new_nip
from tests.support.tokens import bearer

BENCH_DEVICE = "bench-device"
CHECK_IN = orjson.dumps(
    {"location": {"lat": -6.9026, "lon": 107.6186}, "accuracy_m": 10, "device_id": BENCH_DEVICE}
)


async def _register(bootstrap: str, opd: str, nips: list[str]) -> None:
    publisher = EventPublisher([bootstrap], "bench-roster")
    await publisher.start()
    try:
        for nip in nips:
            payload = EmployeeRegistered.model_validate(
                {**_employee_fields(), "nip": nip, "opd_id": opd}
            )
            device = DeviceRegistered(
                registration_id=new_ulid(),
                nip=nip,
                device_id=BENCH_DEVICE,
                platform="android",
                registered_by=nip,
            )
            await publisher.publish_many(
                [
                    new_event(payload, actor="system:roster-import", subject=nip, opd_id=opd),
                    new_event(device, actor=nip, subject=nip, opd_id=opd),
                ]
            )
    finally:
        await publisher.stop()


def _bare(
    bootstrap: str, data_dir: Path, kafka: bool, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (data_dir / f"bare-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "tests.bench.bare_app:create_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            *(("--workers", str(workers)) if workers > 1 else ()),
        ],
        cwd=REPO,
        env={**os.environ, "KAFKA_BOOTSTRAP": bootstrap, "BENCH_KAFKA": "1" if kafka else "0"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"bare app did not start (see {log.name})")
        time.sleep(0.3)


def _measure(name: str, result: LoadResult, note: str = "") -> Measure:
    ok = result.count - result.errors
    statuses = ", ".join(f"{s}×{n}" for s, n in sorted(result.statuses.items()))
    return Measure(
        name,
        [ok / result.seconds],
        unit="requests/s",
        p50_ms=percentile(result.latencies_ms, 50),
        p99_ms=percentile(result.latencies_ms, 99),
        errors=result.errors,
        note=(note + " " if note else "") + f"statuses {statuses}",
    )


def bench_http_writes(
    bootstrap: str,
    data_dir: Path,
    *,
    concurrency: int,
    seconds: float,
    processes: int,
    workers: tuple[int, ...] = (1, 2),
) -> list[Figure]:
    """Check-ins through attendance beside the bare endpoint, each with 1 and 2 uvicorn
    workers (attendance keeps no store, so it runs one worker per core)."""
    asyncio.run(
        ensure_topics(
            [bootstrap],
            [*TOPICS, TopicSpec(name=BARE_TOPIC, description="bench", key="-")],
            partitions=6,
            replication=1,
            partitions_of={spec.name: spec.partitions for spec in TOPICS},
        )
    )
    opd = f"bench-{uuid.uuid4().hex[:8]}"
    nips = [new_nip() for _ in range(concurrency)]
    asyncio.run(_register(bootstrap, opd, nips))
    tokens = [bearer(Role.ASN, nip, opd) for nip in nips]
    anonymous = [{} for _ in range(concurrency)]

    def load(url: str, path: str, headers: list[dict[str, str]], key: bool) -> LoadResult:
        return run_load(
            url, path, CHECK_IN, headers, unique_key=key, processes=processes, seconds=seconds
        )

    figures: list[Figure] = []
    for count in workers:
        measures: dict[str, Measure] = {}
        for kafka in (False, True):
            process, url = _bare(bootstrap, data_dir, kafka, count)
            try:
                name = "bare FastAPI + aiokafka send()" if kafka else "bare FastAPI, no Kafka"
                measures[name] = _measure(name, load(url, "/check-ins", anonymous, False))
            finally:
                process.terminate()
                process.wait(timeout=30)
        service = start_service(
            "attendance",
            kafka_bootstrap=bootstrap,
            data_dir=data_dir,
            group_suffix=f"bench-{uuid.uuid4().hex[:6]}",
            extra_env={"ACCESS_LOG": "off", "LOCATION_PURGE_ENABLED": "false"},
            workers=count,
        )
        try:
            wait_ready([service])
            path = "/attendance/check-ins"
            no_key = _measure("attendance, no key", load(service.url, path, tokens, False))
            with_key = (
                _measure("attendance, Idempotency-Key", load(service.url, path, tokens, True))
                if count == 1
                else None
            )
        finally:
            _stop(service)
        bare = measures["bare FastAPI + aiokafka send()"]
        idle = measures["bare FastAPI, no Kafka"]
        title = (
            f"check-ins over HTTP (an honest office check-in: derived mode, geofence, device, "
            f"2 records), {count} uvicorn worker(s) each, c={concurrency}, "
            f"{processes} load process(es), {seconds:.0f}s"
        )
        figures.append(
            Figure(
                f"{title}, no key",
                no_key,
                [bare, idle],
                target="≥ 2,500/s at p99 ≤ 100 ms and ≥ 0.8× bare FastAPI → Kafka",
            )
        )
        if with_key is not None:
            figures.append(
                Figure(
                    f"{title}, with key",
                    with_key,
                    [bare, idle],
                    target="≥ 0.7× bare FastAPI → Kafka",
                )
            )
    return figures
