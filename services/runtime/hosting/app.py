"""One ASGI process per service: its FastAPI app and its faust worker share one event loop.

uvicorn drives. The lifespan only starts a *boot* task and returns at once, so ``/health``
answers from the first moment. The boot task, in order:

1. opens the store (services that keep one) and runs its migrations;
2. declares every topic the service needs: the contract's, the service's own, its
   idempotency ledger, and the changelog of every faust table with the partition count of
   its source (broker-side auto-creation is off: a topic created by accident would have the
   wrong partition count and the tables would hold nothing). Topics that hold precise
   positions (the contract's ``RESTRICTED_TOPICS`` and the service's ``restricted_topics``)
   keep records only for ``LOCATION_RETENTION_DAYS``
   (:mod:`~services.runtime.kafka.restricted_topics`);
3. starts the publisher, the idempotency ledger, the replicas and the components;
4. starts the faust worker, when the service has agents or tables.

``/ready`` answers 200 only when all of that is up, every component and replica has caught
up with the log, and faust's tables are recovered. Until then a write answers 503
``not_ready`` with ``Retry-After``: nothing is decided on state that is not yet restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import faust
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from faust.contrib.asgi import faust_app_running
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.topics import DEFAULT_PARTITIONS, RESTRICTED_TOPICS, TOPICS, TopicSpec
from services.runtime.context import ServiceContext
from services.runtime.edge.body_limit import install_body_limit
from services.runtime.edge.errors import error_body, error_response, install_error_handlers
from services.runtime.edge.idempotency import IdempotencyLedger, ledger_topic
from services.runtime.edge.ops_routes import router as ops_router
from services.runtime.edge.routing import install_body_components, install_hot_routes
from services.runtime.hosting.boot import make_faust_app
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.kafka.broker import EventPublisher, ensure_topics, topic_partitions
from services.runtime.kafka.restricted_topics import restrict_existing, restricted_config
from services.runtime.settings import Settings
from services.runtime.store import open_store

log = logging.getLogger(__name__)
access_log = logging.getLogger("wfa.access")

KAFKA_STARTUP_TIMEOUT_S = 90.0
#: paths served before the service is booted
ALWAYS_OPEN = frozenset({"/", "/health", "/ready", "/docs", "/redoc", "/openapi.json"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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


def _faust_needed(app: faust.App) -> bool:
    return bool(app.agents) or bool(app.tables)


def _faust_topics(
    app: faust.App, settings: Settings, restricted: frozenset[str] = frozenset()
) -> tuple[list[TopicSpec], dict[str, Any]]:
    """The changelog topic of every table, compacted, with its source's partition count.

    A changelog named in ``restricted`` (its table holds positions) is also deleted by age,
    with the location retention.
    """
    specs: list[TopicSpec] = []
    partitions: dict[str, int] = {}
    configs: dict[str, dict[str, str]] = {}
    for table in app.tables.values():
        name = table.changelog_topic.get_topic_name()
        specs.append(TopicSpec(name=name, description=f"changelog of {table.name}", key="key"))
        partitions[name] = table.partitions or settings.topic_partitions
        configs[name] = (
            restricted_config(settings, compacted=True)
            if name in restricted
            else {"cleanup.policy": "compact"}
        )
    return specs, {"partitions_of": partitions, "configs": configs}


def _restricted_configs(
    specs: Sequence[TopicSpec], restricted: frozenset[str], settings: Settings
) -> dict[str, dict[str, str]]:
    """The config of every restricted topic among ``specs``."""
    return {
        spec.name: restricted_config(settings)
        for spec in specs
        if spec.name in RESTRICTED_TOPICS or spec.name in restricted
    }


class StateTopicMismatch(RuntimeError):
    """A table's changelog cannot hold the table's state; retrying will not help."""


async def _check_table_partitions(settings: Settings, expected: dict[str, int]) -> None:
    """Every changelog is complete and has its source's partition count, or boot stops.

    A changelog with another count (created by hand, or by a broker that auto-creates
    topics) would make every table write fail: the service would decide without holding
    anything. It is refused loudly instead, with what to do about it.
    """
    actual = await topic_partitions(settings.kafka_servers, list(expected))
    wrong = {name: (actual.get(name), n) for name, n in expected.items() if actual.get(name) != n}
    if wrong:
        details = "; ".join(
            f"{name} has {got} partitions, needs {n}" for name, (got, n) in wrong.items()
        )
        raise StateTopicMismatch(
            f"state topics with the wrong partition count ({details}). They hold no state a "
            "decision can rely on: delete them (they are rebuilt from the commands) or set "
            "TOPIC_PARTITIONS to match."
        )


class _Boot:
    """What the background boot has brought up so far."""

    def __init__(self) -> None:
        self.booted = False
        self.faust_running = False
        self.failed: str | None = None
        self.accepted_writes = False
        self.stack = AsyncExitStack()
        self.task: asyncio.Task[None] | None = None


def _faust_ready(app: faust.App) -> bool:
    if app.rebalancing:
        return False
    recovery = app.tables.recovery  # type: ignore[attr-defined]
    return bool(recovery.completed.is_set())


async def _wait_for_kafka(settings: Settings, action: Callable[[], Any]) -> None:
    deadline = time.monotonic() + KAFKA_STARTUP_TIMEOUT_S
    while True:
        try:
            await action()
            return
        except StateTopicMismatch:
            raise
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
    boot = _Boot()

    async def start_everything() -> None:
        stack = boot.stack
        if definition.uses_store:
            store = open_store(settings)
            ctx._store = store
            stack.push_async_callback(store.close)
            await store.migrate(definition.migrations)
        use_faust = _faust_needed(ctx.faust_app)
        if use_faust:
            ctx.faust_app.finalize()
            # faust makes its data directory but not its parents (no store made them here)
            settings.service_data_dir.mkdir(parents=True, exist_ok=True)
        ledger_spec, ledger_config = ledger_topic(
            settings.idempotency_topic, settings.idempotency_retention_h
        )
        restricted = frozenset(definition.restricted_topics(settings))
        table_specs, table_options = (
            _faust_topics(ctx.faust_app, settings, restricted) if use_faust else ([], {})
        )
        event_specs = (*TOPICS, *definition.topics(settings), ledger_spec)
        event_configs = _restricted_configs(event_specs, restricted, settings)

        async def declare() -> None:
            await ensure_topics(
                settings.kafka_servers,
                event_specs,
                partitions=settings.topic_partitions,
                replication=settings.topic_replication,
                configs={**event_configs, ledger_spec.name: ledger_config},
                # a contract topic with a partition count of its own keeps it (geofences: 1)
                partitions_of={
                    spec.name: spec.partitions
                    for spec in TOPICS
                    if spec.partitions != DEFAULT_PARTITIONS
                },
            )
            if table_specs:
                await ensure_topics(
                    settings.kafka_servers,
                    table_specs,
                    partitions=settings.topic_partitions,
                    replication=settings.topic_replication,
                    **table_options,
                )
                await _check_table_partitions(settings, table_options["partitions_of"])
            await restrict_existing(
                settings.kafka_servers,
                {
                    **event_configs,
                    **{
                        name: config
                        for name, config in table_options.get("configs", {}).items()
                        if name in restricted
                    },
                },
            )

        await _wait_for_kafka(settings, declare)
        publisher = EventPublisher(
            settings.kafka_servers,
            f"wfa-{definition.name}",
            publish_timeout_s=settings.kafka_publish_timeout_s,
            linger_ms=settings.kafka_linger_ms,
            max_batch_bytes=settings.kafka_batch_bytes,
        )
        await publisher.start()
        ctx._publisher = publisher
        stack.push_async_callback(publisher.stop)
        ledger = IdempotencyLedger(ctx)
        await ledger.start()
        ctx._ledger = ledger
        stack.push_async_callback(ledger.stop)
        for replica in ctx.replicas:
            await replica.start()
            stack.push_async_callback(replica.stop)
        for component in ctx.components:
            await component.start()
            stack.push_async_callback(component.stop)
        boot.booted = True
        # what is alive now (modules, schemas, the roster in memory) lives as long as the
        # process: keep the collector from walking it again on every collection
        gc.freeze()
        if use_faust:
            await stack.enter_async_context(faust_app_running(ctx.faust_app, stop_timeout=15.0))
            boot.faust_running = True
        log.info("%s service started; ready once caught up", definition.name)

    async def run_boot() -> None:
        try:
            await start_everything()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            boot.failed = f"{type(exc).__name__}: {exc}"
            log.exception("%s service failed to start", definition.name)
            return
        # the first moment everything is caught up opens the service to writes for good, even
        # if a rebalance (another instance joining) follows before the first write arrives
        while not boot.accepted_writes:
            boot.accepted_writes = is_ready()[0]
            await asyncio.sleep(0.1)
        log.info("%s service ready", definition.name)

    def is_ready() -> tuple[bool, dict[str, Any]]:
        checks: dict[str, Any] = {"booted": boot.booted}
        if boot.booted:
            checks["ledger"] = ctx._ledger is not None and ctx._ledger.ready()
            for replica in ctx.replicas:
                checks[f"replica:{replica.name}"] = replica.ready()
            for component in ctx.components:
                checks[component.name] = component.ready()
            if _faust_needed(ctx.faust_app):
                checks["faust"] = boot.faust_running and _faust_ready(ctx.faust_app)
        return all(v for v in checks.values()), checks

    def accepts_writes() -> bool:
        """Ready once: from then on a rebalance does not refuse writes (commands wait on
        their topic until the decider owns them again); /ready still reports it."""
        if not boot.accepted_writes:
            boot.accepted_writes = is_ready()[0]
        return boot.accepted_writes

    ctx.is_ready = accepts_writes

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        # uvicorn's access log writes query strings (NIPs among them): ours never does
        logging.getLogger("uvicorn.access").disabled = True
        boot.task = asyncio.create_task(run_boot(), name=f"{definition.name}-boot")
        try:
            yield
        finally:
            if not boot.task.done():
                boot.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await boot.task
            await boot.stack.aclose()

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
        ok, checks = is_ready()
        kafka_ok = ctx._publisher is not None and await ctx._publisher.reachable()
        store_ok = not definition.uses_store or (ctx._store is not None and await ctx._store.ping())
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

    for router in definition.routers:
        app.include_router(router, responses=COMMON_RESPONSES)
    if definition.uses_store:  # what its projections hold, for a replay to compare with
        app.include_router(ops_router, responses=COMMON_RESPONSES)
    install_body_components(app)
    app.add_middleware(
        _ServiceGate, boot=boot, ctx=ctx, access=settings.access_log, service=definition.name
    )
    return app


class _ServiceGate:
    """Refuses what cannot be served yet (503 ``not_ready``) and writes the access log.

    Before boot only the open paths answer; until ready, writes answer 503. The access log
    line has the method, the path without its query string, the status and the duration;
    ``sampled`` logs every answer >= 400 and one success in a hundred.
    """

    def __init__(
        self, app: ASGIApp, *, boot: _Boot, ctx: ServiceContext, access: str, service: str
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
                access_log.info(
                    "%s %s %s %d %.1fms",
                    self.service,
                    method,
                    path,
                    status,
                    (time.perf_counter() - started) * 1000,
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
