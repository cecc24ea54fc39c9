"""Identity: bearer JWTs that carry the caller's role, NIP and OPD.

A development signer (HS256 with ``JWT_SECRET``) mints tokens for the demo and the tests; see
``wfa-token``. Production takes the tokens of the province's OpenID Connect provider instead
(:mod:`services.runtime.edge.oidc`); the edge refuses the development signer's there.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ALGORITHM = "HS256"


class Role(StrEnum):
    ASN = "asn"
    ATASAN = "atasan"  # direct supervisor
    KEPALA_OPD = "kepala_opd"  # head of a regional agency
    ADMIN_BKD = "admin_bkd"  # provincial HR admin
    AUDITOR = "auditor"
    OPS = "ops"
    SYSTEM = "system"  # another application integrating through the API


class Principal(BaseModel):
    """The authenticated caller."""

    model_config = ConfigDict(frozen=True)

    # [0-9], not \d: \d also admits other Unicode digits (Arabic-Indic, Devanagari, ...)
    nip: Annotated[str, Field(pattern=r"^([0-9]{18}|system:[a-z0-9-]{1,60})$")]
    role: Role
    opd_id: Annotated[str | None, Field(max_length=100, pattern=r"^[A-Za-z0-9._-]+$")] = None
    name: Annotated[str | None, Field(max_length=200)] = None


class InvalidToken(Exception):
    """The bearer token is missing, expired, forged or lacks a required claim."""


def mint_token(
    principal: Principal, secret: str, *, issuer: str, ttl: timedelta = timedelta(hours=12)
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": principal.nip,
        "nip": principal.nip,
        "role": principal.role.value,
        "opd_id": principal.opd_id,
        "name": principal.name,
        "iss": issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(
    token: str, secret: str, *, issuer: str, max_lifetime: timedelta = timedelta(hours=24)
) -> Principal:
    """The caller a valid token names (:class:`InvalidToken` otherwise)."""
    return decode_token(token, secret, issuer=issuer, max_lifetime=max_lifetime)[0]


def decode_token(
    token: str, secret: str, *, issuer: str, max_lifetime: timedelta = timedelta(hours=24)
) -> tuple[Principal, float]:
    """The caller a token names, and when the token expires (a UNIX time)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    try:
        lifetime = float(claims["exp"]) - float(claims["iat"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("exp and iat must be numbers") from exc
    if lifetime > max_lifetime.total_seconds():
        raise InvalidToken(
            f"token lifetime {lifetime / 3600:.1f} h exceeds the maximum of "
            f"{max_lifetime.total_seconds() / 3600:.1f} h"
        )
    try:
        principal = Principal(
            nip=claims.get("nip") or claims["sub"],
            role=claims.get("role"),
            opd_id=claims.get("opd_id"),
            name=claims.get("name"),
        )
        return principal, float(claims["exp"])
    except (ValidationError, KeyError) as exc:
        raise InvalidToken(f"bad claims: {exc}") from exc


#: verified tokens remembered per process (token -> (principal, expiry as UNIX time))
TOKEN_CACHE_SIZE = 50_000


class TokenCache:
    """Verified tokens until they expire; least recently used ones leave first."""

    def __init__(self, size: int = TOKEN_CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def get(self, token: str) -> Principal | None:
        hit = self._entries.get(token)
        if hit is None:
            return None
        if hit[1] <= time.time():
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return hit[0]

    def put(self, token: str, principal: Principal, expires_at: float) -> None:
        self._entries[token] = (principal, expires_at)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
