"""What one service declares: its name and docs, tables, routes, agents and topics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter

from schemas.topics import TopicSpec
from services.runtime.context import ServiceContext
from services.runtime.settings import Settings


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
    uses_store: bool = True
    """False for a service that keeps no embedded store, so it can run several workers."""
    restricted_topics: Callable[[Settings], Sequence[str]] = lambda settings: ()
    """Internal topics of the service that hold precise positions (its own topics, faust
    repartition topics, changelogs of tables holding coordinates): created, like the
    contract's restricted topics, with the location retention."""
