"""One ASGI process per service: its FastAPI app and its faust worker share one event loop.

uvicorn drives; faust is started and stopped from the FastAPI lifespan
(:func:`faust.contrib.asgi.faust_app_running`). Nothing is connected at import time: the
factory only declares, and the lifespan opens the store, creates topics, starts the
publisher and then the faust worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import faust
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from faust.contrib.asgi import faust_app_running

from schemas.topics import TOPICS, TopicSpec
from services.runtime.context import ServiceContext
from services.runtime.errors import error_body, install_error_handlers
from services.runtime.kafka import EventPublisher, ensure_topics
from services.runtime.settings import Settings
from services.runtime.store import open_store

log = logging.getLogger(__name__)

KAFKA_STARTUP_TIMEOUT_S = 90.0


@dataclass
class ServiceDefinition:
    """What makes one service: its tables, routes and agents."""

    name: str
    title: str
    description: str
    migrations: Sequence[str] = ()
    routers: Sequence[APIRouter] = ()
    register_agents: Callable[[ServiceContext], None] | None = None
    topics: Callable[[Settings], Sequence[TopicSpec]] = lambda settings: ()
    """Internal topics of the service, created beside the contract's topics."""
    tags: list[dict[str, str]] = field(default_factory=list)


def make_faust_app(settings: Settings) -> faust.App:
    brokers = ";".join(f"kafka://{server}" for server in settings.kafka_servers)
    datadir = settings.service_data_dir / "faust"
    return faust.App(
        settings.group_id,
        broker=brokers,
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        producer_acks=-1,
        stream_wait_empty=False,
    )


async def _wait_for_kafka(settings: Settings, extra: Sequence[TopicSpec]) -> None:
    deadline = time.monotonic() + KAFKA_STARTUP_TIMEOUT_S
    while True:
        try:
            await ensure_topics(
                settings.kafka_servers,
                (*TOPICS, *extra),
                partitions=settings.topic_partitions,
                replication=settings.topic_replication,
            )
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Kafka at {settings.kafka_bootstrap} is not reachable: {exc}"
                ) from exc
            log.warning("waiting for Kafka at %s (%s)", settings.kafka_bootstrap, exc)
            await asyncio.sleep(1.0)


def create_service(definition: ServiceDefinition, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings(SERVICE_NAME=definition.name)  # type: ignore[call-arg]
    if settings.service_name != definition.name:
        settings = settings.model_copy(update={"service_name": definition.name})
    ctx = ServiceContext(settings=settings, faust_app=make_faust_app(settings))
    if definition.register_agents is not None:
        definition.register_agents(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        store = open_store(settings)
        ctx._store = store
        try:
            await store.migrate(definition.migrations)
            await _wait_for_kafka(settings, definition.topics(settings))
            publisher = EventPublisher(settings.kafka_servers, f"wfa-{definition.name}")
            await publisher.start()
            ctx._publisher = publisher
            try:
                for replica in ctx.replicas:
                    await replica.start()
                for component in ctx.components:
                    await component.start()
                async with faust_app_running(ctx.faust_app, stop_timeout=15.0):
                    log.info("%s service ready", definition.name)
                    yield
            finally:
                for component in reversed(ctx.components):
                    await component.stop()
                for replica in ctx.replicas:
                    await replica.stop()
                await publisher.stop()
        finally:
            await store.close()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=definition.tags or None,
    )
    app.state.context = ctx
    install_error_handlers(app)

    @app.get("/health", tags=["ops"], summary="Liveness: the process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get("/ready", tags=["ops"], summary="Readiness: Kafka reachable and store open")
    async def ready() -> JSONResponse:
        kafka_ok = ctx._publisher is not None and await ctx._publisher.reachable()
        store_ok = ctx._store is not None and await ctx._store.ping()
        body = {
            "ready": kafka_ok and store_ok,
            "kafka": kafka_ok,
            "store": store_ok,
            "service": definition.name,
        }
        if body["ready"]:
            return JSONResponse(body)
        body.update(
            error_body(
                "not_ready",
                "Layanan belum siap: Kafka atau basis data belum tersedia.",
                "Service not ready: Kafka or the store is unavailable.",
            )
        )
        return JSONResponse(body, status_code=503)

    for router in definition.routers:
        app.include_router(router)
    return app
