"""The access log across services (UU PDP): a supervisor's reads of an employee's precise
locations, a WFA request, a daily report and an export each leave a ``PersonalDataAccessed``
event that audit archives; the employee reading their own data leaves none.

Attendance, eligibility, reporting and audit run as real processes on a real broker. The
roster, the check-ins (with their precise positions), the request and the report are published
as the services publish them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import orjson
import pytest

from services.audit import verify_proofs
from services.runtime.edge.identity import Role
from tests.support.http_checks import get, ok, poll
from tests.support.presence_events import check_in_with_position
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import new_nip
from tests.support.reporting_events import employee, output, report, requested
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

ARCHIVE_WAIT_S = 180.0
PURPOSE = "pembinaan pegawai"


@pytest.fixture(scope="module")
def services(shared_platform: SharedPlatform) -> dict[str, ServiceProcess]:
    return shared_platform.procs


def _get_until_found(url: str, headers: dict[str, str], params: dict[str, str]) -> httpx.Response:
    """GET until the service has projected what the test published (not 404 any more)."""
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.get(url, params=params, headers=headers, timeout=60)
        if answer.status_code != 404 or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def _archived_accesses(
    audit: ServiceProcess, subject: str, reader: str, count: int
) -> list[dict[str, Any]]:
    """The payloads of the ``PersonalDataAccessed`` events audit archived about ``subject`` by
    ``reader``, once there are ``count`` of them (or the wait is over). The auditor's own reads
    of the archive are accesses too: they are left out here."""
    auditor = bearer(Role.AUDITOR, new_nip(), None)
    deadline = time.monotonic() + ARCHIVE_WAIT_S
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{audit.url}/audit/events",
            params={"type": "PersonalDataAccessed", "subject": subject},
            headers=auditor,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        items = [item for item in answer.json()["items"] if item["actor"] == reader]
        if len(items) >= count:
            break
        time.sleep(1)
    payloads = []
    for item in items:
        one = httpx.get(f"{audit.url}/audit/events/{item['event_id']}", headers=auditor, timeout=30)
        assert one.status_code == 200, one.text
        assert one.json()["verified"] is True
        envelope = orjson.loads(one.json()["raw"])
        assert envelope["actor"] == envelope["payload"]["reader_nip"]
        assert envelope["subject"] == subject
        payloads.append({**envelope["payload"], "event_id": item["event_id"]})
    return payloads


def test_a_supervisors_reads_are_archived_and_the_employees_own_reads_are_not(
    kafka_bootstrap: str, services: dict[str, ServiceProcess]
) -> None:
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    head, supervisor, staff = new_nip(), new_nip(), new_nip()
    day = datetime.now(UTC).date()
    request_id = f"req-{uuid.uuid4().hex}"
    seeded = [
        employee(head, opd, "pimpinan", None),
        employee(supervisor, opd, "bidang-a", head),
        employee(staff, opd, "bidang-a", supervisor),
        *check_in_with_position(staff, opd, day),
        requested(staff, opd, request_id, [day], datetime.now(UTC), unit="bidang-a"),
        report(staff, opd, day, [output(1, 1)], datetime.now(UTC)),
    ]
    asyncio.run(publish(kafka_bootstrap, seeded, client_name="access-log"))

    reads = {
        "precise_location": (
            f"{services['attendance'].url}/attendance/locations/{staff}",
            {"date": day.isoformat(), "purpose": PURPOSE},
        ),
        "wfa_request": (
            f"{services['eligibility'].url}/wfa/requests/{request_id}",
            {"purpose": PURPOSE},
        ),
        "daily_report": (
            f"{services['reporting'].url}/reports/daily/{staff}/{day.isoformat()}",
            {"purpose": PURPOSE},
        ),
        "attendance_export": (
            f"{services['reporting'].url}/reporting/employees/{staff}/days",
            {
                "date_from": day.isoformat(),
                "date_to": day.isoformat(),
                "format": "csv",
                "purpose": PURPOSE,
            },
        ),
    }
    own = bearer(Role.ASN, staff, opd)
    boss = bearer(Role.ATASAN, supervisor, opd)
    for kind, (url, params) in reads.items():
        mine = _get_until_found(url, own, params)
        assert mine.status_code == 200, (kind, mine.text)
        theirs = _get_until_found(url, boss, params)
        assert theirs.status_code == 200, (kind, theirs.text)
    location = httpx.get(
        reads["precise_location"][0], params=reads["precise_location"][1], headers=boss, timeout=60
    )
    assert location.status_code == 200 and location.json()["count"] == 1
    location_access = location.json()["access_id"]
    assert location_access

    expected_routes = {
        "precise_location": "/attendance/locations/{nip}",
        "wfa_request": "/wfa/requests/{request_id}",
        "daily_report": "/reports/daily/{nip}/{work_date}",
        "attendance_export": "/reporting/employees/{nip}/days",
    }
    # the supervisor read the locations twice: five accesses in all, none by the employee
    archived = _archived_accesses(services["audit"], staff, supervisor, 5)
    assert len(archived) == 5, archived
    assert {p["reader_nip"] for p in archived} == {supervisor}
    assert {p["reader_role"] for p in archived} == {"atasan"}
    assert {p["subject_nip"] for p in archived} == {staff}
    assert {p["purpose"] for p in archived} == {PURPOSE}
    assert sorted(p["data_kind"] for p in archived) == sorted(
        [*expected_routes, "precise_location"]
    )
    for payload in archived:
        assert payload["route"] == expected_routes[payload["data_kind"]]
        assert payload["period_from"] == payload["period_to"] == day.isoformat()
    assert location_access in {p["event_id"] for p in archived}
    by_kind = {p["data_kind"]: p for p in archived}
    assert by_kind["precise_location"]["records"] == 1
    assert by_kind["wfa_request"]["records"] == 1
    assert by_kind["daily_report"]["records"] == 1

    # sealed like every other event: its inclusion proof passes the standalone verifier
    audit = services["audit"]
    auditor = bearer(Role.AUDITOR, new_nip(), None)
    proof = poll(
        lambda: get(audit, "/audit/proofs/inclusion", auditor, event_id=location_access),
        lambda answer: answer.status_code == 200,
    ).json()
    key = verify_proofs.load_public_key(ok(get(audit, "/audit/public-key", {}))["public_key"])
    bundle = {
        "checkpoints": [proof["checkpoint"]],
        "inclusion": [
            {
                "checkpoint": 0,
                "index": proof["leaf_index"],
                "event": proof["event"],
                "proof": proof["proof"],
            }
        ],
    }
    assert verify_proofs.check_bundle(bundle, key)
    assert orjson.loads(proof["event"]["raw"])["payload"]["reader_nip"] == supervisor


def test_a_team_read_is_one_event_named_for_auditors_and_an_application_is_logged_by_its_id(
    kafka_bootstrap: str, services: dict[str, ServiceProcess]
) -> None:
    """A supervisor's team list makes one access event listing every member, not one per
    member; the access log shows the reader's name from the roster; an application reading
    on its own behalf is recorded under its id."""
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    head, supervisor, first, second = new_nip(), new_nip(), new_nip(), new_nip()
    day = datetime.now(UTC).date()
    seeded = [
        employee(head, opd, "pimpinan", None, heads=opd),
        employee(supervisor, opd, "bidang-a", head),
        employee(first, opd, "bidang-a", supervisor),
        employee(second, opd, "bidang-a", supervisor),
    ]
    asyncio.run(publish(kafka_bootstrap, seeded, client_name="access-log-team"))
    reporting, audit = services["reporting"], services["audit"]
    boss = bearer(Role.ATASAN, supervisor, opd)
    team = poll(
        lambda: get(reporting, "/reporting/team", boss, date=day.isoformat(), purpose=PURPOSE),
        lambda answer: (
            answer.status_code == 200
            and {item["nip"] for item in answer.json()["items"]} == {first, second}
        ),
        timeout=90,
    )
    assert team.status_code == 200

    auditor = bearer(Role.AUDITOR, new_nip(), None)

    def supervisors_reads(nip: str) -> list[dict[str, Any]]:
        body = ok(get(audit, "/audit/access-log", auditor, nip=nip, purpose="pemeriksaan"))
        return [i for i in body["items"] if i["reader_nip"] == supervisor]

    for member in (first, second):
        (entry,) = poll(partial(supervisors_reads, member), bool, timeout=ARCHIVE_WAIT_S)
        assert entry["reader_name"] == f"Pegawai {supervisor[-4:]}"
        assert entry["reader_role"] == "atasan" and entry["reader_app"] is None
        assert entry["data_kind"] == "attendance" and entry["route"] == "/reporting/team"
        assert entry["subjects_in_read"] == 2 and entry["records"] == 1
        assert entry["period_from"] == entry["period_to"] == day.isoformat()
        assert entry["purpose"] == PURPOSE
    # one event for the two members: the same access id in both logs
    ids = {supervisors_reads(m)[0]["access_id"] for m in (first, second)}
    assert len(ids) == 1

    # an application (an auditing tool with its own token) reads the OPD's team day
    tool = "system:audit-tool"
    read = get(
        reporting,
        "/reporting/team",
        bearer(Role.AUDITOR, tool, None),
        date=day.isoformat(),
        opd_id=opd,
    )
    assert read.status_code == 200, read.text
    by_app = poll(
        lambda: [
            i
            for i in ok(get(audit, "/audit/access-log", auditor, nip=first))["items"]
            if i["reader_app"] == tool
        ],
        bool,
        timeout=ARCHIVE_WAIT_S,
    )
    (entry,) = by_app
    assert entry["reader_nip"] is None and entry["reader_name"] is None
    assert entry["reader_role"] == "auditor"
    assert entry["subjects_in_read"] >= 2  # the whole OPD: head, supervisor, both members
