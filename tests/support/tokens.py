"""Bearer tokens for tests, minted with the development signer."""

from __future__ import annotations

from services.runtime.edge.identity import Principal, Role, mint_token
from services.runtime.settings import DEV_JWT_SECRET


def bearer(role: Role, nip: str, opd_id: str | None = "dinas-kominfo") -> dict[str, str]:
    token = mint_token(
        Principal(nip=nip, role=role, opd_id=opd_id), DEV_JWT_SECRET, issuer="wfa-platform"
    )
    return {"Authorization": f"Bearer {token}"}
