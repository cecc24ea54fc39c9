"""Proofs from the sealed log, for the endpoints and the exports: inclusion of events, the
consistency of two checkpoints, and bundles that ``verify_proofs.py`` checks offline."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from services.audit.messages import MESSAGES
from services.audit.sealer import Sealer
from services.runtime.context import ServiceContext, component
from services.runtime.edge.errors import ApiError


def public_key(ctx: ServiceContext) -> str:
    return component(ctx, Sealer).public_key


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unknown_size(size: int) -> ApiError:
    return ApiError(
        404,
        "checkpoint_not_found",
        *MESSAGES.text("checkpoint_not_found", size=size),
    )


async def _checkpoint(sealer: Sealer, tree_size: int | None) -> tuple[int, dict[str, str]]:
    """The size of the log to prove against and its signed checkpoint (404 when none)."""
    size = sealer.latest.checkpoint.tree_size if sealer.latest else 0
    size = size if tree_size is None else tree_size
    if size > sealer.tree_size:
        raise _unknown_size(size)
    signed = await sealer.checkpoint_at(size)
    if signed is None:
        raise _unknown_size(size)
    return size, {"text": signed.text, "signature": signed.signature}


async def inclusion_for(
    ctx: ServiceContext, event_ids: Sequence[str], tree_size: int | None = None
) -> dict[str, dict[str, Any] | None]:
    """Per event: its leaf, its inclusion proof in the log of ``tree_size`` leaves (the last
    signed checkpoint by default) and that checkpoint; ``None`` for an event not sealed in it."""
    sealer = component(ctx, Sealer)
    answer: dict[str, dict[str, Any] | None] = dict.fromkeys(event_ids)
    if sealer.latest is None:
        return answer
    size, checkpoint = await _checkpoint(sealer, tree_size)
    indexes = {
        event_id: index
        for event_id, index in (await sealer.leaf_indexes(list(event_ids))).items()
        if index < size
    }
    proofs = await sealer.inclusion_proofs(set(indexes.values()), size)
    for event_id, index in indexes.items():
        leaf, proof = proofs[index]
        answer[event_id] = {
            "leaf_index": index,
            "leaf_hash": _b64(leaf),
            "tree_size": size,
            "proof": [_b64(h) for h in proof],
            "checkpoint": checkpoint,
        }
    return answer


async def consistency_between(ctx: ServiceContext, first: int, second: int) -> dict[str, Any]:
    """The proof that the signed log of ``first`` leaves is a prefix of the one of ``second``."""
    sealer = component(ctx, Sealer)
    if first > second:
        raise ApiError(
            422,
            "sizes_out_of_order",
            *MESSAGES.text("sizes_out_of_order"),
        )
    _, old = await _checkpoint(sealer, first)
    _, new = await _checkpoint(sealer, second)
    return {
        "first": first,
        "second": second,
        "proof": [_b64(h) for h in await sealer.consistency_proof(first, second)],
        "checkpoints": [old, new],
    }


async def bundle_for(
    ctx: ServiceContext, events: Sequence[dict[str, Any]], tree_size: int | None = None
) -> dict[str, Any]:
    """The ``verify_proofs.py`` bundle for archived events (dicts with ``event_id``, ``topic``,
    ``partition``, ``offset`` and ``raw``): one checkpoint, one inclusion entry per sealed event,
    each carrying the event itself so the verifier hashes what was exported. Events not sealed
    yet are listed under ``unsealed``."""
    proofs = await inclusion_for(ctx, [e["event_id"] for e in events], tree_size)
    checkpoint = next((p["checkpoint"] for p in proofs.values() if p), None)
    inclusion, unsealed = [], []
    for event in events:
        proof = proofs.get(event["event_id"])
        if proof is None:
            unsealed.append(event["event_id"])
            continue
        inclusion.append(
            {
                "checkpoint": 0,
                "index": proof["leaf_index"],
                "event_id": event["event_id"],
                "event": {
                    "topic": event["topic"],
                    "partition": int(event["partition"]),
                    "offset": int(event["offset"]),
                    "event_id": event["event_id"],
                    "raw": event["raw"],
                },
                "proof": proof["proof"],
            }
        )
    return {
        "public_key": public_key(ctx),
        "checkpoints": [checkpoint] if checkpoint else [],
        "inclusion": inclusion,
        "consistency": [],
        "unsealed": unsealed,
    }
