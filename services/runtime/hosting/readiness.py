"""Readiness of one service process, and the gate in front of its routes.

``/ready`` answers 200 only when the boot is done (:mod:`services.runtime.hosting.boot`), every
component and replica has caught up with the log, and faust's tables are recovered. Until then
a write answers 503 ``not_ready`` with ``Retry-After``: nothing is decided on state that is not
yet restored. Once ready, the service takes writes for good: a later rebalance does not refuse
them (commands wait on their topic until the decider owns them again); ``/ready`` still
reports it.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import faust
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.context import ServiceContext
from services.runtime.edge.errors import error_body
from services.runtime.hosting.boot import Boot, replicas_then_components
from services.runtime.hosting.topics import faust_needed
from services.runtime.projection.replica import LocalReplica

access_log = logging.getLogger("wfa.access")

#: paths served before the service is booted
ALWAYS_OPEN = frozenset({"/", "/health", "/ready", "/metrics", "/docs", "/redoc", "/openapi.json"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _faust_ready(app: faust.App) -> bool:
    if app.rebalancing:
        return False
    recovery = app.tables.recovery  # type: ignore[attr-defined]
    return bool(recovery.completed.is_set())


class Readiness:
    """Whether one service is ready now, and whether it has been (it takes writes)."""

    def __init__(self, boot: Boot) -> None:
        self.boot = boot

    def checks(self) -> tuple[bool, dict[str, Any]]:
        """Ready now, and each check by name (``booted``, ``ledger``, ``replica:<name>``, every
        component's name, ``faust``)."""
        boot, ctx = self.boot, self.boot.ctx
        checks: dict[str, Any] = {"booted": boot.booted}
        if boot.booted:
            checks["ledger"] = ctx.ledger_port.is_open and ctx.idempotency.ready()
            for part in replicas_then_components(ctx):
                name = f"replica:{part.name}" if isinstance(part, LocalReplica) else part.name
                checks[name] = part.ready()
            if faust_needed(ctx.faust_app):
                checks["faust"] = boot.faust_running and _faust_ready(ctx.faust_app)
        return all(v for v in checks.values()), checks

    def ready(self) -> bool:
        return self.checks()[0]

    def accepts_writes(self) -> bool:
        """Ready once: from then on a rebalance does not refuse writes."""
        if not self.boot.accepted_writes:
            self.boot.accepted_writes = self.ready()
        return self.boot.accepted_writes

    async def answer(self) -> JSONResponse:
        """The body of ``/ready``: 200 when ready, else 503 ``not_ready`` with the checks."""
        boot, ctx = self.boot, self.boot.ctx
        definition = boot.definition
        ok, checks = self.checks()
        kafka_ok = ctx.publisher_port.is_open and await ctx.publisher.reachable()
        store_ok = not definition.uses_store or (ctx.store_port.is_open and await ctx.store.ping())
        body: dict[str, Any] = {
            "ready": ok and kafka_ok and store_ok,
            "kafka": kafka_ok,
            "store": store_ok if definition.uses_store else None,
            "checks": checks,
            "service": definition.name,
        }
        if boot.failed:
            body["failed"] = boot.failed
        if body["ready"]:
            return JSONResponse(body)
        body.update(
            error_body(
                "not_ready",
                "Layanan belum siap: Kafka, basis data atau pemulihan status belum selesai.",
                "Service not ready: Kafka, the store or restoring its state is not done yet.",
            )
        )
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})


class ServiceGate:
    """Refuses what cannot be served yet (503 ``not_ready``) and writes the access log.

    Before boot only the open paths answer; until ready, writes answer 503. The access log
    line has the method, the path without its query string, the status and the duration;
    ``sampled`` logs every answer >= 400 and one success in a hundred.
    """

    def __init__(
        self, app: ASGIApp, *, boot: Boot, ctx: ServiceContext, access: str, service: str
    ) -> None:
        self.app = app
        self.boot = boot
        self.ctx = ctx
        self.access = access
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path not in ALWAYS_OPEN and (
            not self.boot.booted or (method not in READ_METHODS and not self.ctx.is_ready())
        ):
            await _not_ready(scope, receive, send)
            return
        if self.access == "off":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if self.access == "all" or status >= 400 or random.random() < 0.01:
                elapsed_ms = (time.perf_counter() - started) * 1000
                access_log.info(
                    "%s %s %s %d %.1fms",
                    self.service,
                    method,
                    path,
                    status,
                    elapsed_ms,
                    extra={
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": round(elapsed_ms, 1),
                    },
                )


async def _not_ready(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        error_body(
            "not_ready",
            "Layanan sedang memulai dan memulihkan statusnya; coba lagi sebentar.",
            "The service is starting and restoring its state; try again shortly.",
        ),
        status_code=503,
        headers={"Retry-After": "2"},
    )
    await response(scope, receive, send)
