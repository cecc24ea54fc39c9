"""Verification of the archive and the Kafka topics against the signed checkpoints."""

from __future__ import annotations

from services.runtime.routing import service_router

router = service_router("/audit", ["audit"])
