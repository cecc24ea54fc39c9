"""Rate limits per caller and route family: 429 ``rate_limited`` with ``Retry-After`` and the
standard bilingual body. The edge runs in-process (httpx's ASGI transport, which lets a test
choose the client's address); the windows are an hour long, so nothing refills meanwhile."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from services.attendance.main import DEFINITION as ATTENDANCE
from services.runtime.edge.deps import CurrentUser
from services.runtime.edge.errors import install_error_handlers
from services.runtime.edge.identity import Role
from services.runtime.edge.rate_limit import RateLimits, TokenBuckets, install_rate_limits
from services.runtime.edge.routing import service_router
from services.runtime.hosting.app import create_service
from services.runtime.hosting.boot import build_context
from services.runtime.settings import Settings
from tests.support.tokens import bearer

ALICE = bearer(Role.ASN, "199001012015031001")
BUDI = bearer(Role.ASN, "199002022016041002")
LIMITS = "reads=3/3600,writes=2/3600,auth=2/3600"


def _app(limits: str = LIMITS) -> FastAPI:
    settings = Settings(SERVICE_NAME="attendance", WFA_ENV="test", RATE_LIMITS=limits)  # type: ignore[call-arg]
    app = FastAPI()
    app.state.context = build_context(settings)
    install_error_handlers(app)
    router = service_router("/things", ["test"])

    @router.get("")
    async def read(user: CurrentUser) -> dict[str, str]:
        return {"nip": user.nip}

    @router.post("")
    async def write(user: CurrentUser) -> dict[str, str]:
        return {"nip": user.nip}

    @router.get("/public")
    async def public() -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(router)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    install_rate_limits(app, settings)
    return app


def _client(app: FastAPI, ip: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://wfa.test")


def _throttled(answer: httpx.Response, family: str) -> dict[str, Any]:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message_id"].startswith("Terlalu banyak permintaan")
    assert error["message_en"].startswith("Too many requests")
    assert family in error["message_en"] and family in error["message_id"]
    assert error["details"][0]["family"] == family
    return error


async def test_each_caller_has_its_own_limit_per_route_family() -> None:
    app = _app()
    async with _client(app) as client:
        for _ in range(3):
            assert (await client.get("/things", headers=ALICE)).status_code == 200
        error = _throttled(await client.get("/things", headers=ALICE), "reads")
        assert error["details"][0]["limit"] == 3
        # writes are another family, with their own limit
        for _ in range(2):
            assert (await client.post("/things", headers=ALICE)).status_code == 200
        _throttled(await client.post("/things", headers=ALICE), "writes")
        # another caller behind the same address is not throttled by the first
        assert (await client.get("/things", headers=BUDI)).status_code == 200
        assert (await client.post("/things", headers=BUDI)).status_code == 200
        # probes are never limited
        for _ in range(10):
            assert (await client.get("/health")).status_code == 200


async def test_callers_without_a_valid_token_are_limited_by_address() -> None:
    app = _app()
    async with _client(app, "10.0.0.7") as one, _client(app, "10.0.0.8") as other:
        assert (await one.get("/things/public")).status_code == 200
        refused = await one.get("/things", headers={"Authorization": "Bearer forged"})
        assert refused.status_code == 401
        # the third request of the address without a valid token: anonymous or a bad token
        _throttled(await one.get("/things", headers={"Authorization": "Bearer guess"}), "auth")
        _throttled(await one.get("/things/public"), "auth")
        # a valid token from the same address is counted under its subject instead
        assert (await one.get("/things", headers=ALICE)).status_code == 200
        # another address has its own count
        assert (await other.get("/things/public")).status_code == 200


async def test_a_family_left_out_is_not_limited() -> None:
    app = _app("writes=1/3600")
    async with _client(app) as client:
        for _ in range(20):
            assert (await client.get("/things", headers=ALICE)).status_code == 200
        assert (await client.post("/things", headers=ALICE)).status_code == 200
        _throttled(await client.post("/things", headers=ALICE), "writes")


def test_token_buckets_refill_at_the_configured_rate() -> None:
    buckets = TokenBuckets(limit=2, window_s=10)
    assert buckets.take("a", now=0.0) == 0 and buckets.take("a", now=0.0) == 0
    assert buckets.take("a", now=0.0) == pytest.approx(5.0)  # one request every 5 s
    assert buckets.take("a", now=5.0) == 0
    assert buckets.take("b", now=5.0) == 0  # another key, a full bucket


def _limited(settings: Settings) -> bool:
    app = create_service(ATTENDANCE, settings)
    return any(m.cls is RateLimits for m in app.user_middleware)


def test_the_service_factory_limits_only_when_configured() -> None:
    base: dict[str, Any] = {"SERVICE_NAME": "attendance"}
    production = {**base, "WFA_ENV": "production", "JWT_SECRET": "p" * 48}
    # development and test: off unless configured (the suite and the benches are never throttled)
    assert not _limited(Settings(**base, WFA_ENV="test"))
    assert not _limited(Settings(**base, WFA_ENV="development"))
    assert _limited(Settings(**base, WFA_ENV="test", RATE_LIMITS="writes=100/60"))
    # production: on by default, off on request
    assert _limited(Settings(**production))
    assert not _limited(Settings(**production, RATE_LIMITS="off"))
    with pytest.raises(ValidationError, match="RATE_LIMITS"):
        Settings(**base, RATE_LIMITS="checkins=5/60")
    with pytest.raises(ValidationError, match="RATE_LIMITS"):
        Settings(**base, RATE_LIMITS="reads=lots")
