"""Check the audit archive's proofs and signed checkpoints with nothing but its public key.

This file stands alone: it needs only the Python standard library (3.11+) and the
``cryptography`` package, so an auditor can copy it out of the platform and check an export
offline, trusting nothing the operator runs. It follows RFC 9162 (Certificate Transparency 2.0):

* ``leaf_hash(data) = SHA-256(0x00 || data)``, interior nodes ``SHA-256(0x01 || left || right)``;
* :func:`verify_inclusion` is the algorithm of section 2.1.3.2, :func:`verify_consistency` the
  one of section 2.1.4.2;
* :func:`verify_checkpoint` checks an Ed25519 signature over a checkpoint's text.

Checkpoint text
---------------
Four lines, each ending in ``\\n`` (the C2SP tlog-checkpoint layout, the time being an extension
line)::

    <origin>
    <tree size, decimal>
    <root hash, standard base64 of 32 bytes>
    <time, UTC, YYYY-MM-DDTHH:MM:SS.mmmZ>

The signature is the standard base64 of the 64-byte Ed25519 signature over exactly those bytes
(UTF-8). The public key is the standard base64 of its 32 raw bytes.

Proof bundle (JSON)
-------------------
::

    {
      "checkpoints": [
        {"text": "<checkpoint text>", "signature": "<base64 signature>"}
      ],
      "inclusion": [
        {"checkpoint": 0, "index": 5, "leaf": "<base64 of the leaf's bytes>",
         "proof": ["<base64 hash>", ...]}
      ],
      "consistency": [
        {"from": 0, "to": 1, "proof": ["<base64 hash>", ...]}
      ]
    }

Every list may be empty or absent. ``checkpoint``, ``from`` and ``to`` index the
``checkpoints`` list: the tree size and root of every proof come from a checkpoint whose
signature verified, never from the bundle itself. An inclusion entry names its leaf by ``event``
(``{"topic", "partition", "offset", "event_id", "raw"}``: the archived event itself, its leaf
computed here with :func:`event_leaf_input`), by ``leaf`` (base64 of the leaf's bytes, hashed
here) or by ``leaf_hash`` (base64). Entries may carry other
keys (an event id, say); they are ignored.

Command line
------------
::

    python verify_proofs.py bundle.json --public-key <base64 key, or a file holding it>
        [--lang id|en]

It prints one line per check and exits 0 when every check passes, 1 when one fails, and 2 when
the bundle or the key cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_SIZE = 32
SIGNATURE_SIZE = 64
KEY_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()


# --- Hashing and proofs (RFC 9162 section 2.1) -----------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 hash of one leaf: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


LEAF_FORMAT = "wfa-audit-leaf/1"


def leaf_input(topic: str, partition: int, offset: int, event_id: str, sha256_hex: str) -> bytes:
    """The bytes of one archived event's leaf: its place on the log, its id and the SHA-256
    (lowercase hex) of the record's value exactly as it was on the log."""
    return f"{LEAF_FORMAT}\n{topic}\n{partition}\n{offset}\n{event_id}\n{sha256_hex}\n".encode()


def event_leaf_input(topic: str, partition: int, offset: int, event_id: str, raw: str) -> bytes:
    """:func:`leaf_input` of an exported event whose ``raw`` value is given as text."""
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return leaf_input(topic, partition, offset, event_id, digest)


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _all_hashes(*values: bytes) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf ``leaf_hash`` at ``index`` in the tree of ``tree_size``
    leaves whose root is ``root`` (RFC 9162 section 2.1.3.2)."""
    if not 0 <= index < tree_size or not _all_hashes(leaf_hash, root, *proof):
        return False
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn and not fn & 1:  # a right edge with no sibling: climb to the next one
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """Whether ``proof`` shows the tree of ``size1`` leaves with root ``root1`` to be a prefix
    of the tree of ``size2`` leaves with root ``root2`` (RFC 9162 section 2.1.4.2).

    Equal sizes need equal roots and an empty proof; the empty tree (whose root is
    SHA-256 of nothing) is a prefix of every tree, with an empty proof.
    """
    if not 0 <= size1 <= size2 or not _all_hashes(root1, root2, *proof):
        return False
    if size1 == 0:
        return not proof and root1 == EMPTY_ROOT and (size2 > 0 or root2 == EMPTY_ROOT)
    if size1 == size2:
        return not proof and root1 == root2
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root1 and sr == root2 and sn == 0


# --- Checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the log's size and root at a time."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime


_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def _b64(text: str | bytes, size: int | None = None) -> bytes | None:
    """Strict standard base64 (canonical padding), optionally of exactly ``size`` bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(raw) != (text.encode("ascii") if isinstance(text, str) else text):
        return None
    return raw if size is None or len(raw) == size else None


def parse_checkpoint(text: str) -> Checkpoint | None:
    """Read a checkpoint's text; ``None`` unless it is exactly in the canonical form."""
    if not text.endswith("\n"):
        return None
    lines = text[:-1].split("\n")
    if len(lines) != 4:
        return None
    origin, size, root, when = lines
    if not origin or not origin.isprintable() or origin != origin.strip():
        return None
    if not _SIZE.fullmatch(size) or int(size) > MAX_TREE_SIZE or not _TIME.fullmatch(when):
        return None
    root_hash = _b64(root, HASH_SIZE) if root.isascii() else None
    if root_hash is None:
        return None
    try:
        timestamp = datetime.strptime(when, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return Checkpoint(origin, int(size), root_hash, timestamp)


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from the standard base64 of its 32 raw bytes."""
    raw = _b64(text.strip(), KEY_SIZE) if isinstance(text, bytes) or text.isascii() else None
    if raw is None:
        raise ValueError("the public key must be the standard base64 of 32 raw Ed25519 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_checkpoint(
    text: str | bytes, signature: str | bytes, public_key: str | bytes | Ed25519PublicKey
) -> Checkpoint | None:
    """The checkpoint, when ``signature`` is ``public_key``'s Ed25519 signature over ``text``
    and ``text`` is a well-formed checkpoint; ``None`` otherwise.

    ``signature`` is the base64 text of the signature, or its 64 raw bytes; ``public_key`` is
    the base64 text of the key or the key itself (an unreadable key raises ``ValueError``).
    """
    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    if isinstance(signature, str):
        raw_signature = _b64(signature, SIGNATURE_SIZE) if signature.isascii() else None
    else:
        raw_signature = signature if len(signature) == SIGNATURE_SIZE else None
    try:
        body = text.encode("utf-8") if isinstance(text, str) else text
        decoded = body.decode("utf-8")
    except UnicodeError:
        return None
    if raw_signature is None:
        return None
    try:
        key.verify(raw_signature, body)
    except InvalidSignature:
        return None
    return parse_checkpoint(decoded)


# --- The proof bundle and the command line ---------------------------------------------------

MESSAGES: dict[str, dict[str, str]] = {
    "checkpoint_ok": {
        "id": "checkpoint {i}: tanda tangan sah ({origin}, ukuran {size})",
        "en": "checkpoint {i}: signature valid ({origin}, size {size})",
    },
    "checkpoint_bad": {
        "id": "checkpoint {i}: tanda tangan TIDAK sah atau teks rusak",
        "en": "checkpoint {i}: signature INVALID or malformed text",
    },
    "inclusion_ok": {
        "id": "inklusi {i}: daun {index} termuat di checkpoint {cp}",
        "en": "inclusion {i}: leaf {index} is in checkpoint {cp}",
    },
    "inclusion_bad": {
        "id": "inklusi {i}: bukti GAGAL untuk daun {index} di checkpoint {cp}",
        "en": "inclusion {i}: proof FAILED for leaf {index} in checkpoint {cp}",
    },
    "consistency_ok": {
        "id": "konsistensi {i}: checkpoint {a} adalah awalan checkpoint {b}",
        "en": "consistency {i}: checkpoint {a} is a prefix of checkpoint {b}",
    },
    "consistency_bad": {
        "id": "konsistensi {i}: bukti GAGAL antara checkpoint {a} dan {b}",
        "en": "consistency {i}: proof FAILED between checkpoints {a} and {b}",
    },
    "malformed": {
        "id": "{what} {i}: entri tidak terbaca",
        "en": "{what} {i}: unreadable entry",
    },
    "unverified_checkpoint": {
        "id": "{what} {i}: merujuk checkpoint yang tidak terverifikasi",
        "en": "{what} {i}: refers to a checkpoint that did not verify",
    },
    "summary": {
        "id": "{passed} dari {total} pemeriksaan lolos",
        "en": "{passed} of {total} checks passed",
    },
    "unreadable": {
        "id": "tidak dapat membaca {what}: {error}",
        "en": "cannot read {what}: {error}",
    },
}


def _hash_list(value: Any) -> list[bytes] | None:
    if not isinstance(value, list):
        return None
    hashes = [_b64(v, HASH_SIZE) if isinstance(v, str) and v.isascii() else None for v in value]
    return None if any(h is None for h in hashes) else [h for h in hashes if h is not None]


def _event_leaf_hash(event: dict[str, Any]) -> bytes | None:
    fields = (event.get("topic"), event.get("event_id"), event.get("raw"))
    position = (event.get("partition"), event.get("offset"))
    if not all(isinstance(v, str) for v in fields) or not all(type(v) is int for v in position):
        return None
    topic, event_id, raw = fields
    partition, offset = position
    return leaf_hash(event_leaf_input(topic, partition, offset, event_id, raw))  # type: ignore[arg-type]


def _entry_leaf_hash(entry: dict[str, Any]) -> bytes | None:
    if isinstance(entry.get("event"), dict):
        return _event_leaf_hash(entry["event"])
    if isinstance(entry.get("leaf"), str) and entry["leaf"].isascii():
        data = _b64(entry["leaf"])
        return None if data is None else leaf_hash(data)
    if isinstance(entry.get("leaf_hash"), str) and entry["leaf_hash"].isascii():
        return _b64(entry["leaf_hash"], HASH_SIZE)
    return None


class _Report:
    def __init__(self, lang: str) -> None:
        self.lang, self.passed, self.total = lang, 0, 0

    def say(self, key: str, **values: Any) -> None:
        print(MESSAGES[key][self.lang].format(**values))

    def check(self, ok: bool, good: str, bad: str, **values: Any) -> None:
        self.total += 1
        self.passed += ok
        self.say(good if ok else bad, **values)


def _checkpoint_of(
    entry: dict[str, Any], field: str, checkpoints: list[Checkpoint | None]
) -> Checkpoint | None:
    position = entry.get(field)
    if type(position) is not int or not 0 <= position < len(checkpoints):
        return None
    return checkpoints[position]


def _check_checkpoints(
    entries: list[Any], key: Ed25519PublicKey, report: _Report
) -> list[Checkpoint | None]:
    checkpoints: list[Checkpoint | None] = []
    for i, entry in enumerate(entries):
        text = entry.get("text") if isinstance(entry, dict) else None
        signature = entry.get("signature") if isinstance(entry, dict) else None
        cp = None
        if isinstance(text, str) and isinstance(signature, str):
            cp = verify_checkpoint(text, signature, key)
        checkpoints.append(cp)
        values = {"origin": cp.origin, "size": cp.tree_size} if cp else {}
        report.check(cp is not None, "checkpoint_ok", "checkpoint_bad", i=i, **values)
    return checkpoints


def _check_inclusions(
    entries: list[Any], checkpoints: list[Checkpoint | None], report: _Report
) -> None:
    for i, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        cp = _checkpoint_of(entry, "checkpoint", checkpoints)
        leaf, proof, index = (
            _entry_leaf_hash(entry),
            _hash_list(entry.get("proof")),
            entry.get("index"),
        )
        if cp is None:
            report.check(False, "", "unverified_checkpoint", what="inclusion", i=i)
        elif leaf is None or proof is None or type(index) is not int:
            report.check(False, "", "malformed", what="inclusion", i=i)
        else:
            ok = verify_inclusion(leaf, index, cp.tree_size, proof, cp.root_hash)
            values = {"index": index, "cp": entry["checkpoint"]}
            report.check(ok, "inclusion_ok", "inclusion_bad", i=i, **values)


def _check_consistencies(
    entries: list[Any], checkpoints: list[Checkpoint | None], report: _Report
) -> None:
    for i, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        first = _checkpoint_of(entry, "from", checkpoints)
        second = _checkpoint_of(entry, "to", checkpoints)
        proof = _hash_list(entry.get("proof"))
        if first is None or second is None:
            report.check(False, "", "unverified_checkpoint", what="consistency", i=i)
        elif proof is None:
            report.check(False, "", "malformed", what="consistency", i=i)
        else:
            ok = first.origin == second.origin and verify_consistency(
                first.tree_size, second.tree_size, proof, first.root_hash, second.root_hash
            )
            values = {"a": entry["from"], "b": entry["to"]}
            report.check(ok, "consistency_ok", "consistency_bad", i=i, **values)


def _list(bundle: dict[str, Any], field: str) -> list[Any]:
    value = bundle.get(field)
    return value if isinstance(value, list) else []


def check_bundle(bundle: dict[str, Any], key: Ed25519PublicKey, lang: str = "id") -> bool:
    """Check every checkpoint and proof of a bundle, printing one line each; ``True`` when all
    of them pass (and there is at least one)."""
    report = _Report(lang)
    checkpoints = _check_checkpoints(_list(bundle, "checkpoints"), key, report)
    _check_inclusions(_list(bundle, "inclusion"), checkpoints, report)
    _check_consistencies(_list(bundle, "consistency"), checkpoints, report)
    report.say("summary", passed=report.passed, total=report.total)
    return report.total > 0 and report.passed == report.total


def _read_key(value: str) -> Ed25519PublicKey:
    try:
        return load_public_key(value)
    except ValueError:
        path = Path(value)
        if not path.is_file():
            raise
        return load_public_key(path.read_text(encoding="ascii").strip())


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description="Check audit proofs and signed checkpoints.")
    parser.add_argument("bundle", help="proof bundle (JSON); '-' reads standard input")
    parser.add_argument("--public-key", required=True, help="base64 key, or a file holding it")
    parser.add_argument("--lang", choices=("id", "en"), default="id")
    args = parser.parse_args(argv)
    lang: str = args.lang
    try:
        key = _read_key(args.public_key)
    except (ValueError, OSError, UnicodeError) as error:
        what = "kunci publik" if lang == "id" else "the public key"
        print(MESSAGES["unreadable"][lang].format(what=what, error=error), file=sys.stderr)
        return 2
    try:
        source = sys.stdin.read() if args.bundle == "-" else Path(args.bundle).read_text("utf-8")
        bundle = json.loads(source)
        if not isinstance(bundle, dict):
            raise ValueError("the bundle must be a JSON object")
    except (ValueError, OSError, UnicodeError) as error:
        what = "berkas bukti" if lang == "id" else "the proof bundle"
        print(MESSAGES["unreadable"][lang].format(what=what, error=error), file=sys.stderr)
        return 2
    return 0 if check_bundle(bundle, key, lang) else 1


if __name__ == "__main__":
    sys.exit(main())
