"""The standalone verifier: RFC 9162 inclusion and consistency verification on the published
Certificate Transparency vectors and their corruptions, the proofs the archive's trees produce,
tampering of every kind (a changed, swapped, inserted or deleted leaf, a wrong index, a tampered
proof), and the command line run from a copy of the file outside the platform."""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.audit import verify_proofs
from services.audit.domain.checkpoint import Checkpoint, public_key_text, sign_checkpoint
from services.audit.domain.merkle import MerkleTree, consistency_proof, leaf_hash, merkle_root
from services.audit.verify_proofs import verify_consistency, verify_inclusion
from tests.unit.test_audit_merkle import (
    CONSISTENCY_VECTORS,
    INCLUSION_VECTORS,
    LEAF_DATA,
    LEAVES,
    ROOTS,
)

VERIFIER = Path(verify_proofs.__file__)
EMPTY = ROOTS[0]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _flip(proof: list[bytes], i: int, bit: int = 3) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ (1 << bit)]) + changed[i][1:]
    return changed


def test_the_verifier_hashes_leaves_like_the_archive() -> None:
    assert [verify_proofs.leaf_hash(d) for d in LEAF_DATA] == LEAVES
    assert verify_proofs.EMPTY_ROOT == EMPTY


# --- Inclusion on the published vectors -----------------------------------------------------


def _inclusion_corruptions(
    index: int, size: int, path: list[bytes], root: bytes, leaf: bytes
) -> dict[str, tuple[bytes, int, int, list[bytes], bytes]]:
    """The corruptions transparency-dev/merkle's verifier is tested against."""
    probes = {
        "index - 1": (leaf, index - 1, size, path, root),
        "index + 1": (leaf, index + 1, size, path, root),
        "index ^ 2": (leaf, index ^ 2, size, path, root),
        "size * 2": (leaf, index, size * 2, path, root),
        "size // 2": (leaf, index, size // 2, path, root),
        "wrong leaf": (leaf_hash(b"WrongLeaf"), index, size, path, root),
        "short leaf": (b"WrongLeaf", index, size, path, root),
        "empty root": (leaf, index, size, path, EMPTY),
        "random root": (leaf, index, size, path, SOME_HASH),
        "trailing garbage": (leaf, index, size, [*path, b""], root),
        "trailing root": (leaf, index, size, [*path, root], root),
        "preceding garbage": (leaf, index, size, [b"", *path], root),
        "preceding root": (leaf, index, size, [root, *path], root),
    }
    for i in range(len(path)):
        probes[f"flipped proof[{i}]"] = (leaf, index, size, _flip(path, i), root)
    if path:
        probes["removed component"] = (leaf, index, size, path[:-1], root)
    if len(path) > 1:
        probes["inserted component"] = (leaf, index, size, [path[0], SOME_HASH, *path[1:]], root)
    return probes


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_published_inclusion_proofs_verify_and_their_corruptions_fail(
    index: int, size: int, path: list[bytes]
) -> None:
    leaf, root = LEAVES[index], ROOTS[size]
    assert verify_inclusion(leaf, index, size, path, root)
    wrongly_accepted = [
        name
        for name, probe in _inclusion_corruptions(index, size, path, root, leaf).items()
        if verify_inclusion(*probe)
    ]
    assert wrongly_accepted == []


def test_inclusion_in_a_one_leaf_tree() -> None:
    leaf = leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], leaf)
    assert not verify_inclusion(b"", 0, 1, [], b"")


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1), (-1, 4)])
def test_inclusion_refuses_impossible_positions(index: int, size: int) -> None:
    assert not verify_inclusion(SOME_HASH, index, size, [], b"")
    assert not verify_inclusion(b"", index, size, [], EMPTY)
    assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY)


# --- Consistency on the published vectors ---------------------------------------------------


def _consistency_corruptions(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> dict[str, tuple[int, int, list[bytes], bytes, bytes]]:
    probes = {
        "size1 - 1": (size1 - 1, size2, proof, root1, root2),
        "size1 + 1": (size1 + 1, size2, proof, root1, root2),
        "size1 ^ 2": (size1 ^ 2, size2, proof, root1, root2),
        "size2 * 2": (size1, size2 * 2, proof, root1, root2),
        "size2 // 2": (size1, size2 // 2, proof, root1, root2),
        "wrong root1": (size1, size2, proof, SOME_HASH, root2),
        "wrong root2": (size1, size2, proof, root1, SOME_HASH),
        "short root": (size1, size2, proof, b"WrongRoot", root2),
        "swapped roots": (size1, size2, proof, root2, root1),
        "empty proof": (size1, size2, [], root1, root2),
        "trailing garbage": (size1, size2, [*proof, b""], root1, root2),
        "trailing root1": (size1, size2, [*proof, root1], root1, root2),
        "trailing root2": (size1, size2, [*proof, root2], root1, root2),
        "preceding garbage": (size1, size2, [b"", *proof], root1, root2),
        "preceding root1": (size1, size2, [root1, *proof], root1, root2),
        "preceding root2": (size1, size2, [root2, *proof], root1, root2),
        "preceding proof[0]": (size1, size2, [proof[0], *proof], root1, root2),
        "truncated proof": (size1, size2, proof[:-1], root1, root2),
    }
    for i in range(len(proof)):
        probes[f"flipped proof[{i}]"] = (size1, size2, _flip(proof, i, bit=4), root1, root2)
    return probes


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY_VECTORS)
def test_published_consistency_proofs_verify_and_their_corruptions_fail(
    size1: int, size2: int, proof: list[bytes]
) -> None:
    root1, root2 = ROOTS[size1], ROOTS[size2]
    assert verify_consistency(size1, size2, proof, root1, root2)
    if not proof:  # equal sizes: nothing to corrupt but the roots
        assert not verify_consistency(size1, size2, proof, root1, SOME_HASH)
        return
    wrongly_accepted = [
        name
        for name, probe in _consistency_corruptions(size1, size2, root1, root2, proof).items()
        if verify_consistency(*probe)
    ]
    assert wrongly_accepted == []


A, B = b"A" * 32, b"B" * 32


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "expected"),
    [
        (0, 0, EMPTY, EMPTY, [], True),
        (0, 0, A, A, [], False),  # the empty tree has one root
        (0, 1, EMPTY, A, [], True),  # the empty tree is a prefix of every tree
        (0, 1, A, B, [], False),
        (1, 1, A, A, [], True),
        (1, 1, A, B, [], False),
        (1, 0, A, B, [], False),  # back in time
        (2, 1, A, B, [], False),
        (1, 2, A, B, [], False),  # no proof
        (0, 0, EMPTY, EMPTY, [EMPTY], False),  # roots match but a proof is given
        (0, 1, EMPTY, EMPTY, [EMPTY], False),
        (1, 1, EMPTY, EMPTY, [EMPTY], False),
        (-1, 1, EMPTY, A, [], False),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], expected: bool
) -> None:
    assert verify_consistency(size1, size2, proof, root1, root2) is expected


# --- Every proof the archive produces verifies ---------------------------------------------


def _tree_leaves(size: int, salt: bytes) -> list[bytes]:
    return [leaf_hash(salt + b"/" + str(i).encode()) for i in range(size)]


def test_every_proof_of_every_small_tree_verifies() -> None:
    leaves = _tree_leaves(64, b"all")
    tree = MerkleTree(leaves)
    for size in range(1, 65):
        root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert verify_inclusion(leaves[index], index, size, proof, root), (index, size)
        for old in range(1, size + 1):
            proof = tree.consistency_proof(old, size)
            assert verify_consistency(old, size, proof, tree.root(old), root), (old, size)


sizes = st.integers(min_value=1, max_value=200)
salts = st.binary(min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=sizes, salt=salts)
def test_inclusion_proofs_verify_and_fail_when_tampered(
    data: st.DataObject, size: int, salt: bytes
) -> None:
    leaves = _tree_leaves(size, salt)
    tree = MerkleTree(leaves)
    root = tree.root()
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    proof = tree.inclusion_proof(index)
    assert verify_inclusion(leaves[index], index, size, proof, root)
    # A changed leaf.
    assert not verify_inclusion(leaf_hash(b"changed" + salt), index, size, proof, root)
    # A wrong index.
    if size > 1:
        other = data.draw(st.integers(min_value=0, max_value=size - 1), label="other index")
        assume(other != index)
        assert not verify_inclusion(leaves[index], other, size, proof, root)
        # Another leaf with this leaf's proof.
        assert not verify_inclusion(leaves[other], index, size, proof, root)
    # A tampered proof element, a dropped one, or one too many.
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
        tampered = list(proof)
        tampered[at] = (int.from_bytes(proof[at], "big") ^ (1 << bit)).to_bytes(32, "big")
        assert not verify_inclusion(leaves[index], index, size, tampered, root)
        assert not verify_inclusion(leaves[index], index, size, proof[:-1], root)
    assert not verify_inclusion(leaves[index], index, size, [*proof, root], root)
    # (A proof alone does not pin the tree size: the audit path of leaf 0 is the same for
    # every size from 129 to 256. The size is bound to the root by the signed checkpoint.)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=sizes, salt=salts)
def test_consistency_proofs_verify_and_fail_when_tampered(
    data: st.DataObject, size: int, salt: bytes
) -> None:
    tree = MerkleTree(_tree_leaves(size, salt))
    old = data.draw(st.integers(min_value=1, max_value=size), label="old size")
    proof = tree.consistency_proof(old)
    root1, root2 = tree.root(old), tree.root()
    assert verify_consistency(old, size, proof, root1, root2)
    if old == size:
        assert proof == []
        return
    assert not verify_consistency(old, size, proof, root2, root1)
    assert not verify_consistency(old, size, proof, leaf_hash(salt), root2)
    assert not verify_consistency(old, size, proof, root1, leaf_hash(salt))
    at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    tampered = list(proof)
    tampered[at] = (int.from_bytes(proof[at], "big") ^ (1 << bit)).to_bytes(32, "big")
    assert not verify_consistency(old, size, tampered, root1, root2)
    assert not verify_consistency(old, size, proof[:-1], root1, root2)
    assert not verify_consistency(old, size, [*proof, root2], root1, root2)
    wrong_old = data.draw(st.integers(min_value=1, max_value=size), label="wrong old size")
    assume(wrong_old != old)
    assert not verify_consistency(wrong_old, size, proof, root1, root2)


TAMPERINGS = ("change", "swap", "insert", "delete")


def _tamper(leaves: list[bytes], kind: str, first: int, second: int) -> list[bytes]:
    """``leaves`` with one edit at ``first`` (``second`` is the swap partner)."""
    edited = list(leaves)
    if kind == "change":
        edited[first] = leaf_hash(b"edited row")
    elif kind == "swap":
        edited[first], edited[second] = edited[second], edited[first]
    elif kind == "insert":
        edited.insert(first, leaf_hash(b"inserted row"))
    else:
        del edited[first]
    return edited


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(min_value=2, max_value=200), salt=salts)
def test_an_archive_edited_after_its_checkpoint_cannot_prove_anything_against_it(
    data: st.DataObject, size: int, salt: bytes
) -> None:
    """An insider who edits, swaps, inserts or deletes a row after a checkpoint was signed can
    produce neither an inclusion proof against the signed root nor a consistency proof from an
    earlier signed checkpoint covering the edited position."""
    leaves = _tree_leaves(size, salt)
    signed_root = merkle_root(leaves)
    kind = data.draw(st.sampled_from(TAMPERINGS), label="tampering")
    first = data.draw(st.integers(min_value=0, max_value=size - 1), label="position")
    second = data.draw(st.integers(min_value=0, max_value=size - 1), label="swap partner")
    assume(kind != "swap" or first != second)
    edited = _tamper(leaves, kind, first, second)
    forged = MerkleTree(edited)
    assert forged.root() != signed_root

    # Inclusion: no row of the edited archive proves itself against the signed checkpoint.
    index = data.draw(st.integers(min_value=0, max_value=len(edited) - 1), label="row")
    proof = forged.inclusion_proof(index)
    assert verify_inclusion(edited[index], index, len(edited), proof, forged.root())  # control
    assert not verify_inclusion(edited[index], index, size, proof, signed_root)
    assert not verify_inclusion(edited[index], index, len(edited), proof, signed_root)

    # Consistency: an earlier checkpoint covering the edited position does not extend to the
    # edited archive.
    lowest = min(first, second) if kind == "swap" else first
    highest = min(size, len(edited))
    assume(lowest + 1 <= highest)
    old = data.draw(st.integers(min_value=lowest + 1, max_value=highest), label="old checkpoint")
    old_root = merkle_root(leaves[:old])
    proof = forged.consistency_proof(old)
    assert verify_consistency(old, len(edited), proof, forged.root(old), forged.root())  # control
    assert not verify_consistency(old, len(edited), proof, old_root, forged.root())


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=1, max_value=200), salt=salts, data=st.data())
def test_appending_after_a_checkpoint_stays_consistent_with_it(
    size: int, salt: bytes, data: st.DataObject
) -> None:
    old = data.draw(st.integers(min_value=1, max_value=size))
    leaves = _tree_leaves(size, salt)
    proof = consistency_proof(leaves, old)
    assert verify_consistency(old, size, proof, merkle_root(leaves[:old]), merkle_root(leaves))


# --- Stands alone -------------------------------------------------------------------------


def test_the_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(VERIFIER.read_text("utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            imported.add((node.module or "").split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party == {"cryptography"}


# --- The command line, run from a copy outside the platform --------------------------------


def _bundle() -> tuple[dict[str, object], str, list[bytes]]:
    key = Ed25519PrivateKey.generate()
    data = [f'{{"event": {i}}}'.encode() for i in range(13)]
    tree = MerkleTree(leaf_hash(d) for d in data)
    when = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    signed = [
        sign_checkpoint(Checkpoint("audit.wfa.example/log", n, tree.root(n), when), key)
        for n in (5, 13)
    ]

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    bundle: dict[str, object] = {
        "checkpoints": [{"text": s.text, "signature": s.signature} for s in signed],
        "inclusion": [
            {
                "checkpoint": 1,
                "index": 7,
                "leaf": b64(data[7]),
                "proof": [b64(p) for p in tree.inclusion_proof(7, 13)],
            },
            {
                "checkpoint": 0,
                "index": 2,
                "leaf_hash": b64(leaf_hash(data[2])),
                "proof": [b64(p) for p in tree.inclusion_proof(2, 5)],
            },
        ],
        "consistency": [
            {"from": 0, "to": 1, "proof": [b64(p) for p in tree.consistency_proof(5, 13)]}
        ],
    }
    return bundle, public_key_text(key), data


def _run(tmp_path: Path, bundle: dict[str, object], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a copy of the verifier from a directory that holds nothing of the platform."""
    alone = tmp_path / "alone"
    alone.mkdir(exist_ok=True)
    script = alone / "verify_proofs.py"
    script.write_bytes(VERIFIER.read_bytes())
    (alone / "bundle.json").write_text(json.dumps(bundle), "utf-8")
    return subprocess.run(
        [sys.executable, "-I", str(script), "bundle.json", *args],
        cwd=alone,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_passes_a_good_bundle(tmp_path: Path) -> None:
    bundle, key, _ = _bundle()
    result = _run(tmp_path, bundle, "--public-key", key, "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 of 5 checks passed" in result.stdout
    assert "leaf 7 is in checkpoint 1" in result.stdout
    # Indonesian by default, and the key may come from a file.
    (tmp_path / "key.pub").write_text(key + "\n", "ascii")
    result = _run(tmp_path, bundle, "--public-key", str(tmp_path / "key.pub"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 dari 5 pemeriksaan lolos" in result.stdout


def test_the_command_line_names_what_fails(tmp_path: Path) -> None:
    bundle, key, data = _bundle()
    inclusion = bundle["inclusion"]
    assert isinstance(inclusion, list)
    inclusion[0]["leaf"] = base64.b64encode(data[7] + b" ").decode("ascii")  # a changed event
    result = _run(tmp_path, bundle, "--public-key", key, "--lang", "en")
    assert result.returncode == 1
    assert "inclusion 0: proof FAILED for leaf 7 in checkpoint 1" in result.stdout
    assert "4 of 5 checks passed" in result.stdout


def test_the_command_line_refuses_checkpoints_of_another_key(tmp_path: Path) -> None:
    bundle, _, _ = _bundle()
    other = public_key_text(Ed25519PrivateKey.generate())
    result = _run(tmp_path, bundle, "--public-key", other, "--lang", "en")
    assert result.returncode == 1
    assert "checkpoint 0: signature INVALID" in result.stdout
    assert "refers to a checkpoint that did not verify" in result.stdout
    assert "0 of 5 checks passed" in result.stdout


def test_the_command_line_reports_unreadable_input(tmp_path: Path) -> None:
    bundle, key, _ = _bundle()
    result = _run(tmp_path, bundle, "--public-key", "not-a-key")
    assert result.returncode == 2 and "kunci publik" in result.stderr
    result = _run(tmp_path, {}, "--public-key", key, "--lang", "en")
    assert result.returncode == 1 and "0 of 0 checks passed" in result.stdout
    alone = tmp_path / "alone"
    (alone / "bundle.json").write_text("[1, 2", "utf-8")
    script = str(alone / "verify_proofs.py")
    broken = subprocess.run(
        [sys.executable, "-I", script, "bundle.json", "--public-key", key],
        cwd=alone,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert broken.returncode == 2 and "berkas bukti" in broken.stderr


def test_malformed_bundle_entries_fail_without_crashing() -> None:
    key = Ed25519PrivateKey.generate()
    tree = MerkleTree([leaf_hash(b"a"), leaf_hash(b"b")])
    when = datetime(2026, 3, 1, tzinfo=UTC)
    signed = sign_checkpoint(Checkpoint("log", 2, tree.root(), when), key)
    bundle = {
        "checkpoints": [{"text": signed.text, "signature": signed.signature}, "junk", {}],
        "inclusion": [
            {"checkpoint": 0, "index": 0, "leaf_hash": "%%%", "proof": []},
            {"checkpoint": 0, "index": "0", "leaf": "YQ==", "proof": []},
            {"checkpoint": 0, "index": 0, "leaf": "YQ==", "proof": ["short"]},
            {"checkpoint": 9, "index": 0, "leaf": "YQ==", "proof": []},
            {"checkpoint": True, "index": 0, "leaf": "YQ==", "proof": []},
            7,
        ],
        "consistency": [{"from": 0, "to": 0, "proof": "nope"}, {"from": 0}],
    }
    key_text = public_key_text(key)
    assert not verify_proofs.check_bundle(bundle, verify_proofs.load_public_key(key_text), "en")
