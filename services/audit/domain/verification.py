"""Verification of the sealed audit log: pure comparison, no I/O.

The sealed log (``domain/seal.py``) is checked block by block against three sources, trusting
none of them on its own word:

1. **The chain and the checkpoints** (``seal_blocks``): every checkpoint's Ed25519 signature
   with the configured public key (never the key stored beside it), the checkpoint stating the
   block's tree size and root, the head recomputed, each block chained to the previous one
   (number, ``prev_head``, ``first_index``) and each partition's ranges contiguous.
2. **The manifest** (``seal_leaves``): the block's leaves must give its ``block_root`` and,
   appended to every earlier block's, the signed ``tree_root``.
3. **The archive** (``event_archive``, every stored version of each row, read without
   ``FINAL``): each row's hash is recomputed from its ``raw`` text and its other columns are
   derived again from ``raw`` by the archive's own mapper. Compared with the sealed leaves it
   names every event that was *altered*, *deleted*, *reordered* (moved to another sealed
   event's position) or *inserted* (a row at a position that was never sealed, or a second
   version beside a sealed event).
4. **Kafka** (optional): the records of every sealed range, mapped to leaves exactly as the
   archive's projector maps them, must be the manifest's leaves; when the manifest does not
   give its signed roots and Kafka does, Kafka is the reference for the archive and names the
   manifest's altered leaves.

:class:`LogVerifier` holds what crosses blocks (the previous head, each partition's frontier,
the log's Merkle frontier) and is fed one block at a time by ``services/audit/verifier.py``, so
memory stays bounded by one block whatever the size of the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas import MalformedEvent
from schemas.serialization import read_event
from services.audit.domain.archive import archive_row
from services.audit.domain.merkle import EMPTY_ROOT, leaf_hash, merkle_root, node_hash
from services.audit.domain.seal import GENESIS_HEAD, block_head, leaf_input
from services.audit.verify_proofs import verify_checkpoint
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


class Kind(StrEnum):
    """What a finding says went wrong."""

    BAD_SIGNATURE = "bad_signature"
    BROKEN_CHAIN = "broken_chain"
    MANIFEST_ALTERED = "manifest_altered"
    ALTERED = "altered"
    DELETED = "deleted"
    REORDERED = "reordered"
    INSERTED = "inserted"
    MISSING_ON_KAFKA = "missing_on_kafka"
    DIFFERS_ON_KAFKA = "differs_on_kafka"


_KIND_TEXT: dict[Kind, tuple[str, str]] = {
    Kind.BAD_SIGNATURE: (
        "Checkpoint blok {block} tidak sah: {reason}",
        "The checkpoint of block {block} does not verify: {reason}",
    ),
    Kind.BROKEN_CHAIN: (
        "Rantai blok putus di blok {block}: {reason}",
        "The chain of blocks is broken at block {block}: {reason}",
    ),
    Kind.MANIFEST_ALTERED: (
        "Daftar daun blok {block} telah diubah: {reason}",
        "The leaf manifest of block {block} was altered: {reason}",
    ),
    Kind.ALTERED: (
        "Peristiwa {event_id} di {where} telah diubah: {reason}",
        "Event {event_id} at {where} was altered: {reason}",
    ),
    Kind.DELETED: (
        "Peristiwa {event_id} di {where} telah dihapus dari arsip",
        "Event {event_id} at {where} was deleted from the archive",
    ),
    Kind.REORDERED: (
        "Peristiwa {event_id} di {where} telah dipindahkan: posisinya kini memuat peristiwa "
        "{other_event_id}",
        "Event {event_id} at {where} was reordered: its position now holds event {other_event_id}",
    ),
    Kind.INSERTED: (
        "Peristiwa {event_id} disisipkan di {where}: {reason}",
        "Event {event_id} was inserted at {where}: {reason}",
    ),
    Kind.MISSING_ON_KAFKA: (
        "Peristiwa tersegel {event_id} di {where} tidak ada lagi di Kafka: {reason}",
        "Sealed event {event_id} at {where} is no longer on Kafka: {reason}",
    ),
    Kind.DIFFERS_ON_KAFKA: (
        "Peristiwa {event_id} di {where} berbeda antara segel dan Kafka: {reason}",
        "Event {event_id} at {where} differs between the seal and Kafka: {reason}",
    ),
}

_REASONS: dict[str, tuple[str, str]] = {
    "signature": (
        "tanda tangan Ed25519 tidak cocok dengan kunci publik atau teksnya rusak",
        "the Ed25519 signature does not match the public key or the text is malformed",
    ),
    "checkpoint_mismatch": (
        "checkpoint menyatakan ukuran {detail}, bukan ukuran dan akar blok ini",
        "the checkpoint states size {detail}, not this block's size and root",
    ),
    "origin": (
        "checkpoint milik log lain ({detail})",
        "the checkpoint belongs to another log ({detail})",
    ),
    "block_number": ("diharapkan blok {detail}", "block {detail} was expected"),
    "prev_head": (
        "prev_head tidak sama dengan head blok sebelumnya",
        "prev_head is not the previous block's head",
    ),
    "first_index": (
        "first_index tidak sama dengan ukuran log sebelumnya ({detail})",
        "first_index is not the previous size of the log ({detail})",
    ),
    "tree_size": (
        "tree_size bukan first_index + size",
        "tree_size is not first_index + size",
    ),
    "head": (
        "head yang dihitung ulang berbeda dengan yang tersimpan",
        "the recomputed head differs from the stored one",
    ),
    "ranges": ("rentang offset tidak terbaca", "the offset ranges are unreadable"),
    "versions": (
        "baris blok ini tersimpan dalam {detail} versi berbeda",
        "the block's row is stored in {detail} different versions",
    ),
    "range_gap": (
        "rentang {detail} tidak menyambung dengan blok sebelumnya",
        "range {detail} does not follow on from the previous block",
    ),
    "leaves": (
        "daun tidak lengkap atau tidak berurutan ({detail})",
        "leaves missing or out of order ({detail})",
    ),
    "block_root": (
        "daun tidak menghasilkan block_root",
        "the leaves do not give the block_root",
    ),
    "tree_root": (
        "daun tidak menghasilkan tree_root yang ditandatangani",
        "the leaves do not give the signed tree_root",
    ),
    "leaf": (
        "daun ini berbeda dengan peristiwa di Kafka, yang cocok dengan akar bertanda tangan",
        "this leaf differs from the event on Kafka, which gives the signed roots",
    ),
    "content": (
        "isi atau id peristiwanya tidak sama dengan yang disegel",
        "its content or event id is not what was sealed",
    ),
    "columns": (
        "kolom {detail} tidak sesuai dengan isi mentahnya",
        "columns {detail} disagree with its raw content",
    ),
    "unsealed_position": (
        "posisi ini tidak pernah disegel",
        "a position that was never sealed",
    ),
    "extra_version": (
        "versi tambahan di samping peristiwa tersegel {detail}",
        "an extra version beside the sealed event {detail}",
    ),
    "pending_not_on_kafka": (
        "belum disegel, dan di Kafka tidak ada peristiwa yang dapat diarsipkan di posisi ini",
        "not sealed yet, and Kafka holds no archivable event at this position",
    ),
    "pending_kafka": (
        "belum disegel, dan rekaman di Kafka pada posisi ini adalah {other_event_id} dengan isi "
        "lain",
        "not sealed yet, and the record on Kafka at this position is {other_event_id} with "
        "other content",
    ),
    "retention": (
        "offset ini sudah tidak ada di broker (retensi atau penghapusan)",
        "the offset is no longer on the broker (retention or deletion)",
    ),
    "undecodable": (
        "rekaman di Kafka tidak terbaca sebagai peristiwa",
        "the record on Kafka cannot be read as an event",
    ),
    "kafka_content": (
        "rekaman di Kafka adalah {detail}",
        "the record on Kafka is {detail}",
    ),
    "not_sealed": (
        "peristiwa di Kafka ini tidak ada dalam blok yang disegel",
        "this event on Kafka is not in the sealed block",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One thing verification found wrong, naming the block and, where it can, the event."""

    kind: Kind
    block: int | None = None
    reason: str = ""
    detail: str = ""
    event_id: str | None = None
    other_event_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def where(self) -> str:
        if self.topic is None:
            return "-"
        return f"{self.topic}/{self.partition}@{self.offset}"

    def message(self, lang: str = "id") -> str:
        """The finding in Bahasa Indonesia (``id``) or English (``en``)."""
        pick = 0 if lang == "id" else 1
        reason = _REASONS.get(self.reason, (self.reason, self.reason))[pick]
        values = {
            "block": self.block,
            "event_id": self.event_id,
            "other_event_id": self.other_event_id,
            "where": self.where,
            "detail": self.detail,
        }
        return _KIND_TEXT[self.kind][pick].format(reason=reason.format(**values), **values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "block": self.block,
            "event_id": self.event_id,
            "other_event_id": self.other_event_id,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "reason": self.reason,
            "message_id": self.message("id"),
            "message_en": self.message("en"),
        }


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


@dataclass(frozen=True, order=True)
class Leaf:
    """One sealed leaf: a place on the log and what was there."""

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


@dataclass(frozen=True)
class ArchivedCopy:
    """One stored version of an archive row, as the verifier sees it: its place, its event id
    column, the hash recomputed from ``raw`` and the columns that disagree with ``raw``."""

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


def archived_copy(row: Mapping[str, Any]) -> ArchivedCopy:
    """An archive row (every column, ``raw`` included) checked against its own ``raw``: the
    hash is recomputed (the stored ``sha256`` column is never trusted) and every derived
    column is compared with what the mapper makes of ``raw``."""
    topic, partition, offset = str(row["topic"]), int(row["partition"]), int(row["offset"])
    raw = str(row["raw"]).encode("utf-8")
    expected = archived_row_of(topic, partition, offset, raw)
    if expected is None:
        bad: tuple[str, ...] = ("raw",)
    else:
        bad = tuple(
            column
            for column in _DERIVED_COLUMNS
            if column in row and _comparable(row[column]) != _comparable(expected[column])
        )
    return ArchivedCopy(
        topic, partition, offset, str(row["event_id"]), hashlib.sha256(raw).hexdigest(), bad
    )


class Frontier:
    """The Merkle Tree Hash of an append-only log in ``O(log n)`` memory: the roots of its
    complete subtrees, largest first (RFC 9162 trees fold them from the right)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    def copy(self) -> Frontier:
        other = Frontier()
        other.size, other._stack = self.size, list(self._stack)
        return other

    def append(self, leaf: bytes) -> None:
        self._stack.append((1, leaf))
        self.size += 1
        while len(self._stack) >= 2 and self._stack[-1][0] == self._stack[-2][0]:
            (width, right), (_, left) = self._stack.pop(), self._stack.pop()
            self._stack.append((width * 2, node_hash(left, right)))

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result


KafkaView = Mapping[Partition, Mapping[int, Content | None]]
"""Per partition, the records read from Kafka in a block's ranges: offset -> what the archive
would seal (``None``: on Kafka but not archived). An offset absent is not on the broker."""


@dataclass
class Totals:
    blocks: int = 0
    leaves: int = 0
    checkpoints_verified: int = 0
    archive_rows: int = 0
    kafka_records: int = 0
    pending: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Report:
    findings: list[Finding]
    totals: Totals
    kafka: bool

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kafka": self.kafka,
            "totals": self.totals.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class _BlockCheck:
    block: SealedBlock
    ranges: list[tuple[str, int, int, int]]
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: Kind, reason: str, detail: str = "", **event: Any) -> None:
        self.findings.append(Finding(kind, self.block.block, reason, detail, **event))


def _at(leaf: Leaf | ArchivedCopy) -> dict[str, Any]:
    return {"topic": leaf.topic, "partition": leaf.partition, "offset": leaf.offset}


def _event(copy: ArchivedCopy) -> dict[str, Any]:
    return {"event_id": copy.event_id, **_at(copy)}


class LogVerifier:
    """Checks the sealed log one block at a time, in block order (see the module docstring).

    After the last block, :meth:`unresolved` lists the contents found at the wrong place that
    are not sealed in their own block; the caller looks them up in the whole manifest and hands
    the answer to :meth:`resolve` (an event moved across blocks is *reordered*, not *altered*).
    """

    def __init__(
        self, public_key: Ed25519PublicKey | str, *, origin: str | None = None, kafka: bool = False
    ) -> None:
        self.public_key = public_key
        self.origin = origin
        self.kafka = kafka
        self.findings: list[Finding] = []
        self.totals = Totals()
        self.next_block = 0
        self.prev_head = GENESIS_HEAD
        self.prev_size = 0
        self.ends: dict[Partition, int] = {}
        """Per partition, where its last sealed range ended."""
        self.tree = Frontier()
        self.tree_known = True
        """False once a block could be checked against neither its manifest nor Kafka: later
        tree roots cannot be recomputed (block roots still are)."""
        self._unresolved: dict[int, Content] = {}

    # one block ---------------------------------------------------------------------------------

    def check_block(
        self,
        block: SealedBlock,
        leaves: Sequence[Leaf],
        archive: Sequence[ArchivedCopy],
        kafka: KafkaView | None = None,
    ) -> list[Finding]:
        """Check one block: its chain and checkpoint, its manifest, the archive rows inside its
        ranges (every stored version) and, when given, the Kafka records of its ranges."""
        ranges = block.parsed_ranges()
        check = _BlockCheck(block, ranges or [])
        self._check_chain(check, ranges is not None)
        manifest, manifest_hashes = self._manifest(check, leaves)
        manifest_ok = self._roots_match(block, manifest_hashes)
        reference = manifest
        if kafka is not None:
            kafka_leaves, complete = self._kafka_leaves(check, kafka)
            kafka_ok = complete and self._roots_match(block, [k.hash() for k in kafka_leaves])
            blame_manifest = not manifest_ok and kafka_ok
            self._compare_kafka(check, manifest, kafka_leaves, kafka, blame_manifest)
            if blame_manifest:
                reference = kafka_leaves
        else:
            kafka_ok = False
        if not manifest_ok:
            reason = "block_root"
            if merkle_root(manifest_hashes).hex() == block.block_root:
                reason = "tree_root"
            check.add(Kind.MANIFEST_ALTERED, reason)
        trusted = manifest_ok or kafka_ok
        if trusted and self.tree_known:
            self.tree.extend(leaf.hash() for leaf in reference)
        else:
            self.tree_known = False
        self._compare_archive(check, reference, archive)
        self.totals.blocks += 1
        self.totals.leaves += len(manifest)
        self.totals.archive_rows += len(archive)
        if kafka is not None:
            self.totals.kafka_records += sum(len(records) for records in kafka.values())
        self.findings.extend(check.findings)
        return check.findings

    def _check_chain(self, check: _BlockCheck, ranges_readable: bool) -> None:
        block = check.block
        if block.block != self.next_block:
            check.add(Kind.BROKEN_CHAIN, "block_number", str(self.next_block))
        if block.prev_head != self.prev_head:
            check.add(Kind.BROKEN_CHAIN, "prev_head")
        if block.first_index != self.prev_size:
            check.add(Kind.BROKEN_CHAIN, "first_index", str(self.prev_size))
        if block.tree_size != block.first_index + block.size:
            check.add(Kind.BROKEN_CHAIN, "tree_size")
        if not ranges_readable:
            check.add(Kind.BROKEN_CHAIN, "ranges")
        for topic, partition, start, end in check.ranges:
            expected = self.ends.get((topic, partition), 0)
            if start != expected or end < start:
                check.add(Kind.BROKEN_CHAIN, "range_gap", f"{topic}/{partition} [{start}, {end})")
            self.ends[(topic, partition)] = max(end, self.ends.get((topic, partition), 0))
        head = block_head(
            block.block,
            block.first_index,
            block.size,
            block.tree_size,
            block.ranges,
            block.block_root,
            block.prev_head,
            block.tree_root,
        )
        if head != block.head:
            check.add(Kind.BROKEN_CHAIN, "head")
        self._check_signature(check)
        # what follows is chained to what was stored: one break is reported once
        self.next_block = block.block + 1
        self.prev_head = block.head
        self.prev_size = block.tree_size

    def _check_signature(self, check: _BlockCheck) -> None:
        block = check.block
        signed = verify_checkpoint(block.checkpoint, block.signature, self.public_key)
        if signed is None:
            check.add(Kind.BAD_SIGNATURE, "signature")
            return
        self.totals.checkpoints_verified += 1
        if signed.tree_size != block.tree_size or signed.root_hash.hex() != block.tree_root:
            check.add(Kind.BAD_SIGNATURE, "checkpoint_mismatch", str(signed.tree_size))
        if self.origin is not None and signed.origin != self.origin:
            check.add(Kind.BAD_SIGNATURE, "origin", signed.origin)

    def _manifest(
        self, check: _BlockCheck, leaves: Sequence[Leaf]
    ) -> tuple[list[Leaf], list[bytes]]:
        """The block's leaves in index order (one per index) and their hashes; anything out of
        shape is a ``manifest_altered`` finding."""
        block = check.block
        by_index: dict[int, Leaf] = {}
        problems: list[str] = []
        for leaf in leaves:
            known = by_index.get(leaf.leaf_index)
            if known is not None and known != leaf:
                problems.append(f"two versions of leaf {leaf.leaf_index}")
            by_index[leaf.leaf_index] = leaf
        ordered = [by_index[i] for i in sorted(by_index)]
        expected = list(range(block.first_index, block.first_index + block.size))
        if sorted(by_index) != expected:
            problems.append(f"{len(by_index)} of {block.size} leaves")
        strays = sum(1 for leaf in ordered if leaf.block not in (-1, block.block))
        if strays:
            problems.append(f"{strays} marked with another block")
        places = [leaf.place for leaf in ordered]
        if places != sorted(set(places)):
            problems.append("not in log order")
        inside = {(t, p): range(a, b) for t, p, a, b in check.ranges}
        outside = [leaf for leaf in ordered if leaf.offset not in inside.get(leaf.place[:2], ())]
        if outside:
            problems.append(f"{len(outside)} outside the ranges")
        if problems:
            check.add(Kind.MANIFEST_ALTERED, "leaves", "; ".join(problems))
        return ordered, [leaf.hash() for leaf in ordered]

    def _roots_match(self, block: SealedBlock, hashes: Sequence[bytes]) -> bool:
        """Whether these leaf hashes give the block's root and, after every earlier block's,
        its signed tree root (when the earlier log is known)."""
        if len(hashes) != block.size or merkle_root(hashes).hex() != block.block_root:
            return False
        if not self.tree_known:
            return True
        tree = self.tree.copy()
        tree.extend(hashes)
        return tree.size == block.tree_size and tree.root().hex() == block.tree_root

    def _kafka_leaves(self, check: _BlockCheck, kafka: KafkaView) -> tuple[list[Leaf], bool]:
        """The leaves Kafka gives for the block's ranges, and whether every offset was there."""
        leaves: list[Leaf] = []
        complete = True
        for topic, partition, start, end in check.ranges:
            records = kafka.get((topic, partition), {})
            for offset in range(start, end):
                if offset not in records:
                    complete = False
                    continue
                content = records[offset]
                if content is not None:
                    leaves.append(Leaf(topic, partition, offset, *content))
        leaves.sort()
        return leaves, complete

    def _compare_kafka(
        self,
        check: _BlockCheck,
        manifest: Sequence[Leaf],
        kafka_leaves: Sequence[Leaf],
        kafka: KafkaView,
        blame_manifest: bool,
    ) -> None:
        on_kafka = {leaf.place: leaf for leaf in kafka_leaves}
        sealed = {leaf.place for leaf in manifest}
        for leaf in manifest:
            records = kafka.get((leaf.topic, leaf.partition), {})
            found = on_kafka.get(leaf.place)
            if found is not None and found.content == leaf.content:
                continue
            if blame_manifest:
                other = found.event_id if found is not None else None
                check.add(
                    Kind.MANIFEST_ALTERED,
                    "leaf",
                    event_id=leaf.event_id,
                    other_event_id=other,
                    **_at(leaf),
                )
            elif leaf.offset not in records:
                check.add(Kind.MISSING_ON_KAFKA, "retention", event_id=leaf.event_id, **_at(leaf))
            elif found is None:
                check.add(Kind.DIFFERS_ON_KAFKA, "undecodable", event_id=leaf.event_id, **_at(leaf))
            else:
                check.add(
                    Kind.DIFFERS_ON_KAFKA,
                    "kafka_content",
                    found.event_id,
                    event_id=leaf.event_id,
                    other_event_id=found.event_id,
                    **_at(leaf),
                )
        for place, found in on_kafka.items():
            if place not in sealed:
                kind = Kind.MANIFEST_ALTERED if blame_manifest else Kind.DIFFERS_ON_KAFKA
                check.add(kind, "not_sealed", event_id=found.event_id, **_at(found))

    def _compare_archive(
        self, check: _BlockCheck, reference: Sequence[Leaf], archive: Sequence[ArchivedCopy]
    ) -> None:
        copies: dict[Place, list[ArchivedCopy]] = {}
        for copy in archive:
            copies.setdefault(copy.place, []).append(copy)
        by_content = {leaf.content: leaf for leaf in reference}
        for leaf in reference:
            found = copies.pop(leaf.place, [])
            if not found:
                check.add(Kind.DELETED, "", event_id=leaf.event_id, **_at(leaf))
                continue
            authentic = [c for c in found if c.content == leaf.content]
            others = list({c.content: c for c in found if c.content != leaf.content}.values())
            for copy in others:
                moved = by_content.get(copy.content)
                if authentic:
                    check.add(
                        Kind.INSERTED,
                        "extra_version",
                        leaf.event_id,
                        event_id=copy.event_id,
                        other_event_id=leaf.event_id,
                        **_at(leaf),
                    )
                elif moved is not None:
                    check.add(
                        Kind.REORDERED,
                        "",
                        event_id=leaf.event_id,
                        other_event_id=moved.event_id,
                        **_at(leaf),
                    )
                else:
                    self._unresolved[len(self.findings) + len(check.findings)] = copy.content
                    check.add(Kind.ALTERED, "content", event_id=leaf.event_id, **_at(leaf))
            bad = sorted({column for c in authentic for column in c.bad_columns})
            if bad:
                check.add(
                    Kind.ALTERED, "columns", ", ".join(bad), event_id=leaf.event_id, **_at(leaf)
                )
        ranges = {(t, p): (a, b) for t, p, a, b in check.ranges}
        for place, found in sorted(copies.items()):
            start, end = ranges.get(place[:2], (0, 0))
            if not start <= place[2] < end:
                continue  # not this block's: pending or another block's (the caller's query)
            for copy in {c.content: c for c in found}.values():
                check.add(Kind.INSERTED, "unsealed_position", event_id=copy.event_id, **_at(copy))

    def check_pending(
        self, archive: Sequence[ArchivedCopy], kafka: KafkaView | None = None
    ) -> list[Finding]:
        """Archive rows past every sealed range (waiting for their seal): each must agree with
        its own ``raw`` and, when Kafka is read, be the record at its position."""
        found: list[Finding] = []
        places: dict[Place, dict[Content, ArchivedCopy]] = {}
        for copy in archive:
            places.setdefault(copy.place, {})[copy.content] = copy
        for place, versions in sorted(places.items()):
            records = kafka.get(place[:2], {}) if kafka is not None else None
            for copy in versions.values():
                on_kafka = records.get(place[2]) if records is not None else None
                if records is not None and on_kafka is None:
                    found.append(
                        Finding(Kind.INSERTED, None, "pending_not_on_kafka", **_event(copy))
                    )
                elif on_kafka is not None and on_kafka != copy.content:
                    found.append(
                        Finding(
                            Kind.ALTERED,
                            None,
                            "pending_kafka",
                            other_event_id=on_kafka[0],
                            **_event(copy),
                        )
                    )
                elif copy.bad_columns:
                    columns = ", ".join(copy.bad_columns)
                    found.append(Finding(Kind.ALTERED, None, "columns", columns, **_event(copy)))
        self.findings.extend(found)
        return found

    def add(self, finding: Finding) -> None:
        """A finding made outside the blocks' own checks (e.g. two versions of a block row)."""
        self.findings.append(finding)

    # after the last block ------------------------------------------------------------------------

    def unresolved(self) -> set[Content]:
        """Contents found at a sealed place not their own, sealed in no block checked with them."""
        return set(self._unresolved.values())

    def resolve(self, sealed_elsewhere: Mapping[Content, str]) -> None:
        """Turn *altered* into *reordered* where the content is another sealed event's
        (``sealed_elsewhere``: content -> that event's id)."""
        for index, content in self._unresolved.items():
            other = sealed_elsewhere.get(content)
            if other is not None:
                finding = self.findings[index]
                self.findings[index] = replace(
                    finding, kind=Kind.REORDERED, reason="", other_event_id=other
                )
        self._unresolved.clear()

    def report(self, pending: int = 0) -> Report:
        self.totals.pending = pending
        return Report(list(self.findings), self.totals, self.kafka)
