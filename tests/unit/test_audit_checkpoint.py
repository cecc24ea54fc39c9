"""Signed checkpoints: the canonical text, Ed25519 signing with the configured key (placeholders
refused), and the standalone verifier accepting exactly the genuine ones."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.domain.checkpoint import (
    DEVELOPMENT_PRIVATE_KEY,
    Checkpoint,
    CheckpointKeyError,
    generate_private_key_text,
    load_private_key,
    private_key_text,
    public_key_text,
    sign_checkpoint,
)
from services.audit.domain.merkle import EMPTY_ROOT, MerkleTree, leaf_hash
from services.audit.verify_proofs import load_public_key, parse_checkpoint, verify_checkpoint

ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
WHEN = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
ORIGIN = "audit.wfa.example.go.id/archive"


def _checkpoint(**changes: object) -> Checkpoint:
    return replace(Checkpoint(ORIGIN, 8, ROOT, WHEN), **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return load_private_key(generate_private_key_text())


# --- The canonical text ---------------------------------------------------------------------


def test_the_text_is_the_four_canonical_lines() -> None:
    assert _checkpoint().text() == (
        "audit.wfa.example.go.id/archive\n"
        "8\n"
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
        "2026-03-01T08:30:15.123Z\n"
    )
    assert base64.b64decode("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=") == ROOT


def test_the_time_is_kept_in_utc_to_the_millisecond() -> None:
    jakarta = timezone(timedelta(hours=7))
    local = datetime(2026, 3, 1, 15, 30, 15, 123999, tzinfo=jakarta)
    checkpoint = _checkpoint(timestamp=local)
    assert checkpoint.timestamp == datetime(2026, 3, 1, 8, 30, 15, 123000, tzinfo=UTC)
    assert checkpoint.text().endswith("\n2026-03-01T08:30:15.123Z\n")
    assert (
        _checkpoint(timestamp=datetime(2026, 3, 1, tzinfo=UTC))
        .text()
        .endswith("\n2026-03-01T00:00:00.000Z\n")
    )


def test_the_text_parses_back_to_the_same_checkpoint() -> None:
    checkpoint = _checkpoint()
    assert _fields(parse_checkpoint(checkpoint.text())) == _as_parsed(checkpoint)


@pytest.mark.parametrize(
    "changes",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"origin": " padded"},
        {"origin": "x" * 256},
        {"tree_size": -1},
        {"tree_size": 2**64},
        {"tree_size": True},
        {"root_hash": ROOT[:31]},
        {"root_hash": ROOT.hex()},
        {"tree_size": 0},  # the empty tree has exactly one root
        {"timestamp": datetime(2026, 3, 1, 8, 30)},  # no UTC offset
    ],
)
def test_malformed_checkpoints_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _checkpoint(**changes)


def test_the_empty_tree_has_a_checkpoint() -> None:
    assert _checkpoint(tree_size=0, root_hash=EMPTY_ROOT).text().split("\n")[1] == "0"


# --- Signing and verifying ------------------------------------------------------------------


def _as_parsed(checkpoint: Checkpoint) -> tuple[str, int, bytes, datetime]:
    return (checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash, checkpoint.timestamp)


def _fields(parsed: object) -> tuple[str, int, bytes, datetime] | None:
    if parsed is None:
        return None
    return (parsed.origin, parsed.tree_size, parsed.root_hash, parsed.timestamp)  # type: ignore[attr-defined]


def test_a_signed_checkpoint_verifies_with_the_public_key(key: Ed25519PrivateKey) -> None:
    tree = MerkleTree(leaf_hash(bytes([i])) for i in range(21))
    checkpoint = Checkpoint(ORIGIN, tree.size, tree.root(), WHEN)
    signed = sign_checkpoint(checkpoint, key)
    assert signed.checkpoint == checkpoint and signed.text == checkpoint.text()
    assert len(base64.b64decode(signed.signature)) == 64
    public = public_key_text(key)
    verified = verify_checkpoint(signed.text, signed.signature, public)
    assert _fields(verified) == _as_parsed(checkpoint)
    # The same with bytes and a loaded key.
    raw_signature = base64.b64decode(signed.signature)
    again = verify_checkpoint(signed.text.encode(), raw_signature, load_public_key(public))
    assert _fields(again) == _as_parsed(checkpoint)


@settings(max_examples=40, deadline=None)
@given(
    origin=st.text(
        st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=60
    ),
    size=st.integers(min_value=1, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    when=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_checkpoint_round_trips_through_the_verifier(
    origin: str, size: int, root: bytes, when: datetime
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    checkpoint = Checkpoint(origin, size, root, when)
    signed = sign_checkpoint(checkpoint, key)
    assert _fields(verify_checkpoint(signed.text, signed.signature, public_key_text(key))) == (
        _as_parsed(checkpoint)
    )


def test_a_checkpoint_signed_by_another_key_is_refused(key: Ed25519PrivateKey) -> None:
    forger = Ed25519PrivateKey.generate()
    signed = sign_checkpoint(_checkpoint(), forger)
    assert verify_checkpoint(signed.text, signed.signature, public_key_text(key)) is None
    assert verify_checkpoint(signed.text, signed.signature, public_key_text(forger)) is not None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\n8\n", "\n9\n"),  # a bigger tree
        ("\n8\n", "\n7\n"),  # a smaller tree
        ("XcnaeacGWamt", "XcnaeacGWamu"),  # another root
        ("15.123Z", "15.124Z"),  # another time
        ("audit.wfa", "audit.wfb"),  # another log
        ("123Z\n", "123Z\nextra\n"),  # an added line
        ("123Z\n", "123Z"),  # the last newline dropped
    ],
)
def test_an_altered_checkpoint_is_refused(key: Ed25519PrivateKey, old: str, new: str) -> None:
    signed = sign_checkpoint(_checkpoint(), key)
    public = public_key_text(key)
    assert verify_checkpoint(signed.text, signed.signature, public) is not None
    altered = signed.text.replace(old, new, 1)
    assert altered != signed.text
    assert verify_checkpoint(altered, signed.signature, public) is None


def test_a_forged_signature_is_refused(key: Ed25519PrivateKey) -> None:
    signed = sign_checkpoint(_checkpoint(), key)
    public = public_key_text(key)
    raw = base64.b64decode(signed.signature)
    for position in (0, 31, 32, 63):
        forged = bytearray(raw)
        forged[position] ^= 0x01
        assert verify_checkpoint(signed.text, bytes(forged), public) is None
        assert verify_checkpoint(signed.text, base64.b64encode(forged).decode(), public) is None
    for bad in ("", "not base64!", base64.b64encode(raw[:63]).decode(), signed.signature + "A"):
        assert verify_checkpoint(signed.text, bad, public) is None
    assert verify_checkpoint(signed.text, b"\x00" * 64, public) is None


R64 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
T = "2026-03-01T08:30:15.123Z"


@pytest.mark.parametrize(
    "text",
    [
        f"log\n08\n{R64}\n{T}\n",  # a leading zero
        f"log\n+8\n{R64}\n{T}\n",
        f"log\n-8\n{R64}\n{T}\n",
        f"log\n{2**64}\n{R64}\n{T}\n",  # past the largest tree size
        f"log\n8\n{R64[:-1]}\n{T}\n",  # unpadded
        f"log\n8\n{R64[:-2]}h=\n{T}\n",  # non-zero padding bits: same bytes, other text
        f"log\n8\n{R64.replace('+', '-').replace('/', '_')}\n{T}\n",  # URL-safe alphabet
        f"log\n8\nAAAA\n{T}\n",  # not 32 bytes
        f"log\n8\n{R64}\n2026-03-01T08:30:15Z\n",  # no milliseconds
        f"log\n8\n{R64}\n2026-03-01T08:30:15.123+00:00\n",
        f"log\n8\n{R64}\n2026-02-30T08:30:15.123Z\n",  # no such day
        f"\n8\n{R64}\n{T}\n",  # no origin
        f"log\r\n8\n{R64}\n{T}\n",
        f"log\n8\n{R64}\n{T}",  # no final newline
        f"log\n8\n{R64}\n{T}\n\n",
        f"log\n8\n{R64}\n",  # no time
    ],
)
def test_a_genuinely_signed_but_non_canonical_text_is_refused(
    key: Ed25519PrivateKey, text: str
) -> None:
    """The key signed these bytes, but they are not a checkpoint in its one canonical form."""
    assert verify_checkpoint(
        f"log\n8\n{R64}\n{T}\n",
        base64.b64encode(key.sign(f"log\n8\n{R64}\n{T}\n".encode())).decode(),
        public_key_text(key),
    )  # the canonical form of the same, as a control
    signature = base64.b64encode(key.sign(text.encode())).decode()
    assert verify_checkpoint(text, signature, public_key_text(key)) is None


def test_an_unreadable_public_key_is_an_error(key: Ed25519PrivateKey) -> None:
    signed = sign_checkpoint(_checkpoint(), key)
    for bad in ("", "abc", base64.b64encode(b"k" * 31).decode(), "é" * 44):
        with pytest.raises(ValueError):
            verify_checkpoint(signed.text, signed.signature, bad)


# --- Keys -----------------------------------------------------------------------------------


def test_keys_follow_rfc_8032() -> None:
    """RFC 8032 section 7.1, test 1: the key text holds the raw 32-byte seed."""
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = load_private_key(base64.b64encode(seed).decode())
    assert base64.b64decode(public_key_text(key)).hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert key.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
        "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert private_key_text(key) == base64.b64encode(seed).decode()
    assert public_key_text(key.public_key()) == public_key_text(key)


def test_a_generated_key_loads_and_round_trips() -> None:
    text = generate_private_key_text()
    assert len(base64.b64decode(text)) == 32
    assert private_key_text(load_private_key(text)) == text
    assert private_key_text(load_private_key(f"  {text}\n")) == text
    assert generate_private_key_text() != text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "change-me",
        "CHANGE_ME_TO_A_REAL_KEY",
        "<placeholder>",
        "xxxxxxxxxxxxxxxx",
        "your-secret-here",
        base64.b64encode(b"change-me-change-me-change-me-00").decode(),
        base64.b64encode(bytes(32)).decode(),  # all zeros
        base64.b64encode(b"\xff" * 32).decode(),
        base64.b64encode(bytes(range(16))).decode(),  # too short
        base64.b64encode(bytes(range(64))).decode(),  # too long
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY",  # unpadded
        "not base64 at all, but long enough to be a key",
    ],
)
def test_missing_placeholder_and_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises(CheckpointKeyError) as caught:
        load_private_key(text)
    assert "checkpoint signing key" in str(caught.value)


def test_a_placeholder_is_named_as_one() -> None:
    with pytest.raises(CheckpointKeyError, match="placeholder"):
        load_private_key("change-me")
    with pytest.raises(CheckpointKeyError, match="empty"):
        load_private_key("")


def test_the_development_key_only_when_allowed() -> None:
    with pytest.raises(CheckpointKeyError, match="development"):
        load_private_key(DEVELOPMENT_PRIVATE_KEY)
    key = load_private_key(DEVELOPMENT_PRIVATE_KEY, allow_development_key=True)
    assert private_key_text(key) == DEVELOPMENT_PRIVATE_KEY
