"""Sealing blocks (pure): order, ranges, chaining, determinism and the undo of a failed seal."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.domain.merkle import MerkleTree, merkle_root
from services.audit.domain.seal import (
    GENESIS_HEAD,
    SealedLeaf,
    advance,
    block_head,
    leaf_input,
    next_block,
)
from services.audit.verify_proofs import event_leaf_input


def _leaf(topic: str, partition: int, offset: int) -> SealedLeaf:
    digest = hashlib.sha256(f"{topic}{partition}{offset}".encode()).hexdigest()
    return SealedLeaf(topic, partition, offset, f"ev-{topic}-{partition}-{offset}", digest)


def test_the_leaf_names_place_id_and_hash() -> None:
    raw = '{"type":"WfaRequested"}'
    digest = hashlib.sha256(raw.encode()).hexdigest()
    assert leaf_input("wfa.requests.v1", 2, 17, "E1", digest) == (
        f"wfa-audit-leaf/1\nwfa.requests.v1\n2\n17\nE1\n{digest}\n".encode()
    )
    assert event_leaf_input("wfa.requests.v1", 2, 17, "E1", raw) == leaf_input(
        "wfa.requests.v1", 2, 17, "E1", digest
    )
    assert leaf_input("t", 0, 1, "E1", digest) != leaf_input("t", 0, 2, "E1", digest)


def test_a_block_sorts_its_leaves_and_covers_contiguous_ranges() -> None:
    tree, frontier = MerkleTree(), {("b", 0): 3}
    pending = [_leaf("b", 0, 5), _leaf("a", 1, 0), _leaf("b", 0, 3), _leaf("a", 0, 9)]
    block = next_block(tree, pending, frontier, number=0, prev_head=GENESIS_HEAD, limit=10)
    assert [(leaf.topic, leaf.partition, leaf.offset) for leaf in block.leaves] == [
        ("a", 0, 9),
        ("a", 1, 0),
        ("b", 0, 3),
        ("b", 0, 5),
    ]
    assert orjson.loads(block.ranges) == [["a", 0, 0, 10], ["a", 1, 0, 1], ["b", 0, 3, 6]]
    assert block.first_index == 0 and block.tree_size == 4 == tree.size
    assert block.block_root == merkle_root([leaf.hash() for leaf in block.leaves]).hex()
    assert block.tree_root == tree.root().hex()
    assert block.head == block_head(
        0, 0, 4, 4, block.ranges, block.block_root, GENESIS_HEAD, block.tree_root
    )
    advance(frontier, block)
    assert frontier == {("a", 0): 10, ("a", 1): 1, ("b", 0): 6}


def test_the_limit_takes_the_first_leaves_in_log_order_and_the_next_block_chains() -> None:
    tree, frontier = MerkleTree(), dict[tuple[str, int], int]()
    pending = {
        (leaf.topic, leaf.partition, leaf.offset): leaf
        for leaf in [_leaf("a", 0, i) for i in range(5)] + [_leaf("b", 0, 0)]
    }
    first = next_block(tree, pending.values(), frontier, number=0, prev_head=GENESIS_HEAD, limit=3)
    assert [leaf.offset for leaf in first.leaves] == [0, 1, 2]
    advance(frontier, first)
    for leaf in first.leaves:
        del pending[(leaf.topic, leaf.partition, leaf.offset)]
    second = next_block(tree, pending.values(), frontier, number=1, prev_head=first.head, limit=3)
    assert orjson.loads(second.ranges) == [["a", 0, 3, 5], ["b", 0, 0, 1]]
    assert second.first_index == 3 and second.prev_head == first.head
    assert second.head != first.head


def test_a_block_never_reaches_back_into_sealed_offsets() -> None:
    with pytest.raises(ValueError, match="already sealed"):
        next_block(
            MerkleTree(),
            [_leaf("a", 0, 2)],
            {("a", 0): 3},
            number=0,
            prev_head=GENESIS_HEAD,
            limit=5,
        )
    with pytest.raises(ValueError, match="at least one leaf"):
        next_block(MerkleTree(), [], {}, number=0, prev_head=GENESIS_HEAD, limit=5)


@given(
    offsets=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 2), st.integers(0, 50)),
        min_size=1,
        max_size=60,
        unique=True,
    ),
    limit=st.integers(1, 20),
    seed=st.randoms(use_true_random=False),
)
def test_sealing_is_deterministic_whatever_the_arrival_order(
    offsets: list[tuple[str, int, int]], limit: int, seed: object
) -> None:
    leaves = [_leaf(*o) for o in offsets]
    shuffled = list(leaves)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]

    def seal_all(arrival: list[SealedLeaf]) -> list[str]:
        tree, frontier, heads = MerkleTree(), dict[tuple[str, int], int](), [GENESIS_HEAD]
        pending = {(x.topic, x.partition, x.offset): x for x in arrival}
        while pending:
            block = next_block(
                tree,
                pending.values(),
                frontier,
                number=len(heads) - 1,
                prev_head=heads[-1],
                limit=limit,
            )
            advance(frontier, block)
            for leaf in block.leaves:
                del pending[(leaf.topic, leaf.partition, leaf.offset)]
            heads.append(block.head)
        assert tree.size == len(arrival)
        return heads

    assert seal_all(leaves) == seal_all(shuffled)


def test_truncate_undoes_appends() -> None:
    tree = MerkleTree(_leaf("a", 0, i).hash() for i in range(13))
    root, proof = tree.root(), tree.inclusion_proof(5)
    tree.extend(_leaf("b", 0, i).hash() for i in range(9))
    tree.truncate(13)
    assert tree.size == 13 and tree.root() == root and tree.inclusion_proof(5) == proof
    tree.append(_leaf("c", 0, 0).hash())
    assert (
        tree.root()
        == MerkleTree(
            [*(_leaf("a", 0, i).hash() for i in range(13)), _leaf("c", 0, 0).hash()]
        ).root()
    )
