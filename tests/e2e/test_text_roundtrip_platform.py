"""Text with every line-breaking character the contract admits, through the whole platform.

An employee registers a device whose label holds NEL (U+0085), the line separator (U+2028)
and the paragraph separator (U+2029); a WFA request reason, a work plan, a daily report, a
policy note and a supervisor's ``purpose`` hold those and CR LF besides. Once audit has
archived and sealed them, every reader answers and gives the text back unchanged: the
verification of the log (over HTTP and with the command-line verifier, its store read in
process), the employee's and the OPD's trails, exports (JSONL, CSV, proof bundle), time travel
and inclusion proofs, and reporting's list of requests.

The platform runs on a broker of its own, so that the verified log holds nothing but this
test's events.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from services.audit import verify_proofs
from services.runtime.edge.identity import Role
from tests.support.http_checks import get, ok, poll, refused
from tests.support.infra import REPO, own_kafka_broker
from tests.support.processes import ALL_SERVICES, ServiceProcess, running_services
from tests.support.province import (
    NATIONAL_DAYS,
    Opd,
    admin,
    asn,
    import_roster,
    make_opd,
    new_nip,
    next_weekdays,
    request_body,
    wib_today,
)
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

ONE_LINE = "perangkat a\x85b\u2028c\u2029d"
"""One-line text (a device label) with NEL, the line and the paragraph separator."""
FREE_TEXT = 'Alasan a\x85b\u2028c\u2029d\r\ne\rf\ng\th"i\\j\U0001f600 {db}'
"""Free text with every line-breaking character the contract admits, CR LF among them."""
PURPOSE = "pembinaan\x85pegawai\u2028baris\u2029paragraf\r\nakhir"
"""The purpose of a supervisor's reads of the employee's data."""

ARCHIVE_WAIT_S = 180.0


@dataclass
class Platform:
    services: dict[str, ServiceProcess]
    broker: str
    data_dir: Path

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("text-platform")
    with (
        own_kafka_broker() as broker,
        running_services(
            broker.bootstrap,
            data_dir,
            names=ALL_SERVICES,
            group_suffix=uuid.uuid4().hex[:8],
            extra_env={"AUDIT_SEAL_SECONDS": "0.5", "LOCATION_PURGE_ENABLED": "false"},
        ) as procs,
    ):
        yield Platform(procs, broker.bootstrap, data_dir)


@dataclass
class Written:
    opd: Opd
    staff: str
    supervisor: str
    request_id: str
    report_id: str
    event_ids: set[str]
    """The events holding the text (the supervisor's reads included), all sealed."""


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers, timeout=60)


def _until_created(url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    """POST until the service knows the roster just imported (its projection may lag)."""
    return poll(  # type: ignore[no-any-return]
        lambda: _post(url, body, headers),
        lambda answer: (
            answer.status_code not in (403, 404, 422, 503)
            or answer.json()["error"]["code"]
            not in {"employee_not_on_roster", "roster_unavailable"}
        ),
        timeout=90,
    )


def _strings(value: Any) -> set[str]:
    """Every string anywhere in a decoded JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for item in value.values() for s in _strings(item)}
    if isinstance(value, list):
        return {s for item in value for s in _strings(item)}
    return set()


@pytest.fixture(scope="module")
def written(platform: Platform) -> Written:
    eligibility, attendance, reporting = (
        platform["eligibility"],
        platform["attendance"],
        platform["reporting"],
    )
    opd = make_opd({"bidang-data": 10})
    unit = opd.units[0]
    staff = unit.staff[0]
    import_roster(eligibility.url, opd)
    policy = {
        "version": 1,
        "effective_from": wib_today().isoformat(),
        "note": FREE_TEXT,
        "settings": {
            "wfa_enabled": True,
            "holidays": [],
            "joint_leave": [],
            "working_days": NATIONAL_DAYS,
        },
    }
    published = _post(f"{eligibility.url}/policies/{opd.opd_id}/versions", policy, admin())
    assert published.status_code == 201, published.text

    # a device label is one line: CR LF is refused, NEL and the separators are kept
    devices = f"{attendance.url}/attendance/devices"
    own = asn(staff, opd)
    device = {"device_id": "ponsel-1", "platform": "android", "label": ONE_LINE}
    registered = _until_created(devices, {**device, "reason": FREE_TEXT}, own)
    assert registered.status_code == 201, registered.text
    refused(_post(devices, {**device, "label": "a\r\nb"}, own), 422)

    # a WFA request: the reason, the plan and the address; a retry is answered from the ledger
    [day] = next_weekdays(1)
    body = request_body(
        [day],
        reason=FREE_TEXT,
        location={"lat": -6.2, "lon": 106.8, "address": FREE_TEXT},
        share_address=True,  # the address travels with the request
        work_plan=[{"description": FREE_TEXT, "target": 1, "unit": ONE_LINE}],
    )
    keyed = {**own, "Idempotency-Key": f"text-{uuid.uuid4().hex}"}
    submitted = _post(f"{eligibility.url}/wfa/requests", body, keyed)
    assert submitted.status_code == 202, submitted.text
    failed = [r["code"] for r in submitted.json()["decision"]["trace"] if not r["passed"]]
    assert submitted.json()["decision"]["eligible"] is True, failed
    retried = _post(f"{eligibility.url}/wfa/requests", body, keyed)
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert retried.json() == submitted.json()
    request_id = str(submitted.json()["request_id"])

    # a daily report for yesterday, an office day: free targets, notes
    report = {
        "work_date": (wib_today() - timedelta(days=1)).isoformat(),
        "outputs": [{"description": FREE_TEXT, "quantity": 1, "unit": ONE_LINE, "target": 1}],
        "notes": FREE_TEXT,
    }
    reported = _until_created(f"{reporting.url}/reports/daily", report, own)
    assert reported.status_code == 201, reported.text
    assert reported.json()["notes"] == FREE_TEXT
    report_id = str(reported.json()["report_id"])

    # the supervisor reads the employee's data, saying why with every line-breaking character
    # (reporting's reads are the test of reporting below)
    boss = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    reads: list[tuple[str, dict[str, str]]] = [
        (f"{eligibility.url}/wfa/requests/{request_id}", {"purpose": PURPOSE}),
        (f"{attendance.url}/attendance/devices/{staff}", {"purpose": PURPOSE}),
    ]

    def read(url: str, params: dict[str, str]) -> httpx.Response:
        return httpx.get(url, params=params, headers=boss, timeout=60)

    for url, params in reads:
        answer = poll(
            functools.partial(read, url, params),
            lambda answer: answer.status_code != 404 and bool(answer.json().get("count", 1)),
        )
        assert answer.status_code == 200, (url, answer.text)
        assert FREE_TEXT in _strings(answer.json()) or ONE_LINE in _strings(answer.json())

    # archived and sealed: what the employee wrote and the supervisor's reads (polled as the
    # employee, whose own reads are not logged), and the policy
    audit = platform["audit"]
    wrote = {"DeviceRegistered", "WfaRequested", "DailyReportSubmitted"}

    def of_interest(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        found = {}
        for line in lines[1:]:
            event = orjson.loads(line["raw"])
            read = event["type"] == "PersonalDataAccessed" and (
                event["payload"]["purpose"] == PURPOSE
            )
            if event["type"] in wrote or read:
                found[line["event_id"]] = line
        return found

    def complete(lines: list[dict[str, Any]]) -> bool:
        found = of_interest(lines)
        return len(found) == len(wrote) + len(reads) and all(
            line["sealed"] for line in found.values()
        )

    staff_lines = poll(lambda: _jsonl(audit, own), complete, timeout=ARCHIVE_WAIT_S)
    auditor = bearer(Role.AUDITOR, new_nip(), None)
    policy_lines = poll(
        lambda: _jsonl(audit, auditor, opd_id=opd.opd_id, type="OpdPolicyPublished"),
        lambda lines: len(lines) == 2 and lines[1]["sealed"],
        timeout=ARCHIVE_WAIT_S,
    )
    return Written(
        opd,
        staff,
        unit.supervisor,
        request_id,
        report_id,
        {*of_interest(staff_lines), policy_lines[1]["event_id"]},
    )


def _jsonl(audit: ServiceProcess, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """A JSONL export, its records split only where JSON Lines ends them (a raw LF)."""
    answer = get(audit, "/audit/trails/export", headers, format="jsonl", limit=1000, **params)
    assert answer.status_code == 200, answer.text
    return [orjson.loads(line) for line in answer.content.split(b"\n") if line]


def _auditor() -> dict[str, str]:
    return bearer(Role.AUDITOR, new_nip(), None)


def _payloads_hold_the_text(items: list[dict[str, Any]]) -> None:
    """The payloads of the trail or export hold every text as it was written."""
    texts = _strings(items)
    assert {FREE_TEXT, ONE_LINE, PURPOSE} <= texts


def _raw_payloads(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [orjson.loads(line["raw"])["payload"] for line in lines]


# --- verification -------------------------------------------------------------------------------


def test_the_log_verifies_clean_over_http(platform: Platform, written: Written) -> None:
    auditor = _auditor()
    report = ok(get(platform["audit"], "/audit/verify", auditor, kafka="false", timeout=300))
    assert report["ok"] is True, report["findings"]
    assert report["totals"]["leaves"] >= len(written.event_ids)
    with_kafka = ok(get(platform["audit"], "/audit/verify", auditor, kafka="true", timeout=300))
    assert with_kafka["ok"] is True, with_kafka["findings"][:5]


# --- trails, exports, time travel, proofs ------------------------------------------------------


def test_the_employees_trail_and_exports_keep_the_text(
    platform: Platform, written: Written
) -> None:
    audit = platform["audit"]
    own = asn(written.staff, written.opd)
    trail = ok(get(audit, "/audit/trails", own, limit=1000))
    assert trail["filters"]["nip"] == written.staff
    assert all(item["verified"] is True for item in trail["items"])
    _payloads_hold_the_text([item["payload"] for item in trail["items"]])
    device = next(i for i in trail["items"] if i["type"] == "DeviceRegistered")
    assert device["payload"]["label"] == ONE_LINE
    request = next(i for i in trail["items"] if i["type"] == "WfaRequested")
    assert request["payload"]["reason"] == FREE_TEXT

    header, *lines = _jsonl(audit, own)
    assert header["filters"]["nip"] == written.staff
    _payloads_hold_the_text(_raw_payloads(lines))
    _check_csv(audit, own, {"nip": written.staff})
    _check_bundle(audit, own, {})


def test_the_opds_trail_and_exports_keep_the_text(platform: Platform, written: Written) -> None:
    audit = platform["audit"]
    auditor = _auditor()
    opd = written.opd.opd_id
    trail = ok(get(audit, "/audit/trails", auditor, opd_id=opd, limit=1000, purpose=PURPOSE))
    ids = {item["event_id"] for item in trail["items"]}
    assert written.event_ids <= ids
    _payloads_hold_the_text([item["payload"] for item in trail["items"]])
    policy = next(i for i in trail["items"] if i["type"] == "OpdPolicyPublished")
    assert policy["payload"]["note"] == FREE_TEXT

    header, *lines = _jsonl(audit, auditor, opd_id=opd)
    assert header["filters"]["opd_id"] == opd
    assert written.event_ids <= {line["event_id"] for line in lines}
    _payloads_hold_the_text(_raw_payloads(lines))
    _check_csv(audit, auditor, {"opd_id": opd})
    _check_bundle(audit, auditor, {"opd_id": opd})


def _check_csv(audit: ServiceProcess, headers: dict[str, str], params: dict[str, Any]) -> None:
    answer = get(audit, "/audit/trails/export", headers, format="csv", limit=1000, **params)
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.content.decode(), newline="")))
    assert rows and all(row["event_id"] for row in rows)
    _payloads_hold_the_text(_raw_payloads(rows))
    for row in rows:
        assert orjson.loads(row["raw"])["event_id"] == row["event_id"]


def _check_bundle(
    audit: ServiceProcess, headers: dict[str, str], params: dict[str, Any]
) -> dict[str, Any]:
    answer = get(audit, "/audit/trails/export", headers, format="bundle", limit=1000, **params)
    assert answer.status_code == 200, answer.text
    bundle: dict[str, Any] = answer.json()
    assert bundle["inclusion"]
    _payloads_hold_the_text(
        [orjson.loads(e["event"]["raw"])["payload"] for e in bundle["inclusion"]]
    )
    key = verify_proofs.load_public_key(ok(get(audit, "/audit/public-key", {}))["public_key"])
    assert verify_proofs.check_bundle(bundle, key, "en")
    return bundle


def test_time_travel_keeps_the_text(platform: Platform, written: Written) -> None:
    audit = platform["audit"]
    own = asn(written.staff, written.opd)
    employee = ok(get(audit, f"/audit/time-travel/employees/{written.staff}", own))
    assert employee["device"]["label"] == ONE_LINE
    [request] = [r for r in employee["requests"] if r["request_id"] == written.request_id]
    assert request["reason"] == FREE_TEXT
    assert [r["report_id"] for r in employee["reports"]] == [written.report_id]

    auditor = _auditor()
    read = ok(
        get(
            audit,
            f"/audit/time-travel/employees/{written.staff}",
            auditor,
            purpose=PURPOSE,
        )
    )
    assert read["device"]["label"] == ONE_LINE
    opd = ok(get(audit, f"/audit/time-travel/opds/{written.opd.opd_id}", auditor))
    assert opd["policy"]["in_force"]["note"] == FREE_TEXT
    assert opd["requests"]["total"] == 1


def test_inclusion_proofs_keep_the_text(platform: Platform, written: Written) -> None:
    audit = platform["audit"]
    key = verify_proofs.load_public_key(ok(get(audit, "/audit/public-key", {}))["public_key"])
    auditor = _auditor()
    proofs = [
        ok(get(audit, "/audit/proofs/inclusion", auditor, event_id=event_id))
        for event_id in sorted(written.event_ids)
    ]
    _payloads_hold_the_text([orjson.loads(p["event"]["raw"])["payload"] for p in proofs])
    for proof in proofs:
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
        assert verify_proofs.check_bundle(bundle, key, "en"), proof["event"]["event_id"]
    own = asn(written.staff, written.opd)
    device = next(
        p for p in proofs if orjson.loads(p["event"]["raw"])["type"] == "DeviceRegistered"
    )
    mine = ok(get(audit, "/audit/proofs/inclusion", own, event_id=device["event"]["event_id"]))
    assert orjson.loads(mine["event"]["raw"])["payload"]["label"] == ONE_LINE


# --- reporting -----------------------------------------------------------------------------------


def test_reportings_requests_keep_the_text(platform: Platform, written: Written) -> None:
    reporting = platform["reporting"]
    callers: list[tuple[dict[str, str], dict[str, Any]]] = [
        (asn(written.staff, written.opd), {}),
        (bearer(Role.ATASAN, written.supervisor, written.opd.opd_id), {"purpose": PURPOSE}),
        (bearer(Role.KEPALA_OPD, written.opd.head, written.opd.opd_id), {}),
        (admin(), {"opd_id": written.opd.opd_id}),
    ]
    for headers, params in callers:
        page = ok(get(reporting, "/reports/requests", headers, **params))
        [item] = [i for i in page["items"] if i["request_id"] == written.request_id]
        assert item["last_reason"] == FREE_TEXT
        assert item["last_reason"].encode() == FREE_TEXT.encode()
    report = ok(
        get(
            reporting,
            f"/reports/daily/{written.staff}/{(wib_today() - timedelta(days=1)).isoformat()}",
            asn(written.staff, written.opd),
        )
    )
    assert report["notes"] == FREE_TEXT
    assert report["outputs"][0]["description"] == FREE_TEXT


# --- the verify command (last: it stops the audit service) ---------------------------------------


def test_the_verify_command_passes_in_archive_mode(platform: Platform, written: Written) -> None:
    audit = platform["audit"]
    token = bearer(Role.AUDITOR, new_nip(), None)["Authorization"].removeprefix("Bearer ")
    command = [sys.executable, "-m", "services.audit.verify_cli", "--json", "--lang", "en"]
    remote = subprocess.run(
        [*command, "--no-kafka", "--url", audit.url, "--token", token],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert orjson.loads(remote.stdout)["ok"] is True

    # the command reading the archive in its own process: the embedded store is the audit
    # service's, so the service stops first (this test runs last in the module)
    audit.process.terminate()
    audit.process.wait(timeout=60)
    env = {
        **os.environ,
        "SERVICE_NAME": "audit",
        "WFA_ENV": "test",
        "KAFKA_BOOTSTRAP": platform.broker,
        "WFA_DATA_DIR": str(platform.data_dir / f"audit-{audit.port}"),
    }
    env.pop("CLICKHOUSE_URL", None)
    local = subprocess.run(
        [*command, "--no-kafka"], capture_output=True, text=True, timeout=300, cwd=REPO, env=env
    )
    assert local.returncode == 0, local.stdout + local.stderr
    report = orjson.loads(local.stdout)
    assert report["ok"] is True and report["totals"]["leaves"] >= len(written.event_ids)
