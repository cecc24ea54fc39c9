"""Hot routes are answered past the router, with the app's own error answers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from services.attendance.main import create_app as create_attendance
from services.runtime.edge.errors import ApiError, install_error_handlers
from services.runtime.edge.routing import (
    HotRoutes,
    hot_route,
    install_hot_routes,
    json_body,
    service_router,
)


class Body(BaseModel):
    n: int


def _app() -> tuple[FastAPI, list[str]]:
    calls: list[str] = []
    router = service_router("/x", ["x"])

    @router.post("/hot")
    @hot_route
    async def hot(request: Request) -> JSONResponse:
        calls.append("hot")
        body = await json_body(request, Body)
        if body.n < 0:
            raise ApiError(409, "negative", "Negatif.", "Negative.")
        return JSONResponse({"n": body.n}, status_code=201)

    app = FastAPI()
    install_error_handlers(app)
    install_hot_routes(app)
    app.include_router(router)
    return app, calls


def test_the_attendance_presence_routes_are_hot() -> None:
    app = create_attendance()
    hot = HotRoutes(app, app)._hot_routes()
    assert set(hot) == {
        ("POST", f"/attendance/{name}")
        for name in ("check-ins", "check-outs", "pings", "heartbeats")
    }


def test_a_hot_route_answers_and_its_errors_are_the_apps_own() -> None:
    app, calls = _app()
    client = TestClient(app)
    assert client.post("/x/hot", json={"n": 2}).json() == {"n": 2}
    refused = client.post("/x/hot", json={"n": -1})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "negative"
    invalid = client.post("/x/hot", content=b"{")
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"
    assert calls == ["hot", "hot", "hot"]
    # a method the hot path does not serve still reaches the router (405 with Allow)
    assert client.get("/x/hot").status_code == 405
