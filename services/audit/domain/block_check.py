"""What checking one block of the sealed log works with (pure; no I/O): the block in hand and
its findings, and what was read of Kafka."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.audit.domain.findings import Finding, Kind
from services.audit.domain.sealed_rows import (
    ArchivedCopy,
    Content,
    Leaf,
    Partition,
    Place,
    SealedBlock,
)


@dataclass(frozen=True)
class KafkaPartition:
    """What was read of one partition: offset -> what the archive would seal (``None``: on
    Kafka but not archived), and the partition's bounds on the broker when reading began."""

    records: Mapping[int, Content | None]
    log_start: int = 0
    """The first offset the broker still holds; below it, records are gone by retention."""
    end: int | None = None
    """The offset the next record would get (``None``: unknown)."""
    exists: bool = True
    """False when the broker has no such partition (its topic was deleted)."""


KafkaView = Mapping[Partition, KafkaPartition]
"""Per partition, the records read from Kafka in a block's ranges."""


@dataclass
class BlockCheck:
    block: SealedBlock
    ranges: list[tuple[str, int, int, int]]
    findings: list[Finding] = field(default_factory=list)
    signed_root: bytes | None = None
    """The root of the log after the block, from its checkpoint, when that verified."""
    spans: dict[Partition, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spans = {(t, p): (a, b) for t, p, a, b in self.ranges}

    def inside(self, key: Partition, offset: int) -> bool:
        span = self.spans.get(key)
        return span is not None and span[0] <= offset < span[1]

    def add(self, kind: Kind, reason: str, detail: str = "", **event: Any) -> None:
        self.findings.append(Finding(kind, self.block.block, reason, detail, **event))


def at(leaf: Leaf | ArchivedCopy) -> dict[str, Any]:
    return {"topic": leaf.topic, "partition": leaf.partition, "offset": leaf.offset}


def event_of(copy: ArchivedCopy) -> dict[str, Any]:
    return {"event_id": copy.event_id, **at(copy)}


def where(place: Place) -> str:
    return f"{place[0]}/{place[1]}@{place[2]}"
