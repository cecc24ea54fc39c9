"""Archive rows checked against their own bytes (pure; no I/O): the hash recomputed with
``hashlib`` (the stored ``sha256`` is never trusted) and every derived column compared with
what the archive's mapper makes of ``raw``.

Every row is checked, so the common case takes a fast path: the columns are compared with the
envelope as orjson reads it (or as the store read it, for a whole run at once). Only what the
fast path does not confirm goes through the mapper (the pydantic contract), so every verdict
is the mapper's.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import orjson

from schemas.events import EVENT_TYPES
from services.audit.domain.sealed_rows import (
    _DERIVED_COLUMNS,
    ArchivedCopy,
    _comparable,
    archived_row_of,
)

_ENVELOPE_TEXT = ("event_id", "type", "subject", "opd_id", "actor", "correlation_id")
_INSTANTS = ("occurred_at", "recorded_at")


def _instant_matches(stored: Any, value: Any) -> bool:
    """:func:`_same_instant`, its common case inline."""
    if (
        type(value) is str
        and len(value) == 27
        and value[19] == "."
        and value[26] == "Z"
        and type(stored) is str
        and len(stored) == 23
    ):  # as stored ("2026-12-01 08:00:00.123") and as producers write it ("...T...123456Z")
        return stored[:10] == value[:10] and stored[11:] == value[11:23]
    return _same_instant(stored, value)


def _same_instant(stored: Any, value: Any) -> bool:
    """Whether a stored ``DateTime64(3)`` column holds the envelope's instant."""
    if (
        type(stored) is str
        and type(value) is str
        and len(stored) == 23
        and len(value) >= 24
        and value[-1] == "Z"
        and value[19] == "."
    ):  # as stored ("2026-12-01 08:00:00.123") and as producers write it ("...T...123456Z")
        return stored[:10] == value[:10] and stored[11:] == value[11:23]
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return False
    return bool(_comparable(stored) == _comparable(value))


_PAYLOAD_KEY = b',"payload":'


def _envelope_of(raw: bytes) -> dict[str, Any] | None:
    """The envelope fields before the payload (producers write the payload last), read by
    orjson without the payload; ``None`` when the bytes are not laid out so."""
    end = raw.find(_PAYLOAD_KEY)
    try:
        envelope = orjson.loads(raw[:end] + b"}") if end > 0 else orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return envelope if type(envelope) is dict else None


def _fast_bad_columns(row: Mapping[str, Any], raw: bytes, digest: str) -> tuple[str, ...] | None:
    """The derived columns that disagree with ``raw`` as orjson reads its envelope; ``None``
    when the envelope cannot be read so (the mapper decides)."""
    envelope = _envelope_of(raw)
    if envelope is None:
        return None
    cls = EVENT_TYPES.get(envelope.get("type"))  # type: ignore[arg-type]
    if cls is None:
        return None
    bad = [c for c in _ENVELOPE_TEXT if c in row and row[c] != envelope.get(c)]
    if "causation_id" in row and row["causation_id"] != envelope.get("causation_id"):
        bad.append("causation_id")
    if "schema_version" in row and row["schema_version"] != cls.class_version:
        bad.append("schema_version")
    for column in _INSTANTS:
        if column in row and not _same_instant(row[column], envelope.get(column)):
            bad.append(column)
    if "sha256" in row and row["sha256"] != digest:
        bad.append("sha256")
    return tuple(bad)


def archived_copy(row: Mapping[str, Any]) -> ArchivedCopy:
    """An archive row (every column, ``raw`` as text or bytes) checked against its own
    ``raw``: the hash is recomputed (the stored ``sha256`` column is never trusted) and every
    derived column is compared with what the mapper makes of ``raw``."""
    value = row["raw"]
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return _copy(row, raw, hashlib.sha256(raw).hexdigest())


def _copy(row: Mapping[str, Any], raw: bytes, digest: str) -> ArchivedCopy:
    topic, partition, offset = str(row["topic"]), int(row["partition"]), int(row["offset"])
    bad = _fast_bad_columns(row, raw, digest)
    if bad != ():  # not confirmed by the fast path: the mapper's verdict
        expected = archived_row_of(topic, partition, offset, raw)
        if expected is None:
            bad = ("raw",)
        else:
            bad = tuple(
                column
                for column in _DERIVED_COLUMNS
                if column in row and _comparable(row[column]) != _comparable(expected[column])
            )
    return ArchivedCopy(topic, partition, offset, str(row["event_id"]), digest, bad)


def archived_copies(columns: Mapping[str, Sequence[Any]]) -> list[ArchivedCopy]:
    """Archive rows given column by column (``raw`` base64-encoded, every derived column
    present), each checked as :func:`archived_copy` checks it: the common case inline.
    ``consistent`` (optional): rows whose derived columns the store has already found to be
    what their ``raw`` says (the hash is always recomputed here)."""
    decode, sha256 = binascii.a2b_base64, hashlib.sha256
    out = []
    rows = zip(
        columns["raw"],
        columns["sha256"],
        columns.get("consistent") or repeat(False),
        columns["topic"],
        columns["partition"],
        columns["offset"],
        columns["event_id"],
        strict=False,
    )
    for i, (encoded, stored_sha, consistent, topic, partition, offset, event_id) in enumerate(rows):
        raw = decode(encoded)
        digest = sha256(raw).hexdigest()
        if consistent and stored_sha == digest:  # the engine confirmed the other columns
            out.append(ArchivedCopy(topic, partition, offset, event_id, digest))
        else:
            out.append(_checked(columns, i, raw, digest))
    return out


def _checked(columns: Mapping[str, Sequence[Any]], i: int, raw: bytes, digest: str) -> ArchivedCopy:
    """Row ``i`` checked against its own bytes: as orjson reads its envelope, else by the
    mapper."""
    row = {name: columns[name][i] for name in _ROW_COLUMNS}
    end = raw.find(_PAYLOAD_KEY)
    try:
        envelope = orjson.loads(raw[:end] + b"}") if end > 0 else None
    except orjson.JSONDecodeError:
        envelope = None
    cls = EVENT_TYPES.get(row["type"])
    if (
        type(envelope) is dict
        and cls is not None
        and row["sha256"] == digest
        and all(envelope.get(name) == row[name] for name in _ENVELOPE_TEXT)
        and envelope.get("causation_id") == row["causation_id"]
        and cls.class_version == row["schema_version"]
        and _instant_matches(row["occurred_at"], envelope.get("occurred_at"))
        and _instant_matches(row["recorded_at"], envelope.get("recorded_at"))
    ):
        return ArchivedCopy(row["topic"], row["partition"], row["offset"], row["event_id"], digest)
    return _copy(row, raw, digest)


_ROW_COLUMNS = ("topic", "partition", "offset", *_DERIVED_COLUMNS)
