from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.runtime.edge.identity import InvalidToken, Principal, Role, mint_token, verify_token
from services.runtime.settings import DEV_JWT_SECRET, Settings

NIP = "199001012015031001"


def test_token_round_trips_role_nip_and_opd() -> None:
    principal = Principal(nip=NIP, role=Role.ATASAN, opd_id="bappeda")
    token = mint_token(principal, "s" * 40, issuer="wfa-platform")
    assert verify_token(token, "s" * 40, issuer="wfa-platform") == principal


def test_forged_expired_and_foreign_tokens_are_refused() -> None:
    principal = Principal(nip=NIP, role=Role.ASN)
    with pytest.raises(InvalidToken):
        verify_token(
            mint_token(principal, "a" * 40, issuer="wfa-platform"), "b" * 40, issuer="wfa-platform"
        )
    with pytest.raises(InvalidToken):
        verify_token(
            mint_token(principal, "a" * 40, issuer="wfa-platform", ttl=timedelta(seconds=-1)),
            "a" * 40,
            issuer="wfa-platform",
        )
    with pytest.raises(InvalidToken):
        verify_token(
            mint_token(principal, "a" * 40, issuer="other"), "a" * 40, issuer="wfa-platform"
        )


def test_principal_needs_an_18_digit_nip_or_a_system_id() -> None:
    with pytest.raises(ValidationError):
        Principal(nip="12345", role=Role.ASN)
    assert Principal(nip="system:simpeg", role=Role.SYSTEM).nip == "system:simpeg"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(WFA_ENV="production", JWT_SECRET=DEV_JWT_SECRET)  # type: ignore[call-arg]
    ok = Settings(WFA_ENV="production", JWT_SECRET="x" * 48)  # type: ignore[call-arg]
    assert ok.environment == "production"


def test_each_service_owns_its_database_and_data_path() -> None:
    s = Settings(SERVICE_NAME="reporting", KAFKA_BOOTSTRAP="a:9092, b:9092")  # type: ignore[call-arg]
    assert s.database == "wfa_reporting"
    assert s.service_data_dir.name == "reporting"
    assert s.kafka_servers == ["a:9092", "b:9092"]
    assert s.group_id == "wfa-reporting"
