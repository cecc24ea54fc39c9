"""Signed checkpoints, the public key and proofs (RFC 9162)."""

from __future__ import annotations

from services.runtime.routing import service_router

router = service_router("/audit", ["audit"])
