"""An OPD's state folded forward from snapshots equals the fold of its whole history.

A generated OPD (the province generator, one OPD for a month) is archived into a real chDB
``event_archive`` the way audit archives it; the state at several instants is folded once from
the whole history and once from the snapshots earlier folds left, and both answer the same.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kernel.projection_rows import Position
from operations.province.generate import Event, generate
from operations.province.model import ProvinceConfig
from operations.province.plans import Period
from schemas import new_ulid
from schemas.serialization import read_event
from schemas.topics import RESTRICTED_TOPICS
from services.audit import time_travel_snapshots as snapshots
from services.audit.domain.archive import archive_row
from services.audit.domain.time_travel import OPD_MAX_EVENTS, OpdHistory
from services.audit.tables import MIGRATIONS
from services.runtime.store.chdb_store import ChdbStore

pytestmark = pytest.mark.integration

LATER = datetime(2100, 1, 1, tzinfo=UTC)
"""The folds' "now": every cut of the generated month is long settled."""


def _rows(events: list[Event], first_offset: int = 0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    offsets: dict[str, int] = {}
    for event in events:
        if event.topic in RESTRICTED_TOPICS:
            continue
        record = event.record()
        assert record.value is not None
        offset = offsets.get(event.topic, first_offset)
        offsets[event.topic] = offset + 1
        position = Position(event.topic, 0, offset)
        for table, row in archive_row(read_event(record.value), position, record.value):
            if table == "event_archive":
                rows.append(row)
    return rows


async def _state(store: ChdbStore, opd: str, at: datetime, *, use: bool) -> dict[str, Any]:
    history = OpdHistory(as_of=at, limit=OPD_MAX_EVENTS, opd_id=opd)
    await snapshots.fold_opd_history(store, history, snapshots=use, now=LATER)
    return history.state()


def test_snapshots_folded_forward_answer_as_the_whole_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 700)
    monkeypatch.setattr(snapshots, "PAGE_ROWS", 900)
    config = ProvinceConfig(asn=30, opds=1)
    events = list(generate(config, Period.of(date(2025, 12, 1), "month")))
    opd = events[-1].opd_id
    rows = _rows(events)
    assert len(rows) > 3_000
    times = sorted(row["recorded_at"] for row in rows)
    instants = [times[len(times) * k // 5] for k in (1, 2, 3, 4)] + [times[-1]]

    async def scenario() -> None:
        store = ChdbStore(tmp_path / "chdb", "wfa_audit")
        try:
            await store.migrate(MIGRATIONS)
            for start in range(0, len(rows), 5_000):
                await store.insert("event_archive", rows[start : start + 5_000])
            # the latest instant first: its fold leaves snapshots all along the month
            for at in reversed(instants):
                whole = await _state(store, opd, at, use=False)
                forward = await _state(store, opd, at, use=True)
                assert forward == whole
            written = await store.query("SELECT count() AS n FROM {db}.time_travel_snapshots FINAL")
            assert int(written[0]["n"]) >= 3
            # answers start from a snapshot now, and still agree
            history = OpdHistory(as_of=instants[2], limit=OPD_MAX_EVENTS, opd_id=opd)
            report = await snapshots.fold_opd_history(store, history, now=LATER)
            assert report.snapshot_cut is not None
            assert report.rows_read < len(rows) // 2
            assert history.state() == await _state(store, opd, instants[2], use=False)

            # an event published again later (the same event id) is a duplicate across a cut,
            # and one archived late, before cuts already taken, makes those snapshots stale
            sample = next(
                e for e in events if e.event_type == "CheckedIn" and e.recorded_at < instants[0]
            )
            again = replace(sample, recorded_at=instants[3] - timedelta(seconds=1))
            await store.insert("event_archive", _rows([again], first_offset=10_000_000))
            whole = await _state(store, opd, instants[4], use=False)
            assert whole["duplicates_skipped"] >= 1
            history = OpdHistory(as_of=instants[4], limit=OPD_MAX_EVENTS, opd_id=opd)
            report = await snapshots.fold_opd_history(store, history, now=LATER)
            assert report.snapshot_cut is not None
            assert sample.recorded_at < datetime.fromisoformat(report.snapshot_cut + "+00:00")
            assert history.state() == whole

            late = replace(sample, event_id=new_ulid())
            await store.insert("event_archive", _rows([late], first_offset=10_000_001))
            for at in (instants[3], instants[4]):
                whole = await _state(store, opd, at, use=False)
                history = OpdHistory(as_of=at, limit=OPD_MAX_EVENTS, opd_id=opd)
                report = await snapshots.fold_opd_history(store, history, now=LATER)
                assert report.stale_snapshots >= 1
                assert history.state() == whole
        finally:
            await store.close()

    asyncio.run(scenario())
