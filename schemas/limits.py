"""Bounds of every string, list, number and date of the event contract, in one place.

Kafka refuses a record larger than the broker's ``message.max.bytes`` (1 MiB by default), so
every field of every event is bounded, and the bounds are chosen so that the LARGEST possible
event of each type, every string at its maximum length in 4-byte UTF-8 characters and every
list at its maximum number of items, stays under :data:`MAX_EVENT_BYTES` (half of that).
``tests/unit/test_contract_limits.py`` builds those maximal events and checks it.

Strings never carry lone surrogates (they cannot be encoded as UTF-8) nor C0 control
characters (U+0000-U+001F) or DEL; free text (reasons, notes, descriptions, addresses,
explanations) may carry tab, line feed and carriage return. Every other code point is kept,
the C1 controls (U+0080-U+009F, NEL U+0085 among them) and the line and paragraph separators
U+2028 and U+2029 included, in one-line text too: every reader keeps them (rows and lines are
split only where their format ends them, never with ``str.splitlines``). Dates and
timestamps lie between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`, so date arithmetic on
them never overflows, and counters are 32-bit.

The HTTP request models of the services use the same types, so anything an edge accepts fits
the event it becomes.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, WithJsonSchema

__all__ = [
    "ADDRESS_MAX_CHARS",
    "DESCRIPTION_MAX_CHARS",
    "EARLIEST_DATE",
    "EARLIEST_INSTANT",
    "EXPLANATION_MAX_CHARS",
    "FREE_TEXT_NON_BLANK_PATTERN",
    "FREE_TEXT_PATTERN",
    "IDENTIFIER_MAX_CHARS",
    "KAFKA_MESSAGE_MAX_BYTES",
    "LATEST_DATE",
    "LATEST_INSTANT",
    "LEGAL_BASIS_MAX_CHARS",
    "LONG_TEXT_MAX_CHARS",
    "MAX_ANOMALY_KINDS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_COUNTER",
    "MAX_EVENT_BYTES",
    "MAX_EVIDENCE_ITEMS",
    "MAX_POLICY_SETTINGS_BYTES",
    "MAX_POLICY_SETTINGS_KEYS",
    "MAX_REPORT_ATTACHMENTS",
    "MAX_REPORT_OUTPUTS",
    "MAX_REQUEST_DAYS",
    "MAX_TRACE_RULES",
    "MAX_WORK_TARGETS",
    "ONE_LINE_NON_BLANK_PATTERN",
    "ONE_LINE_PATTERN",
    "SHORT_TEXT_MAX_CHARS",
    "Address",
    "CoarseCell",
    "ContractDate",
    "Counter",
    "Description",
    "DeviceId",
    "EvidenceMap",
    "Explanation",
    "Identifier",
    "Instant",
    "LegalBasis",
    "LongText",
    "NonBlankLegalBasis",
    "NonBlankLongText",
    "Percent",
    "PolicySettingsDocument",
    "ShortText",
    "clip",
    "json_size",
]

# --------------------------------------------------------------------------------------------
# Record size
# --------------------------------------------------------------------------------------------

KAFKA_MESSAGE_MAX_BYTES: Final = 1_048_588
"""Kafka's default ``message.max.bytes``: the broker refuses larger record batches."""

MAX_EVENT_BYTES: Final = 512 * 1024
"""Upper bound of one event record (value, key and headers) under the limits below."""

# --------------------------------------------------------------------------------------------
# Strings (lengths in Unicode code points)
# --------------------------------------------------------------------------------------------

IDENTIFIER_MAX_CHARS: Final = 128
"""Ids and codes: request, OPD, work unit, sanction, device ids; rule and reason codes."""

SHORT_TEXT_MAX_CHARS: Final = 255
"""One-line texts: names with titles, position titles, units of measure, legal bases."""

ADDRESS_MAX_CHARS: Final = 500
"""A human-readable address of a position."""

DESCRIPTION_MAX_CHARS: Final = 2000
"""What a work-plan target or a delivered output is (a v2 free-text work plan became one)."""

EXPLANATION_MAX_CHARS: Final = 1000
"""A generated explanation (one language) of a rule outcome or a refusal."""

LEGAL_BASIS_MAX_CHARS: Final = 1000
"""The regulations a rule outcome rests on (several circulars may be joined)."""

LONG_TEXT_MAX_CHARS: Final = 2000
"""Free text written by a person: reasons, notes, remarks."""

# --------------------------------------------------------------------------------------------
# Lists, numbers, documents
# --------------------------------------------------------------------------------------------

MAX_REQUEST_DAYS: Final = 31
"""Days in one WFA request event (the HTTP edge allows fewer)."""

MAX_WORK_TARGETS: Final = 20
"""Measurable targets in one work plan."""

MAX_REPORT_OUTPUTS: Final = 20
"""Outputs in one daily report."""

MAX_REPORT_ATTACHMENTS: Final = 10
"""Attachments (by reference) in one daily report."""

MAX_ATTACHMENT_BYTES: Final = 1 << 30
"""Size of one referenced attachment (the file itself is stored elsewhere)."""

MAX_ANOMALY_KINDS: Final = 32
"""Distinct anomaly kinds counted in one summary."""

MAX_TRACE_RULES: Final = 16
"""Rule outcomes in one eligibility decision (the engine evaluates twelve)."""

MAX_POLICY_SETTINGS_BYTES: Final = 384 * 1024
"""Size of the settings document of a policy version, as compact UTF-8 JSON."""

MAX_POLICY_SETTINGS_KEYS: Final = 64
"""Top-level keys of the settings document of a policy version."""

MAX_COUNTER: Final = 2**31 - 1
"""Largest version number or other counter (fits a signed 32-bit column)."""

# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

EARLIEST_DATE: Final = date(1900, 1, 1)
"""Earliest date in any event (appointment dates of the oldest records included)."""

LATEST_DATE: Final = date(2100, 12, 31)
"""Latest date in any event; far enough from ``date.max`` for any date arithmetic."""

EARLIEST_INSTANT: Final = datetime(1900, 1, 1, tzinfo=UTC)
"""Earliest timestamp in any event."""

LATEST_INSTANT: Final = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
"""Latest timestamp in any event."""

# --------------------------------------------------------------------------------------------
# Characters. The patterns are valid in Rust regex (pydantic) and ECMA-262 (JSON Schema).
# Any string constraint also makes pydantic refuse lone surrogates ("string_unicode").
# --------------------------------------------------------------------------------------------

_LINE_CHAR = r"[^\x00-\x1F\x7F]"
_LINE_VISIBLE = r"[^\s\x00-\x1F\x7F]"
_TEXT_CHAR = r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
_TEXT_VISIBLE = r"[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"

ONE_LINE_PATTERN: Final = f"^{_LINE_CHAR}*$"
"""No control characters at all."""
ONE_LINE_NON_BLANK_PATTERN: Final = f"^{_LINE_CHAR}*{_LINE_VISIBLE}{_LINE_CHAR}*$"
"""No control characters, and at least one visible character."""
FREE_TEXT_PATTERN: Final = f"^{_TEXT_CHAR}*$"
"""No control characters except tab, line feed and carriage return."""
FREE_TEXT_NON_BLANK_PATTERN: Final = f"^{_TEXT_CHAR}*{_TEXT_VISIBLE}{_TEXT_CHAR}*$"
"""Like :data:`FREE_TEXT_PATTERN`, with at least one visible character."""


def _text(max_chars: int, pattern: str, *, min_chars: int | None = None) -> StringConstraints:
    return StringConstraints(min_length=min_chars, max_length=max_chars, pattern=pattern)


Identifier = Annotated[str, _text(IDENTIFIER_MAX_CHARS, ONE_LINE_NON_BLANK_PATTERN, min_chars=1)]
"""An id or code: 1-128 characters on one line, not blank."""

ShortText = Annotated[str, _text(SHORT_TEXT_MAX_CHARS, ONE_LINE_NON_BLANK_PATTERN, min_chars=1)]
"""A name or title: 1-255 characters on one line, not blank."""

DeviceId = Annotated[str, _text(SHORT_TEXT_MAX_CHARS, ONE_LINE_PATTERN)]
"""A client-chosen device id: at most 255 characters on one line."""

Address = Annotated[str, _text(ADDRESS_MAX_CHARS, FREE_TEXT_PATTERN)]
"""An address: at most 500 characters."""

Description = Annotated[str, _text(DESCRIPTION_MAX_CHARS, FREE_TEXT_NON_BLANK_PATTERN, min_chars=1)]
"""What is planned or delivered: 1-2000 characters, not blank."""

Explanation = Annotated[str, _text(EXPLANATION_MAX_CHARS, FREE_TEXT_PATTERN)]
"""A generated explanation in one language: at most 1000 characters."""

LegalBasis = Annotated[str, _text(LEGAL_BASIS_MAX_CHARS, FREE_TEXT_PATTERN)]
"""Regulations a decision rests on: at most 1000 characters."""

NonBlankLegalBasis = Annotated[
    str, _text(LEGAL_BASIS_MAX_CHARS, FREE_TEXT_NON_BLANK_PATTERN, min_chars=1)
]
"""The decree or regulation a measure rests on: 1-1000 characters, not blank."""

LongText = Annotated[str, _text(LONG_TEXT_MAX_CHARS, FREE_TEXT_PATTERN)]
"""Free text by a person: at most 2000 characters; may be empty."""

NonBlankLongText = Annotated[
    str, _text(LONG_TEXT_MAX_CHARS, FREE_TEXT_NON_BLANK_PATTERN, min_chars=1)
]
"""Free text by a person: 1-2000 characters, not blank."""

Counter = Annotated[int, Field(ge=1, le=MAX_COUNTER)]
"""A version number or other counter: 1 to 2**31 - 1."""

Percent = Annotated[int, Field(ge=0, le=100)]
"""A share in whole percent: 0 to 100."""

ContractDate = Annotated[
    date,
    Field(
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        json_schema_extra={
            "formatMinimum": EARLIEST_DATE.isoformat(),
            "formatMaximum": LATEST_DATE.isoformat(),
        },
    ),
]
"""A calendar date from 1900-01-01 to 2100-12-31."""

Instant = Annotated[
    AwareDatetime,
    Field(
        ge=EARLIEST_INSTANT,
        le=LATEST_INSTANT,
        json_schema_extra={
            "formatMinimum": "1900-01-01T00:00:00Z",
            "formatMaximum": "2100-12-31T23:59:59.999999Z",
        },
    ),
]
"""A timestamp with UTC offset, from 1900 to the end of 2100."""


# --------------------------------------------------------------------------------------------
# Free-form JSON documents
# --------------------------------------------------------------------------------------------

_REFUSED_CODES: Final = frozenset({*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F})


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (raises ``ValueError`` if it is not JSON)."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return len(text.encode("utf-8"))
    except (TypeError, UnicodeEncodeError) as exc:
        raise ValueError(f"not JSON text: {exc}") from exc


def _check_text(text: str) -> None:
    if any(ord(char) in _REFUSED_CODES for char in text):
        raise ValueError("text must not contain control characters")


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key))
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def _bounded_document(value: dict[str, Any]) -> dict[str, Any]:
    size = json_size(value)  # also refuses lone surrogates: they are not UTF-8
    if size > MAX_POLICY_SETTINGS_BYTES:
        raise ValueError(
            f"the document is {size} bytes as JSON; at most {MAX_POLICY_SETTINGS_BYTES} allowed"
        )
    _check_strings(value)
    return value


PolicySettingsDocument = Annotated[
    dict[str, Any],
    Field(max_length=MAX_POLICY_SETTINGS_KEYS),
    AfterValidator(_bounded_document),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_POLICY_SETTINGS_KEYS,
            "x-max-json-bytes": MAX_POLICY_SETTINGS_BYTES,
        }
    ),
]
"""A JSON object of at most 64 keys and 384 KiB as compact UTF-8 JSON, without control
characters or lone surrogates in any string."""


COARSE_CELL_PATTERN: Final = r"^-?[0-9]{1,2}\.[0-9]{2},-?[0-9]{1,3}\.[0-9]{2}$"

CoarseCell = Annotated[str, StringConstraints(max_length=14, pattern=COARSE_CELL_PATTERN)]
"""A coarse position: latitude and longitude rounded to 0.01° (about 1.1 km), e.g.
``"-6.18,106.83"``. Derived facts carry this instead of a precise coordinate."""

MAX_EVIDENCE_ITEMS: Final = 24
"""Entries in an anomaly's evidence or thresholds."""

_EvidenceName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
]
_EvidenceText = Annotated[str, _text(SHORT_TEXT_MAX_CHARS, ONE_LINE_PATTERN)]
_EvidenceInteger = Annotated[int, Field(ge=-(2**53), le=2**53)]

EvidenceMap = Annotated[
    dict[_EvidenceName, _EvidenceText | _EvidenceInteger | float | bool | None],
    Field(max_length=MAX_EVIDENCE_ITEMS),
]
"""Up to 24 named scalar facts (snake_case names; text up to 255 characters)."""


def clip(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters, the last one an ellipsis when it was cut.

    For generated texts (explanations, joined legal bases) that must fit a bounded field.
    """
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1] + "…"
