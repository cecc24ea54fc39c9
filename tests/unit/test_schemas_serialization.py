"""Bytes in and out: records, round trips, malformed input and dead letters."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from schemas import (
    DEAD_LETTER,
    EVENT_TYPES,
    Envelope,
    EventPayload,
    KafkaRecord,
    MalformedEvent,
    WfaRequested,
    dead_letter_record,
    decode_event,
    decode_json,
    encode_json,
    envelope_from_bytes,
    new_event,
    to_record,
    topic_for,
)
from schemas.examples import EXAMPLE_NIP, example_envelope, example_payloads
from schemas.serialization import DLQ_HEADERS, EVENT_HEADERS


def _example(event_type: str) -> Envelope:
    return example_envelope(example_payloads()[event_type])


def _raw(event_type: str = "WfaRequested", **overrides: Any) -> dict[str, Any]:
    """The JSON object of an example record value, with top-level overrides."""
    raw: dict[str, Any] = json.loads(to_record(_example(event_type)).value)
    return {**raw, **overrides}


def _reason(value: Any) -> str:
    with pytest.raises(MalformedEvent) as excinfo:
        envelope_from_bytes(value)
    assert isinstance(excinfo.value, ValueError)
    assert str(excinfo.value) == excinfo.value.reason
    return excinfo.value.reason


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_every_event_round_trips_through_bytes(event_type: str) -> None:
    payload = example_payloads()[event_type]
    envelope = example_envelope(payload)

    record = to_record(envelope)
    decoded, typed = decode_event(record.value)

    assert decoded == envelope
    assert envelope_from_bytes(record.value) == envelope
    assert typed == payload
    assert type(typed) is EVENT_TYPES[event_type]


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_record_topic_key_and_headers(event_type: str) -> None:
    envelope = _example(event_type)

    record = to_record(envelope)

    assert record.topic == topic_for(event_type) == EVENT_TYPES[event_type].topic
    assert record.key == envelope.subject.encode() == EXAMPLE_NIP.encode()
    assert [name for name, _ in record.headers] == list(EVENT_HEADERS)
    assert dict(record.headers) == {
        "event_type": event_type.encode(),
        "schema_version": str(EVENT_TYPES[event_type].class_version).encode(),
        "event_id": envelope.event_id.encode(),
        "correlation_id": envelope.correlation_id.encode(),
        "content-type": b"application/json",
    }
    assert record.header("event_type") == event_type.encode()
    assert record.header("missing") is None


def test_record_value_is_compact_utf8_json_of_the_envelope() -> None:
    envelope = _example("WfaRequested")

    record = to_record(envelope)

    assert record.value == envelope.model_dump_json().encode("utf-8")
    assert b"\n" not in record.value
    assert b'": ' not in record.value
    assert json.loads(record.value) == envelope.model_dump(mode="json")
    assert json.loads(record.value)["occurred_at"] == "2026-01-05T07:30:00+07:00"


def test_record_is_frozen() -> None:
    record = to_record(_example("CheckedIn"))

    with pytest.raises(FrozenInstanceError):
        record.key = b"x"  # type: ignore[misc]


def test_decoding_normalises_the_payload() -> None:
    raw = _raw()
    raw["payload"]["place"] = {"cell": "-7.00,110.00"}  # no location id, no address
    raw["payload"]["work_plan"][0]["target"] = 2  # an int

    envelope = envelope_from_bytes(encode_json(raw))

    assert envelope.payload["place"] == {
        "location_id": None,
        "cell": "-7.00,110.00",
        "address": None,
    }
    assert envelope.payload["work_plan"][0]["target"] == 2.0


# ---------------------------------------------------------------------------- producing


def test_to_record_refuses_an_invalid_payload() -> None:
    envelope = _example("WfaRequested").model_copy(
        update={"payload": {**_raw()["payload"], "dates": []}}
    )

    with pytest.raises(MalformedEvent, match="payload invalid for WfaRequested v4: dates"):
        to_record(envelope)


def test_to_record_refuses_an_old_version_or_unknown_type() -> None:
    old = Envelope.model_validate(_raw(schema_version=2))
    unknown = Envelope.model_validate(_raw(type="SomethingHappened"))

    with pytest.raises(MalformedEvent, match="producers write the current version"):
        to_record(old)
    with pytest.raises(MalformedEvent, match="unknown event type 'SomethingHappened'"):
        to_record(unknown)


# ---------------------------------------------------------------------------- malformed input


def test_invalid_payload_reason_names_event_version_and_field() -> None:
    raw = _raw()
    raw["payload"]["dates"] = []

    assert _reason(encode_json(raw)) == (
        "payload invalid for WfaRequested v4: dates: List should have at least 1 item after "
        "validation, not 0"
    )


def test_invalid_nested_payload_field_has_a_dotted_path() -> None:
    raw = _raw()
    raw["payload"]["work_plan"][1]["target"] = 0

    assert _reason(encode_json(raw)) == (
        "payload invalid for WfaRequested v4: work_plan.1.target: Input should be greater than 0"
    )


def test_unknown_event_type() -> None:
    assert _reason(encode_json(_raw(type="SomethingHappened"))) == (
        "unknown event type 'SomethingHappened'"
    )


def test_newer_version_than_known() -> None:
    assert _reason(encode_json(_raw(schema_version=5))) == (
        "cannot upcast WfaRequested v5: newer than the newest version this build knows (v4)"
    )


def test_invalid_envelope() -> None:
    raw = _raw(subject="123")
    del raw["opd_id"]

    reason = _reason(encode_json(raw))

    assert reason.startswith("envelope invalid: ")
    assert "subject: String should match pattern" in reason
    assert "opd_id: Field required" in reason


def test_many_errors_are_summarised() -> None:
    reason = _reason(b'{"payload": []}')

    assert reason.startswith("envelope invalid: ")
    assert reason.endswith("more")
    assert reason.count(";") == 5


@pytest.mark.parametrize(
    ("value", "reason_start"),
    [
        (b"", "empty record value"),
        (b"not json", "not valid JSON: Expecting value"),
        (b'{"type": "WfaRequested",', "not valid JSON: "),
        (b"\xff\xfe{}", "not valid UTF-8: "),
        (b"[1, 2]", "envelope must be a JSON object, got an array"),
        (b'"text"', "envelope must be a JSON object, got a string"),
        (b"null", "envelope must be a JSON object, got null"),
        (b"42", "envelope must be a JSON object, got a number"),
        (b'{"a": NaN}', "not valid JSON: NaN is not allowed"),
        (b'{"a": 1, "a": 2}', "not valid JSON: duplicate key 'a'"),
        (b"[" * 200_000 + b"]" * 200_000, "not valid JSON: nested too deeply"),
        (None, "record value must be bytes, got NoneType"),
        ("{}", "record value must be bytes, got str"),
    ],
)
def test_garbage_is_a_malformed_event(value: Any, reason_start: str) -> None:
    assert _reason(value).startswith(reason_start)


def test_payload_that_is_not_an_object() -> None:
    reason = _reason(encode_json(_raw(payload=["x"])))

    assert reason == "envelope invalid: payload: Input should be a valid dictionary"


def test_bytearray_and_memoryview_are_accepted() -> None:
    value = to_record(_example("CheckedIn")).value

    assert envelope_from_bytes(bytearray(value)) == envelope_from_bytes(memoryview(value))


# ---------------------------------------------------------------------------- dead letters


def test_dead_letter_record_keeps_the_original_bytes() -> None:
    original = to_record(_example("WfaRequested"))

    record = dead_letter_record(
        original.key,
        original.value,
        "payload invalid for WfaRequested v4: dates: List should have at least 1 item",
        original.topic,
        partition=3,
        offset=1234,
        original_headers=[*original.headers, ("dlq_reason", b"old")],
    )

    assert isinstance(record, KafkaRecord)
    assert record.topic == DEAD_LETTER == "wfa.deadletter.v1"
    assert record.key == original.key
    assert record.value == original.value
    assert record.headers[: len(original.headers)] == original.headers
    assert record.headers[len(original.headers) :] == [
        (
            "dlq_reason",
            b"payload invalid for WfaRequested v4: dates: List should have at least 1 item",
        ),
        ("dlq_source_topic", b"wfa.requests.v1"),
        ("dlq_partition", b"3"),
        ("dlq_offset", b"1234"),
    ]
    assert [name for name, _ in record.headers if name.startswith("dlq_")] == list(DLQ_HEADERS)


def test_dead_letter_record_without_key_and_with_a_long_reason() -> None:
    record = dead_letter_record(None, b"\xff", "x" * 5000, "wfa.attendance.v1", 0, 7)

    assert record.key == b""
    assert record.value == b"\xff"
    reason = record.header("dlq_reason")
    assert reason is not None
    assert len(reason.decode()) == 2000
    assert reason.decode().endswith("…")


def test_malformed_record_flows_into_a_dead_letter() -> None:
    value = b'{"type": "Oops"}'
    with pytest.raises(MalformedEvent) as excinfo:
        envelope_from_bytes(value)

    record = dead_letter_record(b"k", value, excinfo.value.reason, "wfa.roster.v1", 1, 2)

    assert excinfo.value.reason.startswith("envelope invalid: ")
    assert record.header("dlq_reason") == excinfo.value.reason.encode()
    assert record.value == value


# ---------------------------------------------------------------------------- JSON helpers


def test_json_helpers_round_trip_and_are_strict() -> None:
    data = {"nama": "Siti – Dinkes", "angka": [1, 2.5, None, True]}

    encoded = encode_json(data)

    # Non-ASCII text stays UTF-8 instead of \\u escapes.
    assert encoded == '{"nama":"Siti – Dinkes","angka":[1,2.5,null,true]}'.encode()
    assert decode_json(encoded) == data
    with pytest.raises(ValueError):
        encode_json({"x": float("nan")})
    with pytest.raises(ValueError):
        decode_json(b'{"x": Infinity}')


def test_new_event_output_is_publishable() -> None:
    payload: EventPayload = example_payloads()["WfaRequested"]
    assert isinstance(payload, WfaRequested)
    envelope = new_event(payload, actor=EXAMPLE_NIP, subject=payload.nip, opd_id="opd")

    assert envelope_from_bytes(to_record(envelope).value) == envelope
