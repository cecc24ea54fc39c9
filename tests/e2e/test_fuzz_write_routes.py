"""Every write route of the four services, fuzzed from their own OpenAPI, never answers 5xx.

The services run as real processes on a real broker. Schemathesis generates valid and invalid
requests for every POST, PUT, PATCH and DELETE operation the services document, sent with a
token of a role that gets past authorisation (an ASN and a supervisor on the roster, a BKD
admin). Every answer must be below 500 (a 503 only with ``Retry-After``), and every 4xx must
carry the bilingual error body. Explicit cases pin the oversized and malformed inputs that
once reached Kafka or crashed a route.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.transport import Response

from services.runtime.identity import Role
from tests.support.devices import presence_body, register_device
from tests.support.processes import ServiceProcess, running_services
from tests.support.province import (
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

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

EXAMPLES_PER_MODE = 12
"""Generated requests per operation and generation mode (valid and invalid data)."""

ANSWER_TIMEOUT_S = 30
"""A route that has not answered by then (e.g. stuck on CPU) fails the fuzzing."""

PRESENCE_PATHS = ("/attendance/check-ins", "/attendance/check-outs")

KNOWN_WRITE_ROUTES = {
    "eligibility": {
        "POST /wfa/requests",
        "POST /wfa/requests/{request_id}/approve",
        "POST /wfa/requests/{request_id}/reject",
        "POST /wfa/requests/{request_id}/cancel",
        "POST /roster/imports",
        "POST /roster/sanctions",
        "POST /roster/sanctions/{sanction_id}/lift",
        "POST /policies/{opd_id}/versions",
        "POST /policies/{opd_id}/simulations",
        "POST /policies/{opd_id}/readiness",
    },
    "attendance": {f"POST {path}" for path in PRESENCE_PATHS},
    "reporting": {
        "POST /reports/daily",
        "POST /reports/daily/{report_id}/review",
        "POST /reporting/tpp/{month}/publish",
    },
    "audit": set(),
}
"""Write routes that must be among those fuzzed (each service may document more)."""


# --------------------------------------------------------------------------------------------
# Services, a roster and a policy
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    with running_services(kafka_bootstrap, data_dir, group_suffix=uuid.uuid4().hex[:8]) as procs:
        yield procs


@pytest.fixture(scope="module")
def opd(services: dict[str, ServiceProcess]) -> Opd:
    """An OPD on the roster with a policy in force, known to attendance too."""
    opd = make_opd({"bidang-uji": 2})
    import_roster(services["eligibility"].url, opd)
    publish_policy(services["eligibility"].url, opd)
    staff = opd.units[0].staff[0]
    for nip in opd.units[0].staff:
        register_device(services["attendance"].url, nip, opd.opd_id)
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.post(
            f"{services['attendance'].url}/attendance/check-ins",
            json=presence_body(staff, -6.2, 106.8),
            headers=asn(staff, opd),
            timeout=30,
        )
        if answer.status_code == 201:
            return opd
        assert time.monotonic() < deadline, f"attendance never knew the roster: {answer.text}"
        time.sleep(0.5)


def _headers_for(path: str, opd: Opd) -> dict[str, str]:
    """A token that passes the route's role check: admin, supervisor or ASN on the roster."""
    unit = opd.units[0]
    if path.startswith(("/roster", "/policies")):
        return admin()
    if path.endswith(("/approve", "/reject")):
        return bearer(Role.ATASAN, unit.supervisor, opd.opd_id)
    return asn(unit.staff[1], opd)


# --------------------------------------------------------------------------------------------
# What every answer must look like
# --------------------------------------------------------------------------------------------


def _problem(status: int, headers: dict[str, str], content: bytes) -> str | None:
    """Why an answer breaks the contract of the edge, or None if it keeps it."""
    if status == 503:
        return None if headers.get("retry-after") else "503 without Retry-After"
    if status >= 500:
        return f"server error {status}: {content[:300]!r}"
    if 400 <= status < 500:
        try:
            error = json.loads(content)["error"]
        except (ValueError, KeyError, TypeError):
            return f"{status} without the bilingual error body: {content[:300]!r}"
        missing = {"code", "message_id", "message_en", "details"} - set(error)
        if missing or not (error["code"] and error["message_id"] and error["message_en"]):
            return f"{status} with an incomplete error body: {error}"
    return None


def _response_problem(response: Response) -> str | None:
    headers = {name.lower(): values[-1] for name, values in response.headers.items() if values}
    return _problem(response.status_code, headers, response.content)


def _httpx_problem(response: httpx.Response) -> str | None:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return _problem(response.status_code, headers, response.content)


def _fuzz_operation(case_strategy: Any, base_url: str, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=case_strategy)
    def run(case: Case) -> None:
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=ANSWER_TIMEOUT_S)
        except requests.RequestException as exc:  # no answer at all is a failure too
            failures.append(f"{case.method} {case.formatted_path}: {type(exc).__name__}: {exc}")
            return
        problem = _response_problem(response)
        if problem is not None:
            failures.append(f"{case.method} {case.formatted_path}: {problem}")

    run()
    return failures


def _fuzz_service(service: ServiceProcess, opd: Opd) -> tuple[set[str], list[str]]:
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json", timeout=30)
    fuzzed: set[str] = set()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in WRITE_METHODS:
            continue
        label = f"{operation.method.upper()} {operation.path}"
        fuzzed.add(label)
        headers = _headers_for(operation.path, opd)
        fixed_path = {"opd_id": opd.opd_id} if "{opd_id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(
                generation_mode=mode, headers=headers, path_parameters=fixed_path
            )
            failures += [
                f"[{mode.value}] {f}" for f in _fuzz_operation(strategy, service.url, headers)
            ]
    return fuzzed, failures


@pytest.mark.parametrize("name", ["eligibility", "attendance", "reporting", "audit"])
def test_no_write_route_answers_a_server_error(
    services: dict[str, ServiceProcess], opd: Opd, name: str
) -> None:
    fuzzed, failures = _fuzz_service(services[name], opd)

    assert KNOWN_WRITE_ROUTES[name] <= fuzzed, (
        f"not documented: {KNOWN_WRITE_ROUTES[name] - fuzzed}"
    )
    assert not failures, "\n".join(failures[:30])
    assert services[name].process.poll() is None, services[name].log_tail()


# --------------------------------------------------------------------------------------------
# The findings, one by one
# --------------------------------------------------------------------------------------------


def _post_raw(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        url, content=body, headers={**headers, "Content-Type": "application/json"}, timeout=60
    )


def _assert_refused(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert _httpx_problem(response) is None, response.text[:500]


def test_a_work_plan_of_fourteen_thousand_items_is_refused_at_the_edge(
    services: dict[str, ServiceProcess], opd: Opd
) -> None:
    target = {"description": "Draf laporan evaluasi aplikasi", "target": 1, "unit": "dokumen"}
    body = request_body(next_weekdays(1), work_plan=[target] * 14_519)
    raw = json.dumps(body).encode()
    assert len(raw) > 1_000_000

    answer = _post_raw(
        f"{services['eligibility'].url}/wfa/requests", raw, asn(opd.units[0].staff[1], opd)
    )

    _assert_refused(answer, 413, 422)


def test_a_work_plan_just_over_the_limit_is_refused_and_names_the_field(
    services: dict[str, ServiceProcess], opd: Opd
) -> None:
    target = {"description": "Draf laporan", "target": 1, "unit": "dokumen"}
    body = request_body(next_weekdays(1), work_plan=[target] * 21)

    answer = httpx.post(
        f"{services['eligibility'].url}/wfa/requests",
        json=body,
        headers=asn(opd.units[0].staff[1], opd),
        timeout=60,
    )

    _assert_refused(answer, 422)
    assert "work_plan" in answer.text


@pytest.mark.parametrize("day", ["9999-12-31", "2101-01-01"])
def test_a_day_far_in_the_future_is_refused_and_the_window_explained(
    services: dict[str, ServiceProcess], opd: Opd, day: str
) -> None:
    body = {**request_body(next_weekdays(1)), "dates": [day]}

    answer = httpx.post(
        f"{services['eligibility'].url}/wfa/requests",
        json=body,
        headers=asn(opd.units[0].staff[1], opd),
        timeout=60,
    )

    _assert_refused(answer, 422)
    assert "dates" in answer.text and "days after today" in answer.text, answer.text
    assert "hari sesudah hari ini" in answer.text


def _routes(services: dict[str, ServiceProcess]) -> list[str]:
    return [
        f"{services['eligibility'].url}/wfa/requests",
        *(f"{services['attendance'].url}{path}" for path in PRESENCE_PATHS),
    ]


def _body_with_address(url: str, address_json: str) -> bytes:
    """A valid body for ``url`` whose address is the given JSON string literal."""
    location = f'{{"lat": -6.2, "lon": 106.8, "address": {address_json}}}'
    if url.endswith("/wfa/requests"):
        body = request_body(next_weekdays(1))
        body.pop("location")
        text = json.dumps(body)
        return (text[:-1] + f', "location": {location}}}').encode()
    return f'{{"mode": "wfa", "location": {location}}}'.encode()


@pytest.mark.parametrize("index", [0, 1, 2], ids=["wfa-requests", "check-ins", "check-outs"])
def test_a_lone_surrogate_in_the_address_is_a_422(
    services: dict[str, ServiceProcess], opd: Opd, index: int
) -> None:
    url = _routes(services)[index]
    raw = _body_with_address(url, '"Jl. Kebon Sirih \\ud800 1"')

    answer = _post_raw(url, raw, asn(opd.units[0].staff[1], opd))

    _assert_refused(answer, 422)


@pytest.mark.parametrize("size", [1_000_000, 900_000, 501])
@pytest.mark.parametrize("index", [0, 1, 2], ids=["wfa-requests", "check-ins", "check-outs"])
def test_an_oversized_address_is_refused(
    services: dict[str, ServiceProcess], opd: Opd, index: int, size: int
) -> None:
    url = _routes(services)[index]
    raw = _body_with_address(url, json.dumps("a" * size))

    answer = _post_raw(url, raw, asn(opd.units[0].staff[1], opd))

    _assert_refused(answer, 413, 422)
    if answer.status_code == 422:
        assert "address" in answer.text


def test_the_services_are_still_healthy_after_the_fuzzing(
    services: dict[str, ServiceProcess],
) -> None:
    for service in services.values():
        assert service.process.poll() is None, service.log_tail()
        assert httpx.get(f"{service.url}/ready", timeout=10).status_code == 200
