"""The comparing side of verification, apart from the reading side, in a worker thread: the
event loop reads the next run of blocks (the store, Kafka) while this one is compared.

Runs of blocks arrive as :class:`RunInput` (columns and lists as read). Each block is first
confirmed as a whole where it is in the common case
(:func:`~services.audit.domain.run_columns.confirmed_block`, list comparisons, then only its
chain, checkpoint and roots); any other block is turned into leaves, archive copies and Kafka
records and checked in full by :class:`~services.audit.domain.verification.LogVerifier`,
which holds what crosses blocks. A block whose manifest does not give its roots stops the run
until its stored tree nodes are read (:meth:`Comparer.resume`).
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from services.audit.domain.archived_copies import archived_copies
from services.audit.domain.block_check import KafkaPartition, KafkaView
from services.audit.domain.run_columns import ArchiveRows, KafkaRead, RunLeaves, confirmed_block
from services.audit.domain.sealed_rows import (
    ArchivedCopy,
    Content,
    Leaf,
    Partition,
    Place,
    SealedBlock,
)
from services.audit.domain.verification import LogVerifier, Report
from services.audit.verify_proofs import load_public_key

Range = tuple[str, int, int, int]


@dataclass
class RunInput:
    """A run of consecutive blocks as read: the blocks, their leaves (column by column, see
    :class:`~services.audit.domain.run_columns.RunLeaves`), the archive rows inside their
    ranges (per partition, see :class:`~services.audit.domain.run_columns.ArchiveRows`), every
    column of the rows whose columns do not agree with their bytes (``checked``), and the Kafka
    records of their ranges."""

    blocks: list[SealedBlock]
    leaves: dict[str, list[Any]]
    archive: dict[Partition, ArchiveRows]
    kafka: dict[Partition, KafkaRead] | None = None
    ranges: list[list[Range]] = field(default_factory=list)
    checked: dict[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.ranges:
            self.ranges = [block.parsed_ranges() or [] for block in self.blocks]


def copies_of(columns: dict[str, list[Any]]) -> list[ArchivedCopy]:
    """Archive rows as read (``causation`` and ``no_causation`` standing for the nullable
    ``causation_id``), each checked against its own bytes."""
    if not columns or not columns.get("raw"):
        return []
    columns = dict(columns)
    missing = columns.pop("no_causation")  # arrays of a query result hold no NULL
    columns["causation_id"] = [
        None if none else value
        for value, none in zip(columns.pop("causation"), missing, strict=True)
    ]
    return archived_copies(columns)


def bad_places(archive: Mapping[Partition, ArchiveRows]) -> dict[Partition, list[int]]:
    """Per partition, the offsets holding a row whose columns do not agree with its bytes."""
    bad: dict[Partition, list[int]] = {}
    for key, rows in archive.items():
        if 0 in rows.ok:
            bad[key] = sorted({o for o, ok in zip(rows.offsets, rows.ok, strict=True) if not ok})
    return bad


def _run_copies(run: RunInput) -> list[ArchivedCopy]:
    """Every archive row of the run as the full comparison takes it: a row whose columns and
    hash agree with its bytes as the engine found them, the others (every version at their
    place) checked again from all their columns (``domain/archived_copies.py``)."""
    bad = {(*key, o) for key, offsets in bad_places(run.archive).items() for o in offsets}
    copies = []
    for (topic, partition), rows in run.archive.items():
        for offset, event_id, sha256 in zip(rows.offsets, rows.event_ids, rows.sha256, strict=True):
            if (topic, partition, offset) not in bad:
                copies.append(ArchivedCopy(topic, partition, offset, event_id, sha256))
    copies.extend(copy for copy in copies_of(run.checked) if copy.place in bad)
    return copies


class _ByRange:
    """Which block of a run holds a place (each partition's ranges, in offset order)."""

    def __init__(self, ranges: Sequence[Sequence[Range]]) -> None:
        self._spans: dict[Partition, list[tuple[int, int, int]]] = {}
        for i, block_ranges in enumerate(ranges):
            for topic, partition, start, end in block_ranges:
                self._spans.setdefault((topic, partition), []).append((start, end, i))
        self._starts: dict[Partition, list[int]] = {}
        for key, spans in self._spans.items():
            spans.sort()
            self._starts[key] = [span[0] for span in spans]

    def block_of(self, key: Partition, offset: int) -> int | None:
        starts = self._starts.get(key)
        if starts is None:
            return None
        at = bisect.bisect_right(starts, offset) - 1
        if at < 0:
            return None
        start, end, index = self._spans[key][at]
        return index if start <= offset < end else None

    def disjoint(self) -> bool:
        """Whether no two ranges of a partition overlap (and none ends before it starts)."""
        for spans in self._spans.values():
            reached = None
            for start, stop, _ in spans:
                if stop < start or (reached is not None and start < reached):
                    return False
                reached = stop
        return True


def _leaf_positions(blocks: Sequence[SealedBlock], leaves: RunLeaves) -> list[list[int]] | None:
    """Per block, the positions of the run's leaves that are its own (the block with the
    greatest first index at most the leaf's, if the leaf is below its tree size); ``None``
    when the blocks' first indexes are not increasing (then leaf by leaf)."""
    firsts = [block.first_index for block in blocks]
    if any(a >= b for a, b in pairwise(firsts)):
        return None
    bounds = []
    for k, block in enumerate(blocks):
        end = block.tree_size if k + 1 == len(blocks) else min(block.tree_size, firsts[k + 1])
        lo, hi = leaves.between(block.first_index, end)
        bounds.append([lo, max(lo, hi)])
    return bounds


class Comparer:
    """The verifier's state and the run in hand."""

    def __init__(self, public_key: str, origin: str | None, kafka: bool, with_nodes: bool) -> None:
        self.verifier = LogVerifier(load_public_key(public_key), origin=origin, kafka=kafka)
        self.with_nodes = with_nodes
        self._run: RunInput | None = None
        self._leaves: RunLeaves | None = None
        self._bounds: list[list[int]] | None = None
        self._by_block: dict[int, tuple[list[Leaf], list[ArchivedCopy], KafkaView | None]] = {}
        self._copies: list[list[ArchivedCopy]] | None = None
        self._sealed: dict[Partition, dict[int, Content]] | None = None
        self._fast = False

    def begin_run(self, run: RunInput) -> None:
        """Take the run in hand."""
        self._run, self._leaves = run, RunLeaves(run.leaves)
        self._bounds = _leaf_positions(run.blocks, self._leaves)
        self._by_block, self._copies, self._sealed = {}, None, None
        self._fast = self._bounds is not None and _ByRange(run.ranges).disjoint()

    def check_at(self, i: int, nodes: Mapping[int, str]) -> bool:
        """Check the run's block ``i``; ``False`` (nothing checked) when its manifest does not
        give its roots and its stored tree nodes are wanted (``nodes``: those read so far)."""
        run, verifier = self._run, self.verifier
        assert run is not None
        block = run.blocks[i]
        if i not in self._by_block and self._confirmed(i):
            return True
        leaves, copies, view = self._block(i)
        if self.with_nodes and block.block not in nodes and verifier.wants_nodes(block, leaves):
            return False
        verifier.check_block(block, leaves, copies, view, nodes.get(block.block, ""))
        return True

    def end_run(self) -> None:
        self._run = self._leaves = self._bounds = self._copies = self._sealed = None
        self._by_block = {}

    def start_run(self, run: RunInput) -> int | None:
        """Check the run's blocks; the index of the first whose stored nodes are wanted."""
        self.begin_run(run)
        return self.resume(0, {})

    def resume(self, start: int, nodes: Mapping[int, str]) -> int | None:
        """Check blocks from ``start`` (``nodes``: the stored nodes of blocks that want them)."""
        assert self._run is not None
        for i in range(start, len(self._run.blocks)):
            if not self.check_at(i, nodes):
                return i
        self.end_run()
        return None

    def _confirmed(self, i: int) -> bool:
        """Block ``i`` checked as a whole when it is in the common case."""
        run, leaves, bounds = self._run, self._leaves, self._bounds
        if not self._fast or run is None or leaves is None or bounds is None:
            return False
        lo, hi = bounds[i]
        block = run.blocks[i]
        confirmed = confirmed_block(block, leaves, lo, hi, run.archive, run.kafka)
        if confirmed is None:
            return False
        return (
            self.verifier.check_confirmed_block(
                block, confirmed.hashes, confirmed.archive_rows, confirmed.kafka_records
            )
            is not None
        )

    def _block(self, i: int) -> tuple[list[Leaf], list[ArchivedCopy], KafkaView | None]:
        """Block ``i``'s leaves, archive copies and Kafka records, as objects."""
        made = self._by_block.get(i)
        if made is not None:
            return made
        run, leaves = self._run, self._leaves
        assert run is not None and leaves is not None
        if self._bounds is not None:
            own = leaves.leaves(*self._bounds[i])
        else:
            own = [
                leaf
                for leaf, at in zip(leaves.leaves(0, len(leaves)), self._owners(), strict=True)
                if at == i
            ]
        if self._copies is None:
            where = _ByRange(run.ranges)
            self._copies = [[] for _ in run.blocks]
            for copy in _run_copies(run):
                index = where.block_of((copy.topic, copy.partition), copy.offset)
                if index is not None:
                    self._copies[index].append(copy)
        view: dict[Partition, KafkaPartition] | None = None
        if run.kafka is not None:
            if self._sealed is None:
                self._sealed = leaves.sealed_at()
            view = {}
            for topic, partition, start, end in run.ranges[i]:
                key = (topic, partition)
                read = run.kafka.get(key)
                if read is None:
                    view[key] = KafkaPartition({}, 0, None, False)
                    continue
                records = read.contents(key, start, end, self._sealed.get(key, {}))
                view[key] = KafkaPartition(records, read.log_start, read.end, read.exists)
        made = self._by_block[i] = (own, self._copies[i], view)
        return made

    def _owners(self) -> list[int | None]:
        """Per leaf of the run, the block that holds it (leaf by leaf)."""
        run, leaves = self._run, self._leaves
        assert run is not None and leaves is not None
        blocks = run.blocks
        firsts = [block.first_index for block in blocks]
        owners: list[int | None] = []
        for index in leaves.index:
            at = bisect.bisect_right(firsts, index) - 1
            owners.append(at if at >= 0 and index < blocks[at].tree_size else None)
        return owners

    def ends(self) -> dict[Partition, int]:
        return dict(self.verifier.ends)

    def unresolved(self) -> set[Content]:
        return self.verifier.unresolved()

    def resolve(self, sealed: Mapping[Content, Sequence[tuple[str, Place]]]) -> None:
        self.verifier.resolve(sealed)

    def check_pending(
        self,
        archive: dict[str, list[Any]],
        kafka: Mapping[Partition, KafkaRead] | None,
        sealed: Mapping[str, Sequence[Place]],
    ) -> None:
        """Archive rows waiting for their seal, with the Kafka records at their places (each
        confirmed against the row's own event id and stored hash)."""
        view = None
        if kafka is not None:
            stored: dict[Partition, dict[int, Content]] = {}
            for topic, partition, offset, event_id, sha256 in zip(
                archive["topic"],
                archive["partition"],
                archive["offset"],
                archive["event_id"],
                archive["sha256"],
                strict=True,
            ):
                stored.setdefault((topic, partition), {})[offset] = (event_id, sha256)
            view = {}
            for key, read in kafka.items():
                records = read.contents(key, 0, 1 << 63, stored.get(key, {}))
                view[key] = KafkaPartition(records, read.log_start, read.end, read.exists)
        self.verifier.check_pending(copies_of(archive), view, sealed)

    def add(self, finding: Any) -> None:
        self.verifier.add(finding)

    def report(self, pending: int) -> Report:
        return self.verifier.report(pending)


INLINE_LEAVES = 4096
"""A block of at most this many leaves is checked on the event loop itself (a few
milliseconds, between reads: no thread to hand the interpreter back and forth with the reads
of the next run); a larger one in a worker thread."""


class Comparison:
    """A :class:`Comparer` working beside the reads: block by block on the event loop, or in a
    worker thread for large blocks and whole-log steps, so that the event loop reads the next
    run (and a service keeps answering) meanwhile."""

    def __init__(self, public_key: str, origin: str | None, kafka: bool, with_nodes: bool) -> None:
        self._comparer = Comparer(public_key, origin, kafka, with_nodes)

    async def call(self, method: str, *args: Any) -> Any:
        return await asyncio.to_thread(getattr(self._comparer, method), *args)

    def now(self, method: str, *args: Any) -> Any:
        return getattr(self._comparer, method)(*args)

    async def check_at(self, block: SealedBlock, i: int, nodes: Mapping[int, str]) -> bool:
        """:meth:`Comparer.check_at`, on the event loop when the block is small."""
        if block.size <= INLINE_LEAVES:
            done: bool = self._comparer.check_at(i, nodes)
            await asyncio.sleep(0)  # let the reads of the next run go on
            return done
        return bool(await asyncio.to_thread(self._comparer.check_at, i, nodes))
