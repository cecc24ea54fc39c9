"""Sealing the archive into blocks of one append-only RFC 9162 log (pure; no I/O).

Every archived event is a leaf (:func:`leaf_input`: its topic, partition, offset, event id and
the SHA-256 of the record's value). Leaves are sealed in blocks. Within a block they are sorted
by (topic, partition, offset), and for each partition the block covers one contiguous range of
offsets ``[from, to)``: the next block of that partition starts where this one ended. The log is
the concatenation of the blocks; after each block its size and root are signed as a checkpoint.

A block's head chains it to the previous one (:func:`block_head`), over its number, its place in
the log, its ranges, its own Merkle root, the previous head and the log's root after it. Nothing
but the events decides a root: two auditors rebuilding a block from the same topics and ranges
get the same roots and the same head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import orjson

from services.audit.domain.merkle import leaf_hash, merkle_root
from services.audit.verify_proofs import event_leaf_input, leaf_input

__all__ = [
    "GENESIS_HEAD",
    "Block",
    "Log",
    "Range",
    "SealedLeaf",
    "block_head",
    "event_leaf_input",
    "leaf_input",
    "next_block",
    "ranges_json",
]

BLOCK_FORMAT = "wfa-audit-block/1"
GENESIS_HEAD = "0" * 64
"""The ``prev_head`` of the first block."""

Partition = tuple[str, int]
Range = tuple[str, int, int, int]
"""(topic, partition, from offset, to offset exclusive)."""


class Log(Protocol):
    """An append-only log's tree as sealing needs it: a whole
    :class:`~services.audit.domain.merkle.MerkleTree` or only its right edge
    (:class:`~services.audit.domain.sealed_tree.Frontier`)."""

    @property
    def size(self) -> int: ...

    def extend(self, leaf_hashes: Iterable[bytes]) -> None: ...

    def root(self) -> bytes: ...


@dataclass(frozen=True, order=True)
class SealedLeaf:
    """One archived event's place in the log; ordered as blocks order their leaves."""

    topic: str
    partition: int
    offset: int
    event_id: str
    sha256: str
    """Lowercase hex SHA-256 of the record's value as it was on the log."""

    @property
    def key(self) -> Partition:
        return (self.topic, self.partition)

    def input(self) -> bytes:
        return leaf_input(self.topic, self.partition, self.offset, self.event_id, self.sha256)

    def hash(self) -> bytes:
        return leaf_hash(self.input())


def ranges_json(ranges: Iterable[Range]) -> str:
    """The canonical text of a block's ranges: compact JSON, sorted."""
    return orjson.dumps(sorted([list(r) for r in ranges])).decode()


def block_head(
    block: int,
    first_index: int,
    size: int,
    tree_size: int,
    ranges: str,
    block_root: str,
    prev_head: str,
    tree_root: str,
) -> str:
    """The hex SHA-256 chaining a block to the one before it (all hashes in lowercase hex)."""
    text = (
        f"{BLOCK_FORMAT}\n{block}\n{first_index}\n{size}\n{tree_size}\n{ranges}\n"
        f"{block_root}\n{prev_head}\n{tree_root}\n"
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Block:
    """A sealed block: its leaves in log order and everything its head covers."""

    number: int
    first_index: int
    leaves: tuple[SealedLeaf, ...]
    ranges: str
    block_root: str
    tree_size: int
    tree_root: str
    prev_head: str
    head: str

    @property
    def size(self) -> int:
        return len(self.leaves)


def block_ranges(leaves: Sequence[SealedLeaf], frontier: Mapping[Partition, int]) -> list[Range]:
    """Per partition, the offsets a block of ``leaves`` covers: from where the partition's
    previous block ended (``frontier``, 0 for its first) to just after its last leaf."""
    ends: dict[Partition, int] = {}
    for leaf in leaves:
        ends[leaf.key] = max(ends.get(leaf.key, 0), leaf.offset + 1)
    return [
        (topic, part, frontier.get((topic, part), 0), end) for (topic, part), end in ends.items()
    ]


def next_block(
    tree: Log,
    pending: Iterable[SealedLeaf],
    frontier: Mapping[Partition, int],
    *,
    number: int,
    prev_head: str,
    limit: int,
) -> Block:
    """Seal up to ``limit`` of ``pending`` (the first in log order) as block ``number``,
    appending their leaves to ``tree``. Leaves behind ``frontier`` (already sealed) are refused:
    a block never reaches back into a partition's sealed offsets."""
    leaves = tuple(sorted(pending)[:limit])
    if not leaves:
        raise ValueError("a block needs at least one leaf")
    for leaf in leaves:
        if leaf.offset < frontier.get(leaf.key, 0):
            raise ValueError(f"{leaf.topic}/{leaf.partition}@{leaf.offset} is already sealed")
    first_index = tree.size
    hashes = [leaf.hash() for leaf in leaves]
    tree.extend(hashes)
    ranges = ranges_json(block_ranges(leaves, frontier))
    block_root, tree_root = merkle_root(hashes).hex(), tree.root().hex()
    head = block_head(
        number, first_index, len(leaves), tree.size, ranges, block_root, prev_head, tree_root
    )
    return Block(
        number, first_index, leaves, ranges, block_root, tree.size, tree_root, prev_head, head
    )


def advance(frontier: dict[Partition, int], block: Block) -> None:
    """Move each partition's frontier to the end of the block's range."""
    for topic, part, _start, end in orjson.loads(block.ranges):
        frontier[(topic, part)] = max(frontier.get((topic, part), 0), end)
