"""The rows verification compares, as it reads them (pure; no I/O): a block of the sealed log
(``seal_blocks``), a sealed leaf (``seal_leaves``), an archived row (``event_archive``) checked
against its own ``raw``, and what a Kafka record would be sealed as.

A Kafka record's content is its hash and the event id at the head of its JSON, confirmed
against what is sealed at its place; only a record that does not confirm goes through the
archive's own mapper (the pydantic contract), so every verdict is the mapper's. Archived rows
are checked in ``domain/archived_copies.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from kernel.projection_rows import Position
from schemas import MalformedEvent
from schemas.serialization import read_event
from services.audit.domain.archive import archive_row
from services.audit.domain.merkle import leaf_hash
from services.audit.domain.seal import leaf_input
from services.audit.verify_proofs import LEAF_FORMAT

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


class Leaf(NamedTuple):
    """One sealed leaf: a place on the log and what was there (a tuple: made by the
    thousand, compared and ordered field by field)."""

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


_LEAF_HEAD = b"\x00" + LEAF_FORMAT.encode() + b"\n"


def leaf_hashes(leaves: Sequence[Leaf]) -> list[bytes]:
    """:meth:`Leaf.hash` of each leaf, inline (the hottest loop of verification)."""
    sha256, head = hashlib.sha256, _LEAF_HEAD
    return [
        sha256(head + f"{t}\n{p}\n{o}\n{e}\n{s}\n".encode()).digest()
        for t, p, o, e, s, _, _ in leaves
    ]


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
