"""Kafka and ClickHouse credentials from settings: the one helper every Kafka client uses, and
what production refuses. No I/O beyond a CA written to a temporary directory."""

from __future__ import annotations

import importlib.util
import ssl
from pathlib import Path
from types import ModuleType

import faust
import pytest
from pydantic import ValidationError

from services.runtime.kafka.security import broker_credentials, client_security
from services.runtime.settings import Settings, looks_like_placeholder

REPO = Path(__file__).resolve().parents[2]
REAL_JWT = "a-real-jwt-secret-of-more-than-32-characters-0001"


def _tls_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kafka_tls", REPO / "deploy" / "kafka" / "tls.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plaintext_by_default() -> None:
    settings = Settings()
    assert client_security(settings) == {"security_protocol": "PLAINTEXT"}
    assert broker_credentials(settings) is None


def test_sasl_ssl_gives_scram_credentials_and_a_context_trusting_the_ca(tmp_path: Path) -> None:
    _tls_module().main(["tls.py", str(tmp_path)])
    settings = Settings(
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        KAFKA_SASL_USERNAME="wfa",
        KAFKA_SASL_PASSWORD="s3cret-kafka-password",
        KAFKA_SSL_CA_FILE=str(tmp_path / "ca.pem"),
    )
    arguments = client_security(settings)
    assert arguments["security_protocol"] == "SASL_SSL"
    assert arguments["sasl_mechanism"] == "SCRAM-SHA-512"
    assert arguments["sasl_plain_username"] == "wfa"
    assert arguments["sasl_plain_password"] == "s3cret-kafka-password"
    context = arguments["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("organizationName", "WFA platform (local)"),), (("commonName", "WFA local Kafka CA"),))
    ]
    credentials = broker_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.ssl_context is context
    # the password is a secret: never in the settings' text nor the credentials' repr
    assert "s3cret-kafka-password" not in repr(settings) + str(settings) + repr(credentials)


def test_sasl_plaintext_has_no_context_and_ssl_has_no_sasl() -> None:
    sasl = client_security(
        Settings(
            KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
            KAFKA_SASL_USERNAME="wfa",
            KAFKA_SASL_PASSWORD="another-password",
        )
    )
    assert sasl["sasl_mechanism"] == "SCRAM-SHA-256" and "ssl_context" not in sasl
    tls = client_security(Settings(KAFKA_SECURITY_PROTOCOL="SSL"))
    assert tls["security_protocol"] == "SSL" and "sasl_mechanism" not in tls
    assert isinstance(tls["ssl_context"], ssl.SSLContext)


def test_sasl_needs_a_user_and_a_password() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        Settings(KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_SASL_USERNAME="wfa")
    with pytest.raises(ValidationError, match="go together"):
        Settings(KAFKA_SSL_CERT_FILE="client.pem")


@pytest.mark.parametrize("password", ["", "changeme", "wfa", "short", "please-change-me-now"])
def test_production_refuses_a_placeholder_kafka_password(password: str) -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_PASSWORD"):
        Settings(
            WFA_ENV="production",
            JWT_SECRET=REAL_JWT,
            KAFKA_SECURITY_PROTOCOL="SASL_SSL",
            KAFKA_SASL_USERNAME="wfa",
            KAFKA_SASL_PASSWORD=password or "x",
        )


def test_production_refuses_a_placeholder_clickhouse_password() -> None:
    with pytest.raises(ValidationError, match="CLICKHOUSE_PASSWORD"):
        Settings(WFA_ENV="production", JWT_SECRET=REAL_JWT, CLICKHOUSE_URL="http://wfa:wfa@ch:8123")
    with pytest.raises(ValidationError, match="CLICKHOUSE_PASSWORD"):
        Settings(
            WFA_ENV="production",
            JWT_SECRET=REAL_JWT,
            CLICKHOUSE_URL="https://ch:8443",
            CLICKHOUSE_USER="wfa",
            CLICKHOUSE_PASSWORD="REPLACE-ME",
        )
    accepted = Settings(
        WFA_ENV="production",
        JWT_SECRET=REAL_JWT,
        CLICKHOUSE_URL="https://ch:8443",
        CLICKHOUSE_USER="wfa",
        CLICKHOUSE_PASSWORD="a-real-clickhouse-password",
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_USERNAME="wfa",
        KAFKA_SASL_PASSWORD="a-real-kafka-password",
    )
    assert accepted.clickhouse_verify is True
    assert "a-real-clickhouse-password" not in repr(accepted)


def test_placeholders() -> None:
    assert looks_like_placeholder("CHANGE-ME-please-soon")
    assert looks_like_placeholder("REPLACE-ME")
    assert not looks_like_placeholder("Xq7-u2Lr9_pWm4Kt")


def test_a_refused_setting_never_quotes_the_secrets_given() -> None:
    given = {
        "WFA_ENV": "production",
        "JWT_SECRET": "short-jwt-secret-given",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_USERNAME": "wfa",
        "KAFKA_SASL_PASSWORD": "changeme",
        "CLICKHOUSE_URL": "http://wfa:ch-password-given@ch:8123",
    }
    with pytest.raises(ValidationError) as refused:
        Settings(**given)  # type: ignore[arg-type]
    text = str(refused.value) + repr(refused.value)
    assert "JWT_SECRET" in text  # says what is wrong...
    for secret in ("short-jwt-secret-given", "changeme", "ch-password-given"):
        assert secret not in text  # ...without quoting what was given
