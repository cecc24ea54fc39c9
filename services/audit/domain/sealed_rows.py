"""The rows verification compares, as it reads them (pure; no I/O): a block of the sealed log
(``seal_blocks``), a sealed leaf (``seal_leaves``), an archived row (``event_archive``) checked
against its own ``raw``, and what a Kafka record would be sealed as.

Every event is checked, so the common case takes a fast path: an archived row's hash is
``hashlib`` over its bytes and its derived columns are compared with the envelope as orjson
reads it; a Kafka record's content is its hash and the event id at the head of its JSON.
Only what the fast path does not confirm goes through the archive's own mapper (the pydantic
contract), so every verdict is the mapper's.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import orjson

from schemas import MalformedEvent
from schemas.events import EVENT_TYPES
from schemas.serialization import read_event
from services.audit.domain.archive import archive_row
from services.audit.domain.merkle import leaf_hash
from services.audit.domain.seal import leaf_input
from services.runtime.projection import Position

Partition = tuple[str, int]
Place = tuple[str, int, int]
"""(topic, partition, offset) of a record on the log."""
Content = tuple[str, str]
"""(event id, lowercase hex SHA-256 of the record's value): what a leaf says is at a place."""

ARCHIVE_TABLE = "event_archive"
_DERIVED_COLUMNS = (
    "event_id",
    "type",
    "schema_version",
    "subject",
    "opd_id",
    "actor",
    "correlation_id",
    "causation_id",
    "occurred_at",
    "recorded_at",
    "sha256",
)
"""Archive columns derived from ``raw``: each must equal what the mapper makes of ``raw``."""
_ENVELOPE_TEXT = ("event_id", "type", "subject", "opd_id", "actor", "correlation_id")
_INSTANTS = ("occurred_at", "recorded_at")


@dataclass(frozen=True)
class SealedBlock:
    """One row of ``seal_blocks`` as stored (hashes in lowercase hex)."""

    block: int
    first_index: int
    size: int
    tree_size: int
    ranges: str
    block_root: str
    prev_head: str
    head: str
    tree_root: str
    checkpoint: str
    signature: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SealedBlock:
        return cls(
            block=int(row["block"]),
            first_index=int(row["first_index"]),
            size=int(row["size"]),
            tree_size=int(row["tree_size"]),
            ranges=str(row["ranges"]),
            block_root=str(row["block_root"]),
            prev_head=str(row["prev_head"]),
            head=str(row["head"]),
            tree_root=str(row["tree_root"]),
            checkpoint=str(row["checkpoint"]),
            signature=str(row["signature"]),
        )

    def parsed_ranges(self) -> list[tuple[str, int, int, int]] | None:
        """(topic, partition, from, to) of every range; ``None`` when unreadable."""
        try:
            value = orjson.loads(self.ranges)
            ranges = [(str(t), int(p), int(a), int(b)) for t, p, a, b in value]
        except (orjson.JSONDecodeError, TypeError, ValueError):
            return None
        return ranges


@dataclass(order=True, slots=True)
class Leaf:
    """One sealed leaf: a place on the log and what was there (made by the thousand: slots,
    not frozen, for speed; never changed once made)."""

    topic: str
    partition: int
    offset: int
    event_id: str
    sha256: str
    leaf_index: int = -1
    block: int = -1

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Leaf:
        return cls(
            str(row["topic"]),
            int(row["partition"]),
            int(row["offset"]),
            str(row["event_id"]),
            str(row["sha256"]),
            int(row.get("leaf_index", -1)),
            int(row.get("block", -1)),
        )

    @property
    def place(self) -> Place:
        return (self.topic, self.partition, self.offset)

    @property
    def content(self) -> Content:
        return (self.event_id, self.sha256)

    def hash(self) -> bytes:
        return leaf_hash(
            leaf_input(self.topic, self.partition, self.offset, self.event_id, self.sha256)
        )


def content_hash(place: Place, content: Content) -> bytes:
    """The leaf hash of ``content`` sealed at ``place``."""
    return leaf_hash(leaf_input(*place, *content))


@dataclass(slots=True)
class ArchivedCopy:
    """One stored version of an archive row, as the verifier sees it: its place, its event id
    column, the hash recomputed from ``raw`` and the columns that disagree with ``raw`` (made
    by the thousand: slots, not frozen, for speed; never changed once made)."""

    topic: str
    partition: int
    offset: int
    event_id: str
    sha256: str
    bad_columns: tuple[str, ...] = ()

    @property
    def place(self) -> Place:
        return (self.topic, self.partition, self.offset)

    @property
    def content(self) -> Content:
        return (self.event_id, self.sha256)


def _comparable(value: Any) -> Any:
    """A column value as both the store and the mapper can give it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ", "milliseconds")[:-6]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        text = value.replace("T", " ").removesuffix("Z").removesuffix("+00:00")
        if "." not in text:
            text += ".000"
        return text
    if value is None or isinstance(value, (int, float)):
        return value
    return str(value)


def archived_row_of(topic: str, partition: int, offset: int, raw: bytes) -> dict[str, Any] | None:
    """The archive row the projector makes of a record's value, or ``None`` when the record is
    not archived (undecodable records go to the dead-letter topic; restricted topics never)."""
    try:
        mapped = archive_row(read_event(raw), Position(topic, partition, offset), raw)
    except MalformedEvent:
        return None
    except Exception:  # the projector dead-letters a record its mapper cannot map
        return None
    for table, row in mapped:
        if table == ARCHIVE_TABLE:
            return row
    return None


def kafka_content(topic: str, partition: int, offset: int, value: bytes | None) -> Content | None:
    """What the archive would seal for a record read from Kafka; ``None`` if not archived."""
    row = archived_row_of(topic, partition, offset, value or b"")
    return None if row is None else (str(row["event_id"]), str(row["sha256"]))


_HEAD = b'{"event_id":"'
_ULID_END = len(_HEAD) + 26


def leading_event_id(value: bytes) -> str:
    """The event id a record's JSON starts with, as every producer writes it (``""`` when it
    does not start so): a guess, to be confirmed by a sealed leaf or the mapper."""
    if value.startswith(_HEAD) and value[_ULID_END : _ULID_END + 1] == b'"':
        return value[len(_HEAD) : _ULID_END].decode("ascii", "replace")
    return ""


def record_content(
    topic: str, partition: int, offset: int, value: bytes | None, expected: Content | None
) -> Content | None:
    """What the archive would seal for a Kafka record, ``expected`` being what is sealed at its
    place: confirmed by its hash and leading event id, else decided by the mapper."""
    if value is not None and expected is not None:
        digest = hashlib.sha256(value).hexdigest()
        if digest == expected[1] and leading_event_id(value) == expected[0]:
            return expected
    return kafka_content(topic, partition, offset, value)


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
    decode, sha256, loads, types = binascii.a2b_base64, hashlib.sha256, orjson.loads, EVENT_TYPES
    out = []
    rows = zip(
        columns["raw"],
        columns["topic"],
        columns["partition"],
        columns["offset"],
        columns["event_id"],
        columns["type"],
        columns["schema_version"],
        columns["subject"],
        columns["opd_id"],
        columns["actor"],
        columns["correlation_id"],
        columns["causation_id"],
        columns["occurred_at"],
        columns["recorded_at"],
        columns["sha256"],
        columns.get("consistent") or repeat(False),
        strict=False,
    )
    for (
        encoded,
        topic,
        partition,
        offset,
        event_id,
        type_,
        version,
        subject,
        opd_id,
        actor,
        correlation_id,
        causation_id,
        occurred_at,
        recorded_at,
        stored_sha,
        consistent,
    ) in rows:
        raw = decode(encoded)
        digest = sha256(raw).hexdigest()
        if consistent and stored_sha == digest:  # the engine confirmed the other columns
            out.append(ArchivedCopy(topic, partition, offset, event_id, digest))
            continue
        end = raw.find(_PAYLOAD_KEY)
        try:
            envelope = loads(raw[:end] + b"}") if end > 0 else None
        except orjson.JSONDecodeError:
            envelope = None
        if (
            type(envelope) is dict
            and stored_sha == digest
            and envelope.get("event_id") == event_id
            and envelope.get("type") == type_
            and envelope.get("subject") == subject
            and envelope.get("opd_id") == opd_id
            and envelope.get("actor") == actor
            and envelope.get("correlation_id") == correlation_id
            and envelope.get("causation_id") == causation_id
            and (cls := types.get(type_)) is not None
            and cls.class_version == version
            and _instant_matches(occurred_at, envelope.get("occurred_at"))
            and _instant_matches(recorded_at, envelope.get("recorded_at"))
        ):
            out.append(ArchivedCopy(topic, partition, offset, event_id, digest))
            continue
        row = {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "event_id": event_id,
            "type": type_,
            "schema_version": version,
            "subject": subject,
            "opd_id": opd_id,
            "actor": actor,
            "correlation_id": correlation_id,
            "causation_id": causation_id,
            "occurred_at": occurred_at,
            "recorded_at": recorded_at,
            "sha256": stored_sha,
        }
        out.append(_copy(row, raw, digest))
    return out
