"""Time travel at size: an OPD's state at an instant, from snapshots, beside the whole fold.

One generated OPD (the province generator) over a period is archived into a real chDB
``event_archive`` as audit archives it. Then, at instants spread over the period: the state
folded from the whole history (what every answer cost before snapshots), the first answer
(which folds the history once and leaves snapshots), and the answers that follow (the latest
snapshot before the instant, then the events after it). Every answer from snapshots is checked
against the whole fold.

    python -m tests.bench.time_travel --asn 300 --days 90
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kernel.projection_rows import Position
from operations.province.generate import chunks
from operations.province.model import ProvinceConfig
from operations.province.plans import Period
from schemas.serialization import read_event
from schemas.topics import RESTRICTED_TOPICS
from services.audit import time_travel_snapshots as snapshots
from services.audit.domain.archive import archive_row
from services.audit.domain.time_travel import OPD_MAX_EVENTS, OpdHistory
from services.audit.tables import MIGRATIONS
from services.runtime.store.chdb_store import ChdbStore

LATER = datetime(2100, 1, 1, tzinfo=UTC)


async def _archive(store: ChdbStore, config: ProvinceConfig, period: Period) -> tuple[int, str]:
    offsets: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    total = 0
    opd = ""
    for chunk in chunks(config, period):
        for event in chunk:
            opd = opd or event.opd_id
            if event.topic in RESTRICTED_TOPICS:
                continue
            record = event.record()
            assert record.value is not None
            offset = offsets.get(event.topic, 0)
            offsets[event.topic] = offset + 1
            position = Position(event.topic, 0, offset)
            for table, row in archive_row(read_event(record.value), position, record.value):
                if table == "event_archive":
                    batch.append(row)
        if len(batch) >= 20_000:
            await store.insert("event_archive", batch)
            total += len(batch)
            batch = []
    if batch:
        await store.insert("event_archive", batch)
        total += len(batch)
    return total, opd


async def _fold(
    store: ChdbStore, opd: str, at: datetime, *, use: bool
) -> tuple[tuple[float, float], dict[str, Any], snapshots.FoldReport]:
    """(wall, CPU) seconds, the state and how it was folded (CPU: this process's, chDB's
    threads included; the wall time depends on what else the machine runs)."""
    history = OpdHistory(as_of=at, limit=OPD_MAX_EVENTS, opd_id=opd)
    started, cpu = time.perf_counter(), time.process_time()
    report = await snapshots.fold_opd_history(store, history, snapshots=use, now=LATER)
    state = history.state()
    return (time.perf_counter() - started, time.process_time() - cpu), state, report


def _s(took: tuple[float, float]) -> str:
    return f"{took[0]:.2f}s (CPU {took[1]:.2f}s)"


async def bench(asn: int, days: int, every: int, data: Path, reuse: bool) -> None:
    snapshots.SNAPSHOT_EVERY = every
    config = ProvinceConfig(asn=asn, opds=1)
    start = date(2025, 1, 6)
    period = Period(start, tuple(start + timedelta(days=i) for i in range(days)))
    store = ChdbStore(data / "chdb", "wfa_audit")
    try:
        await store.migrate(MIGRATIONS)
        held = await store.query(
            "SELECT count() AS n, any(opd_id) AS opd FROM {db}.event_archive WHERE opd_id != ''"
        )
        if int(held[0]["n"]) and reuse:
            rows, opd = int(held[0]["n"]), str(held[0]["opd"])
            await store.execute("TRUNCATE TABLE IF EXISTS {db}.time_travel_snapshots")
            print(f"reusing {rows:,} archived rows of {opd}")
        else:
            started = time.perf_counter()
            rows, opd = await _archive(store, config, period)
            print(f"archived {rows:,} rows of {opd} in {time.perf_counter() - started:.0f}s")
        end = datetime.combine(period.days[-1], datetime.max.time(), UTC)
        first = datetime.combine(period.days[0], datetime.min.time(), UTC)
        instants = [first + (end - first) * k / 10 for k in range(3, 11)]
        whole_s, whole, _ = await _fold(store, opd, end, use=False)
        print(
            f"whole fold at the end: {whole['events_applied']:,} events in {_s(whole_s)}: "
            f"{whole['events_applied'] / whole_s[1]:,.0f} events per CPU second"
        )
        seed_s, seeded, report = await _fold(store, opd, end, use=True)
        assert seeded == whole
        print(
            f"first answer (folds all, writes {report.snapshots_written} snapshots): {_s(seed_s)}"
        )
        answers: list[tuple[float, float]] = []
        wholes: list[tuple[float, float]] = []
        for at in instants:
            took, state, report = await _fold(store, opd, at, use=True)
            base_s, base, _ = await _fold(store, opd, at, use=False)
            assert state == base, at
            answers.append(took)
            wholes.append(base_s)
            print(
                f"  at {at:%Y-%m-%d %H:%M}: {state['events_applied']:>10,} events; from the "
                f"snapshot of {report.snapshot_cut} reading {report.rows_read:,} rows: "
                f"{_s(took)}; whole fold {_s(base_s)}"
            )
        for name, figures in (("answers from snapshots", answers), ("whole folds", wholes)):
            walls, cpus = [f[0] for f in figures], [f[1] for f in figures]
            print(
                f"{name}: median {statistics.median(walls):.2f}s (CPU "
                f"{statistics.median(cpus):.2f}s), max {max(walls):.2f}s (CPU {max(cpus):.2f}s)"
            )
        size = await store.query(
            "SELECT count() AS n, sum(length(state)) AS bytes FROM {db}.time_travel_snapshots FINAL"
        )
        print(f"snapshots: {size[0]['n']} of {int(size[0]['bytes']) / 1e6:,.1f} MB of JSON")
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--asn", type=int, default=300)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--every", type=int, default=snapshots.SNAPSHOT_EVERY)
    parser.add_argument("--data", type=Path, default=None, help="keep the archive here")
    parser.add_argument("--reuse", action="store_true", help="the archive already in --data")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wfa-time-travel-") as tmp:
        asyncio.run(
            bench(
                options.asn, options.days, options.every, options.data or Path(tmp), options.reuse
            )
        )


if __name__ == "__main__":
    main()
