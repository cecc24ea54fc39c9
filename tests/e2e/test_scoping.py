"""Who may record and see what is decided by the roster, not by the token alone.

Eligibility (to import the roster and take requests), attendance and reporting run as real
processes on a real broker. A token's OPD must be the OPD the roster records for the caller;
a supervisor's or head's token without an OPD sees nothing; reporting pages tell the total.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from schemas.topics import ATTENDANCE
from services.runtime.edge.identity import Role
from tests.support.devices import register_device
from tests.support.event_log import read_events
from tests.support.http_checks import get, ok, poll, refused
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    Opd,
    admin,
    asn,
    import_roster,
    make_opd,
    new_nip,
    next_weekdays,
    publish_policy,
    request_body,
)
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

#: appointed in month 13: no roster import accepts it
IMPLAUSIBLE_NIP = "199001012015131001"
DEVICE = "hp-scoping"
PRESENCE = {"location": {"lat": -6.18, "lon": 106.82}, "accuracy_m": 10, "device_id": DEVICE}


@pytest.fixture(scope="module")
def services(shared_platform: SharedPlatform) -> dict[str, ServiceProcess]:
    return shared_platform.only("eligibility", "attendance", "reporting")


@pytest.fixture(scope="module")
def opds(services: dict[str, ServiceProcess]) -> tuple[Opd, Opd]:
    """Two OPDs on the roster; the first has requests from five of its staff."""
    ours = make_opd({"bidang-data": 3, "bidang-aplikasi": 2})
    theirs = make_opd({"bidang-umum": 1})
    for opd in (ours, theirs):
        import_roster(services["eligibility"].url, opd)
    publish_policy(services["eligibility"].url, ours)
    days = next_weekdays(5, skip_weeks=2)
    staff = [nip for unit in ours.units for nip in unit.staff]
    for nip, day in zip(staff, days, strict=True):
        posted = httpx.post(
            f"{services['eligibility'].url}/wfa/requests",
            json=request_body([day]),
            headers=asn(nip, ours),
            timeout=60,
        )
        assert posted.status_code == 202, posted.text
    poll(
        lambda: _requests(services, admin(), opd_id=ours.opd_id),
        lambda body: len(body["items"]) == len(staff),
    )
    return ours, theirs


def _get_requests(
    services: dict[str, ServiceProcess], headers: dict[str, str], **params: Any
) -> httpx.Response:
    return get(services["reporting"], "/reports/requests", headers, timeout=30, **params)


def _requests(
    services: dict[str, ServiceProcess], headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    body: dict[str, Any] = ok(_get_requests(services, headers, **params))
    return body


def _check_in(
    services: dict[str, ServiceProcess], headers: dict[str, str], path: str = "check-ins"
) -> httpx.Response:
    return httpx.post(
        f"{services['attendance'].url}/attendance/{path}",
        json=PRESENCE,
        headers=headers,
        timeout=30,
    )


# reporting ----------------------------------------------------------------------------------


def test_a_supervisor_or_head_token_without_opd_sees_nothing(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd]
) -> None:
    ours, _ = opds
    for role, nip in ((Role.ATASAN, ours.units[0].supervisor), (Role.KEPALA_OPD, ours.head)):
        response = _get_requests(services, bearer(role, nip, None))
        refused(response, 403, "missing_opd")


def test_a_token_for_another_opd_than_the_roster_records_is_refused(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd]
) -> None:
    ours, theirs = opds
    # a head of ours whose token claims the other OPD: the roster says otherwise
    claimed = _get_requests(services, bearer(Role.KEPALA_OPD, ours.head, theirs.opd_id))
    error = refused(claimed, 403, "opd_mismatch")
    assert ours.opd_id in error["message_en"]
    # a head asking to see another OPD than their own
    asked = _get_requests(
        services, bearer(Role.KEPALA_OPD, ours.head, ours.opd_id), opd_id=theirs.opd_id
    )
    refused(asked, 403, "outside_scope")
    # the other OPD's head, rightly, sees none of our requests
    other_head = _requests(services, bearer(Role.KEPALA_OPD, theirs.head, theirs.opd_id))
    assert other_head["total"] == 0 and other_head["items"] == []
    # a supervisor the roster does not know
    stranger = _get_requests(services, bearer(Role.ATASAN, new_nip(), ours.opd_id))
    refused(stranger, 403, "employee_not_on_roster")


def test_total_is_every_matching_request_and_pages_follow_each_other(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd]
) -> None:
    ours, _ = opds
    head = bearer(Role.KEPALA_OPD, ours.head, ours.opd_id)
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = _requests(services, head, limit=2, offset=offset)
        assert page["count"] == len(page["items"]) <= 2
        assert page["total"] == 5
        assert page["limit"] == 2 and page["offset"] == offset
        seen += [item["request_id"] for item in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == 5
    assert {item["opd_id"] for item in _requests(services, head)["items"]} == {ours.opd_id}

    beyond = _requests(services, head, limit=2, offset=10)
    assert beyond["count"] == 0 and beyond["total"] == 5 and beyond["next_offset"] is None

    province = _requests(services, admin(), opd_id=ours.opd_id, limit=1)
    assert province["count"] == 1 and province["total"] == 5 and province["next_offset"] == 1


def test_a_supervisor_sees_the_people_they_supervise(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd]
) -> None:
    ours, _ = opds
    data, apps = ours.units
    supervisor = bearer(Role.ATASAN, data.supervisor, ours.opd_id)
    body = _requests(services, supervisor)
    assert body["total"] == len(data.staff)
    assert {item["nip"] for item in body["items"]} == set(data.staff)
    one = _requests(services, supervisor, nip=data.staff[0])
    assert [item["nip"] for item in one["items"]] == [data.staff[0]]
    refused(_get_requests(services, supervisor, nip=apps.staff[0]), 403, "outside_scope")

    employee = _requests(services, asn(apps.staff[1], ours))
    assert employee["total"] == 1 and employee["items"][0]["nip"] == apps.staff[1]


# attendance ---------------------------------------------------------------------------------


def test_a_check_in_from_a_nip_not_on_the_roster_is_refused(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd]
) -> None:
    ours, _ = opds
    for nip in (IMPLAUSIBLE_NIP, new_nip()):
        response = _check_in(services, bearer(Role.ASN, nip, ours.opd_id))
        error = refused(response, 422, "employee_not_on_roster")
        assert nip in error["message_id"]


def test_a_check_in_with_a_wrong_or_missing_opd_is_refused(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd]
) -> None:
    ours, theirs = opds
    nip = ours.units[0].staff[0]
    for opd_id in (theirs.opd_id, f"opd-{uuid.uuid4().hex[:8]}"):
        refused(_check_in(services, bearer(Role.ASN, nip, opd_id)), 403, "opd_mismatch")
    refused(_check_in(services, bearer(Role.ASN, nip, None)), 403, "missing_opd")
    refused(
        _check_in(services, bearer(Role.ASN, nip, theirs.opd_id), "check-outs"),
        403,
        "opd_mismatch",
    )


def test_a_check_in_carries_the_opd_of_the_roster(
    services: dict[str, ServiceProcess], opds: tuple[Opd, Opd], kafka_bootstrap: str
) -> None:
    ours, _ = opds
    nip = ours.units[1].staff[0]
    register_device(services["attendance"].url, nip, ours.opd_id, DEVICE)
    recorded = []
    for path in ("check-ins", "check-outs"):
        response = _check_in(services, asn(nip, ours), path)
        assert response.status_code == 201, response.text
        recorded.append(response.json()["event_id"])
    ids = set(recorded)
    events = asyncio.run(
        read_events(kafka_bootstrap, ATTENDANCE, lambda envelope: envelope.event_id in ids)
    )
    assert sorted(e.type for e in events) == ["CheckedIn", "CheckedOut"]
    for envelope in events:
        assert envelope.opd_id == ours.opd_id
        assert envelope.subject == envelope.actor == nip


def test_a_newly_registered_employee_can_check_in_at_once(
    services: dict[str, ServiceProcess],
) -> None:
    newcomer = make_opd({"bidang-baru": 1})
    import_roster(services["eligibility"].url, newcomer)
    nip = newcomer.units[0].staff[0]
    register_device(services["attendance"].url, nip, newcomer.opd_id, DEVICE)
    response = _check_in(services, asn(nip, newcomer))
    assert response.status_code == 201, response.text


def test_refusals_are_documented_in_openapi(services: dict[str, ServiceProcess]) -> None:
    attendance = httpx.get(f"{services['attendance'].url}/openapi.json", timeout=30).json()
    for path in ("/attendance/check-ins", "/attendance/check-outs"):
        documented = attendance["paths"][path]["post"]["responses"]
        assert {"201", "403", "409", "422"} <= set(documented)
        assert "opd_mismatch" in documented["403"]["description"]
        assert "employee_not_on_roster" in documented["422"]["description"]
    reporting = httpx.get(f"{services['reporting'].url}/openapi.json", timeout=30).json()
    documented = reporting["paths"]["/reports/requests"]["get"]["responses"]
    assert {"200", "403", "422"} <= set(documented)
    assert "missing_opd" in documented["403"]["description"]
