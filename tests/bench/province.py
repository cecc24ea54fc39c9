"""``make bench-province``: a generated province through every path, each figure beside its
baseline or limit measured in the same run, on a private Kafka broker and chDB in a temp dir.

    python -m tests.bench.province                         # DKI: 62,000 ASN in 45 OPDs, a day
    python -m tests.bench.province --asn 3000 --opds 5     # minutes
    python -m tests.bench.province --skip peak --skip rebuild

In order: the four services' restart to ready on the empty log (first start, then a restart
on the same data and consumer group); 200 decisions at once beside the rules engine alone;
the roster import of the province's ASN beside parsing the file alone; the province written
to the contract topics (``wfa-province write``); projector catch-up beside aiokafka consuming
alone and a raw chDB insert of the same rows; a rebuild from offset 0 beside the live
projector; the services started on the loaded log, then restarted (time to ready, peak RSS of
each service's process tree throughout); dashboard and public queries, an OPD's time travel
and the morning peak through the attendance API (beside a bare FastAPI → Kafka endpoint) on
those services; audit archive + sealing and ``verify`` beside SHA-256 alone. A row that is
not measured says why. The table goes to ``var/bench/province.json`` and between the markers
of ``docs/performance.md``.
"""

from __future__ import annotations

import asyncio
import cProfile
import hashlib
import io
import json
import multiprocessing
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from aiokafka import AIOKafkaConsumer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from operations.province.load import (
    check_in_body,
    drive_check_ins,
    people_of,
    roles_of,
    token_for,
)
from operations.province.model import ProvinceConfig, iter_opds
from operations.province.plans import Period
from operations.province.writer import (
    WriteReport,
    compression_available,
    encoded_chunks,
    write_chunks,
)
from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER, TopicSpec
from services.runtime.edge.identity import Role
from services.runtime.kafka.broker import ensure_topics
from services.runtime.settings import DEV_JWT_SECRET, Settings
from tests.bench.bare_app import TOPIC as BARE_TOPIC
from tests.bench.common import percentile
from tests.bench.province_table import (
    SECTION,
    Row,
    markdown,
    not_measured,
    verdict,
    write_section,
)
from tests.support.infra import REPO, kafka_broker
from tests.support.processes import ServiceProcess, start_service, stop_all
from tests.support.tokens import bearer

console = Console()
SERVICES = ("eligibility", "attendance", "reporting", "audit")
SERVICE_ENV = {"AUDIT_SEAL_SECONDS": "0.5", "LOCATION_PURGE_ENABLED": "false", "ACCESS_LOG": "off"}
REPORTING_TOPICS = [ROSTER, REQUESTS, ATTENDANCE, REPORTS]
DKI_ASN = 62_000
DKI_MONTH_EVENTS = 13_000_000
"""About a DKI month of events (the issue's estimate: 21 working days of about 626,674)."""
READY_TIMEOUT_S = 3600.0
ROWS = ("restart", "decisions", "roster", "catch-up", "rebuild", "queries", "peak", "audit")
ADMIN_NIP = "198001012005011001"
AUDITOR_NIP = "198505052010012002"


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:,.1f} ms"


def _s(value: float) -> str:
    return f"{value:,.1f} s"


def _per_s(value: float, unit: str = "events/s") -> str:
    return f"{value:,.0f} {unit}"


# ---- peak RSS of a process and its children ------------------------------------------------


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _rss(pid: int) -> int:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


class RssWatch:
    """Samples the resident memory of each tracked process tree (the service and its decode
    processes) twice a second and keeps each service's peak."""

    def __init__(self) -> None:
        self.roots: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def track(self, name: str, pid: int) -> None:
        self.roots[name] = pid

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            children = _children_of()
            for name, root in list(self.roots.items()):
                total, todo = 0, [root]
                while todo:
                    pid = todo.pop()
                    total += _rss(pid)
                    todo += children.get(pid, [])
                self.peak[name] = max(self.peak.get(name, 0), total)


# ---- services ------------------------------------------------------------------------------


def _start(name: str, bootstrap: str, root: Path, suffix: str) -> ServiceProcess:
    return start_service(
        name,
        kafka_bootstrap=bootstrap,
        data_dir=root,
        group_suffix=suffix,
        extra_env={**SERVICE_ENV, "WFA_DATA_DIR": str(root / name)},
    )


def _ready_times(procs: dict[str, ServiceProcess], started: float) -> dict[str, float]:
    """Seconds from ``started`` until each service's /ready answers 200 as that service."""
    times: dict[str, float] = {}
    deadline = started + READY_TIMEOUT_S
    with httpx.Client(timeout=5) as client:
        while len(times) < len(procs):
            for name, proc in procs.items():
                if name in times:
                    continue
                if proc.process.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{proc.log_tail()}")
                try:
                    answer = client.get(f"{proc.url}/ready")
                    if answer.status_code == 200 and answer.json().get("service") == name:
                        times[name] = time.perf_counter() - started
                except (httpx.HTTPError, ValueError):
                    pass
            if time.perf_counter() > deadline:
                raise TimeoutError(
                    f"not ready in {READY_TIMEOUT_S:.0f}s: {set(procs) - set(times)}"
                )
            time.sleep(0.1)
    return times


def first_start_and_restart(
    bootstrap: str, root: Path, watch: RssWatch | None
) -> tuple[dict[str, float], dict[str, float], dict[str, ServiceProcess]]:
    """The four services started together (first start), stopped, and started again on the
    same data and consumer groups (restart): ready times of each, and the restarted
    services, still running."""
    suffix = f"bench-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    procs = {name: _start(name, bootstrap, root, suffix) for name in SERVICES}
    if watch is not None:
        for name, proc in procs.items():
            watch.track(name, proc.process.pid)
    try:
        first = _ready_times(procs, started)
    finally:
        stop_all(list(procs.values()))
    started = time.perf_counter()
    procs = {name: _start(name, bootstrap, root, suffix) for name in SERVICES}
    if watch is not None:
        for name, proc in procs.items():
            watch.track(name, proc.process.pid)
    try:
        again = _ready_times(procs, started)
    except BaseException:
        stop_all(list(procs.values()))
        raise
    return first, again, procs


# ---- the province ----------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
        console=console,
    )


def write_province(config: ProvinceConfig, period: Period, bootstrap: str) -> WriteReport:
    from operations.province.generate import chunk_count

    with _progress() as progress:
        task = progress.add_task("writing", total=chunk_count(config, period), events=0)
        written = 0

        def advance(events: int) -> None:
            nonlocal written
            written += events
            progress.update(task, advance=1, events=written)

        return asyncio.run(
            write_chunks(
                encoded_chunks(config, period),
                [bootstrap],
                compression=compression_available("auto"),
                on_chunk=advance,
            )
        )


def roster_jsonl(config: ProvinceConfig) -> bytes:
    """The province's roster as the roster import reads it (JSON Lines, the contract's
    EmployeeRegistered fields)."""
    lines = []
    for opd in iter_opds(config):
        for p in opd.people:
            head = p.head_capacity is not None
            lines.append(
                orjson.dumps(
                    {
                        "nip": p.nip,
                        "name": p.name,
                        "opd_id": p.opd_id,
                        "work_unit_id": p.unit.unit_id,
                        "position": p.position,
                        "position_category": p.category,
                        "supervisor_nip": p.supervisor,
                        "employment_type": p.employment_type,
                        "appointment_date": p.appointment_date,
                        "orientation_end_date": p.orientation_end,
                        "home_location": {"lat": p.home[0], "lon": p.home[1]},
                        "office_location": {"lat": p.office[0], "lon": p.office[1]},
                        "heads_opd": p.opd_id if head else None,
                        "head_capacity": p.head_capacity,
                    }
                )
            )
    return b"\n".join(lines) + b"\n"


# ---- profiles ----------------------------------------------------------------------------------


@contextmanager
def profiled(name: str, enabled: bool, out_dir: Path) -> Iterator[None]:
    """cProfile of the block (the main thread: the event loop) into ``out_dir/name.txt``."""
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text).sort_stats("cumulative")
        stats.print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{name}.txt").write_text(text.getvalue())
        console.print(f"profile written to {out_dir / f'{name}.txt'}")


# ---- the measures --------------------------------------------------------------------------------


async def _end_offsets(bootstrap: str, topics: list[str]) -> int:
    from tests.bench.reporting_rebuild import partitions_of

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = await partitions_of(consumer, topics)
        return int(sum((await consumer.end_offsets(parts)).values()))
    finally:
        await consumer.stop()


def _time_calls(store: Any, seconds: dict[str, float]) -> None:
    """Sum the seconds each of ``store``'s calls takes (insert, query, execute), by name: the
    work chDB does in its threads, which the event loop's profile cannot see."""

    def timed(name: str, original: Any) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - started

        return call

    for name in ("insert_encoded", "insert", "query", "execute"):
        setattr(store, name, timed(name, getattr(store, name)))


async def project_all(
    settings: Settings, store: Any, topics: list[str], count: int
) -> tuple[float, int | None]:
    """Reporting's projector from joining until every one of ``count`` records is written,
    refreshed and committed (no lag on any partition): events per second, and the records
    written when it first said ready if that was before all of them."""
    from services.reporting.domain.projection import rows_for
    from services.reporting.refresh import after_write
    from services.runtime.hosting.boot import build_context
    from services.runtime.projection.stream import stream_projector

    ctx = build_context(settings)
    ctx.store_port.open(store)
    projector = stream_projector(
        ctx,
        "reporting",
        topics,
        rows_for,
        group_id=f"bench-province-{uuid.uuid4().hex}",
        after_write=after_write(lambda: store),
    )
    early: int | None = None
    await projector.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while projector.records < count or not projector.ready() or any(projector.lag().values()):
            if projector.ready() and early is None and projector.records < count:
                early = projector.records
            if time.monotonic() > deadline:
                raise TimeoutError(f"not caught up: {projector.records} of {count}")
            await asyncio.sleep(0.05)
        done = time.monotonic()
    finally:
        await projector.stop()
    if projector.dead_lettered or projector.joined_at is None:
        raise RuntimeError(f"dead letters: {projector.dead_lettered}")
    return count / (done - projector.joined_at), early


def catch_up_rows(
    bootstrap: str, root: Path, batch: int, size: str, profile: bool, out_dir: Path
) -> tuple[list[Row], float, int]:
    from tests.bench.reporting import (
        _fresh_store,
        encoded_fact_batches,
        fetch_all,
        raw_insert,
    )
    from tests.bench.reporting_rebuild import bench_settings

    early: list[int] = []

    async def run() -> tuple[float, float, float, int]:
        count = await _end_offsets(bootstrap, REPORTING_TOPICS)
        seconds, records = await fetch_all(bootstrap, REPORTING_TOPICS, count)
        consumed = count / seconds
        batches = encoded_fact_batches(records, batch)
        del records
        raw_store = await _fresh_store(root, "bench_raw")
        inserted = await raw_insert(raw_store, batches, count, "0")
        await raw_store.close()
        del batches
        store = await _fresh_store(root, "bench_ours")
        _time_calls(store, store_seconds)
        with profiled("catch-up", profile, out_dir):
            ours, early_at = await project_all(
                bench_settings(bootstrap, root, batch), store, REPORTING_TOPICS, count
            )
            if early_at is not None:
                early.append(early_at)
        await store.close()
        return ours, consumed, inserted, count

    store_seconds: defaultdict[str, float] = defaultdict(float)
    ours, consumed, inserted, count = asyncio.run(run())
    spent = ", ".join(
        f"{name} {seconds:,.1f} s"
        for name, seconds in sorted(store_seconds.items(), key=lambda kv: -kv[1])
    )
    row = Row(
        "projector catch-up (reporting: facts + derived rows)",
        f"{size}: {count:,} events on the 4 reporting topics",
        _per_s(ours),
        f"aiokafka consume alone {_per_s(consumed)} ({ours / consumed:.2f}×); raw chDB insert "
        f"of the same fact rows {_per_s(inserted)} ({ours / inserted:.2f}×)",
        "≥ 0.5× the raw insert",
        verdict(ours >= 0.5 * inserted),
        note=f"batches of {batch:,} records; join → caught up, every batch written, derived "
        "rows refreshed and committed"
        + f"; the projector's store calls took (summed, they overlap): {spent}"
        + ("; run under cProfile (--profile), which slows it" if profile else "")
        + (
            f"; the projector said ready at {early[0]:,} of the {count:,} records (its "
            "readiness came before every record was written; the figure waits for all)"
            if early
            else ""
        ),
        values={"ours": ours, "consume_alone": consumed, "raw_insert": inserted, "events": count},
    )
    return [row], ours, count


def rebuild_row(
    bootstrap: str, count: int, live: float, processes: int, batch: int, size: str
) -> Row:
    from tests.bench.reporting_rebuild import replay

    rebuilt = replay(bootstrap, REPORTING_TOPICS, count, processes, batch)
    needed = DKI_MONTH_EVENTS / 600
    return Row(
        "rebuild from offset 0 (every reporting projection)",
        f"{size}: {count:,} events",
        f"{_per_s(rebuilt)} ({_s(count / rebuilt)}); a DKI month (~13 M events) at this rate: "
        f"{DKI_MONTH_EVENTS / rebuilt / 60:,.1f} min",
        f"the live projector (catch-up above) {_per_s(live)} ({rebuilt / live:.2f}×)",
        f"DKI month ≤ 10 min (≥ {needed:,.0f} events/s)",
        verdict(rebuilt >= needed),
        note=f"{processes} projector processes in one consumer group, each its own chDB path; "
        "the DKI month's time is this run's rate applied to 13 M events, not a measured month",
        values={"ours": rebuilt, "live": live, "events": count},
    )


def restart_rows(
    empty_first: dict[str, float],
    empty_again: dict[str, float],
    loaded_first: dict[str, float],
    loaded_again: dict[str, float],
    size: str,
    events: int,
) -> list[Row]:
    rows = []
    for name in SERVICES:
        rows.append(
            Row(
                f"restart to ready: {name}",
                f"{size}: {events:,} events in the log",
                _s(loaded_again[name]),
                f"the same service on an empty log {_s(empty_again[name])}; first start on "
                f"the loaded log (catch-up) {_s(loaded_first[name])}, on the empty one "
                f"{_s(empty_first[name])}",
                "≤ 30 s",
                verdict(loaded_again[name] <= 30),
                values={
                    "restart_loaded_s": loaded_again[name],
                    "restart_empty_s": empty_again[name],
                    "first_start_loaded_s": loaded_first[name],
                    "first_start_empty_s": empty_first[name],
                },
            )
        )
    rows[0].note = (
        "the four services start together on this machine's 2 cores (each one's ready time "
        "includes the others' start), from a stopped process to /ready answering 200"
    )
    return rows


def memory_rows(peak: dict[str, int], empty_peak: dict[str, int], size: str) -> list[Row]:
    rows = []
    for name in SERVICES:
        if name not in peak:
            continue
        rows.append(
            Row(
                f"memory: {name}",
                f"{size}, first start and restart",
                f"peak RSS {_mb(peak[name])}",
                f"the same service on an empty log {_mb(empty_peak.get(name, 0))}",
                "≤ 2 GB",
                verdict(peak[name] <= 2e9),
                values={"peak_rss": peak[name], "empty_peak_rss": empty_peak.get(name, 0)},
            )
        )
    if rows:
        rows[0].note = (
            "resident memory of the service's process tree (uvicorn and its decode "
            "processes), sampled twice a second"
        )
    return rows


def decisions_row(bootstrap: str) -> Row:
    from tests.bench.decisions import bench_decisions

    with tempfile.TemporaryDirectory() as tmp:
        figure = bench_decisions(bootstrap, Path(tmp), staff=40, runs=1)
    ours = figure.ours
    engine = figure.baselines[0]
    p99 = ours.p99_ms or 0.0
    return Row(
        "decisions, 200 requests at once",
        "one eligibility instance, 200 requests of one OPD",
        f"p50 {_ms(ours.p50_ms or 0)}, p99 {_ms(p99)}; {ours.rate:,.0f} decisions/s",
        f"the rules engine alone {engine.rate:,.0f} decisions/s",
        "p99 ≤ 500 ms",
        verdict(p99 <= 500),
        note=ours.note,
        values={
            "p50_ms": ours.p50_ms or 0,
            "p99_ms": p99,
            "rate": ours.rate,
            "engine": engine.rate,
        },
    )


def roster_row(url: str, config: ProvinceConfig, size: str) -> Row:
    from services.eligibility.domain.roster import parse_roster

    content = roster_jsonl(config)
    started = time.perf_counter()
    parsed = parse_roster(content, "jsonl", today=config.start)
    parsing = time.perf_counter() - started
    if parsed.rejected:
        return not_measured(
            "roster import",
            size,
            f"the generated roster was refused by the parser ({len(parsed.rejected)} rows)",
        )
    headers = bearer(Role.ADMIN_BKD, ADMIN_NIP, None)
    started = time.perf_counter()
    answer = httpx.post(
        f"{url}/roster/imports?format=jsonl", content=content, headers=headers, timeout=1800
    )
    seconds = time.perf_counter() - started
    if answer.status_code != 200:
        return not_measured(
            "roster import", size, f"the import answered {answer.status_code}: {answer.text[:200]}"
        )
    return Row(
        "roster import",
        f"{config.asn:,} ASN ({len(content) / 1e6:,.1f} MB of JSON Lines), an empty log",
        _s(seconds),
        f"parsing the file alone {_s(parsing)}",
        "62,000 ASN ≤ 60 s",
        verdict(seconds * DKI_ASN / config.asn <= 60)
        if config.asn < DKI_ASN
        else verdict(seconds <= 60),
        note="POST /roster/imports until it answers (every change published and projected)"
        + ("" if config.asn >= DKI_ASN else "; the verdict scales the time to 62,000 ASN linearly"),
        values={"seconds": seconds, "parse_seconds": parsing, "asn": config.asn},
    )


def query_row(url: str, config: ProvinceConfig, period: Period, size: str, repeats: int) -> Row:
    month = config.start.strftime("%Y-%m")
    opds = [opd.opd_id for opd in iter_opds(config)]
    first, last = period.start.isoformat(), period.end.isoformat()
    paths = [
        f"/reporting/opds?month={month}",
        f"/reporting/opds/{opds[0]}/days?date_from={first}&date_to={last}",
        f"/reporting/opds/{opds[0]}/summary?month={month}",
        f"/reporting/productivity?month={month}",
        f"/public/opds?month={month}",
        f"/public/opds/days?date_from={first}&date_to={last}",
    ]
    headers = bearer(Role.ADMIN_BKD, ADMIN_NIP, None)
    timings: dict[str, list[float]] = {}
    refused: dict[str, int] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for path in paths:
            for _ in range(repeats):
                started = time.perf_counter()
                answer = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    refused[path] = answer.status_code
                    break
                timings.setdefault(path, []).append(elapsed)
    if not timings:
        return not_measured("dashboard queries", size, f"every query was refused: {refused}")
    every = [t for ts in timings.values() for t in ts]
    worst = max(timings, key=lambda p: percentile(timings[p], 95))
    per = "; ".join(
        f"{p.split('?')[0]} p50 {_ms(percentile(t, 50))} p95 {_ms(percentile(t, 95))}"
        for p, t in timings.items()
    )
    p95 = percentile(timings[worst], 95)
    return Row(
        "dashboard and public queries",
        f"{size}: the period's derived rows (not a DKI year)",
        f"p50 {_ms(percentile(every, 50))}, p95 {_ms(percentile(every, 95))} over "
        f"{len(timings)} queries; slowest p95 {_ms(p95)} ({worst.split('?')[0]})",
        "the same answer from the fact rows: not measured (no fact-row query is written for "
        "each dashboard)",
        "p95 ≤ 200 ms (on a DKI year)",
        verdict(p95 <= 200),
        note=f"{repeats} calls each over HTTP on the restarted reporting service: {per}"
        + (f"; refused: {refused}" if refused else ""),
        values={"p50_ms": percentile(every, 50), "p95_ms": percentile(every, 95), "worst_p95": p95},
    )


def time_travel_row(url: str, config: ProvinceConfig, period: Period, size: str) -> Row:
    opd = next(iter_opds(config))
    at = datetime.combine(period.end, datetime.min.time(), UTC) + timedelta(hours=12)
    headers = bearer(Role.AUDITOR, AUDITOR_NIP, None)
    timings, status, text = [], 0, ""
    with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
        for _ in range(5):
            started = time.perf_counter()
            answer = client.get(
                f"/audit/time-travel/opds/{opd.opd_id}", params={"at": at.isoformat()}
            )
            status, text = answer.status_code, answer.text[:200]
            if status != 200:
                break
            timings.append(time.perf_counter() - started)
    if not timings:
        return not_measured(
            "time travel: an OPD at an instant",
            size,
            f"answered {status}: {text}",
            target="an OPD's year at DKI size within seconds",
        )
    return Row(
        "time travel: an OPD at an instant",
        f"{size}: {opd.opd_id} ({len(opd.people):,} ASN) at the period's end",
        f"median {_s(statistics.median(timings))} over {len(timings)} calls",
        "folding the whole history: not measured apart (the answer folds every event of the "
        "OPD from the start today; no snapshot exists to compare with)",
        "an OPD's year (~3.4 M events) within seconds",
        "—",
        note="the target's size (an OPD's year) is not generated in this run",
        values={"median_s": statistics.median(timings)},
    )


async def _probe_freshness(
    sample: list[Any],
    roles: dict[str, Role],
    attendance_url: str,
    reporting_url: str,
    stop: asyncio.Event,
    every_s: float,
) -> tuple[list[float], list[str]]:
    """While ``stop`` is not set, every ``every_s`` one person of ``sample`` checks in; from
    its 201, reporting's employee-days route is polled until the day shows the check-in.
    Seconds per probe, and what went wrong with the others."""
    secret, issuer = DEV_JWT_SECRET, Settings().jwt_issuer
    reader = bearer(Role.ADMIN_BKD, ADMIN_NIP, None)
    seen: list[float] = []
    failed: list[str] = []

    async def one(client: httpx.AsyncClient, n: int, p: Any) -> None:
        try:
            await _probe_one(client, n, p)
        except httpx.HTTPError as exc:  # counted, like the peak's own failed calls
            failed.append(type(exc).__name__)

    async def _probe_one(client: httpx.AsyncClient, n: int, p: Any) -> None:
        token = token_for(p, roles[p.nip], secret, issuer)
        answer = await client.post(
            f"{attendance_url}/attendance/check-ins",
            json=check_in_body(p, datetime.now(UTC), n),
            headers={"Authorization": f"Bearer {token}"},
        )
        if answer.status_code != 201:
            failed.append(f"check-in {answer.status_code}")
            return
        recorded = time.perf_counter()
        today = (datetime.now(UTC) + timedelta(hours=7)).date().isoformat()
        path = f"{reporting_url}/reporting/employees/{p.nip}/days"
        params = {"date_from": today, "date_to": today}
        while time.perf_counter() - recorded < 120:
            got = await client.get(path, params=params, headers=reader)
            if got.status_code != 200:
                failed.append(f"days {got.status_code}")
                return
            if any(item.get("check_in_at") for item in got.json().get("items", [])):
                seen.append(time.perf_counter() - recorded)
                return
            await asyncio.sleep(0.1)
        failed.append("not visible within 120 s")

    tasks: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(timeout=60) as client:
        for n, person in enumerate(sample):
            if stop.is_set():
                break
            tasks.append(asyncio.create_task(one(client, 10_000 + n, person)))
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
        await asyncio.gather(*tasks)
    return seen, failed


def peak_rows(
    bootstrap: str,
    attendance_url: str,
    reporting_url: str,
    config: ProvinceConfig,
    size: str,
    rate: float,
    count: int,
) -> list[Row]:
    everyone = list(people_of(config))
    probes = max(3, min(100, len(everyone) // 20))
    people, sample = everyone[: min(count + 1, len(everyone) - probes)], everyone[-probes:]
    roles = roles_of(everyone)
    secret, issuer = Settings().jwt_secret.get_secret_value(), Settings().jwt_issuer
    if secret != DEV_JWT_SECRET:
        raise RuntimeError("the services of the run sign with the development secret")
    every_s = max(0.5, (len(people) / rate) / probes)

    async def peak() -> tuple[Any, list[float], list[str]]:
        stop = asyncio.Event()
        probe = asyncio.create_task(
            _probe_freshness(sample, roles, attendance_url, reporting_url, stop, every_s)
        )
        result = await drive_check_ins(
            people, attendance_url, rate=rate, secret=secret, issuer=issuer
        )
        stop.set()
        seen, failed = await probe
        return result, seen, failed

    ours, seen, failed = asyncio.run(peak())
    asyncio.run(
        ensure_topics(
            [bootstrap],
            [TopicSpec(name=BARE_TOPIC, description="bench", key="-")],
            partitions=6,
            replication=1,
        )
    )
    bare = _bare_load(bootstrap, people, rate, secret, issuer)
    ok = ours.statuses.get(201, 0)
    statuses = ", ".join(f"{s}×{n}" for s, n in sorted(ours.statuses.items()))
    errors = ", ".join(f"{e}×{n}" for e, n in sorted(ours.errors.items()))
    p95 = ours.percentile(0.95)
    row = Row(
        "morning peak through the attendance API",
        f"{len(people) - 1:,} check-ins at {rate:,.0f}/s (62,000 in 6 min is 172/s)",
        f"{ok / ours.seconds:,.0f} recorded/s; p50 {_ms(ours.percentile(0.5))}, "
        f"p95 {_ms(p95)}, p99 {_ms(ours.percentile(0.99))}",
        f"a bare FastAPI → Kafka endpoint at the same rate: p50 {_ms(bare.percentile(0.5))}, "
        f"p95 {_ms(bare.percentile(0.95))}, p99 {_ms(bare.percentile(0.99))}",
        "keeps the offered rate, every check-in recorded",
        verdict(ok == len(people) - 1 and ok / ours.seconds >= 0.95 * rate),
        note=f"attendance answers {statuses}" + (f"; errors {errors}" if errors else ""),
        values={
            "rate": ok / ours.seconds,
            "p50_ms": ours.percentile(0.5),
            "p95_ms": p95,
            "p99_ms": ours.percentile(0.99),
            "bare_p50_ms": bare.percentile(0.5),
            "bare_p99_ms": bare.percentile(0.99),
        },
    )
    what = "freshness: a check-in's 201 to its employee-day row"
    if not seen:
        reason = f"no probe saw its row: {dict(Counter(failed))}" if failed else "no probe ran"
        return [row, not_measured(what, size, reason, target="p95 ≤ 2 s during the peak")]
    fresh_p95 = percentile(seen, 95)
    fresh = Row(
        what,
        f"{len(seen)} probes during the peak above",
        f"p50 {_s(percentile(seen, 50))}, p95 {_s(fresh_p95)}, max {_s(max(seen))}",
        "",
        "p95 ≤ 2 s during the peak",
        verdict(fresh_p95 <= 2 and not failed),
        note=f"one probe every {every_s:.1f} s: a check-in by one of {probes} people kept out "
        "of the peak, then reporting's employee-days route polled every 0.1 s until the day "
        "shows it" + (f"; failed: {dict(Counter(failed))}" if failed else ""),
        values={"p50_s": percentile(seen, 50), "p95_s": fresh_p95, "probes": len(seen)},
    )
    return [row, fresh]


def _bare_load(bootstrap: str, people: list[Any], rate: float, secret: str, issuer: str) -> Any:
    from tests.support.infra import free_port

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, Path(tmp, "bare.log").open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "--factory", "tests.bench.bare_app:create_app"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=REPO,
            env={**os.environ, "KAFKA_BOOTSTRAP": bootstrap, "BENCH_KAFKA": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            return asyncio.run(
                drive_check_ins(
                    people, f"http://127.0.0.1:{port}", rate=rate, secret=secret, issuer=issuer
                )
            )
        finally:
            process.terminate()
            process.wait(30)


def _audit_child(bootstrap: str, topics: list[str], data_dir: str, queue: Any) -> None:
    """Archive + seal, then verify, in a process of its own (its peak RSS is its own)."""
    from services.audit.verifier import verify_log
    from tests.bench.audit_verify import _archive_and_seal, _settings
    from tests.bench.reporting import fetch_all

    async def run() -> dict[str, float]:
        count = await _end_offsets(bootstrap, topics)
        _, records = await fetch_all(bootstrap, topics, count)
        published = [(r.topic, r.value, r) for r in records]
        held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        settings = _settings(bootstrap, Path(data_dir))
        started = time.perf_counter()
        store = await _archive_and_seal(settings, published)
        sealing = time.perf_counter() - started
        sealed_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        started = time.perf_counter()
        report = await verify_log(store, settings, kafka=False)
        verifying = time.perf_counter() - started
        await store.close()
        if not report.ok:
            raise AssertionError(f"verify found {report.findings[:3]} in {report.totals}")
        leaves = report.totals.leaves
        values = [r.value for r in records]
        started = time.perf_counter()
        for value in values:
            hashlib.sha256(value).hexdigest()
        hashing = time.perf_counter() - started
        return {
            "events": count,
            "leaves": leaves,
            "seal_rate": count / sealing,
            "verify_rate": leaves / verifying,
            "sha_rate": count / hashing,
            "held_rss": held,
            "sealed_peak_rss": sealed_peak,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }

    try:
        queue.put(asyncio.run(run()))
    except BaseException as exc:
        queue.put({"error": repr(exc)[:500]})
        raise


def audit_rows(bootstrap: str, topics: list[str], size: str) -> list[Row]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        child = context.Process(target=_audit_child, args=(bootstrap, topics, tmp, queue))
        child.start()
        result = queue.get(timeout=7200)
        child.join(60)
    if "error" in result:
        return [not_measured("audit sealing and verify", size, f"failed: {result['error']}")]
    count = int(result["events"])
    sha = result["sha_rate"]
    memory = (
        f"peak RSS {_mb(result['peak_rss'])}, of which {_mb(result['held_rss'])} held the "
        "records read before sealing"
    )
    return [
        Row(
            "audit: archive + sealing",
            f"{size}: {count:,} events on every topic",
            f"{_per_s(result['seal_rate'])}; {memory}",
            f"SHA-256 of the same bytes alone {_per_s(sha)}",
            "sealer memory bounded by the tree's height",
            "—",
            note="audit's own archive mapper and Sealer, blocks of 1,000 events, in a process "
            "of its own; the memory bound is checked by the sealer's test, not by this figure",
            values=result,
        ),
        Row(
            "audit: verify (archive mode)",
            f"{size}: {int(result['leaves']):,} sealed leaves",
            _per_s(result["verify_rate"]),
            f"SHA-256 of the same bytes alone {_per_s(sha)} ({result['verify_rate'] / sha:.3f}×)",
            "streaming, with a progress bar",
            "—",
            note=f"{int(result['leaves']):,} of the {count:,} records read are archived as "
            "leaves (audit's mapper archives what it archives; the rest are not sealed)",
        ),
    ]


# ---- the run ---------------------------------------------------------------------------------


def _machine() -> dict[str, Any]:
    mem = {}
    for line in Path("/proc/meminfo").read_text().splitlines()[:3]:
        key, value = line.split(":")
        mem[key] = value.strip()
    return {
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _step(name: str, skip: set[str], rows: list[Row], action: Callable[[], list[Row]]) -> None:
    if name in skip:
        return
    console.rule(name)
    started = time.perf_counter()
    try:
        got = action()
    except Exception as exc:  # a row that failed says so; the others still run
        console.print_exception(max_frames=5)
        got = [not_measured(name, "", f"the measure failed: {type(exc).__name__}: {exc}"[:400])]
    rows.extend(got)
    console.print(f"{name}: {time.perf_counter() - started:,.0f} s")


def run(
    config: ProvinceConfig,
    period: Period,
    *,
    batch: int,
    processes: int,
    rate: float,
    peak_count: int,
    repeats: int,
    skip: set[str],
    profile: bool,
    out: Path,
    doc: Path | None,
    section: str = SECTION,
) -> list[Row]:
    size = f"{config.asn:,} ASN, {config.opds} OPDs, {period.start}..{period.end}"
    rows: list[Row] = []
    started = time.time()
    machine_before = _machine()
    profiles = out.parent / "profiles"
    written: list[WriteReport] = []

    def publish(final: bool) -> None:
        """The table so far to ``out`` and ``doc`` (after every step: a run stopped early
        keeps what it measured)."""
        events = written[0].events if written else 0
        write_seconds = written[0].seconds if written else 0.0
        seconds = time.time() - started
        table = markdown(rows)
        if final:
            console.print(table)
        out.parent.mkdir(parents=True, exist_ok=True)
        machine_after = _machine()
        result: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(),
            "complete": final,
            "seconds": round(seconds, 1),
            "size": size,
            "province": {
                "asn": config.asn,
                "opds": config.opds,
                "seed": config.seed,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "events": events,
                "written_seconds": round(write_seconds, 1),
            },
            "machine_before": machine_before,
            "machine_after": machine_after,
            "skipped": sorted(skip),
            "rows": [{**r.__dict__} for r in rows],
        }
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        if doc is None:
            return
        before, after = machine_before, machine_after
        header = (
            f"Measured {result['at'][:16]} UTC by `make bench-province` in {seconds / 60:,.0f} "
            f"min: {size} ({events:,} events written in {write_seconds:,.0f} s). "
            f"Machine: {before['cpus']} cores, {before['memory'].get('MemTotal', '?')}, "
            f"Python {before['python']}; load average {before['load_average'][0]} at the start, "
            f"{after['load_average'][0]} at the end (the machine was shared). "
            + (f"Skipped: {', '.join(sorted(skip))}. " if skip else "")
            + ("" if final else "**Incomplete: the run stopped before its last row.** ")
            + f"Raw figures: `{out.relative_to(REPO) if out.is_relative_to(REPO) else out}`.\n\n"
        )
        write_section(doc, header + table, section)

    def step(name: str, action: Callable[[], list[Row]]) -> None:
        _step(name, skip, rows, action)
        publish(final=False)

    with kafka_broker() as bootstrap, tempfile.TemporaryDirectory() as tmp, RssWatch() as watch:
        root = Path(tmp)
        empty: dict[str, dict[str, float]] = {}
        empty_watch = RssWatch()
        if "restart" not in skip:
            console.rule("services on the empty log")
            with empty_watch:
                first, again, procs = first_start_and_restart(
                    bootstrap, root / "empty", empty_watch
                )
            try:
                if "roster" not in skip:
                    step(
                        "roster",
                        lambda: [roster_row(procs["eligibility"].url, config, size)],
                    )
            finally:
                stop_all(list(procs.values()))
            empty = {"first": first, "again": again}
        step("decisions", lambda: [decisions_row(bootstrap)])
        console.rule("writing the province")
        report = write_province(config, period, bootstrap)
        written.append(report)
        console.print(f"{report.events:,} events in {report.seconds:,.0f} s ({report.rate:,.0f}/s)")
        live = 0.0
        count = 0

        def catch_up() -> list[Row]:
            nonlocal live, count
            got, live, count = catch_up_rows(bootstrap, root, batch, size, profile, profiles)
            return got

        step("catch-up", catch_up)
        if live:
            step(
                "rebuild",
                lambda: [rebuild_row(bootstrap, count, live, processes, batch, size)],
            )
        if "restart" in skip:
            rows.append(not_measured("restart to ready", size, "skipped (--skip restart)"))
        else:
            console.rule("services on the loaded log")
            loaded_first, loaded_again, procs = first_start_and_restart(
                bootstrap, root / "loaded", watch
            )
            try:
                rows += restart_rows(
                    empty["first"], empty["again"], loaded_first, loaded_again, size, report.events
                )
                if "queries" not in skip:
                    step(
                        "queries",
                        lambda: [query_row(procs["reporting"].url, config, period, size, repeats)],
                    )
                    step(
                        "time travel",
                        lambda: [time_travel_row(procs["audit"].url, config, period, size)],
                    )
                step(
                    "peak",
                    lambda: peak_rows(
                        bootstrap,
                        procs["attendance"].url,
                        procs["reporting"].url,
                        config,
                        size,
                        rate,
                        peak_count,
                    ),
                )
            finally:
                stop_all(list(procs.values()))
            rows += memory_rows(watch.peak, empty_watch.peak, size)
            publish(final=False)
        step("audit", lambda: audit_rows(bootstrap, sorted(report.per_topic), size))
    publish(final=True)
    console.print(f"written to {out}" + (f" and {doc}" if doc is not None else ""))
    return rows


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    asn: Annotated[int, typer.Option("--asn", min=3)] = DKI_ASN,
    opds: Annotated[int, typer.Option("--opds", min=1)] = 45,
    period: Annotated[str, typer.Option("--period", help="day, week or month")] = "day",
    start: Annotated[datetime, typer.Option("--start", formats=["%Y-%m-%d"])] = datetime(
        2025, 12, 1
    ),
    seed: Annotated[int, typer.Option("--seed")] = 20251229,
    batch: Annotated[int, typer.Option("--batch", help="projector batch (records)")] = 5_000,
    processes: Annotated[int, typer.Option("--rebuild-processes")] = 2,
    rate: Annotated[float, typer.Option("--peak-rate", help="check-ins per second")] = 172.0,
    peak_count: Annotated[
        int, typer.Option("--peak-count", help="check-ins (default: every ASN)")
    ] = 0,
    repeats: Annotated[int, typer.Option("--query-repeats")] = 20,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help=f"rows to skip: {', '.join(ROWS)}")
    ] = None,
    profile: Annotated[
        bool, typer.Option("--profile/--no-profile", help="cProfile the catch-up")
    ] = False,
    out: Annotated[Path, typer.Option("--out")] = REPO / "var" / "bench" / "province.json",
    doc: Annotated[
        Path | None, typer.Option("--doc", help="docs page to write the table to")
    ] = REPO / "docs" / "performance.md",
    no_doc: Annotated[
        bool, typer.Option("--no-doc", help="leave docs/performance.md alone")
    ] = False,
    section: Annotated[
        str, typer.Option("--section", help="the marked section of the page to replace")
    ] = SECTION,
) -> None:
    """Measure a generated province through every path (see the module's help)."""
    if period not in ("day", "week", "month"):
        raise typer.BadParameter("--period is day, week or month")
    unknown = set(skip or ()) - set(ROWS)
    if unknown:
        raise typer.BadParameter(f"unknown rows {sorted(unknown)}; rows: {', '.join(ROWS)}")
    config = ProvinceConfig(asn=asn, opds=opds, seed=seed, start=start.date())
    span = Period.of(config.start, period)  # type: ignore[arg-type]
    run(
        config,
        span,
        batch=batch,
        processes=processes,
        rate=rate,
        peak_count=peak_count or asn,
        repeats=repeats,
        skip=set(skip or ()),
        profile=profile,
        out=out,
        doc=None if no_doc else doc,
        section=section,
    )


if __name__ == "__main__":
    app()


__all__ = ["Row", "app", "run"]
