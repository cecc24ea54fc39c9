"""Reporting service: projects the event log into per-employee and per-OPD views.

Run: ``uvicorn --factory services.reporting.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from schemas.topics import ATTENDANCE, REQUESTS
from services.reporting.attendance_routes import router as attendance_router
from services.reporting.domain.projection import rows_for
from services.reporting.routes import router
from services.reporting.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.hosting import ServiceDefinition, create_service
from services.runtime.roster_directory import register_roster_directory
from services.runtime.settings import Settings
from services.runtime.stream_projection import register_projector


def register_agents(ctx: ServiceContext) -> None:
    register_projector(ctx, "reporting", (REQUESTS, ATTENDANCE), rows_for)
    register_roster_directory(ctx)


DEFINITION = ServiceDefinition(
    name="reporting",
    title="WFA Reporting / Pelaporan WFA",
    description="Per-employee and per-OPD views built from the event log.",
    migrations=MIGRATIONS,
    routers=[router, attendance_router],
    register_agents=register_agents,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
