"""A token says who the caller claims to be; the roster says which OPD they head and whom they
supervise. Every service answers by the roster.

Eligibility, attendance and reporting run as real processes on the session's broker, with the
session's audit service. Two OPDs are imported through eligibility, each with a head the roster
names (``heads_opd``); one employee of the second is named acting head (Plt) of a third OPD.
A head whose token claims another OPD gets 403 ``opd_mismatch`` on every read and write of it,
an employee whose token claims ``kepala_opd`` or ``atasan`` gets 403 ``role_not_on_roster``,
and nothing is published for them; the heads and supervisors the roster names get their answers.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from schemas.topics import DEVICES, POLICIES
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.http_checks import get, ok, poll, refused
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    ROSTER_HEADER,
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
def services(shared_platform: SharedPlatform) -> dict[str, ServiceProcess]:
    return shared_platform.only("eligibility", "attendance", "reporting")


@dataclass(frozen=True)
class Province:
    kominfo: Opd
    bappeda: Opd
    vacant: Opd
    """Its appointed head aside, the roster names a Plt from bappeda to head it."""
    acting: str
    request_id: str

    @property
    def staff(self) -> str:
        return self.kominfo.units[0].staff[0]

    @property
    def colleague(self) -> str:
        return self.kominfo.units[0].staff[1]


def _with_delegate(opd: Opd, delegate: str, heads: str) -> bytes:
    """``opd``'s roster with a ``head_capacity`` column, naming ``delegate`` Plt of ``heads``."""
    lines = opd.csv().decode().rstrip("\n").split("\n")
    assert lines[0] == ROSTER_HEADER
    rows = [f"{ROSTER_HEADER},head_capacity"]
    for line in lines[1:]:
        if line.startswith(f"{delegate},"):
            line = f"{line.removesuffix(',')},{heads}"
            rows.append(f"{line},plt")
        else:
            rows.append(f"{line},{'kepala' if line.startswith(opd.head) else ''}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def province(services: dict[str, ServiceProcess]) -> Province:
    eligibility = services["eligibility"].url
    kominfo = make_opd({"bidang-aplikasi": 3})
    bappeda = make_opd({"bidang-perencanaan": 2})
    vacant = make_opd({"bidang-umum": 1})
    acting = bappeda.units[0].staff[0]
    for opd in (kominfo, vacant):
        import_roster(eligibility, opd)
    imported = httpx.post(
        f"{eligibility}/roster/imports?format=csv",
        content=_with_delegate(bappeda, acting, vacant.opd_id),
        headers=admin(),
        timeout=120,
    )
    assert imported.status_code == 200 and imported.json()["projected"] is True, imported.text
    publish_policy(eligibility, kominfo)
    [day] = next_weekdays(1, skip_weeks=2)
    staff = kominfo.units[0].staff[0]
    posted = httpx.post(
        f"{eligibility}/wfa/requests",
        json=request_body([day]),
        headers=asn(staff, kominfo),
        timeout=60,
    )
    assert posted.status_code == 202, posted.text
    return Province(kominfo, bappeda, vacant, acting, posted.json()["request_id"])


def _head(opd: Opd, claimed: Opd | None = None) -> dict[str, str]:
    """A kepala_opd token of ``opd``'s head, claiming ``claimed`` (their own by default)."""
    return bearer(Role.KEPALA_OPD, opd.head, (claimed or opd).opd_id)


def _simulate(service: ServiceProcess, opd_id: str, headers: dict[str, str]) -> httpx.Response:
    [day] = next_weekdays(1, skip_weeks=2)
    period = {"period_from": day.isoformat(), "period_to": day.isoformat()}
    return httpx.post(
        f"{service.url}/policies/{opd_id}/simulations",
        json={**period, "settings": {}},
        headers=headers,
        timeout=60,
    )


def _assess(service: ServiceProcess, opd_id: str, headers: dict[str, str]) -> httpx.Response:
    body = {"infrastructure_score": 80, "connectivity_score": 70, "note": "Dicek langsung"}
    return httpx.post(
        f"{service.url}/policies/{opd_id}/readiness", json=body, headers=headers, timeout=60
    )


# a head whose token claims another OPD ---------------------------------------------------------


def test_a_head_claiming_another_opd_reads_nothing_of_it_in_eligibility(
    services: dict[str, ServiceProcess], province: Province
) -> None:
    eligibility, kominfo = services["eligibility"], province.kominfo.opd_id
    claimed = _head(province.bappeda, province.kominfo)  # bappeda's head, "kominfo" on the token
    request = f"/wfa/requests/{province.request_id}"
    readiness = f"/policies/{kominfo}/readiness"
    for answer in (
        get(eligibility, request, claimed),
        get(eligibility, readiness, claimed),
        get(eligibility, f"/policies/{kominfo}", claimed),
        _simulate(eligibility, kominfo, claimed),
    ):
        error = refused(answer, 403, "opd_mismatch")
        assert province.bappeda.opd_id in error["message_en"]  # the OPD the roster names
    # kominfo's own head, as the roster names them, is answered
    head = _head(province.kominfo)
    assert ok(get(eligibility, request, head))["nip"] == province.staff
    assert ok(get(eligibility, readiness, head))["opd_id"] == kominfo
    assert ok(_simulate(eligibility, kominfo, head))["replayed"] >= 1


def test_a_head_claiming_another_opd_assesses_nothing_for_it(
    kafka_bootstrap: str, services: dict[str, ServiceProcess], province: Province
) -> None:
    eligibility, kominfo = services["eligibility"], province.kominfo.opd_id
    refused(
        _assess(eligibility, kominfo, _head(province.bappeda, province.kominfo)),
        403,
        "opd_mismatch",
    )
    # the real head records one (201); the claiming head's attempt left nothing on the log
    recorded = _assess(eligibility, kominfo, _head(province.kominfo))
    assert recorded.status_code == 201, recorded.text
    assessed = asyncio.run(
        read_events(
            kafka_bootstrap,
            POLICIES,
            lambda e: e.type == "OpdReadinessAssessed" and e.opd_id == kominfo,
        )
    )
    assert [e.actor for e in assessed] == [province.kominfo.head]


def test_a_head_claiming_another_opd_is_refused_by_reporting_and_audit(
    services: dict[str, ServiceProcess], audit_service: ServiceProcess, province: Province
) -> None:
    claimed = _head(province.bappeda, province.kominfo)
    kominfo = province.kominfo.opd_id
    reads: list[tuple[ServiceProcess, str, dict[str, Any]]] = [
        (services["reporting"], f"/reporting/scorecards/{kominfo}", {"month": "2026-01"}),
        (services["reporting"], "/reports/requests", {}),
        (audit_service, f"/audit/time-travel/opds/{kominfo}", {}),
    ]
    for service, path, params in reads:
        refused(get(service, path, claimed, **params), 403, "opd_mismatch")
    # the head the roster names reads their OPD as it stood
    state = ok(get(audit_service, f"/audit/time-travel/opds/{kominfo}", _head(province.kominfo)))
    assert state["opd_id"] == kominfo


# an employee whose token claims a role the roster does not give them ---------------------------


def test_an_employee_with_a_head_token_reads_nothing_of_the_opd(
    services: dict[str, ServiceProcess], province: Province
) -> None:
    reporting, kominfo = services["reporting"], province.kominfo.opd_id
    as_head = bearer(Role.KEPALA_OPD, province.staff, kominfo)
    reads: list[tuple[str, dict[str, Any]]] = [
        ("/reports/requests", {}),
        (f"/reporting/opds/{kominfo}/days", {"date_from": "2026-01-05", "date_to": "2026-01-09"}),
        ("/reporting/team", {"date": "2026-01-05"}),
        (
            f"/reporting/employees/{province.colleague}/days",
            {"date_from": "2026-01-05", "date_to": "2026-01-09"},
        ),
    ]
    for path, params in reads:
        error = refused(get(reporting, path, as_head, **params), 403, "role_not_on_roster")
        assert error["details"] == [{"role": "kepala_opd"}]
    refused(
        get(services["eligibility"], f"/policies/{kominfo}/readiness", as_head),
        403,
        "role_not_on_roster",
    )
    # the head the roster names reads the whole OPD
    poll(
        lambda: ok(get(reporting, "/reports/requests", _head(province.kominfo))),
        lambda body: province.request_id in {item["request_id"] for item in body["items"]},
    )
    team = ok(get(reporting, "/reporting/team", _head(province.kominfo), date="2026-01-05"))
    assert province.colleague in {item["nip"] for item in team["items"]}


def test_an_employee_with_a_supervisor_token_sees_no_one_else(
    services: dict[str, ServiceProcess], province: Province
) -> None:
    reporting, kominfo = services["reporting"], province.kominfo.opd_id
    as_supervisor = bearer(Role.ATASAN, province.staff, kominfo)  # no one reports to them
    refused(get(reporting, "/reports/requests", as_supervisor), 403, "role_not_on_roster")
    refused(
        get(services["eligibility"], f"/wfa/requests/{province.request_id}", as_supervisor),
        403,
        "role_not_on_roster",
    )
    supervisor = bearer(Role.ATASAN, province.kominfo.units[0].supervisor, kominfo)
    seen = poll(
        lambda: ok(get(reporting, "/reports/requests", supervisor)),
        lambda body: body["total"] >= 1,
    )
    assert {item["nip"] for item in seen["items"]} == {province.staff}


def test_an_employee_with_a_head_token_binds_no_colleagues_phone(
    kafka_bootstrap: str, services: dict[str, ServiceProcess], province: Province
) -> None:
    url = f"{services['attendance'].url}/attendance/devices"
    kominfo = province.kominfo.opd_id
    as_head = bearer(Role.KEPALA_OPD, province.staff, kominfo)
    stolen = {"device_id": f"hp-{uuid.uuid4().hex[:8]}", "platform": "android"}
    answer = httpx.post(
        url, json={**stolen, "nip": province.colleague}, headers=as_head, timeout=60
    )
    refused(answer, 403, "role_not_on_roster")
    # the head the roster names may; the colleague's history has that registration only
    bound = {"device_id": f"hp-{uuid.uuid4().hex[:8]}", "platform": "android"}
    by_head = httpx.post(
        url, json={**bound, "nip": province.colleague}, headers=_head(province.kominfo), timeout=60
    )
    assert by_head.status_code == 201, by_head.text
    registered = asyncio.run(
        read_events(kafka_bootstrap, DEVICES, lambda e: e.subject == province.colleague)
    )
    assert [(e.payload["device_id"], e.actor) for e in registered] == [
        (bound["device_id"], province.kominfo.head)
    ]


# a delegate the roster names ---------------------------------------------------------------------


def test_the_acting_head_the_roster_names_heads_that_opd_only(
    services: dict[str, ServiceProcess], province: Province
) -> None:
    vacant, bappeda = province.vacant.opd_id, province.bappeda.opd_id
    acting = bearer(Role.KEPALA_OPD, province.acting, vacant)  # of bappeda, Plt of "vacant"
    readiness = ok(get(services["eligibility"], f"/policies/{vacant}/readiness", acting))
    assert readiness["opd_id"] == vacant
    team = ok(get(services["reporting"], "/reporting/team", acting, date="2026-01-05"))
    assert {item["nip"] for item in team["items"]} >= set(province.vacant.units[0].staff)
    # not the OPD they belong to, and not as the head of their own
    refused(
        get(services["eligibility"], f"/policies/{bappeda}/readiness", acting), 403, "other_opd"
    )
    claimed = bearer(Role.KEPALA_OPD, province.acting, bappeda)
    error = refused(get(services["reporting"], "/reports/requests", claimed), 403, "opd_mismatch")
    assert vacant in error["message_en"]
    # in their own capacity they are an employee of bappeda
    own = ok(
        get(services["reporting"], "/reports/requests", asn(province.acting, province.bappeda))
    )
    assert own["total"] == 0


def test_the_roster_import_names_heads_and_delegates(
    services: dict[str, ServiceProcess], province: Province
) -> None:
    url = f"{services['eligibility'].url}/roster/imports?format=csv"
    # re-importing the same roster changes nothing: the heads are already recorded
    roster = _with_delegate(province.bappeda, province.acting, province.vacant.opd_id)
    again = httpx.post(url, content=roster, headers=admin(), timeout=120)
    assert again.status_code == 200, again.text
    assert (again.json()["registered"], again.json()["updated"]) == (0, 0)
    # a capacity without an OPD to head: the row is refused, nothing is applied
    capacity_alone = _with_delegate(province.bappeda, province.acting, "")
    answer = httpx.post(url, content=capacity_alone, headers=admin(), timeout=120)
    refused(answer, 422, "roster_rows_rejected")
    [row] = [row for row in answer.json()["error"]["details"] if not row["accepted"]]
    assert row["nip"] == province.acting and "both set or both null" in row["reason_en"]
