"""What the HTTP edge tells about every request: its id, and its count and latency.

:class:`RequestTelemetry` is the outermost middleware of every service (the common app
factory and the web gateway add it). For each request it:

* takes the caller's ``X-Request-ID`` (or ``X-Correlation-ID``) when it is a plain token,
  else makes one; binds it for the logs and the produced records
  (:func:`services.runtime.logs.bound_request_id`) and answers it in ``X-Request-ID``;
* counts the answer and observes its latency by method, route *template* (``/wfa/requests/
  {request_id}``, never the path itself: no NIP or id ever becomes a label) and status.
  A path no route matched is counted as ``<unmatched>``;
* while tracing is on (:mod:`services.runtime.tracing`), answers it under a SERVER span named
  by the same method and route template, with its status.

``GET /metrics`` (:func:`metrics_route`) answers the process's metrics without a token.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime import metrics, tracing
from services.runtime.edge.routing import ROUTE_TEMPLATE_KEY
from services.runtime.logs import (
    REQUEST_ID_HTTP_HEADERS,
    accepted_request_id,
    bound_request_id,
    new_request_id,
)

UNMATCHED = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The template of the route that answered, or ``<unmatched>``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    template = scope.get(ROUTE_TEMPLATE_KEY)
    return template if isinstance(template, str) else UNMATCHED


class RequestTelemetry:
    """Request id, request counts and latencies (see the module's description)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_of(scope) or new_request_id()
        header = (b"x-request-id", request_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        active = tracing.tracer()
        with bound_request_id(request_id):
            span = None if active is None else tracing.ServerSpan(active, scope, request_id)
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                labels = (scope["method"], route_template(scope), str(status))
                metrics.HTTP_REQUESTS.labels(*labels).inc()
                metrics.HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)
                if span is not None:
                    span.end(labels[1], status)


def _request_id_of(scope: Scope) -> str | None:
    headers = dict(scope.get("headers") or ())
    for name in REQUEST_ID_HTTP_HEADERS:
        accepted = accepted_request_id(headers.get(name))
        if accepted is not None:
            return accepted
    return None


def metrics_route(app: FastAPI) -> None:
    """``GET /metrics``: the Prometheus exposition of this process, without a token."""

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)


def install_telemetry(app: FastAPI) -> None:
    """Add :class:`RequestTelemetry` (last, so it is the outermost) and ``/metrics``."""
    metrics_route(app)
    app.add_middleware(RequestTelemetry)
