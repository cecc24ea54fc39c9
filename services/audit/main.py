"""Audit service: archives every event as it was on the log, for replay and verification.

Run: ``uvicorn --factory services.audit.main:create_app``
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from services.audit.checkpoint_routes import router as checkpoint_router
from services.audit.domain.archive import archive_row, archived_topics
from services.audit.routes import router
from services.audit.sealer import Sealer
from services.audit.tables import MIGRATIONS
from services.audit.time_travel_routes import router as time_travel_router
from services.audit.trail_routes import router as trail_router
from services.audit.verify_routes import router as verify_router
from services.runtime.context import ServiceContext, register
from services.runtime.edge.roster_directory import register_roster_directory
from services.runtime.hosting.app import create_service
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.projection.stream import StreamProjector, register_projector
from services.runtime.settings import Settings


def register_archive(
    ctx: ServiceContext, topics: Sequence[str], **options: Any
) -> tuple[Sealer, StreamProjector]:
    """The archive's projector on ``topics`` and the sealer, which seals what the projector
    wrote before the projector commits it. The projector reads each partition from where this
    instance's archive stopped (not from the group's commit), so an archive has no gap after
    another instance of the group held some partitions for a while."""
    sealer = Sealer(ctx.settings, ctx.store_port)
    register(ctx, sealer)  # started first: loads the log before the first batch
    projector = register_projector(
        ctx,
        "audit",
        topics,
        archive_row,
        after_write=sealer.after_write,
        resume_at=sealer.archived_up_to,
        **options,
    )
    sealer.group_id = projector.group_id
    return sealer, projector


def register_agents(ctx: ServiceContext) -> None:
    register_archive(ctx, archived_topics())
    register_roster_directory(ctx)  # callers are resolved on the roster


DEFINITION = ServiceDefinition(
    name="audit",
    title="WFA Audit / Audit WFA",
    description="The archive of every event, for auditors (Inspektorat, BPK) to replay and verify.",
    migrations=MIGRATIONS,
    routers=[router, trail_router, checkpoint_router, verify_router, time_travel_router],
    register_agents=register_agents,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
