"""The sealer: seals the archive into signed, chained blocks of one RFC 9162 log.

Audit's projector marks every event it archives; once the rows are written, and before their
offsets are committed, :meth:`Sealer.after_write` takes the marks (in batch order). A block is
sealed as soon as ``AUDIT_SEAL_EVENTS`` events wait, or once the oldest has waited
``AUDIT_SEAL_SECONDS``. Sealing a block writes its leaves (``seal_leaves``), then its head and
signed checkpoint (``seal_blocks``, with the hashes of the tree nodes the block completes, by
which verify names a leaf rewritten with both its stored hashes): the block row is the commit
point, so leaves past the last block (a crash between the two inserts) are ignored and sealed
again.

The sealer holds only the log's right edge (its compact range, RFC 9162: the roots of the
complete subtrees that make up its leaves, one per one-bit of its size, so at most
``log2(n) + 1`` hashes): appending a leaf and computing the root cost ``O(log n)``. On start that
edge is read from the nodes the blocks stored (``seal_blocks.nodes``: the block that completed
each subtree of the last block's size holds its hash) and checked against the last block's
signed root; what was archived and committed but not yet sealed (a crash before a timed seal) is
read back from the archive up to the projector's committed offsets; what comes after is
projected again. Proofs are served the same way, from the ``O(log n)`` stored subtree hashes
they need; a subtree whose block stored no nodes is hashed again from its ``seal_leaves``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from kernel.projection_rows import Marks
from services.audit.domain.archive import SEALED
from services.audit.domain.checkpoint import (
    DEVELOPMENT_PRIVATE_KEY,
    Checkpoint,
    SignedCheckpoint,
    load_private_key,
    public_key_text,
    sign_checkpoint,
)
from services.audit.domain.merkle import (
    Node,
    consistency_nodes,
    consistency_proof_from,
    inclusion_nodes,
    inclusion_proof_from,
)
from services.audit.domain.seal import (
    GENESIS_HEAD,
    Block,
    Partition,
    SealedLeaf,
    advance,
    next_block,
)
from services.audit.domain.sealed_tree import (
    Frontier,
    append_block,
    decomposition,
    stored_nodes,
)
from services.audit.verify_proofs import parse_checkpoint
from services.runtime import metrics
from services.runtime.context import Port
from services.runtime.kafka.security import client_security
from services.runtime.settings import Settings
from services.runtime.store.base import Store

log = logging.getLogger(__name__)


def signing_key_text(settings: Settings) -> str:
    """The configured key; the published development key when none is set outside production
    (production refuses an empty value, a placeholder or the development key)."""
    configured = settings.audit_signing_key.get_secret_value()
    if not configured and settings.environment != "production":
        return DEVELOPMENT_PRIVATE_KEY
    return configured


class Sealer:
    """Seals archived events into blocks and answers for the log (tree, checkpoints)."""

    name = "sealer"

    def __init__(
        self, settings: Settings, store: Port[Store], *, group_id: str | None = None
    ) -> None:
        """``store`` holds the archive and the seals (open by the time the host starts it)."""
        self.settings = settings
        self._store = store
        self.private_key = load_private_key(
            signing_key_text(settings), allow_development_key=settings.environment != "production"
        )
        self.public_key = public_key_text(self.private_key)
        self.origin = settings.audit_log_origin
        self.seal_events = settings.audit_seal_events
        self.seal_seconds = settings.audit_seal_seconds
        self.group_id = group_id
        """The projector's consumer group (for the committed offsets read back on start)."""
        self.tree = Frontier()
        """The log's right edge (its compact range): the only leaf hashes held in memory."""
        self.frontier: dict[Partition, int] = {}
        self.blocks = 0
        self.prev_head = GENESIS_HEAD
        self.latest: SignedCheckpoint | None = None
        self.pending: dict[tuple[str, int, int], SealedLeaf] = {}
        self._pending_since: float | None = None
        self._lock = asyncio.Lock()
        self._loaded = asyncio.Event()
        self._sealed = asyncio.Condition()
        self._timer: asyncio.Task[None] | None = None
        self.consistent = True
        """False when the stored leaves do not give the last block's signed root (tampering);
        ``verify`` says where."""

    @property
    def store(self) -> Store:
        return self._store.get()

    @property
    def tree_size(self) -> int:
        return self.tree.size

    # lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._load()
        await self._recover_unsealed()
        self._loaded.set()
        self._timer = asyncio.create_task(self._seal_on_time(), name="audit-sealer")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        with contextlib.suppress(Exception):  # best effort: what waits is sealed on restart
            async with self._lock:
                await self._seal_all()

    def ready(self) -> bool:
        return self._loaded.is_set()

    async def _load(self) -> None:
        blocks = await self.store.query(
            "SELECT block, tree_size, ranges, head, tree_root, checkpoint, signature "
            "FROM {db}.seal_blocks FINAL ORDER BY block DESC LIMIT 1"
        )
        if not blocks:
            return
        last = blocks[0]
        size = int(last["tree_size"])
        edge = await self.subtree_hashes(decomposition(size), size)
        self.tree = Frontier.of(size, edge)
        for row in await self.store.query("SELECT ranges FROM {db}.seal_blocks FINAL"):
            for topic, part, _start, end in orjson.loads(row["ranges"]):
                self.frontier[(topic, part)] = max(self.frontier.get((topic, part), 0), end)
        self.blocks = int(last["block"]) + 1
        self.prev_head = str(last["head"])
        self.consistent = self.tree.root().hex() == last["tree_root"]
        if not self.consistent:
            log.error(
                "audit log: the stored nodes do not give the signed root of block %s; "
                "run verify to find what changed",
                last["block"],
            )
        self.latest = _signed(last)
        log.info("audit log: %d blocks, %d leaves", self.blocks, self.tree.size)
        metrics.AUDIT_LOG_SIZE.set(self.tree.size)

    async def _recover_unsealed(self) -> None:
        """Archived, committed and not sealed: read back from the archive."""
        if self.group_id is None:
            return
        committed = await self._committed_offsets(self.group_id)
        for tp, meta in committed.items():
            start = self.frontier.get((tp.topic, tp.partition), 0)
            if meta.offset <= start:
                continue
            rows = await self.store.query(
                "SELECT topic, partition, offset, event_id, sha256 FROM {db}.event_archive FINAL "
                "WHERE topic = {topic:String} AND partition = {part:UInt32} "
                "AND offset >= {start:UInt64} AND offset < {end:UInt64}",
                {"topic": tp.topic, "part": tp.partition, "start": start, "end": meta.offset},
            )
            self._add(_leaf(row) for row in rows)
        if self.pending:
            log.info("audit log: %d archived events wait for their seal", len(self.pending))

    async def _committed_offsets(
        self, group_id: str, patience_s: float = 60.0
    ) -> dict[TopicPartition, OffsetAndMetadata]:
        """The group's committed offsets, waiting out a broker that is still starting (its
        group coordinator not yet available)."""
        deadline = time.monotonic() + patience_s
        while True:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self.settings.kafka_servers, **client_security(self.settings)
            )
            try:
                await admin.start()
                offsets: dict[TopicPartition, OffsetAndMetadata]
                offsets = await admin.list_consumer_group_offsets(group_id)
                return offsets
            except KafkaError as exc:
                if time.monotonic() > deadline:
                    raise
                log.info("audit log: committed offsets not readable yet (%s); retrying", exc)
                await asyncio.sleep(0.5)
            finally:
                await admin.close()

    def archived_up_to(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        """Per partition, the next offset this instance's archive lacks: past its sealed
        leaves and those waiting for their seal. The projector reads an assigned partition
        from there, so that the archive holds every record of the log in order even when
        another instance of the group held the partition for a while (its offsets committed
        in the group are not in this archive)."""
        following: dict[Partition, int] = {}
        for topic, partition, offset in self.pending:
            key = (topic, partition)
            following[key] = max(following.get(key, 0), offset + 1)
        return {
            tp: max(
                self.frontier.get((tp.topic, tp.partition), 0),
                following.get((tp.topic, tp.partition), 0),
            )
            for tp in partitions
        }

    # sealing ----------------------------------------------------------------------------------

    async def after_write(self, marks: Marks) -> None:
        """The projector wrote these events' rows: seal every full block now, the rest on time."""
        await self._loaded.wait()
        async with self._lock:
            self._add(SealedLeaf(*mark) for mark in marks.get(SEALED, ()))
            while len(self.pending) >= self.seal_events:
                await self._seal(self.seal_events)

    def _add(self, leaves: Iterable[SealedLeaf]) -> None:
        for leaf in leaves:
            if leaf.offset < self.frontier.get(leaf.key, 0):
                continue  # projected again after a restart: sealed already
            self.pending[(leaf.topic, leaf.partition, leaf.offset)] = leaf
        if self.pending and self._pending_since is None:
            self._pending_since = time.monotonic()

    async def _seal_on_time(self) -> None:
        tick = min(1.0, self.seal_seconds / 2)
        while True:
            await asyncio.sleep(tick)
            since = self._pending_since
            if since is None or time.monotonic() - since < self.seal_seconds:
                continue
            try:
                async with self._lock:
                    await self._seal_all()
            except Exception:  # the store is away: try again on the next tick
                log.exception("audit log: sealing failed; retrying")

    async def _seal_all(self) -> None:
        while self.pending:
            await self._seal(self.seal_events)

    async def _seal(self, limit: int) -> None:
        """Seal the first ``limit`` waiting leaves as the next block (the caller holds the lock).
        Nothing changes in memory unless the block is stored."""
        before = self.tree.copy()
        block = next_block(
            self.tree,
            self.pending.values(),
            self.frontier,
            number=self.blocks,
            prev_head=self.prev_head,
            limit=limit,
        )
        try:
            signed = sign_checkpoint(
                Checkpoint(
                    self.origin, block.tree_size, bytes.fromhex(block.tree_root), datetime.now(UTC)
                ),
                self.private_key,
            )
            nodes = append_block(before.copy(), [leaf.hash() for leaf in block.leaves])
            await self._store_block(block, signed, nodes)
        except BaseException:
            self.tree = before
            raise
        advance(self.frontier, block)
        for leaf in block.leaves:
            del self.pending[(leaf.topic, leaf.partition, leaf.offset)]
        self._pending_since = time.monotonic() if self.pending else None
        self.blocks, self.prev_head, self.latest = block.number + 1, block.head, signed
        metrics.SEALED_BLOCKS.inc()
        metrics.SEALED_EVENTS.inc(len(block.leaves))
        metrics.AUDIT_LOG_SIZE.set(block.tree_size)
        async with self._sealed:
            self._sealed.notify_all()

    async def _store_block(self, block: Block, signed: SignedCheckpoint, nodes: str) -> None:
        await self.store.insert(
            "seal_leaves",
            [
                {
                    "leaf_index": block.first_index + i,
                    "block": block.number,
                    "topic": leaf.topic,
                    "partition": leaf.partition,
                    "offset": leaf.offset,
                    "event_id": leaf.event_id,
                    "sha256": leaf.sha256,
                }
                for i, leaf in enumerate(block.leaves)
            ],
        )
        await self.store.insert(
            "seal_blocks",
            [
                {
                    "block": block.number,
                    "first_index": block.first_index,
                    "size": block.size,
                    "tree_size": block.tree_size,
                    "ranges": block.ranges,
                    "block_root": block.block_root,
                    "prev_head": block.prev_head,
                    "head": block.head,
                    "tree_root": block.tree_root,
                    "checkpoint": signed.text,
                    "signature": signed.signature,
                    "public_key": self.public_key,
                    "sealed_at": signed.checkpoint.timestamp,
                    "nodes": nodes,
                }
            ],
        )

    # reading ----------------------------------------------------------------------------------

    async def subtree_hashes(self, wanted: Collection[Node], size: int) -> dict[Node, bytes]:
        """The hashes of complete subtrees of the log of ``size`` leaves, from the nodes stored
        by the blocks that completed them (one query); a subtree whose block stored none (or
        unreadable ones) is hashed again from its leaves in ``seal_leaves``."""
        if not wanted:
            return {}
        lasts = sorted({((index + 1) << level) - 1 for level, index in wanted})
        found: dict[Node, bytes] = {}
        for at in range(0, len(lasts), _LOOKUP_CHUNK):
            rows = await self.store.query(
                "SELECT first_index, tree_size, nodes FROM {db}.seal_blocks FINAL "
                "WHERE tree_size <= {size:UInt64} "
                "AND arrayExists(x -> x >= first_index AND x < tree_size, {lasts:Array(UInt64)})",
                {"size": size, "lasts": lasts[at : at + _LOOKUP_CHUNK]},
            )
            for row in rows:
                first, end = int(row["first_index"]), int(row["tree_size"])
                placed = stored_nodes(first, end, str(row["nodes"]))
                if placed:
                    found.update((node, placed[node]) for node in wanted if node in placed)
        for level, index in wanted:
            if (level, index) not in found:
                found[(level, index)] = await self._hash_leaves(
                    index << level, (index + 1) << level
                )
        return found

    async def _hash_leaves(self, start: int, end: int) -> bytes:
        """The root of the complete subtree of leaves ``start .. end - 1``, from the stored
        leaves a page at a time (only the page and the subtree's right edge in memory)."""
        edge = Frontier()
        for at in range(start, end, _LEAF_PAGE):
            upto = min(at + _LEAF_PAGE, end)
            rows = await self.store.query(
                "SELECT topic, partition, offset, event_id, sha256 FROM {db}.seal_leaves FINAL "
                "WHERE leaf_index >= {start:UInt64} AND leaf_index < {end:UInt64} "
                "ORDER BY leaf_index",
                {"start": at, "end": upto},
            )
            if len(rows) != upto - at:
                raise LookupError(f"leaves {start}..{end - 1} of the log are not all stored")
            edge.extend(_leaf(row).hash() for row in rows)
        return edge.root()

    async def inclusion_proofs(
        self, indexes: Collection[int], size: int
    ) -> dict[int, tuple[bytes, list[bytes]]]:
        """Per leaf index: its hash as its block stored it and its audit path in the log of
        ``size`` leaves, from stored nodes (fetched together for all the leaves)."""
        wanted = {(0, index) for index in indexes}
        for index in indexes:
            wanted.update(inclusion_nodes(index, size))
        hashes = await self.subtree_hashes(wanted, size)
        return {
            index: (hashes[(0, index)], inclusion_proof_from(hashes, index, size))
            for index in indexes
        }

    async def consistency_proof(self, old_size: int, size: int) -> list[bytes]:
        """The proof that the log of ``old_size`` leaves is a prefix of the one of ``size``."""
        wanted = consistency_nodes(old_size, size)
        return consistency_proof_from(await self.subtree_hashes(wanted, size), old_size, size)

    async def wait_sealed(
        self, event_ids: Sequence[str] = (), *, size: int = 0, timeout_s: float = 60.0
    ) -> None:
        """Until the log holds ``size`` leaves and every event of ``event_ids`` is sealed."""

        async def sealed() -> bool:
            if self.tree.size < size:
                return False
            return not event_ids or len(await self.leaf_indexes(event_ids)) == len(set(event_ids))

        async def wait() -> None:
            while not await sealed():
                async with self._sealed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._sealed.wait(), 0.5)

        await asyncio.wait_for(wait(), timeout_s)

    async def leaf_indexes(self, event_ids: Sequence[str]) -> dict[str, int]:
        """The leaf index of each sealed event (within the log as signed last)."""
        if not event_ids:
            return {}
        rows = await self.store.query(
            "SELECT event_id, min(leaf_index) AS first_index FROM {db}.seal_leaves FINAL "
            "WHERE event_id IN {ids:Array(String)} AND leaf_index < {size:UInt64} "
            "GROUP BY event_id",
            {"ids": list(event_ids), "size": self.tree.size},
        )
        return {row["event_id"]: int(row["first_index"]) for row in rows}

    async def checkpoint_at(self, tree_size: int) -> SignedCheckpoint | None:
        """The signed checkpoint of the block that ended the log at ``tree_size``."""
        if self.latest is not None and self.latest.checkpoint.tree_size == tree_size:
            return self.latest
        rows = await self.store.query(
            "SELECT block, tree_size, ranges, head, tree_root, checkpoint, signature "
            "FROM {db}.seal_blocks FINAL WHERE tree_size = {size:UInt64} ORDER BY block LIMIT 1",
            {"size": tree_size},
        )
        return _signed(rows[0]) if rows else None


_LOOKUP_CHUNK = 4096
"""Subtrees looked up in one query of ``seal_blocks``."""

_LEAF_PAGE = 65_536
"""Leaves read at once when a subtree is hashed again from ``seal_leaves``."""


def _leaf(row: dict[str, Any]) -> SealedLeaf:
    return SealedLeaf(
        str(row["topic"]),
        int(row["partition"]),
        int(row["offset"]),
        str(row["event_id"]),
        str(row["sha256"]),
    )


def _signed(row: dict[str, Any]) -> SignedCheckpoint | None:
    """The stored checkpoint as it was stored (``None`` when it cannot be read: verify names
    it); its signature is not checked here."""
    parsed = parse_checkpoint(str(row["checkpoint"]))
    if parsed is None:
        return None
    checkpoint = Checkpoint(parsed.origin, parsed.tree_size, parsed.root_hash, parsed.timestamp)
    return SignedCheckpoint(checkpoint, str(row["checkpoint"]), str(row["signature"]))
