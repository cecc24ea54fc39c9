"""Reporting never counts an event twice, on the real broker: a replay from offset 0 (into a
fresh database, and again into the same one), a restart in the middle of a batch, and a
SIGKILL of the projecting process in the middle of a batch all leave every projection table
with the checksums of one clean pass over the same log."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import pytest

from schemas import Envelope
from schemas.events import Mode
from services.reporting.checksums import (
    DERIVED_TABLES,
    FACT_TABLES,
    TableChecksum,
    projection_checksums,
)
from tests.support.presence_events import anomaly, utc
from tests.support.presence_events import signal as presence
from tests.support.province import new_nip
from tests.support.reporting_events import (
    Decision,
    decided,
    employee,
    output,
    report,
    requested,
    review,
)
from tests.support.reporting_projection import (
    DyingStep,
    committed_offsets,
    end_offsets,
    private_topics,
    project_all,
    projector,
    publish,
    reporting_context,
    start_child,
    wait_ready,
)

pytestmark = pytest.mark.integration

FIRST_MONDAY = date(2026, 11, 23)
WEEKS = 2

Checksums = dict[str, TableChecksum]
Verdict = Literal["accepted", "returned"]


def _workdays() -> list[date]:
    return [FIRST_MONDAY + timedelta(days=d) for d in range(7 * WEEKS) if d % 7 < 5]


def _history(run: str) -> list[Envelope]:
    """A realistic mixed fortnight for a handful of employees in three OPDs: the roster and
    its changes, WFA requests approved, rejected and cancelled, check-ins and check-outs (some
    missing), pings and heartbeats, anomalies (one published twice), daily reports returned
    and submitted again, reviews."""
    rng = random.Random(run)
    opds = [f"opd-{run}-{i}" for i in range(3)]
    head = new_nip()
    staff = [(new_nip(), opds[i % 3]) for i in range(7)]
    mover, mover_to = staff[5][0], opds[0]
    unit_changer = staff[1][0]
    days = _workdays()
    events: list[Envelope] = [employee(head, opds[0], "pimpinan", None)]
    events += [employee(nip, opd, f"unit-{opd[-1]}", head) for nip, opd in staff]
    for week in range(WEEKS):
        monday = days[week * 5]
        for i, (nip, opd) in enumerate(staff):
            asked = [monday + timedelta(days=d) for d in sorted(rng.sample(range(5), 3))]
            rid = f"r-{run}-{i}-{week}"
            events.append(requested(nip, opd, rid, asked, utc(monday, 6)))
            decision: Decision = ("approved", "approved", "rejected", "cancelled")[(i + week) % 4]
            if decision == "cancelled":
                events.append(decided("approved", nip, opd, rid, head, utc(monday, 6, 30)))
            events.append(decided(decision, nip, opd, rid, head, utc(monday, 7)))
    for day in days:
        for nip, home in staff:
            opd = mover_to if nip == mover and day >= days[6] else home
            pattern = rng.random()
            if pattern < 0.1:
                continue  # nothing recorded that day
            mode: Mode = "wfa" if rng.random() < 0.4 else "office"
            if pattern < 0.2:  # absent, but a report
                events.append(report(nip, opd, day, [output(1)], utc(day, 17)))
                continue
            late = rng.random() < 0.25
            events.append(
                presence("check_in", nip, opd, utc(day, 7, 50 if late else 25), mode=mode)
            )
            if late:
                events.append(anomaly("late_check_in", nip, opd, utc(day, 7, 50)))
            for hour in (9, 11, 13):
                kind = "ping" if mode == "wfa" else "heartbeat"
                events.append(
                    presence(kind, nip, opd, utc(day, hour, rng.randint(0, 59)), mode=mode)
                )
            if rng.random() < 0.15:
                spotted = anomaly("outside_geofence", nip, opd, utc(day, 11))
                events += [spotted, spotted]  # published twice: the same event
            if rng.random() < 0.85:
                events.append(
                    presence("check_out", nip, opd, utc(day, 16, rng.randint(0, 40)), mode=mode)
                )
            else:
                events.append(anomaly("missing_check_out", nip, opd, utc(day, 23)))
            outputs = [output(rng.randint(0, 3), rng.choice([None, 2.0, 3.0])) for _ in range(2)]
            events.append(report(nip, opd, day, outputs, utc(day, 16, 45), mode=mode))
            verdict: Verdict = "returned" if rng.random() < 0.2 else "accepted"
            events.append(review(nip, opd, day, head, verdict, utc(day, 18)))
            if verdict == "returned":
                events.append(
                    report(nip, opd, day, outputs[:1], utc(day, 19), revision=2, mode=mode)
                )
                if rng.random() < 0.5:
                    events.append(review(nip, opd, day, head, "accepted", utc(day, 20), revision=2))
        if day == days[5]:  # the roster moves one employee, and another to a new unit
            events.append(employee(mover, mover_to, "unit-x", head, update=True, at=utc(day, 20)))
        if day == days[7]:
            events.append(
                employee(unit_changer, staff[1][1], "unit-baru", head, update=True, at=utc(day, 20))
            )
    return events


@dataclass(frozen=True)
class Log:
    bootstrap: str
    topics: list[str]
    events: int


@pytest.fixture(scope="module")
async def log(kafka_bootstrap: str) -> Log:
    run = uuid.uuid4().hex[:8]
    topics = await private_topics(kafka_bootstrap)
    history = _history(run)
    await publish(kafka_bootstrap, topics, history)
    return Log(kafka_bootstrap, list(topics.values()), len(history))


@pytest.fixture(scope="module")
async def clean(log: Log, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Checksums]:
    """One clean pass: the whole log in large batches, into a fresh database."""
    data = tmp_path_factory.mktemp("clean")
    async with reporting_context(log.bootstrap, data) as ctx:
        running = await project_all(ctx, log.topics, _group(), batch_size=10_000)
        sums = await projection_checksums(ctx.store)
    assert running.records == log.events
    assert all(sums[table].rows > 0 for table in sums), sums
    yield sums


def _group() -> str:
    return f"test-reporting-{uuid.uuid4().hex[:8]}"


async def _versions(data: Path, log: Log) -> dict[str, tuple[int, int]]:
    """Per derived table, the oldest and newest version of its current rows."""
    async with reporting_context(log.bootstrap, data) as ctx:
        found = {}
        for table in DERIVED_TABLES:
            rows = await ctx.store.query(
                f"SELECT toString(min(version)) AS oldest, toString(max(version)) AS newest "
                f"FROM {{db}}.{table} FINAL"
            )
            found[table] = (int(rows[0]["oldest"]), int(rows[0]["newest"]))
        return found


async def test_replaying_from_offset_zero_changes_nothing(
    log: Log, clean: Checksums, tmp_path: Path
) -> None:
    async with reporting_context(log.bootstrap, tmp_path) as ctx:
        first = await project_all(ctx, log.topics, _group(), batch_size=37)
        assert first.records == log.events
        assert await projection_checksums(ctx.store) == clean
    before = await _versions(tmp_path, log)
    # and again into the same database: every row computed again, none counted twice, even
    # while every fact is stored twice (merges stopped: nothing de-duplicates in the meantime)
    async with reporting_context(log.bootstrap, tmp_path) as ctx:
        for table in FACT_TABLES:
            await ctx.store.execute(f"SYSTEM STOP MERGES {{db}}.{table}")
        again = await project_all(ctx, log.topics, _group(), batch_size=101)
        rows = await ctx.store.query("SELECT count() AS n FROM {db}.presence_signals")
        assert int(rows[0]["n"]) == 2 * clean["presence_signals"].rows
        assert again.records == log.events
        assert await projection_checksums(ctx.store) == clean
    after = await _versions(tmp_path, log)
    # every current row was computed again by the second pass
    assert all(after[t][0] > before[t][1] for t in DERIVED_TABLES), (before, after)


async def test_a_restart_in_the_middle_of_a_batch_changes_nothing(
    log: Log, clean: Checksums, tmp_path: Path
) -> None:
    group = _group()
    ends = await end_offsets(log.bootstrap, log.topics)
    async with reporting_context(log.bootstrap, tmp_path) as ctx:
        step = DyingStep(ctx, dies_on=2)
        dying = projector(ctx, log.topics, group, batch_size=7, step=step)
        await dying.start()
        try:
            await asyncio.wait_for(step.died.wait(), 60)
        finally:
            await dying.stop(timeout_s=2.0)  # what is in flight is never committed
        committed = await committed_offsets(log.bootstrap, group, log.topics)
        assert sum(committed.values()) < sum(ends.values()), "it died after the end of the log"

        restarted = projector(ctx, log.topics, group, batch_size=7)
        await restarted.start()
        try:
            await wait_ready(restarted)
        finally:
            await restarted.stop()
        # the batch it died in was projected again, from the last commit
        assert restarted.records == sum(ends.values()) - sum(committed.values())
        assert await projection_checksums(ctx.store) == clean


async def test_sigkill_in_the_middle_of_a_batch_changes_nothing(
    log: Log, clean: Checksums, tmp_path: Path
) -> None:
    group, data = _group(), tmp_path / "reporting"
    ends = await end_offsets(log.bootstrap, log.topics)
    total = sum(ends.values())
    ready = tmp_path / "ready"
    child = start_child(log.bootstrap, log.topics, group, data, batch_size=7, ready=ready)
    try:
        deadline = time.monotonic() + 120
        while True:  # kill it once it has committed part of the log
            assert child.poll() is None, "the projecting process ended by itself"
            assert time.monotonic() < deadline, "the projecting process made no progress"
            done = sum((await committed_offsets(log.bootstrap, group, log.topics)).values())
            if done >= total // 4:
                break
            await asyncio.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert await asyncio.to_thread(child.wait, 30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    committed = sum((await committed_offsets(log.bootstrap, group, log.topics)).values())
    assert 0 < committed < total, "the kill did not happen in the middle of the log"
    assert not ready.exists()

    # the same process again, on the same data, until it has caught up
    again = start_child(log.bootstrap, log.topics, group, data, batch_size=7, ready=ready)
    try:
        deadline = time.monotonic() + 180
        while not ready.exists():
            assert again.poll() is None, "the restarted process ended by itself"
            assert time.monotonic() < deadline, "the restarted process did not catch up"
            await asyncio.sleep(0.1)
        again.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(again.wait, 60) == 0
    finally:
        if again.poll() is None:
            again.kill()
    assert int(ready.read_text()) == total - committed  # it resumed from the last commit
    async with reporting_context(log.bootstrap, data) as ctx:
        assert await projection_checksums(ctx.store) == clean
