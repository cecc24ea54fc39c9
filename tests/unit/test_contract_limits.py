"""Every event of the contract is bounded: its largest possible record fits Kafka with room.

The maximal instance of each event is built generically from the contract's JSON Schemas
(every string at its maximum length in 4-byte UTF-8 characters, every list at its maximum
number of items, every optional field present), so a field added without a bound fails here
without anyone listing it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import EVENT_TYPES, Envelope, WfaRequested, decode_event, encode_json, to_record
from schemas.json_schemas import component_schemas
from schemas.limits import (
    ADDRESS_MAX_CHARS,
    DESCRIPTION_MAX_CHARS,
    KAFKA_MESSAGE_MAX_BYTES,
    LATEST_DATE,
    LONG_TEXT_MAX_CHARS,
    MAX_EVENT_BYTES,
    MAX_POLICY_SETTINGS_BYTES,
    MAX_POLICY_SETTINGS_KEYS,
    MAX_WORK_TARGETS,
    PolicySettingsDocument,
    clip,
    json_size,
)
from services.attendance.domain.checkins import PresenceCreate
from services.eligibility.domain.requests import WfaRequestCreate

_REF = "#/components/schemas/"
SCHEMAS: dict[str, Any] = component_schemas(_REF + "{model}")

WIDEST_CHAR = "\U0001f600"
"""A character that takes 4 bytes in UTF-8, the most any character takes in the record."""

_FALLBACK_FILLERS = ("9", "A", "a")
"""Single characters tried, in turn, when a pattern refuses the widest character."""

_LATEST_INSTANT_TEXT = "2100-12-31T23:59:59.999999Z"

_NUMBER_CANDIDATES = (
    -1.2345678901234567e300,
    1.2345678901234567e300,
    -1.2345678901234567e-300,
    1.2345678901234567e-300,
    -123.45678901234568,
    123.45678901234568,
    -1.2345678901234567,
    1.2345678901234567,
)
"""Floats with the longest JSON text first; the first one within a field's bounds is used."""

Path = tuple[str | int, ...]


class Unbounded(AssertionError):
    """A field of the contract has no upper bound."""


# --------------------------------------------------------------------------------------------
# Building the maximal instance from the JSON Schema
# --------------------------------------------------------------------------------------------


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        resolved: dict[str, Any] = SCHEMAS[str(schema["$ref"]).removeprefix(_REF)]
        return resolved
    return schema


def _matches(schema: dict[str, Any], text: str) -> bool:
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, text) is not None


def _longest_string(schema: dict[str, Any], where: str) -> str:
    if "maxLength" not in schema:
        raise Unbounded(f"{where}: string without maxLength")
    length = int(schema["maxLength"])
    candidates = [WIDEST_CHAR * length]
    candidates += [char * length for char in _FALLBACK_FILLERS]
    candidates += ["7" + "Z" * (length - 1), "system:" + "a" * (length - 7), "-99.99,-999.99"]
    candidates += ["2099-12"]
    for candidate in candidates:
        if _matches(schema, candidate):
            return candidate
    raise AssertionError(f"{where}: no filler of {length} characters matches the pattern")


def _string(schema: dict[str, Any], where: str, index: int) -> str:
    if schema.get("format") == "date":
        assert schema.get("formatMaximum") == LATEST_DATE.isoformat(), f"{where}: unbounded date"
        return (LATEST_DATE - timedelta(days=index)).isoformat()
    if schema.get("format") == "date-time":
        assert "formatMaximum" in schema, f"{where}: unbounded timestamp"
        return _LATEST_INSTANT_TEXT
    return _longest_string(schema, where)


def _number(schema: dict[str, Any], where: str) -> float:
    def fits(value: float) -> bool:
        return (
            value >= schema.get("minimum", float("-inf"))
            and value <= schema.get("maximum", float("inf"))
            and value > schema.get("exclusiveMinimum", float("-inf"))
            and value < schema.get("exclusiveMaximum", float("inf"))
        )

    for candidate in _NUMBER_CANDIDATES:
        if fits(candidate):
            return candidate
    raise AssertionError(f"{where}: no candidate number fits the bounds")


def _document(schema: dict[str, Any], where: str) -> dict[str, Any]:
    """A free-form JSON object filling its byte bound: one key, one long string.

    A map whose names and values both have schemas is filled with its maximum number of
    entries, each name and value as large as allowed.
    """
    names, values = schema.get("propertyNames"), schema.get("additionalProperties")
    if isinstance(schema.get("patternProperties"), dict):
        (values,) = schema["patternProperties"].values()
    if isinstance(names, dict) and isinstance(values, dict) and "maxProperties" in schema:
        width = int(names["maxLength"])
        return {
            "k" + str(i).zfill(width - 1): build(values, where + "{}", i)
            for i in range(int(schema["maxProperties"]))
        }
    if "x-max-json-bytes" not in schema or "maxProperties" not in schema:
        raise Unbounded(f"{where}: object without maxProperties and x-max-json-bytes")
    limit = int(schema["x-max-json-bytes"])
    chars = (limit - json_size({"k": ""})) // len(WIDEST_CHAR.encode())
    return {"k": WIDEST_CHAR * chars}


def build(
    schema: dict[str, Any],
    where: str = "",
    index: int = 0,
    leaves: list[tuple[Path, dict[str, Any]]] | None = None,
    path: Path = (),
) -> Any:
    """The largest valid value of ``schema``; records each bounded leaf in ``leaves``."""
    schema = _resolve(schema)
    choice = "anyOf" if "anyOf" in schema else "oneOf" if "oneOf" in schema else None
    if choice is not None:
        options = [build(option, where, index) for option in schema[choice]]
        best = max(range(len(options)), key=lambda i: json_size(options[i]))
        return build(schema[choice][best], where, index, leaves, path)
    if "enum" in schema:
        return max(schema["enum"], key=lambda value: json_size(value))
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    value: Any
    if kind == "object" and "properties" in schema:
        assert schema.get("additionalProperties") is False, f"{where}: open object"
        return {
            name: build(prop, f"{where}.{name}", index, leaves, (*path, name))
            for name, prop in schema["properties"].items()
        }
    if kind == "object":
        value = _document(schema, where)
    elif kind == "array":
        if "maxItems" not in schema:
            raise Unbounded(f"{where}: array without maxItems")
        value = [
            build(schema.get("items", {}), f"{where}[]", i, leaves, (*path, i))
            for i in range(int(schema["maxItems"]))
        ]
    elif kind == "string":
        value = _string(schema, where, index)
    elif kind == "integer":
        if "maximum" not in schema:
            raise Unbounded(f"{where}: integer without maximum")
        value = int(schema["maximum"])
    elif kind == "number":
        value = _number(schema, where)
    elif kind == "boolean":
        value = False
    elif kind == "null":
        value = None
    else:
        raise Unbounded(f"{where}: no type to bound ({schema})")
    if leaves is not None:
        leaves.append((path, schema))
    return value


def maximal_payload(event_type: str) -> tuple[dict[str, Any], list[tuple[Path, dict[str, Any]]]]:
    leaves: list[tuple[Path, dict[str, Any]]] = []
    payload = build(SCHEMAS[event_type], event_type, leaves=leaves)
    assert isinstance(payload, dict)
    return payload, leaves


def maximal_envelope(event_type: str) -> Envelope:
    cls = EVENT_TYPES[event_type]
    payload, _ = maximal_payload(event_type)
    envelope_schema = SCHEMAS[Envelope.__name__]
    fields = {
        name: build(prop, f"Envelope.{name}")
        for name, prop in envelope_schema["properties"].items()
        if name not in ("type", "schema_version", "payload")
    }
    return Envelope.model_validate(
        {
            **fields,
            "type": event_type,
            "schema_version": cls.class_version,
            "payload": cls.model_validate(payload).model_dump(mode="json"),
        }
    )


def record_size(envelope: Envelope) -> int:
    record = to_record(envelope)
    headers = sum(len(name.encode()) + len(value) for name, value in record.headers)
    return len(record.value) + len(record.key) + headers


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: Path, value: Any) -> Any:
    changed = copy.deepcopy(data)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def _string_leaves(leaves: list[tuple[Path, dict[str, Any]]]) -> Iterator[tuple[Path, int]]:
    for path, schema in leaves:
        if schema.get("type") == "string" and "maxLength" in schema:
            yield path, int(schema["maxLength"])


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_the_largest_event_of_each_type_fits_well_under_kafkas_limit(event_type: str) -> None:
    envelope = maximal_envelope(event_type)

    size = record_size(envelope)

    assert size <= MAX_EVENT_BYTES, f"{event_type}: {size} bytes"
    assert MAX_EVENT_BYTES * 2 <= KAFKA_MESSAGE_MAX_BYTES
    envelope_back, payload = decode_event(to_record(envelope).value)
    assert envelope_back.payload == envelope.payload
    assert type(payload).__name__ == event_type


def test_the_maximal_builder_really_fills_the_fields() -> None:
    envelope = maximal_envelope("WfaRequested")
    payload = WfaRequested.model_validate(envelope.payload)

    assert len(payload.work_plan) == MAX_WORK_TARGETS
    assert all(len(t.description) == DESCRIPTION_MAX_CHARS for t in payload.work_plan)
    assert payload.decision is not None and payload.decision.trace
    assert record_size(envelope) > MAX_WORK_TARGETS * DESCRIPTION_MAX_CHARS * 4


def test_every_field_of_the_contract_is_bounded() -> None:
    for name, schema in SCHEMAS.items():
        if name == Envelope.__name__:
            properties = {k: v for k, v in schema["properties"].items() if k != "payload"}
            schema = {**schema, "properties": properties}
        build(schema, name)  # raises Unbounded for a string, list, integer or object without bound


def test_an_unbounded_field_is_caught() -> None:
    for unbounded in (
        {"type": "string"},
        {"type": "array", "items": {"type": "string", "maxLength": 3}},
        {"type": "integer", "minimum": 1},
        {"type": "object"},
    ):
        with pytest.raises(Unbounded):
            build({"type": "object", "additionalProperties": False, "properties": {"x": unbounded}})


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_bound_is_enforced(event_type: str) -> None:
    cls = EVENT_TYPES[event_type]
    payload, leaves = maximal_payload(event_type)
    cls.model_validate(payload)

    for path, max_chars in _string_leaves(leaves):
        current = _get(payload, path)
        filler = current[-1] if current else "a"
        too_long = _set(payload, path, filler * (max_chars + 1))
        with pytest.raises(ValidationError):
            cls.model_validate(too_long)
    for path, schema in leaves:
        if schema.get("type") == "integer":
            with pytest.raises(ValidationError):
                cls.model_validate(_set(payload, path, int(schema["maximum"]) + 1))
        if schema.get("format") == "date":
            with pytest.raises(ValidationError):
                cls.model_validate(_set(payload, path, "9999-12-31"))
        if schema.get("type") == "array" and path:
            items = _get(payload, path)
            with pytest.raises(ValidationError):
                cls.model_validate(_set(payload, path, [*items, items[-1]]))


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
@pytest.mark.parametrize("bad", ["ok\ud800", "\udfff", "ok\x00", "ok\x1b[2J", "ok\x7f"])
def test_no_string_carries_a_lone_surrogate_or_a_control_character(
    event_type: str, bad: str
) -> None:
    cls = EVENT_TYPES[event_type]
    payload, leaves = maximal_payload(event_type)

    for path, _ in _string_leaves(leaves):
        with pytest.raises(ValidationError):
            cls.model_validate(_set(payload, path, bad))


def test_free_text_keeps_tabs_and_line_breaks_but_ids_do_not() -> None:
    payload, _ = maximal_payload("WfaRequested")
    payload = _set(payload, ("reason",), "Baris satu\r\nBaris dua\tselesai")

    assert WfaRequested.model_validate(payload).reason.endswith("selesai")
    with pytest.raises(ValidationError):
        WfaRequested.model_validate(_set(payload, ("request_id",), "req\n1"))
    with pytest.raises(ValidationError):
        WfaRequested.model_validate(_set(payload, ("reason",), " \n\t "))


def test_envelope_metadata_is_bounded_too() -> None:
    envelope = maximal_envelope("WfaApproved").model_dump(mode="json")

    for field, bad in (
        ("opd_id", "x" * 129),
        ("correlation_id", "ok\ud800"),
        ("causation_id", "ok\x00"),
        ("actor", "system:" + "a" * 200),
        ("occurred_at", "9999-12-31T23:59:59Z"),
        ("schema_version", 2**31),
    ):
        with pytest.raises(ValidationError):
            Envelope.model_validate({**envelope, field: bad})


def test_the_policy_settings_document_is_bounded_in_bytes_keys_and_characters() -> None:
    from pydantic import TypeAdapter

    adapter: TypeAdapter[dict[str, Any]] = TypeAdapter(PolicySettingsDocument)
    fits = {"k": "a" * (MAX_POLICY_SETTINGS_BYTES - json_size({"k": ""}))}
    assert adapter.validate_python(fits) == fits

    for bad in (
        {"k": "a" * (MAX_POLICY_SETTINGS_BYTES - json_size({"k": ""}) + 1)},
        {f"k{i}": 1 for i in range(MAX_POLICY_SETTINGS_KEYS + 1)},
        {"windows": [{"name": "Nataru\ud800"}]},
        {"windows": [{"name": "Nataru\x00"}]},
        {"bad\x01key": 1},
    ):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


def test_old_versions_still_decode_under_the_bounds() -> None:
    """A v2 free-text work plan of 2000 characters becomes one target's description."""
    raw = {
        "event_id": "01JDXZ6W3F8N9Q2R4T5V6W7X8Y",
        "type": "WfaRequested",
        "schema_version": 2,
        "occurred_at": "2025-03-01T02:00:00Z",
        "actor": "199001012015031001",
        "subject": "199001012015031001",
        "opd_id": "bappeda",
        "correlation_id": "01JDXZ6W3F8N9Q2R4T5V6W7X8Y",
        "payload": {
            "request_id": "req-1",
            "nip": "199001012015031001",
            "work_unit_id": "bidang-data",
            "dates": ["2025-03-03"],
            "location": {"lat": -6.2, "lon": 106.8, "address": None},
            "reason": "Menyusun laporan",
            "work_plan": "Menyusun laporan evaluasi. " * 74,
        },
    }
    assert len(raw["payload"]["work_plan"]) <= DESCRIPTION_MAX_CHARS  # type: ignore[index]

    _, payload = decode_event(encode_json(raw))

    assert isinstance(payload, WfaRequested)
    assert payload.work_plan[0].description.startswith("Menyusun laporan evaluasi.")


def test_clip_cuts_generated_text_to_its_bound() -> None:
    assert clip("pendek", 10) == "pendek"
    clipped = clip("x" * 50, 10)
    assert len(clipped) == 10 and clipped.endswith("…")


def test_json_size_counts_utf8_bytes_and_refuses_what_is_not_json() -> None:
    assert json_size({"a": "é"}) == len('{"a":"é"}'.encode())
    with pytest.raises(ValueError):
        json_size({"a": "\ud800"})
    with pytest.raises(ValueError):
        json_size({"a": float("nan")})
    assert json.loads(encode_json({"a": 1})) == {"a": 1}


# --------------------------------------------------------------------------------------------
# The HTTP request models use the same bounds
# --------------------------------------------------------------------------------------------

_TODAY = date(2026, 11, 25)


def _wfa_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dates": ["2026-12-01"],
        "location": {"lat": -6.2, "lon": 106.8, "address": "Jl. Kebon Sirih 1"},
        "reason": "Menyusun laporan",
        "work_plan": [{"description": "Laporan", "target": 1, "unit": "dokumen"}],
    }
    return {**body, **overrides}


def _refusal(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        WfaRequestCreate.model_validate(body, context={"today": _TODAY})
    return str(caught.value)


def test_a_wfa_request_accepts_days_within_the_window() -> None:
    body = _wfa_request(dates=["2027-11-26", "2026-10-25"])

    command = WfaRequestCreate.model_validate(body, context={"today": _TODAY})

    assert command.dates == [date(2026, 10, 25), date(2027, 11, 26)]


@pytest.mark.parametrize("day", ["9999-12-31", "2027-11-27", "2026-10-24", "0001-01-01"])
def test_a_wfa_request_refuses_days_outside_the_window_and_says_so(day: str) -> None:
    reason = _refusal(_wfa_request(dates=[day]))

    assert "dates" in reason
    assert "2026-10-25 and 2027-11-26" in reason and "31 days before to 366 days after" in reason
    assert "hari sebelum" in reason


def test_a_wfa_request_is_bounded_like_its_event() -> None:
    target = {"description": "Laporan", "target": 1, "unit": "dokumen"}
    assert "work_plan" in _refusal(_wfa_request(work_plan=[target] * (MAX_WORK_TARGETS + 1)))
    assert "work_plan" in _refusal(_wfa_request(work_plan=[target] * 14_519))
    assert "reason" in _refusal(_wfa_request(reason="x" * (LONG_TEXT_MAX_CHARS + 1)))
    assert "work_unit_id" in _refusal(_wfa_request(work_unit_id="u\n1"))
    for address in ("Jl. \ud800", "a" * (ADDRESS_MAX_CHARS + 1), "a" * 900_000, "Jl.\x00"):
        location = {"lat": -6.2, "lon": 106.8, "address": address}
        assert "location.address" in _refusal(_wfa_request(location=location))


@pytest.mark.parametrize(
    "field, value",
    [
        ("location", {"lat": 0, "lon": 0, "address": "Jl. \ud800"}),
        ("location", {"lat": 0, "lon": 0, "address": "a" * 1_000_000}),
        ("location", {"lat": 0, "lon": 0, "address": "a" * 900_000}),
        ("device_id", "hp\ud800"),
        ("device_id", "hp\n1"),
        ("at", "9999-12-31T23:59:59Z"),
    ],
)
def test_a_check_in_is_bounded_like_its_event(field: str, value: Any) -> None:
    body = {"location": {"lat": -6.2, "lon": 106.8}, "mode": "wfa", field: value}

    with pytest.raises(ValidationError) as caught:
        PresenceCreate.model_validate(body)

    assert field in str(caught.value)
