"""Eligibility service: who may work from anywhere, and on which day.

Run: ``uvicorn --factory services.eligibility.main:create_app``

Each instance keeps full local replicas of the roster, the OPD policies (with the readiness
assessments) and the request log
(:mod:`services.runtime.projection.replica`), and takes part in the ``wfa-eligibility`` faust
group whose decider agent owns the work units of its partitions
(:mod:`services.eligibility.decider`).
"""

from __future__ import annotations

from fastapi import FastAPI

from schemas.topics import POLICIES, REQUESTS, ROSTER
from services.eligibility.decider import register_decider
from services.eligibility.domain.commands import commands_topic
from services.eligibility.domain.request_log import request_log_rows
from services.eligibility.domain.roster_projection import reference_rows
from services.eligibility.policy_routes import router as policy_router
from services.eligibility.readiness_routes import router as readiness_router
from services.eligibility.reference import REFERENCE, REQUEST_LOG
from services.eligibility.reference_memory import ReferenceMemory, ReferenceRoster
from services.eligibility.roster_routes import router as roster_router
from services.eligibility.routes import router as request_router
from services.eligibility.tables import MIGRATIONS
from services.runtime.context import ServiceContext, provide, register
from services.runtime.hosting.app import create_service
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.projection.replica import register_replica
from services.runtime.settings import Settings


def register_agents(ctx: ServiceContext) -> None:
    reference = register_replica(ctx, REFERENCE, (ROSTER, POLICIES), reference_rows)
    memory = provide(ctx, ReferenceMemory())  # the reference data in memory, for the routes
    reference.follow(memory)
    register(ctx, ReferenceRoster(memory, reference))  # callers resolve with it
    register_replica(ctx, REQUEST_LOG, (REQUESTS,), request_log_rows)
    register_decider(ctx, reference)


DEFINITION = ServiceDefinition(
    name="eligibility",
    title="WFA Eligibility / Kelayakan WFA",
    description=(
        "Roster, OPD policies and WFA requests decided under Permen PANRB 4/2025, with an "
        "explanation of every rule in Bahasa Indonesia and English."
    ),
    migrations=MIGRATIONS,
    routers=[request_router, roster_router, policy_router, readiness_router],
    register_agents=register_agents,
    topics=lambda settings: (commands_topic(settings.commands_topic),),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
