"""FastAPI dependency aliases shared by every service's routes.

Every dependency is ``async``: a synchronous one would hop through the thread pool on every
request. A verified token is remembered until it expires, so a client's repeated calls cost
one dictionary lookup instead of an HMAC check and a claims validation each.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from services.runtime.context import ServiceContext, component
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import InvalidToken, Principal, Role, TokenCache, decode_token
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
    return check_bearer(ctx.settings, component(ctx, TokenCache), authorization)


def check_bearer(settings: Settings, cache: TokenCache, authorization: str | None) -> Principal:
    """The caller an ``Authorization: Bearer`` header names, verified with ``settings``' secret
    and issuer and remembered in ``cache``; 401 ``unauthenticated`` or ``invalid_token``."""
    if not authorization or not authorization[:7].lower() == "bearer ":
        raise _unauthenticated("unauthenticated", *MESSAGES.text("unauthenticated"), [])
    token = authorization[7:].strip()
    principal = cache.get(token)
    if principal is not None:
        return principal
    try:
        principal, expires_at = decode_token(
            token,
            settings.jwt_secret.get_secret_value(),
            issuer=settings.jwt_issuer,
            max_lifetime=timedelta(hours=settings.jwt_max_lifetime_h),
        )
    except InvalidToken as exc:
        raise _unauthenticated(
            "invalid_token", *MESSAGES.text("invalid_token"), [str(exc)]
        ) from exc
    cache.put(token, principal, expires_at)
    return principal


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
