"""``wfa-token``: mint a development bearer token.

wfa-token --role asn --nip 199001012015031001 --opd dinas-kominfo

For the demo and the tests only: production (``WFA_ENV=production``) refuses to mint, and a
service with an OpenID Connect provider configured (``OIDC_ISSUER``) refuses these tokens.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from pydantic import ValidationError

from services.runtime.edge.identity import Principal, Role, mint_token
from services.runtime.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wfa-token", description="Mint a development JWT.")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--nip", required=True, help="18-digit NIP, or system:<app> for apps")
    parser.add_argument("--opd", default=None, help="OPD id of the caller")
    parser.add_argument("--name", default=None)
    parser.add_argument("--hours", type=float, default=12.0, help="validity in hours")
    args = parser.parse_args(argv)
    settings = Settings()
    if settings.environment == "production":
        print(
            "wfa-token: token pengembangan ditolak di produksi; gunakan penyedia identitas "
            "(SSO) / development tokens are refused in production; use the identity provider",
            file=sys.stderr,
        )
        return 2
    if settings.oidc_configured:
        print(
            "wfa-token: OIDC_ISSUER diatur, layanan menolak token ini / OIDC_ISSUER is set: "
            "the services refuse this token",
            file=sys.stderr,
        )
    try:
        principal = Principal(nip=args.nip, role=Role(args.role), opd_id=args.opd, name=args.name)
    except ValidationError as exc:
        print(f"wfa-token: invalid identity / identitas tidak valid: {exc}", file=sys.stderr)
        return 2
    token = mint_token(
        principal,
        settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        ttl=timedelta(hours=args.hours),
    )
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
