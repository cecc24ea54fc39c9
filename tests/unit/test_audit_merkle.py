"""The archive's Merkle trees against RFC 9162 / RFC 6962: the published Certificate Transparency
vectors (transparency-dev/merkle testonly/constants.go and proof/verify_test.go), and the
append-only builder against the RFC's recursive definitions for every prefix."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.domain.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    split_point,
)

h = bytes.fromhex

# The eight leaves of the RFC 6962 reference tree.
LEAF_DATA = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
LEAVES = [leaf_hash(d) for d in LEAF_DATA]

# Roots of the trees of the first 0..8 leaves.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# Hashes of every complete subtree of the 8-leaf tree, by level (0 = the leaves).
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# (leaf index, tree size, audit path)
INCLUSION_VECTORS: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# (old size, new size, consistency proof)
CONSISTENCY_VECTORS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]


def _leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


# --- Hashing --------------------------------------------------------------------------------


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([]) == EMPTY_ROOT
    assert MerkleTree().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_carry_their_domain_prefixes() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )
    # A leaf's hash never equals the node hash of the same bytes (second-preimage protection).
    assert leaf_hash(LEAVES[0] + LEAVES[1]) != node_hash(LEAVES[0], LEAVES[1])


def test_leaf_hashes_match_the_reference_tree() -> None:
    assert NODE_HASHES[0] == LEAVES


def test_roots_of_every_prefix_match_the_reference_tree() -> None:
    for size, root in enumerate(ROOTS):
        assert merkle_root(LEAVES[:size]) == root, size


def test_every_complete_subtree_matches_the_reference_tree() -> None:
    for level, hashes in enumerate(NODE_HASHES):
        width = 1 << level
        for position, expected in enumerate(hashes):
            subtree = LEAVES[position * width : (position + 1) * width]
            assert merkle_root(subtree) == expected, (level, position)


def test_the_builder_matches_the_reference_roots_after_every_append() -> None:
    tree = MerkleTree()
    assert tree.root() == ROOTS[0]
    for count, data in enumerate(LEAF_DATA, start=1):
        assert tree.append_data(data) == count - 1
        assert tree.size == len(tree) == count
        assert tree.root() == ROOTS[count]
        # ... and it still answers for every earlier size.
        assert [tree.root(size) for size in range(count + 1)] == ROOTS[: count + 1]


@pytest.mark.parametrize(
    ("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512), (2**40, 2**39)]
)
def test_the_split_is_the_largest_power_of_two_below_n(n: int, k: int) -> None:
    assert split_point(n) == k


@pytest.mark.parametrize("n", [-1, 0, 1])
def test_a_tree_of_fewer_than_two_leaves_has_no_split(n: int) -> None:
    with pytest.raises(ValueError):
        split_point(n)


# --- Proofs against the published vectors ---------------------------------------------------


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_inclusion_proofs_match_the_reference_vectors(
    index: int, size: int, path: list[bytes]
) -> None:
    assert inclusion_proof(LEAVES[:size], index) == path
    assert MerkleTree(LEAVES).inclusion_proof(index, size) == path
    assert MerkleTree(LEAVES[:size]).inclusion_proof(index) == path


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proofs_match_the_reference_vectors(
    old: int, new: int, proof: list[bytes]
) -> None:
    assert consistency_proof(LEAVES[:new], old) == proof
    assert MerkleTree(LEAVES).consistency_proof(old, new) == proof
    assert MerkleTree(LEAVES[:new]).consistency_proof(old) == proof


def test_proof_shapes_follow_the_rfc_for_the_seven_leaf_tree() -> None:
    # transparency-dev/merkle proof_test.go: node ids of the 5 -> 7 and 4 -> 6 proofs, which are
    # complete subtrees of the reference tree (level, position).
    def node(level: int, position: int) -> bytes:
        return NODE_HASHES[level][position]

    assert consistency_proof(LEAVES[:7], 5) == [node(0, 4), node(0, 5), node(0, 6), node(2, 0)]
    assert consistency_proof(LEAVES[:6], 4) == [node(1, 2)]
    assert consistency_proof(LEAVES[:8], 2) == [node(1, 1), node(2, 1)]
    assert inclusion_proof(LEAVES[:7], 4) == [node(0, 5), node(0, 6), node(2, 0)]
    assert inclusion_proof(LEAVES[:6], 4) == [node(0, 5), node(2, 0)]


# --- Errors -------------------------------------------------------------------------------


def test_proofs_refuse_positions_outside_the_tree() -> None:
    tree = MerkleTree(LEAVES)
    for bad in (-1, 8):
        with pytest.raises(ValueError):
            tree.inclusion_proof(bad)
        with pytest.raises(ValueError):
            inclusion_proof(LEAVES, bad)
    with pytest.raises(ValueError):
        tree.inclusion_proof(5, 5)
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    for old, new in ((0, 8), (5, 4), (9, 9)):
        with pytest.raises(ValueError):
            tree.consistency_proof(old, new)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 0)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES[:3], 4)
    for size in (-1, 9):
        with pytest.raises(ValueError):
            tree.root(size)
    with pytest.raises(ValueError):
        tree.leaf(8)


@pytest.mark.parametrize("leaf", [b"", b"x" * 31, b"x" * 33, "x" * 32])
def test_the_builder_refuses_anything_but_a_32_byte_hash(leaf: object) -> None:
    tree = MerkleTree()
    with pytest.raises(ValueError):
        tree.append(leaf)  # type: ignore[arg-type]
    assert tree.size == 0 and tree.root() == EMPTY_ROOT


# --- The builder against the recursive definitions ------------------------------------------


def test_the_builder_agrees_with_the_definitions_for_every_small_tree() -> None:
    leaves = _leaves(40)
    tree = MerkleTree(leaves)
    for size in range(41):
        prefix = leaves[:size]
        assert tree.root(size) == merkle_root(prefix)
        for index in range(size):
            assert tree.inclusion_proof(index, size) == inclusion_proof(prefix, index)
            assert tree.leaf(index) == leaves[index]
        for old in range(1, size + 1):
            assert tree.consistency_proof(old, size) == consistency_proof(prefix, old)


def test_the_builder_answers_for_old_prefixes_of_a_large_tree() -> None:
    leaves = _leaves(5000, salt=b"large")
    tree = MerkleTree(leaves)
    for size in (1, 2, 1023, 1024, 1025, 3333, 4096, 5000):
        prefix = leaves[:size]
        assert tree.root(size) == merkle_root(prefix), size
        for index in {0, size // 3, size - 1}:
            assert tree.inclusion_proof(index, size) == inclusion_proof(prefix, index)
        for old in {1, size // 2 or 1, size - 1 or 1, size}:
            assert tree.consistency_proof(old, size) == consistency_proof(prefix, old)


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=200),
    chunks=st.lists(st.integers(min_value=1, max_value=50), max_size=10),
    salt=st.binary(max_size=8),
)
def test_appending_in_any_chunks_builds_the_same_tree(
    count: int, chunks: list[int], salt: bytes
) -> None:
    leaves = _leaves(count, salt)
    one_by_one = MerkleTree()
    for leaf in leaves:
        one_by_one.append(leaf)
    chunked, start = MerkleTree(), 0
    for chunk in [*chunks, count]:
        chunked.extend(leaves[start : start + chunk])
        start += chunk
    assert chunked.size == one_by_one.size == count
    assert chunked.root() == one_by_one.root() == merkle_root(leaves)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=200), salt=st.binary(max_size=8))
def test_the_builder_agrees_with_the_definitions_for_random_trees(
    data: st.DataObject, size: int, salt: bytes
) -> None:
    leaves = _leaves(size, salt)
    tree = MerkleTree(leaves)
    prefix_size = data.draw(st.integers(min_value=1, max_value=size))
    index = data.draw(st.integers(min_value=0, max_value=prefix_size - 1))
    old = data.draw(st.integers(min_value=1, max_value=prefix_size))
    prefix = leaves[:prefix_size]
    assert tree.root(prefix_size) == merkle_root(prefix)
    assert tree.inclusion_proof(index, prefix_size) == inclusion_proof(prefix, index)
    assert tree.consistency_proof(old, prefix_size) == consistency_proof(prefix, old)
