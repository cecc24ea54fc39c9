"""OpenID Connect bearer tokens, verified against a JWKS this test serves over loopback.

The keys are generated here (RSA and Ed25519); the key set is served by a small HTTP server
on 127.0.0.1 and rotated during the test: a token of a new key id makes the service fetch the
set again, a key rotated away is refused, and so are a wrong audience, a wrong issuer, an
expired token and a development HS256 token. Every refusal is the standard bilingual 401.
The service's own edge answers (a route behind ``CurrentUser``, in-process).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm
from pydantic import ValidationError

from services.runtime.edge.deps import CurrentUser, check_bearer
from services.runtime.edge.errors import ApiError, install_error_handlers
from services.runtime.edge.identity import Principal, Role, TokenCache, mint_token
from services.runtime.edge.routing import service_router
from services.runtime.edge.token_cli import main as wfa_token
from services.runtime.hosting.boot import build_context
from services.runtime.settings import DEV_JWT_SECRET, Settings

ISSUER = "https://sso.example.go.id/realms/asn"
AUDIENCE = "wfa-api"
NIP = "199001012015031001"
ROLE_MAP = json.dumps({"wfa-kepala": "kepala_opd", "wfa-atasan": "atasan", "wfa-asn": "asn"})


class Provider:
    """The key set of an identity provider, served over loopback, and tokens signed with it."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: list[str] = []
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": provider.jwks()}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/certs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_rsa(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def add_ed25519(self, kid: str) -> None:
        self.keys[kid] = ed25519.Ed25519PrivateKey.generate()

    def jwks(self) -> list[dict[str, Any]]:
        out = []
        for kid in self.published:
            key = self.keys[kid]
            if isinstance(key, rsa.RSAPrivateKey):
                jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
                jwk["alg"] = "RS256"
            else:
                jwk = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
                jwk["alg"] = "EdDSA"
            out.append({**jwk, "kid": kid, "use": "sig"})
        return out

    def token(self, kid: str, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "f3b1c2d4-0000-4000-8000-000000000001",
            "jti": uuid.uuid4().hex,  # every token new (a token verified once stays cached)
            "iat": now,
            "exp": now + 300,
            "nip": NIP,
            "opd_id": "dinas-kominfo",
            "name": "Siti Aminah",
            "realm_access": {"roles": ["offline_access", "wfa-asn", "wfa-atasan"]},
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.keys[kid]
        algorithm = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "EdDSA"
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider() -> Iterator[Provider]:
    served = Provider()
    try:
        yield served
    finally:
        served.close()


def _settings(jwks_url: str, **extra: Any) -> Settings:
    env: dict[str, Any] = {
        "SERVICE_NAME": "attendance",
        "WFA_ENV": "test",
        "OIDC_ISSUER": ISSUER,
        "OIDC_JWKS_URL": jwks_url,
        "OIDC_AUDIENCE": AUDIENCE,
        "OIDC_ROLE_MAP": ROLE_MAP,
        "OIDC_JWKS_MIN_REFRESH_S": 0,
        **extra,
    }
    return Settings(**env)


def _client(settings: Settings) -> TestClient:
    """A service's edge in-process: its context, its errors, a route behind ``CurrentUser``."""
    app = FastAPI()
    app.state.context = build_context(settings)
    install_error_handlers(app)
    router = service_router("/whoami", ["test"])

    @router.get("")
    async def whoami(user: CurrentUser) -> Principal:
        return user

    app.include_router(router)
    return TestClient(app)


def _call(client: TestClient, token: str) -> Any:
    return client.get("/whoami", headers={"Authorization": f"Bearer {token}"})


def _refused_401(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == "Bearer"
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == "invalid_token"
    assert error["message_id"] == "Token tidak valid atau kedaluwarsa."
    assert error["message_en"] == "The token is invalid or expired."
    return error


def test_provider_tokens_are_verified_against_its_rotating_key_set(provider: Provider) -> None:
    provider.add_rsa("rsa-1")
    provider.add_ed25519("ed-1")
    provider.published = ["rsa-1", "ed-1"]
    client = _client(_settings(provider.url))

    # a valid RS256 token: the NIP, role (first of the map held), OPD and name from its claims
    ok = _call(client, provider.token("rsa-1"))
    assert ok.status_code == 200, ok.text
    assert ok.json() == {
        "nip": NIP,
        "role": "atasan",
        "opd_id": "dinas-kominfo",
        "name": "Siti Aminah",
    }
    assert provider.fetches == 1
    # an EdDSA token; the roles may come from the groups claim as well
    eddsa = provider.token("ed-1", realm_access=None, groups=["wfa-asn"])
    assert _call(client, eddsa).json()["role"] == "asn"
    assert provider.fetches == 1  # the key set is cached

    # rotation: rsa-2 is published and rsa-1 withdrawn; a token of the unknown kid refetches
    provider.add_rsa("rsa-2")
    provider.published = ["rsa-2", "ed-1"]
    rotated = _call(client, provider.token("rsa-2", realm_access={"roles": ["wfa-kepala"]}))
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["role"] == "kepala_opd"
    assert provider.fetches == 2
    # a new token of the key rotated away is refused
    error = _refused_401(_call(client, provider.token("rsa-1")))
    assert "rsa-1" in json.dumps(error["details"])

    # wrong audience, wrong issuer, expired
    _refused_401(_call(client, provider.token("rsa-2", aud="another-app")))
    _refused_401(_call(client, provider.token("rsa-2", iss="https://sso.elsewhere.example/")))
    expired = int(time.time()) - 3600
    _refused_401(_call(client, provider.token("rsa-2", iat=expired - 300, exp=expired)))
    # within the clock skew allowed (30 s by default), a just-expired token still passes
    just = int(time.time()) - 5
    assert _call(client, provider.token("rsa-2", iat=just - 300, exp=just)).status_code == 200
    # no NIP claim, no WFA role, a NIP that is not one
    _refused_401(_call(client, provider.token("rsa-2", nip=None)))
    _refused_401(_call(client, provider.token("rsa-2", realm_access={"roles": ["other"]})))
    _refused_401(_call(client, provider.token("rsa-2", nip="12345")))

    # the development signer's HS256 token is refused while a provider is configured
    dev = mint_token(Principal(nip=NIP, role=Role.ASN), DEV_JWT_SECRET, issuer="wfa-platform")
    error = _refused_401(_call(client, dev))
    assert "HS256" in json.dumps(error["details"])
    # ... and so is an HS256 token made to look like the provider's
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "nip": NIP, "exp": int(time.time()) + 60},
        DEV_JWT_SECRET,
        algorithm="HS256",
        headers={"kid": "rsa-2"},
    )
    _refused_401(_call(client, forged))
    # a missing header is still 401 unauthenticated
    assert client.get("/whoami").json()["error"]["code"] == "unauthenticated"


def test_unknown_key_ids_refetch_at_most_once_per_interval(provider: Provider) -> None:
    provider.add_rsa("rsa-1")
    provider.published = ["rsa-1"]
    client = _client(_settings(provider.url, OIDC_JWKS_MIN_REFRESH_S=3600))
    assert _call(client, provider.token("rsa-1")).status_code == 200
    provider.add_rsa("rsa-2")
    provider.published = ["rsa-1", "rsa-2"]
    for _ in range(3):  # invented or new key ids do not hammer the provider
        _refused_401(_call(client, provider.token("rsa-2")))
    assert provider.fetches == 1


def test_an_unreachable_provider_is_a_503_not_a_refusal() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = _client(_settings(f"http://127.0.0.1:{port}/certs", OIDC_JWKS_TIMEOUT_S=2))
    signer = Provider()
    try:
        signer.add_rsa("rsa-1")
        answer = _call(client, signer.token("rsa-1"))
    finally:
        signer.close()
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"]
    error = answer.json()["error"]
    assert error["code"] == "identity_provider_unavailable"
    assert error["message_id"] and error["message_en"]


def test_production_refuses_the_development_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "p" * 48
    settings = Settings(WFA_ENV="production", JWT_SECRET=secret)  # type: ignore[call-arg]
    token = mint_token(Principal(nip=NIP, role=Role.ASN), secret, issuer="wfa-platform")
    with pytest.raises(ApiError) as refused:
        check_bearer(settings, TokenCache(), f"Bearer {token}")
    assert refused.value.status == 401 and refused.value.code == "invalid_token"
    assert "production" in str(refused.value.details)
    # the same token is fine in development
    dev = Settings(WFA_ENV="development", JWT_SECRET=secret)  # type: ignore[call-arg]
    assert check_bearer(dev, TokenCache(), f"Bearer {token}").nip == NIP
    # and wfa-token will not mint one in production
    monkeypatch.setenv("WFA_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", secret)
    assert wfa_token(["--role", "asn", "--nip", NIP]) == 2


def test_provider_settings_are_checked_at_start() -> None:
    with pytest.raises(ValidationError, match="OIDC_JWKS_URL"):
        Settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="OIDC_ALGORITHMS"):
        _settings("http://127.0.0.1:1/certs", OIDC_ALGORITHMS="RS256,HS256")
    with pytest.raises(ValidationError, match="OIDC_ROLE_MAP"):
        _settings("http://127.0.0.1:1/certs", OIDC_ROLE_MAP='{"admins": "root"}')
    with pytest.raises(ValidationError, match="https"):
        _settings("http://sso.example/certs", WFA_ENV="production", JWT_SECRET="p" * 48)
