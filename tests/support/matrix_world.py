"""The small province the role x route matrix is played against, seeded through the APIs.

The roster of :mod:`tests.support.matrix_people` is imported with its heads. The seeding
(policies, devices, WFA requests, a check-in, daily reports, a geofence, a sanction, an
archived and sealed event of the subject) gives every path parameter a real value. Routes
whose success uses a thing up (approving a pending request, retiring a geofence, reviewing a
report) take it from :class:`Supply`, which makes a fresh one once it is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from services.runtime.edge.identity import Role
from tests.support.matrix_people import OUR_UNIT, SECOND_UNIT, People
from tests.support.province import NATIONAL_DAYS, next_weekdays, request_body, wib_today
from tests.support.route_matrix import Caller

TIMEOUT_S = 60.0


def device_of(nip: str) -> str:
    return f"hp-matriks-{nip}"


def presence(nip: str) -> dict[str, Any]:
    return {
        "location": {"lat": -6.18, "lon": 106.82},
        "accuracy_m": 10,
        "device_id": device_of(nip),
    }


def report_body(day: date) -> dict[str, Any]:
    output = {"description": "Menyusun notula rapat", "quantity": 1, "unit": "dokumen", "target": 1}
    return {"work_date": day.isoformat(), "outputs": [output], "notes": "Laporan uji"}


def policy_settings() -> dict[str, Any]:
    return {
        "wfa_enabled": True,
        "max_away_share": 1.0,
        "holidays": [],
        "joint_leave": [],
        "working_days": NATIONAL_DAYS,
    }


def geofence_body(opd: str, unit: str) -> dict[str, Any]:
    circle = {"kind": "circle", "center": {"lat": -6.18, "lon": 106.82}, "radius_m": 200}
    return {"opd_id": opd, "work_unit_id": unit, "name": "Gedung uji", "shape": circle}


class SeedingFailed(AssertionError):
    pass


def expect(response: httpx.Response, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise SeedingFailed(
            f"{response.request.method} {response.request.url}: "
            f"{response.status_code} {response.text[:500]}"
        )
    return response.json()


def wait_for(what: str, fetch: Callable[[], Any], timeout: float = TIMEOUT_S) -> Any:
    """The first truthy value ``fetch`` returns within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SeedingFailed(f"{what}: not seen within {timeout:.0f}s")
        time.sleep(0.3)


class Supply:
    """A thing a successful call uses up, made again once it has been used."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._current: str | None = None

    def get(self) -> str:
        if self._current is None:
            self._current = self._make()
        return self._current

    def used(self) -> None:
        self._current = None


@dataclass
class World:
    """The services, the people, and the ids of what was seeded."""

    urls: dict[str, str]
    people: People
    today: date = field(default_factory=wib_today)
    ids: dict[str, str] = field(default_factory=dict)
    supplies: dict[str, Supply] = field(default_factory=dict)
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=TIMEOUT_S))
    """One connection pool for every call (a client per call costs tens of milliseconds)."""
    _far_weeks: int = 8
    _days_back: int = 0

    def url(self, service: str, path: str) -> str:
        return f"{self.urls[service]}{path}"

    def post(self, service: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return self.client.post(self.url(service, path), headers=headers, **kw)

    def get(self, service: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return self.client.get(self.url(service, path), headers=headers, **kw)

    # -- tokens the roster agrees with -------------------------------------------------------

    def admin(self) -> dict[str, str]:
        return self.people.headers(Caller.ADMIN_BKD)

    def auditor(self) -> dict[str, str]:
        return self.people.headers(Caller.AUDITOR)

    def subject(self) -> dict[str, str]:
        return self.people.headers(Caller.SELF)

    # -- seeding ------------------------------------------------------------------------------

    def seed(self) -> None:
        p = self.people
        answer = expect(
            self.post(
                "eligibility",
                "/roster/imports?format=csv",
                {**self.admin(), "Content-Type": "text/csv"},
                content=p.roster_csv(),
            ),
            200,
        )
        if not answer.get("projected"):
            raise SeedingFailed(f"roster not projected: {answer}")
        for opd in (p.opd, p.other_opd):
            self.publish_policy(opd)
        self._register_devices()
        self.ids["request"] = self.submit_request()
        self.supplies["approve"] = Supply(self.submit_request)
        self.supplies["reject"] = Supply(self.submit_request)
        self.supplies["cancel"] = Supply(self.submit_request)
        self.supplies["review"] = Supply(self._report_to_review)
        self.supplies["geofence"] = Supply(self._geofence_to_retire)
        expect(
            self.post(
                "attendance", "/attendance/check-ins", self.subject(), json=presence(p.subject)
            ),
            201,
        )
        expect(
            self.post("reporting", "/reports/daily", self.subject(), json=report_body(self.today)),
            201,
        )
        self.ids["sanction"] = self._sanction()
        expect(
            self.post(
                "attendance",
                "/attendance/geofences",
                self.admin(),
                json=geofence_body(p.opd, OUR_UNIT),
            ),
            201,
        )

    def publish_policy(self, opd: str) -> None:
        current = expect(self.get("eligibility", f"/policies/{opd}", self.admin()), 200)
        latest = max((v["version"] for v in current["versions"]), default=0)
        expect(
            self.post(
                "eligibility",
                f"/policies/{opd}/versions",
                self.admin(),
                json=self.policy_version(latest + 1),
            ),
            201,
        )

    def policy_version(self, version: int) -> dict[str, Any]:
        return {
            "version": version,
            "effective_from": self.today.isoformat(),
            "note": "kebijakan uji matriks",
            "settings": policy_settings(),
        }

    def next_policy_version(self) -> int:
        current = expect(self.get("eligibility", f"/policies/{self.people.opd}", self.admin()), 200)
        return 1 + max((v["version"] for v in current["versions"]), default=0)

    def _register_devices(self) -> None:
        p = self.people
        roles = {
            p.head: Role.KEPALA_OPD,
            p.other_head: Role.KEPALA_OPD,
            p.supervisor: Role.ATASAN,
            p.other_supervisor: Role.ATASAN,
            p.their_supervisor: Role.ATASAN,
        }
        for nip in p.on_duty():
            opd = p.other_opd if nip in (p.other_head, p.their_supervisor, p.their_staff) else p.opd
            body = {"device_id": device_of(nip), "platform": "android", "label": "Ponsel uji"}
            response = self.post(
                "attendance",
                "/attendance/devices",
                p.own(roles.get(nip, Role.ASN), nip, opd),
                json=body,
            )
            registered = expect(response, 200, 201)
            if nip == p.subject and registered.get("event_id"):
                self.ids["subject_event"] = registered["event_id"]

    def far_day(self) -> date:
        """A weekday in a week of its own, far enough ahead that no cap is near."""
        self._far_weeks += 1
        return next_weekdays(1, skip_weeks=self._far_weeks)[0]

    def submit_request(self) -> str:
        body = request_body([self.far_day()])
        answer = expect(self.post("eligibility", "/wfa/requests", self.subject(), json=body), 202)
        request_id = str(answer["request_id"])

        def pending() -> bool:
            seen = self.get("eligibility", f"/wfa/requests/{request_id}", self.subject())
            return seen.status_code == 200 and seen.json().get("status") == "pending"

        wait_for(f"request {request_id} pending", pending)
        return request_id

    def _report_to_review(self) -> str:
        """A report of the subject for a past day, not reviewed yet."""
        self._days_back += 1
        day = self.today - timedelta(days=self._days_back)
        answer = expect(
            self.post("reporting", "/reports/daily", self.subject(), json=report_body(day)), 201
        )
        return str(answer["report_id"])

    def _geofence_to_retire(self) -> str:
        body = geofence_body(self.people.opd, SECOND_UNIT)
        answer = expect(
            self.post("attendance", "/attendance/geofences", self.admin(), json=body), 201
        )
        return str(answer["geofence_id"])

    def _sanction(self) -> str:
        answer = expect(
            self.post("eligibility", "/roster/sanctions", self.admin(), json=self.sanction_body()),
            201,
        )
        return str(answer["sanction_id"])

    def sanction_body(self) -> dict[str, Any]:
        return {
            "nip": self.people.sanctioned,
            "level": "ringan",
            "starts_on": (self.today + timedelta(days=300)).isoformat(),
            "ends_on": (self.today + timedelta(days=330)).isoformat(),
            "basis": "PP 94/2021",
        }

    # -- what only exists once the services have read the log ---------------------------------

    def settle(self) -> None:
        """Wait for reporting and audit to hold what was seeded, and note their ids."""
        wait_for("the subject's request in reporting", self._reporting_has_requests)
        event = self.ids["subject_event"]

        def sealed() -> bool:
            answer = self.get(
                "audit", "/audit/proofs/inclusion", self.auditor(), params={"event_id": event}
            )
            return answer.status_code == 200

        wait_for("the subject's device event sealed in audit", sealed, timeout=180)
        latest = expect(self.get("audit", "/audit/checkpoints/latest", {}), 200)
        self.ids["tree_size"] = str(latest["tree_size"])
        first = expect(self.get("audit", "/audit/checkpoints", {}, params={"limit": 1}), 200)
        self.ids["first_tree_size"] = str(first["items"][0]["tree_size"])
        for service in ("eligibility", "reporting", "audit"):
            self.ids[f"{service}_table"] = self._table(service)

    def _reporting_has_requests(self) -> bool:
        answer = self.get(
            "reporting", "/reports/requests", self.admin(), params={"nip": self.people.subject}
        )
        return answer.status_code == 200 and answer.json()["total"] >= 1

    def _table(self, service: str) -> str:
        answer = expect(self.get(service, "/ops/projections", self.people.headers(Caller.OPS)), 200)
        names = [str(t["table"]) for t in answer["tables"]]
        if not names:
            raise SeedingFailed(f"{service} lists no projection table")
        return str(names[0])
