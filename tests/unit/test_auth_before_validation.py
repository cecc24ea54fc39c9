"""Authentication comes first: a caller without a valid bearer token gets 401 on every route
that needs one, whatever is wrong with the rest of the request (a body that is not JSON, a body
of the wrong shape, a path or a query that does not fit), never a 422 that describes the
route to someone who may not call it.

Every route of the four services is called in-process (the check is made before anything of
the service's state is touched); the routes open to everyone are listed here, so a new route
is either public by decision or checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.attendance.main import DEFINITION as ATTENDANCE
from services.audit.main import DEFINITION as AUDIT
from services.eligibility.main import DEFINITION as ELIGIBILITY
from services.reporting.main import DEFINITION as REPORTING
from services.runtime.edge.errors import install_error_handlers
from services.runtime.edge.ops_routes import router as ops_router
from services.runtime.edge.routing import api_routes
from services.runtime.hosting.boot import build_context
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.settings import Settings
from services.web.main import create_app as create_gateway
from services.web.settings import WebSettings

SERVICES = (ELIGIBILITY, ATTENDANCE, REPORTING, AUDIT)

#: routes anyone may call (the audit log's public key, checkpoints and consistency proofs)
PUBLIC = {
    ("GET", "/audit/public-key"),
    ("GET", "/audit/checkpoints"),
    ("GET", "/audit/checkpoints/latest"),
    ("GET", "/audit/proofs/consistency"),
}

#: what an anonymous caller sends: every part of it wrong
NOT_JSON = b'{"this is": not json'
WRONG_SHAPE = b'{"unexpected_field": [1, 2, 3], "lat": "-6.2"}'
BAD_QUERY = {"date": "not-a-date", "month": "13-2026", "limit": "-1", "date_from": "x"}


def _service_app(definition: ServiceDefinition) -> FastAPI:
    """The service's routes on a bare app: its errors, its context, nothing started."""
    settings = Settings(SERVICE_NAME=definition.name, WFA_ENV="test")  # type: ignore[call-arg]
    app = FastAPI()
    app.state.context = build_context(settings)
    install_error_handlers(app)
    for router in (*definition.routers, ops_router):
        app.include_router(router)
    return app


def _calls() -> Iterator[tuple[str, str, str]]:
    for definition in SERVICES:
        for route in api_routes(_service_app(definition).routes):
            if not isinstance(route, APIRoute):
                continue
            for method in sorted(route.methods - {"HEAD"}):
                if (method, route.path) not in PUBLIC:
                    yield definition.name, method, route.path


CALLS = sorted(set(_calls()))
APPS = {definition.name: _service_app(definition) for definition in SERVICES}


def _concrete(path: str) -> str:
    """The route's path with a value in each parameter that fits no pattern a route has."""
    return re.sub(r"\{[^}]+\}", "%20bad%20value%20", path)


@pytest.mark.parametrize(("service", "method", "path"), CALLS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"],
    ids=["none", "bad", "basic"],
)
def test_a_caller_without_a_valid_token_gets_401_first(
    service: str, method: str, path: str, authorization: str | None
) -> None:
    client = TestClient(APPS[service], raise_server_exceptions=False)
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    for body in (NOT_JSON, WRONG_SHAPE):
        answer = client.request(
            method, _concrete(path), content=body, params=BAD_QUERY, headers=headers
        )
        assert answer.status_code == 401, (method, path, body, answer.text)
        error = answer.json()["error"]
        assert error["code"] in ("unauthenticated", "invalid_token")
        assert error["message_id"] and error["message_en"]
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"], ids=["none", "bad"])
def test_the_gateways_readiness_study_checks_the_token_first(authorization: str | None) -> None:
    """The study the gateway composes itself (the rest it passes to the services)."""
    headers = {} if authorization is None else {"authorization": authorization}
    with TestClient(create_gateway(WebSettings())) as client:
        for path, query in (
            ("/web/readiness/bad%20opd", {"months": "0"}),
            ("/web/readiness/x", {"months": "x"}),
        ):
            answer = client.get(path, params=query, headers=headers)
            assert answer.status_code == 401, (path, answer.text)
            assert answer.json()["error"]["code"] in ("unauthenticated", "invalid_token")


def test_every_service_has_routes_that_need_a_token() -> None:
    for definition in SERVICES:
        assert any(service == definition.name for service, _, _ in CALLS), definition.name
