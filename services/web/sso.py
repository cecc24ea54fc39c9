"""Signing in to the web app through the province's OpenID Connect provider: the
authorization code flow with PKCE (S256), on when the provider is configured (``OIDC_ISSUER``,
``OIDC_JWKS_URL``, ``OIDC_AUDIENCE``, the same settings the services verify tokens with) and the
app has a client there (``WEB_OIDC_CLIENT_ID``; see :mod:`services.web.settings`).

``GET /auth/login``     redirects the browser to the provider's authorization endpoint with a
                        fresh ``state``, ``nonce`` and PKCE challenge; the state, the nonce
                        and the verifier stay in a signed, HttpOnly, ``SameSite=Lax`` cookie
                        for ten minutes (the gateway keeps nothing: any replica answers).
``GET /auth/callback``  checks ``state`` against that cookie (a mismatch is a 400), exchanges
                        the code for tokens at the token endpoint with the PKCE verifier,
                        checks the ID token (the provider's key, issuer, this client as its
                        audience, the nonce) and verifies the access token exactly as every
                        service does (:func:`services.runtime.edge.deps.verify_bearer`). The
                        answer is a page that starts the browser's session the way the demo
                        login does (the access token as the bearer token, with the caller's
                        role, NIP, OPD and name) and goes on to the role's start page.
``GET /auth/logout``    ends the session at the provider (its ``end_session_endpoint``, when
                        it has one) and comes back to ``/app/``.
``GET /auth/methods``   which sign-ins this gateway offers (single sign-on, demo).
``GET /auth/me``        the caller a bearer token names, as the services see it.

The endpoints come from the provider's discovery document
(``{OIDC_ISSUER}/.well-known/openid-configuration``, read once an hour) unless configured.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.runtime.edge.deps import bearer_token, verify_bearer
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import InvalidToken, Principal
from services.runtime.edge.oidc import ProviderUnavailable, oidc_verifier
from services.web.demo_login import home_of
from services.web.messages import MESSAGES
from services.web.settings import WebSettings

log = logging.getLogger(__name__)

COOKIE = "wfa_sso"
COOKIE_PATH = "/auth"
FLOW_TTL_S = 600
DISCOVERY_TTL_S = 3600.0
RETRY_AFTER_S = 5
DISCOVERY_PATH = "/.well-known/openid-configuration"
CALLBACK_PATH = "/auth/callback"
AFTER_LOGOUT = "/app/"
SIGNED_IN_SCRIPT = "/app/js/sso-login.js"
#: the label the cookie's signing key is derived under, from the platform's secret
_COOKIE_KEY_LABEL = b"wfa-web-sso-cookie-v1"

router = APIRouter(prefix="/auth", tags=["single sign-on"])


# --- PKCE and the signed flow cookie ----------------------------------------------------------


def pkce_challenge(verifier: str) -> str:
    """The S256 challenge of a PKCE ``verifier`` (RFC 7636): BASE64URL(SHA256(verifier))."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _cookie_key(settings: WebSettings) -> bytes:
    secret = settings.jwt_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, _COOKIE_KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class Flow:
    """One sign-in under way: what the callback checks and needs."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next: str | None = None

    def seal(self, settings: WebSettings) -> str:
        claims = {
            "state": self.state,
            "nonce": self.nonce,
            "verifier": self.verifier,
            "redirect_uri": self.redirect_uri,
            "next": self.next,
            "exp": int(time.time()) + FLOW_TTL_S,
        }
        return jwt.encode(claims, _cookie_key(settings), algorithm="HS256")

    @staticmethod
    def unseal(settings: WebSettings, sealed: str | None) -> Flow | None:
        """The flow a cookie carries; None when it is absent, forged or expired."""
        if not sealed:
            return None
        try:
            claims = jwt.decode(
                sealed, _cookie_key(settings), algorithms=["HS256"], options={"require": ["exp"]}
            )
            return Flow(
                state=str(claims["state"]),
                nonce=str(claims["nonce"]),
                verifier=str(claims["verifier"]),
                redirect_uri=str(claims["redirect_uri"]),
                next=claims.get("next") if isinstance(claims.get("next"), str) else None,
            )
        except (jwt.PyJWTError, KeyError):
            return None


def local_path(value: str | None) -> str | None:
    """``value`` when it is a path on this origin (never ``//host`` or a URL), else None."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


# --- the provider's endpoints -----------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    end_session: str | None


def _unavailable(reason: str) -> ApiError:
    return ApiError(
        503,
        "sso_provider_unavailable",
        *MESSAGES.text("sso_provider_unavailable", retry_after_s=RETRY_AFTER_S),
        details=[reason],
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _sso_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    if not settings.sso_configured:
        raise ApiError(404, "sso_off", *MESSAGES.text("sso_off"))
    return settings


def _http(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.http
    return client


async def endpoints(request: Request, settings: WebSettings) -> Endpoints:
    """The provider's endpoints: the configured ones, the rest from its discovery document
    (kept for an hour per gateway process)."""
    if settings.oidc_authorization_url and settings.oidc_token_url:
        return Endpoints(
            settings.oidc_authorization_url,
            settings.oidc_token_url,
            settings.oidc_end_session_url,
        )
    cached: tuple[float, dict[str, Any]] | None = getattr(request.app.state, "sso_discovery", None)
    if cached is None or cached[0] < time.monotonic():
        issuer = (settings.oidc_issuer or "").rstrip("/")
        try:
            answer = await _http(request).get(issuer + DISCOVERY_PATH)
            document = answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("identity provider discovery failed: %s", type(exc).__name__)
            raise _unavailable("discovery") from exc
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
            log.warning("identity provider discovery answered no document of issuer %s", issuer)
            raise _unavailable("discovery")
        cached = (time.monotonic() + DISCOVERY_TTL_S, document)
        request.app.state.sso_discovery = cached
    document = cached[1]
    authorization = settings.oidc_authorization_url or document.get("authorization_endpoint")
    token = settings.oidc_token_url or document.get("token_endpoint")
    if not isinstance(authorization, str) or not isinstance(token, str):
        raise _unavailable("discovery")
    end_session = settings.oidc_end_session_url or document.get("end_session_endpoint")
    return Endpoints(authorization, token, end_session if isinstance(end_session, str) else None)


def redirect_uri(request: Request, settings: WebSettings) -> str:
    if settings.oidc_redirect_url:
        return settings.oidc_redirect_url
    return str(request.base_url).rstrip("/") + CALLBACK_PATH


def _secure(request: Request, settings: WebSettings) -> bool:
    return settings.environment == "production" or request.url.scheme == "https"


# --- routes -----------------------------------------------------------------------------------


@router.get("/methods", summary="Sign-in methods / Cara masuk")
async def methods(request: Request) -> dict[str, Any]:
    """Whether single sign-on and the demo login are offered (the sign-in page asks)."""
    settings: WebSettings = request.app.state.settings
    demo = (
        settings.demo_login
        and settings.environment != "production"
        and not settings.oidc_configured
    )
    return {"sso": settings.sso_configured, "demo": demo, "login_url": "/auth/login"}


@router.get("/login", summary="Sign in with single sign-on / Masuk dengan SSO")
async def login(
    request: Request,
    next: Annotated[str | None, Query(max_length=512, description="A path to return to.")] = None,
) -> RedirectResponse:
    settings = _sso_settings(request)
    where = await endpoints(request, settings)
    flow = Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters, within PKCE's 43..128
        redirect_uri=redirect_uri(request, settings),
        next=local_path(next),
    )
    query = {
        "response_type": "code",
        "client_id": settings.oidc_client_id or "",
        "redirect_uri": flow.redirect_uri,
        "scope": " ".join(settings.oidc_scope_list),
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": pkce_challenge(flow.verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in where.authorization else "?"
    response = RedirectResponse(where.authorization + separator + urlencode(query), 302)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        COOKIE,
        flow.seal(settings),
        max_age=FLOW_TTL_S,
        path=COOKIE_PATH,
        secure=_secure(request, settings),
        httponly=True,
        samesite="lax",
    )
    return response


async def _exchange(
    request: Request, settings: WebSettings, where: Endpoints, flow: Flow, code: str
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.redirect_uri,
        "client_id": settings.oidc_client_id or "",
        "code_verifier": flow.verifier,
    }
    auth: httpx.BasicAuth | None = None
    if settings.oidc_client_secret is not None:
        auth = httpx.BasicAuth(
            settings.oidc_client_id or "", settings.oidc_client_secret.get_secret_value()
        )
    try:
        answer = await _http(request).post(
            where.token, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT
        )
    except httpx.HTTPError as exc:
        log.warning("identity provider token endpoint unreachable: %s", type(exc).__name__)
        raise _unavailable("token_endpoint") from exc
    try:
        tokens: Any = answer.json()
    except ValueError:
        tokens = None
    if answer.status_code >= 500:
        raise _unavailable("token_endpoint")
    if answer.status_code != 200 or not isinstance(tokens, dict):
        error = tokens.get("error") if isinstance(tokens, dict) else None
        raise ApiError(
            401,
            "sso_exchange_failed",
            *MESSAGES.text("sso_exchange_failed"),
            details=[str(error or answer.status_code)],
        )
    return tokens


def _check_id_token(settings: WebSettings, id_token: str, nonce: str) -> None:
    """The ID token is the provider's, for this client, and of this sign-in (its nonce)."""
    verifier = oidc_verifier(settings)
    if verifier is None:  # pragma: no cover - sso_configured implies a provider
        raise InvalidToken("no identity provider configured")
    try:
        claims = verifier.claims(id_token, audience=settings.oidc_client_id)
    except InvalidToken as exc:
        raise InvalidToken(f"ID token: {exc}") from exc
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise InvalidToken("the ID token's nonce is not this sign-in's")


def _verify_tokens(settings: WebSettings, tokens: dict[str, Any], nonce: str) -> Any:
    access_token, id_token = tokens.get("access_token"), tokens.get("id_token")
    if not isinstance(access_token, str) or not isinstance(id_token, str):
        raise InvalidToken("the provider answered no access token and ID token")
    _check_id_token(settings, id_token, nonce)
    principal, expires_at = verify_bearer(settings, access_token)  # as every service does
    return access_token, principal, expires_at


def session_of(token: str, principal: Principal, expires_at: float) -> dict[str, Any]:
    """The browser's session, as the demo login answers it."""
    return {
        "token": token,
        "role": principal.role.value,
        "nip": principal.nip,
        "opd_id": principal.opd_id,
        "name": principal.name,
        "expires_at": int(expires_at),
        "home": home_of(principal.role),
        "sso": True,
    }


def signed_in_page(session: dict[str, Any]) -> str:
    """A page carrying the session as a JSON data block (never executed, so the page's
    Content-Security-Policy holds) and the script that stores it and moves on."""
    data = json.dumps(session).replace("<", "\\u003c").replace(">", "\\u003e")
    title = html.escape(MESSAGES.text("sso_page_title").id)
    return (
        '<!doctype html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
        f"<title>WFA ASN</title>\n"
        '<link rel="stylesheet" href="/app/css/app.css">\n'
        f'<script type="application/json" id="wfa-sso-session">{data}</script>\n'
        f'<script type="module" src="{SIGNED_IN_SCRIPT}"></script>\n'
        '</head>\n<body>\n<main class="page narrow">\n'
        f'<p data-testid="sso-login-status">{title}</p>\n'
        "</main>\n</body>\n</html>\n"
    )


@router.get("/callback", summary="Back from the provider / Kembali dari penyedia identitas")
async def callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> HTMLResponse:
    settings = _sso_settings(request)
    flow = Flow.unseal(settings, request.cookies.get(COOKIE))
    if flow is None:
        raise ApiError(400, "sso_state_missing", *MESSAGES.text("sso_state_missing"))
    if not state or not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise ApiError(400, "sso_state_mismatch", *MESSAGES.text("sso_state_mismatch"))
    if error:
        raise ApiError(
            401, "sso_refused", *MESSAGES.text("sso_refused", error=error), details=[error]
        )
    if not code:
        raise ApiError(400, "sso_code_missing", *MESSAGES.text("sso_code_missing"))
    where = await endpoints(request, settings)
    tokens = await _exchange(request, settings, where, flow, code)
    try:
        token, principal, expires_at = await asyncio.to_thread(
            _verify_tokens, settings, tokens, flow.nonce
        )
    except InvalidToken as exc:
        raise ApiError(
            401, "sso_token_refused", *MESSAGES.text("sso_token_refused"), details=[str(exc)]
        ) from exc
    except ProviderUnavailable as exc:
        raise _unavailable("jwks") from exc
    session = session_of(token, principal, expires_at)
    if flow.next:
        session["home"] = flow.next
    response = HTMLResponse(signed_in_page(session), headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, secure=_secure(request, settings), httponly=True, samesite="lax"
    )
    return response


@router.get("/logout", summary="Sign out / Keluar")
async def logout(request: Request) -> RedirectResponse:
    """Back to the sign-in page, through the provider's logout when single sign-on is on
    (the browser forgets its own session before it comes here)."""
    settings: WebSettings = request.app.state.settings
    target = AFTER_LOGOUT
    if settings.sso_configured:
        try:
            where = await endpoints(request, settings)
        except ApiError:
            where = None  # the provider is away: the browser's session is gone all the same
        if where is not None and where.end_session:
            back = str(request.base_url).rstrip("/") + AFTER_LOGOUT
            query = urlencode(
                {"client_id": settings.oidc_client_id or "", "post_logout_redirect_uri": back}
            )
            separator = "&" if "?" in where.end_session else "?"
            target = where.end_session + separator + query
    response = RedirectResponse(target, 303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response


@router.get("/me", summary="Who this token names / Siapa pemilik token ini")
async def me(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    """The caller a bearer token names, verified as the services verify it (401 otherwise)."""
    settings: WebSettings = request.app.state.settings
    token = bearer_token(authorization)
    try:
        principal, expires_at = await asyncio.to_thread(verify_bearer, settings, token)
    except InvalidToken as exc:
        raise ApiError(
            401,
            "invalid_token",
            *MESSAGES.text("sso_token_refused"),
            details=[str(exc)],
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    except ProviderUnavailable as exc:
        raise _unavailable("jwks") from exc
    return {
        "nip": principal.nip,
        "role": principal.role.value,
        "opd_id": principal.opd_id,
        "name": principal.name,
        "expires_at": int(expires_at),
    }
