"""Every route of every service, and of the web gateway, fuzzed from their own OpenAPI, never
answers 5xx, and every refusal carries the bilingual error body.

The services (detector included) and the gateway run as real processes on a real broker, with
a roster whose head, supervisor and staff are real people. Schemathesis generates valid and
invalid requests, reads included (path and query parameters), for every operation each
service documents; each request goes with the token of one of five roles that get past
authorisation (an ASN, their supervisor, the head of their OPD, a BKD admin, an auditor). Path
parameters naming a real employee, OPD, request, report, event or geofence are fixed in part
of the requests, so reads reach real records and the access log. The same operations are sent
once more through the gateway. Every answer must be below 500 (a 503 only with
``Retry-After``), and every 4xx must carry ``{"error": {"code", "message_id", "message_en",
"details"}}``. Explicit cases pin the inputs that once reached Kafka or answered 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.fuzz_world import World, filled, purpose_reads, reader_of, seed_world
from tests.support.fuzzing import FuzzReport, assert_refused, fuzz_schema, httpx_problem
from tests.support.processes import (
    ServiceProcess,
    SharedPlatform,
    _stop,
    detector_from_now,
    start_service,
    wait_ready,
)
from tests.support.province import admin, asn, next_weekdays, request_body, wib_today

pytestmark = pytest.mark.e2e

SERVICES = ("eligibility", "attendance", "detector", "reporting", "audit")

EXAMPLES = 5
"""Generated requests per operation, kind of data (valid around real ids, valid, invalid)
and service."""

GATEWAY_EXAMPLES = 1
"""The same through the gateway, one per operation and kind: it passes requests on, so the
point is that it answers nothing of its own that breaks the contract (the file runs in about
three minutes on two cores)."""

KNOWN_ROUTES = {
    "eligibility": {
        "GET /policies/{opd_id}",
        "GET /policies/{opd_id}/readiness",
        "GET /wfa/requests/{request_id}",
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
        "GET /ops/projections/{table}",
    },
    "attendance": {
        "POST /attendance/check-ins",
        "POST /attendance/check-outs",
        "POST /attendance/devices",
        "GET /attendance/devices/{nip}",
        "GET /attendance/locations/{nip}",
        "GET /attendance/geofences",
        "DELETE /attendance/geofences/{geofence_id}",
    },
    "detector": {"GET /health", "GET /ready"},
    "reporting": {
        "GET /reporting/presence/{nip}",
        "GET /reporting/employees/{nip}/days",
        "GET /reporting/opds/{opd_id}/summary",
        "GET /reporting/team",
        "GET /reports/requests",
        "GET /reports/daily/{nip}/{work_date}",
        "GET /public/opds",
        "POST /reports/daily",
        "POST /reports/daily/{report_id}/review",
        "POST /reporting/tpp/{month}/publish",
    },
    "audit": {
        "GET /audit/trails",
        "GET /audit/trails/export",
        "GET /audit/events/{event_id}",
        "GET /audit/verify",
        "GET /audit/time-travel/employees/{nip}",
        "GET /audit/access-log",
        "GET /audit/proofs/inclusion",
    },
    "web": {"GET /web/readiness/{opd_id}", "GET /auth/demo-personas"},
}
"""Routes that must be among those fuzzed, reads included (each may document more)."""


# --------------------------------------------------------------------------------------------
# The platform, a roster with real people, and records to read
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(
    kafka_bootstrap: str, shared_platform: SharedPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    """The five services (the session's, and a detector of the module's own) and the gateway
    in front of them."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    upstreams = {
        f"{name.upper()}_URL": shared_platform[name].url
        for name in ("eligibility", "attendance", "reporting", "audit")
    }
    web = start_service(  # starts while the detector starts
        "web",
        kafka_bootstrap=kafka_bootstrap,
        data_dir=data_dir,
        group_suffix="web",
        extra_env=upstreams,
    )
    try:
        with detector_from_now(kafka_bootstrap, data_dir) as detector:
            wait_ready([web])
            yield {**shared_platform.procs, "detector": detector, "web": web}
    finally:
        _stop(web)


@pytest.fixture(scope="module")
def world(services: dict[str, ServiceProcess]) -> World:
    """A head, a supervisor and staff on the roster, a policy in force, and records."""
    return seed_world(services)


# --------------------------------------------------------------------------------------------
# The fuzzing
# --------------------------------------------------------------------------------------------


def test_every_caller_gets_past_authorisation(
    services: dict[str, ServiceProcess], world: World
) -> None:
    """Each of the five tokens reads the first employee's presence: the fuzzing reaches the
    routes' work, not only their refusals."""
    for caller in world.callers:
        answer = httpx.get(
            f"{services['reporting'].url}/reporting/presence/{world.staff}",
            params={"date": wib_today().isoformat()},
            headers=caller.headers,
            timeout=30,
        )
        assert answer.status_code == 200, (caller.name, answer.text[:300])


def _assert_clean(name: str, report: FuzzReport) -> None:
    assert KNOWN_ROUTES[name] <= report.operations, (
        f"not documented: {KNOWN_ROUTES[name] - report.operations}"
    )
    unfuzzed = sorted(op for op in report.operations if not report.sent.get(op))
    assert not unfuzzed, f"no request could be generated for {unfuzzed}"
    assert not report.failures, "\n".join(report.failures[:30])


@pytest.mark.parametrize("name", [*SERVICES, "web"])
def test_no_route_answers_a_server_error(
    services: dict[str, ServiceProcess], world: World, name: str
) -> None:
    service = services[name]

    report = fuzz_schema(
        f"{service.url}/openapi.json",
        service.url,
        world.callers,
        examples=EXAMPLES,
        known_ids=world.known_ids,
    )

    _assert_clean(name, report)
    assert service.process.poll() is None, service.log_tail()


@pytest.mark.parametrize("name", ["eligibility", "attendance", "reporting", "audit"])
def test_no_route_answers_a_server_error_through_the_gateway(
    services: dict[str, ServiceProcess], world: World, name: str
) -> None:
    report = fuzz_schema(
        f"{services[name].url}/openapi.json",
        services["web"].url,
        world.callers,
        examples=GATEWAY_EXAMPLES,
        known_ids=world.known_ids,
    )

    _assert_clean(name, report)


GATEWAY_PAGES = (
    "/", "/transparansi", "/app/", "/app/index.html", "/app/sw.js", "/app/vendor/chart.umd.js",
    "/app/%14", "/app/..%2F..%2Fpyproject.toml", "/health", "/ready", "/docs", "/openapi.json",
    "/nope", "/policies", "/reporting", "/audit/", "/auth/demo/%14",
)  # fmt: skip
"""The gateway's paths its OpenAPI leaves out: pages, files, probes, bare proxied segments."""


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_the_gateways_undocumented_paths_keep_the_contract(
    services: dict[str, ServiceProcess], world: World, method: str
) -> None:
    problems = []
    for path in GATEWAY_PAGES:
        answer = httpx.request(
            method,
            f"{services['web'].url}{path}",
            content=b"{" if method in ("POST", "PUT", "PATCH") else None,
            headers=world.caller("asn").headers,
            timeout=30,
        )
        if (problem := httpx_problem(answer)) is not None:
            problems.append(f"{method} {path}: {problem}")

    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# The findings, one by one
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["a\x01b", "a\x7fb", "x" * 2001])
def test_a_purpose_the_access_log_cannot_record_is_a_422_on_every_read(
    services: dict[str, ServiceProcess], world: World, purpose: str
) -> None:
    """Once a 500: the access-log event of someone else's data could not be built."""
    reads = purpose_reads(services)
    assert len(reads) >= 15, reads
    today = wib_today().isoformat()
    params = {"date": today, "date_from": today, "date_to": today, "purpose": purpose}
    for name, path in reads:
        answer = httpx.get(
            f"{services[name].url}{filled(path, world)}",
            params=params,
            headers=world.caller(reader_of(name, path)).headers,
            timeout=60,
        )

        error = assert_refused(answer, 422)
        assert "purpose" in json.dumps(error["details"]), (path, error)


@pytest.mark.parametrize("day", ["2999-01-01", "0161-04-11", "2101-01-01", "1899-12-31"])
@pytest.mark.parametrize(
    ("name", "path", "param"),
    [
        ("reporting", "/reporting/presence/{nip}", "date"),
        ("attendance", "/attendance/locations/{nip}", "date"),
        ("reporting", "/reporting/team", "date"),
        ("reporting", "/reporting/employees/{nip}/days", "date_from"),
        ("reporting", "/reports/requests", "date_to"),
        ("reporting", "/reporting/anomalies", "date_from"),
    ],
)
def test_a_day_outside_the_contract_is_a_422(
    services: dict[str, ServiceProcess],
    world: World,
    name: str,
    path: str,
    param: str,
    day: str,
) -> None:
    """Once a 500: the access log could not record a period outside 1900-2100."""
    today = wib_today().isoformat()
    params = {"date": today, "date_from": today, "date_to": today, param: day}

    answer = httpx.get(
        f"{services[name].url}{filled(path, world)}",
        params=params,
        headers=world.caller("atasan").headers,
        timeout=60,
    )

    error = assert_refused(answer, 422)
    assert param in json.dumps(error["details"])


@pytest.mark.parametrize("day", ["2999-01-01", "0161-04-11"])
def test_a_daily_report_of_a_day_outside_the_contract_is_a_422(
    services: dict[str, ServiceProcess], world: World, day: str
) -> None:
    answer = httpx.get(
        f"{services['reporting'].url}/reports/daily/{world.staff}/{day}",
        headers=world.caller("atasan").headers,
        timeout=60,
    )

    assert_refused(answer, 422)


@pytest.mark.parametrize(
    ("bound", "value"),
    [
        ("to", "9999-12-31"),
        ("from", "0001-01-01"),
        ("from", "2100-12-31T23:00:00-05:00"),
        ("to", "9999-12-31T23:00:00-05:00"),
    ],
)
def test_an_audit_trail_period_outside_the_contract_is_a_422(
    services: dict[str, ServiceProcess], world: World, bound: str, value: str
) -> None:
    """Once a 500: the day after 9999-12-31 overflowed, and a period from year 1 could not
    be recorded in the access log."""
    for route in ("/audit/trails", "/audit/trails/export"):
        answer = httpx.get(
            f"{services['audit'].url}{route}",
            params={"opd_id": world.opd.opd_id, bound: value},
            headers=world.caller("auditor").headers,
            timeout=60,
        )

        error = assert_refused(answer, 422)
        assert error["code"] == "invalid_period"


@pytest.mark.parametrize("via", ["eligibility", "web"])
@pytest.mark.parametrize("path", ["/policies/v%14", "/policies/v%14/readiness", "/policies/%20"])
def test_a_control_character_or_a_blank_in_an_opd_path_is_a_422(
    services: dict[str, ServiceProcess], path: str, via: str
) -> None:
    """Once a 500: the OPD id reached the policy history, which only holds contract ids."""
    answer = httpx.get(f"{services[via].url}{path}", headers=admin(), timeout=60)

    error = assert_refused(answer, 422)
    assert "opd_id" in json.dumps(error["details"])


@pytest.mark.parametrize("via", ["eligibility", "web"])
def test_a_roster_csv_field_over_the_readers_limit_is_a_422_naming_the_line(
    services: dict[str, ServiceProcess], world: World, via: str
) -> None:
    """Once a 500: the CSV reader's field limit (128 KiB) raised out of the import."""
    lines = world.opd.csv().decode().splitlines()
    lines.insert(2, f'{lines[1].split(",")[0]},"{"a" * 140_000}",x')

    answer = httpx.post(
        f"{services[via].url}/roster/imports?format=csv",
        content="\n".join(lines).encode(),
        headers=admin(),
        timeout=120,
    )

    error = assert_refused(answer, 422)
    assert error["code"] == "roster_unreadable"
    assert "Line 3 " in error["message_en"] and "Baris 3 " in error["message_id"]


def _post_raw(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        url, content=body, headers={**headers, "Content-Type": "application/json"}, timeout=60
    )


def test_a_work_plan_of_fourteen_thousand_items_is_refused_at_the_edge(
    services: dict[str, ServiceProcess], world: World
) -> None:
    target = {"description": "Draf laporan evaluasi aplikasi", "target": 1, "unit": "dokumen"}
    body = request_body(next_weekdays(1), work_plan=[target] * 14_519)
    raw = json.dumps(body).encode()
    assert len(raw) > 1_000_000

    answer = _post_raw(
        f"{services['eligibility'].url}/wfa/requests", raw, asn(world.staff, world.opd)
    )

    assert_refused(answer, 413, 422)


def test_a_work_plan_just_over_the_limit_is_refused_and_names_the_field(
    services: dict[str, ServiceProcess], world: World
) -> None:
    target = {"description": "Draf laporan", "target": 1, "unit": "dokumen"}
    body = request_body(next_weekdays(1), work_plan=[target] * 21)

    answer = httpx.post(
        f"{services['eligibility'].url}/wfa/requests",
        json=body,
        headers=asn(world.staff, world.opd),
        timeout=60,
    )

    assert_refused(answer, 422)
    assert "work_plan" in answer.text


@pytest.mark.parametrize("day", ["9999-12-31", "2101-01-01"])
def test_a_day_far_in_the_future_is_refused_and_the_window_explained(
    services: dict[str, ServiceProcess], world: World, day: str
) -> None:
    body = {**request_body(next_weekdays(1)), "dates": [day]}

    answer = httpx.post(
        f"{services['eligibility'].url}/wfa/requests",
        json=body,
        headers=asn(world.staff, world.opd),
        timeout=60,
    )

    assert_refused(answer, 422)
    assert "dates" in answer.text and "days after today" in answer.text, answer.text
    assert "hari sesudah hari ini" in answer.text


PRESENCE_PATHS = ("/attendance/check-ins", "/attendance/check-outs")


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
    services: dict[str, ServiceProcess], world: World, index: int
) -> None:
    url = _routes(services)[index]
    raw = _body_with_address(url, '"Jl. Kebon Sirih \\ud800 1"')

    answer = _post_raw(url, raw, asn(world.opd.units[0].staff[1], world.opd))

    assert_refused(answer, 422)


@pytest.mark.parametrize("size", [1_000_000, 900_000, 501])
@pytest.mark.parametrize("index", [0, 1, 2], ids=["wfa-requests", "check-ins", "check-outs"])
def test_an_oversized_address_is_refused(
    services: dict[str, ServiceProcess], world: World, index: int, size: int
) -> None:
    url = _routes(services)[index]
    raw = _body_with_address(url, json.dumps("a" * size))

    answer = _post_raw(url, raw, asn(world.opd.units[0].staff[1], world.opd))

    assert_refused(answer, 413, 422)
    if answer.status_code == 422:
        assert "address" in answer.text


def test_the_services_are_still_healthy_after_the_fuzzing(
    services: dict[str, ServiceProcess],
) -> None:
    for service in services.values():
        assert service.process.poll() is None, service.log_tail()
        assert httpx.get(f"{service.url}/ready", timeout=10).status_code == 200
        log = service.log_path.read_text(errors="replace")
        assert "internal_error" not in log, service.log_tail(80)
