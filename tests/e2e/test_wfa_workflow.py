"""The request workflow over HTTP on a real broker: decisions that explain themselves,
approval only by the supervisor of record, cancellation, policy versions, sanctions,
idempotency and the what-if simulation."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from schemas import Envelope
from schemas.topics import REQUESTS
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    NATIONAL_DAYS,
    Opd,
    admin,
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def eligibility(shared_platform: SharedPlatform) -> ServiceProcess:
    return shared_platform["eligibility"]


@pytest.fixture(scope="module")
def opd(eligibility: ServiceProcess) -> Opd:
    opd = make_opd({"bidang-data": 10, "bidang-aplikasi": 10})
    import_roster(eligibility.url, opd)
    publish_policy(eligibility.url, opd)
    return opd


def submit(url: str, nip: str, opd: Opd, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/wfa/requests", json=body, headers={**asn(nip, opd), **headers}, timeout=60
    )


def failed(decision: dict[str, Any]) -> list[str]:
    return [rule["code"] for rule in decision["trace"] if not rule["passed"]]


def test_a_decision_explains_every_rule_in_both_languages(
    eligibility: ServiceProcess, opd: Opd
) -> None:
    nip = opd.units[0].staff[0]
    mon, tue, wed = next_weekdays(3)
    first = submit(eligibility.url, nip, opd, request_body([mon, tue]))
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["status"] == "pending" and body["decision"]["eligible"] is True
    assert len(body["decision"]["trace"]) == 12
    assert all(rule["message_id"] and rule["message_en"] for rule in body["decision"]["trace"])
    assert len(body["explanation"]["id"]) == len(body["explanation"]["en"]) == 12
    assert body["summary"]["id"].startswith("Permohonan WFA memenuhi syarat")

    third = submit(eligibility.url, nip, opd, request_body([wed]))
    assert third.status_code == 202, third.text
    decision = third.json()["decision"]
    assert third.json()["status"] == "not_eligible"
    assert failed(decision) == ["WEEKLY_CAP"]
    cap = next(rule for rule in decision["trace"] if rule["code"] == "WEEKLY_CAP")
    assert "Pasal 13" in cap["legal_basis"] and cap["message_en"] != cap["message_id"]

    read = httpx.get(
        f"{eligibility.url}/wfa/requests/{body['request_id']}", headers=asn(nip, opd), timeout=30
    )
    assert read.status_code == 200 and read.json()["status"] == "pending"
    stranger = httpx.get(
        f"{eligibility.url}/wfa/requests/{body['request_id']}",
        headers=asn(opd.units[1].staff[0], opd),
        timeout=30,
    )
    assert stranger.status_code == 404  # not theirs to see: the same answer as an unknown id
    assert stranger.json()["error"]["code"] == "request_not_found"


def test_only_the_supervisor_of_record_approves(eligibility: ServiceProcess, opd: Opd) -> None:
    unit, other = opd.units
    nip = unit.staff[1]
    [day] = next_weekdays(1, skip_weeks=2)
    request_id = submit(eligibility.url, nip, opd, request_body([day])).json()["request_id"]
    url = f"{eligibility.url}/wfa/requests/{request_id}"

    # another unit's supervisor may not even see the request: the same 404 as an unknown id
    unknown = f"{eligibility.url}/wfa/requests/req-{uuid.uuid4().hex}"
    for action, body in (("approve", {"reason": "ok"}), ("reject", {"reason": "Tidak perlu"})):
        wrong = httpx.post(
            f"{url}/{action}",
            json=body,
            headers=bearer(Role.ATASAN, other.supervisor, opd.opd_id),
            timeout=60,
        )
        assert wrong.status_code == 404, wrong.text
        assert wrong.json()["error"]["code"] == "request_not_found"
        assert wrong.json()["error"]["message_id"] and wrong.json()["error"]["message_en"]
        missing = httpx.post(
            f"{unknown}/{action}",
            json=body,
            headers=bearer(Role.ATASAN, other.supervisor, opd.opd_id),
            timeout=60,
        )
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "request_not_found"
    # the head with a token claiming another OPD: the roster says which OPD they head
    claimed = bearer(Role.KEPALA_OPD, opd.head, f"{opd.opd_id}-lain")
    outsider = httpx.post(f"{url}/approve", json={}, headers=claimed, timeout=60)
    assert outsider.status_code == 403 and outsider.json()["error"]["code"] == "opd_mismatch"

    # those who may see it but not decide it are told why
    head = httpx.post(
        f"{url}/approve", json={}, headers=bearer(Role.KEPALA_OPD, opd.head, opd.opd_id)
    )
    assert head.status_code == 403
    assert head.json()["error"]["code"] == "not_supervisor_of_record"
    self_approval = httpx.post(f"{url}/approve", json={}, headers=asn(nip, opd), timeout=60)
    assert self_approval.status_code == 403
    assert self_approval.json()["error"]["code"] == "not_supervisor_of_record"

    supervisor = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    keyed = {**supervisor, "Idempotency-Key": f"approve-{request_id}"}
    approved = httpx.post(f"{url}/approve", json={"reason": "Disetujui"}, headers=keyed)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert [h["type"] for h in approved.json()["history"]] == ["WfaRequested", "WfaApproved"]
    # a retry with the same key gets the first answer, not "no longer pending"
    retried = httpx.post(f"{url}/approve", json={"reason": "Disetujui"}, headers=keyed)
    assert retried.status_code == 200, retried.text
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert retried.json()["history"] == approved.json()["history"]
    again = httpx.post(f"{url}/approve", json={}, headers=supervisor, timeout=60)
    assert again.status_code == 409


def test_reject_frees_the_day_and_cancel_is_for_the_requester(
    eligibility: ServiceProcess, opd: Opd
) -> None:
    unit = opd.units[1]
    supervisor = bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    [day] = next_weekdays(1, skip_weeks=3)
    # the unit of 11 may have 2 away: fill the day
    ids = [
        submit(eligibility.url, nip, opd, request_body([day])).json()["request_id"]
        for nip in unit.staff[:2]
    ]
    third = submit(eligibility.url, unit.staff[2], opd, request_body([day])).json()
    assert failed(third["decision"]) == ["UNIT_AWAY_SHARE"]

    no_reason = httpx.post(
        f"{eligibility.url}/wfa/requests/{ids[0]}/reject", json={}, headers=supervisor
    )
    assert no_reason.status_code == 422
    rejected = httpx.post(
        f"{eligibility.url}/wfa/requests/{ids[0]}/reject",
        json={"reason": "Ada rapat tatap muka"},
        headers=supervisor,
        timeout=60,
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    fourth = submit(eligibility.url, unit.staff[3], opd, request_body([day])).json()
    assert fourth["decision"]["eligible"] is True, fourth

    cancel_url = f"{eligibility.url}/wfa/requests/{ids[1]}/cancel"
    colleague = httpx.post(cancel_url, json={}, headers=asn(unit.staff[4], opd))
    assert colleague.status_code == 404  # not theirs to see
    assert colleague.json()["error"]["code"] == "request_not_found"
    by_supervisor = httpx.post(cancel_url, json={}, headers=supervisor)
    assert by_supervisor.status_code == 403  # may see it, but only the requester cancels
    assert by_supervisor.json()["error"]["code"] == "not_requester"
    cancelled = httpx.post(
        cancel_url, json={"reason": "Bekerja dari kantor"}, headers=asn(unit.staff[1], opd)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert httpx.post(cancel_url, json={}, headers=asn(unit.staff[1], opd)).status_code == 409
    fifth = submit(eligibility.url, unit.staff[5], opd, request_body([day])).json()
    assert fifth["decision"]["eligible"] is True


def _requested_events(bootstrap: str, request_id: str) -> int:
    def keep(envelope: Envelope) -> bool:
        return envelope.type == "WfaRequested" and envelope.payload["request_id"] == request_id

    return len(asyncio.run(read_events(bootstrap, REQUESTS, keep, idle_ms=2000)))


def test_a_retried_request_with_an_idempotency_key_is_not_duplicated(
    eligibility: ServiceProcess, opd: Opd, kafka_bootstrap: str
) -> None:
    nip = opd.units[0].staff[5]
    [day] = next_weekdays(1, skip_weeks=4)
    key = f"key-{uuid.uuid4().hex}"
    first = submit(eligibility.url, nip, opd, request_body([day]), **{"Idempotency-Key": key})
    second = submit(eligibility.url, nip, opd, request_body([day]), **{"Idempotency-Key": key})
    assert first.status_code == second.status_code == 202
    assert first.json()["request_id"] == second.json()["request_id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert _requested_events(kafka_bootstrap, first.json()["request_id"]) == 1
    other_body = request_body([day], reason="Alasan lain sama sekali")
    reused = submit(eligibility.url, nip, opd, other_body, **{"Idempotency-Key": key})
    assert reused.status_code == 409


def test_sanctions_and_policy_versions_change_later_decisions(
    eligibility: ServiceProcess,
) -> None:
    opd = make_opd({"bidang-umum": 5})
    import_roster(eligibility.url, opd)
    nip = opd.units[0].staff[0]
    day, other_day = next_weekdays(2, skip_weeks=5)

    no_policy = submit(eligibility.url, nip, opd, request_body([day])).json()
    assert failed(no_policy["decision"])[:2] == ["POLICY_IN_FORCE", "WFA_ENABLED"]

    publish_policy(eligibility.url, opd, version=1)
    conflict = httpx.post(
        f"{eligibility.url}/policies/{opd.opd_id}/versions",
        json={"version": 5, "effective_from": "2099-01-01", "settings": {}},
        headers=admin(),
    )
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "policy_version_conflict"
    invalid = httpx.post(
        f"{eligibility.url}/policies/{opd.opd_id}/versions",
        json={"version": 2, "effective_from": "2099-01-01", "settings": {"weekly_cap_days": 3}},
        headers=admin(),
    )
    assert invalid.status_code == 422

    sanction = httpx.post(
        f"{eligibility.url}/roster/sanctions",
        json={"nip": nip, "level": "sedang", "starts_on": day.isoformat()},
        headers=admin(),
        timeout=60,
    )
    assert sanction.status_code == 201, sanction.text
    sanctioned = submit(eligibility.url, nip, opd, request_body([day])).json()
    assert failed(sanctioned["decision"]) == ["NO_SANCTION"]
    lifted = httpx.post(
        f"{eligibility.url}/roster/sanctions/{sanction.json()['sanction_id']}/lift",
        json={"lifted_on": day.isoformat(), "reason": "Keputusan banding"},
        headers=admin(),
        timeout=60,
    )
    assert lifted.status_code == 200, lifted.text
    assert submit(eligibility.url, nip, opd, request_body([day])).json()["status"] == "pending"

    publish_policy(eligibility.url, opd, version=2, wfa_enabled=False)
    off = submit(eligibility.url, opd.units[0].staff[1], opd, request_body([other_day])).json()
    assert failed(off["decision"]) == ["WFA_ENABLED"]
    assert off["decision"]["policy_version"] == 2
    versions = httpx.get(f"{eligibility.url}/policies/{opd.opd_id}", headers=admin()).json()
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    assert versions["versions"][1]["settings"]["wfa_enabled"] is False


def test_what_if_simulation_reports_changed_decisions(
    eligibility: ServiceProcess, opd: Opd
) -> None:
    [day] = next_weekdays(1, skip_weeks=6)
    unit = opd.units[0]
    for nip in unit.staff[6:9]:
        submit(eligibility.url, nip, opd, request_body([day]))
    period = {"period_from": day.isoformat(), "period_to": day.isoformat()}
    same = httpx.post(
        f"{eligibility.url}/policies/{opd.opd_id}/simulations",
        json={**period, "settings": {"wfa_enabled": True, "working_days": NATIONAL_DAYS}},
        headers=admin(),
        timeout=60,
    )
    assert same.status_code == 200, same.text
    assert same.json()["replayed"] == 3 and same.json()["changed"] == 0

    tighter = httpx.post(
        f"{eligibility.url}/policies/{opd.opd_id}/simulations",
        json={
            **period,
            "settings": {
                "wfa_enabled": True,
                "working_days": NATIONAL_DAYS,
                "max_away_share": 0.1,
            },
        },
        headers=bearer(Role.AUDITOR, "198505052010012002", None),
        timeout=60,
    )
    assert tighter.status_code == 200, tighter.text
    report = tighter.json()
    assert (report["replayed"], report["newly_ineligible"], report["newly_eligible"]) == (3, 1, 0)
    assert report["rules_newly_failing"] == {"UNIT_AWAY_SHARE": 1}
    [example] = report["examples"]
    assert example["after_failed"] == ["UNIT_AWAY_SHARE"] and example["message_id"]
    assert report["summary_id"] and report["summary_en"]

    claimed = bearer(Role.KEPALA_OPD, opd.head, "opd-lain")  # the roster says otherwise
    refused = httpx.post(
        f"{eligibility.url}/policies/{opd.opd_id}/simulations",
        json={**period, "settings": {}},
        headers=claimed,
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "opd_mismatch"
    other = httpx.post(
        f"{eligibility.url}/policies/opd-lain/simulations",
        json={**period, "settings": {}},
        headers=bearer(Role.KEPALA_OPD, opd.head, opd.opd_id),
    )
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_opd"
