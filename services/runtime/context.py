"""The ports one service process wires together, and the parts registered on it.

A leaf of the runtime: at run time it imports nothing of it but the settings. The host
(:mod:`services.runtime.hosting`) builds one context per process, fills its ports as the boot
opens what they stand for, and starts the parts registered on it.

* **Ports** (:class:`Port`): the store, the event publisher and the idempotency ledger. A part
  is handed the ports it uses when it is registered, before the boot opens them, and reads
  them when it runs (``port.get()``); a route reads them through the context
  (``ctx.store``, ``ctx.publisher``, ``ctx.idempotency``).
* **Parts**: what a service runs beside its routes (a :class:`Component`: replicas, projectors,
  directories) and plain dependencies a route looks up (a token cache). Register them with
  :func:`register` or :func:`provide`; find one with :func:`component`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from services.runtime.settings import Settings

if TYPE_CHECKING:
    import asyncio

    import faust

    from schemas import Envelope, KafkaRecord
    from services.runtime.store.base import Store

T = TypeVar("T")
D = TypeVar("D")


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


C = TypeVar("C", bound=Component)


class Publisher(Protocol):
    """The event publisher, as parts and routes use it
    (:class:`services.runtime.kafka.broker.EventPublisher`): every call answers or raises
    ``PublishUnavailable`` within ``publish_timeout_s``."""

    publish_timeout_s: float

    async def publish(self, envelope: Envelope) -> KafkaRecord: ...

    async def publish_many(self, envelopes: Sequence[Envelope]) -> list[KafkaRecord]: ...

    async def send(self, record: KafkaRecord) -> None: ...

    async def send_many(self, records: Sequence[KafkaRecord]) -> None: ...

    def check_available(self) -> None: ...

    async def confirm_reachable(self) -> None: ...

    async def wait_while_reachable(
        self, future: asyncio.Future[T], timeout_s: float
    ) -> T | None: ...

    async def reachable(self, within_s: float = 2.0) -> bool: ...


class Ledger(Protocol):
    """The ledger of client idempotency keys, as a route uses it
    (:class:`services.runtime.edge.idempotency.IdempotencyLedger`)."""

    def recorded(self, caller: str, key: str | None, body: Any) -> dict[str, Any] | None: ...

    async def run(
        self,
        caller: str,
        key: str | None,
        body: Any,
        action: Callable[[], Awaitable[dict[str, Any]]],
    ) -> tuple[dict[str, Any], bool]: ...

    def ready(self) -> bool: ...


class Port(Generic[T]):
    """One resource the host opens at boot (the store, the publisher, the ledger).

    Parts hold the port from the moment they are made and read it when they run: ``get()``
    answers the resource, or raises :class:`RuntimeError` while it is not open yet.
    """

    __slots__ = ("_value", "what")

    def __init__(self, what: str, value: T | None = None) -> None:
        self.what = what
        self._value = value

    def open(self, value: T) -> None:
        """The resource is open: parts reading the port get it from now on."""
        self._value = value

    def close(self) -> None:
        self._value = None

    @property
    def is_open(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        if self._value is None:
            raise RuntimeError(f"{self.what} is not open yet")
        return self._value

    def __repr__(self) -> str:
        return f"Port({self.what!r}, open={self.is_open})"


class ServiceContext:
    """Everything a route or an agent of one service may touch.

    ``store`` and ``publisher`` are opened by the boot, never at import time; pass them here
    when they are open already (a replay, a test).
    """

    def __init__(
        self,
        settings: Settings,
        faust_app: faust.App,
        *,
        store: Store | None = None,
        publisher: Publisher | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.settings = settings
        self.faust_app = faust_app
        self.store_port: Port[Store] = Port("store", store)
        self.publisher_port: Port[Publisher] = Port("publisher", publisher)
        self.ledger_port: Port[Ledger] = Port("the idempotency ledger", ledger)
        self._components: list[Component] = []
        self._provided: list[object] = []
        self._found: dict[tuple[type, str | None], object] = {}
        """What :func:`component` found, per (type, name): routes look parts up per request."""
        self._accepts_writes: Callable[[], bool] = lambda: False

    def __repr__(self) -> str:
        return f"ServiceContext(service={self.settings.service_name!r})"

    # ports -------------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self.store_port.get()

    @property
    def publisher(self) -> Publisher:
        return self.publisher_port.get()

    @property
    def idempotency(self) -> Ledger:
        """The ledger of client idempotency keys (started by the host with the service)."""
        return self.ledger_port.get()

    # parts -------------------------------------------------------------------------------------

    @property
    def components(self) -> tuple[Component, ...]:
        """The registered components, in the order they were registered."""
        return tuple(self._components)

    def parts(self) -> Iterator[object]:
        """Every registered component, then every provided dependency."""
        yield from self._components
        yield from self._provided

    # readiness ---------------------------------------------------------------------------------

    def is_ready(self) -> bool:
        """True once the service has been ready: it takes writes from then on."""
        return self._accepts_writes()

    def answer_readiness_with(self, check: Callable[[], bool]) -> None:
        """The host's check behind :meth:`is_ready`."""
        self._accepts_writes = check


def register(ctx: ServiceContext, part: C) -> C:
    """Register a component of the service: the host starts it after the ones registered
    before it, stops it before them, and :func:`component` finds it."""
    ctx._components.append(part)
    ctx._found.clear()
    return part


def provide(ctx: ServiceContext, value: T) -> T:
    """Register a dependency with no life of its own (a cache): :func:`component` finds it."""
    ctx._provided.append(value)
    ctx._found.clear()
    return value


_MISSING: Any = object()


@overload
def component(ctx: ServiceContext, kind: type[T], *, name: str | None = None) -> T: ...


@overload
def component(
    ctx: ServiceContext, kind: type[T], default: D, *, name: str | None = None
) -> T | D: ...


def component(
    ctx: ServiceContext, kind: type[T], default: Any = _MISSING, *, name: str | None = None
) -> Any:
    """The part of type ``kind`` registered on ``ctx`` (the first in registration order;
    with ``name``, the one of that name, e.g. a replica).

    Raises :class:`LookupError` when there is none, unless a ``default`` is given.
    """
    found = ctx._found.get((kind, name))
    if found is not None:
        return found
    for part in ctx.parts():
        if isinstance(part, kind) and (name is None or getattr(part, "name", None) == name):
            ctx._found[kind, name] = part
            return part
    if default is not _MISSING:
        return default
    named = "" if name is None else f" named {name!r}"
    raise LookupError(f"no {kind.__name__}{named} is registered for {ctx.settings.service_name}")


def components(ctx: ServiceContext, kind: type[T]) -> list[T]:
    """Every registered part of type ``kind``, in registration order."""
    return [part for part in ctx.parts() if isinstance(part, kind)]
