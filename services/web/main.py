"""The web gateway: the browser app and the four services' APIs under one origin.

Run: ``uvicorn --factory services.web.main:create_app`` (port 8000 in the demo, ``WEB_PORT``)

It owns no data and uses no Kafka. It serves the app's files under ``/app/`` and the public
page at ``/transparansi`` (:mod:`services.web.pages`), passes ``/policies``, ``/roster``,
``/wfa``, ``/attendance``, ``/reporting``, ``/reports``, ``/public`` and ``/audit`` to the
service that owns them (:mod:`services.web.proxy`), composes the readiness study
(:mod:`services.web.readiness_route`), signs people in through the province's identity provider
when one is configured (:mod:`services.web.sso`) and, while the demo is on
(``WEB_DEMO_LOGIN=1``), offers one-click demo logins (:mod:`services.web.demo_login`). CORS
stays closed and every answer carries the security headers of :mod:`services.web.headers`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.runtime.edge.body_limit import install_body_limit
from services.runtime.edge.errors import install_error_handlers
from services.runtime.edge.telemetry import RequestTelemetry, metrics_route
from services.runtime.logs import configure_logging
from services.runtime.metrics import SERVICE_INFO
from services.runtime.tracing import configure_tracing, shutdown_tracing
from services.web.demo_login import router as demo_router
from services.web.headers import SecurityHeaders
from services.web.pages import install_pages
from services.web.proxy import install_proxy
from services.web.readiness_route import router as readiness_router
from services.web.settings import WebSettings
from services.web.sso import router as sso_router
from services.web.upstream import make_client


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # JSON lines (LOG_FORMAT=console for a terminal); uvicorn's access log, which writes
        # query strings (NIPs among them), is off: the gateway never writes them
        configure_logging("web")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL it calls
        configure_tracing("web", settings.tracing, endpoint=settings.otel_exporter_otlp_endpoint)
        try:
            async with make_client(settings.upstream_timeout_s) as client:
                app.state.http = client
                yield
        finally:
            shutdown_tracing()

    app = FastAPI(
        title="WFA web / Aplikasi web WFA",
        description=(
            "The browser app and the platform's APIs under one origin, with one-click demo "
            "logins while the demo is on and the readiness study of each OPD."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    SERVICE_INFO.labels("web").set(1)
    metrics_route(app)  # GET /metrics, before the proxy's paths
    app.include_router(demo_router)
    app.include_router(sso_router)
    app.include_router(readiness_router)
    install_proxy(app, settings)
    install_pages(app, settings)
    install_body_limit(app, settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # also on the body limit's 413
    app.add_middleware(RequestTelemetry)  # outermost: the request id and figures of every answer
    return app
