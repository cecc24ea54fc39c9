"""Verify the sealed audit log against the archive and the Kafka topics (the I/O side).

The log is streamed in runs of blocks of about :data:`RUN_LEAVES` events: for each run, its
leaves with their hashes (``seal_leaves``), every stored version of the archive rows inside its
ranges with the SHA-256 the engine recomputes from their bytes and whether their columns agree
with them (``event_archive`` without ``FINAL``; every column of a row that does not agree)
and, when asked, the records of its ranges from the broker (every partition of every archived
topic assigned at once, read in offset order up to the ends it had when reading began:
``verify_kafka.py``) are read together, while the previous run is compared in a worker thread
(``verify_worker.py``). A service answering
``GET /audit/verify`` keeps serving meanwhile, and memory stays bounded by two runs whatever the
size of the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import KafkaError

from services.audit import verify_reading as reading
from services.audit.domain.checkpoint import load_private_key, public_key_text
from services.audit.domain.run_columns import ArchiveRows
from services.audit.domain.sealed_rows import Partition
from services.audit.domain.verification import Finding, Kind, Report, SealedBlock
from services.audit.sealer import signing_key_text
from services.audit.verify_kafka import KafkaLog
from services.audit.verify_proofs import load_public_key
from services.audit.verify_worker import Comparison, RunInput, bad_places
from services.runtime import metrics
from services.runtime.settings import Settings
from services.runtime.store.base import Store, StoreError

RUN_LEAVES = 10_000
"""About how many events are read and compared together."""


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


class MeteredProgress(Progress):
    """The progress of a verification run by the service, as its metrics show it
    (``wfa_audit_verify_*``)."""

    def __init__(self) -> None:
        self.total = 0
        self.checked = 0

    def planned(self, blocks: int, leaves: int) -> None:
        self.total, self.checked = leaves, 0
        metrics.VERIFY_RUNS.inc()
        metrics.VERIFY_PROGRESS.set(0.0 if leaves else 1.0)

    def advanced(self, blocks: int, leaves: int) -> None:
        self.checked += leaves
        metrics.VERIFY_CHECKED.inc(leaves)
        metrics.VERIFY_PROGRESS.set(min(1.0, self.checked / self.total) if self.total else 1.0)


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


ARCHIVE_CHUNKS = (1, 2, 3, 4)
"""How many runs the first archive reads cover (then one more each time up to
:data:`ARCHIVE_CHUNK_RUNS`, the last ones shorter: :func:`_chunk_sizes`). The first comparisons
start as soon as the engine has hashed one run's rows, and each chunk is compared while the
engine reads the next, at most one run longer, in its own threads (a query releases the
interpreter), so that the interpreter, what bounds Kafka mode, seldom waits for a read: with
one run then nine, it waited while the engine hashed nine runs, then the engine idled while
they were compared."""
ARCHIVE_CHUNK_RUNS = 9
"""Runs per archive read at most: a run holds a few hundred offsets of each partition, while the
engine reads and decompresses ``raw`` by granules of thousands of rows, so each read costs
about a pass over the granules it touches (about 0.025 s of the engine's CPU per read for a log
of 100,000 events: its 10 runs read by 1, 2, 3, 2, 1 then 1 took 0.50 s against 0.38 s in one
read or in 1 then 9), spent in the engine's threads, beside the interpreter."""


def _chunk_sizes(runs: int) -> list[int]:
    """How many runs each archive read covers: :data:`ARCHIVE_CHUNKS`, then one run more each
    time up to :data:`ARCHIVE_CHUNK_RUNS`, the last chunk halved again and again (4 runs: 2, 1,
    1), so that the comparing of the last runs, which no read is left to overlap, is short."""
    sizes: list[int] = []
    ramp = iter(ARCHIVE_CHUNKS)
    left = runs
    while left > 0:
        size = next(ramp, min(sizes[-1] + 1, ARCHIVE_CHUNK_RUNS) if sizes else 1)
        sizes.append(min(size, left))
        left -= sizes[-1]
    last = sizes.pop() if sizes else 0
    while last > 1:
        half = (last + 1) // 2
        sizes.append(half)
        last -= half
    if last:
        sizes.append(last)
    return sizes


@dataclass
class _Chunk:
    """What the store gave for a chunk of runs: each run's leaves (column by column, as
    stored) and the archive rows inside the runs' spans."""

    leaves: dict[int, dict[str, list[Any]]]
    archive: dict[Partition, ArchiveRows]


class _ArchiveAhead:
    """The archive rows (hashes and verdicts, see :func:`reading.archive_rows`) of the runs,
    read by chunks of consecutive runs ahead of their comparison: the read of the next chunk
    starts as soon as a chunk is needed, so the engine works beside the comparing; memory
    stays bounded by two chunks."""

    def __init__(self, store: Store, runs: Sequence[_Run]) -> None:
        self.store = store
        self.chunk_of: list[int] = []
        self.chunks: list[list[int]] = []
        at = 0
        for size in _chunk_sizes(len(runs)):
            self.chunks.append(list(range(at, at + size)))
            self.chunk_of.extend([len(self.chunks) - 1] * size)
            at += size
        self.spans = [run.spans() for run in runs]
        self.leaf_bounds = [
            (
                min(block.first_index for block in run.blocks),
                max(block.tree_size for block in run.blocks),
            )
            for run in runs
        ]
        self.reads: dict[int, asyncio.Task[_Chunk]] = {}

    def start(self, chunk: int) -> None:
        """Begin reading chunk ``chunk`` (once; nothing past the last)."""
        if chunk < len(self.chunks) and chunk not in self.reads:
            union: dict[Partition, tuple[int, int]] = {}
            for i in self.chunks[chunk]:
                for key, (start, end) in self.spans[i].items():
                    if end > start:
                        a, b = union.get(key, (start, end))
                        union[key] = (min(a, start), max(b, end))
            wanted = [(t, p, a, b) for (t, p), (a, b) in union.items()]
            before = self.reads.get(chunk - 1)
            self.reads[chunk] = asyncio.create_task(self._read(before, chunk, wanted))

    async def _read(
        self, before: asyncio.Task[_Chunk] | None, chunk: int, wanted: list[reading.Span]
    ) -> _Chunk:
        # one query after the other, a chunk's after the previous chunk's: the engine answers
        # one query of a session at a time, and a query waiting for its turn costs CPU; the
        # leaves run by run (one large answer is parsed much slower than several small ones)
        if before is not None:
            await asyncio.wait([before])
        leaves = {}
        for i in self.chunks[chunk]:
            leaves[i] = await reading.leaf_columns(self.store, *self.leaf_bounds[i])
        return _Chunk(leaves, await reading.archive_rows(self.store, wanted))

    async def rows_for(self, run: int) -> tuple[dict[str, list[Any]], dict[Partition, ArchiveRows]]:
        """The leaves of run ``run`` and the archive rows inside its spans (runs are asked for
        in order)."""
        chunk = self.chunk_of[run]
        self.start(chunk)
        self.start(chunk + 1)  # read ahead while this chunk is compared
        for done in [k for k in self.reads if k < chunk]:
            self.reads.pop(done).cancel()
        read = await self.reads[chunk]
        rows = read.archive
        out = {}
        for key, (start, end) in self.spans[run].items():
            stored = rows.get(key)
            if stored is None or end <= start:
                continue
            x, y = bisect_left(stored.offsets, start), bisect_left(stored.offsets, end)
            if y > x:
                out[key] = ArchiveRows(
                    stored.offsets[x:y], stored.event_ids[x:y], stored.sha256[x:y], stored.ok[x:y]
                )
        return read.leaves.pop(run), out

    def cancel(self) -> None:
        for read in self.reads.values():
            read.cancel()
        self.reads.clear()


async def _read_run(
    store: Store, runs: Sequence[_Run], i: int, kafka: KafkaLog | None, archived: _ArchiveAhead
) -> RunInput:
    """A run's leaves, archive rows and Kafka records, read together."""
    run = runs[i]
    spans = run.spans()
    archive_spans = [(t, p, a, b) for (t, p), (a, b) in spans.items()]
    reading_kafka = kafka.read(spans) if kafka is not None else _nothing()
    (leaves, archive), records = await asyncio.gather(archived.rows_for(i), reading_kafka)
    checked = await reading.archive_columns(store, _checked_spans(archive, archive_spans))
    return RunInput(run.blocks, leaves, archive, records, run.ranges, checked)


async def _nothing() -> None:
    return None


MAX_CHECKED_SPANS = 64
"""Past this many runs of rows to check from all their columns, the whole run is read so."""


def _checked_spans(
    archive: dict[Partition, ArchiveRows], spans: list[tuple[str, int, int, int]]
) -> list[tuple[str, int, int, int]]:
    """The offsets holding a row whose columns do not agree with its bytes, as spans."""
    out: list[tuple[str, int, int, int]] = []
    for (topic, partition), offsets in bad_places(archive).items():
        for offset in offsets:
            if out and out[-1][:2] == (topic, partition) and out[-1][3] == offset:
                out[-1] = (topic, partition, out[-1][2], offset + 1)
            else:
                out.append((topic, partition, offset, offset + 1))
    return out if len(out) <= MAX_CHECKED_SPANS else spans


async def _compare_run(store: Store, comparison: Comparison, run: RunInput) -> None:
    nodes: dict[int, str] = {}
    comparison.now("begin_run", run)
    for i, block in enumerate(run.blocks):
        while not await comparison.check_at(block, i, nodes):
            # its manifest does not give its roots: its stored tree nodes name what was rewritten
            nodes[block.block] = await reading.nodes(store, block.block)
    comparison.now("end_run")


async def _check_runs(
    store: Store,
    comparison: Comparison,
    runs: Sequence[_Run],
    kafka: KafkaLog | None,
    progress: Progress,
    archived: _ArchiveAhead | None = None,
) -> None:
    """Compare run after run, reading the next one meanwhile (``archived``: the store's reads
    ahead, when already begun)."""
    if not runs:
        return
    archived = archived or _ArchiveAhead(store, runs)
    reading_next = asyncio.create_task(_read_run(store, runs, 0, kafka, archived))
    try:
        for i, run in enumerate(runs):
            data = await reading_next
            if i + 1 < len(runs):
                reading_next = asyncio.create_task(_read_run(store, runs, i + 1, kafka, archived))
            await _compare_run(store, comparison, data)
            progress.advanced(len(run.blocks), run.leaves)
    finally:
        archived.cancel()
        if not reading_next.done():
            reading_next.cancel()
            with contextlib.suppress(BaseException):
                await reading_next


async def _check_pending(store: Store, comparison: Comparison, kafka: KafkaLog | None) -> int:
    """Check the archive rows waiting for their seal; their count."""
    spans = await reading.pending(store, await comparison.call("ends"))
    if kafka is not None:
        await kafka.refresh_ends()  # rows archived since reading began are on Kafka by now
    for span in spans:
        key = (span.topic, span.partition)
        for start in range(span.first, span.end, RUN_LEAVES):
            stop = min(start + RUN_LEAVES, span.end)
            archive = await reading.archive_columns(store, [(*key, start, stop)])
            if not archive.get("raw"):
                continue
            records = await kafka.read({key: (start, stop)}) if kafka is not None else None
            sealed = await reading.sealed_places(store, set(archive["event_id"]))
            await comparison.call("check_pending", archive, records, sealed)
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
    key = public_key or configured_public_key(settings)
    load_public_key(key)
    progress = progress or MeteredProgress()
    reader: KafkaLog | None = None
    starting: asyncio.Task[None] | None = None
    archived: _ArchiveAhead | None = None
    try:
        if kafka:  # the broker's metadata is read while the store gives the blocks
            reader = KafkaLog(settings.kafka_servers)
            starting = asyncio.create_task(reader.start())
        blocks = await reading.blocks(store)
        total = sum(b.size for b in blocks)
        comparison = Comparison(
            key, settings.audit_log_origin, kafka, await reading.has_nodes(store)
        )
        for row in await reading.block_versions(store):
            block, versions = int(row["block"]), str(row["versions"])
            await comparison.call("add", Finding(Kind.BROKEN_CHAIN, block, "versions", versions))
        progress.planned(len(blocks), total)
        runs = list(_runs(blocks))
        archived = _ArchiveAhead(store, runs)
        if reader is not None and starting is not None:
            topics = {t for run in runs for ranges in run.ranges for t, _, _, _ in ranges}
            topics |= set(await reading.archived_topics(store))
            if runs:  # the engine reads the first run while the broker's bounds are asked for
                archived.start(0)
            await starting
            await reader.open(topics)
        await _check_runs(store, comparison, runs, reader, progress, archived)
        unresolved = await comparison.call("unresolved")
        await comparison.call("resolve", await reading.sealed_contents(store, unresolved))
        pending = await _check_pending(store, comparison, reader)
        report: Report = await comparison.call("report", pending)
    except KafkaError as exc:
        raise VerificationUnavailable(f"Kafka cannot be read: {exc}") from exc
    except StoreError as exc:
        raise VerificationUnavailable(f"the store cannot be read: {exc}") from exc
    except OSError as exc:
        raise VerificationUnavailable(f"cannot connect: {exc}") from exc
    finally:
        if archived is not None:
            archived.cancel()
        if starting is not None:
            starting.cancel()
            with contextlib.suppress(BaseException):
                await starting  # (its failure, if any, was raised above or is moot)
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.close()
    return report
