"""A small province seeded through the services' APIs for fuzzing them: an OPD whose head,
supervisor and staff are on the roster, a policy in force, and records of its first employee
(a device, a check-in, a WFA request, a daily report) and an office geofence, so fuzzed reads
and actions reach real records. Five callers that get past authorisation go with it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from services.runtime.edge.identity import Role
from tests.support.devices import presence_body, register_device
from tests.support.fuzzing import Caller
from tests.support.processes import ServiceProcess
from tests.support.province import (
    Opd,
    admin,
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
    wib_today,
)
from tests.support.tokens import bearer

AUDITOR_NIP = "197001012000011001"


@dataclass(frozen=True)
class World:
    """An OPD on the roster and records of its first employee, to read and act on."""

    opd: Opd
    callers: list[Caller]
    known_ids: dict[str, str]

    @property
    def staff(self) -> str:
        return self.opd.units[0].staff[0]

    def caller(self, name: str) -> Caller:
        return next(caller for caller in self.callers if caller.name == name)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), (response.request.url, response.text[:500])
    body: dict[str, Any] = response.json()
    return body


def check_in_when_known(attendance: str, nip: str, opd: Opd) -> dict[str, Any]:
    """The employee's check-in, once attendance has read the roster."""
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.post(
            f"{attendance}/attendance/check-ins",
            json=presence_body(nip, -6.18, 106.82),
            headers=asn(nip, opd),
            timeout=30,
        )
        if answer.status_code == 201:
            return created(answer)
        assert time.monotonic() < deadline, f"attendance never knew the roster: {answer.text}"
        time.sleep(0.5)


def seed_world(services: Mapping[str, ServiceProcess]) -> World:
    """A head, a supervisor and staff on the roster, a policy in force; the first employee's
    device, check-in, WFA request and daily report; an office geofence."""
    opd = make_opd({"bidang-uji": 2})
    unit = opd.units[0]
    staff = unit.staff[0]
    import_roster(services["eligibility"].url, opd)
    publish_policy(services["eligibility"].url, opd)
    for nip in unit.staff:
        register_device(services["attendance"].url, nip, opd.opd_id)
    checked_in = check_in_when_known(services["attendance"].url, staff, opd)
    requested = created(
        httpx.post(
            f"{services['eligibility'].url}/wfa/requests",
            json=request_body(next_weekdays(1)),
            headers=asn(staff, opd),
            timeout=60,
        )
    )
    output = {"description": "Menyusun notula rapat", "quantity": 1, "unit": "dokumen"}
    reported = created(
        httpx.post(
            f"{services['reporting'].url}/reports/daily",
            json={"work_date": wib_today().isoformat(), "outputs": [output], "notes": "uji"},
            headers=asn(staff, opd),
            timeout=60,
        )
    )
    circle = {"kind": "circle", "center": {"lat": -6.18, "lon": 106.82}, "radius_m": 200}
    geofence = created(
        httpx.post(
            f"{services['attendance'].url}/attendance/geofences",
            json={"opd_id": opd.opd_id, "name": "Gedung uji", "shape": circle},
            headers=admin(),
            timeout=60,
        )
    )
    callers = [
        Caller("asn", asn(staff, opd)),
        Caller("atasan", bearer(Role.ATASAN, unit.supervisor, opd.opd_id)),
        Caller("kepala_opd", bearer(Role.KEPALA_OPD, opd.head, opd.opd_id)),
        Caller("admin_bkd", admin()),
        Caller("auditor", bearer(Role.AUDITOR, AUDITOR_NIP, None)),
    ]
    known_ids = {
        "nip": staff,
        "opd_id": opd.opd_id,
        "request_id": requested["request_id"],
        "report_id": reported["report_id"],
        "event_id": checked_in["event_id"],
        "geofence_id": geofence["geofence_id"],
        "work_date": wib_today().isoformat(),
        "month": wib_today().strftime("%Y-%m"),
    }
    return World(opd, callers, known_ids)


def documented_operations(service: ServiceProcess) -> list[tuple[str, str, dict[str, Any]]]:
    """``(method, path, operation)`` of every operation ``service`` documents."""
    document = httpx.get(f"{service.url}/openapi.json", timeout=30).json()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def purpose_reads(services: dict[str, ServiceProcess]) -> list[tuple[str, str]]:
    """``(service, path template)`` of every read that takes a ``purpose``."""
    return [
        (name, path)
        for name in ("eligibility", "attendance", "reporting", "audit")
        for method, path, operation in documented_operations(services[name])
        if method == "GET" and any(p["name"] == "purpose" for p in operation.get("parameters", ()))
    ]


def reader_of(service: str, path: str) -> str:
    """A caller who may read ``path``: an auditor in audit and on the ops routes, else the
    first employee's supervisor."""
    return "auditor" if service == "audit" or path.startswith("/ops/") else "atasan"


def filled(path: str, world: World) -> str:
    """``path`` with the world's known ids in place of their parameters."""
    for name, value in world.known_ids.items():
        path = path.replace(f"{{{name}}}", value)
    return path
