"""An OPD's state at an instant, folded forward from the latest snapshot before it.

Folding an OPD's whole history from the archive takes minutes at a province's size (a DKI OPD
records about 3.4 million events a year). So the fold keeps snapshots of the folded state
(:mod:`services.audit.domain.time_travel.snapshot`) in ``time_travel_snapshots``, one every
:data:`SNAPSHOT_EVERY` events applied, and an answer loads the latest snapshot cut at or before
its instant and folds only the archived events recorded after the cut.

Snapshots are derived data, written by the folds that answer (the first answer about an OPD
folds its whole history once and leaves snapshots along the way) and checked before use: each
keeps how many archived rows the OPD's fold could read up to its cut (the OPD's own events and
every roster event), and one whose count the archive no longer gives (an event archived late,
with an earlier ``recorded_at``) is passed over and replaced by the fold that follows. Only
cuts older than :data:`SETTLED_S` before the fold began are kept, when the archive has had time
to receive what was recorded by then.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.exceptions import MalformedEvent
from schemas.serialization import read_event
from services.audit.domain.time_travel import ROSTER_TYPES, OpdHistory
from services.audit.domain.time_travel.snapshot import FORMAT, encode_opd, mark_seen, restore_opd
from services.runtime.store.base import Store

__all__ = [
    "SETTLED_S",
    "SNAPSHOT_EVERY",
    "SNAPSHOT_TABLES",
    "FoldReport",
    "fold_opd_history",
]

TABLE = "time_travel_snapshots"
SNAPSHOT_EVERY = 50_000
"""Events applied between two snapshots of one OPD: at most this many are folded after the
snapshot an answer starts from (a few seconds)."""
SETTLED_S = 600.0
"""A snapshot's cut is at least this much older than the fold that writes it."""
PAGE_ROWS = 50_000
"""Archived rows read per query; the fold keeps the state, never the rows."""
CHECKED = 3
"""Snapshots checked against the archive, newest first, before folding from the start."""

SNAPSHOT_TABLES = (
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.{TABLE} (
        opd_id String,
        format UInt16,
        cut DateTime64(3, 'UTC'),
        archived UInt64,
        applied UInt64,
        state String CODEC(ZSTD(3)),
        written_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree(written_at)
    ORDER BY (opd_id, format, cut)
    """,
)

_ROSTER_LIST = ", ".join(f"'{name}'" for name in ROSTER_TYPES)

MEMBERS = (
    f"SELECT DISTINCT subject FROM {{db}}.event_archive WHERE type IN ({_ROSTER_LIST}) "
    "AND (opd_id = {opd:String} OR JSONExtractString(raw, 'payload', 'opd_id') = {opd:String})"
)
"""Everyone who was ever in the OPD: their roster events are filed under it or name it."""

OPD_ROWS = (
    "(opd_id = {opd:String} OR "
    f"(type IN ({_ROSTER_LIST}) AND subject IN {{members:Array(String)}}))"
)
"""The archived rows an OPD's fold reads: its own events, and the roster events of everyone
who was ever in it (:data:`MEMBERS`; a move is filed under either OPD)."""

_CHECKED_ROWS = f"(opd_id = {{opd:String}} OR type IN ({_ROSTER_LIST}))"
"""The rows a snapshot's count covers: a superset of :data:`OPD_ROWS` that does not depend on
who joins the OPD later (whose earlier roster events the fold reads but does not apply)."""


@dataclass
class FoldReport:
    """How an answer was folded (for benchmarks and logs)."""

    snapshot_cut: str | None = None
    rows_read: int = 0
    snapshots_written: int = 0
    stale_snapshots: int = 0
    pending: list[tuple[str, bytes, int]] = field(default_factory=list)


def utc_text(instant: datetime) -> str:
    """``instant`` as the archive's DateTime64(3, 'UTC') text, to the millisecond."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


_ready: weakref.WeakSet[Store] = weakref.WeakSet()
"""Stores whose snapshot table exists (created on first use: the table is derived data)."""


async def _ensure_table(store: Store) -> None:
    if store in _ready:
        return
    for statement in SNAPSHOT_TABLES:
        await store.execute(statement)
    _ready.add(store)


async def _archived_through(store: Store, opd_id: str, cut: str) -> int:
    rows = await store.query(
        f"SELECT count() AS n FROM {{db}}.event_archive FINAL WHERE {_CHECKED_ROWS} "
        "AND recorded_at <= {cut:DateTime64(3, 'UTC')}",
        {"opd": opd_id, "cut": cut},
    )
    return int(rows[0]["n"]) if rows else 0


async def _latest_valid(
    store: Store, opd_id: str, at: str, report: FoldReport
) -> tuple[str, str] | None:
    """(cut, state) of the latest snapshot cut at or before ``at`` that the archive agrees with."""
    candidates = await store.query(
        f"SELECT toString(cut) AS c, archived FROM {{db}}.{TABLE} FINAL "
        "WHERE opd_id = {opd:String} AND format = {format:UInt16} "
        "AND cut <= {at:DateTime64(3, 'UTC')} ORDER BY cut DESC LIMIT {checked:UInt32}",
        {"opd": opd_id, "format": FORMAT, "at": at, "checked": CHECKED},
    )
    for candidate in candidates:
        cut = str(candidate["c"])
        if await _archived_through(store, opd_id, cut) != int(candidate["archived"]):
            report.stale_snapshots += 1
            continue
        rows = await store.query(
            f"SELECT state FROM {{db}}.{TABLE} FINAL WHERE opd_id = {{opd:String}} "
            "AND format = {format:UInt16} AND cut = {cut:DateTime64(3, 'UTC')} LIMIT 1",
            {"opd": opd_id, "format": FORMAT, "cut": cut},
        )
        if rows:
            return cut, str(rows[0]["state"])
    return None


def _fold_rows(
    history: OpdHistory,
    rows: list[dict[str, Any]],
    report: FoldReport,
    since_snapshot: list[int],
    settled: str,
) -> None:
    """Fold a page of archived rows; between two instants, once :data:`SNAPSHOT_EVERY`
    events were applied since the last snapshot, keep one (cut at the earlier instant)."""
    previous: str | None = None
    for row in rows:
        recorded = str(row["r"])
        if (
            previous is not None
            and recorded != previous
            and previous <= settled
            and history.applied - since_snapshot[0] >= SNAPSHOT_EVERY
        ):
            report.pending.append((previous, encode_opd(history), history.applied))
            since_snapshot[0] = history.applied
        previous = recorded
        try:
            event = read_event(row["raw"].encode("utf-8"))
        except MalformedEvent:
            history.add_undecodable()
            continue
        history.add(event)
    report.rows_read += len(rows)


async def _write_pending(store: Store, opd_id: str, report: FoldReport) -> None:
    """Store the snapshots kept while folding, each with its count of archived rows."""
    for cut, state, applied in report.pending:
        archived = await _archived_through(store, opd_id, cut)
        await store.insert(
            TABLE,
            [
                {
                    "opd_id": opd_id,
                    "format": FORMAT,
                    "cut": cut,
                    "archived": archived,
                    "applied": applied,
                    "state": state.decode("utf-8"),
                    "written_at": utc_text(datetime.now(UTC)),
                }
            ],
        )
        report.snapshots_written += 1
    report.pending.clear()


async def fold_opd_history(
    store: Store,
    history: OpdHistory,
    *,
    snapshots: bool = True,
    now: datetime | None = None,
) -> FoldReport:
    """Fold the archived events of OPD ``history.opd_id`` up to ``history.as_of`` into
    ``history``, from the latest valid snapshot before it (``snapshots``: False folds the
    whole history and writes none)."""
    report = FoldReport()
    opd = history.opd_id
    at = utc_text(history.as_of)
    settled = utc_text((now or datetime.now(UTC)) - timedelta(seconds=SETTLED_S))
    members = [str(row["subject"]) for row in await store.query(MEMBERS, {"opd": opd})]
    params: dict[str, Any] = {"opd": opd, "at": at, "members": members}
    since_snapshot = [0]
    if snapshots:
        await _ensure_table(store)
        found = await _latest_valid(store, opd, at, report)
        if found is not None:
            cut, state = found
            await asyncio.to_thread(restore_opd, history, state)
            report.snapshot_cut = cut
            since_snapshot[0] = history.applied
            params["cut"] = cut
            earlier = await store.query(
                "SELECT event_id, subject, opd_id, "
                "JSONExtractString(raw, 'payload', 'opd_id') AS payload_opd "
                f"FROM {{db}}.event_archive FINAL WHERE {OPD_ROWS} "
                "AND recorded_at <= {cut:DateTime64(3, 'UTC')} AND event_id IN ("
                f"SELECT event_id FROM {{db}}.event_archive WHERE {OPD_ROWS} "
                "AND recorded_at > {cut:DateTime64(3, 'UTC')} "
                "AND recorded_at <= {at:DateTime64(3, 'UTC')})",
                params,
            )
            mark_seen(history, earlier)
    where = f"recorded_at <= {{at:DateTime64(3, 'UTC')}} AND {OPD_ROWS}"
    if report.snapshot_cut is not None:
        where += " AND recorded_at > {cut:DateTime64(3, 'UTC')}"
    after: dict[str, Any] = {"first": 1, "r": "1970-01-01 00:00:00.000", "t": "", "p": 0, "o": 0}
    while True:
        rows = await store.query(
            "SELECT toString(recorded_at) AS r, topic AS t, partition AS p, offset AS o, raw "
            f"FROM {{db}}.event_archive FINAL WHERE {where} "
            "AND ({first:UInt8} = 1 OR (recorded_at, topic, partition, offset) > "
            "({r:DateTime64(3, 'UTC')}, {t:String}, {p:UInt32}, {o:UInt64})) "
            "ORDER BY recorded_at, topic, partition, offset LIMIT {rows:UInt32}",
            {**params, **after, "rows": PAGE_ROWS},
        )
        if not rows:
            break
        await asyncio.to_thread(
            _fold_rows, history, rows, report, since_snapshot, settled if snapshots else ""
        )
        if report.pending:
            await _write_pending(store, opd, report)
        last = rows[-1]
        after = {"first": 0, "r": last["r"], "t": last["t"], "p": last["p"], "o": last["o"]}
        if len(rows) < PAGE_ROWS:
            break
    return report
