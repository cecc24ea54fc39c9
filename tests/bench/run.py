"""Benchmarks: ``make bench``. Every figure is printed beside another way of doing the same
work, measured in the same run on the same machine, with the ratio between them.

python -m tests.bench.run                      # everything, default sizes (a few minutes)
python -m tests.bench.run --only reporting     # one group: reporting, publisher, http, decisions,
                                               # audit
python -m tests.bench.run --events 200000      # sizes: see --help

Results are printed and written to ``var/bench/latest.json`` (``--out``). Figures recorded
earlier on other machines are kept in ``tests/bench/history/`` for the record only: they are
never compared with.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.common import Figure, Measure
from tests.support.infra import REPO, kafka_broker

GROUPS = ("reporting", "publisher", "http", "decisions", "audit")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=GROUPS, action="append", help="run only these groups")
    parser.add_argument("--runs", type=int, default=_env_int("BENCH_RUNS", 3), help="medians of")
    parser.add_argument(
        "--events", type=int, default=_env_int("BENCH_EVENTS", 200_000), help="reporting events"
    )
    parser.add_argument("--naive-events", type=int, default=_env_int("BENCH_NAIVE_EVENTS", 300))
    parser.add_argument(
        "--replay-processes",
        type=int,
        default=_env_int("BENCH_REPLAY_PROCESSES", 2),
        help="projector processes rebuilding in parallel",
    )
    parser.add_argument(
        "--batch", type=int, default=_env_int("BENCH_PROJECTOR_BATCH", 5_000), help="records"
    )
    parser.add_argument("--publishes", type=int, default=_env_int("BENCH_PUBLISHES", 10_000))
    parser.add_argument("--concurrency", type=int, default=_env_int("BENCH_CONCURRENCY", 32))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--load-processes", type=int, default=_env_int("BENCH_LOAD_PROCESSES", 1))
    parser.add_argument("--staff", type=int, default=_env_int("BENCH_STAFF", 40), help="×5 reqs")
    parser.add_argument(
        "--audit-events", type=int, default=_env_int("BENCH_AUDIT_EVENTS", 100_000), help="verify"
    )
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "latest.json")
    return parser.parse_args()


def _rate_text(measure: Measure) -> str:
    text = f"{measure.rate:>12,.0f} {measure.unit}"
    if measure.p50_ms is not None:
        text += f"  p50 {measure.p50_ms:,.1f} ms  p99 {measure.p99_ms or 0:,.1f} ms"
    if measure.errors:
        text += f"  ({measure.errors} failed)"
    return text


def _print(figure: Figure) -> None:
    print(f"\n== {figure.name}")
    if figure.target:
        print(f"   target: {figure.target}")
    runs = ", ".join(f"{r:,.0f}" for r in figure.ours.rates)
    print(f"   ours      {figure.ours.name:<52} {_rate_text(figure.ours)}   runs [{runs}]")
    if figure.ours.note:
        print(f"             {figure.ours.note}")
    for baseline in figure.baselines:
        runs = ", ".join(f"{r:,.0f}" for r in baseline.rates)
        print(
            f"   baseline  {baseline.name:<52} {_rate_text(baseline)}   runs [{runs}]"
            f"   ratio {figure.ratio(baseline):.3g}×"
        )
        if baseline.note:
            print(f"             {baseline.note}")


def main() -> int:
    options = _options()
    groups = options.only or list(GROUPS)
    figures: list[Figure] = []
    started = time.time()
    with kafka_broker() as bootstrap, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        steps: list[tuple[str, Callable[[], list[Figure]]]] = []
        if "reporting" in groups:
            from tests.bench.reporting import bench_reporting

            steps.append(
                (
                    "reporting",
                    lambda: bench_reporting(
                        bootstrap,
                        count=options.events,
                        naive_count=options.naive_events,
                        runs=options.runs,
                        batch=options.batch,
                        replay_processes=options.replay_processes,
                    ),
                )
            )
        if "publisher" in groups:
            from tests.bench.publisher import bench_publisher

            steps.append(
                (
                    "publisher",
                    lambda: asyncio.run(
                        bench_publisher(bootstrap, count=options.publishes, runs=options.runs)
                    ),
                )
            )
        if "http" in groups:
            from tests.bench.http_writes import bench_http_writes

            steps.append(
                (
                    "http",
                    lambda: bench_http_writes(
                        bootstrap,
                        data_dir,
                        concurrency=options.concurrency,
                        seconds=options.seconds,
                        processes=options.load_processes,
                    ),
                )
            )
        if "decisions" in groups:
            from tests.bench.decisions import bench_decisions

            steps.append(
                (
                    "decisions",
                    lambda: [
                        bench_decisions(bootstrap, data_dir, staff=options.staff, runs=options.runs)
                    ],
                )
            )
        if "audit" in groups:
            from tests.bench.audit_verify import bench_audit_verify

            steps.append(
                (
                    "audit",
                    lambda: bench_audit_verify(
                        bootstrap, count=options.audit_events, runs=options.runs
                    ),
                )
            )
        for name, step in steps:
            print(f"running: {name} ...", flush=True)
            for figure in step():
                _print(figure)
                figures.append(figure)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "at": datetime.now(UTC).isoformat(),
        "seconds": round(time.time() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "options": {k: str(v) for k, v in vars(options).items()},
        "figures": [figure.as_json() for figure in figures],
    }
    options.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {options.out} (load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
