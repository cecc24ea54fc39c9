"""JSON Schema documents of the envelope and of every event payload (draft 2020-12)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schemas.envelope import Envelope
from schemas.events import EVENT_TYPES, EventPayload
from schemas.topics import EVENT_TOPICS

__all__ = [
    "ENVELOPE_SCHEMA_FILE",
    "JSON_SCHEMA_DIALECT",
    "SCHEMA_BASE_URL",
    "component_schemas",
    "envelope_json_schema",
    "event_json_schema",
    "event_schema_file",
]

SCHEMA_BASE_URL = "https://wfa.example.go.id/schemas/"
"""Base of every schema ``$id``; the file name is appended."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

ENVELOPE_SCHEMA_FILE = "envelope.json"


def event_schema_file(cls: type[EventPayload]) -> str:
    """File name of an event's schema at its current version, e.g. ``WfaRequested.v3.json``."""
    return f"{cls.event_type}.v{cls.class_version}.json"


def envelope_json_schema() -> dict[str, Any]:
    """Standalone schema of the envelope, with a map from event type to payload schema file."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE_URL + ENVELOPE_SCHEMA_FILE,
        **Envelope.model_json_schema(),
        "x-payload-schemas": {
            name: event_schema_file(cls) for name, cls in sorted(EVENT_TYPES.items())
        },
    }


def event_json_schema(cls: type[EventPayload]) -> dict[str, Any]:
    """Standalone schema of one event payload at its current version."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE_URL + event_schema_file(cls),
        **cls.model_json_schema(),
        "x-event-type": cls.event_type,
        "x-schema-version": cls.class_version,
        "x-topic": cls.topic,
    }


def component_schemas(ref_template: str) -> dict[str, Any]:
    """Schemas of the envelope, every event and every value object, keyed by class name.

    References between them use ``ref_template`` (e.g. ``#/components/schemas/{model}``), so
    the result can be embedded as a whole in another document.
    """
    models: list[type[BaseModel]] = [
        Envelope,
        *(EVENT_TYPES[name] for spec in EVENT_TOPICS for name in spec.event_types),
    ]
    _, top_level = models_json_schema(
        [(model, "validation") for model in models], ref_template=ref_template
    )
    definitions: dict[str, Any] = top_level["$defs"]
    return definitions
