"""Kafka topics of the contract, what travels on each, and how records are keyed.

Key rule (the same on every event topic): the record key is the envelope's ``subject`` NIP,
UTF-8 encoded. Kafka only orders records within a partition, so keying by employee gives
per-employee ordering — an employee's check-in is always seen after their registration and
before their check-out — while different employees are processed in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.envelope import Envelope
from schemas.events import EVENT_TYPES, event_class
from schemas.topic_names import (
    ACCESS,
    ATTENDANCE,
    DEAD_LETTER,
    DEVICES,
    GEOFENCES,
    LOCATIONS,
    POLICIES,
    REPORTS,
    REQUESTS,
    ROSTER,
    SUMMARIES,
)

__all__ = [
    "ACCESS",
    "ATTENDANCE",
    "DEAD_LETTER",
    "DEAD_LETTER_TOPIC",
    "DEFAULT_PARTITIONS",
    "DEVICES",
    "EVENT_TOPICS",
    "GEOFENCES",
    "LOCATIONS",
    "POLICIES",
    "REPORTS",
    "REQUESTS",
    "RESTRICTED_TOPICS",
    "ROSTER",
    "SUMMARIES",
    "TOPICS",
    "TopicSpec",
    "partition_key",
    "topic_for",
]

DEFAULT_PARTITIONS = 6
"""Partitions per topic: the ceiling on consumer parallelism within one consumer group."""

_SUBJECT_KEY = "subject NIP (18 ASCII digits, UTF-8): per-employee ordering"


@dataclass(frozen=True)
class TopicSpec:
    """One Kafka topic of the contract."""

    name: str
    """Topic name, e.g. ``wfa.requests.v1``."""
    description: str
    """What the topic carries, in one or two sentences."""
    key: str
    """Human description of the record key."""
    partitions: int = DEFAULT_PARTITIONS
    """Number of partitions to create the topic with."""
    event_types: tuple[str, ...] = field(default=())
    """Event types published on the topic (empty for the dead-letter topic)."""
    restricted: bool = False
    """Holds personal data read only by its owner and their supervisor of record, kept only
    for the retention period (``retention.ms``) and purged after it; never archived."""

    @property
    def short_name(self) -> str:
        """The middle part of the name (``wfa.<short_name>.v1``), used as AsyncAPI channel id."""
        return self.name.split(".")[1]


def _event_types_on(topic: str) -> tuple[str, ...]:
    return tuple(name for name, cls in EVENT_TYPES.items() if cls.topic == topic)


EVENT_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        name=ROSTER,
        description=(
            "Employee master data and disciplinary sanctions, produced by the roster import."
        ),
        key=_SUBJECT_KEY,
        event_types=_event_types_on(ROSTER),
    ),
    TopicSpec(
        name=POLICIES,
        description=(
            "Versions of each OPD's WFA policy, set by BKD/BKPSDM admins, and the readiness "
            "assessments (infrastructure, connectivity) of OPDs and their work units."
        ),
        key=(
            "subject NIP of the publishing or assessing official (UTF-8); policy versions are "
            "ordered by number, assessments by the day assessed"
        ),
        event_types=_event_types_on(POLICIES),
    ),
    TopicSpec(
        name=REQUESTS,
        description="WFA requests and their lifecycle: approval, rejection, cancellation.",
        key=_SUBJECT_KEY,
        event_types=_event_types_on(REQUESTS),
    ),
    TopicSpec(
        name=ATTENDANCE,
        description=(
            "Presence signals as derived facts (check-ins, check-outs, location pings, device "
            "heartbeats: the geofence met or not, the distance band, a coarse cell, never a "
            "precise coordinate) and the anomalies detected in them."
        ),
        key=_SUBJECT_KEY,
        event_types=_event_types_on(ATTENDANCE),
    ),
    TopicSpec(
        name=LOCATIONS,
        description=(
            "RESTRICTED. Precise positions of presence signals (LocationRecorded). Kept for the "
            "retention period (90 days by default) by retention.ms and purged after it; read "
            "only by the employee and their supervisor of record, every other read logged on "
            "the access topic. Never archived."
        ),
        key=_SUBJECT_KEY,
        event_types=_event_types_on(LOCATIONS),
        restricted=True,
    ),
    TopicSpec(
        name=DEVICES,
        description="Device registrations: which device each employee checks in from.",
        key=_SUBJECT_KEY,
        event_types=_event_types_on(DEVICES),
    ),
    TopicSpec(
        name=GEOFENCES,
        description="Office geofences per OPD or work unit, set by BKD/BKPSDM admins.",
        key="subject NIP of the admin who set it (UTF-8); one partition keeps changes in order",
        partitions=1,
        event_types=_event_types_on(GEOFENCES),
    ),
    TopicSpec(
        name=ACCESS,
        description=(
            "Reads of personal data by anyone but its owner: who read whose data, what, when "
            "and through which route."
        ),
        key="subject NIP of the employee whose data was read (UTF-8)",
        event_types=_event_types_on(ACCESS),
    ),
    TopicSpec(
        name=REPORTS,
        description="Daily work reports against the targets of the WFA work plan.",
        key=_SUBJECT_KEY,
        event_types=_event_types_on(REPORTS),
    ),
    TopicSpec(
        name=SUMMARIES,
        description=(
            "Monthly per-employee summaries of attendance, WFA days, outputs and anomalies, "
            "for the performance allowance (TPP) apps; the latest per NIP and month counts."
        ),
        key=_SUBJECT_KEY,
        event_types=_event_types_on(SUMMARIES),
    ),
)
"""The topics events are published on."""

DEAD_LETTER_TOPIC = TopicSpec(
    name=DEAD_LETTER,
    description=(
        "Records a consumer could not decode. The value is the original record value byte for "
        "byte; the reason and origin are in the dlq_reason, dlq_source_topic, dlq_partition and "
        "dlq_offset headers."
    ),
    key="original record key, unchanged (empty if the original record had none)",
)
"""Where undecodable records are parked for inspection and replay."""

TOPICS: tuple[TopicSpec, ...] = (*EVENT_TOPICS, DEAD_LETTER_TOPIC)
"""Every topic of the contract: the event topics plus the dead-letter topic."""

RESTRICTED_TOPICS: frozenset[str] = frozenset(spec.name for spec in TOPICS if spec.restricted)
"""Topics holding precise personal data: never archived, purged after the retention period."""


def topic_for(event_type: str) -> str:
    """Return the topic an event type is published on; raise ``UnknownEventType`` if unknown."""
    return event_class(event_type).topic


def partition_key(envelope: Envelope) -> bytes:
    """Return the Kafka record key of an envelope: its subject NIP, UTF-8 encoded."""
    return envelope.subject.encode("utf-8")
