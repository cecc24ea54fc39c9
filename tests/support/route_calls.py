"""How the role x route matrix calls each route: path parameters, query and a valid body.

Each route's call is built for one caller against the seeded :class:`World`: the subject's
NIP, OPD, request, report, device event and so on. Writes carry a valid body (the answer is
about authorisation, not validation) and a fresh ``Idempotency-Key``. A route whose success
uses a thing up names the :class:`~tests.support.matrix_world.Supply` it takes it from.
Presence and daily-report writes are the caller's own, from the caller's own device.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.support.matrix_people import OUR_UNIT
from tests.support.matrix_world import (
    World,
    device_of,
    geofence_body,
    policy_settings,
    presence,
    report_body,
)
from tests.support.province import request_body
from tests.support.route_matrix import Caller

PURPOSE = {"purpose": "uji matriks akses"}


@dataclass(frozen=True)
class Call:
    """One request: the path's parameters, the query, and a JSON body or raw content."""

    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    supply: str | None = None
    """The supply whose current thing a success uses up."""


Builder = Callable[[World, Caller], Call]


def _caller_nip(world: World, caller: Caller) -> str:
    principal = world.people.principal(caller)
    return principal.nip if principal is not None else world.people.subject


def _none(_world: World, _caller: Caller) -> Call:
    return Call()


def _request(world: World, _caller: Caller) -> Call:
    return Call(path={"request_id": world.ids["request"]}, query=PURPOSE)


def _act(action: str, reason: str) -> Builder:
    def build(world: World, _caller: Caller) -> Call:
        request_id = world.supplies[action].get()
        return Call(path={"request_id": request_id}, json={"reason": reason}, supply=action)

    return build


def _opd(
    query: Callable[[World], dict[str, Any]] | None = None,
    body: Callable[[World], Any] | None = None,
) -> Builder:
    """A call on our OPD (``/{opd_id}``), with the query and body made for the world."""

    def build(world: World, _caller: Caller) -> Call:
        return Call(
            path={"opd_id": world.people.opd},
            query=query(world) if query is not None else {},
            json=body(world) if body is not None else None,
        )

    return build


def _subject(query: Callable[[World], dict[str, Any]] | None = None) -> Builder:
    def build(world: World, _caller: Caller) -> Call:
        extra = query(world) if query is not None else {}
        return Call(path={"nip": world.people.subject}, query={**PURPOSE, **extra})

    return build


def _query(make: Callable[[World], dict[str, Any]]) -> Builder:
    def build(world: World, _caller: Caller) -> Call:
        return Call(query=make(world))

    return build


def _table(service: str) -> Builder:
    def build(world: World, _caller: Caller) -> Call:
        return Call(path={"table": world.ids[f"{service}_table"]}, query={**PURPOSE, "limit": 5})

    return build


def _own_request(world: World, _caller: Caller) -> Call:
    return Call(json=request_body([world.far_day()]))


def _roster(world: World, _caller: Caller) -> Call:
    """The roster as it stands: a successful import changes nothing."""
    return Call(query={"format": "csv"}, content=world.people.roster_csv(), content_type="text/csv")


def _lift(world: World, _caller: Caller) -> Call:
    lifted = (world.today + timedelta(days=310)).isoformat()
    return Call(
        path={"sanction_id": world.ids["sanction"]},
        json={"lifted_on": lifted, "reason": "Keputusan dibatalkan"},
    )


def _policy_version(world: World, _caller: Caller) -> Call:
    """The next version, counted at call time: an earlier success does not make it stale."""
    body = world.policy_version(world.next_policy_version())
    return Call(path={"opd_id": world.people.opd}, json=body)


def _simulation(world: World) -> dict[str, Any]:
    return {
        "period_from": (world.today - timedelta(days=30)).isoformat(),
        "period_to": (world.today + timedelta(days=120)).isoformat(),
        "settings": policy_settings(),
    }


def _assessment(_world: World) -> dict[str, Any]:
    return {"infrastructure_score": 80, "connectivity_score": 75, "note": "Penilaian uji"}


def _presence(world: World, caller: Caller) -> Call:
    return Call(json=presence(_caller_nip(world, caller)))


def _heartbeat(world: World, caller: Caller) -> Call:
    return Call(json={"device_id": device_of(_caller_nip(world, caller))})


def _subject_device(world: World, _caller: Caller) -> Call:
    """The subject's device as registered: a success records nothing new."""
    subject = world.people.subject
    return Call(json={"device_id": device_of(subject), "platform": "android", "nip": subject})


def _retire(world: World, _caller: Caller) -> Call:
    return Call(
        path={"geofence_id": world.supplies["geofence"].get()},
        query={"reason": "Gedung tidak dipakai"},
        supply="geofence",
    )


def _own_report(world: World, _caller: Caller) -> Call:
    return Call(json=report_body(world.today))


def _review(world: World, _caller: Caller) -> Call:
    return Call(
        path={"report_id": world.supplies["review"].get()},
        json={"verdict": "accepted", "revision": 1},
        supply="review",
    )


def _day_report(world: World, _caller: Caller) -> Call:
    return Call(
        path={"nip": world.people.subject, "work_date": world.today.isoformat()}, query=PURPOSE
    )


def _month(world: World) -> str:
    return f"{world.today:%Y-%m}"


def _of_month(world: World) -> dict[str, Any]:
    return {"month": _month(world)}


def _period(world: World) -> dict[str, Any]:
    return {
        "date_from": (world.today - timedelta(days=7)).isoformat(),
        "date_to": world.today.isoformat(),
    }


def _event(world: World, _caller: Caller) -> Call:
    return Call(path={"event_id": world.ids["subject_event"]}, query=PURPOSE)


def _persona(world: World, _caller: Caller) -> Call:
    return Call(path={"key": world.ids["persona"]})


CALLS: dict[str, Builder] = {
    "GET /health": _none,
    "GET /ready": _none,
    # eligibility
    "POST /wfa/requests": _own_request,
    "GET /wfa/requests/{request_id}": _request,
    "POST /wfa/requests/{request_id}/approve": _act("approve", "Disetujui"),
    "POST /wfa/requests/{request_id}/reject": _act("reject", "Rencana kerja belum terukur"),
    "POST /wfa/requests/{request_id}/cancel": _act("cancel", "Tidak jadi"),
    "POST /roster/imports": _roster,
    "POST /roster/sanctions": lambda w, _c: Call(json=w.sanction_body()),
    "POST /roster/sanctions/{sanction_id}/lift": _lift,
    "GET /policies/{opd_id}": _opd(),
    "POST /policies/{opd_id}/versions": _policy_version,
    "POST /policies/{opd_id}/simulations": _opd(body=_simulation),
    "POST /policies/{opd_id}/readiness": _opd(body=_assessment),
    "GET /policies/{opd_id}/readiness": _opd(),
    # attendance
    "POST /attendance/check-ins": _presence,
    "POST /attendance/check-outs": _presence,
    "POST /attendance/pings": _presence,
    "POST /attendance/heartbeats": _heartbeat,
    "POST /attendance/devices": _subject_device,
    "GET /attendance/devices/{nip}": _subject(),
    "POST /attendance/geofences": lambda w, _c: Call(json=geofence_body(w.people.opd, OUR_UNIT)),
    "GET /attendance/geofences": _query(lambda w: {"opd_id": w.people.opd}),
    "DELETE /attendance/geofences/{geofence_id}": _retire,
    "GET /attendance/locations/{nip}": _subject(lambda w: {"date": w.today.isoformat()}),
    # reporting
    "GET /reports/requests": _query(
        lambda w: {**PURPOSE, "opd_id": w.people.opd, "nip": w.people.subject}
    ),
    "GET /reporting/anomalies": _query(
        lambda w: {**PURPOSE, "opd_id": w.people.opd, "nip": w.people.subject}
    ),
    "GET /reporting/presence/{nip}": _subject(lambda w: {"date": w.today.isoformat()}),
    "POST /reports/daily": _own_report,
    "POST /reports/daily/{report_id}/review": _review,
    "GET /reports/daily/{nip}/{work_date}": _day_report,
    "GET /reports/reviews": _none,
    "GET /reporting/employees/{nip}/days": _subject(_period),
    "GET /reporting/employees/{nip}/weeks": _subject(_period),
    "GET /reporting/employees/{nip}/summary": _subject(_of_month),
    "GET /reporting/tpp": _query(lambda w: {**PURPOSE, "month": _month(w), "opd_id": w.people.opd}),
    "GET /reporting/team": _query(
        lambda w: {**PURPOSE, "date": w.today.isoformat(), "opd_id": w.people.opd}
    ),
    "GET /reporting/opds/{opd_id}/days": _opd(_period),
    "GET /reporting/opds/{opd_id}/summary": _opd(_of_month),
    "GET /reporting/opds": _query(_of_month),
    "GET /reporting/productivity": _query(lambda w: {"month": _month(w), "opd_id": w.people.opd}),
    "GET /reporting/scorecards/{opd_id}": _opd(_of_month),
    # a month before the platform: a success publishes nothing, quickly
    "POST /reporting/tpp/{month}/publish": lambda _w, _c: Call(path={"month": "2020-01"}),
    "GET /public/opds": _query(_of_month),
    "GET /public/opds/days": _query(_period),
    # audit
    "GET /audit/events": _query(lambda w: {**PURPOSE, "subject": w.people.subject, "limit": 5}),
    "GET /audit/events/{event_id}": _event,
    "GET /audit/trails": _query(lambda w: {**PURPOSE, "nip": w.people.subject, "limit": 5}),
    "GET /audit/trails/export": _query(
        lambda w: {**PURPOSE, "nip": w.people.subject, "format": "jsonl", "limit": 5}
    ),
    "GET /audit/access-log": _query(lambda w: {**PURPOSE, "nip": w.people.subject, "limit": 5}),
    "GET /audit/public-key": _none,
    "GET /audit/checkpoints": _query(lambda _w: {"limit": 2}),
    "GET /audit/checkpoints/latest": _none,
    "GET /audit/proofs/consistency": _query(
        lambda w: {"first": w.ids["first_tree_size"], "second": w.ids["tree_size"]}
    ),
    "GET /audit/proofs/inclusion": _query(
        lambda w: {**PURPOSE, "event_id": w.ids["subject_event"]}
    ),
    "GET /audit/verify": _query(lambda _w: {"kafka": "false"}),
    "GET /audit/time-travel/employees/{nip}": _subject(),
    "GET /audit/time-travel/opds/{opd_id}": _opd(),
    # the web gateway
    "GET /auth/demo-personas": _none,
    "POST /auth/demo-login": lambda w, _c: Call(json={"key": w.ids["persona"]}),
    "GET /auth/demo/{key}": _persona,
    "GET /web/readiness/{opd_id}": _opd(lambda _w: {"months": 1}),
    "GET /auth/methods": _none,
    "GET /auth/login": _none,
    "GET /auth/callback": _query(lambda _w: {"code": "kode", "state": "keadaan"}),
    "GET /auth/logout": _none,
    "GET /auth/me": _none,
}
"""The call of each route, by ``METHOD /path`` (the same route in several services, such as
``/health`` or ``/ops/projections``, is called the same way; see :func:`call_of`)."""


def call_of(service: str, route: str) -> Builder | None:
    """How to call ``route`` of ``service`` (None: the matrix does not know the route)."""
    if route == "GET /ops/projections":
        return _none
    if route == "GET /ops/projections/{table}":
        return _table(service)
    return CALLS.get(route)


def idempotency_key() -> str:
    return f"matriks-{uuid.uuid4()}"
