"""Client ``Idempotency-Key`` handling: a retried command never publishes a second event.

The ledger remembers, per caller and key, the fingerprint of the request body and the
response that was given. A retry with the same body gets the same response back; the same key
with a different body is refused with 409.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from services.runtime.errors import ApiError
from services.runtime.store.base import Store

MIGRATIONS = (
    """
    CREATE TABLE IF NOT EXISTS {db}.idempotency_keys (
        caller String,
        key String,
        fingerprint String,
        response String,
        created_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree(created_at)
    ORDER BY (caller, key)
    """,
)

MAX_KEY_LENGTH = 200


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay_headers(replayed: bool) -> dict[str, str]:
    """Response headers telling the client its retried command was not run again."""
    return {"Idempotent-Replayed": "true"} if replayed else {}


class IdempotencyLedger:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = asyncio.Lock()

    async def _lookup(self, caller: str, key: str) -> dict[str, Any] | None:
        rows = await self._store.query(
            "SELECT fingerprint, response FROM {db}.idempotency_keys FINAL "
            "WHERE caller = {caller:String} AND key = {key:String} LIMIT 1",
            {"caller": caller, "key": key},
        )
        return rows[0] if rows else None

    async def run(
        self,
        caller: str,
        key: str | None,
        body: Any,
        action: Callable[[], Awaitable[dict[str, Any]]],
    ) -> tuple[dict[str, Any], bool]:
        """Run ``action`` once per (caller, key). Returns (response, replayed)."""
        if key is None:
            return await action(), False
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ApiError(
                400,
                "invalid_idempotency_key",
                f"Idempotency-Key harus 1–{MAX_KEY_LENGTH} karakter.",
                f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} characters.",
            )
        digest = fingerprint(body)
        async with self._lock:
            seen = await self._lookup(caller, key)
            if seen is not None:
                if seen["fingerprint"] != digest:
                    raise ApiError(
                        409,
                        "idempotency_key_reused",
                        "Idempotency-Key ini sudah dipakai untuk permintaan lain.",
                        "This Idempotency-Key was already used for a different request.",
                    )
                replay: dict[str, Any] = json.loads(seen["response"])
                return replay, True
            response = await action()
            await self._store.insert(
                "idempotency_keys",
                [
                    {
                        "caller": caller,
                        "key": key,
                        "fingerprint": digest,
                        "response": json.dumps(response, default=str),
                        "created_at": datetime.now(UTC),
                    }
                ],
            )
            return response, False
