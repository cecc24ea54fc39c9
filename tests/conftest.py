"""Session-wide real infrastructure. Unit tests never touch these fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from schemas.topics import DEFAULT_PARTITIONS, TOPICS
from services.runtime.kafka import ensure_topics
from tests.support.infra import kafka_broker


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A real broker with the contract's topics declared, as every service declares them at
    boot: a test may publish events before it starts the services that read them (the broker
    never creates topics by itself)."""
    with kafka_broker() as bootstrap:
        asyncio.run(
            ensure_topics(
                [bootstrap],
                TOPICS,
                partitions=DEFAULT_PARTITIONS,
                replication=1,
                partitions_of={s.name: s.partitions for s in TOPICS},
            )
        )
        yield bootstrap
