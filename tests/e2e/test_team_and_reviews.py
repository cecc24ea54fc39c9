"""The supervisor's views over HTTP against the real service: the reports waiting for their
review, the team's day, and the WFA requests filtered by status and days.

One OPD (head; unit ``data``: supervisor S and staff A1-A3; unit ``umum``: supervisor SB and
staff B1) is published straight onto the topics: requests and their decisions, a day of
presence, anomalies and daily reports. Reporting runs as a real process on a real broker.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from schemas import Envelope, new_event
from schemas.events import EligibilityDecision, GeoPoint, SharedPlace, WfaRequested, WorkTarget
from services.runtime.edge.identity import Role
from tests.support.http_checks import get, ok, poll, refused
from tests.support.presence_events import anomaly, roster_events, signal, utc
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import admin, make_opd
from tests.support.reporting_events import decided, output, report, requested, review
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

DAY = datetime.now(UTC).date() - timedelta(days=2)
"""A recent day: its reports can still be reviewed."""
PROJECTION_S = 120.0
"""How long reporting may take to show what was published."""


class Team:
    def __init__(self) -> None:
        self.opd = make_opd({"data": 3, "umum": 1})
        data, umum = self.opd.units
        self.head = self.opd.head
        self.s, (self.a1, self.a2, self.a3) = data.supervisor, data.staff
        self.sb, self.b1 = umum.supervisor, umum.staff[0]
        tag = uuid.uuid4().hex[:8]
        self.r1, self.r2, self.r3 = f"req-1-{tag}", f"req-2-{tag}", f"req-3-{tag}"

    def pending_request(self, nip: str, request_id: str, day: date) -> Envelope:
        payload = WfaRequested(
            request_id=request_id,
            nip=nip,
            work_unit_id="data",
            dates=[day],
            place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
            reason="Menyusun laporan analisis",
            work_plan=[WorkTarget(description="Laporan analisis", target=2, unit="dokumen")],
            decision=EligibilityDecision(eligible=True, policy_version=1, trace=[]),
        )
        return new_event(
            payload, actor=nip, subject=nip, opd_id=self.opd.opd_id, occurred_at=utc(DAY, 9)
        )

    def events(self) -> list[Envelope]:
        opd = self.opd.opd_id
        at = utc(DAY, 6)
        outputs = [output(2, target=2)]
        return [
            *roster_events(self.opd),
            # requests: A1's approved for DAY, A2's pending a week later, A3's rejected
            requested(self.a1, opd, self.r1, [DAY], at - timedelta(days=3), unit="data"),
            decided("approved", self.a1, opd, self.r1, self.s, at - timedelta(days=2)),
            self.pending_request(self.a2, self.r2, DAY + timedelta(days=7)),
            requested(self.a3, opd, self.r3, [DAY + timedelta(days=30)], at, unit="data"),
            decided("rejected", self.a3, opd, self.r3, self.s, at + timedelta(hours=1)),
            # the day: A1 away, A2 at the office (late), A3 absent, S and B1 at the office
            signal("check_in", self.a1, opd, utc(DAY, 7, 30), mode="wfa"),
            signal("check_in", self.a2, opd, utc(DAY, 8)),
            signal("check_out", self.a2, opd, utc(DAY, 16)),
            anomaly("late_check_in", self.a2, opd, utc(DAY, 8)),
            signal("check_in", self.s, opd, utc(DAY, 7)),
            signal("check_in", self.b1, opd, utc(DAY, 7)),
            # reports: A1 waiting, A2 accepted, A3 returned then sent again, B1 and S waiting
            report(self.a1, opd, DAY, outputs, utc(DAY, 17), mode="wfa", request_id=self.r1),
            report(self.a2, opd, DAY, outputs, utc(DAY, 17)),
            review(self.a2, opd, DAY, self.s, "accepted", utc(DAY, 18)),
            report(self.a3, opd, DAY, outputs, utc(DAY, 17)),
            review(self.a3, opd, DAY, self.s, "returned", utc(DAY, 18)),
            report(self.a3, opd, DAY, outputs, utc(DAY, 19), revision=2),
            report(self.b1, opd, DAY, outputs, utc(DAY, 17)),
            report(self.s, opd, DAY, outputs, utc(DAY, 17)),
        ]

    def token(self, role: Role, nip: str) -> dict[str, str]:
        return bearer(role, nip, self.opd.opd_id)

    @staticmethod
    def name(nip: str) -> str:
        return f"Pegawai {nip[-4:]}"


@pytest.fixture(scope="module")
def team(kafka_bootstrap: str) -> Team:
    crafted = Team()
    asyncio.run(publish(kafka_bootstrap, crafted.events(), client_name="team"))
    return crafted


@pytest.fixture(scope="module")
def reporting(shared_platform: SharedPlatform, team: Team) -> ServiceProcess:
    return shared_platform["reporting"]


@pytest.fixture(scope="module")
def projected(reporting: ServiceProcess, team: Team) -> ServiceProcess:
    """Reporting once the day, the requests and the reports are all read."""
    head = team.token(Role.KEPALA_OPD, team.head)

    def day() -> Any:
        response = get(reporting, "/reporting/team", head, date=DAY.isoformat())
        return response.json() if response.status_code == 200 else None

    def complete(body: Any) -> bool:
        if body is None:
            return False
        items = {item["nip"]: item for item in body["items"]}
        a2, a3 = items.get(team.a2), items.get(team.a3)
        return (
            a2 is not None
            and a2["check_out"] is not None
            and a2["report_status"] == "accepted"
            and a2["anomalies"] == ["late_check_in"]
            and a3 is not None
            and a3["report_status"] == "submitted"
        )

    poll(day, complete, timeout=PROJECTION_S)
    poll(
        lambda: get(reporting, "/reports/requests", admin(), opd_id=team.opd.opd_id),
        lambda response: response.status_code == 200 and response.json()["total"] == 3,
        timeout=PROJECTION_S,
    )
    return reporting


# reviews ------------------------------------------------------------------------------------


def _review_ids(service: ServiceProcess, headers: dict[str, str]) -> list[str]:
    body = ok(get(service, "/reports/reviews", headers))
    assert body["count"] == len(body["items"])
    return [item["report_id"] for item in body["items"]]


def test_a_supervisor_sees_the_reports_waiting_for_them(
    projected: ServiceProcess, team: Team
) -> None:
    headers = team.token(Role.ATASAN, team.s)
    body = poll(
        lambda: ok(get(projected, "/reports/reviews", headers)),
        lambda answer: answer["count"] == 2,
        timeout=PROJECTION_S,
    )
    items = {item["nip"]: item for item in body["items"]}
    assert set(items) == {team.a1, team.a3}  # A2's is accepted; B1 and S are not theirs
    assert items[team.a1]["name"] == team.name(team.a1)
    assert items[team.a1]["revision"] == 1
    assert items[team.a1]["mode"] == "wfa" and items[team.a1]["request_id"] == team.r1
    assert items[team.a1]["work_date"] == DAY.isoformat()
    assert items[team.a1]["outputs"][0]["quantity"] == 2
    assert items[team.a3]["revision"] == 2  # returned, then sent again
    assert items[team.a3]["submitted_at"]


def test_each_supervisor_of_record_sees_their_own(projected: ServiceProcess, team: Team) -> None:
    assert _review_ids(projected, team.token(Role.KEPALA_OPD, team.head)) == [
        f"rep-{team.s}-{DAY:%Y%m%d}"
    ]
    assert _review_ids(projected, team.token(Role.ATASAN, team.sb)) == [
        f"rep-{team.b1}-{DAY:%Y%m%d}"
    ]
    assert _review_ids(projected, team.token(Role.ASN, team.a1)) == []
    refused(get(projected, "/reports/reviews", {}), 401, "unauthenticated")


def test_a_review_takes_the_report_off_the_list(projected: ServiceProcess, team: Team) -> None:
    headers = team.token(Role.ATASAN, team.sb)
    report_id = f"rep-{team.b1}-{DAY:%Y%m%d}"
    response = httpx.post(
        f"{projected.url}/reports/daily/{report_id}/review",
        json={"verdict": "accepted", "revision": 1},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert _review_ids(projected, headers) == []


# the team's day -----------------------------------------------------------------------------


def _team(service: ServiceProcess, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        get(service, "/reporting/team", headers, date=DAY.isoformat(), **params)
    )
    return body


def test_a_supervisor_sees_their_teams_day(projected: ServiceProcess, team: Team) -> None:
    body = _team(projected, team.token(Role.ATASAN, team.s))
    assert body["date"] == DAY.isoformat()
    items = {item["nip"]: item for item in body["items"]}
    assert set(items) == {team.a1, team.a2, team.a3}
    a1, a2, a3 = items[team.a1], items[team.a2], items[team.a3]
    assert a1["name"] == team.name(team.a1) and a1["work_unit_id"] == "data"
    assert a1["mode"] == "wfa" and a1["approved_wfa"] is True and a1["check_in"]
    assert a1["report_status"] == "submitted"
    assert a2["mode"] == "office" and a2["approved_wfa"] is False
    assert a2["worked_minutes"] == 480 and a2["anomalies"] == ["late_check_in"]
    assert a2["report_status"] == "accepted"
    assert a3["mode"] == "absent" and a3["check_in"] is None
    assert body["totals"] == {
        "headcount": 3,
        "wfa": 1,
        "office": 1,
        "absent": 1,
        "checked_in": 2,
        "approved_wfa": 1,
        "reports_submitted": 3,
        "anomalies": 1,
    }


def test_the_head_and_bkd_see_the_whole_opd(projected: ServiceProcess, team: Team) -> None:
    everyone = {team.head, team.s, team.a1, team.a2, team.a3, team.sb, team.b1}
    head = _team(projected, team.token(Role.KEPALA_OPD, team.head))
    assert {item["nip"] for item in head["items"]} == everyone
    assert head["totals"]["headcount"] == 7 and head["totals"]["checked_in"] == 4
    bkd = _team(projected, admin(), opd_id=team.opd.opd_id)

    def days(body: dict[str, Any]) -> list[tuple[str, str, str | None]]:
        # (a review recorded by another test may change a report's status meanwhile)
        return [(item["nip"], item["mode"], item["check_in"]) for item in body["items"]]

    assert days(bkd) == days(head)
    refused(get(projected, "/reporting/team", admin(), date=DAY.isoformat()), 422, "opd_required")


def test_an_employee_sees_only_their_own_day(projected: ServiceProcess, team: Team) -> None:
    body = _team(projected, team.token(Role.ASN, team.a3))
    assert [item["nip"] for item in body["items"]] == [team.a3]


def test_the_team_day_refuses_what_is_out_of_scope_or_malformed(
    projected: ServiceProcess, team: Team
) -> None:
    head = team.token(Role.KEPALA_OPD, team.head)
    refused(
        get(projected, "/reporting/team", head, date=DAY.isoformat(), opd_id="opd-lain"),
        403,
        "outside_scope",
    )
    refused(get(projected, "/reporting/team", head, date="2026-02-30"), 422, "invalid_request")
    refused(get(projected, "/reporting/team", head), 422, "invalid_request")
    refused(get(projected, "/reporting/team", {}, date=DAY.isoformat()), 401, "unauthenticated")


# requests filtered ----------------------------------------------------------------------------


def _request_ids(service: ServiceProcess, headers: dict[str, str], **params: Any) -> set[str]:
    body = ok(get(service, "/reports/requests", headers, **params))
    for item in body["items"]:
        assert item["name"] == f"Pegawai {item['nip'][-4:]}"
    return {item["request_id"] for item in body["items"]}


def test_requests_filter_by_status_and_days(projected: ServiceProcess, team: Team) -> None:
    s = team.token(Role.ATASAN, team.s)
    assert _request_ids(projected, s) == {team.r1, team.r2, team.r3}
    assert _request_ids(projected, s, status="pending") == {team.r2}
    both = httpx.get(
        f"{projected.url}/reports/requests",
        params=[("status", "approved"), ("status", "rejected")],
        headers=s,
        timeout=60,
    )
    assert {item["request_id"] for item in ok(both)["items"]} == {team.r1, team.r3}
    week_later = DAY + timedelta(days=7)
    around = {"date_from": week_later - timedelta(days=2), "date_to": week_later}
    assert _request_ids(projected, s, **{k: v.isoformat() for k, v in around.items()}) == {team.r2}
    assert _request_ids(projected, s, date_from=DAY.isoformat(), date_to=DAY.isoformat()) == {
        team.r1
    }
    assert _request_ids(projected, s, date_from=(DAY + timedelta(days=8)).isoformat()) == {team.r3}
    assert _request_ids(projected, s, date_to=DAY.isoformat(), status="pending") == set()


def test_bad_request_filters_get_a_clear_422(projected: ServiceProcess, team: Team) -> None:
    s = team.token(Role.ATASAN, team.s)
    refused(get(projected, "/reports/requests", s, status="menunggu"), 422, "invalid_request")
    refused(
        get(projected, "/reports/requests", s, date_from="2026-03-10", date_to="2026-03-01"),
        422,
        "invalid_period",
    )
    refused(get(projected, "/reports/requests", s, date_from="2026-13-01"), 422, "invalid_request")
