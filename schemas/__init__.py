"""The WFA event contract: the single source of truth shared by services and outside apps.

- :mod:`schemas.envelope` — the envelope every event travels in, and how to create one.
- :mod:`schemas.events` — the event payloads and value objects, and the ``EVENT_TYPES`` registry.
- :mod:`schemas.limits` — the bounds of every string, list, number and date of the contract.
- :mod:`schemas.topics` — Kafka topics and the partition-key rule.
- :mod:`schemas.upcasting` — the one mapper bringing old payload versions forward.
- :mod:`schemas.serialization` — the only place events become bytes and back.
- :mod:`schemas.generate` — writes the JSON Schemas, AsyncAPI document and README
  (``python -m schemas.generate [--check]``).
"""

from __future__ import annotations

from schemas.envelope import Envelope, decode_payload, new_event, new_ulid
from schemas.events import (
    EVENT_TYPES,
    CheckedIn,
    CheckedOut,
    DailyReportSubmitted,
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EligibilityDecision,
    EmployeeRegistered,
    EmployeeUpdated,
    EventPayload,
    GeoPoint,
    Nip,
    OpdPolicyPublished,
    ReportOutput,
    RuleOutcome,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
    WorkTarget,
    event_class,
)
from schemas.exceptions import MalformedEvent, UnknownEventType, UpcastError
from schemas.serialization import (
    KafkaRecord,
    dead_letter_record,
    decode_event,
    decode_json,
    encode_json,
    envelope_from_bytes,
    to_record,
)
from schemas.topics import (
    ATTENDANCE,
    DEAD_LETTER,
    EVENT_TOPICS,
    POLICIES,
    REPORTS,
    REQUESTS,
    ROSTER,
    TOPICS,
    TopicSpec,
    partition_key,
    topic_for,
)
from schemas.upcasting import UPCASTERS, upcast
from schemas.version import CONTRACT_VERSION

__all__ = [
    "ATTENDANCE",
    "CONTRACT_VERSION",
    "DEAD_LETTER",
    "EVENT_TOPICS",
    "EVENT_TYPES",
    "POLICIES",
    "REPORTS",
    "REQUESTS",
    "ROSTER",
    "TOPICS",
    "UPCASTERS",
    "CheckedIn",
    "CheckedOut",
    "DailyReportSubmitted",
    "DisciplinarySanctionImposed",
    "DisciplinarySanctionLifted",
    "EligibilityDecision",
    "EmployeeRegistered",
    "EmployeeUpdated",
    "Envelope",
    "EventPayload",
    "GeoPoint",
    "KafkaRecord",
    "MalformedEvent",
    "Nip",
    "OpdPolicyPublished",
    "ReportOutput",
    "RuleOutcome",
    "TopicSpec",
    "UnknownEventType",
    "UpcastError",
    "WfaActionRefused",
    "WfaApproved",
    "WfaCancelled",
    "WfaRejected",
    "WfaRequested",
    "WorkTarget",
    "dead_letter_record",
    "decode_event",
    "decode_json",
    "decode_payload",
    "encode_json",
    "envelope_from_bytes",
    "event_class",
    "new_event",
    "new_ulid",
    "partition_key",
    "to_record",
    "topic_for",
    "upcast",
]
