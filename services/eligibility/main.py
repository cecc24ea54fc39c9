"""Eligibility service: who may work from anywhere, and on which day.

Run: ``uvicorn --factory services.eligibility.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from schemas.topics import ROSTER
from services.eligibility.domain.roster_projection import roster_rows
from services.eligibility.roster_routes import router as roster_router
from services.eligibility.routes import router
from services.eligibility.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting import ServiceDefinition, create_service
from services.runtime.projection import register_projector
from services.runtime.settings import Settings


def register_agents(ctx: ServiceContext) -> None:
    register_projector(ctx, "eligibility-roster", (ROSTER,), roster_rows)


DEFINITION = ServiceDefinition(
    name="eligibility",
    title="WFA Eligibility / Kelayakan WFA",
    description="Receives WFA requests and decides them under Permen PANRB 4/2025.",
    migrations=MIGRATIONS,
    routers=[router, roster_router],
    register_agents=register_agents,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
