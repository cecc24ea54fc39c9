"""Attendance service: geolocated check-ins, presence and device heartbeats.

Run: ``uvicorn --factory services.attendance.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from services.attendance.device_routes import router as device_router
from services.attendance.facts_directory import register_facts_directory
from services.attendance.geofence_routes import router as geofence_router
from services.attendance.location_routes import router as location_router
from services.attendance.purge import LocationPurger
from services.attendance.routes import router
from services.runtime.context import ServiceContext, register
from services.runtime.edge.roster_directory import register_roster_directory
from services.runtime.hosting.app import create_service
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.settings import Settings


def register_components(ctx: ServiceContext) -> None:
    """Attendance reads the roster into memory to check who checks in, and for which OPD, and
    the geofences, policies, approved WFA days and bound devices it judges presence by."""
    register_roster_directory(ctx)
    register_facts_directory(ctx)
    register(ctx, LocationPurger(ctx.settings))


DEFINITION = ServiceDefinition(
    name="attendance",
    title="WFA Attendance / Presensi WFA",
    description=(
        "Records check-ins, check-outs, location pings and device heartbeats as derived facts, "
        "precise positions on a restricted topic, and the anomalies decidable on receipt."
    ),
    routers=[router, device_router, geofence_router, location_router],
    uses_store=False,
    register_agents=register_components,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
