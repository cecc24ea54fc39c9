"""Verification of the archive and the Kafka topics against the signed checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from services.audit.messages import MESSAGES
from services.audit.verifier import VerificationUnavailable, configured_public_key, verify_log
from services.audit.verify_proofs import load_public_key
from services.runtime.edge.deps import Context, require_roles
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Principal, Role
from services.runtime.edge.routing import service_router

router = service_router("/audit", ["audit"])

Verifier = Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.ADMIN_BKD, Role.OPS))]


@router.get(
    "/verify",
    summary="Verify the sealed log / Verifikasi log tersegel",
    description=(
        "Recomputes every block of the sealed log from the archive and, with `kafka=true`, "
        "from the Kafka topics; checks every checkpoint's Ed25519 signature with the public "
        "key (the service's own, or `public_key` to check against a key published elsewhere) "
        "and names every event altered, deleted, reordered or inserted. `ok` is true when "
        "nothing was found."
    ),
)
async def verify(
    _: Verifier,
    ctx: Context,
    kafka: bool = True,
    public_key: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    key = public_key or configured_public_key(ctx.settings)
    try:
        load_public_key(key)
    except ValueError as exc:
        raise ApiError(422, "invalid_public_key", *MESSAGES.text("invalid_public_key")) from exc
    try:
        report = await verify_log(ctx.store, ctx.settings, public_key=key, kafka=kafka)
    except VerificationUnavailable as exc:
        raise ApiError(
            503,
            "verification_unavailable",
            *MESSAGES.text("verification_unavailable"),
            details=[str(exc)],
        ) from exc
    return {**report.as_dict(), "public_key": key}
