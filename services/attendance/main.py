"""Attendance service: geolocated check-ins, presence and device heartbeats.

Run: ``uvicorn --factory services.attendance.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from services.attendance.routes import router
from services.runtime import idempotency
from services.runtime.hosting import ServiceDefinition, create_service
from services.runtime.settings import Settings

DEFINITION = ServiceDefinition(
    name="attendance",
    title="WFA Attendance / Presensi WFA",
    description="Records geolocated check-ins and check-outs as events.",
    migrations=idempotency.MIGRATIONS,
    routers=[router],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
