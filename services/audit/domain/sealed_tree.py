"""The log's Merkle tree as verification walks it (pure; no I/O).

* :class:`Frontier`: the root of an append-only log in ``O(log n)`` memory.
* :func:`block_nodes`: the hashes a block completes (its leaves' and every subtree of the log
  that the block completes), which the sealer stores beside the block (``seal_blocks.nodes``);
  :func:`append_block` gives the same from a :class:`Frontier` (the sealer holds no more), and
  :func:`stored_nodes` places them again, from which the log's proofs are served.
* :func:`sealed_leaf_hashes`: the leaf hashes of a block as they were sealed, from those stored
  nodes, trusted only where the signed root of the log vouches for them. When a block's
  leaves no longer give its signed root, comparing them with these names the leaf that was
  rewritten, even if its event and both its stored hashes were rewritten together.

Nodes are placed as RFC 9162 trees place complete subtrees: node ``(level, index)`` is the
hash of leaves ``index * 2**level`` to ``(index + 1) * 2**level - 1``. A log of ``n`` leaves
has the root of the subtrees of ``n``'s binary decomposition, folded from the right; a
complete subtree never changes once its last leaf is appended.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping, Sequence

from services.audit.domain.merkle import EMPTY_ROOT, HASH_SIZE, MerkleTree, Node, node_hash

__all__ = [
    "Frontier",
    "Node",
    "append_block",
    "block_nodes",
    "decomposition",
    "extend_with_root",
    "root_of",
    "sealed_leaf_hashes",
    "stored_nodes",
]


class Frontier:
    """The Merkle Tree Hash of an append-only log in ``O(log n)`` memory: the roots of its
    complete subtrees, largest first (RFC 9162 trees fold them from the right)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    @classmethod
    def of(cls, size: int, nodes: Mapping[Node, bytes]) -> Frontier:
        """The frontier of a log of ``size`` leaves from the hashes of its
        :func:`decomposition` (a ``KeyError`` for one missing)."""
        frontier = cls()
        frontier.size = size
        frontier._stack = [
            (1 << level, nodes[(level, index)]) for level, index in decomposition(size)
        ]
        return frontier

    def copy(self) -> Frontier:
        other = Frontier()
        other.size, other._stack = self.size, list(self._stack)
        return other

    @property
    def held(self) -> int:
        """How many hashes it holds: one per one-bit of its size, at most
        ``floor(log2(size)) + 1``."""
        return len(self._stack)

    def append(self, leaf: bytes) -> None:
        self._stack.append((1, leaf))
        self.size += 1
        while len(self._stack) >= 2 and self._stack[-1][0] == self._stack[-2][0]:
            (width, right), (_, left) = self._stack.pop(), self._stack.pop()
            self._stack.append((width * 2, node_hash(left, right)))

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append leaves level by level: at each level, pair the new nodes (the first with the
        frontier's node there when it is a right child); an unpaired last node is a subtree of
        the new frontier."""
        pending = list(leaves)
        self._push(pending, 0, len(pending))

    def _push(self, pending: list[bytes], level: int, count: int) -> None:
        """Append ``count`` leaves given as ``pending``, their complete subtrees at ``level``
        in order (the frontier's size is a multiple of ``2**level``: it has no subtree below)."""
        if not pending:
            return
        size = self.size
        by_level = {width.bit_length() - 1: subtree for width, subtree in self._stack}
        sha256 = hashlib.sha256
        start = size >> level
        while pending:
            if start & 1:  # a right child: its left sibling is the frontier's node here
                pending.insert(0, by_level.pop(level))
                start -= 1
            if len(pending) & 1:
                by_level[level] = pending.pop()
            pending = [
                sha256(b"\x01" + pending[i] + pending[i + 1]).digest()
                for i in range(0, len(pending), 2)
            ]
            level, start = level + 1, start >> 1
        self._stack = [(1 << lv, by_level[lv]) for lv in sorted(by_level, reverse=True)]
        self.size = size + count

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        return _fold([subtree for _, subtree in self._stack])

    def nodes(self) -> dict[Node, bytes]:
        """Its subtrees by place."""
        placed: dict[Node, bytes] = {}
        start = 0
        for width, subtree in self._stack:
            level = width.bit_length() - 1
            placed[(level, start >> level)] = subtree
            start += width
        return placed


def _fold(subtrees: Sequence[bytes]) -> bytes:
    result = subtrees[-1]
    for left in reversed(subtrees[:-1]):
        result = node_hash(left, result)
    return result


def extend_with_root(tree: Frontier, leaf_hashes: Sequence[bytes]) -> bytes:
    """Append ``leaf_hashes`` to ``tree`` and return their own root (:func:`root_of`), at the
    cost of about one of the two: while the block's leaves are aligned in the log as in the
    block (the log before it a multiple of ``2**level`` leaves, the level's nodes even in
    number), both trees pair the same nodes, so those levels are hashed once."""
    nodes, count, level = list(leaf_hashes), len(leaf_hashes), 0
    sha256 = hashlib.sha256
    while len(nodes) > 1 and not len(nodes) & 1 and not (tree.size >> level) & 1:
        nodes = [
            sha256(b"\x01" + nodes[i] + nodes[i + 1]).digest() for i in range(0, len(nodes), 2)
        ]
        level += 1
    root = root_of(nodes)
    tree._push(nodes, level, count)
    return root


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of these leaf hashes, level by level (equal to
    :func:`~services.audit.domain.merkle.merkle_root`: an odd last node is carried up, which is
    where RFC 9162 splits), without recursion."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    sha256 = hashlib.sha256
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def decomposition(size: int) -> list[Node]:
    """The complete subtrees whose roots, folded from the right, give the root of ``size``."""
    nodes: list[Node] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def _completed(first: int, end: int) -> Iterable[tuple[int, int, int]]:
    """(level, first index, end index) of the nodes completed by appending leaves
    ``first .. end - 1``: at each level, those past the ones complete before."""
    level = 0
    while (end >> level) > (first >> level):
        yield level, first >> level, end >> level
        level += 1


def block_nodes(tree: MerkleTree, first: int, end: int) -> str:
    """The hashes of the nodes that leaves ``first .. end - 1`` of ``tree`` complete, level by
    level, as base64 text (what the sealer stores with the block)."""
    parts = [tree.nodes(level, a, b) for level, a, b in _completed(first, end)]
    return base64.b64encode(b"".join(parts)).decode("ascii")


def append_block(frontier: Frontier, leaf_hashes: Sequence[bytes]) -> str:
    """Append a block's leaf hashes to ``frontier`` and return the nodes they complete, as
    :func:`block_nodes` gives them from a whole tree: a node's children are either completed
    by the block too or one of the frontier's subtrees before it."""
    first, end = frontier.size, frontier.size + len(leaf_hashes)
    known = frontier.nodes()
    parts: list[bytes] = []
    for level, a, b in _completed(first, end):
        if level == 0:
            row = list(leaf_hashes)
        else:
            row = [
                node_hash(known[(level - 1, 2 * i)], known[(level - 1, 2 * i + 1)])
                for i in range(a, b)
            ]
        for offset, value in enumerate(row):
            known[(level, a + offset)] = value
        parts.extend(row)
    frontier.size = end
    frontier._stack = [(1 << level, known[(level, index)]) for level, index in decomposition(end)]
    return base64.b64encode(b"".join(parts)).decode("ascii")


def stored_nodes(first: int, end: int, text: str) -> dict[Node, bytes] | None:
    """The nodes a block of leaves ``first .. end - 1`` stored (:func:`block_nodes`), by place;
    ``None`` when the text does not hold exactly them."""
    return _stored_nodes(first, end, text)


def _stored_nodes(first: int, end: int, text: str) -> dict[Node, bytes] | None:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    placed: dict[Node, bytes] = {}
    at = 0
    for level, a, b in _completed(first, end):
        for index in range(a, b):
            placed[(level, index)] = data[at : at + HASH_SIZE]
            at += HASH_SIZE
    return placed if at == len(data) else None


def sealed_leaf_hashes(
    frontier: Frontier, end: int, stored: str, signed_root: bytes
) -> list[bytes | None] | None:
    """The hashes of leaves ``frontier.size .. end - 1`` as sealed, from the nodes stored with
    their block (``stored``, see :func:`block_nodes`).

    ``frontier`` is the trusted log before the block and ``signed_root`` the root of ``end``
    leaves from a checkpoint whose signature verified. The stored nodes are trusted only from
    the top down: the decomposition of ``end`` must fold to the signed root, and a node's
    children only count when they hash to it. A leaf whose nodes were rewritten is ``None``;
    when the stored nodes do not give the signed root at all, ``None``.
    """
    first = frontier.size
    placed = _stored_nodes(first, end, stored) if stored else None
    if placed is None or end <= first:
        return None
    known = {**frontier.nodes(), **placed}
    tops = decomposition(end)
    if any(node not in known for node in tops):
        return None
    if _fold([known[node] for node in tops]) != signed_root:
        return None
    trusted = set(tops)
    waiting = list(tops)
    while waiting:
        level, index = waiting.pop()
        if level == 0 or (index + 1) << level <= first:
            continue  # a leaf, or wholly before the block
        left, right = (level - 1, 2 * index), (level - 1, 2 * index + 1)
        if (
            left in known
            and right in known
            and node_hash(known[left], known[right]) == known[(level, index)]
        ):
            trusted.update((left, right))
            waiting.extend((left, right))
    return [known[(0, i)] if (0, i) in trusted else None for i in range(first, end)]
