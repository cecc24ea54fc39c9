"""One-click demo login, only while the demo is on (``WEB_DEMO_LOGIN=1``).

The demo loader writes its personas (one per role, with a NIP and an OPD of the demo
province) to ``WEB_DEMO_PERSONAS``; the file is read on every request, so personas written
after the gateway started are known at once. A login mints a bearer token with the platform's
own secret and issuer, exactly as ``wfa-token`` does.

The personas list NIPs and names, and a login needs no password: every route here answers
only when ``WEB_DEMO_LOGIN`` is on (``deploy/demo.sh`` and the browser tests turn it on).
Otherwise it answers 404 ``demo_login_off``, with ``WFA_ENV=production`` 403
``demo_login_disabled`` whatever the setting, and with the province's identity provider
configured (``OIDC_ISSUER``) 403 ``demo_login_sso``: people sign in through it
(:mod:`services.web.sso`).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Principal, Role, mint_token
from services.web.messages import MESSAGES
from services.web.settings import WebSettings

log = logging.getLogger(__name__)

TOKEN_TTL = timedelta(hours=12)
KEY_PATTERN = r"^[A-Za-z0-9._-]{1,60}$"
#: the page each role lands on after a login
HOME_OF: dict[Role, str] = {
    Role.ASN: "/app/asn.html",
    Role.ATASAN: "/app/atasan.html",
}
DASHBOARD = "/app/dashboard.html"
LOGIN_PAGE = "demo-login.html"


class Persona(BaseModel):
    """A demo user: who they are, and how the role picker names them."""

    model_config = ConfigDict(extra="ignore")

    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    role: Role
    nip: str
    opd_id: str | None = None
    name: str | None = None
    label_id: str = ""
    label_en: str = ""


class DemoLogin(BaseModel):
    key: Annotated[str, Field(pattern=KEY_PATTERN, description="A persona's key.")]


def home_of(role: Role) -> str:
    return HOME_OF.get(role, DASHBOARD)


def read_personas(path: Path) -> list[Persona]:
    """The personas in ``path`` (a list, or ``{"personas": [...]}``); none when it is absent.
    An entry that cannot be read is left out, with a warning."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("demo personas in %s unreadable: %s", path, exc)
        return []
    entries = data.get("personas", []) if isinstance(data, dict) else data
    personas: list[Persona] = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            personas.append(Persona.model_validate(entry))
        except ValidationError as exc:
            log.warning("demo persona left out: %s", exc.errors()[0].get("msg"))
    return personas


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    if settings.environment == "production":
        raise ApiError(
            403,
            "demo_login_disabled",
            *MESSAGES.text("demo_login_disabled"),
        )
    if settings.oidc_configured:
        raise ApiError(403, "demo_login_sso", *MESSAGES.text("demo_login_sso"))
    if not settings.demo_login:
        raise ApiError(
            404,
            "demo_login_off",
            *MESSAGES.text("demo_login_off"),
        )
    return settings


DemoSettings = Annotated[WebSettings, Depends(_settings)]
KeyPath = Annotated[str, PathParam(pattern=KEY_PATTERN, description="A persona's key.")]

router = APIRouter(prefix="/auth", tags=["demo login"])


def _persona(settings: WebSettings, key: str) -> Persona:
    for persona in read_personas(settings.demo_personas):
        if persona.key == key:
            return persona
    raise ApiError(
        404,
        "unknown_persona",
        *MESSAGES.text("unknown_persona", key=key),
        details=[key],
    )


@router.get("/demo-personas", summary="Demo personas / Persona demo")
async def demo_personas(settings: DemoSettings) -> dict[str, Any]:
    return {
        "personas": [
            persona.model_dump(mode="json") for persona in read_personas(settings.demo_personas)
        ]
    }


@router.post("/demo-login", summary="Log in as a demo persona / Masuk sebagai persona demo")
async def demo_login(body: DemoLogin, settings: DemoSettings) -> dict[str, Any]:
    persona = _persona(settings, body.key)
    try:
        principal = Principal(
            nip=persona.nip, role=persona.role, opd_id=persona.opd_id, name=persona.name
        )
    except ValidationError as exc:
        raise ApiError(
            422,
            "invalid_persona",
            *MESSAGES.text("invalid_persona", persona_key=persona.key),
            details=[persona.key],
        ) from exc
    ttl = min(TOKEN_TTL, timedelta(hours=settings.jwt_max_lifetime_h))
    token = mint_token(
        principal, settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer, ttl=ttl
    )
    expires_at = _expiry(token)
    return {
        "token": token,
        "role": principal.role.value,
        "nip": principal.nip,
        "opd_id": principal.opd_id,
        "name": principal.name,
        "expires_at": expires_at,
        "home": home_of(principal.role),
    }


def _expiry(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"])


@router.get("/demo/{key}", summary="One-click demo login page / Halaman login demo")
async def demo_page(key: KeyPath, settings: DemoSettings) -> FileResponse:
    _persona(settings, key)
    page = settings.static_dir / LOGIN_PAGE
    if not page.is_file():
        raise ApiError(
            503,
            "page_missing",
            *MESSAGES.text("page_missing"),
            details=[LOGIN_PAGE],
        )
    return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})
