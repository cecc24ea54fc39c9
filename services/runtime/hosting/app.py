"""One ASGI process per service: its FastAPI app and its faust worker share one event loop.

uvicorn drives. The lifespan only starts the boot task (:mod:`services.runtime.hosting.boot`)
and returns at once, so ``/health`` answers from the first moment; ``/ready`` and the gate in
front of the routes answer from :mod:`services.runtime.hosting.readiness`. What a service
declares is a :class:`~services.runtime.hosting.definition.ServiceDefinition`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from services.runtime.context import ServiceContext
from services.runtime.edge.body_limit import install_body_limit
from services.runtime.edge.errors import error_response, install_error_handlers
from services.runtime.edge.ops_routes import router as ops_router
from services.runtime.edge.rate_limit import install_rate_limits
from services.runtime.edge.routing import install_body_components, install_hot_routes
from services.runtime.edge.telemetry import install_telemetry
from services.runtime.hosting.boot import Boot, build_context
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.hosting.readiness import Readiness, ServiceGate
from services.runtime.logs import configure_logging
from services.runtime.metrics import KAFKA_AVAILABLE, READY, SERVICE_INFO, set_probe
from services.runtime.settings import Settings
from services.runtime.tracing import configure_tracing, shutdown_tracing

COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: error_response("No valid bearer token / Token tidak ada atau tidak valid."),
    403: error_response("The caller may not do this / Pemanggil tidak berwenang."),
    413: error_response("The body is too large / Isi permintaan terlalu besar."),
    422: error_response("The request is invalid / Permintaan tidak valid."),
    503: error_response(
        "Not ready, or Kafka is away; nothing was recorded; see Retry-After / "
        "Belum siap atau Kafka tidak tersedia; tidak ada yang tercatat."
    ),
}


def create_service(definition: ServiceDefinition, settings: Settings | None = None) -> FastAPI:
    """The service's app: its context built and its parts registered now; the store, Kafka
    and the parts started by the boot once the app is served."""
    settings = settings or Settings(SERVICE_NAME=definition.name)  # type: ignore[call-arg]
    if settings.service_name != definition.name:
        settings = settings.model_copy(update={"service_name": definition.name})
    ctx = build_context(settings)
    if definition.register_agents is not None:
        definition.register_agents(ctx)
    boot = Boot(definition, ctx)
    readiness = Readiness(boot)
    ctx.answer_readiness_with(readiness.accepts_writes)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging(definition.name, settings.log_format)
        configure_tracing(
            definition.name, settings.tracing, endpoint=settings.otel_exporter_otlp_endpoint
        )
        boot.task = asyncio.create_task(boot.run(readiness.ready), name=f"{definition.name}-boot")
        try:
            yield
        finally:
            if not boot.task.done():
                boot.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await boot.task
            await boot.stack.aclose()
            shutdown_tracing()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=definition.tags or None,
    )
    app.state.context = ctx
    install_error_handlers(app)
    install_hot_routes(app)  # innermost: inside the body limit and the service gate
    install_body_limit(app, settings.max_body_bytes)

    @app.get("/", include_in_schema=False)
    async def landing() -> HTMLResponse:
        return HTMLResponse(_landing_page(definition))

    @app.get("/health", tags=["ops"], summary="Liveness: the process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get(
        "/ready",
        tags=["ops"],
        summary="Readiness: Kafka reachable, store open, state restored and caught up",
        responses={503: error_response("Not ready yet / Belum siap.")},
    )
    async def ready() -> JSONResponse:
        return await readiness.answer()

    for router in definition.routers:
        app.include_router(router, responses=COMMON_RESPONSES)
    if definition.uses_store:  # what its projections hold, for a replay to compare with
        app.include_router(ops_router, responses=COMMON_RESPONSES)
    install_body_components(app)
    install_rate_limits(app, settings)  # inside the gate: a 429 is in the access log
    app.add_middleware(
        ServiceGate, boot=boot, ctx=ctx, access=settings.access_log, service=definition.name
    )
    install_telemetry(app)  # outermost: the request id and the figures of every answer
    SERVICE_INFO.labels(definition.name).set(1)
    set_probe(READY, readiness.ready)
    set_probe(KAFKA_AVAILABLE, _kafka_available(ctx))
    return app


def _kafka_available(ctx: ServiceContext) -> Callable[[], bool]:
    def available() -> bool:
        return ctx.publisher_port.is_open and bool(getattr(ctx.publisher, "available", True))

    return available


def _landing_page(definition: ServiceDefinition) -> str:
    title = html.escape(definition.title)
    description = html.escape(definition.description)
    links = [
        ("/docs", "Dokumentasi API (Swagger UI) / API documentation"),
        ("/redoc", "Dokumentasi API (ReDoc) / API reference"),
        ("/openapi.json", "OpenAPI JSON"),
        ("/health", "Status proses / Liveness"),
        ("/ready", "Kesiapan layanan / Readiness"),
    ]
    items = "\n".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in links)
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;
line-height:1.5}}</style></head>
<body><h1>{title}</h1><p>{description}</p>
<p>Platform akuntabilitas Work From Anywhere ASN (Permen PANRB 4/2025).<br>
Work From Anywhere accountability platform for civil servants.</p>
<ul>
{items}
</ul></body></html>
"""
