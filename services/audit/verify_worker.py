"""The comparing side of verification, apart from the reading side, in a worker thread: the
event loop reads the next run of blocks (the store, Kafka) while this one is compared.

Runs of blocks arrive as :class:`RunInput` (plain columns and dicts); the
:class:`Comparer` turns them into leaves and archive copies, splits them block by block and
feeds :class:`~services.audit.domain.verification.LogVerifier`, which holds what crosses blocks.
A block whose manifest does not give its roots stops the run until its stored tree nodes are
read (:meth:`Comparer.resume`).
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.audit.domain.archived_copies import archived_copies
from services.audit.domain.sealed_rows import (
    ArchivedCopy,
    Content,
    Leaf,
    Partition,
    Place,
    SealedBlock,
)
from services.audit.domain.verification import KafkaPartition, LogVerifier, Report
from services.audit.verify_proofs import load_public_key

Range = tuple[str, int, int, int]
PartitionRecords = tuple[dict[int, Content | None], int, int | None, bool]
"""What was read of a partition: its records, log start, end and whether it exists."""


@dataclass
class RunInput:
    """A run of consecutive blocks as read: the blocks, their leaves and the archive rows
    inside their ranges (column by column), and the Kafka records of their ranges."""

    blocks: list[SealedBlock]
    leaves: dict[str, list[Any]]
    archive: dict[str, list[Any]]
    kafka: dict[Partition, PartitionRecords] | None = None
    ranges: list[list[Range]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.ranges:
            self.ranges = [block.parsed_ranges() or [] for block in self.blocks]


def leaves_of(columns: Mapping[str, Sequence[Any]]) -> list[Leaf]:
    make = Leaf._make
    return [
        make(row)
        for row in zip(
            columns["topic"],
            columns["partition"],
            columns["offset"],
            columns["event_id"],
            columns["sha256"],
            columns["leaf_index"],
            columns["block"],
            strict=True,
        )
    ]


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


@dataclass
class _Split:
    leaves: list[list[Leaf]]
    copies: list[list[ArchivedCopy]]
    views: list[dict[Partition, KafkaPartition]] | None


def _split(run: RunInput) -> _Split:
    """The run's leaves, archive copies and Kafka records, block by block."""
    blocks = run.blocks
    by_block: list[list[Leaf]] = [[] for _ in blocks]
    firsts = [block.first_index for block in blocks]
    for leaf in leaves_of(run.leaves):
        at = bisect.bisect_right(firsts, leaf.leaf_index) - 1
        if at >= 0 and leaf.leaf_index < blocks[at].tree_size:
            by_block[at].append(leaf)
    where = _ByRange(run.ranges)
    copies: list[list[ArchivedCopy]] = [[] for _ in blocks]
    for copy in copies_of(run.archive):
        index = where.block_of((copy.topic, copy.partition), copy.offset)
        if index is not None:
            copies[index].append(copy)
    views = None
    if run.kafka is not None:
        views = []
        absent: PartitionRecords = ({}, 0, None, False)
        for ranges in run.ranges:
            view = {}
            for topic, partition, start, end in ranges:
                records, log_start, last, exists = run.kafka.get((topic, partition), absent)
                view[(topic, partition)] = KafkaPartition(
                    {o: records[o] for o in range(start, end) if o in records},
                    log_start,
                    last,
                    exists,
                )
            views.append(view)
    return _Split(by_block, copies, views)


class Comparer:
    """The verifier's state and the run in hand."""

    def __init__(self, public_key: str, origin: str | None, kafka: bool, with_nodes: bool) -> None:
        self.verifier = LogVerifier(load_public_key(public_key), origin=origin, kafka=kafka)
        self.with_nodes = with_nodes
        self._run: RunInput | None = None
        self._split: _Split | None = None

    def start_run(self, run: RunInput) -> int | None:
        """Check the run's blocks; the index of the first whose stored nodes are wanted."""
        self._run, self._split = run, _split(run)
        return self.resume(0, {})

    def resume(self, start: int, nodes: Mapping[int, str]) -> int | None:
        """Check blocks from ``start`` (``nodes``: the stored nodes of blocks that want them)."""
        run, data, verifier = self._run, self._split, self.verifier
        assert run is not None and data is not None
        for i in range(start, len(run.blocks)):
            block = run.blocks[i]
            if (
                self.with_nodes
                and block.block not in nodes
                and verifier.wants_nodes(block, data.leaves[i])
            ):
                return i
            view = data.views[i] if data.views is not None else None
            verifier.check_block(
                block, data.leaves[i], data.copies[i], view, nodes.get(block.block, "")
            )
        self._run = self._split = None
        return None

    def ends(self) -> dict[Partition, int]:
        return dict(self.verifier.ends)

    def unresolved(self) -> set[Content]:
        return self.verifier.unresolved()

    def resolve(self, sealed: Mapping[Content, Sequence[tuple[str, Place]]]) -> None:
        self.verifier.resolve(sealed)

    def check_pending(
        self,
        archive: dict[str, list[Any]],
        kafka: Mapping[Partition, PartitionRecords] | None,
        sealed: Mapping[str, Sequence[Place]],
    ) -> None:
        view = None
        if kafka is not None:
            view = {key: KafkaPartition(*value) for key, value in kafka.items()}
        self.verifier.check_pending(copies_of(archive), view, sealed)

    def add(self, finding: Any) -> None:
        self.verifier.add(finding)

    def report(self, pending: int) -> Report:
        return self.verifier.report(pending)


class Comparison:
    """A :class:`Comparer` working in a worker thread, so that the event loop reads the next
    run (and a service keeps answering) meanwhile."""

    def __init__(self, public_key: str, origin: str | None, kafka: bool, with_nodes: bool) -> None:
        self._comparer = Comparer(public_key, origin, kafka, with_nodes)

    async def call(self, method: str, *args: Any) -> Any:
        return await asyncio.to_thread(getattr(self._comparer, method), *args)
