"""Reporting service: projects the event log into per-employee and per-OPD views.

Run: ``uvicorn --factory services.reporting.main:create_app``
"""

from __future__ import annotations

from fastapi import FastAPI

from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER
from services.reporting.attendance_routes import router as attendance_router
from services.reporting.domain.projection import rows_for
from services.reporting.opd_summary_routes import router as opd_summary_router
from services.reporting.policy_caps import register_policy_caps
from services.reporting.public_routes import PUBLIC_RESPONSES
from services.reporting.public_routes import router as public_router
from services.reporting.refresh import after_write
from services.reporting.report_routes import router as report_router
from services.reporting.reports_directory import register_reports_directory
from services.reporting.review_routes import router as review_router
from services.reporting.routes import router
from services.reporting.summary_publisher import router as summary_publisher_router
from services.reporting.summary_routes import router as summary_router
from services.reporting.tables import MIGRATIONS
from services.reporting.team_routes import router as team_router
from services.runtime.context import ServiceContext
from services.runtime.edge.roster_directory import register_roster_directory
from services.runtime.hosting.app import create_service
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.projection.stream import register_projector
from services.runtime.settings import Settings


def register_agents(ctx: ServiceContext) -> None:
    register_projector(
        ctx,
        "reporting",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
        rows_for,
        after_write=after_write(lambda: ctx.store),
    )
    register_roster_directory(ctx)
    register_reports_directory(ctx)
    register_policy_caps(ctx)


DEFINITION = ServiceDefinition(
    name="reporting",
    title="WFA Reporting / Pelaporan WFA",
    description="Per-employee and per-OPD views built from the event log.",
    migrations=MIGRATIONS,
    routers=[
        router,
        attendance_router,
        report_router,
        review_router,
        summary_router,
        team_router,
        opd_summary_router,
        summary_publisher_router,
    ],
    register_agents=register_agents,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service(DEFINITION, settings)
    # the public figures take no token: documented without the bearer's refusals
    app.include_router(public_router, responses=PUBLIC_RESPONSES)
    return app
