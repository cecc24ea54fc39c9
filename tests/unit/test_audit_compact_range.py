"""The log's right edge (its compact range) against the whole Merkle tree: the same roots, the
same nodes stored with each block, and the same proofs from those stored nodes alone."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.domain.merkle import (
    MerkleTree,
    consistency_nodes,
    consistency_proof,
    consistency_proof_from,
    inclusion_nodes,
    inclusion_proof,
    inclusion_proof_from,
    merkle_root,
)
from services.audit.domain.sealed_tree import (
    Frontier,
    Node,
    append_block,
    block_nodes,
    decomposition,
    stored_nodes,
)


def _leaves(n: int, salt: int = 0) -> list[bytes]:
    return [hashlib.sha256(f"{salt}:{i}".encode()).digest() for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=70), min_size=1, max_size=8))
def test_the_right_edge_gives_the_full_trees_roots_and_block_nodes(blocks: list[int]) -> None:
    leaves = _leaves(sum(blocks))
    tree, edge, first = MerkleTree(), Frontier(), 0
    for count in blocks:
        block = leaves[first : first + count]
        tree.extend(block)
        assert append_block(edge, block) == block_nodes(tree, first, first + count)
        first += count
        assert edge.size == tree.size == first
        assert edge.root() == tree.root() == merkle_root(leaves[:first])
        # only the roots of the perfect subtrees of its size: at most log2(n) + 1 hashes
        assert edge.held == bin(first).count("1") <= first.bit_length()


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=300))
def test_the_edge_read_back_from_its_subtrees_is_the_same_edge(n: int) -> None:
    tree = MerkleTree(_leaves(n))
    nodes = {
        (level, index): tree.nodes(level, index, index + 1) for level, index in decomposition(n)
    }
    edge = Frontier.of(n, nodes)
    assert edge.size == n and edge.root() == tree.root()
    grown = edge.copy()
    more = _leaves(5, salt=1)
    grown.extend(more)
    tree.extend(more)
    assert grown.root() == tree.root() and edge.size == n


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6), st.data())
def test_proofs_from_the_stored_block_nodes_equal_the_full_trees(
    blocks: list[int], data: st.DataObject
) -> None:
    """Every node a proof asks for is among those the blocks stored, and the proof built from
    them alone is the RFC's proof over the whole list of leaves."""
    leaves = _leaves(sum(blocks))
    edge, first, stored, sizes = Frontier(), 0, {}, []
    for count in blocks:
        text = append_block(edge, leaves[first : first + count])
        placed = stored_nodes(first, first + count, text)
        assert placed is not None
        stored.update(placed)
        first += count
        sizes.append(first)
    size = data.draw(st.sampled_from(sizes))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    wanted: list[Node] = inclusion_nodes(index, size)
    assert set(wanted) <= set(stored)
    assert len(wanted) <= size.bit_length() * 2
    proof = inclusion_proof_from({n: stored[n] for n in wanted}, index, size)
    assert proof == inclusion_proof(leaves[:size], index)
    old = data.draw(st.sampled_from([s for s in sizes if s <= size]))
    wanted = consistency_nodes(old, size)
    assert set(wanted) <= set(stored)
    proof = consistency_proof_from({n: stored[n] for n in wanted}, old, size)
    assert proof == consistency_proof(leaves[:size], old)
