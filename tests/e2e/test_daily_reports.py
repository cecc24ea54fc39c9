"""The daily report (laporan harian) over HTTP on a real broker: submit on a WFA day against
the approved work plan and on an office day with free targets, the supervisor's review, a
return and a resubmission, every refusal, and retries that never publish a second event.

The roster, the policy and the WFA request and its approval go through the eligibility API;
reports through reporting's. On a weekend, when no WFA request can be made for today, the
request and its approval for the last Friday are published as the events eligibility
publishes.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from schemas import Envelope, WfaApproved, WfaRequested, new_event
from schemas.events import GeoPoint, SharedPlace, WorkTarget
from schemas.topics import REPORTS
from services.reporting.domain.report_state import (
    report_id_for,
    review_event_id,
    submission_event_id,
)
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.http_checks import refused
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    Opd,
    asn,
    import_roster,
    make_opd,
    new_nip,
    publish_policy,
    request_body,
    wib_today,
)
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

SHA = "0f" * 32
PLAN = [
    {"description": "Draf SOP layanan", "target": 2, "unit": "dokumen"},
    {"description": "Rapat koordinasi daring", "target": 1, "unit": "kegiatan"},
]


@pytest.fixture(scope="module")
def services(shared_platform: SharedPlatform) -> dict[str, ServiceProcess]:
    return shared_platform.only("eligibility", "reporting")


@pytest.fixture(scope="module")
def opd(services: dict[str, ServiceProcess]) -> Opd:
    opd = make_opd({"bidang-data": 10})
    import_roster(services["eligibility"].url, opd)
    publish_policy(services["eligibility"].url, opd)
    return opd


def _approved_wfa(
    services: dict[str, ServiceProcess], kafka_bootstrap: str, opd: Opd, nip: str
) -> tuple[date, str]:
    """A day with an approved WFA request for ``nip`` (today, or last Friday at the weekend)."""
    unit = opd.units[0]
    today = wib_today()
    if today.weekday() < 5:
        url = services["eligibility"].url
        submitted = httpx.post(
            f"{url}/wfa/requests",
            json=request_body([today], work_plan=PLAN),
            headers=asn(nip, opd),
            timeout=60,
        )
        assert submitted.status_code == 202, submitted.text
        assert submitted.json()["decision"]["eligible"] is True, submitted.json()
        request_id = str(submitted.json()["request_id"])
        approved = httpx.post(
            f"{url}/wfa/requests/{request_id}/approve",
            json={"reason": "Disetujui"},
            headers=bearer(Role.ATASAN, unit.supervisor, opd.opd_id),
            timeout=60,
        )
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        return today, request_id
    friday = today - timedelta(days=today.weekday() - 4)
    request_id = f"req-{uuid.uuid4().hex}"
    requested = WfaRequested(
        request_id=request_id,
        nip=nip,
        work_unit_id=unit.unit_id,
        dates=[friday],
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun SOP layanan",
        work_plan=[WorkTarget.model_validate(target) for target in PLAN],
    )
    approval = WfaApproved(request_id=request_id, nip=nip, approver_nip=unit.supervisor)
    seeded = [
        new_event(p, actor=nip, subject=nip, opd_id=opd.opd_id) for p in (requested, approval)
    ]
    asyncio.run(publish(kafka_bootstrap, seeded, client_name="reports"))
    return friday, request_id


def _post(url: str, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers, timeout=60)


def _submit(
    reporting: ServiceProcess, nip: str, opd: Opd, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return _post(f"{reporting.url}/reports/daily", {**asn(nip, opd), **headers}, body)


def _review(
    reporting: ServiceProcess, report_id: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    return _post(f"{reporting.url}/reports/daily/{report_id}/review", headers, body)


def _events(bootstrap: str, nip: str) -> list[Envelope]:
    return asyncio.run(read_events(bootstrap, REPORTS, lambda e: e.subject == nip, idle_ms=1500))


def _output(quantity: float, unit: str, **fields: Any) -> dict[str, Any]:
    return {"description": "Keluaran hari ini", "quantity": quantity, "unit": unit, **fields}


def test_a_wfa_day_report_delivers_the_plan_and_a_retry_publishes_nothing_new(
    services: dict[str, ServiceProcess], kafka_bootstrap: str, opd: Opd
) -> None:
    reporting = services["reporting"]
    unit = opd.units[0]
    nip = unit.staff[0]
    day, request_id = _approved_wfa(services, kafka_bootstrap, opd, nip)
    report_id = report_id_for(nip, day)
    body = {
        "work_date": day.isoformat(),
        "outputs": [
            _output(2, "dokumen", plan_target=0),
            _output(1, "kegiatan", plan_target=1),
            _output(3, "surat", target=4),
        ],
        "attachments": [{"name": "draf-sop.pdf", "size_bytes": 48_213, "sha256": SHA}],
        "notes": "Draf SOP dikirim ke kepala bidang",
    }
    unknown = {**body, "outputs": [_output(1, "dokumen", plan_target=2)]}
    refused(_submit(reporting, nip, opd, unknown), 422, "unknown_plan_target")
    mismatch = {**body, "outputs": [_output(1, "dokumen", plan_target=0, target=5)]}
    refused(_submit(reporting, nip, opd, mismatch), 422, "plan_target_mismatch")

    key = f"report-{uuid.uuid4().hex}"
    first = _submit(reporting, nip, opd, body, **{"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    report = first.json()
    assert (report["report_id"], report["revision"], report["status"]) == (
        report_id,
        1,
        "submitted",
    )
    assert (report["nip"], report["work_date"]) == (nip, day.isoformat())
    assert (report["mode"], report["request_id"]) == ("wfa", request_id)
    assert [o["target"] for o in report["outputs"]] == [2, 1, 4]  # from the plan, then free
    assert [o["plan_target"] for o in report["outputs"]] == [0, 1, None]
    assert report["attachments"] == body["attachments"]

    keyed = _submit(reporting, nip, opd, body, **{"Idempotency-Key": key})
    assert keyed.status_code == 201 and keyed.headers.get("Idempotent-Replayed") == "true"
    assert keyed.json() == report
    unkeyed = _submit(reporting, nip, opd, body)
    assert unkeyed.status_code == 201 and unkeyed.headers.get("Idempotent-Replayed") == "true"
    assert unkeyed.json()["revision"] == 1 and unkeyed.json()["report_id"] == report_id

    read = httpx.get(
        f"{reporting.url}/reports/daily/{nip}/{day.isoformat()}", headers=asn(nip, opd)
    )
    assert read.status_code == 200 and read.json()["status"] == "submitted"

    supervisor = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    accepted = _review(reporting, report_id, supervisor, {"verdict": "accepted", "revision": 1})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["review"]["reviewer_nip"] == unit.supervisor
    again = _submit(reporting, nip, opd, body)
    refused(again, 409, "report_already_accepted")

    events = _events(kafka_bootstrap, nip)
    assert [(e.type, e.event_id) for e in events] == [
        ("DailyReportSubmitted", submission_event_id(report_id, 1)),
        ("DailyReportReviewed", review_event_id(report_id, 1)),
    ]
    submitted = events[0]
    assert submitted.payload["request_id"] == request_id and submitted.opd_id == opd.opd_id
    assert submitted.correlation_id == report_id == events[1].correlation_id
    assert events[1].causation_id == submitted.event_id


def test_an_office_day_is_returned_resubmitted_and_accepted(
    services: dict[str, ServiceProcess], kafka_bootstrap: str, opd: Opd
) -> None:
    reporting = services["reporting"]
    unit = opd.units[0]
    nip = unit.staff[1]
    day = wib_today() - timedelta(days=1)
    report_id = report_id_for(nip, day)
    body = {"work_date": day.isoformat(), "outputs": [_output(5, "berkas", target=8)]}
    linked = {**body, "outputs": [_output(1, "dokumen", plan_target=0)]}
    refused(_submit(reporting, nip, opd, linked), 422, "no_wfa_plan")

    first = _submit(reporting, nip, opd, body)
    assert first.status_code == 201, first.text
    assert (first.json()["mode"], first.json()["request_id"]) == ("office", None)
    assert first.json()["outputs"][0]["target"] == 8
    other = {**body, "notes": "tambahan"}
    refused(_submit(reporting, nip, opd, other), 409, "report_pending_review")

    supervisor = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    head = bearer(Role.KEPALA_OPD, opd.head, opd.opd_id)
    colleague = asn(unit.staff[2], opd)
    for who in (head, colleague, asn(nip, opd)):
        verdict = {"verdict": "accepted", "revision": 1}
        refused(_review(reporting, report_id, who, verdict), 403, "not_supervisor_of_record")
    no_note = {"verdict": "returned", "revision": 1}
    refused(_review(reporting, report_id, supervisor, no_note), 422, "note_required")
    ahead = {"verdict": "accepted", "revision": 2}
    refused(_review(reporting, report_id, supervisor, ahead), 409, "stale_revision")
    returned = {"verdict": "returned", "note": "Lampirkan daftar berkas", "revision": 1}
    back = _review(reporting, report_id, supervisor, returned)
    assert back.status_code == 200 and back.json()["status"] == "returned", back.text
    retried = _review(reporting, report_id, supervisor, returned)
    assert retried.status_code == 200 and retried.headers.get("Idempotent-Replayed") == "true"
    then = {"verdict": "accepted", "revision": 1}
    refused(_review(reporting, report_id, supervisor, then), 409, "report_already_reviewed")

    fixed = {
        **body,
        "attachments": [{"name": "daftar-berkas.xlsx", "size_bytes": 9_120, "sha256": SHA}],
    }
    second = _submit(reporting, nip, opd, fixed)
    assert second.status_code == 201, second.text
    assert (second.json()["report_id"], second.json()["revision"]) == (report_id, 2)
    assert second.json()["status"] == "submitted" and second.json()["review"] is None
    stale = {"verdict": "accepted", "revision": 1}
    refused(_review(reporting, report_id, supervisor, stale), 409, "stale_revision")
    done = _review(reporting, report_id, supervisor, {"verdict": "accepted", "revision": 2})
    assert done.status_code == 200 and done.json()["status"] == "accepted", done.text

    url = f"{reporting.url}/reports/daily/{nip}/{day.isoformat()}"
    for reader in (asn(nip, opd), supervisor, head, bearer(Role.AUDITOR, new_nip(), None)):
        read = httpx.get(url, headers=reader, timeout=30)
        assert read.status_code == 200, read.text
        assert (read.json()["revision"], read.json()["status"]) == (2, "accepted")
        assert read.json()["attachments"] == fixed["attachments"]
    refused(httpx.get(url, headers=colleague, timeout=30), 403, "outside_scope")

    events = _events(kafka_bootstrap, nip)
    assert [(e.type, e.payload["revision"]) for e in events] == [
        ("DailyReportSubmitted", 1),
        ("DailyReportReviewed", 1),
        ("DailyReportSubmitted", 2),
        ("DailyReportReviewed", 2),
    ]
    assert [e.payload.get("verdict") for e in events[1::2]] == ["returned", "accepted"]
    assert events[2].causation_id == events[1].event_id  # the resubmission answers the return


def test_reports_that_cannot_be_taken_are_refused_clearly(
    services: dict[str, ServiceProcess], opd: Opd
) -> None:
    reporting = services["reporting"]
    nip = opd.units[0].staff[3]
    today = wib_today()
    ok = {"work_date": today.isoformat(), "outputs": [_output(1, "laporan")]}

    tomorrow = {**ok, "work_date": (today + timedelta(days=1)).isoformat()}
    refused(_submit(reporting, nip, opd, tomorrow), 422, "report_for_future_day")
    long_ago = {**ok, "work_date": (today - timedelta(days=6)).isoformat()}
    error = refused(_submit(reporting, nip, opd, long_ago), 422, "report_too_late")
    assert error["details"][0]["last_day"] == (today - timedelta(days=1)).isoformat()
    other = {**ok, "nip": opd.units[0].staff[4]}
    refused(_submit(reporting, nip, opd, other), 403, "not_your_report")
    stranger = new_nip()
    refused(_submit(reporting, stranger, opd, ok), 422, "employee_not_on_roster")

    bad_bodies: list[dict[str, Any]] = [
        {**ok, "outputs": []},
        {**ok, "outputs": [_output(1, "laporan")] * 21},
        {**ok, "outputs": [_output(-1, "laporan")]},
        {**ok, "outputs": [_output(1, "laporan", target=0)]},
        {**ok, "outputs": [_output(1, "laporan", plan_target=-1)]},
        {**ok, "outputs": [{**_output(1, "laporan"), "description": "x" * 2001}]},
        {**ok, "attachments": [{"name": "a.pdf", "size_bytes": 1, "sha256": "XYZ"}]},
        {**ok, "attachments": [{"name": "a.pdf", "size_bytes": 1, "sha256": SHA}] * 11},
        {**ok, "work_date": "2026-02-30"},
        {**ok, "mode": "wfa"},
        {"outputs": ok["outputs"]},
    ]
    for bad in bad_bodies:
        refused(_submit(reporting, nip, opd, bad), 422, "invalid_request")
    unauthenticated = httpx.post(f"{reporting.url}/reports/daily", json=ok, timeout=30)
    assert unauthenticated.status_code == 401

    supervisor = bearer(Role.ATASAN, opd.units[0].supervisor, opd.opd_id)
    unknown = report_id_for(nip, today)  # no report was taken for that day
    verdict = {"verdict": "accepted", "revision": 1}
    refused(_review(reporting, unknown, supervisor, verdict), 404, "report_not_found")
    bad_verdict = {"verdict": "maybe", "revision": 1}
    refused(_review(reporting, unknown, supervisor, bad_verdict), 422, "invalid_request")
    missing = httpx.get(
        f"{reporting.url}/reports/daily/{nip}/{today.isoformat()}", headers=asn(nip, opd)
    )
    refused(missing, 404, "report_not_found")
    # nothing above was recorded: the same day can still be reported once
    taken = _submit(reporting, nip, opd, ok)
    assert taken.status_code == 201 and taken.json()["revision"] == 1, taken.text
