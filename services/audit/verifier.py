"""Verify the sealed audit log against the archive and the Kafka topics (the I/O side).

The log is streamed in runs of blocks of about :data:`RUN_LEAVES` events: for each run, its
leaves (``seal_leaves``), every stored version of the archive rows inside its ranges
(``event_archive`` without ``FINAL``) and, when asked, the records of its ranges from the
broker (every partition of every archived topic assigned at once, read in offset order up to
the ends it had when reading began: ``verify_kafka.py``) are read together, then its blocks are
compared one by one by :class:`services.audit.domain.verification.LogVerifier` in a worker
thread, so a service answering ``GET /audit/verify`` keeps serving meanwhile. Memory stays
bounded by one run whatever the size of the log.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from aiokafka.errors import KafkaError

from services.audit import verify_reading as reading
from services.audit.domain.checkpoint import load_private_key, public_key_text
from services.audit.domain.sealed_rows import ArchivedCopy, Content, Leaf, Partition
from services.audit.domain.verification import (
    Finding,
    KafkaPartition,
    Kind,
    LogVerifier,
    Report,
    SealedBlock,
)
from services.audit.sealer import signing_key_text
from services.audit.verify_kafka import KafkaLog, Records
from services.audit.verify_proofs import load_public_key
from services.runtime.settings import Settings
from services.runtime.store.base import Store, StoreError

RUN_LEAVES = 20_000
"""About how many events are read and checked together."""


class VerificationUnavailable(RuntimeError):
    """The store or the broker could not be read: nothing can be said about the log."""


def configured_public_key(settings: Settings) -> str:
    """The public half of the configured signing key (the published development key's when
    none is set outside production), as the sealer signs with it."""
    private = load_private_key(
        signing_key_text(settings), allow_development_key=settings.environment != "production"
    )
    return public_key_text(private)


class Progress:
    """Called as verification goes: the totals once known, then after every run of blocks."""

    def planned(self, blocks: int, leaves: int) -> None:
        """The log holds ``blocks`` blocks of ``leaves`` leaves in all."""

    def advanced(self, blocks: int, leaves: int) -> None:
        """``blocks`` more blocks of ``leaves`` leaves were checked."""


@dataclass
class _Run:
    """A run of consecutive blocks, read together."""

    blocks: list[SealedBlock]
    ranges: list[list[tuple[str, int, int, int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ranges = [block.parsed_ranges() or [] for block in self.blocks]

    @property
    def leaves(self) -> int:
        return sum(block.size for block in self.blocks)

    def spans(self) -> dict[Partition, tuple[int, int]]:
        """Per partition, the offsets the run covers."""
        spans: dict[Partition, tuple[int, int]] = {}
        for ranges in self.ranges:
            for topic, partition, start, end in ranges:
                if end <= start:
                    continue
                a, b = spans.get((topic, partition), (start, end))
                spans[(topic, partition)] = (min(a, start), max(b, end))
        return spans


def _runs(blocks: Sequence[SealedBlock]) -> Iterator[_Run]:
    run: list[SealedBlock] = []
    size = 0
    for block in blocks:
        run.append(block)
        size += max(block.size, 1)
        if size >= RUN_LEAVES:
            yield _Run(run)
            run, size = [], 0
    if run:
        yield _Run(run)


class _ByRange:
    """Which block of a run holds a place (each partition's ranges, in offset order)."""

    def __init__(self, run: _Run) -> None:
        self._starts: dict[Partition, list[int]] = {}
        self._spans: dict[Partition, list[tuple[int, int, int]]] = {}
        for i, ranges in enumerate(run.ranges):
            for topic, partition, start, end in ranges:
                self._spans.setdefault((topic, partition), []).append((start, end, i))
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
class _RunData:
    leaves: list[list[Leaf]]
    copies: list[list[ArchivedCopy]]
    views: list[dict[Partition, KafkaPartition]] | None


def _split(
    run: _Run,
    leaves: Sequence[Leaf],
    copies: Sequence[ArchivedCopy],
    records: dict[Partition, Records] | None,
    kafka: KafkaLog | None,
) -> _RunData:
    """The run's leaves, archive rows and Kafka records, block by block."""
    n = len(run.blocks)
    by_block: list[list[Leaf]] = [[] for _ in range(n)]
    firsts = [block.first_index for block in run.blocks]
    for leaf in leaves:
        at = bisect.bisect_right(firsts, leaf.leaf_index) - 1
        if at >= 0 and leaf.leaf_index < run.blocks[at].tree_size:
            by_block[at].append(leaf)
    where = _ByRange(run)
    copies_of: list[list[ArchivedCopy]] = [[] for _ in range(n)]
    for copy in copies:
        index = where.block_of((copy.topic, copy.partition), copy.offset)
        if index is not None:
            copies_of[index].append(copy)
    views = None
    if records is not None and kafka is not None:
        views = []
        for ranges in run.ranges:
            view = {}
            for topic, partition, start, end in ranges:
                key = (topic, partition)
                got = records.get(key, {})
                state = kafka.state(key)
                view[key] = KafkaPartition(
                    {o: got[o] for o in range(start, end) if o in got},
                    state.log_start,
                    state.end if state.exists else None,
                    state.exists,
                )
            views.append(view)
    return _RunData(by_block, copies_of, views)


def _sealed_by_partition(leaves: Sequence[Leaf]) -> dict[Partition, dict[int, Content]]:
    sealed: dict[Partition, dict[int, Content]] = {}
    for leaf in leaves:
        sealed.setdefault((leaf.topic, leaf.partition), {})[leaf.offset] = leaf.content
    return sealed


async def _archive_copies(
    store: Store, spans: dict[Partition, tuple[int, int]]
) -> list[ArchivedCopy]:
    columns = await reading.archive_columns(
        store, [(t, p, a, b) for (t, p), (a, b) in spans.items()]
    )
    return await asyncio.to_thread(reading.copies, columns)


async def _read_run(store: Store, run: _Run, kafka: KafkaLog | None) -> _RunData:
    """A run's leaves, archive rows (each checked against its own bytes) and Kafka records."""
    blocks = run.blocks
    first = min(block.first_index for block in blocks)
    end = max(block.tree_size for block in blocks)
    spans = run.spans()
    leaves = await reading.leaves(store, first, end)
    if kafka is not None:
        sealed = _sealed_by_partition(leaves)
        records, copies = await asyncio.gather(
            kafka.read(spans, sealed), _archive_copies(store, spans)
        )
    else:
        records, copies = None, await _archive_copies(store, spans)
    return await asyncio.to_thread(_split, run, leaves, copies, records, kafka)


async def _check_run(
    store: Store, verifier: LogVerifier, run: _Run, data: _RunData, with_nodes: bool
) -> None:
    blocks = run.blocks
    nodes: dict[int, str] = {}

    def check(start: int) -> int | None:
        """Check blocks from ``start``; stop at one whose stored nodes are wanted first."""
        for i in range(start, len(blocks)):
            block = blocks[i]
            if (
                with_nodes
                and block.block not in nodes
                and verifier.wants_nodes(block, data.leaves[i])
            ):
                return i
            view = data.views[i] if data.views is not None else None
            verifier.check_block(
                block, data.leaves[i], data.copies[i], view, nodes.get(block.block, "")
            )
        return None

    at: int | None = 0
    while at is not None:
        at = await asyncio.to_thread(check, at)
        if at is not None:
            nodes[blocks[at].block] = await reading.nodes(store, blocks[at].block)


async def _check_runs(
    store: Store,
    verifier: LogVerifier,
    runs: Sequence[_Run],
    kafka: KafkaLog | None,
    with_nodes: bool,
    progress: Progress,
) -> None:
    """Check run after run, reading the next one while the current one is compared."""
    if not runs:
        return
    reading_next = asyncio.create_task(_read_run(store, runs[0], kafka))
    try:
        for i, run in enumerate(runs):
            data = await reading_next
            if i + 1 < len(runs):
                reading_next = asyncio.create_task(_read_run(store, runs[i + 1], kafka))
            await _check_run(store, verifier, run, data, with_nodes)
            progress.advanced(len(run.blocks), run.leaves)
    finally:
        if not reading_next.done():
            reading_next.cancel()
            with contextlib.suppress(BaseException):
                await reading_next


async def _check_pending(store: Store, verifier: LogVerifier, kafka: KafkaLog | None) -> int:
    """Check the archive rows waiting for their seal; their count."""
    spans = await reading.pending(store, verifier.ends)
    if kafka is not None:
        await kafka.refresh_ends()  # rows archived since reading began are on Kafka by now
    for span in spans:
        key = (span.topic, span.partition)
        for start in range(span.first, span.end, RUN_LEAVES):
            stop = min(start + RUN_LEAVES, span.end)
            copies = await _archive_copies(store, {key: (start, stop)})
            if not copies:
                continue
            view = None
            if kafka is not None:
                expected = {key: {c.offset: c.content for c in copies}}
                records = await kafka.read({key: (start, stop)}, expected)
                state = kafka.state(key)
                view = {
                    key: KafkaPartition(
                        records.get(key, {}), state.log_start, state.end, state.exists
                    )
                }
            sealed = await reading.sealed_places(store, {c.event_id for c in copies})
            verifier.check_pending(copies, view, sealed)
    return sum(span.count for span in spans)


async def verify_log(
    store: Store,
    settings: Settings,
    *,
    public_key: str | None = None,
    kafka: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Recompute the sealed log from the archive (and from Kafka) and report what differs.

    ``public_key`` is the base64 Ed25519 key to check the checkpoints with (default: the one of
    the configured signing key). Raises :class:`VerificationUnavailable` when the store or the
    broker cannot be read, ``ValueError`` when the key is unreadable.
    """
    key = load_public_key(public_key or configured_public_key(settings))
    progress = progress or Progress()
    verifier = LogVerifier(key, origin=settings.audit_log_origin, kafka=kafka)
    reader = KafkaLog(settings.kafka_servers) if kafka else None
    try:
        blocks = await reading.blocks(store)
        for row in await reading.block_versions(store):
            verifier.add(
                Finding(Kind.BROKEN_CHAIN, int(row["block"]), "versions", str(row["versions"]))
            )
        progress.planned(len(blocks), sum(b.size for b in blocks))
        with_nodes = await reading.has_nodes(store)
        runs = list(_runs(blocks))
        if reader is not None:
            topics = {t for run in runs for ranges in run.ranges for t, _, _, _ in ranges}
            await reader.open(topics | set(await reading.archived_topics(store)))
        await _check_runs(store, verifier, runs, reader, with_nodes, progress)
        verifier.resolve(await reading.sealed_contents(store, verifier.unresolved()))
        pending = await _check_pending(store, verifier, reader)
    except KafkaError as exc:
        raise VerificationUnavailable(f"Kafka cannot be read: {exc}") from exc
    except StoreError as exc:
        raise VerificationUnavailable(f"the store cannot be read: {exc}") from exc
    except OSError as exc:
        raise VerificationUnavailable(f"cannot connect: {exc}") from exc
    finally:
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.close()
    return verifier.report(pending)
