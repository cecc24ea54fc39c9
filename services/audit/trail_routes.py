"""Trails by ASN, OPD, supervisor, period and event type; exports with proofs; the access log."""

from __future__ import annotations

from services.runtime.routing import service_router

router = service_router("/audit", ["audit"])
