"""An exception nobody expected is a 500 ``internal_error`` in the bilingual error body, with
an incident id and no trace of the exception in the body; the log has the incident, the
route template and the traceback, once."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from services.runtime.edge.body_limit import install_body_limit
from services.runtime.edge.errors import install_error_handlers
from services.runtime.edge.routing import hot_route, install_hot_routes, json_body, service_router
from services.web.main import create_app as create_gateway
from services.web.settings import WebSettings

SECRET = "postgres://admin:hunter2@db"
NIP = "199001012015031001"


class _Note(BaseModel):
    text: str


class _Broken:
    """A middleware that fails on one path, as a bug in a middleware would."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/middleware-bug":
            raise RuntimeError(SECRET)
        await self.app(scope, receive, send)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_hot_routes(app)
    install_body_limit(app, 64)
    app.add_middleware(_Broken)
    router = service_router("/things", ["things"])

    @router.get("/{nip}")
    async def read(nip: str) -> dict[str, str]:
        raise KeyError(SECRET)

    @router.post("/hot")
    @hot_route
    async def hot(request: Request) -> JSONResponse:
        await json_body(request, _Note)
        raise ValueError(SECRET)

    app.include_router(router)
    return app


def _incident_of(answer: object) -> str:
    """The incident id of a 500 in the bilingual body, which says nothing of the exception."""
    assert answer.status_code == 500, answer.text  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert SECRET not in text and "Traceback" not in text and "Error" not in text
    error = answer.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "internal_error"
    assert error["message_id"] and error["message_en"]
    assert error["message_id"] != error["message_en"]
    incident: str = error["details"][0]["incident"]
    assert incident in error["message_id"] and incident in error["message_en"]
    return incident


@pytest.mark.parametrize(
    ("method", "path", "body", "route"),
    [
        ("GET", f"/things/{NIP}", None, "/things/{nip}"),
        ("POST", "/things/hot", b'{"text": "a"}', "/things/..."),
        ("GET", f"/middleware-bug?nip={NIP}", None, "/middleware-bug/..."),
    ],
    ids=["route", "hot-route", "middleware"],
)
def test_an_unexpected_exception_is_a_bilingual_500_logged_once_with_its_traceback(
    caplog: pytest.LogCaptureFixture, method: str, path: str, body: bytes | None, route: str
) -> None:
    client = TestClient(_app(), raise_server_exceptions=False)

    with caplog.at_level(logging.ERROR):
        answer = client.request(
            method, path, content=body, headers={"content-type": "application/json"}
        )

    incident = _incident_of(answer)
    assert answer.headers["content-type"] == "application/json"
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].exc_info is not None and SECRET in str(logged[0].exc_info[1])
    assert f"{method} {route} raised" in logged[0].getMessage()
    assert NIP not in logged[0].getMessage()


def test_the_servers_second_report_of_a_logged_incident_is_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Starlette re-raises the exception after the 500 is sent and uvicorn logs it again:
    that second report is filtered out, any other report of the server is kept."""
    client = TestClient(_app(), raise_server_exceptions=True)
    with pytest.raises(KeyError) as raised:
        client.get(f"/things/{NIP}")
    server = logging.getLogger("uvicorn.error")

    with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
        server.error("Exception in ASGI application", exc_info=raised.value)
        server.error("another failure", exc_info=RuntimeError("not answered by the app"))

    reports = [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"]
    assert reports == ["another failure"]


def test_a_hot_route_still_answers_an_oversized_body_with_the_413_and_no_incident(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(_app(), raise_server_exceptions=False)

    def streamed() -> Iterator[bytes]:  # no Content-Length: the limit counts as it reads
        yield b'{"text": "'
        yield b"a" * 200
        yield b'"}'

    answer = client.post(
        "/things/hot", content=streamed(), headers={"content-type": "application/json"}
    )

    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "body_too_large"
    assert not [r for r in caplog.records if "internal_error" in r.getMessage()]


def test_the_gateway_answers_an_unexpected_exception_in_the_bilingual_body() -> None:
    gateway = create_gateway(WebSettings())

    @gateway.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    answer = TestClient(gateway, raise_server_exceptions=False).get("/boom")

    _incident_of(answer)
