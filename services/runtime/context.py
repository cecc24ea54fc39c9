"""The ports one service process wires together (see ``hosting.create_service``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from services.runtime.edge.identity import TokenCache
from services.runtime.settings import Settings

if TYPE_CHECKING:
    import faust

    from services.runtime.edge.idempotency import IdempotencyLedger
    from services.runtime.kafka.broker import EventPublisher
    from services.runtime.projection.replica import LocalReplica
    from services.runtime.store.base import Store


class Component(Protocol):
    """Something a service runs beside its routes: a replica, a projector, a directory.

    The host starts every component after Kafka and the store are up, stops them in reverse
    order, and reports ``/ready`` only when every component says it is ``ready()`` (for a
    consumer: caught up with the log as it was when it started).
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def ready(self) -> bool: ...


@dataclass
class ServiceContext:
    """Everything a route or an agent of one service may touch.

    ``store`` and ``publisher`` are opened by the lifespan, never at import time.
    """

    settings: Settings
    faust_app: faust.App
    _store: Store | None = field(default=None, repr=False)
    _publisher: EventPublisher | None = field(default=None, repr=False)
    _ledger: IdempotencyLedger | None = field(default=None, repr=False)
    replicas: list[LocalReplica] = field(default_factory=list, repr=False)
    tokens: TokenCache = field(default_factory=TokenCache, repr=False)
    """Verified bearer tokens of this process, until they expire."""
    components: list[Component] = field(default_factory=list, repr=False)
    """Started in order after the replicas, before the faust worker."""
    is_ready: Callable[[], bool] = field(default=lambda: False, repr=False)
    """True once the service has been ready: it takes writes from then on (set by the host)."""

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("store is not open yet")
        return self._store

    @property
    def publisher(self) -> EventPublisher:
        if self._publisher is None:
            raise RuntimeError("publisher is not started yet")
        return self._publisher

    def replica(self, name: str) -> LocalReplica:
        """The local replica registered under ``name``."""
        for replica in self.replicas:
            if replica.name == name:
                return replica
        raise KeyError(f"no replica named {name!r}")

    @property
    def idempotency(self) -> IdempotencyLedger:
        """The ledger of client idempotency keys (started by the host with the service)."""
        if self._ledger is None:
            raise RuntimeError("the idempotency ledger is not started yet")
        return self._ledger
