"""Every route of every service, called by every kind of caller, answers as the matrix says.

The routes come from each running service's own OpenAPI document: eligibility, attendance,
reporting, audit, the detector, and the web gateway's own routes (with the demo on). Each is
called by the fourteen callers of :class:`~tests.support.route_matrix.Caller` against a small
province seeded through the APIs (:mod:`tests.support.matrix_world`), with real path
parameters and a valid body (:mod:`tests.support.route_calls`). Its answer (the status, a
refusal's error code, and for a ``BLIND`` success that the subject's NIP is absent) is
compared with the one table of expected answers, :data:`tests.support.route_matrix.ROUTES`.
A documented route without a row fails, and so does a row whose route no longer exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.matrix_people import People
from tests.support.matrix_world import World
from tests.support.processes import (
    SharedPlatform,
    _stop,
    detector_from_now,
    start_service,
    wait_ready,
)
from tests.support.route_calls import Builder, call_of, idempotency_key
from tests.support.route_matrix import ROUTES, Caller, Outcome, Row

pytestmark = pytest.mark.e2e

SERVICES = ("eligibility", "attendance", "reporting", "audit", "detector", "web")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HTTP_METHODS = frozenset({"GET", "HEAD", *WRITE_METHODS})
PERSONA = "matriks-asn"
ANSWER_TIMEOUT_S = 120.0
PARALLEL_READS = 4
"""Callers of one read route asked at once (writes go one after another)."""


@pytest.fixture(scope="module")
def world(
    kafka_bootstrap: str,
    shared_platform: SharedPlatform,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    """The session's services, a detector of the module's own, a gateway with the demo login
    on and one persona, and the seeded province."""
    data_dir: Path = tmp_path_factory.mktemp("route-matrix")
    people = People.new()
    personas = data_dir / "personas.json"
    persona = {"key": PERSONA, "role": "asn", "nip": people.subject, "opd_id": people.opd}
    personas.write_text(json.dumps({"personas": [persona]}), encoding="utf-8")
    urls = shared_platform.urls
    web = start_service(  # starts while the detector starts
        "web",
        kafka_bootstrap=kafka_bootstrap,
        data_dir=data_dir,
        group_suffix="matrix",
        extra_env={
            "ELIGIBILITY_URL": urls["eligibility"],
            "ATTENDANCE_URL": urls["attendance"],
            "REPORTING_URL": urls["reporting"],
            "AUDIT_URL": urls["audit"],
            "WEB_DEMO_PERSONAS": str(personas),
            "WEB_DEMO_LOGIN": "1",
        },
    )
    try:
        with detector_from_now(kafka_bootstrap, data_dir) as detector:
            wait_ready([web])
            world = World(urls={**urls, "detector": detector.url, "web": web.url}, people=people)
            world.ids["persona"] = PERSONA
            with world.client:
                world.seed()
                world.settle()
                yield world
    finally:
        _stop(web)


# --------------------------------------------------------------------------------------------
# Playing the cells
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    names_subject: bool

    def __str__(self) -> str:
        named = " (names the subject)" if self.names_subject and self.status < 300 else ""
        return f"{self.status}{named}{' ' + self.code if self.code else ''}"

    def matches(self, outcome: Outcome) -> bool:
        if self.status != outcome.status:
            return False
        if outcome.blind and self.names_subject:
            return False
        return outcome.code is None or outcome.code == self.code


@dataclass(frozen=True)
class Mismatch:
    route: str
    caller: Caller
    expected: Outcome
    got: Answer

    @property
    def kind(self) -> str:
        """``leak``: a success where a refusal was expected, or one that names the subject
        where it must not; ``denied``: a refusal where a success was expected; ``other``:
        another refusal (status or code) than expected."""
        expected_success = self.expected.status is not None and self.expected.status < 300
        if self.got.status < 300 and (not expected_success or self.expected.blind):
            return "leak"
        if self.got.status >= 300 and expected_success:
            return "denied"
        return "other"

    def __str__(self) -> str:
        return (
            f"  [{self.kind:6}] {self.route:46} {self.caller.value:19} "
            f"expected {self.expected!s:34} got {self.got}"
        )


def _documented(world: World, service: str) -> list[str]:
    """``METHOD /path`` of every operation ``service`` documents, in document order."""
    spec = world.client.get(world.url(service, "/openapi.json")).json()
    return [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if method.upper() in HTTP_METHODS
    ]


def _send(world: World, service: str, route: str, caller: Caller, build: Builder) -> Answer:
    call = build(world, caller)
    method, template = route.split(" ", 1)
    headers = world.people.headers(caller)
    if method in WRITE_METHODS:
        headers["Idempotency-Key"] = idempotency_key()
    if call.content_type:
        headers["Content-Type"] = call.content_type
    response = world.client.request(
        method,
        world.url(service, template.format(**call.path)),
        params=call.query,
        json=call.json,
        content=call.content,
        headers=headers,
        timeout=ANSWER_TIMEOUT_S,
    )
    code = None
    if response.status_code >= 400:
        try:
            code = str(response.json()["error"]["code"])
        except (ValueError, KeyError, TypeError):
            code = "<no bilingual error body>"
    if call.supply is not None and response.is_success:
        world.supplies[call.supply].used()
    return Answer(response.status_code, code, world.people.subject in response.text)


def _play(world: World, service: str, route: str, row: Row, build: Builder) -> list[Mismatch]:
    """Every caller's answer from ``route`` that the row does not expect."""

    def one(caller: Caller) -> Mismatch | None:
        answer = _send(world, service, route, caller, build)
        expected = row.expected(caller)
        if answer.matches(expected):
            return None
        return Mismatch(route, caller, expected, answer)

    if route.split(" ", 1)[0] in WRITE_METHODS:
        results = [one(caller) for caller in Caller]
    else:
        with ThreadPoolExecutor(PARALLEL_READS) as pool:
            results = list(pool.map(one, Caller))
    return [mismatch for mismatch in results if mismatch is not None]


def _table(mismatches: list[Mismatch]) -> str:
    counts = {kind: sum(m.kind == kind for m in mismatches) for kind in ("leak", "denied", "other")}
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    return f"{len(mismatches)} cells differ from the matrix ({summary}):\n" + "\n".join(
        str(m) for m in mismatches
    )


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_the_matrix_has_a_row_for_every_documented_route_and_no_other(
    world: World, service: str
) -> None:
    documented = set(_documented(world, service))
    rows = {route for (owner, route) in ROUTES if owner == service}

    problems = {
        "documented routes without a row in the matrix": sorted(documented - rows),
        "rows for routes the service does not document": sorted(rows - documented),
        "documented routes the matrix cannot call": sorted(
            route for route in documented if call_of(service, route) is None
        ),
    }
    assert not any(problems.values()), {what: routes for what, routes in problems.items() if routes}


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_answers_every_caller_as_the_matrix_says(world: World, service: str) -> None:
    mismatches: list[Mismatch] = []
    for route in _documented(world, service):
        row, build = ROUTES.get((service, route)), call_of(service, route)
        if row is None or build is None:
            continue  # the test above names it
        mismatches += _play(world, service, route, row, build)

    assert not mismatches, _table(mismatches)
