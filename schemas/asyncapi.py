"""The AsyncAPI 3.0 document describing the whole contract for outside apps and tooling."""

from __future__ import annotations

import inspect
from typing import Any

from schemas.envelope import ULID_PATTERN
from schemas.events import EVENT_TYPES, NIP_PATTERN, EventPayload
from schemas.examples import example_envelope, example_payloads
from schemas.json_schemas import component_schemas
from schemas.serialization import (
    CONTENT_TYPE,
    DLQ_HEADERS,
    DLQ_OPTIONAL_HEADERS,
    EVENT_HEADERS,
    HEADER_CONTENT_TYPE,
    HEADER_CORRELATION_ID,
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    HEADER_SCHEMA_VERSION,
    decode_json,
    to_record,
)
from schemas.topics import DEAD_LETTER_TOPIC, TOPICS, TopicSpec
from schemas.version import CONTRACT_VERSION

__all__ = ["ASYNCAPI_VERSION", "DEAD_LETTER_MESSAGE", "TITLE", "asyncapi_document"]

ASYNCAPI_VERSION = "3.0.0"
TITLE = "WFA ASN event contract"
DEAD_LETTER_MESSAGE = "DeadLetter"
_KAFKA_BINDING_VERSION = "0.5.0"
_SCHEMA_REF = "#/components/schemas/{model}"

_DESCRIPTION = """\
Events of the Work-From-Anywhere (WFA) platform for Indonesian civil servants (ASN).

Every record value is a JSON envelope (`Envelope`) whose `payload` is the event body at \
`schema_version`. Every record on an event topic is keyed by the subject's NIP, so all events \
about one employee are ordered. Producers always write the current version of an event; readers \
must bring older versions forward with the upcasters described in the README of the contract \
before validating the payload. Records that cannot be decoded are moved, unchanged, to the \
dead-letter topic."""


def _summary(cls: type[object]) -> str:
    return (inspect.getdoc(cls) or cls.__name__).split("\n", 1)[0]


def _event_headers(cls: type[EventPayload]) -> dict[str, Any]:
    values: dict[str, dict[str, Any]] = {
        HEADER_EVENT_TYPE: {"const": cls.event_type},
        HEADER_SCHEMA_VERSION: {"const": str(cls.class_version)},
        HEADER_EVENT_ID: {"pattern": ULID_PATTERN},
        HEADER_CORRELATION_ID: {"minLength": 1},
        HEADER_CONTENT_TYPE: {"const": CONTENT_TYPE},
    }
    return {
        "type": "object",
        "properties": {
            name: {"type": "string", "description": description, **values[name]}
            for name, description in EVENT_HEADERS.items()
        },
        "required": list(EVENT_HEADERS),
    }


def _example(payload: EventPayload) -> dict[str, Any]:
    record = to_record(example_envelope(payload))
    return {
        "name": f"{payload.event_type}Example",
        "summary": f"A {payload.event_type} record as published.",
        "headers": {name: value.decode("utf-8") for name, value in record.headers},
        "payload": decode_json(record.value),
    }


def _event_message(
    cls: type[EventPayload], spec: TopicSpec, example: EventPayload
) -> dict[str, Any]:
    return {
        "name": cls.event_type,
        "title": f"{cls.event_type} v{cls.class_version}",
        "summary": _summary(cls),
        "description": inspect.getdoc(cls) or "",
        "contentType": CONTENT_TYPE,
        "correlationId": {
            "description": "Ties together every event of one business flow.",
            "location": "$message.payload#/correlation_id",
        },
        "headers": _event_headers(cls),
        "payload": {
            "allOf": [
                {"$ref": _SCHEMA_REF.format(model="Envelope")},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": cls.event_type},
                        "schema_version": {"const": cls.class_version},
                        "payload": {"$ref": _SCHEMA_REF.format(model=cls.event_type)},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "pattern": NIP_PATTERN, "description": spec.key},
                "bindingVersion": _KAFKA_BINDING_VERSION,
            }
        },
        "examples": [_example(example)],
        "x-schema-version": cls.class_version,
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": DEAD_LETTER_MESSAGE,
        "title": "Dead letter",
        "summary": "A record that could not be decoded, parked byte for byte.",
        "description": DEAD_LETTER_TOPIC.description,
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "description": "The original record's headers (if kept), then the dead-letter headers.",
            "properties": {
                name: {"type": "string", "description": description}
                for name, description in {**DLQ_HEADERS, **DLQ_OPTIONAL_HEADERS}.items()
            },
            "required": list(DLQ_HEADERS),
        },
        "payload": {
            "type": "string",
            "format": "binary",
            "description": "The original record value, unchanged.",
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": DEAD_LETTER_TOPIC.key},
                "bindingVersion": _KAFKA_BINDING_VERSION,
            }
        },
    }


def _message_names(spec: TopicSpec) -> list[str]:
    return list(spec.event_types) if spec.event_types else [DEAD_LETTER_MESSAGE]


def _operation_id(spec: TopicSpec) -> str:
    return "publish" + spec.short_name.capitalize()


def asyncapi_document() -> dict[str, Any]:
    """Build the AsyncAPI 3.0.0 document: one channel and one send operation per topic."""
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    examples = example_payloads()
    for spec in TOPICS:
        for name in spec.event_types:
            messages[name] = _event_message(EVENT_TYPES[name], spec, examples[name])
        if not spec.event_types:
            messages[DEAD_LETTER_MESSAGE] = _dead_letter_message()
        channel_id = spec.short_name
        channels[channel_id] = {
            "address": spec.name,
            "title": spec.name,
            "description": spec.description,
            "messages": {
                name: {"$ref": f"#/components/messages/{name}"} for name in _message_names(spec)
            },
            "bindings": {
                "kafka": {
                    "topic": spec.name,
                    "partitions": spec.partitions,
                    "bindingVersion": _KAFKA_BINDING_VERSION,
                }
            },
            "x-partition-key": spec.key,
        }
        operations[_operation_id(spec)] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"Publish to {spec.name}.",
            "messages": [
                {"$ref": f"#/channels/{channel_id}/messages/{name}"}
                for name in _message_names(spec)
            ],
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": TITLE, "version": CONTRACT_VERSION, "description": _DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": component_schemas(_SCHEMA_REF),
        },
    }
