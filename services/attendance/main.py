"""Attendance service: geolocated check-ins, presence and device heartbeats.

Run: ``uvicorn --factory services.attendance.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from services.attendance.routes import router
from services.runtime.context import ServiceContext
from services.runtime.hosting import ServiceDefinition, create_service
from services.runtime.roster_directory import register_roster_directory
from services.runtime.settings import Settings


def register_components(ctx: ServiceContext) -> None:
    """Attendance reads the roster into memory to check who checks in, and for which OPD."""
    register_roster_directory(ctx)


DEFINITION = ServiceDefinition(
    name="attendance",
    title="WFA Attendance / Presensi WFA",
    description="Records geolocated check-ins and check-outs as events.",
    routers=[router],
    uses_store=False,
    register_agents=register_components,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
