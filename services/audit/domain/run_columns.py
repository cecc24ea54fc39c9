"""A run of blocks as verification reads it, column by column, and the check that confirms a
block whole at the speed of list comparisons (pure; no I/O).

The store gives a run's leaves in index order, each with its leaf hash (worked out by the
engine from the leaf's own columns, exactly as :func:`~services.audit.verify_proofs.leaf_input`
lays them out), and the archive rows inside the run's ranges per partition in offset order,
each with the SHA-256 the engine recomputed from its ``raw`` and whether its other columns
agree with ``raw``. Kafka gives each partition's records in offset order.

:func:`confirmed_block` says whether a block is in the common case: its manifest well formed,
one archive row at each sealed place with the sealed content and columns that agree with its
bytes, nothing archived elsewhere in its ranges, and (when Kafka is read) at each sealed place
the record whose SHA-256 and leading event id are the leaf's, no other record in its ranges.
Such a block can give no finding but the chain's and the roots' (see
:meth:`~services.audit.domain.verification.LogVerifier.check_confirmed_block`); anything else
goes through the full comparison, with every row and record turned into objects, so every
verdict is still the full comparison's.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter, lt
from typing import Any

from services.audit.domain.sealed_rows import Content, Leaf, Partition, SealedBlock, record_content

Range = tuple[str, int, int, int]

LEAF_COLUMNS = ("topic", "partition", "offset", "event_id", "sha256", "leaf_index", "block")
"""The leaf columns, in :class:`~services.audit.domain.sealed_rows.Leaf`'s order."""


@dataclass
class ArchiveRows:
    """One partition's archive rows inside a run's ranges, every stored version, in offset
    order: the event id column, the SHA-256 recomputed from ``raw`` and whether the row's
    derived columns and stored hash agree with ``raw`` (``ok``: 1 or 0)."""

    offsets: list[int] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    sha256: list[str] = field(default_factory=list)
    ok: list[int] = field(default_factory=list)

    def sort(self) -> None:
        """Put the rows in offset order (the engine gives them so; checked, not trusted)."""
        offsets = self.offsets
        if all(map(lt, offsets, islice(offsets, 1, None))) or len(offsets) < 2:
            return
        order = sorted(range(len(offsets)), key=offsets.__getitem__)
        self.offsets = [offsets[i] for i in order]
        self.event_ids = [self.event_ids[i] for i in order]
        self.sha256 = [self.sha256[i] for i in order]
        self.ok = [self.ok[i] for i in order]


@dataclass
class KafkaRead:
    """What was read of one partition for a run: its records in offset order and its bounds
    on the broker when reading began (``end`` ``None``: unknown; ``exists`` False: the broker
    has no such partition)."""

    offsets: list[int] = field(default_factory=list)
    values: list[bytes | None] = field(default_factory=list)
    log_start: int = 0
    end: int | None = None
    exists: bool = True

    def between(self, start: int, end: int) -> tuple[int, int]:
        """The positions of the records of offsets ``[start, end)``."""
        return bisect_left(self.offsets, start), bisect_left(self.offsets, end)

    def contents(
        self, key: Partition, start: int, end: int, sealed: Mapping[int, Content]
    ) -> dict[int, Content | None]:
        """The records of ``[start, end)`` as the archive would seal them
        (:func:`~services.audit.domain.sealed_rows.record_content`, ``sealed``: what is sealed
        at each offset)."""
        lo, hi = self.between(start, end)
        topic, partition = key
        return {
            offset: record_content(topic, partition, offset, value, sealed.get(offset))
            for offset, value in zip(self.offsets[lo:hi], self.values[lo:hi], strict=True)
        }


class RunLeaves:
    """A run's sealed leaves, column by column, in index order."""

    def __init__(self, columns: Mapping[str, Sequence[Any]]) -> None:
        names = (*LEAF_COLUMNS, "leaf_hash")
        lists = {name: list(columns.get(name) or ()) for name in names}
        index = lists["leaf_index"]
        if not all(map(lt, index, islice(index, 1, None))):
            order = sorted(range(len(index)), key=index.__getitem__)
            lists = {name: [values[i] for i in order] for name, values in lists.items()}
        self.columns = lists
        self.index: list[int] = lists["leaf_index"]
        self._places: set[tuple[str, int, int]] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def seals(self, place: tuple[str, int, int]) -> bool:
        """Whether a leaf of the run is at ``place``."""
        if self._places is None:
            c = self.columns
            self._places = set(zip(c["topic"], c["partition"], c["offset"], strict=True))
        return place in self._places

    def between(self, first: int, end: int) -> tuple[int, int]:
        """The positions of the leaves of indexes ``[first, end)``."""
        return bisect_left(self.index, first), bisect_left(self.index, end)

    def leaves(self, lo: int, hi: int) -> list[Leaf]:
        columns = self.columns
        make = Leaf._make
        return [make(row) for row in zip(*(columns[n][lo:hi] for n in LEAF_COLUMNS), strict=True)]

    def sealed_at(self) -> dict[Partition, dict[int, Content]]:
        """What each leaf says is at its place."""
        c = self.columns
        sealed: dict[Partition, dict[int, Content]] = {}
        for topic, partition, offset, event_id, sha256 in zip(
            c["topic"], c["partition"], c["offset"], c["event_id"], c["sha256"], strict=True
        ):
            sealed.setdefault((topic, partition), {})[offset] = (event_id, sha256)
        return sealed


@dataclass(frozen=True)
class Confirmed:
    """A block found in the common case: its leaf hashes in index order and how many archive
    rows and Kafka records its ranges hold."""

    hashes: list[bytes]
    archive_rows: int
    kafka_records: int | None


_HEAD = '{"event_id":"'
_HEADS = f'"{_HEAD}'
_HEAD_BYTES = itemgetter(slice(0, len(_HEAD) + 27))
_ULID = 26
_HEX_SIZE = 64
_EMPTY_SHA256 = hashlib.sha256()


def confirmed_block(
    block: SealedBlock,
    leaves: RunLeaves,
    lo: int,
    hi: int,
    archive: Mapping[Partition, ArchiveRows],
    kafka: Mapping[Partition, KafkaRead] | None,
) -> Confirmed | None:
    """The block's leaf hashes and counts when it is in the common case (see the module
    docstring), else ``None``; ``lo, hi``: the positions of the run's leaves that are the
    block's."""
    ranges = block.parsed_ranges()
    if ranges is None or len({(t, p) for t, p, _, _ in ranges}) != len(ranges):
        return None
    first, size = block.first_index, block.size
    c = leaves.columns
    if hi - lo != size or leaves.index[lo:hi] != list(range(first, first + size)):
        return None
    marks = c["block"][lo:hi]
    if marks.count(block.block) + marks.count(-1) != size:
        return None
    places = list(zip(c["topic"][lo:hi], c["partition"][lo:hi], c["offset"][lo:hi], strict=True))
    if not all(map(lt, places, islice(places, 1, None))):
        return None
    spans = []
    for topic, partition, start, end in ranges:
        a, b = (
            bisect_left(places, (topic, partition, start)),
            bisect_left(places, (topic, partition, end)),
        )
        spans.append((topic, partition, start, end, lo + a, lo + b))
    if sum(b - a for *_, a, b in spans) != size:
        return None  # a leaf outside the ranges
    rows, records = 0, 0
    offsets, event_ids, digests = c["offset"], c["event_id"], c["sha256"]
    for topic, partition, start, end, a, b in spans:
        stored = archive.get((topic, partition))
        if stored is None:
            if b > a:
                return None
        else:
            x, y = bisect_left(stored.offsets, start), bisect_left(stored.offsets, end)
            if (
                stored.offsets[x:y] != offsets[a:b]
                or stored.sha256[x:y] != digests[a:b]
                or stored.event_ids[x:y] != event_ids[a:b]
                or 0 in stored.ok[x:y]
            ):
                return None
            rows += y - x
        if kafka is not None:
            read = kafka.get((topic, partition))
            if read is None:
                if b > a:
                    return None
                continue
            x, y = read.between(start, end)
            values = _sealed_records(leaves, (topic, partition), read, x, y, offsets[a:b])
            if values is None or not _records_confirm(values, event_ids[a:b], digests[a:b]):
                return None
            records += y - x
    try:
        joined = bytes.fromhex("".join(c["leaf_hash"][lo:hi]))
    except (TypeError, ValueError):
        return None
    if len(joined) != 32 * size:
        return None
    hashes = [joined[i : i + 32] for i in range(0, len(joined), 32)]
    return Confirmed(hashes, rows, records if kafka is not None else None)


MAX_UNSEALED_RECORDS = 16
"""Past this many records of a range at no sealed place, the block is checked in full."""


def _sealed_records(
    leaves: RunLeaves,
    key: Partition,
    read: KafkaRead,
    x: int,
    y: int,
    sealed: Sequence[int],
) -> Sequence[bytes | None] | None:
    """The values of the records ``x .. y - 1`` of a partition at the sealed offsets, when
    there is one at each of them and every other is one the archive would not hold (the
    mapper's verdict, as for an undecodable record left on the topic) at no place a leaf of the
    run seals; else ``None``."""
    offsets = read.offsets[x:y]
    if offsets == sealed:
        return read.values[x:y]
    wanted = set(sealed)
    others = [i for i, offset in enumerate(offsets) if offset not in wanted]
    if len(offsets) - len(others) != len(sealed) or len(others) > MAX_UNSEALED_RECORDS:
        return None
    topic, partition = key
    for i in others:
        offset = offsets[i]
        if leaves.seals((topic, partition, offset)):
            return None
        if record_content(topic, partition, offset, read.values[x + i], None) is not None:
            return None
    skip = set(others)
    return [value for i, value in enumerate(read.values[x:y]) if i not in skip]


def _records_confirm(
    values: Sequence[bytes | None], event_ids: Sequence[str], digests: Sequence[str]
) -> bool:
    """Whether each record is the sealed one: its SHA-256 and the event id its JSON starts
    with are the leaf's (:func:`~services.audit.domain.sealed_rows.record_content`'s common
    case, for a whole range at once)."""
    if not values:
        return True
    if None in values:
        return False
    if not "".join(event_ids).isascii() or not all(map(_ULID.__eq__, map(len, event_ids))):
        return False
    heads = (_HEAD + _HEADS.join(event_ids) + '"').encode()
    if b"".join(map(_HEAD_BYTES, values)) != heads:  # type: ignore[arg-type]
        return False
    if not all(map(_HEX_SIZE.__eq__, map(len, digests))):
        return False
    fresh = _EMPTY_SHA256.copy  # cheaper than a new hash object per record
    made = []
    for value in values:
        h = fresh()
        h.update(value)  # type: ignore[arg-type]
        made.append(h.digest())
    return b"".join(made).hex() == "".join(digests)
