"""Reporting's derived rows for a small hand-made history, projected from the real broker into
chDB: every employee-day, -week and -month, OPD-day and OPD-month has exactly the values
worked out by hand below (a day moved to another OPD, a week over the WFA cap that starts in
the month before, a returned report submitted again, a cancelled and a rejected request)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schemas import Envelope
from services.reporting.checksums import PROJECTION_TABLES, projection_checksums
from services.runtime.store.base import Store
from tests.support.presence_events import anomaly, signal, utc
from tests.support.province import new_nip
from tests.support.reporting_events import decided, employee, output, report, requested, review
from tests.support.reporting_projection import (
    private_topics,
    project_all,
    publish,
    reporting_context,
)

pytestmark = pytest.mark.integration

NOV30, DEC1, DEC2, DEC3, DEC4 = (date(2026, 11, 30), *(date(2026, 12, d) for d in (1, 2, 3, 4)))
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@dataclass(frozen=True)
class World:
    cast: Cast
    store: Store
    then: Callable[[list[Envelope]], Awaitable[None]]
    """Publish more events and project them (the same consumer group: only those)."""


@dataclass(frozen=True)
class Cast:
    a: str
    b: str
    c: str
    head: str
    e1: str
    e2: str
    e3: str
    e4: str


def _history(x: Cast) -> list[Envelope]:
    a, b, c, h = x.a, x.b, x.c, x.head
    events = [
        employee(h, a, "pimpinan", None),
        employee(x.e1, a, "unit-1", h),
        employee(x.e2, a, "unit-1", h),
        employee(x.e3, c, "unit-c", h),
        employee(x.e4, b, "unit-b", None),
        # e1: WFA approved for 30 Nov - 2 Dec, and on 3 Dec without approval
        requested(x.e1, a, "r1", [NOV30, DEC1, DEC2], utc(NOV30, 6)),
        decided("approved", x.e1, a, "r1", h, utc(NOV30, 7)),
        signal("check_in", x.e1, a, utc(NOV30, 7, 30), mode="wfa"),
        signal("ping", x.e1, a, utc(NOV30, 10), mode="wfa"),
        signal("check_out", x.e1, a, utc(NOV30, 16), mode="wfa"),
        report(x.e1, a, NOV30, [output(1, 2, 0), output(3, 2, 0)], utc(NOV30, 16, 5), mode="wfa"),
        review(x.e1, a, NOV30, h, "accepted", utc(NOV30, 17)),
        signal("check_in", x.e1, a, utc(DEC1, 7, 45), mode="wfa"),
        anomaly("late_check_in", x.e1, a, utc(DEC1, 7, 45)),
        signal("check_out", x.e1, a, utc(DEC1, 16, 15), mode="wfa"),
        report(x.e1, a, DEC1, [output(2, 2, 0)], utc(DEC1, 16, 20), mode="wfa"),
        review(x.e1, a, DEC1, h, "returned", utc(DEC1, 17)),
        report(x.e1, a, DEC1, [output(2, 2), output(1)], utc(DEC1, 18), revision=2, mode="wfa"),
        signal("check_in", x.e1, a, utc(DEC2, 7, 30), mode="wfa"),
        anomaly("missing_check_out", x.e1, a, utc(DEC2, 23)),
        signal("check_in", x.e1, a, utc(DEC3, 7, 30), mode="wfa"),
        anomaly("remote_without_approval", x.e1, a, utc(DEC3, 7, 30)),
        signal("check_out", x.e1, a, utc(DEC3, 15, 30), mode="wfa"),
        # e2: at the office; a rejected request, then an approved one cancelled
        signal("check_in", x.e2, a, utc(NOV30, 7, 30)),
        signal("heartbeat", x.e2, a, utc(NOV30, 9)),
        signal("heartbeat", x.e2, a, utc(NOV30, 10)),
        anomaly("outside_geofence", x.e2, a, utc(NOV30, 10)),
        signal("check_out", x.e2, a, utc(NOV30, 16)),
        requested(x.e2, a, "r2", [DEC1], utc(NOV30, 12)),
        decided("rejected", x.e2, a, "r2", h, utc(NOV30, 13)),
        signal("check_in", x.e2, a, utc(DEC1, 7, 30)),
        signal("check_out", x.e2, a, utc(DEC1, 16)),
        report(x.e2, a, DEC1, [output(3)], utc(DEC1, 16, 30)),
        review(x.e2, a, DEC1, h, "accepted", utc(DEC1, 17)),
        requested(x.e2, a, "r3", [DEC2], utc(DEC1, 8)),
        decided("approved", x.e2, a, "r3", h, utc(DEC1, 9)),
        decided("cancelled", x.e2, a, "r3", h, utc(DEC1, 20)),
        # e3: in OPD C on 1 Dec; moved to OPD A during 2 Dec
        signal("check_in", x.e3, c, utc(DEC1, 7, 30)),
        signal("check_out", x.e3, c, utc(DEC1, 16)),
        report(x.e3, c, DEC1, [output(1, 1)], utc(DEC1, 16, 30)),
        review(x.e3, c, DEC1, h, "accepted", utc(DEC1, 17)),
        signal("check_in", x.e3, c, utc(DEC2, 7, 30)),
        employee(x.e3, a, "unit-2", h, update=True, at=utc(DEC2, 8)),
        signal("check_out", x.e3, a, utc(DEC2, 16)),
        # e4: one day in OPD B, its report not reviewed yet
        signal("check_in", x.e4, b, utc(DEC4, 7, 30)),
        signal("check_out", x.e4, b, utc(DEC4, 16)),
        report(x.e4, b, DEC4, [output(2, 4)], utc(DEC4, 16, 30)),
    ]
    return events


@pytest.fixture(scope="module")
async def projected(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    run = uuid.uuid4().hex[:8]
    cast = Cast(
        a=f"opd-{run}-a",
        b=f"opd-{run}-b",
        c=f"opd-{run}-c",
        head=new_nip(),
        e1=new_nip(),
        e2=new_nip(),
        e3=new_nip(),
        e4=new_nip(),
    )
    topics = await private_topics(kafka_bootstrap)
    await publish(kafka_bootstrap, topics, _history(cast))
    data: Path = tmp_path_factory.mktemp("reporting-projections")
    async with reporting_context(kafka_bootstrap, data) as ctx:

        async def then(events: list[Envelope]) -> None:
            await publish(kafka_bootstrap, topics, events)
            await project_all(ctx, list(topics.values()), f"test-{run}", batch_size=5)

        await then([])
        yield World(cast, ctx.store, then)


async def _rows(store: Store, table: str, key: str) -> dict[Any, dict[str, Any]]:
    rows = await store.query(f"SELECT * FROM {{db}}.{table} FINAL")
    return {tuple(row[k] for k in key.split(",")): row for row in rows}


def _check(row: dict[str, Any], expected: dict[str, Any]) -> None:
    got = {k: row[k] for k in expected}
    assert got == expected


async def test_employee_days(projected: World) -> None:
    x, store = projected.cast, projected.store
    days = await _rows(store, "employee_day", "nip,work_date")
    assert set(days) == {
        (x.e1, "2026-11-30"),
        (x.e1, "2026-12-01"),
        (x.e1, "2026-12-02"),
        (x.e1, "2026-12-03"),
        (x.e2, "2026-11-30"),
        (x.e2, "2026-12-01"),
        (x.e2, "2026-12-02"),
        (x.e3, "2026-12-01"),
        (x.e3, "2026-12-02"),
        (x.e4, "2026-12-04"),
    }
    common = {"working_day": True, "minutes_after_start": 0}
    _check(
        days[(x.e1, "2026-11-30")],
        {
            **common,
            "opd_id": x.a,
            "work_unit_id": "unit-1",
            "wfa_requested": True,
            "wfa_approved": True,
            "request_id": "r1",
            "mode": "wfa",
            "check_in_at": "2026-11-30 00:30:00.000",
            "check_out_at": "2026-11-30 09:00:00.000",
            "late": False,
            "worked_minutes": 510,
            "expected_minutes": 450,
            "signals": 1,
            "report_status": "accepted",
            "report_revision": 1,
            "outputs": 2,
            "outputs_with_target": 2,
            "achievement_sum": 1.5,
            "anomalies": 0,
            "violations": 0,
            "anomaly_kinds": [],
        },
    )
    _check(
        days[(x.e1, "2026-12-01")],
        {
            "mode": "wfa",
            "late": True,
            "worked_minutes": 510,
            "report_status": "submitted",
            "report_revision": 2,
            "outputs": 2,
            "outputs_with_target": 1,
            "achievement_sum": 1.0,
            "anomalies": 1,
            "violations": 0,
            "anomaly_kinds": ["late_check_in"],
        },
    )
    _check(
        days[(x.e1, "2026-12-02")],
        {
            "mode": "wfa",
            "wfa_approved": True,
            "check_out_at": None,
            "worked_minutes": 0,
            "expected_minutes": 450,
            "report_status": "none",
            "anomaly_kinds": ["missing_check_out"],
            "violations": 0,
        },
    )
    _check(
        days[(x.e1, "2026-12-03")],
        {
            "wfa_requested": False,
            "wfa_approved": False,
            "request_id": None,
            "mode": "wfa",
            "worked_minutes": 480,
            "anomalies": 1,
            "violations": 1,
            "anomaly_kinds": ["remote_without_approval"],
        },
    )
    _check(
        days[(x.e2, "2026-11-30")],
        {"mode": "office", "signals": 2, "worked_minutes": 510, "violations": 1},
    )
    _check(
        days[(x.e2, "2026-12-01")],
        {
            "wfa_requested": True,  # rejected, not cancelled
            "wfa_approved": False,
            "request_id": "r2",
            "mode": "office",
            "report_status": "accepted",
            "outputs": 1,
            "outputs_with_target": 0,
            "achievement_sum": 0.0,
        },
    )
    _check(
        days[(x.e2, "2026-12-02")],
        {
            "wfa_requested": False,  # approved, then cancelled
            "wfa_approved": False,
            "request_id": None,
            "mode": "absent",
            "check_in_at": None,
            "working_day": True,
            "worked_minutes": 0,
            "expected_minutes": 0,
        },
    )
    # the roster as it is now gives the work unit; the latest fact of the day gives the OPD
    _check(days[(x.e3, "2026-12-01")], {"opd_id": x.c, "work_unit_id": "unit-2", "mode": "office"})
    _check(
        days[(x.e3, "2026-12-02")], {"opd_id": x.a, "work_unit_id": "unit-2", "worked_minutes": 510}
    )
    _check(
        days[(x.e4, "2026-12-04")],
        {"opd_id": x.b, "report_status": "submitted", "achievement_sum": 0.5},
    )


async def test_employee_weeks(projected: World) -> None:
    x, store = projected.cast, projected.store
    weeks = await _rows(store, "employee_week", "nip,week_start")
    assert set(weeks) == {(n, "2026-11-30") for n in (x.e1, x.e2, x.e3, x.e4)}
    week = "2026-11-30"
    _check(
        weeks[(x.e1, week)],
        {"opd_id": x.a, "wfa_days": 4, "wfa_cap": 2, "over_cap": 2, "office_days": 0},
    )
    _check(weeks[(x.e2, week)], {"wfa_days": 0, "over_cap": 0, "office_days": 2})
    _check(weeks[(x.e3, week)], {"opd_id": x.a, "office_days": 2})
    _check(weeks[(x.e4, week)], {"opd_id": x.b, "office_days": 1})


async def test_employee_months(projected: World) -> None:
    x, store = projected.cast, projected.store
    months = await _rows(store, "employee_month", "nip,month")
    # e3 and e4 have no day in November: their weeks starting there have nothing over the cap
    assert set(months) == {
        (x.e1, "2026-11-01"),
        (x.e1, "2026-12-01"),
        (x.e2, "2026-11-01"),
        (x.e2, "2026-12-01"),
        (x.e3, "2026-12-01"),
        (x.e4, "2026-12-01"),
    }
    _check(
        months[(x.e1, "2026-11-01")],
        {
            "opd_id": x.a,
            "working_days": 1,
            "days_present": 1,
            "days_wfa": 1,
            "days_wfo": 0,
            "wfa_days_over_cap": 2,  # the week starting 30 November
            "worked_minutes": 510,
            "expected_minutes": 450,
            "reports_submitted": 1,
            "reports_accepted": 1,
            "outputs": 2,
            "outputs_with_target": 2,
            "achievement_sum": 1.5,
            "outputs_wfa": 2,
            "outputs_wfo": 0,
            "anomalies": 0,
            "anomalies_by_kind": {},
        },
    )
    _check(
        months[(x.e1, "2026-12-01")],
        {
            "working_days": 3,
            "days_present": 3,
            "days_wfa": 3,
            "wfa_days_over_cap": 0,
            "worked_minutes": 990,
            "expected_minutes": 1350,
            "late_days": 1,
            "missing_check_out_days": 1,
            "reports_submitted": 1,
            "reports_accepted": 0,
            "outputs": 2,
            "outputs_with_target": 1,
            "achievement_sum": 1.0,
            "anomalies": 3,
            "violations": 1,
            "anomalies_by_kind": {
                "late_check_in": 1,
                "missing_check_out": 1,
                "remote_without_approval": 1,
            },
        },
    )
    _check(
        months[(x.e2, "2026-12-01")],
        {
            "working_days": 2,
            "days_present": 1,
            "days_wfo": 1,
            "worked_minutes": 510,
            "expected_minutes": 450,
            "reports_accepted": 1,
            "outputs_wfo": 1,
        },
    )
    _check(
        months[(x.e3, "2026-12-01")],
        {
            "opd_id": x.a,
            "working_days": 2,
            "days_wfo": 2,
            "worked_minutes": 1020,
            "achievement_sum": 1.0,
        },
    )


async def test_opd_days(projected: World) -> None:
    x, store = projected.cast, projected.store
    days = await _rows(store, "opd_day", "opd_id,work_date")
    # OPD C lost its only employee-day of 2 December to OPD A
    assert set(days) == {
        (x.a, "2026-11-30"),
        (x.a, "2026-12-01"),
        (x.a, "2026-12-02"),
        (x.a, "2026-12-03"),
        (x.c, "2026-12-01"),
        (x.b, "2026-12-04"),
    }
    _check(
        days[(x.a, "2026-11-30")],
        {
            "headcount": 4,
            "recorded": 2,
            "present": 2,
            "wfa": 1,
            "wfo": 1,
            "wfa_unapproved": 0,
            "reports_submitted": 1,
            "reports_accepted": 1,
            "anomalies": 1,
            "violations": 1,
            "outputs_wfa": 2,
            "outputs_wfo": 0,
            "achievement_sum_wfa": 1.5,
            "with_target_wfa": 2,
            "achievement_sum_wfo": 0.0,
            "with_target_wfo": 0,
        },
    )
    _check(
        days[(x.a, "2026-12-01")],
        {
            "recorded": 2,
            "late": 1,
            "reports_submitted": 2,
            "reports_accepted": 1,
            "outputs_wfa": 2,
            "outputs_wfo": 1,
            "achievement_sum_wfa": 1.0,
            "with_target_wfa": 1,
        },
    )
    _check(
        days[(x.a, "2026-12-02")],
        {"recorded": 3, "present": 2, "wfa": 1, "wfo": 1, "missing_check_out": 1, "anomalies": 1},
    )
    _check(days[(x.a, "2026-12-03")], {"recorded": 1, "wfa_unapproved": 1, "violations": 1})
    _check(
        days[(x.c, "2026-12-01")],
        {"headcount": 0, "recorded": 1, "wfo": 1, "achievement_sum_wfo": 1.0, "with_target_wfo": 1},
    )
    _check(days[(x.b, "2026-12-04")], {"headcount": 1, "recorded": 1, "reports_accepted": 0})


async def test_opd_months(projected: World) -> None:
    x, store = projected.cast, projected.store
    months = await _rows(store, "opd_month", "opd_id,month")
    assert set(months) == {
        (x.a, "2026-11-01"),
        (x.a, "2026-12-01"),
        (x.b, "2026-12-01"),
        (x.c, "2026-12-01"),
    }
    _check(
        months[(x.a, "2026-11-01")],
        {"headcount": 4, "working_days": 1, "staff_days": 2, "wfa_days_over_cap": 2, "present": 2},
    )
    _check(
        months[(x.a, "2026-12-01")],
        {
            "headcount": 4,
            "working_days": 3,
            "staff_days": 6,
            "present": 5,
            "wfa": 3,
            "wfo": 2,
            "wfa_unapproved": 1,
            "wfa_days_over_cap": 0,
            "late": 1,
            "missing_check_out": 1,
            "reports_submitted": 2,
            "reports_accepted": 1,
            "anomalies": 3,
            "violations": 1,
            "outputs_wfa": 2,
            "outputs_wfo": 1,
            "achievement_sum_wfa": 1.0,
            "with_target_wfa": 1,
        },
    )
    _check(months[(x.c, "2026-12-01")], {"headcount": 0, "working_days": 1, "staff_days": 1})
    _check(months[(x.b, "2026-12-01")], {"headcount": 1, "achievement_sum_wfo": 0.5})


async def test_checksums_cover_every_projection_table(projected: World) -> None:
    store = projected.store
    sums = await projection_checksums(store)
    assert set(sums) == set(PROJECTION_TABLES)
    assert all(s.rows > 0 for s in sums.values()), sums
    assert sums["employee_day"].rows == 10 and sums["opd_day"].rows == 6


async def test_a_later_roster_change_moves_work_units_and_headcounts(projected: World) -> None:
    """Runs last: it changes the roster. The employee's stored days take the new work unit
    (their OPD stays the one their facts name), and both OPDs' headcounts change everywhere."""
    x, store = projected.cast, projected.store
    await projected.then([employee(x.e4, x.a, "unit-9", x.head, update=True, at=utc(DEC4, 20))])
    days = await _rows(store, "employee_day", "nip,work_date")
    _check(days[(x.e4, "2026-12-04")], {"opd_id": x.b, "work_unit_id": "unit-9", "outputs": 1})
    opd_days = await _rows(store, "opd_day", "opd_id,work_date")
    assert {k: r["headcount"] for k, r in opd_days.items()} == {
        (x.a, "2026-11-30"): 5,
        (x.a, "2026-12-01"): 5,
        (x.a, "2026-12-02"): 5,
        (x.a, "2026-12-03"): 5,
        (x.c, "2026-12-01"): 0,
        (x.b, "2026-12-04"): 0,
    }
    _check(opd_days[(x.b, "2026-12-04")], {"recorded": 1, "wfo": 1})
    opd_months = await _rows(store, "opd_month", "opd_id,month")
    assert {k: r["headcount"] for k, r in opd_months.items()} == {
        (x.a, "2026-11-01"): 5,
        (x.a, "2026-12-01"): 5,
        (x.b, "2026-12-01"): 0,
        (x.c, "2026-12-01"): 0,
    }
