"""The shared HTTP edge, without I/O: errors, limits, tokens, the landing page, the gate."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from services.attendance.main import DEFINITION as ATTENDANCE
from services.runtime.edge.body_limit import install_body_limit
from services.runtime.edge.errors import install_error_handlers
from services.runtime.edge.identity import (
    InvalidToken,
    Principal,
    Role,
    TokenCache,
    decode_token,
    mint_token,
)
from services.runtime.edge.routing import service_router
from services.runtime.hosting.app import create_service
from services.runtime.settings import Settings

SECRET = "s" * 40
NIP = "199001012015031001"


class Note(BaseModel):
    text: str


def _edge_app(max_body: int = 1024) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_body_limit(app, max_body)
    router = service_router("/notes", ["notes"])

    @router.post("")
    async def add(note: Note) -> dict[str, str]:
        return {"text": note.text}

    app.include_router(router)
    return app


def test_a_lone_surrogate_is_a_422_not_a_500() -> None:
    client = TestClient(_edge_app())
    answer = client.post(
        "/notes", content=b'{"text": "\\ud800"}', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"
    # a proper surrogate pair (an emoji) is fine
    ok = client.post(
        "/notes",
        content=b'{"text": "\\ud83d\\ude00"}',
        headers={"content-type": "application/json"},
    )
    assert ok.status_code == 200 and ok.json() == {"text": "😀"}


def test_a_body_over_the_limit_is_a_bilingual_413() -> None:
    client = TestClient(_edge_app(max_body=1024))
    announced = client.post("/notes", json={"text": "x" * 5000})

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    streamed = client.post("/notes", content=chunks(), headers={"content-type": "application/json"})
    for answer in (announced, streamed):
        assert answer.status_code == 413
        error = answer.json()["error"]
        assert error["code"] == "body_too_large"
        assert "1,024" in error["message_id"] and "1,024" in error["message_en"]
    assert client.post("/notes", json={"text": "fits"}).status_code == 200


def test_a_405_keeps_its_allow_header() -> None:
    client = TestClient(_edge_app())
    answer = client.get("/notes")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert answer.json()["error"]["code"] == "method_not_allowed"


def test_tokens_longer_than_the_maximum_lifetime_are_refused() -> None:
    principal = Principal(nip=NIP, role=Role.ASN, opd_id="bappeda")
    ok = mint_token(principal, SECRET, issuer="wfa-platform", ttl=timedelta(hours=8))
    assert decode_token(ok, SECRET, issuer="wfa-platform")[0] == principal
    long_lived = mint_token(principal, SECRET, issuer="wfa-platform", ttl=timedelta(days=365))
    with pytest.raises(InvalidToken, match="lifetime"):
        decode_token(long_lived, SECRET, issuer="wfa-platform", max_lifetime=timedelta(hours=24))


def test_a_nip_of_non_ascii_digits_is_not_an_identity() -> None:
    arabic_indic = "١٩٩٠٠١٠١٢٠١٥٠٣١٠٠١"
    assert len(arabic_indic) == 18 and arabic_indic.isdigit()
    with pytest.raises(ValueError):
        Principal(nip=arabic_indic, role=Role.ASN)


def test_the_token_cache_forgets_expired_tokens() -> None:
    cache = TokenCache(size=2)
    principal = Principal(nip=NIP, role=Role.ASN)
    cache.put("expired", principal, expires_at=1.0)
    assert cache.get("expired") is None
    for name in ("a", "b", "c"):
        cache.put(name, principal, expires_at=4e9)
    assert cache.get("a") is None  # the least recently used left first
    assert cache.get("c") == principal


def _service() -> TestClient:
    settings = Settings(SERVICE_NAME="attendance", WFA_ENV="test", ACCESS_LOG="all")  # type: ignore[call-arg]
    # no lifespan: nothing connects; the service has not booted
    return TestClient(create_service(ATTENDANCE, settings))


def test_a_service_that_has_not_booted_is_alive_and_refuses_the_rest() -> None:
    client = _service()
    assert client.get("/health").status_code == 200
    landing = client.get("/")
    assert landing.status_code == 200 and 'href="/docs"' in landing.text
    answer = client.post("/attendance/check-ins", json={})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.json()["error"]["code"] == "not_ready"


def test_every_route_documents_the_common_error_answers() -> None:
    spec = _service().get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if path in ("/health", "/ready"):
            continue
        for operation in operations.values():
            for status in ("401", "403", "422", "503"):
                assert status in operation["responses"], (path, status)


def test_the_access_log_never_writes_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    client = _service()
    with caplog.at_level(logging.INFO, logger="wfa.access"):
        client.get(f"/health?nip={NIP}")
    lines = [r.getMessage() for r in caplog.records if r.name == "wfa.access"]
    assert lines and all(NIP not in line for line in lines)
    assert any("/health" in line for line in lines)


def test_a_route_of_an_included_router_may_allow_a_larger_body() -> None:
    app = FastAPI()
    install_error_handlers(app)
    install_body_limit(app, 1024)
    router = service_router("/imports", ["imports"])

    @router.post("", max_body_size=64 * 1024)
    async def upload(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    app.include_router(router)
    client = TestClient(app)
    assert client.post("/imports", json={"text": "x" * 5000}).json() == {"length": 5000}
    assert client.post("/imports", json={"text": "x" * 70_000}).status_code == 413
