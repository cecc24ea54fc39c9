"""The service context: ports opened by the boot, parts registered and found by type."""

from __future__ import annotations

import pytest

from services.runtime.context import (
    Port,
    ServiceContext,
    component,
    components,
    provide,
    register,
)
from services.runtime.edge.identity import TokenCache
from services.runtime.hosting.boot import build_context, replicas_then_components
from services.runtime.settings import Settings


class _Part:
    def __init__(self, name: str) -> None:
        self.name = name

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def ready(self) -> bool:
        return True


class _Other(_Part):
    pass


def _ctx() -> ServiceContext:
    return build_context(Settings(SERVICE_NAME="reporting"))  # type: ignore[call-arg]


def test_a_port_answers_once_open_and_names_what_is_missing() -> None:
    port: Port[str] = Port("store")
    assert not port.is_open
    with pytest.raises(RuntimeError, match="store is not open yet"):
        port.get()
    port.open("the store")
    assert port.is_open and port.get() == "the store"
    port.close()
    assert not port.is_open


def test_the_ports_of_a_context_are_read_through_it() -> None:
    ctx = _ctx()
    with pytest.raises(RuntimeError, match="store is not open yet"):
        _ = ctx.store
    with pytest.raises(RuntimeError, match="publisher is not open yet"):
        _ = ctx.publisher
    with pytest.raises(RuntimeError, match="idempotency ledger is not open yet"):
        _ = ctx.idempotency
    assert not ctx.is_ready()
    ctx.answer_readiness_with(lambda: True)
    assert ctx.is_ready()


def test_a_part_is_found_by_its_type_and_name_in_registration_order() -> None:
    ctx = _ctx()
    first, second, other = _Part("first"), _Part("second"), _Other("other")
    assert register(ctx, first) is first
    register(ctx, second)
    register(ctx, other)
    assert ctx.components == (first, second, other)
    assert component(ctx, _Part) is first
    assert component(ctx, _Part, name="second") is second
    assert component(ctx, _Other) is other
    assert components(ctx, _Part) == [first, second, other]
    with pytest.raises(LookupError, match="no _Part named 'third' is registered for reporting"):
        component(ctx, _Part, name="third")
    assert component(ctx, int, None) is None


def test_a_part_registered_later_is_found_too() -> None:
    ctx = _ctx()
    assert component(ctx, _Other, None) is None
    other = register(ctx, _Other("other"))
    assert component(ctx, _Other) is other


def test_the_builder_provides_a_token_cache_that_is_no_component() -> None:
    ctx = _ctx()
    cache = component(ctx, TokenCache)
    assert isinstance(cache, TokenCache)
    assert cache not in ctx.components
    assert provide(ctx, 42) == 42
    assert component(ctx, int) == 42


def test_replicas_start_before_the_other_components() -> None:
    from services.runtime.projection.replica import register_replica

    ctx = _ctx()
    directory = register(ctx, _Part("directory"))
    replica = register_replica(ctx, "reference", ["roster"], lambda envelope, position, raw: [])
    assert replicas_then_components(ctx) == [replica, directory]
