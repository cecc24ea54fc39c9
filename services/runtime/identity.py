"""Identity: bearer JWTs that carry the caller's role, NIP and OPD.

A development signer (HS256 with ``JWT_SECRET``) mints tokens; see ``wfa-token``.
"""

from __future__ import annotations

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

    nip: Annotated[str, Field(pattern=r"^(\d{18}|system:[a-z0-9-]+)$")]
    role: Role
    opd_id: str | None = None
    name: str | None = None


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


def verify_token(token: str, secret: str, *, issuer: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["exp", "iss", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    try:
        return Principal(
            nip=claims.get("nip") or claims["sub"],
            role=claims.get("role"),
            opd_id=claims.get("opd_id"),
            name=claims.get("name"),
        )
    except (ValidationError, KeyError) as exc:
        raise InvalidToken(f"bad claims: {exc}") from exc
