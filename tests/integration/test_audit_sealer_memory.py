"""The sealer's memory is bounded by the height of the log, not its size: after sealing N events
on a real chDB it holds only the log's right edge (at most ceil(log2 N) + 1 hashes), it starts
again from what the last block stored without reading the sealed leaves, and it serves
inclusion and consistency proofs from the stored subtree hashes."""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Mapping, Sized
from pathlib import Path

import pytest

from services.audit.domain.archive import SEALED
from services.audit.domain.merkle import MerkleTree
from services.audit.sealer import Sealer
from services.audit.tables import MIGRATIONS
from services.audit.verify_proofs import verify_consistency, verify_inclusion
from services.runtime.context import ServiceContext
from services.runtime.hosting.boot import build_context
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore

pytestmark = pytest.mark.integration

BATCH = 700
"""Events handed to the sealer at once (the projector's batches), not a multiple of a block."""


def _context(kafka_bootstrap: str, data: Path) -> ServiceContext:
    settings = Settings(
        SERVICE_NAME="audit",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data,
        WFA_ENV="test",
        AUDIT_SEAL_EVENTS=500,
        AUDIT_SEAL_SECONDS=3600,
    )
    ctx = build_context(settings)
    ctx.store_port.open(ChdbStore(data / "chdb", "wfa_audit"))
    return ctx


def _marks(start: int, end: int) -> set[tuple[str, int, int, str, str]]:
    """Archived events ``start .. end - 1`` as audit's projector marks them for the seal."""
    return {
        (
            "test.audit-memory",
            i % 3,
            i // 3,
            str(uuid.UUID(int=i + 1)),
            hashlib.sha256(str(i).encode()).hexdigest(),
        )
        for i in range(start, end)
    }


def _bound(n: int) -> int:
    return math.ceil(math.log2(n)) + 1


def _hashes_held(sealer: Sealer) -> int:
    """The leaf and node hashes the sealer holds: its right edge, and nothing else that grows
    with the log (no whole tree, no collection beyond what waits for a seal)."""
    for name, value in vars(sealer).items():
        assert not isinstance(value, MerkleTree), name
        if isinstance(value, Sized) and not isinstance(value, str | bytes):
            if name == "pending":
                assert len(value) < sealer.seal_events, name
            elif isinstance(value, Mapping) and name == "frontier":
                assert len(value) <= 3, name  # one offset per partition
            else:
                assert len(value) <= _bound(max(sealer.tree_size, 2)), name
    return sealer.tree.held


@pytest.mark.parametrize("events", [1_000, 20_000])
async def test_the_sealer_holds_only_the_right_edge_of_the_log(
    kafka_bootstrap: str, tmp_path: Path, events: int
) -> None:
    ctx = _context(kafka_bootstrap, tmp_path)
    await ctx.store.migrate(MIGRATIONS)
    sealer = Sealer(ctx.settings, ctx.store_port)
    await sealer.start()
    checkpoints = []
    try:
        for at in range(0, events, BATCH):
            await sealer.after_write({SEALED: _marks(at, min(at + BATCH, events))})
            if sealer.tree_size:
                assert _hashes_held(sealer) <= _bound(max(sealer.tree_size, 2))
            if sealer.latest is not None:
                checkpoints.append(sealer.latest.checkpoint)
    finally:
        await sealer.stop()  # seals what still waits
    assert sealer.tree_size == events
    assert _hashes_held(sealer) <= _bound(events)
    assert sealer.latest is not None
    last = sealer.latest.checkpoint
    assert sealer.tree.root() == last.root_hash

    # a restart reads the last block's right edge from the stored nodes, not the sealed leaves
    await ctx.store.execute("TRUNCATE TABLE {db}.seal_leaves")
    again = Sealer(ctx.settings, ctx.store_port)
    await again.start()
    try:
        assert again.consistent and again.tree_size == events
        assert again.tree.root() == last.root_hash
        assert _hashes_held(again) <= _bound(events)
        # proofs come from the stored subtree hashes alone
        indexes = sorted({0, 1, events // 3, events // 2 + 7, events - 1})
        proofs = await again.inclusion_proofs(indexes, events)
        for index in indexes:
            leaf, proof = proofs[index]
            assert verify_inclusion(leaf, index, events, proof, last.root_hash)
        first = checkpoints[0]
        proof = await again.consistency_proof(first.tree_size, events)
        assert verify_consistency(first.tree_size, events, proof, first.root_hash, last.root_hash)
    finally:
        await again.stop()
        await ctx.store.close()


async def test_blocks_sealed_before_their_nodes_were_stored_are_hashed_from_their_leaves(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """A log whose blocks stored no nodes (sealed before ``seal_blocks.nodes`` existed) still
    starts and answers proofs: the subtrees it needs are hashed again from ``seal_leaves``."""
    events = 1_300
    ctx = _context(kafka_bootstrap, tmp_path)
    await ctx.store.migrate(MIGRATIONS)
    sealer = Sealer(ctx.settings, ctx.store_port)
    await sealer.start()
    try:
        await sealer.after_write({SEALED: _marks(0, events)})
    finally:
        await sealer.stop()
    assert sealer.latest is not None
    last = sealer.latest.checkpoint
    await ctx.store.execute(
        "ALTER TABLE {db}.seal_blocks UPDATE nodes = '' WHERE 1 SETTINGS mutations_sync = 2"
    )
    again = Sealer(ctx.settings, ctx.store_port)
    await again.start()
    try:
        assert again.consistent and again.tree_size == events
        assert again.tree.root() == last.root_hash
        proofs = await again.inclusion_proofs([0, 777, events - 1], events)
        for index, (leaf, proof) in proofs.items():
            assert verify_inclusion(leaf, index, events, proof, last.root_hash)
    finally:
        await again.stop()
        await ctx.store.close()
