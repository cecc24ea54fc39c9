"""Signed checkpoints of the audit log: pure, no I/O.

A checkpoint states that the log named ``origin`` had ``tree_size`` leaves with Merkle root
``root_hash`` at ``timestamp``. Its canonical text follows the C2SP tlog-checkpoint layout, the
time being an extension line, each line ending in ``\\n``::

    <origin>
    <tree size, decimal>
    <root hash, standard base64>
    <UTC time, YYYY-MM-DDTHH:MM:SS.mmmZ>

The log's Ed25519 key signs exactly those UTF-8 bytes (as a C2SP signed note would). Keys travel
as the standard base64 of their 32 raw bytes. Anyone holding the public key checks a checkpoint
with ``services/audit/verify_proofs.py``, which parses this text on its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from services.audit.domain.merkle import EMPTY_ROOT, HASH_SIZE

__all__ = [
    "DEVELOPMENT_PRIVATE_KEY",
    "MAX_ORIGIN_CHARS",
    "Checkpoint",
    "CheckpointKeyError",
    "SignedCheckpoint",
    "generate_private_key_text",
    "load_private_key",
    "private_key_text",
    "public_key_text",
    "sign_checkpoint",
]

MAX_ORIGIN_CHARS = 255
_MAX_TREE_SIZE = 2**64 - 1
_KEY_BYTES = 32

DEVELOPMENT_PRIVATE_KEY = base64.b64encode(
    hashlib.sha256(b"wfa-audit development checkpoint key; never use it in production").digest()
).decode("ascii")
"""A fixed, publicly known key for development and tests only: anyone can sign with it."""

_PLACEHOLDER_WORDS = ("change", "placeholder", "example", "replace", "secret")


class CheckpointKeyError(ValueError):
    """The configured checkpoint signing key is missing, a placeholder, or unreadable."""


@dataclass(frozen=True)
class Checkpoint:
    """The log's size and root at a time. ``timestamp`` is kept in UTC to the millisecond
    (the precision of the canonical text), so rendering and parsing round-trip exactly."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime

    def __post_init__(self) -> None:
        if not (0 < len(self.origin) <= MAX_ORIGIN_CHARS and self.origin.isprintable()):
            raise ValueError(f"the origin must be 1 to {MAX_ORIGIN_CHARS} printable characters")
        if self.origin != self.origin.strip():
            raise ValueError("the origin must not start or end with white space")
        if isinstance(self.tree_size, bool) or not 0 <= self.tree_size <= _MAX_TREE_SIZE:
            raise ValueError("the tree size must be an integer from 0 to 2**64 - 1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"the root hash must be {HASH_SIZE} bytes")
        if self.tree_size == 0 and self.root_hash != EMPTY_ROOT:
            raise ValueError("the empty tree's root is SHA-256 of nothing")
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise ValueError("the timestamp must carry its UTC offset")
        utc = self.timestamp.astimezone(UTC)
        millis = utc.replace(microsecond=utc.microsecond // 1000 * 1000)
        object.__setattr__(self, "timestamp", millis)

    def text(self) -> str:
        """The canonical text, the exact bytes (UTF-8) that are signed."""
        when = self.timestamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.timestamp:%f}"[:3] + "Z"
        root = base64.b64encode(self.root_hash).decode("ascii")
        return f"{self.origin}\n{self.tree_size}\n{root}\n{when}\n"


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint, its canonical text and the base64 Ed25519 signature over that text."""

    checkpoint: Checkpoint
    text: str
    signature: str


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> SignedCheckpoint:
    """Sign the checkpoint's canonical text (Ed25519 signatures are deterministic)."""
    text = checkpoint.text()
    signature = private_key.sign(text.encode("utf-8"))
    return SignedCheckpoint(checkpoint, text, base64.b64encode(signature).decode("ascii"))


def _looks_like_placeholder(value: str | bytes) -> bool:
    lowered = value.lower() if isinstance(value, str) else value.decode("latin-1").lower()
    only_filler = bool(lowered) and set(lowered) <= {"x", ".", "-", "*"}
    return only_filler or any(word in lowered for word in _PLACEHOLDER_WORDS)


def load_private_key(text: str, *, allow_development_key: bool = False) -> Ed25519PrivateKey:
    """The Ed25519 signing key from the standard base64 of its 32 raw bytes.

    Refuses an empty value, an obvious placeholder (``change-me`` and the like, as text or
    encoded), a key of one repeated byte and, unless ``allow_development_key``,
    :data:`DEVELOPMENT_PRIVATE_KEY`, each with a :class:`CheckpointKeyError` that says what to
    configure.
    """
    value = text.strip()
    if not value:
        raise CheckpointKeyError(
            "the checkpoint signing key is empty: set it to the base64 of 32 random bytes "
            "(generate one with `python -m services.audit.keys generate`)"
        )
    if value == DEVELOPMENT_PRIVATE_KEY and not allow_development_key:
        raise CheckpointKeyError(
            "the checkpoint signing key is the public development key: anyone could forge "
            "checkpoints with it; configure a key of your own"
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _KEY_BYTES or _looks_like_placeholder(raw):
        if _looks_like_placeholder(value) or _looks_like_placeholder(raw):
            raise CheckpointKeyError(
                "the checkpoint signing key is a placeholder: set it to the base64 of 32 random "
                "bytes"
            )
        raise CheckpointKeyError(
            "the checkpoint signing key must be the standard base64 of exactly 32 raw bytes"
        )
    if len(set(raw)) == 1:
        raise CheckpointKeyError(
            "the checkpoint signing key is a run of one repeated byte: use 32 random bytes"
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key_text(private_key: Ed25519PrivateKey) -> str:
    """The standard base64 of the key's 32 raw bytes (what :func:`load_private_key` reads)."""
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def generate_private_key_text() -> str:
    """A new random signing key, as configuration text."""
    return private_key_text(Ed25519PrivateKey.generate())


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key to publish: the standard base64 of its 32 raw bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")
