"""OpenID Connect bearer tokens: RS256 or EdDSA tokens of the province's identity provider.

A token is verified against the provider's JWKS (``OIDC_JWKS_URL``), fetched once and cached
(``OIDC_JWKS_CACHE_S``); a token naming a key id (``kid``) the cache does not know fetches the
set again, at most once every ``OIDC_JWKS_MIN_REFRESH_S``, so a rotated key is picked up and a
stream of invented key ids does not hammer the provider. The issuer, the audience and the clock
skew allowed are settings; so are the claims the caller's NIP, role, OPD and name come from.
The role is the first entry of ``OIDC_ROLE_MAP`` (provider role or group -> WFA role) found
among the values of the roles claims (for example Keycloak's ``realm_access.roles`` or
``groups``). The roster still decides what the caller may see (see
:mod:`services.runtime.edge.caller_scope`).

With a provider configured, a token of any other algorithm (the development HS256 signer's
among them) is refused.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError
from pydantic import ValidationError

from services.runtime.edge.identity import InvalidToken, Principal, Role
from services.runtime.settings import Settings


class ProviderUnavailable(Exception):
    """The provider's keys could not be fetched: nothing says the token is bad."""


class OidcVerifier:
    """Verifies the tokens of one provider; holds its JWKS cache (thread-safe)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.oidc_issuer or not settings.oidc_jwks_url:
            raise ValueError("OIDC_ISSUER and OIDC_JWKS_URL are needed to verify OIDC tokens")
        self.issuer = settings.oidc_issuer
        self.audiences = settings.oidc_audiences
        self.algorithms = settings.oidc_algorithm_list
        self.leeway = settings.oidc_clock_skew_s
        self.max_lifetime = timedelta(hours=settings.jwt_max_lifetime_h)
        self.nip_claim = settings.oidc_nip_claim
        self.roles_claims = [c.strip() for c in settings.oidc_roles_claim.split(",") if c.strip()]
        self.role_map = {name: Role(role) for name, role in settings.oidc_roles.items()}
        self.opd_claim = settings.oidc_opd_claim
        self.name_claim = settings.oidc_name_claim
        self.jwks = PyJWKClient(
            settings.oidc_jwks_url,
            cache_jwk_set=True,
            lifespan=settings.oidc_jwks_cache_s,
            cooldown_duration=settings.oidc_jwks_min_refresh_s,
            timeout=settings.oidc_jwks_timeout_s,
        )

    # --- keys --------------------------------------------------------------------------------

    def header(self, token: str) -> dict[str, Any]:
        """The token's header, once its algorithm is one this provider signs with."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise InvalidToken(
                f"algorithm {alg!r} is not accepted: tokens must be signed by the identity "
                f"provider ({', '.join(self.algorithms)})"
            )
        if not isinstance(header.get("kid"), str) or not header["kid"]:
            raise InvalidToken("the token names no key id (kid)")
        return header

    def cached_key(self, kid: str) -> PyJWK | None:
        """The key ``kid`` from the cached set, without any I/O (None: a fetch is needed)."""
        cache = self.jwks.jwk_set_cache
        jwk_set = cache.get() if cache is not None else None
        if jwk_set is None:
            return None
        for key in jwk_set.keys:
            if key.key_id == kid and key.public_key_use in ("sig", None):
                return key
        return None

    def needs_fetch(self, token: str) -> bool:
        """Whether verifying ``token`` would fetch the provider's keys (the cache is empty or
        stale, or does not know the token's key); False for a token refused anyway."""
        try:
            return self.cached_key(self.header(token)["kid"]) is None
        except InvalidToken:
            return False

    def key(self, kid: str) -> PyJWK:
        """The key ``kid``; fetches the set when the cache is stale or does not know it."""
        key = self.cached_key(kid)
        if key is not None:
            return key
        try:
            return self.jwks.get_signing_key(kid)
        except PyJWKClientConnectionError as exc:
            raise ProviderUnavailable(str(exc)) from exc
        except (PyJWKClientError, PyJWKSetError) as exc:
            raise InvalidToken(f"no key {kid!r} in the provider's key set") from exc

    # --- tokens ------------------------------------------------------------------------------

    def claims(self, token: str, audience: str | list[str] | None = None) -> dict[str, Any]:
        """The claims of ``token`` once its signature (by the provider's key), issuer,
        audience (``audience``, else this verifier's) and expiry are checked."""
        key = self.key(self.header(token)["kid"])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audiences if audience is None else audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return claims

    def decode(self, token: str) -> tuple[Principal, float]:
        """The caller ``token`` names, and when it expires (a UNIX time)."""
        claims = self.claims(token)
        try:
            expires_at = float(claims["exp"])
            issued_at = float(claims.get("iat", expires_at))
        except (TypeError, ValueError) as exc:
            raise InvalidToken("exp and iat must be numbers") from exc
        if expires_at - issued_at > self.max_lifetime.total_seconds():
            raise InvalidToken(
                f"token lifetime {(expires_at - issued_at) / 3600:.1f} h exceeds the maximum "
                f"of {self.max_lifetime.total_seconds() / 3600:.1f} h"
            )
        return self.principal(claims), expires_at

    def principal(self, claims: dict[str, Any]) -> Principal:
        """The caller the verified ``claims`` name, through the configured claims and roles."""
        nip = claim(claims, self.nip_claim)
        if not isinstance(nip, str) or not nip:
            raise InvalidToken(f"the token has no {self.nip_claim!r} claim (the caller's NIP)")
        held: set[str] = set()
        for path in self.roles_claims:
            value = claim(claims, path)
            if isinstance(value, str):
                held.add(value)
            elif isinstance(value, list):
                held.update(v for v in value if isinstance(v, str))
        role = next((r for name, r in self.role_map.items() if name in held), None)
        if role is None:
            raise InvalidToken(
                f"none of the token's roles ({', '.join(self.roles_claims)}) is a WFA role"
            )
        opd_id, name = claim(claims, self.opd_claim), claim(claims, self.name_claim)
        try:
            return Principal(
                nip=nip,
                role=role,
                opd_id=opd_id if isinstance(opd_id, str) and opd_id else None,
                name=name if isinstance(name, str) and name else None,
            )
        except ValidationError as exc:
            raise InvalidToken(f"bad claims: {exc}") from exc


def claim(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``claims`` (``realm_access.roles``), else None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


_VERIFIERS: dict[tuple[Any, ...], OidcVerifier] = {}
_VERIFIERS_LOCK = threading.Lock()


def oidc_verifier(settings: Settings) -> OidcVerifier | None:
    """The process's verifier of the provider ``settings`` configure (None when none is):
    one per provider configuration, so its key set is fetched once for every request."""
    if not settings.oidc_configured:
        return None
    identity = (
        settings.oidc_issuer,
        settings.oidc_jwks_url,
        settings.oidc_audience,
        settings.oidc_algorithms,
        settings.oidc_clock_skew_s,
        settings.jwt_max_lifetime_h,
        settings.oidc_nip_claim,
        settings.oidc_roles_claim,
        settings.oidc_role_map,
        settings.oidc_opd_claim,
        settings.oidc_name_claim,
        settings.oidc_jwks_cache_s,
        settings.oidc_jwks_min_refresh_s,
        settings.oidc_jwks_timeout_s,
    )
    verifier = _VERIFIERS.get(identity)
    if verifier is None:
        with _VERIFIERS_LOCK:
            verifier = _VERIFIERS.get(identity)
            if verifier is None:
                verifier = _VERIFIERS[identity] = OidcVerifier(settings)
    return verifier
