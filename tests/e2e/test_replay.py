"""Replay: a synthetic month on the real broker, live reporting and eligibility as processes,
and the replay CLI rebuilding their projections from offset 0 into a fresh database.

The rebuilt projections must equal the live ones (empty diff, exit 0). A live reporting
whose consumer group was moved to the end of the log before it started never projected the
month: the replay must say so (exit 1), naming the tables that differ.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas import Envelope, new_ulid
from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER
from services.runtime.edge.identity import Role
from tests.support import seeding
from tests.support.event_log import wait_caught_up
from tests.support.infra import REPO
from tests.support.presence_events import anomaly, roster_events, signal, utc
from tests.support.processes import ServiceProcess, SharedPlatform, running_services
from tests.support.province import ADMIN_NIP, Opd, make_opd, wib_today
from tests.support.reporting_events import (
    Decision,
    decided,
    employee,
    output,
    report,
    requested,
    review,
)
from tests.support.tokens import bearer
from tests.support.week_driver import start_at_end

pytestmark = pytest.mark.e2e

REPLAY_TIMEOUT_S = 600
OPERATOR = "198503152010011002"
"""The NIP of the person who runs the replay (recorded in the access log)."""
EXPECTED_TABLES = {
    "reporting": ("employee_day", "employee_month", "opd_month", "request_events"),
    "eligibility": ("employees", "policies", "request_log"),
}


def _last_month() -> list[date]:
    """The working days (Monday to Friday) of the calendar month before this one."""
    first_of_this = wib_today().replace(day=1)
    day = (first_of_this - timedelta(days=1)).replace(day=1)
    days = []
    while day < first_of_this:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _month(opd: Opd) -> tuple[list[Envelope], list[Envelope]]:
    """A month of one OPD: the roster, WFA requests and their decisions, every working day's
    check-in and check-out, daily reports and their reviews, a move to another unit, and
    anomalies. Returns (events, events delivered twice, as at-least-once delivery may)."""
    days = _last_month()
    unit = opd.units[0]
    staff, supervisor = unit.staff, unit.supervisor
    events = roster_events(opd)
    again: list[Envelope] = []
    # WFA: staff 0 approved for the two Tuesdays, staff 1 refused, staff 2 approved then
    # cancelled
    tuesdays = [d for d in days if d.weekday() == 1][:2]
    asked_at = utc(days[0] - timedelta(days=3), 9)
    wfa: dict[str, list[date]] = {staff[0]: tuesdays}
    decisions: tuple[Decision, ...] = ("approved", "rejected", "cancelled")
    for nip, decision in zip(staff[:3], decisions, strict=True):
        request_id = new_ulid()
        events.append(requested(nip, opd.opd_id, request_id, tuesdays, asked_at, unit.unit_id))
        if decision == "cancelled":
            events.append(decided("approved", nip, opd.opd_id, request_id, supervisor, asked_at))
        events.append(decided(decision, nip, opd.opd_id, request_id, supervisor, asked_at))
    for n, day in enumerate(days):
        for i, nip in enumerate(staff):
            mode: Any = "wfa" if day in wfa.get(nip, []) else "office"
            late = 35 if (i == 3 and n % 5 == 0) else 0
            events.append(signal("check_in", nip, opd.opd_id, utc(day, 7, i + late), mode=mode))
            if not (i == 4 and n % 7 == 3):  # staff 4 forgets to check out now and then
                events.append(signal("check_out", nip, opd.opd_id, utc(day, 16, i), mode=mode))
            done = report(nip, opd.opd_id, day, [output(2, target=2)], utc(day, 17), mode=mode)
            events.append(done)
            verdict: Any = "returned" if (i + n) % 9 == 0 else "accepted"
            events.append(review(nip, opd.opd_id, day, supervisor, verdict, utc(day, 19)))
            if late:
                found = anomaly("late_check_in", nip, opd.opd_id, utc(day, 7, 40))
                events.append(found)
                again.append(found)  # published again under its deterministic id
    # mid-month, staff 5 moves to another unit of the same OPD
    mover = employee(
        staff[5], opd.opd_id, "unit-2", supervisor, update=True, at=utc(days[len(days) // 2], 8)
    )
    events.append(mover)
    again.append(events[len(events) // 2])  # one record delivered twice
    return events, again


def _replay(
    service: str, live: ServiceProcess, bootstrap: str, *options: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP": bootstrap,
        "WFA_ENV": "test",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "operations.replay_cli",
            service,
            "--live",
            live.url,
            "--wait",
            "180",
            *options,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=REPLAY_TIMEOUT_S,
    )


def _projections(live: ServiceProcess) -> dict[str, Any]:
    answer = httpx.get(
        f"{live.url}/ops/projections", headers=bearer(Role.AUDITOR, ADMIN_NIP, None), timeout=60
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture(scope="module")
def month(kafka_bootstrap: str) -> Iterator[Opd]:
    opd = make_opd({"unit-1": 6})
    events, again = _month(opd)
    asyncio.run(seeding.publish(kafka_bootstrap, events, client_name="replay-month"))
    asyncio.run(seeding.publish(kafka_bootstrap, again, client_name="replay-again"))
    yield opd


def test_replaying_a_month_gives_an_empty_diff(
    month: Opd, kafka_bootstrap: str, shared_platform: SharedPlatform
) -> None:
    live = shared_platform.only("reporting", "eligibility")
    # the session's reporting has projected the month (published a moment ago) before it is read
    wait_caught_up(
        kafka_bootstrap,
        f"{shared_platform.group('reporting')}.reporting-projector",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
    )
    reporting = _projections(live["reporting"])
    rows = {t["table"]: t["rows"] for t in reporting["tables"]}
    assert rows["employee_day"] > 0 and rows["report_events"] > 0, rows
    assert "summaries_published" in reporting["excluded_tables"]
    answer = httpx.get(
        f"{live['reporting'].url}/ops/projections/employee_day",
        params={"limit": 5, "purpose": "replay test"},
        headers=bearer(Role.OPS, OPERATOR, None),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert "version" not in answer.json()["columns"]  # when it was computed: left out
    assert len(answer.json()["rows"]) == 5
    for service in ("reporting", "eligibility"):
        done = _replay(service, live[service], kafka_bootstrap, "--nip", OPERATOR)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "The diff is empty." in done.stdout
        for table in EXPECTED_TABLES[service]:
            assert table in done.stdout, done.stdout


def test_a_live_projection_that_missed_the_log_is_reported(
    month: Opd, kafka_bootstrap: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    start_at_end(
        kafka_bootstrap,
        f"wfa-reporting-{suffix}.reporting-projector",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
    )
    with running_services(
        kafka_bootstrap, tmp_path, names=("reporting",), group_suffix=suffix
    ) as live:
        done = _replay("reporting", live["reporting"], kafka_bootstrap, "--nip", OPERATOR)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "The projections differ." in done.stdout
    assert "employees" in done.stdout and "report_events" in done.stdout
    # a row of the month the live side never projected is shown from the replayed side
    assert "replayed:" in done.stdout


def test_the_ops_routes_refuse_other_roles_and_unknown_tables(
    shared_platform: SharedPlatform,
) -> None:
    live = shared_platform.only("eligibility")
    url = live["eligibility"].url
    asn = httpx.get(
        f"{url}/ops/projections", headers=bearer(Role.ASN, ADMIN_NIP, "bappeda"), timeout=30
    )
    assert asn.status_code == 403
    assert asn.json()["error"]["code"] == "forbidden_role"
    application = httpx.get(
        f"{url}/ops/projections/employees",
        headers=bearer(Role.OPS, "system:ops", None),
        timeout=30,
    )
    # an application reads on its own behalf: the access log records it under its id
    assert application.status_code == 200, application.text
    unknown = httpx.get(
        f"{url}/ops/projections/replica_positions",
        headers=bearer(Role.OPS, OPERATOR, None),
        timeout=30,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_projection"
    assert unknown.json()["error"]["message_id"]
