"""Verification of the sealed audit log: pure comparison, no I/O.

The sealed log (``domain/seal.py``) is checked block by block against its sources, trusting
none of them on its own word:

1. **The chain and the checkpoints** (``seal_blocks``): every checkpoint's Ed25519 signature
   with the configured public key (never the key stored beside it), the checkpoint stating the
   block's tree size and root, the head recomputed, each block chained to the previous one
   (number, ``prev_head``, ``first_index``) and each partition's ranges contiguous.
2. **The manifest** (``seal_leaves``): the block's leaves must give its ``block_root`` and,
   appended to every earlier block's, the signed ``tree_root``.
3. **The archive** (``event_archive``, every stored version of each row, read without
   ``FINAL``): each row's hash is recomputed from its ``raw`` bytes and its other columns are
   derived again from ``raw``. Compared with the sealed leaves it names every event that was
   *altered*, *deleted*, *reordered* (moved to another sealed event's position) or *inserted*
   (a row at a position that was never sealed, a second version beside a sealed event, or a
   copy of a sealed event at a position not sealed yet).
4. **Kafka** (optional): the records of every sealed range, mapped to leaves exactly as the
   archive's projector maps them, must be the manifest's leaves. A sealed offset below its
   partition's log start is *gone by retention*; one inside the retained range that holds no
   record, or another record, is named as missing or different. When the manifest does not
   give its signed roots and Kafka does, Kafka is the reference for the archive and names the
   manifest's altered leaves.
5. **The stored tree nodes** (``seal_blocks.nodes``, see ``domain/sealed_tree.py``): when
   neither the manifest nor Kafka gives a block's signed roots, the nodes stored at sealing,
   trusted from the signed root down, give each leaf's sealed hash: the leaf whose event was
   rewritten together with both its stored hashes is named.

:class:`LogVerifier` holds what crosses blocks (the previous head, each partition's frontier,
the log's Merkle frontier) and is fed one block at a time by ``services/audit/verifier.py``, so
memory stays bounded by the blocks in hand whatever the size of the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import pairwise

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain.archive_comparison import compare_archive, pending_findings
from services.audit.domain.archived_copies import archived_copy
from services.audit.domain.block_check import BlockCheck, KafkaPartition, KafkaView, at
from services.audit.domain.findings import Finding, Kind, Report, Totals
from services.audit.domain.kafka_comparison import compare_kafka, kafka_leaves
from services.audit.domain.seal import GENESIS_HEAD, block_head
from services.audit.domain.sealed_rows import (
    ArchivedCopy,
    Content,
    Leaf,
    Partition,
    Place,
    SealedBlock,
    kafka_content,
    leaf_hashes,
)
from services.audit.domain.sealed_tree import (
    Frontier,
    extend_with_root,
    root_of,
    sealed_leaf_hashes,
)
from services.audit.verify_proofs import verify_checkpoint

__all__ = [
    "ArchivedCopy",
    "Content",
    "Finding",
    "Frontier",
    "KafkaPartition",
    "KafkaView",
    "Kind",
    "Leaf",
    "LogVerifier",
    "Partition",
    "Place",
    "Report",
    "SealedBlock",
    "Totals",
    "archived_copy",
    "kafka_content",
]


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
        """False once a block could be checked against neither its manifest, Kafka nor its
        stored nodes: later tree roots cannot be recomputed (block roots still are)."""
        self._unresolved: dict[int, tuple[Content, Place]] = {}
        self._roots_memo: tuple[int, Sequence[bytes], bool, Frontier | None] | None = None
        self._last_hashed: (
            tuple[int, Sequence[Leaf], tuple[list[Leaf], list[bytes], list[str]]] | None
        ) = None

    # one block ---------------------------------------------------------------------------------

    def check_block(
        self,
        block: SealedBlock,
        leaves: Sequence[Leaf],
        archive: Sequence[ArchivedCopy],
        kafka: KafkaView | None = None,
        nodes: str = "",
    ) -> list[Finding]:
        """Check one block: its chain and checkpoint, its manifest, the archive rows inside its
        ranges (every stored version), when given the Kafka records of its ranges and, when the
        manifest does not give the signed roots, the tree nodes stored with it (``nodes``)."""
        ranges = block.parsed_ranges()
        check = BlockCheck(block, ranges or [])
        self._check_chain(check, ranges is not None)
        manifest, manifest_hashes = self._manifest(check, leaves)
        manifest_ok = self._roots_match(block, manifest_hashes)
        reference: Sequence[Leaf] = manifest
        trusted: Sequence[bytes] | None = manifest_hashes if manifest_ok else None
        if kafka is not None:
            blame_manifest = False
            if not manifest_ok:
                on_kafka, complete = kafka_leaves(check, kafka)
                kafka_hashes = leaf_hashes(on_kafka)
                if complete and self._roots_match(block, kafka_hashes):
                    blame_manifest, reference, trusted = True, on_kafka, kafka_hashes
            compare_kafka(check, manifest, kafka, reference if blame_manifest else None)
        if not manifest_ok:
            reason = "block_root"
            if root_of(manifest_hashes).hex() == block.block_root:
                reason = "tree_root"
            check.add(Kind.MANIFEST_ALTERED, reason)
        sealed: dict[Place, bytes] = {}
        located: set[bytes] = set()
        if trusted is None and check.signed_root is not None and self.tree_known:
            hashes = sealed_leaf_hashes(self.tree, block.tree_size, nodes, check.signed_root)
            if hashes is not None and len(hashes) == block.size:
                sealed = self._compare_nodes(check, manifest, hashes)
                located = {h for h in hashes if h is not None}
                if all(h is not None for h in hashes):
                    trusted = [h for h in hashes if h is not None]
        memo = self._roots_memo
        if trusted is not None and self.tree_known:
            if memo is not None and memo[1] is trusted and memo[3] is not None:
                self.tree = memo[3]  # extended already when the roots were matched
            else:
                self.tree.extend(trusted)
        else:
            self.tree_known = False
        self._roots_memo = None
        first = len(self.findings)
        for index, content, place in compare_archive(check, reference, archive, sealed, located):
            self._unresolved[first + index] = (content, place)
        self.totals.blocks += 1
        self.totals.leaves += len(manifest)
        self.totals.archive_rows += len(archive)
        if kafka is not None:
            self.totals.kafka_records += sum(len(part.records) for part in kafka.values())
        self.findings.extend(check.findings)
        return check.findings

    def check_confirmed_block(
        self,
        block: SealedBlock,
        hashes: Sequence[bytes],
        archive_rows: int,
        kafka_records: int | None = None,
    ) -> list[Finding] | None:
        """:meth:`check_block` of a block whose sources were found to agree with its manifest
        as a whole (``services/audit/domain/run_columns.py``): its manifest, in index order,
        is well formed with these leaf hashes, each of its places holds one archive row (of
        ``archive_rows``) with the leaf's content and columns that agree with its bytes and,
        when Kafka is read, the record (of ``kafka_records``) that the leaf seals, and no
        other archived record lies in its ranges. Only the chain, the checkpoint and the roots
        remain to be checked: ``None`` (nothing checked, nothing changed) when the leaf hashes
        do not give the block's roots, so that the caller checks the block in full."""
        ranges = block.parsed_ranges()
        if ranges is None or not self._roots_match(block, hashes):
            self._roots_memo = None
            return None
        check = BlockCheck(block, ranges)
        self._check_chain(check, True)
        memo = self._roots_memo
        if self.tree_known:
            if memo is not None and memo[1] is hashes and memo[3] is not None:
                self.tree = memo[3]
            else:
                self.tree.extend(hashes)
        self._roots_memo = None
        self.totals.blocks += 1
        self.totals.leaves += len(hashes)
        self.totals.archive_rows += archive_rows
        if kafka_records is not None:
            self.totals.kafka_records += kafka_records
        self.findings.extend(check.findings)
        return check.findings

    def _check_chain(self, check: BlockCheck, ranges_readable: bool) -> None:
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

    def _check_signature(self, check: BlockCheck) -> None:
        block = check.block
        signed = verify_checkpoint(block.checkpoint, block.signature, self.public_key)
        if signed is None:
            check.add(Kind.BAD_SIGNATURE, "signature")
            return
        self.totals.checkpoints_verified += 1
        trusted = True
        if signed.tree_size != block.tree_size or signed.root_hash.hex() != block.tree_root:
            check.add(Kind.BAD_SIGNATURE, "checkpoint_mismatch", str(signed.tree_size))
            trusted = signed.tree_size == block.tree_size
        if self.origin is not None and signed.origin != self.origin:
            check.add(Kind.BAD_SIGNATURE, "origin", signed.origin)
            trusted = False
        if trusted:
            check.signed_root = signed.root_hash

    def wants_nodes(self, block: SealedBlock, leaves: Sequence[Leaf]) -> bool:
        """Whether the block's manifest fails to give its roots, so that the tree nodes stored
        with it are needed to name what was rewritten (asked just before :meth:`check_block`
        of the same block, which reuses the work)."""
        _, hashes, _ = self._hashed(block, leaves)
        return not self._roots_match(block, hashes)

    def _hashed(
        self, block: SealedBlock, leaves: Sequence[Leaf]
    ) -> tuple[list[Leaf], list[bytes], list[str]]:
        """The leaves in index order (one per index), their hashes, and duplicate indexes."""
        cached = self._last_hashed
        if cached is not None and cached[0] == block.block and cached[1] is leaves:
            return cached[2]
        by_index: dict[int, Leaf] = {}
        problems: list[str] = []
        for leaf in leaves:
            known = by_index.get(leaf.leaf_index)
            if known is not None and known != leaf:
                problems.append(f"two versions of leaf {leaf.leaf_index}")
            by_index[leaf.leaf_index] = leaf
        ordered = [by_index[i] for i in sorted(by_index)]
        result = (ordered, leaf_hashes(ordered), problems)
        self._last_hashed = (block.block, leaves, result)
        return result

    def _manifest(
        self, check: BlockCheck, leaves: Sequence[Leaf]
    ) -> tuple[list[Leaf], list[bytes]]:
        """The block's leaves in index order (one per index) and their hashes; anything out of
        shape is a ``manifest_altered`` finding."""
        block = check.block
        ordered, hashes, duplicates = self._hashed(block, leaves)
        self._last_hashed = None
        problems = list(duplicates)
        # ``ordered`` holds one leaf per index, in index order
        if len(ordered) != block.size or (
            ordered
            and (
                ordered[0].leaf_index != block.first_index
                or ordered[-1].leaf_index != block.first_index + block.size - 1
            )
        ):
            problems.append(f"{len(ordered)} of {block.size} leaves")
        strays = sum(1 for leaf in ordered if leaf.block not in (-1, block.block))
        if strays:
            problems.append(f"{strays} marked with another block")
        places = [leaf[:3] for leaf in ordered]
        if any(a >= b for a, b in pairwise(places)):
            problems.append("not in log order")
        spans, outside = check.spans, 0
        for topic, partition, offset in places:
            span = spans.get((topic, partition))
            if span is None or not span[0] <= offset < span[1]:
                outside += 1
        if outside:
            problems.append(f"{outside} outside the ranges")
        if problems:
            check.add(Kind.MANIFEST_ALTERED, "leaves", "; ".join(problems))
        return ordered, hashes

    def _roots_match(self, block: SealedBlock, hashes: Sequence[bytes]) -> bool:
        """Whether these leaf hashes give the block's root and, after every earlier block's,
        its signed tree root (when the earlier log is known)."""
        memo = self._roots_memo
        if memo is not None and memo[0] == block.block and memo[1] is hashes:
            return memo[2]
        ok, tree = False, None
        if len(hashes) != block.size:
            pass
        elif not self.tree_known:
            ok = root_of(hashes).hex() == block.block_root
        else:
            tree = self.tree.copy()
            if extend_with_root(tree, hashes).hex() == block.block_root:
                ok = tree.size == block.tree_size and tree.root().hex() == block.tree_root
        self._roots_memo = (block.block, hashes, ok, tree if ok else None)
        return ok

    def _compare_nodes(
        self, check: BlockCheck, manifest: Sequence[Leaf], hashes: Sequence[bytes | None]
    ) -> dict[Place, bytes]:
        """Each manifest leaf against its sealed hash from the stored nodes: the places whose
        leaf is not the sealed one, with the sealed leaf's hash."""
        first = check.block.first_index
        sealed: dict[Place, bytes] = {}
        for leaf in manifest:
            i = leaf.leaf_index - first
            expected = hashes[i] if 0 <= i < len(hashes) else None
            if expected is not None and leaf.hash() != expected:
                check.add(Kind.MANIFEST_ALTERED, "leaf_nodes", event_id=leaf.event_id, **at(leaf))
                sealed[leaf.place] = expected
        return sealed

    # rows waiting for their seal ---------------------------------------------------------------

    def check_pending(
        self,
        archive: Sequence[ArchivedCopy],
        kafka: KafkaView | None = None,
        sealed: Mapping[str, Sequence[Place]] | None = None,
    ) -> list[Finding]:
        """Archive rows past every sealed range (waiting for their seal): see
        :func:`~services.audit.domain.archive_comparison.pending_findings`."""
        found = pending_findings(archive, kafka, sealed)
        self.findings.extend(found)
        return found

    def add(self, finding: Finding) -> None:
        """A finding made outside the blocks' own checks (e.g. two versions of a block row)."""
        self.findings.append(finding)

    # after the last block ------------------------------------------------------------------------

    def unresolved(self) -> set[Content]:
        """Contents found at a sealed place not their own, sealed in no block checked with them."""
        return {content for content, _ in self._unresolved.values()}

    def resolve(self, sealed_elsewhere: Mapping[Content, Sequence[tuple[str, Place]]]) -> None:
        """Turn *altered* into *reordered* where the content is another sealed event's
        (``sealed_elsewhere``: content -> (event id, place) of each leaf sealing it; a leaf at
        the copy's own place is the rewritten leaf itself, not another event)."""
        for index, (content, place) in self._unresolved.items():
            others = [eid for eid, at in sealed_elsewhere.get(content, ()) if at != place]
            if others:
                finding = self.findings[index]
                self.findings[index] = replace(
                    finding, kind=Kind.REORDERED, reason="", other_event_id=others[0]
                )
        self._unresolved.clear()

    def report(self, pending: int = 0) -> Report:
        self.totals.pending = pending
        return Report(list(self.findings), self.totals, self.kafka)
