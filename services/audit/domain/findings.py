"""What verification of the sealed log reports: the kinds of finding, their texts in Bahasa
Indonesia and English (from the audit catalog: ``finding.<kind>`` says what went wrong,
``finding_reason.<reason>`` why), and the report with its totals (pure; no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.audit.messages import MESSAGES


class Kind(StrEnum):
    """What a finding says went wrong."""

    BAD_SIGNATURE = "bad_signature"
    BROKEN_CHAIN = "broken_chain"
    MANIFEST_ALTERED = "manifest_altered"
    ALTERED = "altered"
    DELETED = "deleted"
    REORDERED = "reordered"
    INSERTED = "inserted"
    MISSING_ON_KAFKA = "missing_on_kafka"
    GONE_BY_RETENTION = "gone_by_retention"
    DIFFERS_ON_KAFKA = "differs_on_kafka"


@dataclass(frozen=True)
class Finding:
    """One thing verification found wrong, naming the block and, where it can, the event."""

    kind: Kind
    block: int | None = None
    reason: str = ""
    detail: str = ""
    event_id: str | None = None
    other_event_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def where(self) -> str:
        if self.topic is None:
            return "-"
        return f"{self.topic}/{self.partition}@{self.offset}"

    def message(self, lang: str = "id") -> str:
        """The finding in Bahasa Indonesia (``id``) or English (``en``)."""
        pick = 0 if lang == "id" else 1
        reason_code = f"finding_reason.{self.reason}"
        reason = MESSAGES[reason_code][pick] if reason_code in MESSAGES else self.reason
        values = {
            "block": self.block,
            "event_id": self.event_id,
            "other_event_id": self.other_event_id,
            "where": self.where,
            "detail": self.detail,
        }
        template = MESSAGES[f"finding.{self.kind}"][pick]
        return template.format(reason=reason.format(**values), **values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "block": self.block,
            "event_id": self.event_id,
            "other_event_id": self.other_event_id,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "reason": self.reason,
            "message_id": self.message("id"),
            "message_en": self.message("en"),
        }


@dataclass
class Totals:
    blocks: int = 0
    leaves: int = 0
    checkpoints_verified: int = 0
    archive_rows: int = 0
    kafka_records: int = 0
    pending: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Report:
    findings: list[Finding]
    totals: Totals
    kafka: bool

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kafka": self.kafka,
            "totals": self.totals.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
        }
