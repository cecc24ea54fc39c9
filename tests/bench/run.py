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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args()
    results: dict[str, float] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("serialize+decode envelopes (events/s)", bench_serialization),
        ("project into chDB, batches of 500 (rows/s)", lambda: asyncio.run(bench_projection())),
    ]
    for name, step in steps:
        print(f"running: {name} ...", flush=True)
        results[name] = step()
    print("running: publish to a real Kafka broker ...", flush=True)
    with kafka_broker() as bootstrap:
        seq, conc = asyncio.run(bench_publish(bootstrap))
    results["publish acks=all, one at a time (events/s)"] = seq
    results["publish acks=all, 5000 concurrent (events/s)"] = conc

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
