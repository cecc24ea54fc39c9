"""The only place where events become bytes and bytes become events.

Producers call :func:`to_record` and hand the :class:`KafkaRecord` to their Kafka client.
Consumers call :func:`envelope_from_bytes` (or :func:`decode_event`) on every record value; any
contract violation surfaces as :class:`~schemas.exceptions.MalformedEvent`, whose ``reason``
goes into the dead-letter record built by :func:`dead_letter_record`. Projections, which only
read, call :func:`read_event`: the same checks, once, without re-serialising the payload.

Wire format: the record value is the envelope as compact UTF-8 JSON; the key is the subject NIP
(see :func:`schemas.topics.partition_key`); headers repeat the routing metadata so that tools can
filter without parsing the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from schemas.envelope import Envelope
from schemas.events import EventPayload, event_class
from schemas.exceptions import MalformedEvent, UnknownEventType, UpcastError
from schemas.limits import MAX_EVENT_BYTES
from schemas.topics import DEAD_LETTER, partition_key, topic_for
from schemas.upcasting import upcast

__all__ = [
    "CONTENT_TYPE",
    "DLQ_HEADERS",
    "DLQ_HEADER_PREFIX",
    "DLQ_OPTIONAL_HEADERS",
    "EVENT_HEADERS",
    "HEADER_CONTENT_TYPE",
    "HEADER_CORRELATION_ID",
    "HEADER_DLQ_CONSUMER",
    "HEADER_DLQ_OFFSET",
    "HEADER_DLQ_PARTITION",
    "HEADER_DLQ_REASON",
    "HEADER_DLQ_SOURCE_TOPIC",
    "HEADER_EVENT_ID",
    "HEADER_EVENT_TYPE",
    "HEADER_SCHEMA_VERSION",
    "DecodedEvent",
    "KafkaRecord",
    "RecordValue",
    "dead_letter_record",
    "decode_event",
    "decode_json",
    "encode_json",
    "envelope_from_bytes",
    "read_event",
    "record_from_parts",
    "to_record",
]

CONTENT_TYPE = "application/json"
"""Content type of every event record value."""

# Header names; EVENT_HEADERS and DLQ_HEADERS below describe them.
HEADER_EVENT_TYPE = "event_type"
HEADER_SCHEMA_VERSION = "schema_version"
HEADER_EVENT_ID = "event_id"
HEADER_CORRELATION_ID = "correlation_id"
HEADER_CONTENT_TYPE = "content-type"

DLQ_HEADER_PREFIX = "dlq_"
"""Prefix of the headers added by :func:`dead_letter_record`."""
HEADER_DLQ_REASON = "dlq_reason"
HEADER_DLQ_SOURCE_TOPIC = "dlq_source_topic"
HEADER_DLQ_PARTITION = "dlq_partition"
HEADER_DLQ_OFFSET = "dlq_offset"
HEADER_DLQ_CONSUMER = "dlq_consumer"
"""Optional: the consumer (projection) that could not process the record."""

EVENT_HEADERS: dict[str, str] = {
    HEADER_EVENT_TYPE: "Event type name, the envelope `type`.",
    HEADER_SCHEMA_VERSION: "Payload version as decimal text, the envelope `schema_version`.",
    HEADER_EVENT_ID: "The envelope `event_id` (ULID).",
    HEADER_CORRELATION_ID: "The envelope `correlation_id`.",
    HEADER_CONTENT_TYPE: f"Always `{CONTENT_TYPE}`.",
}
"""Headers of every event record (name → description), in the order they are written."""

DLQ_HEADERS: dict[str, str] = {
    HEADER_DLQ_REASON: "Why the record could not be processed (English, human readable).",
    HEADER_DLQ_SOURCE_TOPIC: "Topic the record was read from.",
    HEADER_DLQ_PARTITION: "Partition the record was read from, as decimal text.",
    HEADER_DLQ_OFFSET: "Offset of the record in that partition, as decimal text.",
}
"""Headers added to every dead-letter record (name → description), after the original ones."""

DLQ_OPTIONAL_HEADERS: dict[str, str] = {
    HEADER_DLQ_CONSUMER: (
        "Which consumer gave up on the record (e.g. `reporting`, `audit`, "
        "`eligibility-decider`): each consumer that cannot read a record parks it once."
    ),
}
"""Dead-letter headers written when known (name → description)."""

RecordValue = bytes | bytearray | memoryview
"""What a Kafka client may hand over as a record value."""

_MAX_REASON_CHARS = 2000
_MAX_ERRORS_IN_REASON = 5


@dataclass(frozen=True)
class KafkaRecord:
    """A record ready for a Kafka producer: ``send(topic, key=..., value=..., headers=...)``."""

    topic: str
    """Topic to publish to."""
    key: bytes
    """Record key, which decides the partition."""
    value: bytes
    """Record value."""
    headers: list[tuple[str, bytes]]
    """Record headers, in order; names are ASCII, values UTF-8 text."""

    def header(self, name: str) -> bytes | None:
        """Return the value of the last header called ``name``, or None if there is none."""
        for header_name, header_value in reversed(self.headers):
            if header_name == name:
                return header_value
        return None


# --------------------------------------------------------------------------------------------
# JSON helpers
# --------------------------------------------------------------------------------------------


def encode_json(obj: Any) -> bytes:
    """Encode plain JSON data (dict, list, str, int, float, bool, None) as compact UTF-8 JSON.

    NaN and infinities are refused (they are not JSON); so are values such as datetimes, which
    must be converted first (e.g. with ``model_dump(mode="json")``).
    """
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, item in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = item
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def decode_json(data: bytes) -> Any:
    """Parse strict UTF-8 JSON: no NaN/Infinity and no duplicate object keys.

    Raises :class:`ValueError` (``UnicodeDecodeError``, ``json.JSONDecodeError`` or a plain
    ``ValueError`` for the strictness rules) on bad input.

    Compact JSON as producers write it takes a fast path: orjson parses it (refusing NaN,
    infinities and invalid UTF-8) and, when re-encoding the result gives back exactly the same
    bytes, the input cannot have held a duplicate key (a duplicate would be missing from the
    re-encoded text). Anything else is parsed by the strict standard parser, whose errors are
    the ones reported.
    """
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = None
    else:
        if isinstance(parsed, dict) and orjson.dumps(parsed) == data:
            return parsed
    return _decode_json_strict(data)


def _decode_json_strict(data: bytes) -> Any:
    return json.loads(
        data.decode("utf-8"),
        object_pairs_hook=_reject_duplicate_keys,
        parse_constant=_reject_constant,
    )


# --------------------------------------------------------------------------------------------
# Producing
# --------------------------------------------------------------------------------------------


def to_record(envelope: Envelope) -> KafkaRecord:
    """Serialize an envelope into the Kafka record to publish.

    The payload is validated against its event class first, so an invalid event is never
    published. Raises :class:`MalformedEvent` if the type is unknown, the envelope is not at the
    current version of its event class, or the payload is invalid.
    """
    cls = _event_class_or_malformed(envelope.type)
    if envelope.schema_version != cls.class_version:
        raise MalformedEvent(
            f"{cls.event_type} v{envelope.schema_version} cannot be published: "
            f"producers write the current version (v{cls.class_version})"
        )
    _validate_payload(cls, envelope.schema_version, envelope.payload)
    return KafkaRecord(
        topic=topic_for(envelope.type),
        key=partition_key(envelope),
        value=envelope.model_dump_json().encode("utf-8"),
        headers=[
            (HEADER_EVENT_TYPE, envelope.type.encode("utf-8")),
            (HEADER_SCHEMA_VERSION, str(envelope.schema_version).encode("utf-8")),
            (HEADER_EVENT_ID, envelope.event_id.encode("utf-8")),
            (HEADER_CORRELATION_ID, envelope.correlation_id.encode("utf-8")),
            (HEADER_CONTENT_TYPE, CONTENT_TYPE.encode("utf-8")),
        ],
    )


def record_from_parts(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    event_id: str,
    actor: str,
    subject: str,
    opd_id: str,
    occurred_at: datetime,
    correlation_id: str,
    causation_id: str | None = None,
    recorded_at: datetime | None = None,
) -> KafkaRecord:
    """The record of a new event at the current version, built without pydantic models.

    For the hottest write paths only, whose payload comes from validated input through pure
    domain code that builds it field by field (dates and times as aware ``datetime`` /
    ``date``; orjson writes them in RFC 3339). A consumer reads the record exactly as one from
    :func:`to_record` (``tests/unit/test_schemas_fast_records.py`` decodes both and compares
    them for every event such a path builds); nothing here validates the payload, so a path
    using it keeps a test that validates each payload shape it can produce.
    """
    cls = _event_class_or_malformed(event_type)
    envelope = {
        "event_id": event_id,
        "type": event_type,
        "schema_version": cls.class_version,
        "occurred_at": occurred_at,
        "recorded_at": recorded_at if recorded_at is not None else datetime.now(UTC),
        "actor": actor,
        "subject": subject,
        "opd_id": opd_id,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "payload": payload,
    }
    value = orjson.dumps(envelope, option=orjson.OPT_UTC_Z)
    if len(value) > MAX_EVENT_BYTES:
        raise MalformedEvent(f"{event_type} is {len(value)} bytes; at most {MAX_EVENT_BYTES}")
    return KafkaRecord(
        topic=cls.topic,
        key=subject.encode("utf-8"),
        value=value,
        headers=[
            (HEADER_EVENT_TYPE, event_type.encode("utf-8")),
            (HEADER_SCHEMA_VERSION, str(cls.class_version).encode("utf-8")),
            (HEADER_EVENT_ID, event_id.encode("utf-8")),
            (HEADER_CORRELATION_ID, correlation_id.encode("utf-8")),
            (HEADER_CONTENT_TYPE, CONTENT_TYPE.encode("utf-8")),
        ],
    )


# --------------------------------------------------------------------------------------------
# Consuming
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecodedEvent:
    """A record value checked against the contract once, as a read-only consumer needs it."""

    envelope: Envelope
    """The envelope exactly as written: ``schema_version`` and ``payload`` as on the log."""
    payload: EventPayload
    """The payload upcast to the current version of its event class and validated."""

    @property
    def schema_version(self) -> int:
        """The current version of the payload (after upcasting)."""
        return self.payload.class_version

    def current_envelope(self) -> Envelope:
        """The envelope at the current version, carrying the normalised payload."""
        return self.envelope.model_copy(
            update={
                "schema_version": self.payload.class_version,
                "payload": self.payload.model_dump(mode="json"),
            }
        )


def read_event(value: RecordValue) -> DecodedEvent:
    """Decode a record value for reading: the same checks as :func:`decode_event`, done once.

    Unlike :func:`decode_event`, the envelope is not rebuilt around a re-serialised payload:
    read the typed payload from :attr:`DecodedEvent.payload`.

    Raises :class:`MalformedEvent` for every problem, never another exception type.
    """
    try:
        return _read_event(value)
    except MalformedEvent:
        raise
    except Exception as exc:  # the contract promises MalformedEvent only; keep the cause chained
        raise MalformedEvent(f"cannot decode event: {type(exc).__name__}: {exc}") from exc


def decode_event(value: RecordValue) -> tuple[Envelope, EventPayload]:
    """Decode a record value into the envelope and its typed payload, both at current version.

    Steps: parse JSON, validate the envelope, look up the event type, upcast the payload one
    version at a time, validate it against the event class. The returned envelope carries the
    upcast, normalised payload and the current ``schema_version``.

    Raises :class:`MalformedEvent` for every problem, never another exception type.
    """
    try:
        return _decode_event(value)
    except MalformedEvent:
        raise
    except Exception as exc:  # the contract promises MalformedEvent only; keep the cause chained
        raise MalformedEvent(f"cannot decode event: {type(exc).__name__}: {exc}") from exc


def envelope_from_bytes(value: RecordValue) -> Envelope:
    """Decode a record value into an envelope at the current version (see :func:`decode_event`).

    Raises :class:`MalformedEvent` for every problem, never another exception type.
    """
    envelope, _ = decode_event(value)
    return envelope


def _decode_event(value: RecordValue) -> tuple[Envelope, EventPayload]:
    decoded = _read_event(value)
    return decoded.current_envelope(), decoded.payload


def _read_event(value: RecordValue) -> DecodedEvent:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise MalformedEvent(f"record value must be bytes, got {type(value).__name__}")
    if not value:
        raise MalformedEvent("empty record value")
    try:
        raw = decode_json(bytes(value))
    except UnicodeDecodeError as exc:
        raise MalformedEvent(f"not valid UTF-8: {exc}") from exc
    except RecursionError as exc:
        raise MalformedEvent("not valid JSON: nested too deeply") from exc
    except ValueError as exc:
        raise MalformedEvent(f"not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise MalformedEvent(f"envelope must be a JSON object, got {_json_kind(raw)}")
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"envelope invalid: {_describe(exc)}") from exc
    cls = _event_class_or_malformed(envelope.type)
    version, payload = envelope.schema_version, envelope.payload
    if version != cls.class_version:  # at the current version there is nothing to bring forward
        try:
            version, payload = upcast(envelope.type, version, payload)
        except UpcastError as exc:
            raise MalformedEvent(str(exc)) from exc
    return DecodedEvent(envelope, _validate_payload(cls, version, payload))


def _event_class_or_malformed(event_type: str) -> type[EventPayload]:
    try:
        return event_class(event_type)
    except UnknownEventType as exc:
        raise MalformedEvent(str(exc)) from exc


def _validate_payload(
    cls: type[EventPayload], version: int, payload: dict[str, Any]
) -> EventPayload:
    try:
        return cls.model_validate(payload)
    except ValidationError as exc:
        raise MalformedEvent(
            f"payload invalid for {cls.event_type} v{version}: {_describe(exc)}"
        ) from exc


def _describe(exc: ValidationError) -> str:
    """Summarise a validation error as ``field.path: message; ...`` (first few errors)."""
    errors = exc.errors(include_url=False, include_input=False)
    parts = []
    for error in errors[:_MAX_ERRORS_IN_REASON]:
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    if len(errors) > _MAX_ERRORS_IN_REASON:
        parts.append(f"and {len(errors) - _MAX_ERRORS_IN_REASON} more")
    return "; ".join(parts)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


# --------------------------------------------------------------------------------------------
# Dead letters
# --------------------------------------------------------------------------------------------


def dead_letter_record(
    original_key: bytes | None,
    original_value: bytes,
    reason: str,
    source_topic: str,
    partition: int,
    offset: int,
    *,
    original_headers: Sequence[tuple[str, bytes]] = (),
    consumer: str | None = None,
) -> KafkaRecord:
    """Build the record that parks an unprocessable record on the dead-letter topic.

    Key and value are the original bytes, unchanged, so the record can be replayed after a
    fix; a missing original key becomes an empty key. ``original_headers`` (optional) are
    carried over, except earlier ``dlq_*`` headers, followed by ``dlq_reason`` (truncated to
    2000 characters), ``dlq_source_topic``, ``dlq_partition`` and ``dlq_offset``, and
    ``dlq_consumer`` naming the consumer that gave up on it when ``consumer`` is given.
    """
    if len(reason) > _MAX_REASON_CHARS:
        reason = reason[: _MAX_REASON_CHARS - 1] + "…"
    headers = [
        (name, value) for name, value in original_headers if not name.startswith(DLQ_HEADER_PREFIX)
    ]
    headers += [
        (HEADER_DLQ_REASON, reason.encode("utf-8")),
        (HEADER_DLQ_SOURCE_TOPIC, source_topic.encode("utf-8")),
        (HEADER_DLQ_PARTITION, str(partition).encode("utf-8")),
        (HEADER_DLQ_OFFSET, str(offset).encode("utf-8")),
    ]
    if consumer is not None:
        headers.append((HEADER_DLQ_CONSUMER, consumer.encode("utf-8")))
    return KafkaRecord(
        topic=DEAD_LETTER,
        key=original_key if original_key is not None else b"",
        value=bytes(original_value),
        headers=headers,
    )
