"""FastAPI dependency aliases shared by every service's routes.

Every dependency is ``async``: a synchronous one would hop through the thread pool on every
request. A verified token is remembered until it expires, so a client's repeated calls cost
one dictionary lookup instead of a signature check and a claims validation each. Tokens are
those of the OpenID Connect provider when one is configured (:mod:`services.runtime.edge.oidc`),
else the development signer's (HS256, refused in production).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from services.runtime.context import ServiceContext, component
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import InvalidToken, Principal, Role, TokenCache, decode_token
from services.runtime.edge.oidc import ProviderUnavailable, oidc_verifier
from services.runtime.messages import MESSAGES
from services.runtime.settings import Settings


async def get_context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.context
    return ctx


Context = Annotated[ServiceContext, Depends(get_context)]


def _unauthenticated(code: str, message_id: str, message_en: str, details: list[Any]) -> ApiError:
    return ApiError(
        401, code, message_id, message_en, details=details, headers={"WWW-Authenticate": "Bearer"}
    )


async def authenticate(ctx: ServiceContext, authorization: str | None) -> Principal:
    """The caller a bearer token names (401 otherwise); verified tokens are cached."""
    return await check_bearer_async(ctx.settings, component(ctx, TokenCache), authorization)


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header; 401 ``unauthenticated`` without one."""
    if not authorization or not authorization[:7].lower() == "bearer ":
        raise _unauthenticated("unauthenticated", *MESSAGES.text("unauthenticated"), [])
    return authorization[7:].strip()


async def check_bearer_async(
    settings: Settings, cache: TokenCache, authorization: str | None
) -> Principal:
    """:func:`check_bearer`, fetching an OpenID Connect provider's keys (when a token needs
    them) in a worker thread rather than on the event loop."""
    token = bearer_token(authorization)
    cached = cache.get(token)
    if cached is not None:
        return cached
    verifier = oidc_verifier(settings)
    if verifier is not None and verifier.needs_fetch(token):
        principal, expires_at = await asyncio.to_thread(_verified, settings, token)
    else:
        principal, expires_at = _verified(settings, token)
    cache.put(token, principal, expires_at)
    return principal


def check_bearer(settings: Settings, cache: TokenCache, authorization: str | None) -> Principal:
    """The caller an ``Authorization: Bearer`` header names, remembered in ``cache``; 401
    ``unauthenticated`` or ``invalid_token``, 503 ``identity_provider_unavailable``.

    With an OpenID Connect provider configured (``OIDC_ISSUER``) the token must be one of its
    RS256/EdDSA tokens (:mod:`services.runtime.edge.oidc`); otherwise it is a development
    HS256 token of ``settings``' secret and issuer, refused in production."""
    token = bearer_token(authorization)
    cached = cache.get(token)
    if cached is not None:
        return cached
    principal, expires_at = _verified(settings, token)
    cache.put(token, principal, expires_at)
    return principal


def _verified(settings: Settings, token: str) -> tuple[Principal, float]:
    """:func:`verify_bearer`, its failures as the edge answers them."""
    try:
        return verify_bearer(settings, token)
    except InvalidToken as exc:
        raise _unauthenticated(
            "invalid_token", *MESSAGES.text("invalid_token"), [str(exc)]
        ) from exc
    except ProviderUnavailable as exc:
        raise ApiError(
            503,
            "identity_provider_unavailable",
            *MESSAGES.text("identity_provider_unavailable", retry_after_s=PROVIDER_RETRY_AFTER_S),
            headers={"Retry-After": str(PROVIDER_RETRY_AFTER_S)},
        ) from exc


#: seconds a client is asked to wait when the identity provider's keys cannot be fetched
PROVIDER_RETRY_AFTER_S = 5


def verify_bearer(settings: Settings, token: str) -> tuple[Principal, float]:
    """The caller ``token`` names and when it expires, by the provider ``settings`` configure
    or the development signer (:class:`InvalidToken`, :class:`ProviderUnavailable`)."""
    verifier = oidc_verifier(settings)
    if verifier is not None:
        return verifier.decode(token)
    if settings.environment == "production":
        raise InvalidToken(
            "development tokens are refused in production: configure the identity provider "
            "(OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE)"
        )
    return decode_token(
        token,
        settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        max_lifetime=timedelta(hours=settings.jwt_max_lifetime_h),
    )


def check_role(user: Principal, roles: tuple[Role, ...]) -> Principal:
    """``user`` if their role is one of ``roles``; 403 ``forbidden_role`` otherwise."""
    if user.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise ApiError(
            403,
            "forbidden_role",
            *MESSAGES.text("forbidden_role", role=user.role.value, allowed=allowed),
        )
    return user


async def current_principal(
    ctx: Context, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return await authenticate(ctx, authorization)


CurrentUser = Annotated[Principal, Depends(current_principal)]


# The OPD a caller acts for comes from the roster, never from the token alone: see
# services.runtime.edge.caller_scope.

#: optional client key that makes a retried command return its first answer
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only the given roles (403 otherwise)."""

    async def check(user: CurrentUser) -> Principal:
        return check_role(user, roles)

    return check
