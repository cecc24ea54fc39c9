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
``REPORT_DEADLINE_DAYS``  days after the work day a daily report may still be submitted (5)
``KAFKA_GROUP_ID``    consumer group of this service's faust worker, default ``wfa-<service>``;
                      a new group id replays the whole log into a fresh projection; for
                      eligibility it also names the decider's state and its commands topic
                      (``<group>.commands.v1``), so keep it stable in production
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The development signing secret. Refused outside development and test.
DEV_JWT_SECRET = "wfa-development-secret-change-me-0123456789"

ServiceName = Literal["eligibility", "attendance", "detector", "reporting", "audit", "web"]


class Settings(BaseSettings):
    """Settings of one service process."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

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
