"""The Markdown overview of the contract (``schemas/README.md``), generated from the code."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from schemas.envelope import Envelope
from schemas.events import EVENT_TYPES, EventPayload
from schemas.json_schemas import ENVELOPE_SCHEMA_FILE, component_schemas, event_schema_file
from schemas.limits import (
    ADDRESS_MAX_CHARS,
    DESCRIPTION_MAX_CHARS,
    EARLIEST_DATE,
    EXPLANATION_MAX_CHARS,
    FREE_TEXT_NON_BLANK_PATTERN,
    FREE_TEXT_PATTERN,
    IDENTIFIER_MAX_CHARS,
    LATEST_DATE,
    LEGAL_BASIS_MAX_CHARS,
    LONG_TEXT_MAX_CHARS,
    MAX_COUNTER,
    MAX_EVENT_BYTES,
    MAX_POLICY_SETTINGS_BYTES,
    MAX_POLICY_SETTINGS_KEYS,
    MAX_REPORT_OUTPUTS,
    MAX_REQUEST_DAYS,
    MAX_TRACE_RULES,
    MAX_WORK_TARGETS,
    ONE_LINE_NON_BLANK_PATTERN,
    ONE_LINE_PATTERN,
    SHORT_TEXT_MAX_CHARS,
)
from schemas.serialization import (
    CONTENT_TYPE,
    DLQ_HEADERS,
    DLQ_OPTIONAL_HEADERS,
    EVENT_HEADERS,
)
from schemas.topics import DEAD_LETTER_TOPIC, EVENT_TOPICS, TOPICS
from schemas.upcasting import UPCASTERS
from schemas.version import CONTRACT_VERSION

__all__ = ["render_readme"]

_REF_PREFIX = "#/components/schemas/"


def _cell(text: str) -> str:
    """Make text safe for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def _anchor(name: str) -> str:
    return "#" + name.lower()


_TEXT_KINDS = {
    ONE_LINE_PATTERN: "one line",
    ONE_LINE_NON_BLANK_PATTERN: "one line, not blank",
    FREE_TEXT_PATTERN: "text",
    FREE_TEXT_NON_BLANK_PATTERN: "text, not blank",
}
"""Character rules of the contract's text types, by their pattern."""


def _range(low: Any, high: Any, unit: str = "") -> str:
    """``low-high unit``, ``≤ high unit`` or ``≥ low unit``; empty when unbounded."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{low}-{high}{suffix}" if low != high else f"{low}{suffix}"
    if high is not None:
        return f"≤ {high}{suffix}"
    if low is not None:
        return f"≥ {low}{suffix}"
    return ""


def _string_type(prop: dict[str, Any]) -> str:
    notes: list[str] = []
    if "format" in prop:
        notes.append(str(prop["format"]))
        if "formatMinimum" in prop:
            notes.append(f"{prop['formatMinimum']} to {prop['formatMaximum']}")
    pattern = prop.get("pattern")
    if pattern in _TEXT_KINDS:
        notes.append(_TEXT_KINDS[pattern])
    length = _range(prop.get("minLength") or None, prop.get("maxLength"), "chars")
    if length:
        notes.append(length)
    text = "string" + (f" ({', '.join(notes)})" if notes else "")
    if pattern is not None and pattern not in _TEXT_KINDS:
        text += f" `{pattern}`"
    return text


def _type_of(prop: dict[str, Any]) -> str:
    """Short human description of a property's JSON Schema type, with its bounds."""
    if "$ref" in prop:
        name = str(prop["$ref"]).removeprefix(_REF_PREFIX)
        return f"[{name}]({_anchor(name)})"
    if "anyOf" in prop:
        return " or ".join(_type_of(option) for option in prop["anyOf"])
    if "enum" in prop:
        return " or ".join(f'`"{value}"`' for value in prop["enum"])
    if "const" in prop:
        return f'`"{prop["const"]}"`'
    kind = str(prop.get("type", "any"))
    if kind == "array":
        items = _range(prop.get("minItems"), prop.get("maxItems"), "items")
        return f"array of {_type_of(prop.get('items', {}))}" + (f" ({items})" if items else "")
    if kind == "string":
        return _string_type(prop)
    if kind == "integer":
        bounds = _range(prop.get("minimum"), prop.get("maximum"))
        return f"integer ({bounds})" if bounds else kind
    if kind == "object" and "x-max-json-bytes" in prop:
        return (
            f"object (≤ {prop['maxProperties']} keys, ≤ {prop['x-max-json-bytes']} bytes as JSON)"
        )
    return kind


def _field_rows(schema: dict[str, Any]) -> list[tuple[str, ...]]:
    required = set(schema.get("required", []))
    rows: list[tuple[str, ...]] = []
    for name, prop in schema["properties"].items():
        presence = "yes" if name in required else "no"
        if "default" in prop:
            presence = f"no (default `{_json_literal(prop['default'])}`)"
        rows.append((f"`{name}`", _type_of(prop), presence, str(prop.get("description", ""))))
    return rows


def _json_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _fields_table(schema: dict[str, Any]) -> list[str]:
    return _table(("Field", "Type", "Required", "Description"), _field_rows(schema))


def _first_paragraph(func: Callable[..., Any]) -> str:
    return (inspect.getdoc(func) or "").split("\n\n", 1)[0]


def _event_section(cls: type[EventPayload], schema: dict[str, Any]) -> list[str]:
    history = [
        f"v{version} → v{version + 1}"
        for (event_type, version) in sorted(UPCASTERS)
        if event_type == cls.event_type
    ]
    lines = [
        f"### {cls.event_type}",
        "",
        inspect.getdoc(cls) or "",
        "",
        f"- Version: **v{cls.class_version}**"
        + (f" (upcast from older versions: {', '.join(history)})" if history else ""),
        f"- Topic: `{cls.topic}`",
        f"- JSON Schema: [`json/{event_schema_file(cls)}`](json/{event_schema_file(cls)})",
        "",
    ]
    return [*lines, *_fields_table(schema), ""]


def _limits_section() -> list[str]:
    kib = MAX_EVENT_BYTES // 1024
    return [
        "## Limits",
        "",
        "Kafka refuses records over the broker's `message.max.bytes` (1 MiB by default), so "
        "every string, list, number and date of the contract is bounded (`schemas/limits.py`; "
        "the tables above show each field's bounds). With every string at its maximum length "
        "in 4-byte UTF-8 characters and every list at its maximum size, the largest record of "
        f"any event type stays under **{kib} KiB**. The HTTP edges of the services accept "
        "the same types (often tighter), so a request that fits the edge fits its event.",
        "",
        *_table(
            ("What", "Bound"),
            [
                ("Ids and codes (one line, not blank)", f"{IDENTIFIER_MAX_CHARS} characters"),
                ("Names, titles, units (one line, not blank)", f"{SHORT_TEXT_MAX_CHARS} chars"),
                ("Addresses", f"{ADDRESS_MAX_CHARS} characters"),
                ("Descriptions of targets and outputs", f"{DESCRIPTION_MAX_CHARS} characters"),
                ("Generated explanations (per language)", f"{EXPLANATION_MAX_CHARS} chars"),
                ("Legal bases", f"{LEGAL_BASIS_MAX_CHARS} characters"),
                ("Reasons, notes and other free text", f"{LONG_TEXT_MAX_CHARS} characters"),
                ("Days in one WFA request", str(MAX_REQUEST_DAYS)),
                ("Targets in one work plan", str(MAX_WORK_TARGETS)),
                ("Outputs in one daily report", str(MAX_REPORT_OUTPUTS)),
                ("Rule outcomes in one decision trace", str(MAX_TRACE_RULES)),
                (
                    "Settings document of a policy version",
                    f"{MAX_POLICY_SETTINGS_KEYS} keys, {MAX_POLICY_SETTINGS_BYTES} bytes as "
                    "compact UTF-8 JSON",
                ),
                ("Versions and counters", f"1 to {MAX_COUNTER}"),
                ("Dates", f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"),
                ("Timestamps", f"{EARLIEST_DATE.year} to the end of {LATEST_DATE.year}"),
            ],
        ),
        "",
        "Lengths count Unicode code points. No string may carry a lone surrogate (it is not "
        "UTF-8) or a control character of C0 (U+0000 to U+001F) or DEL (U+007F); free text "
        "(reasons, notes, descriptions, addresses, explanations, legal bases) may carry tab, "
        "line feed and carriage return. The date range keeps date arithmetic (weeks, years of "
        "service) far from overflowing.",
        "",
        "Every other code point is kept, in one-line text and free text alike: the C1 "
        "controls (U+0080 to U+009F, NEL U+0085 among them) and the Unicode line and paragraph "
        "separators (U+2028, U+2029) included. Events already on the log carry them, so every "
        "reader must keep them too: a reader of rows or lines splits only where its format "
        "ends a record (a raw line feed in JSON Lines or ClickHouse's `JSONEachRow`, whose "
        "strings escape it), never where `str.splitlines` or a Unicode-aware reader would "
        "(U+000B, U+000C, U+001C to U+001E, U+0085, U+2028, U+2029).",
        "",
    ]


def render_readme() -> str:
    """Render the README as Markdown text (ending with a newline)."""
    schemas = component_schemas(_REF_PREFIX + "{model}")
    value_objects = sorted(set(schemas) - set(EVENT_TYPES) - {Envelope.__name__})
    lines = [
        "# WFA ASN event contract",
        "",
        "<!-- Generated by `python -m schemas.generate` from the code in `schemas/`. "
        "Do not edit by hand; CI runs `python -m schemas.generate --check`. -->",
        "",
        f"Contract version **{CONTRACT_VERSION}**. This package is the single event contract "
        "between the services of the Work-From-Anywhere platform and outside apps. "
        "Machine-readable forms: [`asyncapi.json`](asyncapi.json) (AsyncAPI 3.0) and the "
        "JSON Schemas in [`json/`](json/) "
        f"([`{ENVELOPE_SCHEMA_FILE}`](json/{ENVELOPE_SCHEMA_FILE}) "
        "and one `<EventType>.v<N>.json` per event).",
        "",
        "## Records",
        "",
        f"- **Value**: the envelope below as compact UTF-8 JSON (`{CONTENT_TYPE}`).",
        "- **Key**: the envelope's `subject` NIP, UTF-8 encoded, on every event topic. Kafka "
        "orders records only within a partition, so keying by employee gives per-employee "
        "ordering while employees are processed in parallel.",
        "- **Headers** (UTF-8 text, repeat the envelope so tools can route without parsing):",
        "",
        *_table(("Header", "Description"), [(f"`{n}`", d) for n, d in EVENT_HEADERS.items()]),
        "",
        "## Topics",
        "",
        *_table(
            ("Topic", "Key", "Partitions", "Carries"),
            [
                (
                    f"`{spec.name}`",
                    spec.key,
                    str(spec.partitions),
                    ", ".join(f"[{name}]({_anchor(name)})" for name in spec.event_types)
                    or spec.description,
                )
                for spec in TOPICS
            ],
        ),
        "",
        "## Envelope",
        "",
        inspect.getdoc(Envelope) or "",
        "",
        *_fields_table(schemas[Envelope.__name__]),
        "",
        "## Events",
        "",
        "Event names are past tense; every event is immutable once published.",
        "",
    ]
    for spec in EVENT_TOPICS:
        for name in spec.event_types:
            lines += _event_section(EVENT_TYPES[name], schemas[name])
    lines += ["## Value objects", ""]
    for name in value_objects:
        lines += [
            f"### {name}",
            "",
            str(schemas[name].get("description", "")),
            "",
            *_fields_table(schemas[name]),
            "",
        ]
    lines += [
        *_limits_section(),
        "## Versions and upcasting",
        "",
        "Each event type has its own payload version (`schema_version` in the envelope, "
        "`class_version` in the code). Producers always write the current version. Records "
        "already on Kafka are never rewritten, so a reader may meet any older version: "
        "`envelope_from_bytes` passes the payload through the upcasters below **one version "
        "at a time** (v1 → v2 → v3) until it reaches the current version, and only then "
        "validates it. A missing step or a version newer than the reader knows is a "
        "`MalformedEvent` (the record goes to the dead-letter topic).",
        "",
        *_table(
            ("Event type", "Step", "Upcaster", "What changes"),
            [
                (
                    event_type,
                    f"v{version} → v{version + 1}",
                    f"`{func.__name__}`",
                    _first_paragraph(func),
                )
                for (event_type, version), func in sorted(UPCASTERS.items())
            ],
        ),
        "",
        "To change a payload: bump its `class_version`, add one upcaster from the previous "
        "version to `UPCASTERS` in `schemas/upcasting.py` (for a new optional field it just "
        "fills the default), add a test, bump `CONTRACT_VERSION` and run "
        "`python -m schemas.generate`. Deploy readers before writers: a reader rejects "
        "versions newer than it knows and unknown fields, so those records would land on the "
        "dead-letter topic until it is upgraded.",
        "",
        "## Dead-letter topic",
        "",
        f"`{DEAD_LETTER_TOPIC.name}`: {DEAD_LETTER_TOPIC.description} "
        f"Key: {DEAD_LETTER_TOPIC.key}. Headers added after the original ones:",
        "",
        *_table(
            ("Header", "Description"),
            [(f"`{n}`", d) for n, d in {**DLQ_HEADERS, **DLQ_OPTIONAL_HEADERS}.items()],
        ),
        "",
    ]
    return "\n".join(lines)
