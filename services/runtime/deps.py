"""FastAPI dependency aliases shared by every service's routes."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from services.runtime.context import ServiceContext
from services.runtime.errors import ApiError
from services.runtime.identity import InvalidToken, Principal, Role, verify_token


def get_context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.context
    return ctx


Context = Annotated[ServiceContext, Depends(get_context)]


async def current_principal(
    ctx: Context, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(
            401,
            "unauthenticated",
            "Token bearer diperlukan pada header Authorization.",
            "A bearer token is required in the Authorization header.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return verify_token(
            authorization[7:].strip(),
            ctx.settings.jwt_secret.get_secret_value(),
            issuer=ctx.settings.jwt_issuer,
        )
    except InvalidToken as exc:
        raise ApiError(
            401,
            "invalid_token",
            "Token tidak valid atau kedaluwarsa.",
            "The token is invalid or expired.",
            details=[str(exc)],
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


CurrentUser = Annotated[Principal, Depends(current_principal)]


async def caller_opd(user: CurrentUser) -> str:
    """The OPD the caller acts for; tokens without one are refused."""
    if not user.opd_id:
        raise ApiError(
            403,
            "missing_opd",
            "Token tidak memuat OPD pemohon.",
            "The token does not carry the caller's OPD.",
        )
    return user.opd_id


CallerOpd = Annotated[str, Depends(caller_opd)]

#: optional client key that makes a retried command return its first answer
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only the given roles (403 otherwise)."""
    allowed = ", ".join(r.value for r in roles)

    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise ApiError(
                403,
                "forbidden_role",
                f"Peran '{user.role.value}' tidak berwenang; diperlukan salah satu: {allowed}.",
                f"Role '{user.role.value}' is not allowed; one of these is required: {allowed}.",
            )
        return user

    return check
