"""The web app signs in through the province's OpenID Connect provider (authorization code
with PKCE S256), against a tiny provider this test serves over loopback.

The provider publishes a discovery document and an RSA key set; its authorization endpoint
sends the browser back with a code (remembering the PKCE challenge), and its token endpoint
gives tokens only for the verifier matching that challenge, signed RS256 with the key the
JWKS serves. The gateway runs in-process (TestClient); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from services.runtime.settings import DEV_JWT_SECRET
from services.web.main import create_app
from services.web.settings import WebSettings
from services.web.sso import COOKIE, Flow, local_path, pkce_challenge

CLIENT_ID = "wfa-web"
AUDIENCE = "wfa-api"
NIP = "199001012015031001"
ROLE_MAP = json.dumps({"wfa-atasan": "atasan", "wfa-asn": "asn"})
KID = "sso-key-1"


class Provider:
    """An OpenID Connect provider on 127.0.0.1: discovery, authorize, token, JWKS, logout."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, str]] = {}
        self.exchanges: list[dict[str, str]] = []
        self.authorize_requests: list[dict[str, str]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/realms/asn/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif url.path == "/certs":
                    jwk = RSAAlgorithm.to_jwk(provider.key.public_key(), as_dict=True)
                    self._json(200, {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]})
                elif url.path == "/authorize":
                    provider.authorize_requests.append(query)
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    back = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query["state"]})
                    )
                    self.send_response(302)
                    self.send_header("Location", back)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.exchanges.append(form)
                asked = provider.codes.pop(form.get("code", ""), None)
                if (
                    asked is None
                    or form.get("grant_type") != "authorization_code"
                    or form.get("client_id") != asked["client_id"]
                    or form.get("redirect_uri") != asked["redirect_uri"]
                    or asked.get("code_challenge_method") != "S256"
                    or pkce_challenge(form.get("code_verifier", "")) != asked["code_challenge"]
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                self._json(200, provider.tokens(asked["nonce"]))

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.base + "/realms/asn"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.base + "/authorize",
            "token_endpoint": self.base + "/token",
            "jwks_uri": self.base + "/certs",
            "end_session_endpoint": self.base + "/logout",
            "code_challenge_methods_supported": ["S256"],
        }

    def sign(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "user-1", "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": KID})

    def tokens(self, nonce: str) -> dict[str, Any]:
        access = self.sign(
            aud=AUDIENCE,
            jti=uuid.uuid4().hex,
            nip=NIP,
            opd_id="dinas-kominfo",
            name="Siti Aminah",
            realm_access={"roles": ["offline_access", "wfa-atasan"]},
        )
        return {
            "access_token": access,
            "id_token": self.sign(aud=CLIENT_ID, nonce=nonce),
            "token_type": "Bearer",
            "expires_in": 300,
        }

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


def _settings(provider: Provider, **env: Any) -> WebSettings:
    values: dict[str, Any] = {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_JWKS_URL": provider.base + "/certs",
        "OIDC_AUDIENCE": AUDIENCE,
        "OIDC_ROLE_MAP": ROLE_MAP,
        "WEB_OIDC_CLIENT_ID": CLIENT_ID,
        "JWT_SECRET": DEV_JWT_SECRET,
        **env,
    }
    return WebSettings(**values)


@pytest.fixture
def gateway(provider: Provider) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(provider)), follow_redirects=False) as client:
        yield client


def _to_provider(client: TestClient, next_path: str | None = None) -> str:
    """The gateway's login: the provider's authorization URL it sends the browser to."""
    answer = client.get("/auth/login", params={"next": next_path} if next_path else None)
    assert answer.status_code == 302, answer.text
    cookie = answer.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/auth" in cookie
    location: str = answer.headers["location"]
    return location


def _back_from_provider(authorize_url: str) -> str:
    """The browser at the provider: the callback path and query it is sent back to."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


def _session_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="wfa-sso-session">(.*?)</script>', page)
    assert found, page
    session: dict[str, Any] = json.loads(found.group(1))
    return session


def test_sign_in_with_pkce_starts_a_session_the_services_accept(
    provider: Provider, gateway: TestClient
) -> None:
    assert gateway.get("/auth/methods").json() == {
        "sso": True,
        "demo": False,
        "login_url": "/auth/login",
    }
    authorize_url = _to_provider(gateway, next_path="/app/atasan.html")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    assert authorize_url.startswith(provider.base + "/authorize?")
    assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
    assert asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"] == "http://testserver/auth/callback"
    assert asked["scope"].split() == ["openid", "profile"]
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32

    answer = gateway.get(_back_from_provider(authorize_url))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert '<script type="module" src="/app/js/sso-login.js">' in answer.text
    assert f'{COOKIE}=""' in answer.headers["set-cookie"]  # the flow's cookie is spent

    # the token endpoint got the verifier whose S256 digest is the challenge sent
    (exchange,) = provider.exchanges
    verifier = exchange["code_verifier"]
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert exchange["redirect_uri"] == asked["redirect_uri"]

    session = _session_of(answer.text)
    assert session["nip"] == NIP and session["role"] == "atasan"
    assert session["opd_id"] == "dinas-kominfo" and session["name"] == "Siti Aminah"
    assert session["home"] == "/app/atasan.html"
    assert session["expires_at"] > time.time()

    # the session works: its bearer token is verified exactly as the services verify it
    me = gateway.get("/auth/me", headers={"Authorization": f"Bearer {session['token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["nip"] == NIP and me.json()["role"] == "atasan"

    # with the provider configured, a development HS256 token is refused, bilingually
    from services.runtime.edge.identity import Principal, Role, mint_token

    dev = mint_token(Principal(nip=NIP, role=Role.ATASAN), DEV_JWT_SECRET, issuer="wfa-dev")
    refused = gateway.get("/auth/me", headers={"Authorization": f"Bearer {dev}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["message_id"] and refused.json()["error"]["message_en"]

    # logging out goes through the provider's end-session endpoint and back to the app
    out = gateway.get("/auth/logout")
    assert out.status_code == 303
    target = urlsplit(out.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == provider.base + "/logout"
    back = parse_qs(target.query)
    assert back["client_id"] == [CLIENT_ID]
    assert back["post_logout_redirect_uri"] == ["http://testserver/app/"]


def _refusal(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["message_id"] and error["message_en"]
    assert error["message_id"] != error["message_en"]


def test_a_wrong_state_or_a_missing_flow_is_refused(
    provider: Provider, gateway: TestClient
) -> None:
    authorize_url = _to_provider(gateway)
    back = _back_from_provider(authorize_url)
    forged = re.sub(r"state=[^&]+", "state=forged-state", back)
    _refusal(gateway.get(forged), 400, "sso_state_mismatch")
    assert provider.exchanges == []  # no code is exchanged on a wrong state

    # a callback with no flow cookie (another browser, or one that expired)
    with TestClient(gateway.app, follow_redirects=False) as stranger:
        _refusal(stranger.get(back), 400, "sso_state_missing")
    assert provider.exchanges == []

    # a cookie the gateway did not sign is no flow at all
    gateway.cookies.set(COOKIE, "not-a-signed-flow", path="/auth")
    _refusal(gateway.get(back), 400, "sso_state_missing")

    # the provider's own refusal is passed on
    gateway.cookies.clear()
    authorize_url = _to_provider(gateway)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    refused = gateway.get("/auth/callback", params={"state": state, "error": "access_denied"})
    _refusal(refused, 401, "sso_refused")


def test_a_code_replayed_or_exchanged_without_its_verifier_gives_no_session(
    provider: Provider, gateway: TestClient
) -> None:
    authorize_url = _to_provider(gateway)
    back = _back_from_provider(authorize_url)
    assert gateway.get(back).status_code == 200
    # the same callback again: the flow's cookie is gone
    _refusal(gateway.get(back), 400, "sso_state_missing")

    # a flow whose verifier is not the one the challenge was made from
    authorize_url = _to_provider(gateway)
    back = _back_from_provider(authorize_url)
    settings = gateway.app.state.settings  # type: ignore[attr-defined]
    state = parse_qs(urlsplit(back).query)["state"][0]
    wrong = Flow(
        state=state,
        nonce="n",
        verifier="x" * 64,
        redirect_uri="http://testserver/auth/callback",
    )
    gateway.cookies.clear()
    gateway.cookies.set(COOKIE, wrong.seal(settings), path="/auth")
    _refusal(gateway.get(back), 401, "sso_exchange_failed")


def test_the_demo_login_is_refused_while_a_provider_is_configured(
    provider: Provider, tmp_path: Any
) -> None:
    settings = _settings(provider, WEB_DEMO_LOGIN="1", WEB_DEMO_PERSONAS=tmp_path / "p.json")
    with TestClient(create_app(settings)) as client:
        _refusal(client.get("/auth/demo-personas"), 403, "demo_login_sso")
        _refusal(client.post("/auth/demo-login", json={"key": "asn"}), 403, "demo_login_sso")
        assert client.get("/auth/methods").json()["demo"] is False


def test_without_a_client_single_sign_on_is_off() -> None:
    with TestClient(create_app(WebSettings()), follow_redirects=False) as client:
        _refusal(client.get("/auth/login"), 404, "sso_off")
        _refusal(client.get("/auth/callback", params={"state": "s", "code": "c"}), 404, "sso_off")
        assert client.get("/auth/methods").json()["sso"] is False
        out = client.get("/auth/logout")
        assert out.status_code == 303 and out.headers["location"] == "/app/"


def test_configured_endpoints_need_no_discovery(provider: Provider) -> None:
    settings = _settings(
        provider,
        OIDC_ISSUER="https://sso.example.go.id/realms/asn",  # no discovery could answer
        WEB_OIDC_AUTHORIZATION_URL=provider.base + "/authorize",
        WEB_OIDC_TOKEN_URL=provider.base + "/token",
        WEB_OIDC_REDIRECT_URL="https://wfa.example.go.id/auth/callback",
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        location = _to_provider(client)
    asked = parse_qs(urlsplit(location).query)
    assert location.startswith(provider.base + "/authorize?")
    assert asked["redirect_uri"] == ["https://wfa.example.go.id/auth/callback"]


def test_only_local_paths_are_returned_to() -> None:
    assert local_path("/app/asn.html") == "/app/asn.html"
    for outside in ("https://evil.example", "//evil.example/x", "/\\evil", "app", "", None):
        assert local_path(outside) is None
