"""Pure mapping from an event to its archive row (no I/O)."""

from __future__ import annotations

import hashlib

from kernel.projection_rows import Position, TableRows
from schemas.serialization import DecodedEvent
from schemas.topics import EVENT_TOPICS, RESTRICTED_TOPICS

SEALED = "@sealed"
"""The mark of each archived event, handed to the sealer once its row is written:
(topic, partition, offset, event_id, sha256)."""


def archived_topics() -> list[str]:
    """The topics audit archives: every event topic except the restricted ones.

    Restricted topics (precise locations) are kept only for their retention period and then
    purged; an archive kept forever must never hold a copy. The access log, devices and
    geofences are archived like every other event topic.
    """
    return [spec.name for spec in EVENT_TOPICS if spec.name not in RESTRICTED_TOPICS]


def archive_row(event: DecodedEvent, position: Position, raw: bytes) -> TableRows:
    """Archive the bytes exactly as they were on the log (before any upcasting).

    ``schema_version`` is the payload's current version, the one its typed form was read at.
    """
    envelope = event.envelope
    if position.topic in RESTRICTED_TOPICS:  # never subscribed; refused here as well
        return []
    digest = hashlib.sha256(raw).hexdigest()
    return [
        (
            "event_archive",
            {
                "event_id": envelope.event_id,
                "type": envelope.type,
                "schema_version": event.schema_version,
                "subject": envelope.subject,
                "opd_id": envelope.opd_id,
                "actor": envelope.actor,
                "correlation_id": envelope.correlation_id,
                "causation_id": envelope.causation_id,
                "occurred_at": envelope.occurred_at,
                "recorded_at": envelope.recorded_at,
                **position.columns(),
                "sha256": digest,
                "raw": raw.decode("utf-8", errors="replace"),
            },
        ),
        (
            SEALED,
            {
                "topic": position.topic,
                "partition": position.partition,
                "offset": position.offset,
                "event_id": envelope.event_id,
                "sha256": digest,
            },
        ),
    ]
