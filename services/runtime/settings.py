"""Service configuration from the environment (pydantic-settings).

Environment variables (all optional in development):

``SERVICE_NAME``      which service this process is (eligibility, attendance, reporting, audit,
                      web)
``WFA_ENV``           development | test | production
``KAFKA_BOOTSTRAP``   comma-separated ``host:port`` list, default ``127.0.0.1:9092``
``CLICKHOUSE_URL``    ``http(s)://user:password@host:port`` of a ClickHouse server; when unset the
                      embedded chDB engine is used with one data path per service
``WFA_DATA_DIR``      root of local data (chDB paths, faust state), default ``var/data``
``JWT_SECRET``        HMAC secret for bearer tokens; must be set to a real secret in production
``TOPIC_PARTITIONS``  partitions for the event topics this service creates, default 6
``KAFKA_PUBLISH_TIMEOUT_S``  how long a write waits for Kafka before answering 503 (5)
``MAX_BODY_BYTES``    largest request body accepted, default 256 KiB (413 above)
``JWT_MAX_LIFETIME_HOURS``  longest token lifetime accepted (exp - iat), default 24
``ACCESS_LOG``        off | sampled (errors and 1% of successes) | all; never query strings
``LOG_FORMAT``        json (default: one JSON object a line) | console (human-readable lines)
``LOG_LEVEL``         the logs' level, default INFO
``TRACING``           off (default) | console (spans in the log) | otlp (to
                      ``OTEL_EXPORTER_OTLP_ENDPOINT``); see :mod:`services.runtime.tracing`
``REPORT_DEADLINE_DAYS``  days after the work day a daily report may still be submitted (5)
``KAFKA_GROUP_ID``    consumer group of this service's faust worker, default ``wfa-<service>``;
                      a new group id replays the whole log into a fresh projection; for
                      eligibility it also names the decider's state and its commands topic
                      (``<group>.commands.v1``), so keep it stable in production
``OIDC_ISSUER``, ``OIDC_JWKS_URL``, ``OIDC_AUDIENCE``  the OpenID Connect provider whose
                      RS256/EdDSA tokens are accepted (then HS256 tokens are refused); the
                      claims and roles they carry: ``OIDC_NIP_CLAIM``, ``OIDC_ROLES_CLAIM``,
                      ``OIDC_ROLE_MAP``, ``OIDC_OPD_CLAIM``; ``OIDC_CLOCK_SKEW_S``
``KAFKA_SECURITY_PROTOCOL``  PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL, with
                      ``KAFKA_SASL_MECHANISM`` (SCRAM-SHA-256 | SCRAM-SHA-512 | PLAIN),
                      ``KAFKA_SASL_USERNAME``, ``KAFKA_SASL_PASSWORD``, ``KAFKA_SSL_CA_FILE``,
                      ``KAFKA_SSL_CERT_FILE``, ``KAFKA_SSL_KEY_FILE`` (client certificate,
                      optional) and ``KAFKA_SSL_CHECK_HOSTNAME`` (true); every Kafka client
                      gets them from :func:`services.runtime.kafka.security.client_security`
``CLICKHOUSE_USER``, ``CLICKHOUSE_PASSWORD``, ``CLICKHOUSE_VERIFY``, ``CLICKHOUSE_CA_FILE``
                      the ClickHouse server's credentials (they override the URL's) and TLS
``RATE_LIMITS``       per caller and route family, ``reads=1200/60,writes=600/60,auth=120/60``;
                      ``off``; unset: off in development and test, those values in production
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The development signing secret. Refused outside development and test.
DEV_JWT_SECRET = "wfa-development-secret-change-me-0123456789"

ServiceName = Literal["eligibility", "attendance", "detector", "reporting", "audit", "web"]

#: the WFA roles a provider's roles or groups can map to, the first held winning by default
ROLE_NAMES = ("system", "ops", "auditor", "admin_bkd", "kepala_opd", "atasan", "asn")
#: the signature algorithms a provider's tokens may use (never HMAC, never none)
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
#: the route families a rate limit applies to (see services.runtime.edge.rate_limit)
RATE_LIMIT_FAMILIES = ("reads", "writes", "auth")
#: the limits in production when RATE_LIMITS is unset: per caller, N requests per S seconds
PRODUCTION_RATE_LIMITS = "reads=1200/60,writes=600/60,auth=120/60"


#: secrets production refuses whatever the setting: empty, short, or one of these words
PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "password", "secret", "wfa", "wfa-secret", "admin", "default"}
)


def looks_like_placeholder(secret: str) -> bool:
    """Whether ``secret`` is empty, shorter than 12 characters, a known placeholder or says
    to change it (``...change-me...``)."""
    lowered = secret.strip().lower()
    return (
        len(lowered) < 12
        or lowered in PLACEHOLDER_SECRETS
        or "change-me" in lowered
        or "changeme" in lowered
        or "replace-me" in lowered
        or lowered.startswith("dev-")
    )


def parse_rate_limits(text: str) -> dict[str, tuple[int, float]]:
    """``reads=1200/60,writes=600/60`` as ``{"reads": (1200, 60.0), ...}``; ``off`` or an
    empty text: no limits. A malformed value raises ValueError."""
    text = text.strip()
    if text.lower() in ("", "off", "none"):
        return {}
    rules: dict[str, tuple[int, float]] = {}
    for item in text.split(","):
        family, _, rule = item.strip().partition("=")
        count, _, seconds = rule.partition("/")
        try:
            limit, window = int(count), float(seconds)
        except ValueError:
            limit, window = 0, 0.0
        if family not in RATE_LIMIT_FAMILIES or limit < 1 or not 0 < window <= 86_400:
            raise ValueError(
                f"RATE_LIMITS: {item.strip()!r} is not <family>=<requests>/<seconds> with a "
                f"family among {', '.join(RATE_LIMIT_FAMILIES)}"
            )
        rules[family] = (limit, window)
    return rules


class Settings(BaseSettings):
    """Settings of one service process."""

    # a refused setting's error never quotes the values given (secrets among them)
    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    service_name: ServiceName = Field(
        "eligibility", validation_alias="SERVICE_NAME", description="Which service this is."
    )
    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="WFA_ENV"
    )
    kafka_bootstrap: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP")
    clickhouse_url: str | None = Field(None, validation_alias="CLICKHOUSE_URL")
    data_dir: Path = Field(Path("var/data"), validation_alias="WFA_DATA_DIR")
    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET), validation_alias="JWT_SECRET")
    jwt_issuer: str = Field("wfa-platform", validation_alias="JWT_ISSUER")
    kafka_group_id: str | None = Field(None, validation_alias="KAFKA_GROUP_ID")
    topic_partitions: int = Field(6, ge=1, validation_alias="TOPIC_PARTITIONS")
    topic_replication: int = Field(1, ge=1, validation_alias="TOPIC_REPLICATION")
    projector_batch_size: int = Field(5000, ge=1, validation_alias="PROJECTOR_BATCH_SIZE")
    projector_batch_seconds: float = Field(0.5, gt=0, validation_alias="PROJECTOR_BATCH_SECONDS")
    kafka_publish_timeout_s: float = Field(
        5.0,
        gt=0,
        le=120,
        validation_alias="KAFKA_PUBLISH_TIMEOUT_S",
        description="How long a write waits for Kafka before answering 503.",
    )
    kafka_linger_ms: int = Field(5, ge=0, le=1000, validation_alias="KAFKA_LINGER_MS")
    kafka_batch_bytes: int = Field(
        256 * 1024, ge=16 * 1024, le=4 * 1024 * 1024, validation_alias="KAFKA_BATCH_BYTES"
    )
    max_body_bytes: int = Field(
        256 * 1024,
        ge=1024,
        validation_alias="MAX_BODY_BYTES",
        description="Largest request body accepted (413 above); some routes allow more.",
    )
    jwt_max_lifetime_h: float = Field(
        24.0,
        gt=0,
        validation_alias="JWT_MAX_LIFETIME_HOURS",
        description="Tokens whose exp - iat exceeds this are refused.",
    )
    access_log: Literal["off", "sampled", "all"] = Field(
        "sampled",
        validation_alias="ACCESS_LOG",
        description="off; sampled (every error, 1% of successes); all. Never query strings.",
    )
    log_format: Literal["json", "console"] = Field(
        "json",
        validation_alias="LOG_FORMAT",
        description="json: one JSON object a line (default); console: human-readable lines.",
    )
    tracing: Literal["off", "console", "otlp"] = Field(
        "off",
        validation_alias="TRACING",
        description=(
            "OpenTelemetry traces: off (default); console: each span a line of the log; "
            "otlp: exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT."
        ),
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        None,
        validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT",
        description="The collector's OTLP/HTTP address (http://collector:4318) for TRACING=otlp.",
    )
    idempotency_retention_h: float = Field(
        48.0, gt=0, validation_alias="IDEMPOTENCY_RETENTION_HOURS"
    )
    report_deadline_days: int = Field(
        5,
        ge=0,
        le=60,
        validation_alias="REPORT_DEADLINE_DAYS",
        description=(
            "Days after the work day (or after the day it was returned) during which a daily "
            "report may still be submitted, in the OPD's local time."
        ),
    )
    location_retention_days: float = Field(
        90.0,
        gt=0,
        le=3650,
        validation_alias="LOCATION_RETENTION_DAYS",
        description=(
            "How long precise locations are kept (UU PDP): retention.ms of the restricted "
            "topics, and the age past which the purge deletes them. Fractions allowed."
        ),
    )

    audit_signing_key: SecretStr = Field(
        SecretStr(""),
        validation_alias="AUDIT_SIGNING_KEY",
        description=(
            "Ed25519 private key that signs the audit log's checkpoints: the standard base64 of "
            "its 32 raw bytes (`python -m services.audit.keys generate`). Empty in development "
            "and test means the published development key; production refuses an empty value, "
            "a placeholder or the development key."
        ),
    )
    audit_log_origin: str = Field(
        "wfa-platform/audit",
        min_length=1,
        max_length=200,
        validation_alias="AUDIT_LOG_ORIGIN",
        description="The origin line of every signed checkpoint: names the log.",
    )
    audit_seal_events: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        validation_alias="AUDIT_SEAL_EVENTS",
        description="A block of the audit log is sealed once this many events wait.",
    )
    audit_seal_seconds: float = Field(
        5.0,
        gt=0,
        le=86_400,
        validation_alias="AUDIT_SEAL_SECONDS",
        description="...or once the oldest waiting event has waited this long.",
    )

    # --- Kafka authentication and encryption (see services.runtime.kafka.security) ---------
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT",
        validation_alias="KAFKA_SECURITY_PROTOCOL",
        description="How every Kafka client connects: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL.",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = Field(
        "SCRAM-SHA-256", validation_alias="KAFKA_SASL_MECHANISM"
    )
    kafka_sasl_username: str | None = Field(None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr = Field(SecretStr(""), validation_alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_ca_file: Path | None = Field(
        None,
        validation_alias="KAFKA_SSL_CA_FILE",
        description="PEM file of the CA the brokers' certificates are checked against.",
    )
    kafka_ssl_cert_file: Path | None = Field(None, validation_alias="KAFKA_SSL_CERT_FILE")
    kafka_ssl_key_file: Path | None = Field(None, validation_alias="KAFKA_SSL_KEY_FILE")
    kafka_ssl_key_password: SecretStr = Field(
        SecretStr(""), validation_alias="KAFKA_SSL_KEY_PASSWORD"
    )
    kafka_ssl_check_hostname: bool = Field(True, validation_alias="KAFKA_SSL_CHECK_HOSTNAME")

    # --- ClickHouse server credentials and TLS (see services.runtime.store.server_store) -----
    clickhouse_user: str | None = Field(
        None,
        validation_alias="CLICKHOUSE_USER",
        description="The ClickHouse user (overrides the one in CLICKHOUSE_URL).",
    )
    clickhouse_password: SecretStr = Field(
        SecretStr(""),
        validation_alias="CLICKHOUSE_PASSWORD",
        description="The ClickHouse password (overrides the one in CLICKHOUSE_URL).",
    )
    clickhouse_verify: bool = Field(
        True,
        validation_alias="CLICKHOUSE_VERIFY",
        description="Check the server's certificate on an https:// CLICKHOUSE_URL.",
    )
    clickhouse_ca_file: Path | None = Field(None, validation_alias="CLICKHOUSE_CA_FILE")

    # --- OpenID Connect bearer tokens (see services.runtime.edge.oidc) -----------------------
    oidc_issuer: str | None = Field(
        None,
        validation_alias="OIDC_ISSUER",
        description=(
            "The identity provider's issuer (the tokens' `iss`). Set: bearer tokens are "
            "RS256/EdDSA tokens of that provider, and the development HS256 signer is refused."
        ),
    )
    oidc_jwks_url: str | None = Field(
        None,
        validation_alias="OIDC_JWKS_URL",
        description="The provider's JWKS (Keycloak: <issuer>/protocol/openid-connect/certs).",
    )
    oidc_audience: str | None = Field(
        None,
        validation_alias="OIDC_AUDIENCE",
        description="The audience a token must name (`aud`); several separated by commas.",
    )
    oidc_algorithms: str = Field(
        "RS256,EdDSA",
        validation_alias="OIDC_ALGORITHMS",
        description="The signature algorithms accepted, comma-separated (asymmetric only).",
    )
    oidc_clock_skew_s: float = Field(
        30.0,
        ge=0,
        le=300,
        validation_alias="OIDC_CLOCK_SKEW_S",
        description="Clock skew tolerated on exp, nbf and iat, in seconds.",
    )
    oidc_nip_claim: str = Field(
        "nip", min_length=1, validation_alias="OIDC_NIP_CLAIM", description="The NIP's claim."
    )
    oidc_roles_claim: str = Field(
        "realm_access.roles,groups",
        min_length=1,
        validation_alias="OIDC_ROLES_CLAIM",
        description="Claims (dotted paths, comma-separated) holding the caller's roles/groups.",
    )
    oidc_role_map: str = Field(
        "",
        validation_alias="OIDC_ROLE_MAP",
        description=(
            'Provider role or group -> WFA role, as JSON ({"/bkd/admin": "admin_bkd"}); the '
            "first entry the token holds gives the role. Empty: the WFA role names themselves."
        ),
    )
    oidc_opd_claim: str = Field(
        "opd_id", min_length=1, validation_alias="OIDC_OPD_CLAIM", description="The OPD's claim."
    )
    oidc_name_claim: str = Field(
        "name", min_length=1, validation_alias="OIDC_NAME_CLAIM", description="The name's claim."
    )
    oidc_jwks_cache_s: float = Field(
        300.0,
        gt=0,
        le=86_400,
        validation_alias="OIDC_JWKS_CACHE_S",
        description="How long the provider's key set is used before it is fetched again.",
    )
    oidc_jwks_min_refresh_s: float = Field(
        30.0,
        ge=0,
        le=3600,
        validation_alias="OIDC_JWKS_MIN_REFRESH_S",
        description="Least time between two fetches caused by a token of an unknown key id.",
    )
    oidc_jwks_timeout_s: float = Field(5.0, gt=0, le=60, validation_alias="OIDC_JWKS_TIMEOUT_S")

    # --- rate limits (see services.runtime.edge.rate_limit) ----------------------------------
    rate_limits: str | None = Field(
        None,
        validation_alias="RATE_LIMITS",
        description=(
            "Requests a caller may make per route family: `reads=1200/60,writes=600/60,"
            "auth=120/60` (N requests per S seconds); `off` for none. Unset: off in "
            "development and test, PRODUCTION_RATE_LIMITS in production."
        ),
    )

    @property
    def location_retention_ms(self) -> int:
        return max(1, round(self.location_retention_days * 86_400_000))

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        secret = self.jwt_secret.get_secret_value()
        if self.environment == "production" and (secret == DEV_JWT_SECRET or len(secret) < 32):
            raise ValueError(
                "JWT_SECRET must be set to a real secret of at least 32 characters in production"
            )
        return self

    @model_validator(mode="after")
    def _check_kafka_and_clickhouse_credentials(self) -> Settings:
        sasl = self.kafka_security_protocol.startswith("SASL_")
        password = self.kafka_sasl_password.get_secret_value()
        if sasl and not (self.kafka_sasl_username and password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        if (self.kafka_ssl_cert_file is None) != (self.kafka_ssl_key_file is None):
            raise ValueError("KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together")
        if self.environment != "production":
            return self
        if sasl and looks_like_placeholder(password):
            raise ValueError(
                "KAFKA_SASL_PASSWORD must be set to a real secret of at least 12 characters "
                "in production"
            )
        if (
            self.kafka_security_protocol == "SASL_PLAINTEXT"
            and self.kafka_sasl_mechanism == "PLAIN"
        ):
            raise ValueError(
                "KAFKA_SASL_MECHANISM=PLAIN over SASL_PLAINTEXT sends the password "
                "in clear: use SCRAM or SASL_SSL in production"
            )
        if self.clickhouse_url:
            url_password = unquote(urlparse(self.clickhouse_url).password or "")
            ch_password = self.clickhouse_password.get_secret_value() or url_password
            if looks_like_placeholder(ch_password):
                raise ValueError(
                    "CLICKHOUSE_PASSWORD (or the password in CLICKHOUSE_URL) must be set to a "
                    "real secret of at least 12 characters in production"
                )
        return self

    @model_validator(mode="after")
    def _check_oidc_and_rate_limits(self) -> Settings:
        if self.oidc_issuer:
            if not self.oidc_jwks_url or not self.oidc_audiences:
                raise ValueError("OIDC_ISSUER needs OIDC_JWKS_URL and OIDC_AUDIENCE as well")
            scheme = self.oidc_jwks_url.split("://", 1)[0].lower()
            if scheme not in ("http", "https") or (
                self.environment == "production" and scheme != "https"
            ):
                raise ValueError(
                    "OIDC_JWKS_URL must be an https:// URL (http:// outside production)"
                )
            refused = [a for a in self.oidc_algorithm_list if a not in OIDC_ALGORITHMS]
            if refused or not self.oidc_algorithm_list:
                raise ValueError(
                    f"OIDC_ALGORITHMS: {', '.join(refused) or 'none'} not accepted; "
                    f"choose among {', '.join(OIDC_ALGORITHMS)}"
                )
        unknown = sorted(set(self.oidc_roles.values()) - set(ROLE_NAMES))
        if unknown:
            raise ValueError(
                f"OIDC_ROLE_MAP maps to {', '.join(unknown)}: not WFA roles "
                f"({', '.join(ROLE_NAMES)})"
            )
        self.rate_limit_rules  # noqa: B018 -- parsed now, so a bad value stops the start
        return self

    @property
    def oidc_configured(self) -> bool:
        """Whether bearer tokens come from an OpenID Connect provider (HS256 refused)."""
        return bool(self.oidc_issuer)

    @property
    def oidc_roles(self) -> dict[str, str]:
        """``OIDC_ROLE_MAP`` read: provider role or group -> WFA role, in order."""
        if not self.oidc_role_map.strip():
            return {role: role for role in ROLE_NAMES}
        try:
            roles = json.loads(self.oidc_role_map)
        except ValueError as exc:
            raise ValueError(f"OIDC_ROLE_MAP is not JSON: {exc}") from exc
        if not isinstance(roles, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in roles.items()
        ):
            raise ValueError('OIDC_ROLE_MAP must be a JSON object of strings: {"group": "role"}')
        return roles

    @property
    def oidc_algorithm_list(self) -> list[str]:
        return [a.strip() for a in self.oidc_algorithms.split(",") if a.strip()]

    @property
    def oidc_audiences(self) -> list[str]:
        return [a.strip() for a in (self.oidc_audience or "").split(",") if a.strip()]

    @property
    def rate_limit_rules(self) -> dict[str, tuple[int, float]]:
        """Each limited route family: (requests, per seconds). Empty: no limits."""
        text = self.rate_limits
        if text is None:
            text = PRODUCTION_RATE_LIMITS if self.environment == "production" else "off"
        return parse_rate_limits(text)

    @property
    def kafka_servers(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()]

    @property
    def group_id(self) -> str:
        return self.kafka_group_id or f"wfa-{self.service_name}"

    @property
    def idempotency_topic(self) -> str:
        """Compacted topic of this service's idempotency ledger."""
        return f"{self.group_id}.idempotency.v1"

    @property
    def commands_topic(self) -> str:
        """Internal topic of commands addressed to this service's consumer group."""
        return f"{self.group_id}.commands.v1"

    @property
    def database(self) -> str:
        """The ClickHouse database this service owns."""
        return f"wfa_{self.service_name}"

    @property
    def service_data_dir(self) -> Path:
        return self.data_dir / self.service_name
