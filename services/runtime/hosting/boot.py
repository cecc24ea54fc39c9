"""The boot order of one service process, and the context it fills.

The lifespan only starts a *boot* task and returns at once, so ``/health`` answers from the
first moment. The boot task, in order:

1. opens the store (services that keep one) and runs its migrations;
2. declares every topic the service needs (:mod:`services.runtime.hosting.topics`);
3. starts the publisher, the idempotency ledger, the replicas and the other components, in the
   order they were registered;
4. starts the faust worker, when the service has agents or tables.

Each step opens the context's port for what it started, and stops it again, in reverse order,
when the process stops.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import faust
from faust.contrib.asgi import faust_app_running

from services.runtime.context import Component, ServiceContext, components, provide
from services.runtime.edge.idempotency import IdempotencyLedger
from services.runtime.edge.identity import TokenCache
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.hosting.topics import StateTopicMismatch, TopicDeclaration, faust_needed
from services.runtime.kafka.broker import EventPublisher
from services.runtime.kafka.security import broker_credentials
from services.runtime.projection.replica import LocalReplica
from services.runtime.settings import Settings
from services.runtime.store import open_store
from services.runtime.store.base import Store

log = logging.getLogger(__name__)

KAFKA_STARTUP_TIMEOUT_S = 90.0


def make_faust_app(settings: Settings) -> faust.App:
    brokers = ";".join(f"kafka://{server}" for server in settings.kafka_servers)
    datadir = settings.service_data_dir / "faust"
    return faust.App(
        settings.group_id,
        broker=brokers,
        broker_credentials=broker_credentials(settings),
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        producer_acks=-1,
        stream_wait_empty=False,
    )


def build_context(
    settings: Settings,
    *,
    store: Store | None = None,
    publisher: EventPublisher | None = None,
    faust_app: faust.App | None = None,
) -> ServiceContext:
    """A service's context: its faust app, a cache of verified tokens, and the store and
    publisher when they are open already (a replay or a test; the boot opens them otherwise)."""
    ctx = ServiceContext(
        settings, faust_app or make_faust_app(settings), store=store, publisher=publisher
    )
    provide(ctx, TokenCache())
    return ctx


def replicas_then_components(ctx: ServiceContext) -> list[Component]:
    """The start order of the registered parts: the replicas first (what the other
    components read), then every other component, each in registration order."""
    replicas: list[Component] = list(components(ctx, LocalReplica))
    return replicas + [part for part in ctx.components if not isinstance(part, LocalReplica)]


class Boot:
    """What the background boot has brought up so far."""

    def __init__(self, definition: ServiceDefinition, ctx: ServiceContext) -> None:
        self.definition = definition
        self.ctx = ctx
        self.booted = False
        self.faust_running = False
        self.failed: str | None = None
        self.accepted_writes = False
        self.stack = AsyncExitStack()
        self.task: asyncio.Task[None] | None = None

    async def start_everything(self) -> None:
        definition, ctx, stack = self.definition, self.ctx, self.stack
        settings = ctx.settings
        if definition.uses_store:
            store = open_store(settings)
            ctx.store_port.open(store)
            stack.push_async_callback(store.close)
            await store.migrate(definition.migrations)
        use_faust = faust_needed(ctx.faust_app)
        if use_faust:
            ctx.faust_app.finalize()
            # faust makes its data directory but not its parents (no store made them here)
            settings.service_data_dir.mkdir(parents=True, exist_ok=True)
        topics = TopicDeclaration(definition, settings, ctx.faust_app if use_faust else None)
        await wait_for_kafka(settings, topics.declare)
        publisher = EventPublisher(
            settings.kafka_servers,
            f"wfa-{definition.name}",
            publish_timeout_s=settings.kafka_publish_timeout_s,
            linger_ms=settings.kafka_linger_ms,
            max_batch_bytes=settings.kafka_batch_bytes,
        )
        await publisher.start()
        ctx.publisher_port.open(publisher)
        stack.push_async_callback(publisher.stop)
        ledger = IdempotencyLedger(settings, ctx.publisher_port)
        await ledger.start()
        ctx.ledger_port.open(ledger)
        stack.push_async_callback(ledger.stop)
        for part in replicas_then_components(ctx):
            await part.start()
            stack.push_async_callback(part.stop)
        self.booted = True
        # what is alive now (modules, schemas, the roster in memory) lives as long as the
        # process: keep the collector from walking it again on every collection
        gc.freeze()
        if use_faust:
            await stack.enter_async_context(faust_app_running(ctx.faust_app, stop_timeout=15.0))
            self.faust_running = True
        log.info("%s service started; ready once caught up", definition.name)

    async def run(self, is_ready: Callable[[], bool]) -> None:
        """Boot, then wait for the first moment ``is_ready``: the service takes writes from
        then on, even if a rebalance (another instance joining) follows before the first
        write arrives."""
        name = self.definition.name
        try:
            await self.start_everything()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
            log.exception("%s service failed to start", name)
            return
        while not self.accepted_writes:
            self.accepted_writes = is_ready()
            await asyncio.sleep(0.1)
        log.info("%s service ready", name)


async def wait_for_kafka(settings: Settings, action: Callable[[], Awaitable[Any]]) -> None:
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
