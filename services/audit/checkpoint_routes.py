"""Signed checkpoints, the public key and proofs (RFC 9162).

Checkpoints, consistency proofs and the public key hold no personal data: anyone may read them
(no token), as from a transparency log, and keep them to hold the operator to its history. An
inclusion proof names an event: auditors and BKD read any, an employee those about themselves.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query

from schemas.events import NIP_PATTERN
from services.audit.messages import MESSAGES
from services.audit.proofs import consistency_between, inclusion_for
from services.audit.sealer import Sealer
from services.runtime.context import component
from services.runtime.edge.access_log import Purpose, record_row_accesses
from services.runtime.edge.caller_scope import resolve_caller
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Role
from services.runtime.edge.roster_directory import RosterLookup
from services.runtime.edge.routing import service_router

router = service_router("/audit", ["audit"])

MAX_SIZE = 2**63 - 1
_BLOCK_COLUMNS = (
    "block, first_index, size, tree_size, ranges, block_root, prev_head, head, tree_root, "
    "checkpoint, signature, public_key, sealed_at"
)


@router.get("/public-key", summary="The checkpoints' public key / Kunci publik checkpoint")
async def public_key(ctx: Context) -> dict[str, Any]:
    sealer = component(ctx, Sealer)
    return {
        "algorithm": "Ed25519",
        "public_key": sealer.public_key,
        "encoding": "base64 of the 32 raw bytes",
        "origin": sealer.origin,
    }


@router.get(
    "/checkpoints", summary="Signed checkpoints, one per block / Checkpoint bertanda tangan"
)
async def checkpoints(
    ctx: Context,
    after_block: Annotated[
        int, Query(ge=-1, le=MAX_SIZE, description="Blocks after this one.")
    ] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    rows = await ctx.store.query(
        f"SELECT {_BLOCK_COLUMNS} FROM {{db}}.seal_blocks FINAL "
        "WHERE toInt64(block) > {after:Int64} ORDER BY block LIMIT {limit:UInt32}",
        {"after": after_block, "limit": limit},
    )
    return {"items": rows, "count": len(rows), "public_key": component(ctx, Sealer).public_key}


@router.get("/checkpoints/latest", summary="The latest signed checkpoint / Checkpoint terakhir")
async def latest(ctx: Context) -> dict[str, Any]:
    sealer = component(ctx, Sealer)
    if sealer.latest is None:
        raise ApiError(
            404,
            "log_empty",
            *MESSAGES.text("log_empty"),
        )
    return {
        "tree_size": sealer.latest.checkpoint.tree_size,
        "root": sealer.latest.checkpoint.root_hash.hex(),
        "checkpoint": sealer.latest.text,
        "signature": sealer.latest.signature,
        "public_key": sealer.public_key,
        "blocks": sealer.blocks,
        "pending": len(sealer.pending),
    }


@router.get(
    "/proofs/consistency",
    summary="Proof that one checkpoint extends another / Bukti konsistensi dua checkpoint",
)
async def consistency(
    ctx: Context,
    first: Annotated[int, Query(ge=0, le=MAX_SIZE, description="Size of the older checkpoint.")],
    second: Annotated[int, Query(ge=0, le=MAX_SIZE, description="Size of the newer checkpoint.")],
) -> dict[str, Any]:
    return await consistency_between(ctx, first, second)


@router.get(
    "/proofs/inclusion", summary="Proof that an event is in the log / Bukti inklusi peristiwa"
)
async def inclusion(
    ctx: Context,
    user: CurrentUser,
    event_id: Annotated[str, Query(min_length=1, max_length=100)],
    tree_size: Annotated[
        int | None, Query(ge=1, le=MAX_SIZE, description="A signed size (default: the latest).")
    ] = None,
    purpose: Purpose = "",
) -> dict[str, Any]:
    await resolve_caller(user, component(ctx, RosterLookup))  # a token the roster contradicts: 403
    rows = await ctx.store.query(
        "SELECT event_id, subject, opd_id, topic, partition, offset, raw "
        "FROM {db}.event_archive FINAL "
        "WHERE event_id = {id:String} ORDER BY topic, partition, offset LIMIT 1",
        {"id": event_id},
    )
    if not rows or (
        user.role not in (Role.AUDITOR, Role.ADMIN_BKD) and rows[0]["subject"] != user.nip
    ):
        # the same answer whether it is absent or someone else's: ids reveal nothing
        raise ApiError(
            404,
            "event_not_found",
            *MESSAGES.text("event_not_found", event_id=event_id),
        )
    row = rows[0]
    proof = (await inclusion_for(ctx, [event_id], tree_size))[event_id]
    if proof is not None and re.fullmatch(NIP_PATTERN, str(row["subject"])):
        await record_row_accesses(  # the event itself is answered: someone else's is logged
            ctx,
            user,
            rows,
            data_kind="audit_event",
            route="/audit/proofs/inclusion",
            purpose=purpose,
            nip_key="subject",
        )
    if proof is None:
        raise ApiError(
            409,
            "event_not_sealed",
            *MESSAGES.text("event_not_sealed", event_id=event_id),
            headers={"Retry-After": "5"},
        )
    event = {k: row[k] for k in ("topic", "partition", "offset", "raw")}
    return {"event_id": event_id, "event": {**event, "event_id": event_id}, **proof}
