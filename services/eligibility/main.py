"""Eligibility service: who may work from anywhere, and on which day.

Run: ``uvicorn --factory services.eligibility.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from services.eligibility.routes import router
from services.runtime import idempotency
from services.runtime.hosting import ServiceDefinition, create_service
from services.runtime.settings import Settings

DEFINITION = ServiceDefinition(
    name="eligibility",
    title="WFA Eligibility / Kelayakan WFA",
    description="Receives WFA requests and decides them under Permen PANRB 4/2025.",
    migrations=idempotency.MIGRATIONS,
    routers=[router],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
