"""Merkle trees over the archive, as RFC 9162 (Certificate Transparency 2.0) section 2.1 defines
them: pure functions, no I/O.

* A leaf is hashed as ``SHA-256(0x00 || data)``, an interior node as
  ``SHA-256(0x01 || left || right)``; the tree of no leaves hashes to ``SHA-256("")``.
* The Merkle Tree Hash of ``n > 1`` leaves splits them at ``k``, the largest power of two smaller
  than ``n``: ``MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``.
* An inclusion proof (audit path, 2.1.3.1) shows that a leaf is in a tree of a given size; a
  consistency proof (2.1.4.1) shows that a tree of size ``m`` is a prefix of one of size ``n``.

Two forms are given: plain functions over a list of leaf hashes (:func:`merkle_root`,
:func:`inclusion_proof`, :func:`consistency_proof`), which follow the RFC's recursive
definitions word for word, and :class:`MerkleTree`, an append-only builder that keeps the hash of
every complete power-of-two subtree so that the root, an inclusion proof or a consistency proof
for any prefix of millions of leaves costs only a few dozen hashes.

Both forms share the recursions below; only the way they obtain the hash of a range of leaves
differs. The standalone verifier (``services/audit/verify_proofs.py``) re-implements the
checking side independently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "Node",
    "consistency_nodes",
    "consistency_proof",
    "consistency_proof_from",
    "inclusion_nodes",
    "inclusion_proof",
    "inclusion_proof_from",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "range_nodes",
    "split_point",
]

HASH_SIZE = 32
"""Bytes in every hash of the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The Merkle Tree Hash of the empty tree: SHA-256 of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

RangeHash = Callable[[int, int], bytes]
"""``range_hash(start, end)``: the Merkle Tree Hash of leaves ``start .. end - 1``."""

Node = tuple[int, int]
"""(level, index) of a complete subtree: the hash of leaves ``index * 2**level`` to
``(index + 1) * 2**level - 1``, which never changes once its last leaf is appended."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``): where RFC 9162 splits
    a tree of ``n`` leaves into its left and right subtrees."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point")
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes")


# --- The RFC's recursions, over any way of hashing a range of leaves -------------------------


def _path(index: int, start: int, end: int, range_hash: RangeHash) -> list[bytes]:
    """``PATH(m, D[start:end])`` of RFC 9162 2.1.3.1, ``index`` relative to ``start``."""
    proof: list[bytes] = []
    while end - start > 1:
        k = split_point(end - start)
        if index < k:
            proof.append(range_hash(start + k, end))
            end = start + k
        else:
            proof.append(range_hash(start, start + k))
            start, index = start + k, index - k
    proof.reverse()  # the recursion emits the sibling nearest the leaf first
    return proof


def _subproof(m: int, start: int, end: int, complete: bool, range_hash: RangeHash) -> list[bytes]:
    """``SUBPROOF(m, D[start:end], b)`` of RFC 9162 2.1.4.1, ``m`` relative to ``start``."""
    proof: list[bytes] = []
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(range_hash(start + k, end))
            end = start + k
        else:
            proof.append(range_hash(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(range_hash(start, end))
    proof.reverse()
    return proof


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")


def _check_sizes(old_size: int, size: int) -> None:
    if not 0 < old_size <= size:
        raise ValueError(f"no consistency proof from size {old_size} to size {size}")


# --- Plain functions over a list of leaf hashes -----------------------------------------------


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the given leaf hashes (``EMPTY_ROOT`` for none)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split_point(len(leaf_hashes))
    return node_hash(merkle_root(leaf_hashes[:k]), merkle_root(leaf_hashes[k:]))


def _list_range_hash(leaf_hashes: Sequence[bytes]) -> RangeHash:
    return lambda start, end: merkle_root(leaf_hashes[start:end])


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of all the given leaf hashes."""
    _check_index(index, len(leaf_hashes))
    return _path(index, 0, len(leaf_hashes), _list_range_hash(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the first ``old_size`` leaves form a prefix of all the given leaves.

    Empty when ``old_size`` is the whole tree; ``0 < old_size <= len(leaf_hashes)``.
    """
    _check_sizes(old_size, len(leaf_hashes))
    return _subproof(old_size, 0, len(leaf_hashes), True, _list_range_hash(leaf_hashes))


# --- The append-only builder ------------------------------------------------------------------


class MerkleTree:
    """An append-only Merkle tree that answers for every prefix of itself.

    ``levels[h]`` holds, back to back in one ``bytearray``, the hashes of the complete subtrees
    of ``2**h`` leaves in order (level 0 holds the leaf hashes). An append hashes at most one new
    node per level (one on average), so building a tree of ``n`` leaves costs about ``2n``
    hashes and ``64n`` bytes. Any range the RFC's recursions ask for is made of ``O(log n)``
    stored subtrees, so the root, an inclusion proof or a consistency proof of any prefix
    costs ``O(log² n)`` hashes at most.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash (see :func:`leaf_hash`); returns its index."""
        _check_hash(leaf, "a leaf hash")
        index = self._size
        self._levels[0] += leaf
        self._size += 1
        position, level = index, 0
        while position & 1:  # a right child completes its parent's subtree
            parent = node_hash(self._node(level, position - 1), self._node(level, position))
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            self._levels[level + 1] += parent
            position, level = position >> 1, level + 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for leaf in leaf_hashes:
            self.append(leaf)

    def truncate(self, size: int) -> None:
        """Forget every leaf from ``size`` on (undoes appends that were not kept)."""
        size = self._resolve(size)
        for level, hashes in enumerate(self._levels):
            del hashes[(size >> level) * HASH_SIZE :]
        self._size = size

    def append_data(self, data: bytes) -> int:
        """Hash ``data`` as a leaf and append it; returns its index."""
        return self.append(leaf_hash(data))

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        _check_index(index, self._size)
        return self._node(0, index)

    def nodes(self, level: int, start: int, end: int) -> bytes:
        """The hashes of complete subtrees ``start .. end - 1`` of ``2**level`` leaves, back to
        back (level 0: the leaf hashes)."""
        if level >= len(self._levels) or not 0 <= start <= end <= self._size >> level:
            raise ValueError(f"subtrees {start}..{end - 1} of level {level} are not complete")
        return bytes(self._levels[level][start * HASH_SIZE : end * HASH_SIZE])

    def root(self, size: int | None = None) -> bytes:
        """The Merkle Tree Hash of the first ``size`` leaves (all of them by default)."""
        size = self._resolve(size)
        return EMPTY_ROOT if size == 0 else self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
        size = self._resolve(size)
        _check_index(index, size)
        return _path(index, 0, size, self._range_hash)

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``old_size`` leaves is a prefix of the one of ``size``."""
        size = self._resolve(size)
        _check_sizes(old_size, size)
        return _subproof(old_size, 0, size, True, self._range_hash)

    def _resolve(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ValueError(f"size {size} is outside a tree of {self._size} leaves")
        return size

    def _node(self, level: int, position: int) -> bytes:
        offset = position * HASH_SIZE
        return bytes(self._levels[level][offset : offset + HASH_SIZE])

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``start .. end - 1``, for the ranges the RFC's recursions produce:
        ``start`` is a multiple of a power of two at least ``end - start``, so the range is
        a run of stored complete subtrees of decreasing size, folded from the right."""
        parts: list[bytes] = []
        while start < end:
            width = 1 << ((end - start).bit_length() - 1)  # largest power of two that fits
            if start % width:
                raise ValueError(f"leaves {start}..{end - 1} are not a subtree of this tree")
            level = width.bit_length() - 1
            parts.append(self._node(level, start >> level))
            start += width
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result


# --- Proofs from stored complete subtrees -------------------------------------------------------
#
# A log that keeps only the hashes of its complete subtrees (by place, :data:`Node`) answers a
# proof in two steps: which subtrees it needs (``O(log n)``, :func:`inclusion_nodes`,
# :func:`consistency_nodes`), then the proof from their hashes (:func:`inclusion_proof_from`,
# :func:`consistency_proof_from`): the same proofs as the functions above.


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees that make up leaves ``start .. end - 1``, largest first, for the
    ranges the RFC's recursions ask for (``start`` a multiple of a power of two at least
    ``end - start``)."""
    nodes: list[Node] = []
    while start < end:
        width = 1 << ((end - start).bit_length() - 1)
        if start % width:
            raise ValueError(f"leaves {start}..{end - 1} are not a run of complete subtrees")
        level = width.bit_length() - 1
        nodes.append((level, start >> level))
        start += width
    return nodes


def _recorded(walk: Callable[[RangeHash], object]) -> list[Node]:
    wanted: list[Node] = []

    def record(start: int, end: int) -> bytes:
        wanted.extend(range_nodes(start, end))
        return b""

    walk(record)
    return list(dict.fromkeys(wanted))


def _from_nodes(nodes: Mapping[Node, bytes]) -> RangeHash:
    def range_hash(start: int, end: int) -> bytes:
        parts = [nodes[node] for node in range_nodes(start, end)]
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result

    return range_hash


def inclusion_nodes(index: int, size: int) -> list[Node]:
    """The complete subtrees the audit path of leaf ``index`` in a tree of ``size`` needs."""
    _check_index(index, size)
    return _recorded(lambda range_hash: _path(index, 0, size, range_hash))


def inclusion_proof_from(nodes: Mapping[Node, bytes], index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves, from the hashes of the
    subtrees :func:`inclusion_nodes` names (a ``KeyError`` for one missing)."""
    _check_index(index, size)
    return _path(index, 0, size, _from_nodes(nodes))


def consistency_nodes(old_size: int, size: int) -> list[Node]:
    """The complete subtrees the consistency proof from ``old_size`` to ``size`` needs."""
    _check_sizes(old_size, size)
    return _recorded(lambda range_hash: _subproof(old_size, 0, size, True, range_hash))


def consistency_proof_from(nodes: Mapping[Node, bytes], old_size: int, size: int) -> list[bytes]:
    """The consistency proof from ``old_size`` to ``size`` leaves, from the hashes of the
    subtrees :func:`consistency_nodes` names."""
    _check_sizes(old_size, size)
    return _subproof(old_size, 0, size, True, _from_nodes(nodes))
