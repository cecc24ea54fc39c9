"""Session-wide real infrastructure. Unit tests never touch these fixtures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from schemas.topics import DEFAULT_PARTITIONS, TOPICS
from services.runtime.kafka.broker import ensure_topics
from tests.support.infra import kafka_broker
from tests.support.processes import ServiceProcess, running_services


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


@pytest.fixture(scope="session")
def audit_service(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One audit service for the session's audit tests: it archives the whole log once, then
    keeps up (a new audit process reads every topic from the start). Blocks are sealed half a
    second after their first event."""
    with running_services(
        kafka_bootstrap,
        tmp_path_factory.mktemp("audit-service"),
        names=("audit",),
        group_suffix=uuid.uuid4().hex[:8],
        extra_env={"AUDIT_SEAL_SECONDS": "0.5"},
    ) as procs:
        yield procs["audit"]
